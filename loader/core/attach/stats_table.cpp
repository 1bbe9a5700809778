#include "core/attach/stats_table.h"

#include <ctime>

#include <fmt/format.h>

#include "core/base/units.h"

namespace xdpkit {
namespace {

// label, packets/s, bits/s, packets, bytes
constexpr const char* kLine = "{:<30}{:>14}{:>16}{:>14}{:>16}\n";

std::string clock_time(double unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    return fmt::format("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string counted_line(const std::string& label, const xdpkit_datarec& total,
                         const Rate& rate) {
    return fmt::format(kLine, label, format_pps(rate.pps), format_bps(rate.bps), total.packets,
                       total.bytes);
}

}  // namespace

std::string format_stats_table(const Interval& iv) {
    std::string out = fmt::format(
        kLine, fmt::format("{} {} ({:.2f} s)", iv.ifname, clock_time(iv.timestamp), iv.elapsed),
        "packets/s", "bits/s", "packets", "bytes");
    for (const auto& st : iv.stages) {
        out += fmt::format("{} (slot {})\n", st.family, st.slot);
        bool any = false;
        for (const auto& t : st.tables)
            for (const auto& r : t.rows) {
                any = true;
                out += counted_line(fmt::format("  {} {}", t.key_title, r.key), r.total, r.rate);
                for (const auto& c : r.per_cpu)
                    out += counted_line(fmt::format("    cpu:{}", c.cpu), c.total, c.rate);
            }
        if (!any) out += "  no packets yet\n";
    }
    return out;
}

}  // namespace xdpkit
