// The crypto engine's pattern 2: a crypto thread that owns the backend, fed by the thread that
// owns the frames through one lock-free SPSC ring and answering through another. The feeding
// side prepares and completes (EspEngine::prepare/complete: the frames, the replay windows and
// the counters stay with it); the crypto thread only submits and polls. Used by the live
// engine's loop (accel_loop.h) and by the offline runner's --pattern 2.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "core/ipsec/crypto_backend.h"
#include "core/ipsec/esp_decap.h"
#include "core/base/spsc_ring.h"

namespace xdpkit {

class CryptoPipeline {
public:
    // capacity: the most jobs the feeding side will ever have in flight (the rings hold that
    // many, so a hand-over is never refused).
    CryptoPipeline(CryptoBackend& backend, uint32_t capacity)
        : backend_(backend), to_crypto_(capacity), from_crypto_(capacity) {}
    CryptoPipeline(const CryptoPipeline&) = delete;
    CryptoPipeline& operator=(const CryptoPipeline&) = delete;

    uint32_t capacity() const { return to_crypto_.capacity(); }

    // Feeding side.
    uint32_t hand_over(std::span<CryptoJob* const> jobs) { return to_crypto_.push(jobs); }
    uint32_t take_completed(std::span<CryptoJob*> out) { return from_crypto_.pop(out); }
    // Ends run() once the feeding side has taken back everything it handed over.
    void finish() { finished_.store(true, std::memory_order_release); }

    // The crypto thread's body, until finish().
    void run();

private:
    CryptoBackend& backend_;
    SpscRing<CryptoJob*> to_crypto_, from_crypto_;
    std::atomic<bool> finished_{false};
};

// Every packet through the engine with the pipeline's crypto thread doing the crypto (pattern 2
// offline): what EspEngine::process does on one thread. jobs: one per packet.
void process_pipelined(EspEngine& engine, CryptoPipeline& pipeline, std::span<EspPacket> packets,
                       std::span<CryptoJob> jobs);

}  // namespace xdpkit
