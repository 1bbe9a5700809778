// CPU lists as the kernel writes them (/sys/devices/system/cpu/online: "0-3,6") and as
// users type them for --cpus.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

// "1", "0,2", "0-3,6": ascending, no duplicates. The error names the bad part.
Result<std::vector<uint32_t>> parse_cpu_list(const std::string& text);
// The CPUs that are online now.
Result<std::vector<uint32_t>> online_cpus();
// Back to the short form: {0,1,2,5} -> "0-2,5".
std::string format_cpu_list(const std::vector<uint32_t>& cpus);

}  // namespace xdpkit
