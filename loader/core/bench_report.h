// What `xdpkit bench` reports, as text and as JSON (docs/bench.md shows both). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench_measure.h"
#include "output.h"

namespace xdpkit {

// Frames over the whole run, warm-up included, read after the generator stopped and the lab
// drained: exact counts, so arrived <= received always holds, and received <= sent but for
// the ARP reply or two a DUT with an address asks for (bench_lab.cpp keeps the rest quiet).
struct BenchFrames {
    uint64_t sent = 0, received = 0;
    std::optional<uint64_t> arrived;
};

struct BenchReport {
    std::string scenario;
    size_t size = 0;
    unsigned threads = 0;
    double measured_seconds = 0;     // after the warm-up second
    double sent_pps = 0;             // the generator, over the measured seconds
    Spread received_pps;             // the DUT program's verdicts, per second
    std::string arrived_at;          // where frames are counted after the DUT (gen0, sink1,
                                     // stack); empty: nowhere, the DUT's verdict is the end
    std::optional<Spread> arrived_pps;  // frames counted there, per second
    BenchFrames frames;
    std::vector<double> cpu_busy_percent;  // per CPU, over the measured seconds
    bool interrupted = false;        // SIGINT/SIGTERM ended it early
};

Json to_json(const BenchReport& r);
std::string format_bench(const BenchReport& r);

}  // namespace xdpkit
