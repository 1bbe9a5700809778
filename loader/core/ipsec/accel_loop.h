// The live crypto engine's loop over one AF_XDP socket: ESP frames the ipsec program
// redirected to the socket are verified and decrypted by the EspEngine in place in the UMEM,
// and each inner packet is dropped, run through a program, or forwarded (accel_after.h).
//
// Pattern 1 (the seed's): one thread receives, runs the crypto and the verdict.
// Pattern 2: the RX thread parses and pre-checks (EspEngine::prepare), hands the crypto jobs
// to a crypto thread on another core through a lock-free SPSC ring, and takes the completed
// jobs back through a second ring (EspEngine::complete: window, padding, rebuild, verdict).
// Only the crypto thread touches the backend; only the RX thread touches the frames' pool,
// the engine's replay windows and the counters — so neither side takes a lock.
//
// After each batch the windows of the SAs it touched are published to the SA database, so the
// XDP program's anti-replay pre-check drops replays before they cost a redirect.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "core/ipsec/accel_after.h"
#include "core/ipsec/accel_forward.h"
#include "core/ipsec/crypto_pipeline.h"
#include "core/ipsec/esp_decap.h"
#include "core/afxdp/frame_pool.h"
#include "core/ipsec/ipsec_sad.h"
#include "core/base/published_counters.h"
#include "core/afxdp/umem.h"
#include "core/afxdp/xsk_socket.h"

namespace xdpkit {

struct AccelCounters {
    uint64_t rx_packets = 0, rx_bytes = 0;
    uint64_t results[kEspResults] = {};  // the engine's verdicts (EspResult)
    uint64_t inner_bytes = 0;            // the IP packets ok frames became
    uint64_t dropped = 0;          // ok packets ended here: --after drop, or the program's drop
    uint64_t program_pass = 0, program_drop = 0, program_other = 0, program_errors = 0;
    uint64_t forwarded = 0, forward_bytes = 0, forward_completed = 0;
    uint64_t no_neighbour = 0, forward_ring_full = 0;
    uint64_t window_updates = 0, window_errors = 0;  // replay windows published
    uint64_t crypto_submits = 0;  // backend submit calls (batches)
    uint64_t wakeups = 0;         // system calls to kick the kernel
    uint64_t frames_free = 0, frames_fill = 0, frames_user = 0;  // FrameCensus
    uint64_t accounting_violations = 0;
};
AccelCounters& operator+=(AccelCounters& to, const AccelCounters& from);

struct AccelLoopConfig {
    uint32_t pattern = 1;
    uint32_t batch = 64;
    bool busy_poll = false;
    int idle_poll_ms = 100;  // how long poll() sleeps with nothing to do: the stop latency
};

class AccelLoop {
public:
    // engine: set up with the SAs this socket's queue receives; db_slots[i]: the SA database
    // slot of the engine's SA i (whose window is published there); db may be null (no
    // publishing). post and forward may be null (see accel_after.h).
    AccelLoop(XskSocket& socket, const Umem& umem, uint64_t first_addr, uint32_t frames,
              EspEngine& engine, SaDatabase* db, std::vector<uint32_t> db_slots,
              PostProgram* post, ForwardPort* forward, const AccelLoopConfig& config);
    AccelLoop(const AccelLoop&) = delete;
    AccelLoop& operator=(const AccelLoop&) = delete;

    // The RX thread (pattern 1: the only one) until stop is set; in pattern 2 it then waits
    // for every job in flight to come back before it returns, and tells the crypto thread.
    void run(const std::atomic<bool>& stop);
    // Pattern 2's crypto thread: runs until run() has returned.
    void run_crypto() { pipeline_.run(); }

    AccelCounters snapshot() const { return published_.snapshot(); }
    // The full recount of the frames (frame_pool.h); only while no thread runs.
    bool audit() const;

private:
    uint32_t receive_pattern1();
    uint32_t receive_pattern2();
    uint32_t complete_pattern2();
    void finish(EspPacket& p);
    void deliver(EspPacket& p);
    void forward_frame(const uint8_t* frame, uint32_t len);
    void end_of_batch();
    void refill();
    void publish();
    uint32_t frame_index(uint64_t addr) const;

    XskSocket& socket_;
    const Umem& umem_;
    uint64_t first_addr_;
    uint32_t frame_size_;
    FramePool pool_;
    EspEngine& engine_;
    SaDatabase* db_;
    std::vector<uint32_t> db_slots_;
    std::vector<uint8_t> dirty_;  // per engine SA: its window may have moved this batch
    PostProgram* post_;
    ForwardPort* forward_;
    AccelLoopConfig config_;

    // Per UMEM frame of this socket's slice (pattern 2 keeps up to all of them in flight).
    std::vector<EspPacket> packets_;
    std::vector<CryptoJob> jobs_;
    std::vector<uint64_t> addrs_;     // scratch: one RX batch, fill addresses
    std::vector<CryptoJob*> handoff_;  // scratch: jobs to or from the crypto thread

    // Pattern 2: the crypto thread's rings; every frame of the slice can be in flight.
    CryptoPipeline pipeline_;
    uint32_t in_flight_ = 0;

    AccelCounters c_;
    PublishedCounters<AccelCounters> published_;
};

}  // namespace xdpkit
