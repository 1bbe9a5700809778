// xdpkit afxdp IFACE [--queue Q | --all-queues] [--mode drop|pong] [--steer ...] [--filter ...]
//              [--chain | --replace] [--copy | --zerocopy] [--busy-poll] [--batch N]
//              [--frames N] [--frame-size B]
//              [--interval S] [--count N] [--duration S]
#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "command.h"
#include "foreground.h"
#include "core/afxdp/afxdp.h"
#include "core/afxdp/afxdp_report.h"
#include "core/base/ticker.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

struct AfxdpArgs {
    AfxdpRequest req;
    int64_t queue = -1;  // -1: not given
    double interval = 1;
    uint64_t count = 0;     // intervals; 0: until SIGINT/SIGTERM
    double duration = 0;    // seconds; 0: no limit
};

Result<void> run_afxdp(AfxdpArgs a, const GlobalOptions& g) {
    if (a.queue >= 0) a.req.queue = static_cast<uint32_t>(a.queue);
    auto plan = plan_afxdp(a.req);
    if (!plan) return plan.error();
    const uint64_t limit = report_limit(a.count, a.duration, a.interval);

    // Before the loop threads exist, so they inherit SIGINT/SIGTERM blocked and the signal
    // always comes to this thread's wait.
    Ticker ticker(a.interval);
    auto session = AfxdpSession::start(afxdp_family(), *plan);
    if (!session) return session.error();
    AfxdpSession& s = **session;
    emit_event(g, afxdp_started_json(*plan, s.attached(), s.sockets()),
         format_afxdp_started(*plan, s.attached(), s.sockets()));

    ticker.restart();
    AfxdpSample prev = s.sample();
    bool hinted = false;
    for (uint64_t n = 0; (limit == 0 || n < limit) && ticker.wait(); ++n) {
        const AfxdpSample now = s.sample();
        emit_event(g, afxdp_interval_json(prev, now), format_afxdp_interval(prev, now));
        if (!hinted) {
            const std::string hint = queue_hint(*plan, now);
            if (!hint.empty()) {
                emit_event(g, afxdp_hint_json(hint, now), "hint: " + hint + "\n");
                hinted = true;
            }
        }
        prev = now;
    }

    auto detached = s.stop();
    if (!detached) return detached.error();
    const AfxdpSample last = s.sample();  // after the loops ended: their final counts
    emit_event(g, afxdp_stopped_json(last, *detached, s.audit_ok()),
         format_afxdp_stopped(*plan, last, *detached, s.audit_ok()));
    return {};  // SIGINT and SIGTERM are the normal way to stop: exit 0
}

}  // namespace

void register_afxdp(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<AfxdpArgs>();
    CLI::App* cmd = t.add(app, "afxdp",
                "AF_XDP sockets on an interface's RX queues in the foreground: frames steered "
                "by the afxdp program are dropped or answered (ICMPv6 echo) from user space",
                [a](const GlobalOptions& g) { return run_afxdp(*a, g); });
    cmd->add_option("iface", a->req.ifname, "Interface whose RX queue(s) the sockets bind")
        ->required();
    cmd->add_option("--queue", a->queue, "RX queue to bind (default 0)")
        ->check(CLI::Range(int64_t{0}, int64_t{UINT32_MAX}));
    cmd->add_flag("--all-queues", a->req.all_queues, "One socket per RX queue, sharing one UMEM");
    cmd->add_option("--mode", a->req.mode,
                    "drop: receive and recycle; pong: answer ICMPv6 echo requests through the "
                    "TX ring (default drop)");
    cmd->add_option("--steer", a->req.steer,
                    "Which candidate frames go to the socket, counted per RX queue: all "
                    "(default), every-other, 1-in-N");
    cmd->add_option("--filter", a->req.filter,
                    "Candidates only: icmpv6-echo or udp:PORT; everything else passes to the "
                    "stack and does not move the count (default: every frame)");
    cmd->add_flag("--copy", a->req.copy, "Bind in copy mode (XDP_COPY)");
    cmd->add_flag("--zerocopy", a->req.zerocopy,
                  "Bind in zero-copy mode or fail (default: zero-copy if the driver has it, "
                  "else copy)");
    cmd->add_flag("--busy-poll", a->req.busy_poll,
                  "Busy-poll the queue from the loop (SO_PREFER_BUSY_POLL, SO_BUSY_POLL, "
                  "SO_BUSY_POLL_BUDGET = --batch) instead of sleeping in poll()");
    // The ring size bounds a batch: one ring operation cannot take more descriptors.
    cmd->add_option("--batch", a->req.batch, "Descriptors per ring operation (default 64)")
        ->check(CLI::Range(1u, uint32_t{XSK_RING_CONS__DEFAULT_NUM_DESCS}));
    cmd->add_option("--frames", a->req.frames, "UMEM frames per socket (default 4096)");
    cmd->add_option("--frame-size", a->req.frame_size,
                    "Bytes per UMEM frame: 2048 or 4096 (default 4096)");
    cmd->add_flag("--hugepages", a->req.hugepages,
                  "Put the UMEM on huge pages (falls back to normal pages, and says so)");
    cmd->add_option("--xdp-mode", a->req.xdp_mode,
                    "XDP mode of the steering program: native, skb or auto (default auto)");
    cmd->add_flag("--chain", a->req.append,
                  "Run the steering program after the programs already attached");
    cmd->add_flag("--replace", a->req.replace,
                  "Swap an attached afxdp stage (or the whole chain) atomically");
    cmd->add_option("--interval", a->interval, "Seconds between reports (default 1)")
        ->check(CLI::Range(0.01, 3600.0));
    CLI::Option* count =
        cmd->add_option("--count", a->count, "Stop after N reports (default: until Ctrl-C)")
            ->check(CLI::PositiveNumber);
    cmd->add_option("--duration", a->duration,
                    "Stop after S seconds, rounded up to whole intervals")
        ->check(CLI::Range(0.01, 1e9))
        ->excludes(count);
}

}  // namespace xdpkit
