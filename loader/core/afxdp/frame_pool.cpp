#include "core/afxdp/frame_pool.h"

namespace xdpkit {

FramePool::FramePool(uint64_t first_addr, uint32_t count, uint32_t frame_size)
    : first_addr_(first_addr),
      count_(count),
      frame_size_(frame_size),
      place_(count, FramePlace::Free),
      free_list_(count),
      free_top_(count) {
    // Lowest address on top: the first frames handed out are the first of the slice.
    for (uint32_t i = 0; i < count; ++i)
        free_list_[i] = first_addr + static_cast<uint64_t>(count - 1 - i) * frame_size;
    in_[static_cast<int>(FramePlace::Free)] = count;
}

uint32_t FramePool::index_of(uint64_t addr) const {
    if (addr < first_addr_) return count_;
    const uint64_t i = (addr - first_addr_) / frame_size_;
    return i < count_ ? static_cast<uint32_t>(i) : count_;
}

bool FramePool::move(uint64_t addr, FramePlace from, FramePlace to) {
    const uint32_t i = index_of(addr);
    if (i == count_ || place_[i] != from) {
        ++violations_;
        return false;
    }
    place_[i] = to;
    --in_[static_cast<int>(from)];
    ++in_[static_cast<int>(to)];
    if (to == FramePlace::Free) free_list_[free_top_++] = first_addr_ + uint64_t{i} * frame_size_;
    return true;
}

uint32_t FramePool::take_free(std::span<uint64_t> out, FramePlace to) {
    uint32_t n = 0;
    while (n < out.size() && free_top_ > 0) {
        const uint64_t addr = free_list_[--free_top_];
        place_[index_of(addr)] = to;
        out[n++] = addr;
    }
    in_[static_cast<int>(FramePlace::Free)] -= n;
    in_[static_cast<int>(to)] += n;
    return n;
}

uint32_t FramePool::take_for_fill(std::span<uint64_t> out) {
    return take_free(out, FramePlace::Fill);
}

uint32_t FramePool::take_for_user(std::span<uint64_t> out) {
    return take_free(out, FramePlace::User);
}

bool FramePool::received(uint64_t addr) { return move(addr, FramePlace::Fill, FramePlace::User); }
bool FramePool::to_tx(uint64_t addr) { return move(addr, FramePlace::User, FramePlace::Tx); }
bool FramePool::release(uint64_t addr) { return move(addr, FramePlace::User, FramePlace::Free); }
bool FramePool::completed(uint64_t addr) { return move(addr, FramePlace::Tx, FramePlace::Free); }

FrameCensus FramePool::census() const {
    return {in_[0], in_[1], in_[2], in_[3], count_, violations_};
}

bool FramePool::audit() const {
    uint32_t recount[kFramePlaces] = {};
    for (FramePlace p : place_) ++recount[static_cast<int>(p)];
    for (int p = 0; p < kFramePlaces; ++p)
        if (recount[p] != in_[p]) return false;
    // The free list holds exactly the free frames, each once.
    if (free_top_ != recount[static_cast<int>(FramePlace::Free)]) return false;
    std::vector<bool> seen(count_, false);
    for (size_t k = 0; k < free_top_; ++k) {
        const uint32_t i = index_of(free_list_[k]);
        if (i == count_ || seen[i] || place_[i] != FramePlace::Free) return false;
        seen[i] = true;
    }
    return census().adds_up();
}

}  // namespace xdpkit
