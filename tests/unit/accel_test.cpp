// The live engine's parts that need no privileges: the SPSC ring between the RX and crypto
// threads, the --after steps, the plan's refusals before anything is touched.
#include <gtest/gtest.h>

#include <thread>

#include "core/ipsec/accel_after.h"
#include "core/ipsec/accel_live.h"
#include "core/base/spsc_ring.h"

namespace xdpkit {
namespace {

TEST(SpscRing, CapacityIsAPowerOfTwoAndFullMeansFull) {
    SpscRing<int> ring(5);
    EXPECT_EQ(ring.capacity(), 8u);
    const std::vector<int> ten{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    EXPECT_EQ(ring.push(ten), 8u);  // only what fits
    EXPECT_EQ(ring.push(ten), 0u);
    std::vector<int> out(3);
    EXPECT_EQ(ring.pop(out), 3u);
    EXPECT_EQ(out, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(ring.push(std::span(ten).subspan(8)), 2u);  // 8, 9 wrap around
    std::vector<int> rest(16);
    EXPECT_EQ(ring.pop(rest), 7u);
    EXPECT_EQ(std::vector<int>(rest.begin(), rest.begin() + 7),
              (std::vector<int>{3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(ring.pop(rest), 0u);
}

// Two threads, a small ring, two million items: every one arrives once, in order — what the
// crypto thread relies on (a lost or doubled job is a lost or doubled frame).
TEST(SpscRing, TwoThreadsPassEveryItemOnceInOrder) {
    constexpr uint64_t kItems = 2'000'000;
    SpscRing<uint64_t> ring(64);
    std::thread producer([&] {
        uint64_t next = 0;
        std::vector<uint64_t> batch(7);
        while (next < kItems) {
            const uint64_t n = std::min<uint64_t>(batch.size(), kItems - next);
            for (uint64_t i = 0; i < n; ++i) batch[i] = next + i;
            next += ring.push(std::span(batch).first(n));
        }
    });
    uint64_t expect = 0, wrong = 0;
    std::vector<uint64_t> got(13);
    while (expect < kItems) {
        const uint32_t n = ring.pop(got);
        for (uint32_t i = 0; i < n; ++i) wrong += got[i] != expect++;
    }
    producer.join();
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(ring.size(), 0u);
}

TEST(AfterSteps, ParsesTheFourShapes) {
    auto drop = parse_after_steps({});
    ASSERT_TRUE(drop);
    EXPECT_TRUE(drop->drop());
    EXPECT_EQ(after_text(*drop), "drop");
    auto fwd = parse_after_steps({"forward:veth2"});
    ASSERT_TRUE(fwd);
    EXPECT_EQ(fwd->forward, "veth2");
    EXPECT_EQ(after_text(*fwd), "forward:veth2");
    auto both = parse_after_steps({"program:drop", "forward:veth2"});
    ASSERT_TRUE(both);
    EXPECT_EQ(both->program, "drop");
    EXPECT_EQ(after_text(*both), "program:drop,forward:veth2");
    EXPECT_TRUE(parse_after_steps({"drop"})->drop());
}

TEST(AfterSteps, RefusesWhatCannotBeMeant) {
    for (const std::vector<std::string>& bad :
         std::vector<std::vector<std::string>>{{"bounce"},
                                               {"forward:"},
                                               {"program:"},
                                               {"forward:a", "forward:b"},
                                               {"program:a", "program:b"},
                                               {"forward:a", "program:drop"},
                                               {"drop", "forward:a"}}) {
        auto r = parse_after_steps(bad);
        EXPECT_FALSE(r) << bad.front();
        if (!r) {
            EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
        }
    }
}

// Refused before the interface is even looked up: nothing can have changed.
TEST(AccelPlan, RefusesBadOptionsFirst) {
    AccelRequest req;
    req.ifname = "lo";
    req.backend = "openssl";
    req.pattern = 3;
    EXPECT_NE(plan_accel(req).error().message.find("--pattern 3"), std::string::npos);
    req.pattern = 1;
    req.crypto_cpu = 1;
    EXPECT_NE(plan_accel(req).error().message.find("only pattern 2"), std::string::npos);
    req.crypto_cpu.reset();
    req.dst_mac = "02:00:00:00:00:01";
    EXPECT_NE(plan_accel(req).error().message.find("--dst-mac: only with"), std::string::npos);
    req.dst_mac.clear();
    req.backend = "qat";
    EXPECT_NE(plan_accel(req).error().message.find("QAT"), std::string::npos);
}

}  // namespace
}  // namespace xdpkit
