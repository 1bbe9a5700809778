// drop's xdp2 behaviour (action=tx-udp) and its protocol filter (protos=LIST) under
// BPF_PROG_RUN: verdicts, the bytes it sends back, and what it counts.
#include <gtest/gtest.h>
#include <xdpkit/drop.h>

#include <algorithm>

#include "core/families/families.h"
#include "support/loaded.h"
#include "support/packet.h"
#include "support/prog_run.h"

namespace xdpkit {
namespace {

using test::counters;
using test::load_alone;
using test::Packet;
using test::run_xdp;

constexpr uint32_t XDP_DROP_ = 1, XDP_PASS_ = 2, XDP_TX_ = 3;

// The frame with its first 12 bytes (destination, source MAC) exchanged.
std::vector<uint8_t> macs_swapped(std::vector<uint8_t> frame) {
    std::swap_ranges(frame.begin(), frame.begin() + 6, frame.begin() + 6);
    return frame;
}

TEST(DropTxUdp, BouncesUdpWithMacsSwappedAndNothingElseChanged) {
    const std::vector<std::pair<const char*, std::vector<uint8_t>>> udp_frames = {
        {"IPv4 UDP", Packet().eth().ipv4().udp().payload(18).bytes()},
        {"IPv6 UDP", Packet().eth().ipv6().udp(53, 5353).payload(30).bytes()},
        {"QinQ IPv4 UDP", Packet().eth().vlan(7, 0x88a8).vlan(8).ipv4().udp().bytes()},
        {"IPv6 fragment header, UDP", Packet().eth().ipv6().ipv6_ext(44).udp().bytes()},
    };
    LoadedProgram p = load_alone(drop_family(), {{"action", "tx-udp"}});
    for (const auto& [what, frame] : udp_frames) {
        SCOPED_TRACE(what);
        const auto r = run_xdp(p.prog_fd(), frame);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_TX_);
        EXPECT_EQ(r.data_out, macs_swapped(frame));
        EXPECT_NE(r.data_out, frame);
    }
    EXPECT_EQ(counters(p, "action_counters")[XDP_TX_].packets, udp_frames.size());
    EXPECT_EQ(counters(p, "proto_counters")[17].packets, udp_frames.size());
}

TEST(DropTxUdp, DropsEverythingThatIsNotUdp) {
    const std::vector<std::pair<const char*, std::vector<uint8_t>>> others = {
        {"IPv4 TCP", Packet().eth().ipv4().tcp().bytes()},
        {"IPv6 ICMPv6", Packet().eth().ipv6().icmpv6_echo().bytes()},
        {"ARP", Packet().eth().ethertype(0x0806).payload(28).bytes()},
        {"UDP-looking ESP", Packet().eth().ipv4().proto(50).payload(40).bytes()},
    };
    LoadedProgram p = load_alone(drop_family(), {{"action", "tx-udp"}});
    for (const auto& [what, frame] : others) {
        SCOPED_TRACE(what);
        const auto r = run_xdp(p.prog_fd(), frame);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_DROP_);
        EXPECT_EQ(r.data_out, frame) << "a dropped frame is not rewritten";
    }
    const auto verdicts = counters(p, "action_counters");
    EXPECT_EQ(verdicts[XDP_DROP_].packets, others.size());
    EXPECT_EQ(verdicts[XDP_TX_].packets, 0u);
}

// Cut anywhere: bounced only once the IP header is whole (the protocol is known), dropped
// before that, never anything else.
TEST(DropTxUdp, TruncatedAtEveryOffsetBouncesOnlyOnceTheIpHeaderIsWhole) {
    const auto full = Packet().eth().vlan(3).ipv4("198.18.0.1", "198.18.0.2", 2).udp()
                          .payload(8).bytes();
    const size_t ip_end = 14 + 4 + 20 + 8;  // Ethernet, tag, IPv4 with two option words
    LoadedProgram p = load_alone(drop_family(), {{"action", "tx-udp"}});
    for (size_t len = 14; len <= full.size(); ++len) {
        SCOPED_TRACE(len);
        const std::vector<uint8_t> cut(full.begin(), full.begin() + len);
        const auto r = run_xdp(p.prog_fd(), cut);
        ASSERT_EQ(r.err, 0);
        if (len >= ip_end) {
            EXPECT_EQ(r.verdict, XDP_TX_);
            EXPECT_EQ(r.data_out, macs_swapped(cut));
        } else {
            EXPECT_EQ(r.verdict, XDP_DROP_);
            EXPECT_EQ(r.data_out, cut);
        }
    }
}

