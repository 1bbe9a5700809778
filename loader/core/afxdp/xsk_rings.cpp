#include "core/afxdp/xsk_rings.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

namespace xdpkit {

void refill_fill_ring(XskSocket& socket, FramePool& pool, std::span<uint64_t> scratch,
                      uint32_t batch) {
    xsk_ring_prod& fill = socket.fill();
    batch = std::min<uint32_t>(batch, static_cast<uint32_t>(scratch.size()));
    for (;;) {
        const uint32_t want = std::min(pool.free_frames(), batch);
        if (want == 0) return;
        const uint32_t room = xsk_prod_nb_free(&fill, want);
        const uint32_t n = std::min(want, room);
        if (n == 0) return;
        uint32_t idx = 0;
        xsk_ring_prod__reserve(&fill, n, &idx);
        const uint32_t got = pool.take_for_fill(scratch.first(n));
        for (uint32_t i = 0; i < got; ++i) *xsk_ring_prod__fill_addr(&fill, idx + i) = scratch[i];
        xsk_ring_prod__submit(&fill, got);
        if (n < want) return;  // the ring is full
    }
}

uint32_t reap_tx_completions(XskSocket& socket, FramePool& pool) {
    uint32_t idx = 0;
    const uint32_t n = xsk_ring_cons__peek(&socket.comp(), socket.comp().size, &idx);
    if (n == 0) return 0;
    for (uint32_t i = 0; i < n; ++i) pool.completed(*xsk_ring_cons__comp_addr(&socket.comp(), idx + i));
    xsk_ring_cons__release(&socket.comp(), n);
    return n;
}

bool kick_tx(XskSocket& socket) {
    if (socket.need_wakeup() && !xsk_ring_prod__needs_wakeup(&socket.tx())) return false;
    // EAGAIN/EBUSY/ENOBUFS: the kernel is busy with earlier frames and will get to these;
    // ENETDOWN: the link went down under us. None is worth stopping for.
    (void)::sendto(socket.fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0);
    return true;
}

bool wait_for_rx(XskSocket& socket, bool busy_poll, int idle_ms) {
    const int fd = socket.fd();
    if (busy_poll) {
        // recvfrom runs the queue's NAPI from this thread (SO_PREFER_BUSY_POLL): no sleep.
        (void)::recvfrom(fd, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
        return true;
    }
    // poll() wakes a zero-copy driver that asked for it through the fill ring's
    // need_wakeup flag, then sleeps until the RX ring has frames (or the stop latency).
    const bool wake = socket.need_wakeup() && xsk_ring_prod__needs_wakeup(&socket.fill());
    pollfd p{fd, POLLIN, 0};
    (void)::poll(&p, 1, idle_ms);
    return wake;
}

}  // namespace xdpkit
