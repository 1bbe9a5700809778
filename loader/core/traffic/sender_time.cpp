#include "core/traffic/sender_time.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "core/base/units.h"

namespace xdpkit {

void SenderTime::add(const SenderTime& o) {
    calls += o.calls;
    frames += o.frames;
    threads_seconds += o.threads_seconds;
    in_calls += o.in_calls;
    frame_loop += o.frame_loop;
    waited_for_cpu += o.waited_for_cpu;
}

std::optional<SchedStat> read_sched_stat() {
    // "<ns on a CPU> <ns runnable, waiting for one> <timeslices>" (Documentation/scheduler/
    // sched-stats.rst); absent without CONFIG_SCHED_INFO.
    std::ifstream in("/proc/thread-self/schedstat");
    uint64_t on_cpu = 0, delay = 0;
    if (!(in >> on_cpu >> delay)) return std::nullopt;
    return SchedStat{double(on_cpu) / 1e9, double(delay) / 1e9};
}

namespace {

// Too little sending to judge: a short run is mostly its first call's setup, on any host.
constexpr double kMinJudgedSeconds = 0.5;

}  // namespace

std::optional<std::string> slow_host_note(const SenderTime& t) {
    if (t.threads_seconds < kMinJudgedSeconds || t.calls == 0 || t.frame_loop <= 0) return {};
    const double loop_share = t.frame_loop / t.threads_seconds;
    if (loop_share >= kSlowHostLoopShare) return {};
    const double waited = std::min(t.waited_for_cpu, t.threads_seconds);
    const double setup = std::max(0.0, t.in_calls - t.frame_loop - waited);
    auto pct = [&](double s) { return 100.0 * s / t.threads_seconds; };
    const std::string why =
        t.dispatcher_held
            ? "the XDP dispatcher was held"
            : fmt::format("the kernel re-points its XDP dispatcher around every call and waits "
                          "for RCU grace periods; it could not be held here: {}",
                          t.hold_error.empty() ? "not tried" : t.hold_error);
    return fmt::format(
        "sending was slowed by this host: the frame loop ran {:.0f}% of the time (at {} while it "
        "ran); BPF_PROG_RUN's per-call setup took {:.0f}% ({:.1f} ms a call; {}), waiting for a "
        "CPU another task held {:.0f}%",
        100.0 * loop_share, format_pps(double(t.frames) / t.frame_loop), pct(setup),
        1e3 * setup / double(t.calls), why, pct(waited));
}

Json to_json(const SenderTime& t) {
    return {{"calls", t.calls},
            {"frames", t.frames},
            {"threads_seconds", t.threads_seconds},
            {"in_calls_seconds", t.in_calls},
            {"frame_loop_seconds", t.frame_loop},
            {"waited_for_cpu_seconds", t.waited_for_cpu},
            {"dispatcher_held", t.dispatcher_held},
            {"hold_error", t.hold_error.empty() ? Json(nullptr) : Json(t.hold_error)}};
}

}  // namespace xdpkit
