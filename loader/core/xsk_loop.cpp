#include "xsk_loop.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <bit>

#include "icmpv6_echo.h"

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

// Copy mode sends in the sendto() call itself; zero-copy drivers start the NIC's TX from it.
// With need_wakeup the kernel says whether it is needed at all.
void XskLoop::kick_tx() {
    if (socket_.need_wakeup() && !xsk_ring_prod__needs_wakeup(&socket_.tx())) return;
    ++c_.wakeups;
    // EAGAIN/EBUSY/ENOBUFS: the kernel is busy with earlier frames and will get to these;
    // ENETDOWN: the link went down under us. None is worth stopping for.
    (void)::sendto(socket_.fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0);
}

void XskLoop::complete_tx() {
    uint32_t idx = 0;
    const uint32_t n = xsk_ring_cons__peek(&socket_.comp(), socket_.comp().size, &idx);
    if (n == 0) return;
    for (uint32_t i = 0; i < n; ++i) pool_.completed(*xsk_ring_cons__comp_addr(&socket_.comp(), idx + i));
    xsk_ring_cons__release(&socket_.comp(), n);
    c_.tx_completed += n;
}

void XskLoop::refill() {
    xsk_ring_prod& fill = socket_.fill();
    for (;;) {
        const uint32_t want = std::min(pool_.free_frames(), config_.batch);
        if (want == 0) return;
        const uint32_t room = xsk_prod_nb_free(&fill, want);
        const uint32_t n = std::min(want, room);
        if (n == 0) return;
        uint32_t idx = 0;
        xsk_ring_prod__reserve(&fill, n, &idx);
        const uint32_t got = pool_.take_for_fill(std::span(addrs_).first(n));
        for (uint32_t i = 0; i < got; ++i) *xsk_ring_prod__fill_addr(&fill, idx + i) = addrs_[i];
        xsk_ring_prod__submit(&fill, got);
        if (n < want) return;  // the ring is full
    }
}

void XskLoop::wait_for_rx() {
    const int fd = socket_.fd();
    if (config_.busy_poll) {
        // recvfrom runs the queue's NAPI from this thread (SO_PREFER_BUSY_POLL): no sleep.
        ++c_.wakeups;
        (void)::recvfrom(fd, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
        return;
    }
    // poll() wakes a zero-copy driver that asked for it through the fill ring's
    // need_wakeup flag, then sleeps until the RX ring has frames (or the stop latency).
    if (socket_.need_wakeup() && xsk_ring_prod__needs_wakeup(&socket_.fill())) ++c_.wakeups;
    pollfd p{fd, POLLIN, 0};
    (void)::poll(&p, 1, config_.idle_poll_ms);
}

namespace {

// XskLoopCounters is all uint64_t: published, summed and copied word by word.
constexpr size_t kCounterWords = sizeof(XskLoopCounters) / sizeof(uint64_t);
using CounterWords = std::array<uint64_t, kCounterWords>;
static_assert(sizeof(CounterWords) == sizeof(XskLoopCounters));

CounterWords words_of(const XskLoopCounters& c) { return std::bit_cast<CounterWords>(c); }
XskLoopCounters counters_of(const CounterWords& w) { return std::bit_cast<XskLoopCounters>(w); }

}  // namespace

XskLoopCounters& operator+=(XskLoopCounters& to, const XskLoopCounters& from) {
    CounterWords a = words_of(to);
    const CounterWords b = words_of(from);
    for (size_t i = 0; i < kCounterWords; ++i) a[i] += b[i];
    return to = counters_of(a);
}

void XskLoop::publish() {
    const FrameCensus census = pool_.census();
    c_.frames_free = census.free;
    c_.frames_fill = census.fill;
    c_.frames_user = census.user;
    c_.frames_tx = census.tx;
    c_.accounting_violations = census.violations;
    const CounterWords words = words_of(c_);
    for (size_t i = 0; i < kCounterWords; ++i)
        published_[i].store(words[i], std::memory_order_relaxed);
}

XskLoopCounters XskLoop::snapshot() const {
    CounterWords words;
    for (size_t i = 0; i < kCounterWords; ++i)
        words[i] = published_[i].load(std::memory_order_relaxed);
    return counters_of(words);
}

}  // namespace xdpkit
