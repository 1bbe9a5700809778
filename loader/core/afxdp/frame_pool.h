// Where every UMEM frame is. A frame is always in exactly one place, and every move is
// checked against the place it must come from, so a frame lost or handed out twice shows up
// as a violation and as counts that no longer add up to the total.
//
// The places are the ones user space can see. The kernel moves frames from the fill ring to
// the RX ring, and from the TX ring to the completion ring, on its own: user space only
// learns of a move when it reads the RX or completion ring, so until then a frame counts in
// the ring user space put it into ("fill" covers fill ring + RX ring not yet read, "tx"
// covers TX ring + completion ring not yet read).
//
// One pool per socket, over its own slice of a shared UMEM: frames never cross sockets
// (pong sends a frame out of the socket it came in on), so each socket's loop owns its pool
// alone and needs no lock. Every operation is O(1) and allocates nothing.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace xdpkit {

enum class FramePlace : uint8_t { Free, Fill, User, Tx };
constexpr int kFramePlaces = 4;

struct FrameCensus {
    uint32_t free = 0, fill = 0, user = 0, tx = 0;
    uint32_t total = 0;
    uint64_t violations = 0;  // moves refused: wrong place, or not a frame of this pool
    bool adds_up() const { return free + fill + user + tx == total; }
};

class FramePool {
public:
    // count frames of frame_size bytes, the first at UMEM address first_addr.
    FramePool(uint64_t first_addr, uint32_t count, uint32_t frame_size);

    uint32_t size() const { return count_; }
    uint32_t free_frames() const { return static_cast<uint32_t>(free_top_); }

    // Free -> Fill: up to out.size() frames for the fill ring; returns how many.
    uint32_t take_for_fill(std::span<uint64_t> out);
    // Free -> User: up to out.size() frames user space writes itself (a TX-only socket).
    uint32_t take_for_user(std::span<uint64_t> out);
    // Fill -> User: addr came in on the RX ring (any address inside the frame).
    bool received(uint64_t addr);
    // User -> Tx: the frame goes out on the TX ring.
    bool to_tx(uint64_t addr);
    // User -> Free: done with a received frame.
    bool release(uint64_t addr);
    // Tx -> Free: addr came back on the completion ring.
    bool completed(uint64_t addr);

    // The running counts (cheap: what the statistics line shows).
    FrameCensus census() const;
    // Recounts every frame's place from scratch and compares with the running counts: the
    // debug check that the accounting is exact. True when both agree and add up.
    bool audit() const;

private:
    bool move(uint64_t addr, FramePlace from, FramePlace to);
    uint32_t take_free(std::span<uint64_t> out, FramePlace to);
    uint32_t index_of(uint64_t addr) const;  // count_ when addr is not ours

    uint64_t first_addr_;
    uint32_t count_, frame_size_;
    std::vector<FramePlace> place_;    // per frame
    std::vector<uint64_t> free_list_;  // a stack of frame base addresses
    size_t free_top_ = 0;
    uint32_t in_[kFramePlaces] = {};
    uint64_t violations_ = 0;
};

}  // namespace xdpkit
