// The DUT of bench's AF_XDP scenarios: the AF_XDP engine on dut0, run in-process the way
// `xdpkit afxdp dut0 --all-queues --copy --mode drop --steer all [--busy-poll]` runs it, with
// the loop threads pinned to one CPU, and the counts bench reports from it.
#pragma once

#include <memory>
#include <string>

#include "core/afxdp/afxdp.h"
#include "core/bench/bench_lab.h"
#include "core/bench/bench_report.h"
#include "core/bench/bench_scenarios.h"
#include "core/bench/bench_stages.h"

namespace xdpkit {

class BenchXsk {
public:
    // Sockets on every RX queue of dut0 (a veth receives on the queue its peer sent on, so the
    // generator's frames land on one of them), then the steering program, inside the DUT
    // namespace.
    static Result<std::unique_ptr<BenchXsk>> start(const BenchAfxdp& what, const BenchLab& lab,
                                                   const Family& family);
    // Stops the session inside the DUT namespace: its detach looks the interface up by name,
    // and outside the lab that name is not ours.
    ~BenchXsk();
    BenchXsk(const BenchXsk&) = delete;
    BenchXsk& operator=(const BenchXsk&) = delete;

    // The steering program's verdicts (every frame it saw): the received count.
    Result<FrameTally> verdicts() const;
    // Frames the engine's loops took off their RX rings: the arrived count.
    FrameTally received_by_loops() const;
    // The frames the program sent to the sockets, and the sockets' kernel drop counters.
    BenchXskFrames frames() const;

private:
    BenchXsk(std::string dut_ns, std::unique_ptr<AfxdpSession> session)
        : dut_ns_(std::move(dut_ns)), session_(std::move(session)) {}
    std::string dut_ns_;
    std::unique_ptr<AfxdpSession> session_;
};

// The plan the scenario's DUT runs, resolved in the namespace this thread is in.
Result<AfxdpPlan> bench_afxdp_plan(const BenchAfxdp& what);

}  // namespace xdpkit
