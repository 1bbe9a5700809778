// The anti-replay window (RFC 4303 Appendix A) that the XDP pre-check, the inline path and
// the crypto engine share: in-window reorder, duplicates, too old, and sliding.
#include <gtest/gtest.h>
#include <xdpkit/ipsec_replay.h>

#include <random>
#include <set>

namespace xdpkit {
namespace {

ipsec_replay window_of(uint32_t bits) {
    ipsec_replay r{};
    r.window = bits;
    return r;
}

TEST(IpsecReplay, ReorderInTheWindowIsAcceptedOnce) {
    ipsec_replay r = window_of(64);
    for (uint32_t seq : {1u, 2u, 5u, 3u}) {
        ASSERT_EQ(ipsec_replay_check(&r, seq), IPSEC_REPLAY_NEW) << seq;
        ipsec_replay_advance(&r, seq);
    }
    EXPECT_EQ(r.top, 5u);
    EXPECT_EQ(ipsec_replay_check(&r, 4), IPSEC_REPLAY_NEW);
    EXPECT_EQ(ipsec_replay_check(&r, 3), IPSEC_REPLAY_SEEN);
    EXPECT_EQ(ipsec_replay_check(&r, 5), IPSEC_REPLAY_SEEN);
    EXPECT_EQ(ipsec_replay_check(&r, 6), IPSEC_REPLAY_NEW);
}

TEST(IpsecReplay, TheWindowSlidesAndLeavesOldNumbersBehind) {
    ipsec_replay r = window_of(64);
    ipsec_replay_advance(&r, 100);
    EXPECT_EQ(ipsec_replay_check(&r, 37), IPSEC_REPLAY_NEW);  // 100 - 37 = 63: last in window
    EXPECT_EQ(ipsec_replay_check(&r, 36), IPSEC_REPLAY_TOO_OLD);
    ipsec_replay_advance(&r, 164);
    EXPECT_EQ(ipsec_replay_check(&r, 100), IPSEC_REPLAY_TOO_OLD);
    EXPECT_EQ(ipsec_replay_check(&r, 101), IPSEC_REPLAY_NEW);
    EXPECT_EQ(ipsec_replay_check(&r, 164), IPSEC_REPLAY_SEEN);
}

TEST(IpsecReplay, BitsOfNumbersAWholeBitmapAgoAreCleared) {
    ipsec_replay r = window_of(1024);
    ipsec_replay_advance(&r, 10);
    ipsec_replay_advance(&r, 1030);  // 1030 % 1024 == 6; 10 is 1020 behind: still in window
    EXPECT_EQ(ipsec_replay_check(&r, 10), IPSEC_REPLAY_SEEN);
    EXPECT_EQ(ipsec_replay_check(&r, 1034), IPSEC_REPLAY_NEW);
    ipsec_replay_advance(&r, 1034);  // reuses bit 10: the old 10 must not read as 1034 seen
    EXPECT_EQ(ipsec_replay_check(&r, 10), IPSEC_REPLAY_TOO_OLD);
    EXPECT_EQ(ipsec_replay_check(&r, 1033), IPSEC_REPLAY_NEW);
    ipsec_replay_advance(&r, 5000);  // a jump beyond the bitmap clears all of it
    for (uint32_t seq = 5000 - 1023; seq < 5000; ++seq)
        ASSERT_EQ(ipsec_replay_check(&r, seq), IPSEC_REPLAY_NEW) << seq;
}

TEST(IpsecReplay, AWindowOfZeroChecksNothing) {
    ipsec_replay r = window_of(0);
    ipsec_replay_advance(&r, 50);
    EXPECT_EQ(ipsec_replay_check(&r, 50), IPSEC_REPLAY_NEW);
    EXPECT_EQ(ipsec_replay_check(&r, 1), IPSEC_REPLAY_NEW);
}

// Against a plain set of accepted numbers: random arrival orders with duplicates.
TEST(IpsecReplay, AgreesWithASetModel) {
    std::mt19937 rng(4303);
    for (uint32_t window : {32u, 64u, 128u, 1024u}) {
        ipsec_replay r = window_of(window);
        std::set<uint32_t> accepted;
        uint32_t top = 0;
        for (int i = 0; i < 20000; ++i) {
            const uint32_t base = top > 40 ? top - 40 : 1;
            const uint32_t seq = base + rng() % (window + 80);
            int expect = IPSEC_REPLAY_NEW;
            if (seq <= top && top - seq >= window)
                expect = IPSEC_REPLAY_TOO_OLD;
            else if (accepted.count(seq))
                expect = IPSEC_REPLAY_SEEN;
            ASSERT_EQ(ipsec_replay_check(&r, seq), expect) << "window " << window << " seq " << seq;
            if (expect == IPSEC_REPLAY_NEW) {
                ipsec_replay_advance(&r, seq);
                accepted.insert(seq);
                top = std::max(top, seq);
            }
        }
    }
}

}  // namespace
}  // namespace xdpkit
