// `xdpkit bench`: a lab of its own, a scenario's programs attached, live-frame traffic from the
// generator's namespace, and the DUT program's own counters read once a second.
#pragma once

#include "core/bench/bench_accel.h"
#include "core/bench/bench_report.h"
#include "core/bench/bench_scenarios.h"
#include "core/attach/status.h"

namespace xdpkit {

struct BenchOptions {
    unsigned duration = 5;  // seconds of traffic, the first of them warm-up
    size_t size = 64;
    unsigned threads = 1;
    uint64_t rate = 0;  // the generator's frames/s over all threads; 0: as fast as it goes
    BenchIpsecOptions ipsec;  // the ipsec scenario only
};

// Runs until the duration is up or SIGINT/SIGTERM comes (both are blocked for the whole run
// and taken between samples, so the lab is always torn down before returning).
Result<BenchReport> run_bench(const BenchScenario& scenario, const BenchOptions& opts,
                              const FamilyLookup& lookup);

}  // namespace xdpkit
