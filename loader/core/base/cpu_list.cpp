#include "core/base/cpu_list.h"

#include <algorithm>
#include <charconv>
#include <fstream>

namespace xdpkit {
namespace {

// Generous bound: a typo like 10000 is refused here, not as a confusing map error later.
constexpr uint32_t kMaxCpuNumber = 8191;

bool parse_number(std::string_view s, uint32_t& out) {
    if (s.empty()) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && out <= kMaxCpuNumber;
}

}  // namespace

Result<std::vector<uint32_t>> parse_cpu_list(const std::string& text) {
    std::vector<uint32_t> cpus;
    if (text.empty()) return make_error(EINVAL, "empty CPU list (write e.g. 1 or 0,2-3)");
    size_t start = 0;
    for (;;) {
        const size_t comma = text.find(',', start);
        const std::string_view part = std::string_view(text).substr(
            start, comma == std::string::npos ? std::string::npos : comma - start);
        const size_t dash = part.find('-');
        uint32_t lo = 0, hi = 0;
        const bool ok = dash == std::string_view::npos
                            ? parse_number(part, lo) && parse_number(part, hi)
                            : parse_number(part.substr(0, dash), lo) &&
                                  parse_number(part.substr(dash + 1), hi) && lo <= hi;
        if (!ok)
            return make_error(EINVAL, "'{}' in CPU list '{}' is not a CPU number or range "
                                      "(write e.g. 1 or 0,2-3)", part, text);
        for (uint32_t c = lo; c <= hi; ++c) cpus.push_back(c);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    return cpus;
}

Result<std::vector<uint32_t>> online_cpus() {
    std::ifstream in("/sys/devices/system/cpu/online");
    std::string line;
    if (!std::getline(in, line))
        return make_error(ENOENT, "cannot read /sys/devices/system/cpu/online");
    return parse_cpu_list(line);
}

std::string format_cpu_list(const std::vector<uint32_t>& cpus) {
    std::string out;
    for (size_t i = 0; i < cpus.size();) {
        size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(cpus[i]);
        if (j > i) out += '-' + std::to_string(cpus[j]);
        i = j + 1;
    }
    return out;
}

}  // namespace xdpkit
