// The afxdp steering program under BPF_PROG_RUN. Its XSKMAP is empty here, so a picked frame
// finds no socket and falls back to XDP_PASS: every verdict is PASS, and the outcome
// counters show the decision (no-socket: picked; passed: left to the stack; filtered-out:
// not a candidate). That is enough to pin down the steering pattern and the filter exactly.
#include <gtest/gtest.h>
#include <xdpkit/afxdp.h>

#include <string>
#include <vector>

#include "core/families/families.h"
#include "support/loaded.h"
#include "support/packet.h"
#include "support/prog_run.h"

namespace xdpkit {
namespace {

using namespace test;  // counters, load_alone, Packet, run_xdp

constexpr uint32_t XDP_PASS_ = 2;

std::vector<uint8_t> echo_request() { return Packet().eth().ipv6().icmpv6_echo().payload(56).bytes(); }
// ICMPv6 of some other type: the type byte first, then a body of the same byte.
std::vector<uint8_t> icmpv6(uint8_t type) { return Packet().eth().ipv6().proto(58).payload(24, type).bytes(); }

// Runs one frame and says what the program decided, from the counter that moved.
class Steering {
public:
    explicit Steering(ParamValues params) : p_(load_alone(afxdp_family(), std::move(params))) {}

    std::string decide(const std::vector<uint8_t>& frame) {
        const auto before = counters(p_, AFXDP_COUNTERS_MAP);
        const auto r = run_xdp(p_.prog_fd(), frame);
        EXPECT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, XDP_PASS_) << "an empty XSKMAP falls back to XDP_PASS";
        EXPECT_EQ(r.data_out, frame);
        const auto after = counters(p_, AFXDP_COUNTERS_MAP);
        std::string moved;
        for (uint32_t i = 0; i < AFXDP_OUTCOME_SLOTS; ++i)
            if (after[i].packets != before[i].packets)
                moved += (moved.empty() ? "" : "+") + outcome(i);
        return moved;
    }
    std::vector<xdpkit_datarec> outcomes() const { return counters(p_, AFXDP_COUNTERS_MAP); }
    const LoadedProgram& prog() const { return p_; }

private:
    static std::string outcome(uint32_t i) {
        switch (i) {
        case AFXDP_TO_SOCKET: return "socket";
        case AFXDP_PASSED: return "pass";
        case AFXDP_FILTERED_OUT: return "filtered";
        default: return "picked";  // AFXDP_NO_SOCKET: picked, and no socket to take it
        }
    }
    LoadedProgram p_;
};

TEST(Afxdp, SteerAllPicksEveryFrameAndFallsBackToPassWithoutASocket) {
    Steering s(ParamValues{{"steer", "all"}});
    const auto udp = Packet().eth().ipv4().udp().payload(18).bytes();
    for (int i = 0; i < 4; ++i) EXPECT_EQ(s.decide(udp), "picked");
    const auto c = s.outcomes();
    EXPECT_EQ(c[AFXDP_NO_SOCKET].packets, 4u);
    EXPECT_EQ(c[AFXDP_NO_SOCKET].bytes, 4 * udp.size());
    EXPECT_EQ(c[AFXDP_TO_SOCKET].packets, 0u);
    EXPECT_EQ(counters(s.prog(), "action_counters")[XDP_PASS_].packets, 4u);
    // Every frame is counted on the RX queue it came in on (BPF_PROG_RUN: queue 0).
    EXPECT_EQ(counters(s.prog(), AFXDP_QUEUE_COUNTERS_MAP)[0].packets, 4u);
}

TEST(Afxdp, EveryOtherAlternatesStartingWithTheFirstFrame) {
    Steering s(ParamValues{{"steer", "every-other"}});
    const auto udp = Packet().eth().ipv6().udp().payload(10).bytes();
    for (int i = 0; i < 10; ++i) EXPECT_EQ(s.decide(udp), i % 2 == 0 ? "picked" : "pass") << i;
    EXPECT_EQ(s.outcomes()[AFXDP_NO_SOCKET].packets, 5u);
    EXPECT_EQ(s.outcomes()[AFXDP_PASSED].packets, 5u);
}

TEST(Afxdp, OneInNPicksExactlyTheFirstOfEveryN) {
    for (uint32_t n : {1u, 3u, 7u}) {
        SCOPED_TRACE(n);
        Steering s(ParamValues{{"steer", "1-in-n"}, {"one-in", std::to_string(n)}});
        const auto udp = Packet().eth().ipv4().udp().bytes();
        std::string pattern, expected;
        for (uint32_t i = 0; i < 30; ++i) {
            pattern += s.decide(udp) == "picked" ? 'x' : '.';
            expected += i % n == 0 ? 'x' : '.';
        }
        EXPECT_EQ(pattern, expected);
        EXPECT_EQ(s.outcomes()[AFXDP_NO_SOCKET].packets, (30 + n - 1) / n);
    }
}

TEST(Afxdp, Icmpv6EchoFilterLetsNeighbourDiscoveryPassWithoutShiftingTheCount) {
    Steering s(ParamValues{{"steer", "every-other"}, {"filter", "icmpv6-echo"}});
    struct Case {
        const char* description;
        std::vector<uint8_t> frame;
        const char* outcome;
    };
    const std::vector<Case> cases = {
        {"echo request 1", echo_request(), "picked"},
        {"neighbour solicitation", icmpv6(135), "filtered"},
        {"neighbour advertisement", icmpv6(136), "filtered"},
        {"echo request 2", echo_request(), "pass"},
        {"router solicitation", icmpv6(133), "filtered"},
        {"echo reply", icmpv6(129), "filtered"},
        {"echo request 3", echo_request(), "picked"},
        {"IPv6 UDP", Packet().eth().ipv6().udp().payload(10).bytes(), "filtered"},
        {"ICMPv4 echo request", Packet().eth().ipv4().icmp_echo().payload(56).bytes(), "filtered"},
        {"ARP", Packet().eth().ethertype(0x0806).payload(28).bytes(), "filtered"},
        {"echo request 4", echo_request(), "pass"},
        {"echo request behind a hop-by-hop header",
         Packet().eth().ipv6().ipv6_ext(0).icmpv6_echo().payload(8).bytes(), "picked"},
        {"echo request in a VLAN", Packet().eth().vlan(7).ipv6().icmpv6_echo().bytes(), "pass"},
        {"echo request cut inside its ICMPv6 header",
         [] {
             auto f = echo_request();
             f.resize(14 + 40 + 2);
             return f;
         }(),
         "filtered"},
    };
    for (const auto& c : cases) EXPECT_EQ(s.decide(c.frame), c.outcome) << c.description;
}

TEST(Afxdp, UdpPortFilterTakesThatPortOverIpv4AndIpv6Only) {
    Steering s(ParamValues{{"steer", "all"}, {"filter", "udp"}, {"udp-port", "4789"}});
    EXPECT_EQ(s.decide(Packet().eth().ipv4().udp(1000, 4789).payload(8).bytes()), "picked");
    EXPECT_EQ(s.decide(Packet().eth().ipv6().udp(1000, 4789).payload(8).bytes()), "picked");
    EXPECT_EQ(s.decide(Packet().eth().vlan(3).ipv4().udp(1000, 4789).bytes()), "picked");
    EXPECT_EQ(s.decide(Packet().eth().ipv4().udp(4789, 53).bytes()), "filtered");  // source port
    EXPECT_EQ(s.decide(Packet().eth().ipv4().tcp(1000, 4789).bytes()), "filtered");
    EXPECT_EQ(s.decide(echo_request()), "filtered");
    auto cut = Packet().eth().ipv4().udp(1000, 4789).bytes();
    cut.resize(14 + 20 + 4);  // ends inside the UDP header, before the port
    EXPECT_EQ(s.decide(cut), "filtered");
}

}  // namespace
}  // namespace xdpkit
