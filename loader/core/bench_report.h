// What `xdpkit bench` reports, as text and as JSON (docs/bench.md shows both). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench_measure.h"
#include "output.h"

namespace xdpkit {

struct BenchReport {
    std::string scenario;
    size_t size = 0;
    unsigned threads = 0;
    double measured_seconds = 0;     // after the warm-up second
    double sent_pps = 0;             // the generator, over the measured seconds
    Spread received_pps;             // the DUT program's verdicts, per second
    std::optional<Spread> returned_pps;  // frames back at gen0 (tx)
    std::vector<double> cpu_busy_percent;  // per CPU, over the measured seconds
    bool interrupted = false;        // SIGINT/SIGTERM ended it early
};

Json to_json(const BenchReport& r);
std::string format_bench(const BenchReport& r);

}  // namespace xdpkit
