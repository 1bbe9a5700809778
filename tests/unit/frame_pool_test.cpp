// The UMEM frame accounting without a socket: every move checked, every frame in exactly one
// place, the counts adding up after any sequence of moves.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "core/afxdp/frame_pool.h"

namespace xdpkit {
namespace {

constexpr uint32_t kSize = 2048;

void expect_census(const FramePool& p, uint32_t free, uint32_t fill, uint32_t user, uint32_t tx) {
    const FrameCensus c = p.census();
    EXPECT_EQ(c.free, free);
    EXPECT_EQ(c.fill, fill);
    EXPECT_EQ(c.user, user);
    EXPECT_EQ(c.tx, tx);
    EXPECT_TRUE(c.adds_up());
    EXPECT_TRUE(p.audit());
}

TEST(FramePool, StartsAllFreeAndHandsOutItsOwnSliceInOrder) {
    FramePool p(8 * kSize, 4, kSize);  // frames 8..11 of a shared UMEM
    expect_census(p, 4, 0, 0, 0);
    std::array<uint64_t, 8> addrs{};
    ASSERT_EQ(p.take_for_fill(addrs), 4u);  // only 4 to give
    EXPECT_EQ(addrs[0], 8 * kSize);
    EXPECT_EQ(addrs[3], 11 * kSize);
    expect_census(p, 0, 4, 0, 0);
    EXPECT_EQ(p.take_for_fill(addrs), 0u);
}

TEST(FramePool, ReceiveRecycleAndTransmitMoveOneFrameAtATime) {
    FramePool p(0, 8, kSize);
    std::array<uint64_t, 6> fill{};
    ASSERT_EQ(p.take_for_fill(fill), 6u);
    // The kernel hands frames back with the data offset inside the frame (headroom).
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(p.received(fill[i] + 256));
    expect_census(p, 2, 3, 3, 0);
    EXPECT_TRUE(p.release(fill[0] + 256));  // drop: back to the free list, as its base
    EXPECT_TRUE(p.to_tx(fill[1] + 256));    // pong: out on TX
    EXPECT_TRUE(p.to_tx(fill[2]));
    expect_census(p, 3, 3, 0, 2);
    EXPECT_TRUE(p.completed(fill[1]));
    expect_census(p, 4, 3, 0, 1);
    std::array<uint64_t, 8> again{};
    EXPECT_EQ(p.take_for_fill(again), 4u);  // frame 0 and frame 1 are free again
    expect_census(p, 0, 7, 0, 1);
    EXPECT_EQ(p.census().violations, 0u);
}

TEST(FramePool, MovesFromTheWrongPlaceAreRefusedAndCounted) {
    FramePool p(4 * kSize, 4, kSize);
    std::array<uint64_t, 1> one{};
    ASSERT_EQ(p.take_for_fill(one), 1u);
    EXPECT_FALSE(p.release(one[0]));      // still in the fill ring: not the user's to free
    EXPECT_FALSE(p.completed(one[0]));    // never sent
    EXPECT_TRUE(p.received(one[0]));
    EXPECT_FALSE(p.received(one[0]));     // the same frame twice from RX
    EXPECT_TRUE(p.release(one[0]));
    EXPECT_FALSE(p.release(one[0]));      // double free
    EXPECT_FALSE(p.received(0));          // below the slice (another socket's frame)
    EXPECT_FALSE(p.received(8 * kSize));  // past the end
    EXPECT_EQ(p.census().violations, 6u);
    expect_census(p, 4, 0, 0, 0);         // nothing moved by a refused move
}

TEST(FramePool, AnyRandomSequenceOfMovesKeepsTheCountsExact) {
    FramePool p(0, 64, kSize);
    std::vector<uint64_t> fill, user, tx;  // what the "kernel" and "user" hold
    std::mt19937 rng(42);
    for (int step = 0; step < 20000; ++step) {
        std::array<uint64_t, 16> batch{};
        auto pick = [&](std::vector<uint64_t>& v) {
            const size_t i = rng() % v.size();
            const uint64_t a = v[i];
            v[i] = v.back();
            v.pop_back();
            return a;
        };
        switch (rng() % 5) {
        case 0: {
            const uint32_t n = p.take_for_fill(std::span(batch).first(rng() % 16));
            fill.insert(fill.end(), batch.begin(), batch.begin() + n);
            break;
        }
        case 1:
            if (!fill.empty()) {
                const uint64_t a = pick(fill);
                ASSERT_TRUE(p.received(a + rng() % kSize));
                user.push_back(a);
            }
            break;
        case 2:
            if (!user.empty()) {
                ASSERT_TRUE(p.release(pick(user)));
            }
            break;
        case 3:
            if (!user.empty()) {
                const uint64_t a = pick(user);
                ASSERT_TRUE(p.to_tx(a));
                tx.push_back(a);
            }
            break;
        case 4:
            if (!tx.empty()) {
                ASSERT_TRUE(p.completed(pick(tx)));
            }
            break;
        }
        const FrameCensus c = p.census();
        ASSERT_EQ(c.fill, fill.size());
        ASSERT_EQ(c.user, user.size());
        ASSERT_EQ(c.tx, tx.size());
        ASSERT_TRUE(c.adds_up());
        if (step % 1000 == 0) {
            ASSERT_TRUE(p.audit()) << step;
        }
    }
    EXPECT_TRUE(p.audit());
    EXPECT_EQ(p.census().violations, 0u);
}

}  // namespace
}  // namespace xdpkit
