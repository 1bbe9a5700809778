#include "core/bench/bench_report.h"

#include <fmt/format.h>

#include "core/base/units.h"

namespace xdpkit {
namespace {

constexpr double kMega = 1e6;

Json spread_json(const Spread& s) {
    return {{"median", s.median / kMega}, {"min", s.min / kMega}, {"max", s.max / kMega}};
}

std::string spread_text(const Spread& s) {
    return fmt::format("{} median (min {}, max {})", format_pps(s.median), format_pps(s.min),
                       format_pps(s.max));
}

Json xsk_json(const std::optional<BenchXskFrames>& x) {
    if (!x) return nullptr;
    return {{"to_socket", x->to_socket},
            {"rx_dropped", x->rx_dropped},
            {"rx_fill_ring_empty_descs", x->rx_fill_ring_empty_descs},
            {"rx_ring_full", x->rx_ring_full}};
}

}  // namespace

Json to_json(const BenchReport& r) {
    return {{"scenario", r.scenario},
            {"size", r.size},
            {"threads", r.threads},
            {"measured_seconds", r.measured_seconds},
            {"sent_mpps", r.sent_pps / kMega},
            {"received_mpps", spread_json(r.received_pps)},
            {"arrived_at", r.arrived_at.empty() ? Json(nullptr) : Json(r.arrived_at)},
            {"arrived_mpps", r.arrived_pps ? spread_json(*r.arrived_pps) : Json(nullptr)},
            {"frames",
             {{"sent", r.frames.sent},
              {"received", r.frames.received},
              {"arrived", r.frames.arrived ? Json(*r.frames.arrived) : Json(nullptr)},
              {"xsk", xsk_json(r.frames.xsk)}}},
            {"cpu_busy_percent", r.cpu_busy_percent},
            {"payload", r.payload ? Json(*r.payload) : Json(nullptr)},
            {"arrived_payload_gbps",
             r.payload && r.arrived_pps ? Json(r.arrived_pps->median * double(*r.payload) * 8 / 1e9)
                                        : Json(nullptr)},
            {"interrupted", r.interrupted},
            {"generator", to_json(r.generator)},
            {"note", r.note ? Json(*r.note) : Json(nullptr)}};
}

std::string format_bench(const BenchReport& r) {
    std::string out = fmt::format("bench {}: {}-byte frames, {} generator thread{}, {:.1f} s measured{}\n",
                                  r.scenario, r.size, r.threads, r.threads == 1 ? "" : "s",
                                  r.measured_seconds, r.interrupted ? " (interrupted)" : "");
    out += fmt::format("  sent      {}\n", format_pps(r.sent_pps));
    out += fmt::format("  received  {}\n", spread_text(r.received_pps));
    if (r.arrived_pps) {
        out += fmt::format("  arrived   {} at {}", spread_text(*r.arrived_pps), r.arrived_at);
        if (r.frames.arrived && r.frames.received)
            out += fmt::format(": {:.1f} % of received",
                               100.0 * double(*r.frames.arrived) / double(r.frames.received));
        if (r.payload)
            out += fmt::format("; {} of {}-byte inner payload",
                               format_bps(r.arrived_pps->median * double(*r.payload) * 8),
                               *r.payload);
        out += "\n";
    }
    if (const auto& x = r.frames.xsk)
        out += fmt::format("  AF_XDP    {} frames to the sockets; kernel drops: rx_dropped {}, "
                           "rx_ring_full {}, fill ring empty {} times\n",
                           x->to_socket, x->rx_dropped, x->rx_ring_full,
                           x->rx_fill_ring_empty_descs);
    std::string cpus;
    for (size_t i = 0; i < r.cpu_busy_percent.size(); ++i)
        cpus += fmt::format("{}cpu{} {:.0f}%", i ? ", " : "", i, r.cpu_busy_percent[i]);
    out += fmt::format("  CPU busy  {}\n", cpus);
    if (r.note) out += fmt::format("  note      {}\n", *r.note);
    return out;
}

}  // namespace xdpkit
