// A bounded lock-free ring for exactly one producer thread and one consumer thread: the
// software FIFO of the accelerator's pattern 2, where the RX thread hands prepared crypto
// jobs to the crypto thread and takes completions back. Each side owns one index and only
// reads the other's, so a push or pop is one acquire load and one release store; each side
// also keeps a private copy of the other's index and reads the shared one only when the copy
// says the ring looks full (or empty), which keeps the two cores from bouncing the cache
// line on every operation (the technique of the kernel's and DPDK's rings).
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <new>
#include <span>
#include <vector>

namespace xdpkit {

template <typename T>
class SpscRing {
public:
    // capacity: rounded up to a power of two (at least 2).
    explicit SpscRing(uint32_t capacity)
        : slots_(std::bit_ceil(capacity < 2 ? 2u : capacity)),
          mask_(static_cast<uint32_t>(slots_.size()) - 1) {}
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    uint32_t capacity() const { return mask_ + 1; }

    // Producer: appends as many of items as fit, in order; returns how many.
    uint32_t push(std::span<const T> items) {
        const uint32_t head = prod_.head.load(std::memory_order_relaxed);
        uint32_t room = capacity() - (head - prod_.tail_seen);
        if (room < items.size()) {
            prod_.tail_seen = cons_.tail.load(std::memory_order_acquire);
            room = capacity() - (head - prod_.tail_seen);
        }
        const uint32_t n = room < items.size() ? room : static_cast<uint32_t>(items.size());
        for (uint32_t i = 0; i < n; ++i) slots_[(head + i) & mask_] = items[i];
        prod_.head.store(head + n, std::memory_order_release);
        return n;
    }

    // Consumer: moves up to out.size() items into out, oldest first; returns how many.
    uint32_t pop(std::span<T> out) {
        const uint32_t tail = cons_.tail.load(std::memory_order_relaxed);
        uint32_t ready = cons_.head_seen - tail;
        if (ready < out.size()) {
            cons_.head_seen = prod_.head.load(std::memory_order_acquire);
            ready = cons_.head_seen - tail;
        }
        const uint32_t n = ready < out.size() ? ready : static_cast<uint32_t>(out.size());
        for (uint32_t i = 0; i < n; ++i) out[i] = slots_[(tail + i) & mask_];
        cons_.tail.store(tail + n, std::memory_order_release);
        return n;
    }

    // Items pushed and not yet popped, as either side might see it: a snapshot.
    uint32_t size() const {
        return prod_.head.load(std::memory_order_acquire) -
               cons_.tail.load(std::memory_order_acquire);
    }

private:
    // Each side's index and its cached view of the other's, on a cache line of their own.
    struct alignas(64) Producer {
        std::atomic<uint32_t> head{0};
        uint32_t tail_seen = 0;
    };
    struct alignas(64) Consumer {
        std::atomic<uint32_t> tail{0};
        uint32_t head_seen = 0;
    };

    std::vector<T> slots_;
    uint32_t mask_;
    Producer prod_;
    Consumer cons_;
};

}  // namespace xdpkit
