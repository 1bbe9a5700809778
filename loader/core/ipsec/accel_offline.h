// `xdpkit accel --pcap`: a capture through the crypto engine, no interface, no privileges.
// The entry point for tests, for checking keys against a capture, and for the engine's own
// benchmark (--repeat).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ipsec/esp_decap.h"
#include "core/base/output.h"
#include "core/base/result.h"

namespace xdpkit {

struct AccelOfflineRequest {
    std::string backend, sa_file, pcap, out;
    uint32_t repeat = 1;  // passes of the whole capture; the replay windows reset before each
    bool warm = false;    // leave the frames in the CPU caches between passes (default: evicted)
    uint32_t pattern = 1;  // 2: the crypto on a second thread (crypto_pipeline.h)
};

struct AccelPacketResult {
    uint32_t index = 0;  // 1-based, as tcpdump counts
    uint32_t len_in = 0, len_out = 0;
    EspResult result = EspResult::not_esp;
    uint32_t spi = 0, seq = 0;
    bool tunnel = false;
};

struct AccelOfflineReport {
    std::string backend, backend_detail, sa_file, pcap, out;
    uint32_t sas = 0;
    uint32_t repeat = 1;
    std::vector<AccelPacketResult> packets;  // the first pass (every pass is the same)
    EspCounters counters;                    // the first pass
    // Every pass, timed around the engine only (restoring the frames is not timed).
    double seconds = 0;      // wall clock
    double cpu_seconds = 0;  // this thread's CPU time over the same spans: less than seconds
                             // when other work shared the core
    uint64_t timed_packets = 0, timed_inner_bytes = 0;
    uint64_t arena_bytes = 0;  // the buffer the frames are decapsulated in
    bool warm = false;
    uint32_t pattern = 1;

    double pps() const { return seconds > 0 ? timed_packets / seconds : 0; }
    double inner_bps() const { return seconds > 0 ? 8.0 * timed_inner_bytes / seconds : 0; }
    double cpu_pps() const { return cpu_seconds > 0 ? timed_packets / cpu_seconds : 0; }
};

Result<AccelOfflineReport> run_accel_offline(const AccelOfflineRequest& req);

Json to_json(const AccelOfflineReport& r);

}  // namespace xdpkit
