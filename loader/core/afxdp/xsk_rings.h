// The ring chores every AF_XDP loop repeats, whatever it does with the frames: give the
// kernel free frames through the fill ring, take back what TX completed, kick TX, and wait
// for RX. Free functions over a socket and the frame pool of its slice, so the afxdp loop
// (xsk_loop.h), the crypto engine's loop (accel_loop.h) and its forwarding port share them.
#pragma once

#include <cstdint>
#include <span>

#include "core/afxdp/frame_pool.h"
#include "core/afxdp/xsk_socket.h"

namespace xdpkit {

// Moves free frames to the fill ring, up to `batch` per reservation, until the pool or the
// ring runs out. scratch holds at least `batch` addresses.
void refill_fill_ring(XskSocket& socket, FramePool& pool, std::span<uint64_t> scratch,
                      uint32_t batch);

// Takes every address on the completion ring back into the pool; returns how many.
uint32_t reap_tx_completions(XskSocket& socket, FramePool& pool);

// Tells the kernel there is TX work: copy mode sends in the sendto() itself, zero-copy
// drivers start the NIC's TX from it. With need_wakeup only when the kernel asked. Returns
// whether a system call was made.
bool kick_tx(XskSocket& socket);

// Nothing came: busy poll runs the queue's NAPI from this thread (recvfrom, no sleep);
// otherwise poll() sleeps until the RX ring has frames or idle_ms pass. Returns whether it
// woke the kernel (a counted wakeup).
bool wait_for_rx(XskSocket& socket, bool busy_poll, int idle_ms);

}  // namespace xdpkit
