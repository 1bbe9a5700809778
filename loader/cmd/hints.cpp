// xdpkit hints IFACE [--count N] [--duration S] [--steer socket|stack|every-other] [--replace]
// xdpkit hints IFACE --qualify [--replace]
#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "command.h"
#include "foreground.h"
#include "core/hints/rx_meta_qualify.h"
#include "core/hints/rx_meta_session.h"
#include "core/base/ticker.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

struct HintsArgs {
    HintsRequest req;
    uint64_t count = 0;   // frames; 0: until SIGINT/SIGTERM
    double duration = 0;  // seconds; 0: no limit
    bool qualify = false;
};

// How often the loop looks for frames: the latency of a line, and of Ctrl-C.
constexpr double kPollSeconds = 0.02;

Result<void> run_qualify(const HintsArgs& a, const GlobalOptions& g) {
    auto report = qualify_device(hints_family(), a.req.ifname, a.req.replace);
    if (!report) return report.error();
    emit_event(g, qualify_report_json(*report), format_qualify_report(*report));
    if (qualify_exit_status(report->fields) == 0) return {};
    std::string failed;
    for (const auto& f : report->fields)
        if (f.advertised && f.verdict == Verdict::Fail) failed += (failed.empty() ? "" : ", ") + f.field;
    return make_error(EPROTO, "{}: not qualified: {} failed (the table above says why)",
                      a.req.ifname, failed);
}

Result<void> run_hints(const HintsArgs& a, const GlobalOptions& g) {
    if (a.qualify) return run_qualify(a, g);
    Ticker ticker(kPollSeconds);  // before the loop threads: they inherit the signals blocked
    auto session = HintsSession::start(hints_family(), a.req);
    if (!session) return session.error();
    HintsSession& s = **session;
    Json started{{"event", "started"},        {"ifname", s.iface().name},
                 {"prog_id", s.attached().prog_id}, {"mode", s.attached().mode},
                 {"steer", hints_steer_name(s.steer())},
                 {"sockets", s.sockets().sockets.size()},
                 {"copy_mode", s.sockets().zero_copy ? "zero-copy" : "copy"},
                 {"notes", s.attached().notes}};
    emit_event(g, started,
         fmt::format("{}: hints attached (prog id {}, {} mode, steer {}), {} AF_XDP socket(s) in "
                     "{} mode, tc ingress consumer on; Ctrl-C stops\n",
                     s.iface().name, s.attached().prog_id, s.attached().mode,
                     hints_steer_name(s.steer()), s.sockets().sockets.size(),
                     s.sockets().zero_copy ? "zero-copy" : "copy"));

    const uint64_t ticks = a.duration > 0 ? uint64_t(std::ceil(a.duration / kPollSeconds)) : 0;
    uint64_t frames = 0, xsk = 0, stack = 0;
    ticker.restart();
    for (uint64_t n = 0; (a.count == 0 || frames < a.count) && (ticks == 0 || n < ticks) &&
                         ticker.wait();
         ++n) {
        for (const auto& f : s.take()) {
            if (a.count && frames == a.count) break;
            ++frames;
            ++(f.via == "xsk" ? xsk : stack);
            emit_event(g, frame_json(f), format_frame(f));
        }
    }
    auto detached = s.stop();
    if (!detached) return detached.error();
    emit_event(g,
         {{"event", "stopped"}, {"frames", frames}, {"xsk", xsk}, {"stack", stack},
          {"overflowed", s.overflowed()}, {"detached", detached->detached},
          {"chain_removed", detached->chain_removed}},
         fmt::format("{} frames ({} from the AF_XDP socket, {} from the stack); hints detached\n",
                     frames, xsk, stack));
    return {};
}

}  // namespace

void register_hints(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<HintsArgs>();
    CLI::App* cmd = t.add(app, "hints",
                          "RX metadata per frame (hash + RSS type, VLAN tag, hardware timestamp) as "
                          "AF_XDP and the stack see it; --qualify judges a device's fields",
                          [a](const GlobalOptions& g) { return run_hints(*a, g); });
    cmd->add_option("iface", a->req.ifname, "Interface to load the hints program on")->required();
    CLI::Option* count =
        cmd->add_option("--count", a->count, "Stop after N frames (default: until Ctrl-C)")
            ->check(CLI::PositiveNumber);
    CLI::Option* duration = cmd->add_option("--duration", a->duration, "Stop after S seconds")
                                ->check(CLI::Range(0.01, 1e9));
    CLI::Option* steer = cmd->add_option("--steer", a->req.steer,
                    "Where frames go: socket (AF_XDP), stack, or every-other per RX queue "
                    "(default every-other: both consumers show)");
    // --qualify picks its own steering and ends when its test frames are in.
    cmd->add_flag("--qualify", a->qualify,
                  "Send test frames from the veth peer (plain and VLAN-tagged UDP, 198.18.100.0/24) "
                  "and print pass/warn/fail per field; exit 0 only when no advertised field fails")
        ->excludes(count)
        ->excludes(duration)
        ->excludes(steer);
    cmd->add_flag("--replace", a->req.replace,
                  "Swap the programs xdpkit has attached to IFACE for hints (they are not put "
                  "back when it ends)");
}

}  // namespace xdpkit
