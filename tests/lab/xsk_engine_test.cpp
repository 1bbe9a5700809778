// The AF_XDP engine on its own, without the CLI: sockets bound to veth0 of a lab, the afxdp
// steering program (loaded, not attached) fed with BPF_PROG_RUN live frames on veth0's RX
// queue 0, which it redirects into the socket for real. Checks the loop receives every frame,
// recycles a small UMEM many times over without losing one, and answers echo requests
// through the TX ring out of veth0.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <xdpkit/afxdp.h>

#include <chrono>
#include <thread>

#include "afxdp.skel.h"
#include "core/attach/counters.h"
#include "core/kernel/netns.h"
#include "core/kernel/rtnl.h"
#include "core/base/skel_ptr.h"
#include "core/afxdp/xsk_loop.h"
#include "lab/lab.h"
#include "support/packet.h"

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

namespace xdpkit::test {
namespace {

constexpr uint32_t kFrames = 128;  // small, so 1280 frames recycle each one ten times

class XskEngine : public ::testing::Test {
protected:
    void SetUp() override {
        auto guard = NetnsGuard::enter(lab.dut_ns());
        ASSERT_TRUE(guard) << guard.error().message;
        guard_.emplace(std::move(*guard));
        auto iface = find_interface("veth0");
        ASSERT_TRUE(iface);
        veth0 = *iface;
        UmemConfig umem;
        umem.frame_count = kFrames;
        auto set = open_xsk_set(veth0, {0}, umem, XskConfig{});
        ASSERT_TRUE(set) << set.error().message;
        xsks.emplace(std::move(*set));
        prog.reset(afxdp_bpf::open_and_load());  // steer all, no filter: the defaults
        ASSERT_TRUE(prog);
        const uint32_t queue = 0;
        const int fd = xsks->sockets.front()->fd();
        ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(prog->maps.xsks_map), &queue, &fd, 0), 0);
    }

    // n copies of frame through the program as if received on veth0 queue 0.
    void inject(const std::vector<uint8_t>& frame, uint32_t n) {
        xdp_md ctx{};
        ctx.data_end = static_cast<uint32_t>(frame.size());
        ctx.ingress_ifindex = static_cast<uint32_t>(veth0.ifindex);
        ctx.rx_queue_index = 0;
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                    .data_size_in = static_cast<uint32_t>(frame.size()), .ctx_in = &ctx,
                    .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(n),
                    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
        ASSERT_EQ(bpf_prog_test_run_opts(bpf_program__fd(prog->progs.xdpkit_afxdp), &opts), 0) << std::strerror(errno);
    }

    // Runs the loop on its own thread while body injects; stops it and joins.
    template <typename Body>
    void with_loop(XskLoop& loop, Body body) {
        std::atomic<bool> stop{false};
        std::thread t([&] { loop.run(stop); });
        body();
        stop = true;
        t.join();
    }

    // Waits (up to 5 s) until the loop's counter field reaches want; true when exactly.
    static bool wait_for(const XskLoop& loop, uint64_t XskLoopCounters::*field, uint64_t want) {
        for (int i = 0; i < 500 && loop.snapshot().*field < want; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return loop.snapshot().*field == want;
    }

    Lab lab;
    std::optional<NetnsGuard> guard_;
    Interface veth0;
    std::optional<XskSet> xsks;
    SkelPtr<afxdp_bpf> prog;
};

TEST_F(XskEngine, VethIsCopyModeOnlyAndAutoSaysSo) {
    EXPECT_FALSE(xsks->zero_copy);
    ASSERT_FALSE(xsks->notes.empty());
    EXPECT_NE(xsks->notes.back().find("copy mode"), std::string::npos) << xsks->notes.back();
}

TEST_F(XskEngine, DropReceivesEveryFrameAndRecyclesTheUmemWithoutLosingOne) {
    XskLoop loop(*xsks->sockets.front(), *xsks->umem, 0, kFrames, {AfxdpMode::Drop, 32});
    const auto frame = Packet().eth().ipv4().udp(1000, 9).payload(64).bytes();
    with_loop(loop, [&] {
        for (uint64_t burst = 1; burst <= 40; ++burst) {
            inject(frame, 32);
            ASSERT_TRUE(wait_for(loop, &XskLoopCounters::rx_packets, burst * 32));
        }
    });
    EXPECT_EQ(loop.snapshot().rx_packets, 1280u);
    EXPECT_EQ(loop.snapshot().rx_bytes, 1280u * frame.size());
    EXPECT_EQ(loop.snapshot().tx_packets, 0u);
    EXPECT_TRUE(loop.audit());
    EXPECT_EQ(loop.snapshot().accounting_violations, 0u);
    EXPECT_EQ(loop.snapshot().frames_user + loop.snapshot().frames_tx, 0u);
    EXPECT_EQ(loop.snapshot().frames_free + loop.snapshot().frames_fill, kFrames);
    EXPECT_EQ(read_datarecs(bpf_map__fd(prog->maps.afxdp_counters))->at(AFXDP_TO_SOCKET).packets,
              1280u);
    const xdp_statistics st = xsks->sockets.front()->statistics();
    EXPECT_EQ(st.rx_dropped + st.rx_ring_full + st.rx_invalid_descs, 0u);
}

TEST_F(XskEngine, PongAnswersEchoRequestsOutOfVeth0AndRecyclesTheRest) {
    auto peer_rx = [&] {
        auto g = NetnsGuard::enter(lab.peer_ns());
        return *link_rx_packets(find_interface("veth1")->ifindex);
    };
    const uint64_t before = peer_rx();
    XskLoop loop(*xsks->sockets.front(), *xsks->umem, 0, kFrames, {AfxdpMode::Pong, 16});
    const auto echo = Packet().eth().ipv6(Lab::kPeerIp6, Lab::kDutIp6).icmpv6_echo().payload(56).bytes();
    const auto udp = Packet().eth().ipv6().udp().payload(20).bytes();
    with_loop(loop, [&] {
        for (uint64_t burst = 1; burst <= 20; ++burst) {
            inject(echo, 16);
            inject(udp, 4);
            ASSERT_TRUE(wait_for(loop, &XskLoopCounters::rx_packets, burst * 20));
            ASSERT_TRUE(wait_for(loop, &XskLoopCounters::tx_completed, burst * 16));
        }
    });
    EXPECT_EQ(loop.snapshot().tx_packets, 320u);
    EXPECT_EQ(loop.snapshot().tx_bytes, 320u * echo.size());
    EXPECT_EQ(loop.snapshot().not_replied, 80u);
    EXPECT_EQ(loop.snapshot().tx_ring_full, 0u);
    EXPECT_TRUE(loop.audit());
    EXPECT_EQ(loop.snapshot().frames_free + loop.snapshot().frames_fill, kFrames);
    // AF_XDP TX on veth0 goes through the normal xmit path to veth1: no XDP program needed
    // on the peer (unlike XDP_TX and XDP_REDIRECT into a veth). veth0's own IPv6 stack may
    // send a frame of its own meanwhile (a router solicitation, an MLD report): a few more.
    const uint64_t arrived = peer_rx() - before;
    EXPECT_GE(arrived, 320u);
    EXPECT_LE(arrived, 324u);
}

}  // namespace
}  // namespace xdpkit::test
