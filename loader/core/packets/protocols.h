// IP protocol numbers by name, for --param protos=LIST and for counter tables.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

// "udp" for 17, the number as text for protocols without a name here.
std::string ip_proto_name(uint32_t proto);
// A name from ip_proto_name's table, or a number 0..255.
Result<uint32_t> parse_ip_proto(const std::string& text);
// The names parse_ip_proto accepts.
std::vector<std::string> ip_proto_names();

}  // namespace xdpkit
