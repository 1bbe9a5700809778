// Machine output: one compact JSON document per line on stdout (--json).
#pragma once

#include <nlohmann/json.hpp>

namespace xdpkit {

using Json = nlohmann::ordered_json;

void print_json(const Json& j);

}  // namespace xdpkit
