// The traffic generator: BPF_PROG_RUN in live-frame mode (BPF_F_TEST_XDP_LIVE_FRAMES) runs
// the trafficgen program over template frames, and every XDP_TX it returns is a frame sent
// out of the interface — 15-26 Mpps into a veth here, with no socket and no driver queue
// in between (xdp-trafficgen's technique).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include <xdpkit/trafficgen.h>

#include "core/base/result.h"
#include "core/traffic/sender_time.h"
#include "core/base/skel_ptr.h"

struct trafficgen_bpf;  // trafficgen.skel.h

namespace xdpkit {

struct TrafficgenJob {
    int ifindex = 0;
    std::string ifname;
    // One template (UDP/ESP, rewritten per frame by the program), a capture's frames (sent
    // in order, round and round, one system call each), or with TRAFFICGEN_FRAME_SET a set of
    // frames of one length that the program copies over the live frame in order, round and
    // round (a system call for many frames, as fast as a template).
    std::vector<std::vector<uint8_t>> frames;
    trafficgen_rewrite rewrite = TRAFFICGEN_AS_IS;
    uint32_t l4_offset = 0;
    uint32_t flows = 1, base_port = 1024;
    uint64_t count = 0;     // frames to send in all; 0: no limit
    double duration = 0;    // seconds; 0: no limit
    uint64_t rate = 0;      // frames/s over all threads (at least 1 each); 0: as fast as it goes
    unsigned threads = 1;   // one per CPU, pinned
    uint32_t batch = 64;    // frames per kernel batch (the kernel's limit: 256)
};

struct TrafficgenProgress {
    uint64_t sent = 0;    // frames handed to the device so far
    double elapsed = 0;   // seconds since the first frame
    SenderTime time;      // where the sending threads' time went: the final report only
};

using TrafficgenReport = std::function<void(const TrafficgenProgress&)>;

// The generator program loaded for job's rewrite, with a frame set already in its map
// (tests run it under plain BPF_PROG_RUN).
Result<SkelPtr<trafficgen_bpf>> load_trafficgen_program(const TrafficgenJob& job);

// Sends until count, duration or stop; calls report every interval seconds (from the
// calling thread). Refuses an interface that would drop the frames (no ndo-xmit).
Result<TrafficgenProgress> run_trafficgen(const TrafficgenJob& job, double interval,
                                          const TrafficgenReport& report,
                                          const std::atomic<bool>& stop);

}  // namespace xdpkit
