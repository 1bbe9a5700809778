// The scenarios of `xdpkit bench`: one table entry each, saying what is attached where in the
// bench lab (docs/bench.md). Adding one (afxdp, ipsec) is one entry here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "result.h"

namespace xdpkit {

// A program attached in native mode to one end of the lab's veth.
struct BenchAttach {
    std::string family;
    std::vector<std::string> params;  // KEY=VALUE, as --param takes them
};

struct BenchScenario {
    std::string name, description;
    // On dut0: its action_counters are the received rate. Its presence also gives gen0
    // ndo-xmit (the veth peer-NAPI rule), without which live frames are dropped.
    BenchAttach dut;
    // On gen0, when frames come back (XDP_TX on dut0 needs dut0 to have ndo-xmit, that is an
    // XDP program on gen0); its counters are the frames that returned.
    std::optional<BenchAttach> gen;
    bool dut_has_address = false;  // frames go up the DUT's stack: give it the destination
    std::string unavailable;       // not empty: why it cannot run yet
};

const std::vector<BenchScenario>& bench_scenarios();
// The scenario called name; an error lists the known ones, or says why it is not available.
Result<const BenchScenario*> find_bench_scenario(const std::string& name);

}  // namespace xdpkit
