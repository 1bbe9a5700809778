// The redirect program under BPF_PROG_RUN with its maps filled the way `xdpkit redirect`
// fills them: verdicts, per-target and per-CPU counters, the flow hash keeping a flow on one
// CPU, and what happens when the map has no entry. The target is `lo` of the namespace the
// test runs in: BPF_PROG_RUN without live frames returns the verdict and sends nothing.
#include <gtest/gtest.h>
#include <xdpkit/redirect.h>

#include <set>

#include "core/families/families.h"
#include "core/net/redirect.h"
#include "support/loaded.h"
#include "support/packet.h"
#include "support/prog_run.h"

namespace xdpkit {
namespace {

using test::counters;
using test::load_alone;
using test::Packet;
using test::run_xdp;

constexpr uint32_t XDP_ABORTED_ = 0, XDP_REDIRECT_ = 4;
const Interface kLo{"lo", 1};

LoadedProgram load_for(const RedirectPlan& plan, bool fill = true) {
    LoadedProgram p = load_alone(redirect_family(), redirect_params(plan));
    if (fill) {
        auto filled = fill_redirect_maps(p, plan);
        if (!filled) throw std::runtime_error(filled.error().message);
    }
    return p;
}

RedirectPlan plan_via(redirect_via via) {
    RedirectPlan plan;
    plan.via = via;
    plan.ingress = kLo;
    if (via != REDIRECT_VIA_CPUMAP) plan.targets = {kLo};
    return plan;
}

std::vector<uint8_t> udp4(uint16_t sport) {
    return Packet().eth().ipv4().udp(sport, 9).payload(18).bytes();
}

TEST(Redirect, DevmapAndDevmapHashRedirectAndCountPerTarget) {
    for (redirect_via via : {REDIRECT_VIA_DEVMAP, REDIRECT_VIA_DEVMAP_HASH}) {
        SCOPED_TRACE(redirect_via_name(via));
        LoadedProgram p = load_for(plan_via(via));
        const auto frame = udp4(1000);
        for (int i = 0; i < 3; ++i) {
            const auto r = run_xdp(p.prog_fd(), frame);
            ASSERT_EQ(r.err, 0);
            EXPECT_EQ(r.verdict, XDP_REDIRECT_);
            EXPECT_EQ(r.data_out, frame);  // the ingress program never touches the bytes
        }
        EXPECT_EQ(counters(p, "action_counters")[XDP_REDIRECT_].packets, 3u);
        const auto targets = counters(p, REDIRECT_TARGET_COUNTERS_MAP);
        EXPECT_EQ(targets[kLo.ifindex].packets, 3u);
        EXPECT_EQ(targets[kLo.ifindex].bytes, 3 * frame.size());
        EXPECT_EQ(counters(p, REDIRECT_ERRORS_MAP)[REDIRECT_ERR_NO_TARGET].packets, 0u);
    }
}

TEST(Redirect, AnEmptyEntryAbortsAndCountsAnError) {
    for (redirect_via via : {REDIRECT_VIA_DEVMAP, REDIRECT_VIA_DEVMAP_HASH}) {
        SCOPED_TRACE(redirect_via_name(via));
        LoadedProgram p = load_for(plan_via(via), /*fill=*/false);
        const auto r = run_xdp(p.prog_fd(), udp4(1000));
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_ABORTED_);
        EXPECT_EQ(counters(p, REDIRECT_ERRORS_MAP)[REDIRECT_ERR_NO_TARGET].packets, 1u);
        EXPECT_EQ(counters(p, "action_counters")[XDP_ABORTED_].packets, 1u);
        EXPECT_EQ(counters(p, REDIRECT_TARGET_COUNTERS_MAP)[kLo.ifindex].packets, 0u);
    }
}

TEST(Redirect, CpumapKeepsEachFlowOnOneCpuAndSpreadsFlows) {
    RedirectPlan plan = plan_via(REDIRECT_VIA_CPUMAP);
    plan.cpus = {0, 1};
    LoadedProgram p = load_for(plan);

    // One flow, ten frames: one CPU gets all ten.
    for (int i = 0; i < 10; ++i) {
        const auto r = run_xdp(p.prog_fd(), udp4(4242));
        ASSERT_EQ(r.err, 0);
        ASSERT_EQ(r.verdict, XDP_REDIRECT_);
    }
    auto cpus = counters(p, REDIRECT_CPU_COUNTERS_MAP);
    EXPECT_TRUE((cpus[0].packets == 10 && cpus[1].packets == 0) ||
                (cpus[0].packets == 0 && cpus[1].packets == 10))
        << cpus[0].packets << " / " << cpus[1].packets;

    // 64 flows differing only in the source port (IPv4 and IPv6): both CPUs get some. All on
    // one CPU would happen by chance with probability 2^-63 for a good hash.
    const auto before = counters(p, REDIRECT_CPU_COUNTERS_MAP);
    for (uint16_t port = 2000; port < 2064; ++port) {
        ASSERT_EQ(run_xdp(p.prog_fd(), udp4(port)).verdict, XDP_REDIRECT_);
        ASSERT_EQ(run_xdp(p.prog_fd(), Packet().eth().ipv6().udp(port, 9).bytes()).verdict,
                  XDP_REDIRECT_);
    }
    cpus = counters(p, REDIRECT_CPU_COUNTERS_MAP);
    const uint64_t on0 = cpus[0].packets - before[0].packets, on1 = cpus[1].packets - before[1].packets;
    EXPECT_EQ(on0 + on1, 128u);
    EXPECT_GT(on0, 16u);
    EXPECT_GT(on1, 16u);
}

TEST(Redirect, CpumapSendsFramesThatAreNotIpToTheFirstCpu) {
    RedirectPlan plan = plan_via(REDIRECT_VIA_CPUMAP);
    plan.cpus = {1, 0};  // the order of --cpus: index 0 is CPU 1
    LoadedProgram p = load_for(plan);
    const auto arp = Packet().eth().ethertype(0x0806).payload(28).bytes();
    for (int i = 0; i < 4; ++i) ASSERT_EQ(run_xdp(p.prog_fd(), arp).verdict, XDP_REDIRECT_);
    EXPECT_EQ(counters(p, REDIRECT_CPU_COUNTERS_MAP)[1].packets, 4u);
}

TEST(Redirect, CpumapWithoutCpusAbortsWithNoCpu) {
    RedirectPlan plan = plan_via(REDIRECT_VIA_CPUMAP);  // cpus empty: cpu-count 0
    LoadedProgram p = load_for(plan);
    ASSERT_EQ(run_xdp(p.prog_fd(), udp4(1)).verdict, XDP_ABORTED_);
    EXPECT_EQ(counters(p, REDIRECT_ERRORS_MAP)[REDIRECT_ERR_NO_CPU].packets, 1u);
}

TEST(Redirect, BroadcastRedirectsAndLeavesPerPortCountingToTheEntryProgram) {
    LoadedProgram p = load_for(plan_via(REDIRECT_VIA_BROADCAST));
    const auto r = run_xdp(p.prog_fd(), udp4(7));
    ASSERT_EQ(r.err, 0);
    EXPECT_EQ(r.verdict, XDP_REDIRECT_);
    EXPECT_EQ(counters(p, "action_counters")[XDP_REDIRECT_].packets, 1u);
    // Copies are made after the program returns; the devmap entry program counts them.
    EXPECT_EQ(counters(p, REDIRECT_TARGET_COUNTERS_MAP)[kLo.ifindex].packets, 0u);
}

TEST(Redirect, RodataSaysWhatThePlanSays) {
    RedirectPlan plan = plan_via(REDIRECT_VIA_CPUMAP);
    plan.cpus = {0, 1};
    plan.targets = {kLo};
    plan.egress = REDIRECT_EGRESS_MAC_REWRITE;
    const ParamValues v = redirect_params(plan);
    EXPECT_EQ(v.at("via"), "cpumap");
    EXPECT_EQ(v.at("cpu-count"), "2");
    EXPECT_EQ(v.at("to-ifindex"), "1");
    EXPECT_EQ(v.at("egress"), "mac-rewrite");
    EXPECT_EQ(v.at("cpumap-then"), "devmap");
    // And the program accepts them: loads and fills (cpumap entries with the entry program,
    // the devmap entry with the egress program).
    LoadedProgram p = load_for(plan);
    EXPECT_EQ(run_xdp(p.prog_fd(), udp4(9)).verdict, XDP_REDIRECT_);
}

}  // namespace
}  // namespace xdpkit
