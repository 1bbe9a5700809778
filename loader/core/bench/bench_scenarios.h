// The scenarios of `xdpkit bench`: one table entry each, saying what is attached where in the
// bench lab and where the frames are counted after the DUT (docs/bench.md). Adding one is one
// entry here.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

// A program attached in native mode, the way `xdpkit attach FAMILY IFACE --param ...` does it.
struct BenchAttach {
    std::string family;
    std::vector<std::string> params;  // KEY=VALUE, as --param takes them
};

// dut0's stage set up the way `xdpkit redirect dut0 --via VIA [--cpus CPUS]` does it, with
// `--to dut1` when the scenario's frames go on to the sink.
struct BenchRedirect {
    std::string via;
    std::string cpus;  // cpumap only; empty: every online CPU
};

// dut0's frames to AF_XDP sockets: the engine run the way `xdpkit afxdp dut0 --all-queues
// --copy --mode drop --steer all [--busy-poll]` runs it, its loops pinned to kLoopCpu (the
// second CPU, where xdp-tutorial's af_xdp_user is pinned for its 8.6 Mpps; the generator and
// dut0's NAPI run on the first).
struct BenchAfxdp {
    static constexpr int kLoopCpu = 1;
    bool busy_poll = false;
};

// dut0's ESP to the live crypto engine (bench_accel.h): the ipsec program steering one SA to
// an AF_XDP socket, the engine decrypting with the backend, pattern and --after of
// BenchIpsecOptions.
struct BenchAccel {};

// Where the frames dut0's program sent on are counted: the report's "arrived". A frame the
// DUT handed on but the next hop dropped is not throughput, so this is the honest figure
// wherever there is one.
enum class BenchArrival {
    None,   // the DUT's verdict is the end of the frame (drop)
    Gen,    // back out of dut0 to gen0 (XDP_TX): gen0 gets the counting program
    Sink,   // out of dut1, the DUT namespace's second veth, to sink1 in a namespace of its own;
            // sink1 gets the counting program
    Stack,  // up the DUT's IP stack: dut0 gets the destination address, and the stack's count
            // of UDP datagrams to a port nobody listens on (the generator's port 9) is read
    Socket, // into the AF_XDP sockets: the frames the engine's loops took off their RX rings
    Engine, // decrypted by the crypto engine (result ok)
};

// What counts arrivals at gen0 and sink1: XDP_DROP, and its verdict counters are the count.
// Its presence is also what gives the veth end before it ndo-xmit (the veth peer-NAPI rule).
BenchAttach bench_counting_sink();

// "gen0", "sink1", "stack", "xsk", "engine"; empty for None.
std::string bench_arrival_point(BenchArrival a);

struct BenchScenario {
    std::string name, description;
    // On dut0: its action_counters (every verdict) are the received rate. Its presence also
    // gives gen0 ndo-xmit, without which live frames are dropped.
    std::variant<BenchAttach, BenchRedirect, BenchAfxdp, BenchAccel> dut;
    BenchArrival arrival = BenchArrival::None;
    std::string unavailable;  // not empty: why it cannot run yet

    // Frames go up the DUT's stack, so dut0 needs the address they are sent to.
    bool dut_has_address() const { return arrival == BenchArrival::Stack; }
    // The lab grows the sink namespace and dut1/sink1.
    bool needs_sink() const { return arrival == BenchArrival::Sink; }
};

const std::vector<BenchScenario>& bench_scenarios();
// The scenario called name; an error lists the known ones, or says why it is not available.
Result<const BenchScenario*> find_bench_scenario(const std::string& name);

}  // namespace xdpkit
