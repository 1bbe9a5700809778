// Counters one thread keeps and other threads read: the owner works on a plain struct of
// uint64_t and publishes it word by word with relaxed stores (no read-modify-write, no lock);
// a reader gets every word as last published. Words of one snapshot may come from two
// consecutive publishes, which for monotonic counters shown as rates is harmless.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <type_traits>

namespace xdpkit {

template <typename T>
class PublishedCounters {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % sizeof(uint64_t) == 0,
                  "counters are a struct of uint64_t");

public:
    static constexpr size_t kWords = sizeof(T) / sizeof(uint64_t);
    using Words = std::array<uint64_t, kWords>;

    void publish(const T& c) {
        const Words w = std::bit_cast<Words>(c);
        for (size_t i = 0; i < kWords; ++i) words_[i].store(w[i], std::memory_order_relaxed);
    }
    T snapshot() const {
        Words w;
        for (size_t i = 0; i < kWords; ++i) w[i] = words_[i].load(std::memory_order_relaxed);
        return std::bit_cast<T>(w);
    }

private:
    std::array<std::atomic<uint64_t>, kWords> words_{};
};

// Field by field, for summing the counters of several threads.
template <typename T>
T& add_counter_words(T& to, const T& from) {
    using Words = typename PublishedCounters<T>::Words;
    Words a = std::bit_cast<Words>(to);
    const Words b = std::bit_cast<Words>(from);
    for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    return to = std::bit_cast<T>(a);
}

}  // namespace xdpkit
