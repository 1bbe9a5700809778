// What `xdpkit veth create` and `xdpkit veth prepare` report, as text and as JSON
// (docs/veth.md shows both). Pure.
#pragma once

#include <string>

#include "core/base/output.h"
#include "core/net/veth_create.h"
#include "core/net/veth_prepare.h"

namespace xdpkit {

std::string format_veth_create(const VethCreateResult& r);
Json to_json(const VethCreateResult& r);

std::string format_veth_prepare(const VethPrepareResult& r);
Json to_json(const VethPrepareResult& r);

}  // namespace xdpkit
