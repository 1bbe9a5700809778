// The generator program under plain BPF_PROG_RUN: what it does to the template per frame
// (port rotation with a still-valid checksum, ESP sequence numbers) and its verdict.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "core/packets/frames.h"
#include "core/traffic/trafficgen.h"
#include "support/prog_run.h"
#include "trafficgen.skel.h"

namespace xdpkit {
namespace {

constexpr uint32_t XDP_TX_ = 3;

BuiltFrame frame(const char* src, const char* dst, FrameProto proto) {
    FrameSpec s;
    s.src = *parse_ip(src);
    s.dst = *parse_ip(dst);
    s.proto = proto;
    s.size = 96;
    return *build_frame(s);
}

int prog_fd(const SkelPtr<trafficgen_bpf>& s) {
    return bpf_program__fd(s->progs.xdpkit_trafficgen);
}

bool udp_checksum_ok(const std::vector<uint8_t>& b, size_t l4, size_t addr_at, size_t addr_len) {
    uint32_t sum = ones_complement_sum(&b[addr_at], 2 * addr_len);  // source, destination
    sum += 17 + uint32_t(b.size() - l4);
    sum = ones_complement_sum(&b[l4], b.size() - l4, sum);
    return fold_checksum(sum) == 0;
}

void expect_ports_rotate(const char* src, const char* dst, size_t addr_at, size_t addr_len) {
    const BuiltFrame f = frame(src, dst, FrameProto::Udp);
    TrafficgenJob job;
    job.rewrite = TRAFFICGEN_UDP_FLOWS;
    job.l4_offset = f.l4_offset;
    job.flows = 5;
    job.base_port = 1024;
    auto skel = load_trafficgen_program(job);
    ASSERT_TRUE(skel) << skel.error().message;
    std::vector<int> ports;
    for (int i = 0; i < 12; ++i) {
        const auto r = test::run_xdp(prog_fd(*skel), f.bytes);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_TX_);
        ports.push_back(r.data_out[f.l4_offset] << 8 | r.data_out[f.l4_offset + 1]);
        EXPECT_TRUE(udp_checksum_ok(r.data_out, f.l4_offset, addr_at, addr_len)) << "frame " << i;
    }
    // The flow counter is per CPU and the test may move between CPUs, so the check is the
    // set of ports (12 frames over 5 flows reach all of them on any one CPU), not an order.
    EXPECT_EQ(std::set<int>(ports.begin(), ports.end()), (std::set<int>{1024, 1025, 1026, 1027, 1028}));
}

TEST(TrafficgenProgram, RotatesIpv4SourcePortsKeepingTheChecksumValid) {
    expect_ports_rotate("198.18.0.1", "198.18.0.2", 14 + 12, 4);
}

TEST(TrafficgenProgram, RotatesIpv6SourcePortsKeepingTheChecksumValid) {
    expect_ports_rotate("fc00:dead:cafe::1", "fc00:dead:cafe::2", 14 + 8, 16);
}

TEST(TrafficgenProgram, NumbersEspFramesOneTwoThree) {
    const BuiltFrame f = frame("198.18.0.1", "198.18.0.2", FrameProto::Esp);
    TrafficgenJob job;
    job.rewrite = TRAFFICGEN_ESP_SEQ;
    job.l4_offset = f.l4_offset;
    auto skel = load_trafficgen_program(job);
    ASSERT_TRUE(skel) << skel.error().message;
    for (uint32_t want = 1; want <= 3; ++want) {
        const auto r = test::run_xdp(prog_fd(*skel), f.bytes);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_TX_);
        const auto* seq = &r.data_out[f.l4_offset + 4];
        EXPECT_EQ(uint32_t(seq[0] << 24 | seq[1] << 16 | seq[2] << 8 | seq[3]), want);
        // Nothing else changes.
        auto expected = f.bytes;
        std::copy(seq, seq + 4, expected.begin() + f.l4_offset + 4);
        EXPECT_EQ(r.data_out, expected);
    }
}

// Real ESP cannot be renumbered (the ICV covers the sequence number), so the program copies
// pre-built frames from its map: frame i out is set[i % n], whatever the live frame held.
TEST(TrafficgenProgram, CopiesTheFrameSetInOrderRoundAndRound) {
    std::mt19937 rng(7);
    TrafficgenJob job;
    job.rewrite = TRAFFICGEN_FRAME_SET;
    for (int i = 0; i < 5; ++i) {  // full-size frames: the copy must cover every byte
        std::vector<uint8_t> f(1514);
        for (auto& b : f) b = static_cast<uint8_t>(rng());
        job.frames.push_back(std::move(f));
    }
    auto skel = load_trafficgen_program(job);
    ASSERT_TRUE(skel) << skel.error().message;
    const std::vector<uint8_t> live(1514, 0xab);
    for (size_t i = 0; i < 12; ++i) {
        const auto r = test::run_xdp(prog_fd(*skel), i % 2 ? live : job.frames[3]);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_TX_);
        EXPECT_EQ(r.data_out, job.frames[i % 5]) << "frame " << i;
    }
    // A live frame of another length than the set's: the program refuses it.
    const auto r = test::run_xdp(prog_fd(*skel), std::vector<uint8_t>(1000, 0));
    ASSERT_EQ(r.err, 0);
    EXPECT_EQ(r.verdict, 0u);  // XDP_ABORTED
}

TEST(TrafficgenProgram, SendsACaptureFrameUntouched) {
    const BuiltFrame f = frame("198.18.0.1", "198.18.0.2", FrameProto::Udp);
    auto skel = load_trafficgen_program(TrafficgenJob{});
    ASSERT_TRUE(skel);
    const auto r = test::run_xdp(prog_fd(*skel), f.bytes);
    EXPECT_EQ(r.verdict, XDP_TX_);
    EXPECT_EQ(r.data_out, f.bytes);
}

}  // namespace
}  // namespace xdpkit
