// What a bench scenario puts where in its lab, and the running frame counts it reads back:
// the DUT program's verdicts, and the frames that arrived after it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <variant>

#include "core/bench/bench_lab.h"
#include "core/bench/bench_scenarios.h"
#include "core/attach/chain.h"
#include "core/base/fd.h"
#include "core/kernel/snmp.h"
#include "core/attach/status.h"

namespace xdpkit {

// A running total of frames at one point of the lab. Both sources are file descriptors bound
// to their namespace when opened, so they are read from wherever the sampling loop is.
class FrameTally {
public:
    // Every verdict of a program: its pinned action_counters.
    static FrameTally verdicts(Fd action_counters) { return FrameTally(std::move(action_counters)); }
    // UDP datagrams the stack took all the way up and found no socket for.
    static FrameTally udp_no_ports(SnmpCounters stack) { return FrameTally(std::move(stack)); }
    // A count kept in this process (the AF_XDP engine's); count must outlive the tally.
    static FrameTally counted_by(std::function<uint64_t()> count) {
        return FrameTally(std::move(count));
    }
    Result<uint64_t> read() const;

private:
    using Source = std::variant<Fd, SnmpCounters, std::function<uint64_t()>>;
    explicit FrameTally(Source source) : source_(std::move(source)) {}
    Source source_;
};

// The pinned verdict counters of a stage just attached (the fd works from any namespace).
Result<FrameTally> verdicts_of(const AttachResult& attached);

class BenchXsk;
class BenchAccelEngine;
struct BenchIpsecOptions;

// dut0's stage: its verdicts, and for the AF_XDP scenarios the engine that runs behind it.
struct BenchDut {
    BenchDut(FrameTally v, std::unique_ptr<BenchXsk> x,
             std::unique_ptr<BenchAccelEngine> a = nullptr);
    BenchDut(BenchDut&&) noexcept;
    ~BenchDut();  // where BenchXsk is complete
    FrameTally verdicts;
    std::unique_ptr<BenchXsk> xsk;
    std::unique_ptr<BenchAccelEngine> accel;
};

// Where the scenario's frames are counted after dut0: the counting program on gen0 or sink1,
// or the DUT namespace's stack (the AF_XDP sockets' count comes with the DUT's engine). Set up before the DUT: the program on sink1 is what lets
// dut1 take redirected frames, and the redirect plan checks for it. nullopt: nowhere.
Result<std::optional<FrameTally>> set_up_arrival(const BenchScenario& scenario,
                                                 const BenchLab& lab, const FamilyLookup& lookup);

// The scenario's stage on dut0, attached, set up as a redirect (on to dut1 when its frames
// go to the sink), or as the AF_XDP engine with its steering program.
Result<BenchDut> set_up_dut(const BenchScenario& scenario, const BenchLab& lab,
                            const FamilyLookup& lookup, const BenchIpsecOptions& ipsec);

}  // namespace xdpkit