struct FilterCase {
    const char* what;
    std::vector<uint8_t> frame;
    uint32_t slot;
};

std::vector<FilterCase> mixed_frames() {
    return {
        {"IPv4 UDP", Packet().eth().ipv4().udp().bytes(), 17},
        {"IPv4 ICMP", Packet().eth().ipv4().icmp_echo().bytes(), 1},
        {"IPv6 ICMPv6", Packet().eth().vlan(9).ipv6().icmpv6_echo().bytes(), 58},
        {"IPv4 TCP", Packet().eth().ipv4().tcp().bytes(), 6},
        {"IPv6 routing, TCP", Packet().eth().ipv6().ipv6_ext(43, 2).tcp().bytes(), 6},
        {"ARP", Packet().eth().ethertype(0x0806).payload(28).bytes(), DROP_PROTO_NON_IP},
        {"IPv4 cut in its header", Packet().eth().ethertype(0x0800).payload(10).bytes(),
         DROP_PROTO_UNPARSED},
    };
}

// Acts on the listed protocols only, and on unparsed frames (which might be any of them:
// fail closed); everything else passes — and is still counted.
void expect_filter(const std::string& protos, const std::string& action,
                   const std::vector<uint32_t>& acted_on, uint32_t acted_verdict) {
    LoadedProgram p = load_alone(drop_family(), {{"action", action}, {"protos", protos}});
    const auto frames = mixed_frames();
    for (const auto& c : frames) {
        SCOPED_TRACE(std::string(c.what) + " with protos=" + protos + " action=" + action);
        const auto r = run_xdp(p.prog_fd(), c.frame);
        ASSERT_EQ(r.err, 0);
        const bool acted = c.slot == DROP_PROTO_UNPARSED ||
                           std::count(acted_on.begin(), acted_on.end(), c.slot) > 0;
        EXPECT_EQ(r.verdict, acted ? acted_verdict : XDP_PASS_);
    }
    const auto protos_seen = counters(p, "proto_counters");
    uint64_t total = 0;
    for (const auto& rec : protos_seen) total += rec.packets;
    EXPECT_EQ(total, frames.size()) << "every frame is counted, acted on or not";
    EXPECT_EQ(protos_seen[6].packets, 2u);
    EXPECT_EQ(protos_seen[DROP_PROTO_NON_IP].packets, 1u);
    EXPECT_EQ(protos_seen[DROP_PROTO_UNPARSED].packets, 1u);
}

TEST(DropProtos, ActsOnTheListedProtocolsAndPassesTheRest) {
    expect_filter("udp,icmp,58", "drop", {17, 1, 58}, XDP_DROP_);
    expect_filter("tcp", "drop", {6}, XDP_DROP_);
    expect_filter("non-ip", "drop", {DROP_PROTO_NON_IP}, XDP_DROP_);
    expect_filter("6,non-ip", "drop", {6, DROP_PROTO_NON_IP}, XDP_DROP_);
    expect_filter("all", "drop", {17, 1, 58, 6, DROP_PROTO_NON_IP}, XDP_DROP_);
    // A protocol that none of the frames has: everything passes, but the unparsed frame.
    expect_filter("sctp", "drop", {}, XDP_DROP_);
}

TEST(DropProtos, CombinesWithTxUdp) {
    // UDP listed: bounced. ICMP listed: dropped (tx-udp drops what is not UDP). Rest: pass.
    LoadedProgram p = load_alone(drop_family(), {{"action", "tx-udp"}, {"protos", "udp,icmp"}});
    EXPECT_EQ(run_xdp(p.prog_fd(), Packet().eth().ipv4().udp().bytes()).verdict, XDP_TX_);
    EXPECT_EQ(run_xdp(p.prog_fd(), Packet().eth().ipv4().icmp_echo().bytes()).verdict, XDP_DROP_);
    EXPECT_EQ(run_xdp(p.prog_fd(), Packet().eth().ipv4().tcp().bytes()).verdict, XDP_PASS_);
    // UDP not listed: passes untouched even under tx-udp.
    LoadedProgram q = load_alone(drop_family(), {{"action", "tx-udp"}, {"protos", "tcp"}});
    const auto udp = Packet().eth().ipv6().udp().bytes();
    const auto r = run_xdp(q.prog_fd(), udp);
    EXPECT_EQ(r.verdict, XDP_PASS_);
    EXPECT_EQ(r.data_out, udp);
}

}  // namespace
}  // namespace xdpkit
