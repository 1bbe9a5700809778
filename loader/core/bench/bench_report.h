// What `xdpkit bench` reports, as text and as JSON (docs/bench.md shows both). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/bench/bench_measure.h"
#include "core/base/output.h"
#include "core/traffic/sender_time.h"

namespace xdpkit {

// Frames over the whole run, warm-up included, read after the generator stopped and the lab
// drained: exact counts, so arrived <= received always holds, and received <= sent but for
// the ARP reply or two a DUT with an address asks for (bench_lab.cpp keeps the rest quiet).
// The AF_XDP scenarios: what the steering program sent to the sockets, and the sockets'
// XDP_STATISTICS, which say where those that user space did not get went.
struct BenchXskFrames {
    uint64_t to_socket = 0;
    uint64_t rx_dropped = 0;                // no frame to copy into (or too big for one)
    uint64_t rx_fill_ring_empty_descs = 0;  // times the kernel found the fill ring empty
    uint64_t rx_ring_full = 0;              // no room left in the RX ring
};

struct BenchFrames {
    uint64_t sent = 0, received = 0;
    std::optional<uint64_t> arrived;
    std::optional<BenchXskFrames> xsk;
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
    // bench ipsec: the inner UDP payload of each decrypted packet, for the payload Gbit/s.
    std::optional<size_t> payload;
    SenderTime generator;             // where the generator's threads spent their time
    std::optional<std::string> note;  // slow_host_note: the host, not the DUT, set the rate
};

Json to_json(const BenchReport& r);
std::string format_bench(const BenchReport& r);

}  // namespace xdpkit
