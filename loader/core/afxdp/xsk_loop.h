// The per-socket AF_XDP loop: receive a batch, act on it (drop: recycle every frame; pong:
// answer ICMPv6 echo requests through the TX ring), take back what TX completed, and refill
// the fill ring. One loop per socket, each on its own thread with its own frame pool, so
// nothing is shared but the counters it publishes; nothing is allocated once it runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/afxdp/frame_pool.h"
#include "core/base/published_counters.h"
#include "core/afxdp/umem.h"
#include "core/afxdp/xsk_socket.h"

namespace xdpkit {

enum class AfxdpMode { Drop, Pong };

// What a loop has done so far.
struct XskLoopCounters {
    uint64_t rx_packets = 0, rx_bytes = 0;
    uint64_t tx_packets = 0, tx_bytes = 0;  // pong: replies put on the TX ring
    uint64_t tx_completed = 0;              // ... and handed back by the kernel as sent
    uint64_t not_replied = 0;   // pong: frames that were not an echo request
    uint64_t tx_ring_full = 0;  // replies dropped: no room in the TX ring
    uint64_t wakeups = 0;       // syscalls to kick the kernel (need_wakeup, busy poll)
    uint64_t frames_free = 0, frames_fill = 0, frames_user = 0, frames_tx = 0;  // FrameCensus
    uint64_t accounting_violations = 0;
};
// Field by field (several sockets' counters summed).
XskLoopCounters& operator+=(XskLoopCounters& to, const XskLoopCounters& from);

struct XskLoopConfig {
    AfxdpMode mode = AfxdpMode::Drop;
    uint32_t batch = 64;
    bool busy_poll = false;
    int idle_poll_ms = 100;  // how long poll() sleeps with nothing to do: the stop latency
    // Drop mode: called with every frame before it is recycled, on the loop's thread, with
    // the bytes of its UMEM frame before it (`xdpkit hints` reads the RX metadata there).
    // The pointer is good only during the call.
    std::function<void(const uint8_t* frame, uint32_t len, uint32_t headroom)> observe = {};
};

class XskLoop {
public:
    // first_addr: where this socket's slice of the UMEM starts.
    XskLoop(XskSocket& socket, const Umem& umem, uint64_t first_addr, uint32_t frames,
            const XskLoopConfig& config);
    XskLoop(const XskLoop&) = delete;
    XskLoop& operator=(const XskLoop&) = delete;

    // Gives the kernel every free frame the fill ring takes, then loops until stop is set.
    void run(const std::atomic<bool>& stop);

    // The counters as last published (once per batch): safe from any thread.
    XskLoopCounters snapshot() const;
    XskSocket& socket() const { return socket_; }
    // The full recount (frame_pool.h); only while the loop is not running.
    bool audit() const { return pool_.audit(); }

private:
    uint32_t receive();   // one RX batch; returns how many frames came
    void transmit(uint32_t count);
    void complete_tx();
    void refill();
    void kick_tx();
    void wait_for_rx();
    void publish();

    XskSocket& socket_;
    const Umem& umem_;
    FramePool pool_;
    XskLoopConfig config_;
    std::vector<uint64_t> addrs_;  // scratch for one batch (fill addresses, TX frames)
    std::vector<uint32_t> lens_;
    XskLoopCounters c_;  // the loop's own, plain
    PublishedCounters<XskLoopCounters> published_;  // c_ as the other threads see it
};

}  // namespace xdpkit
