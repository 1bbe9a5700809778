#include "core/bench/bench_scenarios.h"

#include "core/bench/bench_lab.h"

namespace xdpkit {

BenchAttach bench_counting_sink() { return {"drop", {"action=drop"}}; }

std::string bench_arrival_point(BenchArrival a) {
    switch (a) {
    case BenchArrival::None: return "";
    case BenchArrival::Gen: return BenchLab::kGenIf;
    case BenchArrival::Sink: return BenchLab::kSinkIf;
    case BenchArrival::Stack: return "stack";
    case BenchArrival::Socket: return "xsk";
    case BenchArrival::Engine: return "engine";
    }
    return "";
}

const std::vector<BenchScenario>& bench_scenarios() {
    using A = BenchArrival;
    // Every field named in every entry: g++ 12 warns about designated initializers that
    // leave one out, defaults or not.
    static const std::vector<BenchScenario> table = {
        {.name = "drop",
         .description = "drop every frame on dut0 (drop, action=drop)",
         .dut = BenchAttach{"drop", {"action=drop"}},
         .arrival = A::None,
         .unavailable = ""},
        {.name = "pass",
         .description = "pass every frame on dut0 up to its IP stack (drop, action=pass)",
         .dut = BenchAttach{"drop", {"action=pass"}},
         .arrival = A::Stack,
         .unavailable = ""},
        {.name = "tx",
         .description = "bounce UDP back out of dut0 (drop, action=tx-udp); gen0 counts what "
                        "returns",
         .dut = BenchAttach{"drop", {"action=tx-udp", "protos=udp"}},
         .arrival = A::Gen,
         .unavailable = ""},
        {.name = "redirect",
         .description = "redirect from dut0 through a devmap out of dut1; sink1 counts what "
                        "arrives",
         .dut = BenchRedirect{"devmap", ""},
         .arrival = A::Sink,
         .unavailable = ""},
        {.name = "redirect-cpu",
         .description = "redirect from dut0 through a cpumap to CPU 1, up the stack there",
         .dut = BenchRedirect{"cpumap", "1"},
         .arrival = A::Stack,
         .unavailable = ""},
        {.name = "redirect-cpu-devmap",
         .description = "redirect from dut0 through a cpumap to CPU 1, on from there through a "
                        "devmap out of dut1; sink1 counts what arrives",
         .dut = BenchRedirect{"cpumap", "1"},
         .arrival = A::Sink,
         .unavailable = ""},
        {.name = "afxdp",
         .description = "steer every frame of dut0 to AF_XDP sockets (copy mode), received and "
                        "recycled by user space on CPU 1",
         .dut = BenchAfxdp{.busy_poll = false},
         .arrival = A::Socket,
         .unavailable = ""},
        {.name = "afxdp-busy-poll",
         .description = "afxdp, the loop busy-polling the queue (SO_PREFER_BUSY_POLL) instead of "
                        "sleeping in poll()",
         .dut = BenchAfxdp{.busy_poll = true},
         .arrival = A::Socket,
         .unavailable = ""},
        {.name = "ipsec",
         .description = "ESP tunnel mode (one SA, real ICVs) to dut0, steered by the ipsec "
                        "program to the live crypto engine's AF_XDP socket and decrypted there "
                        "(--backend, --pattern, --after, --alg, --payload)",
         .dut = BenchAccel{},
         .arrival = A::Engine,
         .unavailable = ""},
    };
    return table;
}

Result<const BenchScenario*> find_bench_scenario(const std::string& name) {
    std::string known;
    for (const auto& s : bench_scenarios()) {
        if (s.name == name) {
            if (!s.unavailable.empty())
                return make_error(EOPNOTSUPP, "bench scenario '{}' is not available yet: it {}",
                                  name, s.unavailable);
            return &s;
        }
        known += (known.empty() ? "" : ", ") + s.name;
    }
    return make_error(EINVAL, "unknown bench scenario '{}'; known: {}", name, known);
}

}  // namespace xdpkit
