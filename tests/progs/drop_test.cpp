// drop through BPF_PROG_RUN: verdicts and per-protocol counters on built packets.
#include <gtest/gtest.h>
#include <xdpkit/drop.h>

#include "core/families/families.h"
#include "core/attach/counters.h"
#include "core/attach/program.h"
#include "support/packet.h"
#include "support/prog_run.h"

namespace xdpkit {
namespace {

using test::Packet;
using test::run_xdp;

constexpr uint32_t XDP_DROP_ = 1, XDP_PASS_ = 2;

LoadedProgram load_drop(const std::string& action) {
    auto p = load_program(drop_family(), {{{"action", action}}, -1, 0});
    if (!p) throw std::runtime_error(p.error().message);
    return std::move(p).value();
}

std::vector<xdpkit_datarec> counters(const LoadedProgram& p, const char* map) {
    auto r = read_datarecs(bpf_map__fd(p.map(map)));
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
}

struct ProtoCase {
    const char* description;
    std::vector<uint8_t> packet;
    uint32_t expected_slot;  // proto_counters index
};

std::vector<ProtoCase> proto_cases() {
    return {
        {"IPv4 UDP", Packet().eth().ipv4().udp().payload(18).bytes(), 17},
        {"IPv4 TCP", Packet().eth().ipv4().tcp().bytes(), 6},
        {"IPv4 ICMP", Packet().eth().ipv4().icmp_echo().payload(56).bytes(), 1},
        {"IPv4 with options", Packet().eth().ipv4("198.18.0.1", "198.18.0.2", 3).udp().bytes(), 17},
        {"IPv4 ESP", Packet().eth().ipv4().proto(50).payload(40).bytes(), 50},
        {"802.1Q IPv4 TCP", Packet().eth().vlan(100).ipv4().tcp().bytes(), 6},
        {"QinQ IPv6 ICMPv6",
         Packet().eth().vlan(10, 0x88a8).vlan(20).ipv6().icmpv6_echo().bytes(), 58},
        {"IPv6 UDP", Packet().eth().ipv6().udp().payload(10).bytes(), 17},
        {"IPv6 hop-by-hop, dst-opts, fragment, UDP",
         Packet().eth().ipv6().ipv6_ext(0).ipv6_ext(60, 1).ipv6_ext(44).udp().bytes(), 17},
        {"IPv6 routing header, TCP", Packet().eth().ipv6().ipv6_ext(43, 2).tcp().bytes(), 6},
        {"ARP", Packet().eth().ethertype(0x0806).payload(28).bytes(), DROP_PROTO_NON_IP},
        {"802.1Q ARP", Packet().eth().vlan(5).ethertype(0x0806).payload(28).bytes(),
         DROP_PROTO_NON_IP},
        {"IPv6 with 7 extension headers (past the ones read in place)",
         Packet().eth().ipv6().ipv6_ext(0).ipv6_ext(60).ipv6_ext(60).ipv6_ext(60).ipv6_ext(60)
             .ipv6_ext(60).ipv6_ext(60).udp().bytes(),
         17},
        {"IPv6 AH, UDP", Packet().eth().ipv6().ipv6_ext(51, 4).udp().bytes(), 17},
    };
}

TEST(DropProgram, CountsEachProtocolInItsSlotAndDrops) {
    for (const auto& c : proto_cases()) {
        SCOPED_TRACE(c.description);
        LoadedProgram p = load_drop("drop");
        const auto r = run_xdp(p.prog_fd(), c.packet);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_DROP_);
        const auto protos = counters(p, "proto_counters");
        ASSERT_EQ(protos.size(), DROP_PROTO_SLOTS);
        for (uint32_t slot = 0; slot < protos.size(); ++slot) {
            const bool hit = slot == c.expected_slot;
            EXPECT_EQ(protos[slot].packets, hit ? 1u : 0u) << "slot " << slot;
            EXPECT_EQ(protos[slot].bytes, hit ? c.packet.size() : 0u) << "slot " << slot;
        }
        const auto verdicts = counters(p, "action_counters");
        EXPECT_EQ(verdicts[XDP_DROP_].packets, 1u);
        EXPECT_EQ(verdicts[XDP_PASS_].packets, 0u);
    }
}

TEST(DropProgram, ActionPassPassesAndStillCounts) {
    LoadedProgram p = load_drop("pass");
    const auto pkt = Packet().eth().ipv6().udp().bytes();
    for (int i = 0; i < 3; ++i) {
        const auto r = run_xdp(p.prog_fd(), pkt);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_PASS_);
        EXPECT_EQ(r.data_out, pkt) << "drop must not rewrite the frame";
    }
    EXPECT_EQ(counters(p, "proto_counters")[17].packets, 3u);
    EXPECT_EQ(counters(p, "action_counters")[XDP_PASS_].packets, 3u);
}

// Every prefix of a tagged frame: the verdict never changes, nothing is read past the end
// (the verifier guarantees that; this checks the classification stays sane), and every
// frame is counted exactly once — cut inside the headers, it is unparsed (never non-IP).
TEST(DropProgram, TruncatedAtEveryOffsetKeepsVerdictAndCountsOnce) {
    const auto full = Packet().eth().vlan(10, 0x88a8).vlan(20).ipv6().ipv6_ext(0).udp().bytes();
    const size_t headers = 14 + 4 + 4 + 40 + 8;  // through the hop-by-hop header
    LoadedProgram p = load_drop("drop");
    uint64_t runs = 0;
    for (size_t len = 14; len <= full.size(); ++len) {
        SCOPED_TRACE(len);
        const std::vector<uint8_t> cut(full.begin(), full.begin() + len);
        const auto r = run_xdp(p.prog_fd(), cut);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_DROP_);
        ++runs;
    }
    const auto protos = counters(p, "proto_counters");
    uint64_t total = 0;
    for (const auto& rec : protos) total += rec.packets;
    EXPECT_EQ(total, runs);
    // Frames that hold the whole extension chain reach UDP; the shorter ones are unparsed.
    EXPECT_EQ(protos[17].packets, full.size() - headers + 1);
    EXPECT_EQ(protos[DROP_PROTO_UNPARSED].packets, runs - (full.size() - headers + 1));
    EXPECT_EQ(protos[DROP_PROTO_NON_IP].packets, 0u);
}

TEST(DropProgram, RejectsUnknownActionBeforeLoading) {
    auto p = load_program(drop_family(), {{{"action", "explode"}}, -1, 0});
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("expected drop|pass"), std::string::npos);
}

}  // namespace
}  // namespace xdpkit
