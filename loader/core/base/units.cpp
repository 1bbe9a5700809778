#include "core/base/units.h"

#include <array>

#include <fmt/format.h>

namespace xdpkit {
namespace {

// The largest prefix that keeps the value under 1000 once rounded to two decimals, so
// 999999 pps reads "1.00 Mpps", never "1000.00 Kpps". Below 1000 there is no prefix and one
// decimal: low rates (a ping every 200 ms) must not round to a misleading 0.
std::string with_prefix(double value, const char* unit) {
    static constexpr std::array<const char*, 4> kPrefixes = {"", "K", "M", "G"};
    if (value < 999.95) return fmt::format("{:.1f} {}", value, unit);
    size_t i = 1;
    value /= 1000;
    while (i + 1 < kPrefixes.size() && value >= 999.995) {
        value /= 1000;
        ++i;
    }
    return fmt::format("{:.2f} {}{}", value, kPrefixes[i], unit);
}

}  // namespace

std::string format_pps(double pps) { return with_prefix(pps, "pps"); }

std::string format_bps(double bps) { return with_prefix(bps, "bit/s"); }

}  // namespace xdpkit
