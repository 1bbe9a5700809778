#include "core/ipsec/accel_loop.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/base/spin_backoff.h"
#include "core/afxdp/xsk_rings.h"

namespace xdpkit {
namespace {

// Empty looks at the RX ring before the loop sleeps in poll(): a few tens of microseconds.
constexpr uint32_t kIdleSpins = 2048;

// Ethernet plus up to two VLAN tags (802.1Q, 802.1ad) in front of the IP header.
uint32_t l2_length(std::span<const uint8_t> f) {
    uint32_t off = 12;
    for (int tags = 0; tags < 2 && f.size() >= off + 2; ++tags) {
        const uint16_t type = uint16_t(f[off] << 8 | f[off + 1]);
        if (type != 0x8100 && type != 0x88a8) break;
        off += 4;
    }
    return off + 2;
}

}  // namespace

AccelCounters& operator+=(AccelCounters& to, const AccelCounters& from) {
    return add_counter_words(to, from);
}

AccelLoop::AccelLoop(XskSocket& socket, const Umem& umem, uint64_t first_addr, uint32_t frames,
                     EspEngine& engine, SaDatabase* db, std::vector<uint32_t> db_slots,
                     PostProgram* post, ForwardPort* forward, const AccelLoopConfig& config)
    : socket_(socket),
      umem_(umem),
      first_addr_(first_addr),
      frame_size_(umem.config().frame_size),
      pool_(first_addr, frames, umem.config().frame_size),
      engine_(engine),
      db_(db),
      db_slots_(std::move(db_slots)),
      dirty_(engine.sas().size()),
      post_(post),
      forward_(forward),
      config_(config),
      packets_(std::max<uint32_t>(frames, config.batch)),
      jobs_(frames),
      addrs_(std::max<uint32_t>(config.batch, 1)),
      handoff_(std::max<uint32_t>(config.batch, 1)),
      pipeline_(engine.backend(), frames) {
    config_.batch = static_cast<uint32_t>(addrs_.size());
}

uint32_t AccelLoop::frame_index(uint64_t addr) const {
    return static_cast<uint32_t>((addr - first_addr_) / frame_size_);
}

void AccelLoop::run(const std::atomic<bool>& stop) {
    refill();
    publish();
    Backoff backoff;
    uint32_t idle_spins = 0;
    for (;;) {
        const bool stopping = stop.load(std::memory_order_relaxed);
        if (stopping && in_flight_ == 0) break;
        uint32_t work = 0;
        if (config_.pattern == 1) {
            work = stopping ? 0 : receive_pattern1();
        } else {
            work = stopping ? 0 : receive_pattern2();
            work += complete_pattern2();
        }
        if (work)
            end_of_batch();
        else if (forward_ && forward_->pending())
            forward_->flush();  // copy-mode TX goes out 32 frames per kick
        refill();
        publish();
        if (work) {
            backoff.reset();
            idle_spins = 0;
        } else if (in_flight_) {
            backoff.wait();  // the crypto thread has jobs of ours: they come back soon
        } else if (!stopping && ++idle_spins < kIdleSpins) {
            // More frames usually follow within microseconds: sleeping in poll() after every
            // short batch would cost a wake-up (a context switch) per few frames and let a burst
            // overflow the RX ring.
            cpu_relax();
        } else if (!stopping) {
            // Frames still waiting to be sent: back soon to kick again.
            const bool sending = forward_ && forward_->pending();
            if (wait_for_rx(socket_, config_.busy_poll, sending ? 1 : config_.idle_poll_ms))
                ++c_.wakeups;
        }
    }
    // What is on the forward port's TX ring still goes out (bounded: a link that went down
    // takes nothing).
    for (int i = 0; forward_ && forward_->pending() && i < 1000; ++i) {
        forward_->flush();
        if (forward_->pending()) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    publish();
    pipeline_.finish();
}

// One RX batch, decrypted and delivered before the next is taken.
uint32_t AccelLoop::receive_pattern1() {
    uint32_t idx = 0;
    const uint32_t n = xsk_ring_cons__peek(&socket_.rx(), config_.batch, &idx);
    if (n == 0) return 0;
    for (uint32_t i = 0; i < n; ++i) {
        const xdp_desc* d = xsk_ring_cons__rx_desc(&socket_.rx(), idx + i);
        pool_.received(d->addr);
        addrs_[i] = d->addr;
        packets_[i] = EspPacket{};
        packets_[i].data = umem_.data(d->addr);
        packets_[i].len = d->len;
        c_.rx_bytes += d->len;
    }
    xsk_ring_cons__release(&socket_.rx(), n);
    c_.rx_packets += n;
    engine_.process(std::span(packets_).first(n));
    c_.crypto_submits += (n + EspEngine::kBatch - 1) / EspEngine::kBatch;
    for (uint32_t i = 0; i < n; ++i) {
        finish(packets_[i]);
        pool_.release(addrs_[i]);
    }
    return n;
}

// One RX batch prepared and handed to the crypto thread; what needs no crypto (not ESP,
// unknown SA, a replay the pre-check sees) is finished here at once.
uint32_t AccelLoop::receive_pattern2() {
    uint32_t idx = 0;
    const uint32_t n = xsk_ring_cons__peek(&socket_.rx(), config_.batch, &idx);
    if (n == 0) return 0;
    uint32_t jobs = 0;
    for (uint32_t i = 0; i < n; ++i) {
        const xdp_desc* d = xsk_ring_cons__rx_desc(&socket_.rx(), idx + i);
        pool_.received(d->addr);
        const uint32_t f = frame_index(d->addr);
        EspPacket& p = packets_[f];
        p = EspPacket{};
        p.data = umem_.data(d->addr);
        p.len = d->len;
        c_.rx_bytes += d->len;
        if (engine_.prepare(p, jobs_[f])) {
            jobs_[f].user = &p;
            handoff_[jobs++] = &jobs_[f];
        } else {
            finish(p);
            pool_.release(d->addr);
        }
    }
    xsk_ring_cons__release(&socket_.rx(), n);
    c_.rx_packets += n;
    // The rings hold every frame of the slice: the push always takes all of them.
    const uint32_t pushed = pipeline_.hand_over(std::span<CryptoJob* const>(handoff_.data(), jobs));
    in_flight_ += pushed;
    return n;
}

uint32_t AccelLoop::complete_pattern2() {
    const uint32_t n = pipeline_.take_completed(handoff_);
    for (uint32_t i = 0; i < n; ++i) {
        CryptoJob& job = *handoff_[i];
        EspPacket& p = *static_cast<EspPacket*>(job.user);
        engine_.complete(p, job);
        finish(p);
        // The job's index is its frame's: any address inside the frame names it.
        pool_.release(first_addr_ + uint64_t(&job - jobs_.data()) * frame_size_);
    }
    in_flight_ -= n;
    return n;
}

void AccelLoop::finish(EspPacket& p) {
    if (p.sa != UINT32_MAX) dirty_[p.sa] = 1;
    if (p.result == EspResult::ok) deliver(p);
}

void AccelLoop::deliver(EspPacket& p) {
    const std::span<const uint8_t> frame(p.data + p.out_offset, p.out_len);
    if (!post_) {
        if (forward_)
            forward_frame(frame.data(), static_cast<uint32_t>(frame.size()));
        else
            ++c_.dropped;
        return;
    }
    auto verdict = post_->run(frame);
    if (!verdict) {
        ++c_.program_errors;
        ++c_.dropped;
        return;
    }
    switch (*verdict) {
        case XDP_PASS:
            ++c_.program_pass;
            if (forward_) {
                const auto out = post_->output();
                forward_frame(out.data(), static_cast<uint32_t>(out.size()));
            }
            return;
        case XDP_DROP:
        case XDP_ABORTED:
            ++c_.program_drop;
            break;
        default:  // XDP_TX, XDP_REDIRECT: nothing to send them with from here
            ++c_.program_other;
            break;
    }
    ++c_.dropped;
}

void AccelLoop::forward_frame(const uint8_t* frame, uint32_t len) {
    const uint32_t l2 = l2_length({frame, len});
    if (len > l2 && forward_->send(frame + l2, len - l2)) {
        ++c_.forwarded;
        c_.forward_bytes += len - l2;
    }
}

void AccelLoop::end_of_batch() {
    if (forward_) forward_->flush();
    for (uint32_t i = 0; i < dirty_.size(); ++i) {
        if (!dirty_[i]) continue;
        dirty_[i] = 0;
        if (!db_ || i >= db_slots_.size()) continue;
        if (db_->store_window(db_slots_[i], engine_.sas()[i].replay))
            ++c_.window_updates;
        else
            ++c_.window_errors;
    }
}

void AccelLoop::refill() { refill_fill_ring(socket_, pool_, addrs_, config_.batch); }

void AccelLoop::publish() {
    const EspCounters& e = engine_.counters();
    std::copy(e.results.begin(), e.results.end(), c_.results);
    c_.inner_bytes = e.inner_bytes;
    if (forward_) {
        const ForwardCounters& f = forward_->counters();
        c_.forward_completed = f.completed;
        c_.no_neighbour = f.no_neighbour;
        c_.forward_ring_full = f.ring_full;
    }
    const FrameCensus census = pool_.census();
    c_.frames_free = census.free;
    c_.frames_fill = census.fill;
    c_.frames_user = census.user;
    c_.accounting_violations = census.violations;
    published_.publish(c_);
}

bool AccelLoop::audit() const { return pool_.audit() && (!forward_ || forward_->audit()); }

}  // namespace xdpkit
