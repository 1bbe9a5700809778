#include "core/bench/bench_afxdp.h"

#include "core/kernel/netns.h"

namespace xdpkit {

Result<AfxdpPlan> bench_afxdp_plan(const BenchAfxdp& what) {
    AfxdpRequest req;
    req.ifname = BenchLab::kDutIf;
    req.all_queues = true;
    req.mode = "drop";
    req.steer = "all";
    req.copy = true;  // veth has no zero-copy; asking for auto would only add a note
    req.busy_poll = what.busy_poll;
    req.xdp_mode = "native";
    auto plan = plan_afxdp(req);
    if (!plan) return plan.error();
    plan->loop_cpu = BenchAfxdp::kLoopCpu;
    return plan;
}

Result<std::unique_ptr<BenchXsk>> BenchXsk::start(const BenchAfxdp& what, const BenchLab& lab,
                                                  const Family& family) {
    auto inside = NetnsGuard::enter(lab.dut_ns());
    if (!inside) return inside.error();
    auto plan = bench_afxdp_plan(what);
    if (!plan) return plan.error();
    auto session = AfxdpSession::start(family, *plan);
    if (!session) return session.error();
    return std::unique_ptr<BenchXsk>(new BenchXsk(lab.dut_ns(), std::move(*session)));
}

BenchXsk::~BenchXsk() {
    auto inside = NetnsGuard::enter(dut_ns_);
    // Without the namespace the detach would look for dut0 where it is not ours: leave the
    // program to the lab, whose namespace deletion detaches it, and let the session go
    // without stop() (its loops end with the process).
    if (!inside) {
        (void)session_.release();
        return;
    }
    (void)session_->stop();
}

Result<FrameTally> BenchXsk::verdicts() const { return verdicts_of(session_->attached()); }

FrameTally BenchXsk::received_by_loops() const {
    return FrameTally::counted_by([s = session_.get()] {
        uint64_t n = 0;
        for (const auto& q : s->sample().queues) n += q.loop.rx_packets;
        return n;
    });
}

BenchXskFrames BenchXsk::frames() const {
    const AfxdpSample now = session_->sample();
    BenchXskFrames f;
    f.to_socket = now.outcomes[AFXDP_TO_SOCKET];
    for (const auto& q : now.queues) {
        f.rx_dropped += q.xdp.rx_dropped;
        f.rx_fill_ring_empty_descs += q.xdp.rx_fill_ring_empty_descs;
        f.rx_ring_full += q.xdp.rx_ring_full;
    }
    return f;
}

}  // namespace xdpkit
