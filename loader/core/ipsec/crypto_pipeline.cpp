#include "core/ipsec/crypto_pipeline.h"

#include <algorithm>

#include "core/base/spin_backoff.h"

namespace xdpkit {
namespace {

// A backend fills its lanes only with whole batches (ipsec-mb's AVX-512 manager hashes 16
// packets at once): a thread that submitted every job the moment it came would run most lanes
// empty. So jobs are gathered up to a batch, and a partial batch goes only when no more come
// for a while (a lone packet still gets through in microseconds).
constexpr uint32_t kGatherSpins = 256;

}  // namespace

// Asks for a batch's frames before the one ahead of it is decrypted: they come from another
// core's cache or from memory, and the cipher would otherwise wait for each line in turn
// (EspEngine::process does the same on one thread).
static void prefetch_jobs(std::span<CryptoJob* const> jobs) {
    for (const CryptoJob* j : jobs)
        for (uint32_t off = j->esp_offset; off < j->icv_offset + 16; off += 64)
            __builtin_prefetch(j->frame + off, 1, 3);
}

void CryptoPipeline::run() {
    // Two batches: `next` is gathered (and prefetched) while `ready` is decrypted.
    std::vector<CryptoJob*> next(EspEngine::kBatch), ready(EspEngine::kBatch),
        done(EspEngine::kBatch);
    uint32_t have = 0, ready_n = 0, gathering = 0;
    Backoff backoff;
    while (!finished_.load(std::memory_order_acquire)) {
        const uint32_t came = to_crypto_.pop(std::span(next).subspan(have));
        have += came;
        if (came) prefetch_jobs(std::span(next).subspan(have - came, came));
        const bool gathered = have == next.size() || (have > 0 && gathering >= kGatherSpins);
        if (!gathered && !(ready_n > 0 && have == 0)) {
            if (have > 0) {
                gathering = came ? 0 : gathering + 1;
                cpu_relax();
                continue;
            }
        }
        uint32_t submitted = 0;
        bool worked = ready_n > 0;
        while (submitted < ready_n) {
            submitted += backend_.submit(std::span(ready.data() + submitted, ready_n - submitted));
            // A backend with a full queue takes the rest once completions are collected.
            const uint32_t got = backend_.poll(done);
            if (got) from_crypto_.push(std::span<CryptoJob* const>(done.data(), got));
        }
        ready_n = 0;
        if (gathered) {
            std::swap(next, ready);
            ready_n = have;
            have = 0;
            gathering = 0;
            worked = true;
        }
        const uint32_t got = backend_.poll(done);
        if (got) {
            from_crypto_.push(std::span<CryptoJob* const>(done.data(), got));
            worked = true;
        }
        if (worked)
            backoff.reset();
        else
            backoff.wait();
    }
}

void process_pipelined(EspEngine& engine, CryptoPipeline& pipeline, std::span<EspPacket> packets,
                       std::span<CryptoJob> jobs) {
    std::array<CryptoJob*, EspEngine::kBatch> handoff{}, back{};
    size_t next = 0, finished = 0;
    uint32_t in_flight = 0;
    Backoff backoff;
    while (finished < packets.size()) {
        bool worked = false;
        // Prepare the next batch, as much of it as the rings have room for.
        uint32_t ready = 0;
        while (next < packets.size() && ready < handoff.size() &&
               in_flight + ready < pipeline.capacity()) {
            EspPacket& p = packets[next];
            CryptoJob& job = jobs[next++];
            if (engine.prepare(p, job)) {
                job.user = &p;
                handoff[ready++] = &job;
            } else {
                ++finished;  // its result is final: no crypto
            }
            worked = true;
        }
        in_flight += pipeline.hand_over(std::span<CryptoJob* const>(handoff.data(), ready));
        const uint32_t n = pipeline.take_completed(back);
        for (uint32_t i = 0; i < n; ++i)
            engine.complete(*static_cast<EspPacket*>(back[i]->user), *back[i]);
        in_flight -= n;
        finished += n;
        if (worked || n)
            backoff.reset();
        else
            backoff.wait();
    }
}

}  // namespace xdpkit
