#include "core/afxdp/xsk_loop.h"

#include <algorithm>

#include "core/afxdp/icmpv6_echo.h"
#include "core/afxdp/xsk_rings.h"

namespace xdpkit {

XskLoop::XskLoop(XskSocket& socket, const Umem& umem, uint64_t first_addr, uint32_t frames,
                 const XskLoopConfig& config)
    : socket_(socket),
      umem_(umem),
      pool_(first_addr, frames, umem.config().frame_size),
      config_(config),
      addrs_(std::max<uint32_t>(config.batch, 1)),
      lens_(addrs_.size()) {
    config_.batch = static_cast<uint32_t>(addrs_.size());
}

void XskLoop::run(const std::atomic<bool>& stop) {
    refill();
    publish();
    while (!stop.load(std::memory_order_relaxed)) {
        const uint32_t got = receive();
        if (c_.tx_packets != c_.tx_completed) complete_tx();
        refill();
        publish();
        if (!got) wait_for_rx();
    }
    complete_tx();
    publish();
}

uint32_t XskLoop::receive() {
    uint32_t idx = 0;
    const uint32_t n = xsk_ring_cons__peek(&socket_.rx(), config_.batch, &idx);
    if (n == 0) return 0;
    uint32_t replies = 0;
    for (uint32_t i = 0; i < n; ++i) {
        const xdp_desc* d = xsk_ring_cons__rx_desc(&socket_.rx(), idx + i);
        pool_.received(d->addr);
        c_.rx_bytes += d->len;
        if (config_.mode == AfxdpMode::Pong &&
            icmpv6_echo_to_reply({umem_.data(d->addr), d->len})) {
            addrs_[replies] = d->addr;
            lens_[replies++] = d->len;
        } else {
            if (config_.mode == AfxdpMode::Pong) ++c_.not_replied;
            if (config_.observe)
                config_.observe(umem_.data(d->addr), d->len,
                                static_cast<uint32_t>(d->addr % umem_.config().frame_size));
            pool_.release(d->addr);
        }
    }
    xsk_ring_cons__release(&socket_.rx(), n);
    c_.rx_packets += n;
    if (replies) transmit(replies);
    return n;
}

void XskLoop::transmit(uint32_t count) {
    uint32_t idx = 0;
    // reserve is all or nothing: take back what TX finished first when it does not fit.
    if (xsk_ring_prod__reserve(&socket_.tx(), count, &idx) != count) {
        complete_tx();
        kick_tx();
        if (xsk_ring_prod__reserve(&socket_.tx(), count, &idx) != count) {
            for (uint32_t i = 0; i < count; ++i) pool_.release(addrs_[i]);
            c_.tx_ring_full += count;
            return;
        }
    }
    for (uint32_t i = 0; i < count; ++i) {
        xdp_desc* d = xsk_ring_prod__tx_desc(&socket_.tx(), idx + i);
        d->addr = addrs_[i];
        d->len = lens_[i];
        d->options = 0;
        pool_.to_tx(addrs_[i]);
        c_.tx_bytes += lens_[i];
    }
    xsk_ring_prod__submit(&socket_.tx(), count);
    c_.tx_packets += count;
    kick_tx();
}

void XskLoop::kick_tx() {
    if (xdpkit::kick_tx(socket_)) ++c_.wakeups;
}

void XskLoop::complete_tx() { c_.tx_completed += reap_tx_completions(socket_, pool_); }

void XskLoop::refill() { refill_fill_ring(socket_, pool_, addrs_, config_.batch); }

void XskLoop::wait_for_rx() {
    if (xdpkit::wait_for_rx(socket_, config_.busy_poll, config_.idle_poll_ms)) ++c_.wakeups;
}

XskLoopCounters& operator+=(XskLoopCounters& to, const XskLoopCounters& from) {
    return add_counter_words(to, from);
}

void XskLoop::publish() {
    const FrameCensus census = pool_.census();
    c_.frames_free = census.free;
    c_.frames_fill = census.fill;
    c_.frames_user = census.user;
    c_.frames_tx = census.tx;
    c_.accounting_violations = census.violations;
    published_.publish(c_);
}

XskLoopCounters XskLoop::snapshot() const { return published_.snapshot(); }

}  // namespace xdpkit
