// drop and IPv6 extension-header chains: every skippable kind, 0 up to past the walk limit, in
// the first buffer and across into a multi-buffer frame's fragments. A frame the program
// cannot walk to its upper-layer protocol is `unparsed` — never `non-ip` — and a filter acts
// on it unless unparsed=pass (issue 16 item 1: UDP behind 7 headers used to pass protos=udp).
#include <gtest/gtest.h>
#include <xdpkit/drop.h>

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

constexpr uint32_t kDrop = 1, kPass = 2;
// BPF_PROG_RUN puts the first 3520 bytes of a frame in its first buffer (a page less the
// headroom and skb_shared_info, loader/core/kernel/prog_run.cpp) and the rest in fragments.
constexpr size_t kFirstBuffer = 3520;

struct ExtKind {
    const char* name;
    uint8_t type;
    uint8_t len_units;
};

// Every kind the walk skips; AH with a 12-byte ICV (HMAC-SHA1-96: 24 bytes in all).
const std::vector<ExtKind>& ext_kinds() {
    static const std::vector<ExtKind> kinds = {
        {"hop-by-hop", 0, 0},  {"routing", 43, 1}, {"destination options", 60, 0},
        {"fragment (atomic)", 44, 0}, {"AH", 51, 4}, {"mobility", 135, 0},
        {"HIP", 139, 1},       {"shim6", 140, 0},
    };
    return kinds;
}

Packet ipv6_behind(const ExtKind& k, size_t n) {
    Packet p;
    p.eth().ipv6();
    for (size_t i = 0; i < n; ++i) p.ipv6_ext(k.type, k.len_units);
    return p;
}

std::vector<uint8_t> udp_behind(const ExtKind& k, size_t n) {
    return ipv6_behind(k, n).udp(1024, 9).payload(18).bytes();
}

// proto_counters after exactly one frame: the slot it landed in, with its whole length.
void expect_one_in(const LoadedProgram& p, uint32_t slot, size_t bytes) {
    const auto protos = counters(p, "proto_counters");
    ASSERT_EQ(protos.size(), DROP_PROTO_SLOTS);
    for (uint32_t s = 0; s < protos.size(); ++s) {
        EXPECT_EQ(protos[s].packets, s == slot ? 1u : 0u) << "slot " << s;
        EXPECT_EQ(protos[s].bytes, s == slot ? bytes : 0u) << "slot " << s;
    }
}

// One frame through a fresh drop program: its verdict, and the slot it was counted in.
uint32_t verdict_counted_in(const ParamValues& params, const std::vector<uint8_t>& frame,
                            uint32_t slot) {
    LoadedProgram p = load_alone(drop_family(), params);
    const auto r = run_xdp(p.prog_fd(), frame);
    EXPECT_EQ(r.err, 0);
    expect_one_in(p, slot, frame.size());
    return r.verdict;
}

TEST(DropUnparsed, UdpBehindEveryKindOfExtensionHeaderUpToTheLimitIsUdp) {
    for (const auto& k : ext_kinds()) {
        LoadedProgram p = load_alone(drop_family(), {{"protos", "udp"}});
        uint64_t bytes = 0;
        for (size_t n = 0; n <= XDPKIT_IPV6_EXT_MAX; ++n) {
            SCOPED_TRACE(std::string(k.name) + " x" + std::to_string(n));
            const auto frame = udp_behind(k, n);
            const auto r = run_xdp(p.prog_fd(), frame);
            ASSERT_EQ(r.err, 0);
            EXPECT_EQ(r.verdict, kDrop);
            bytes += frame.size();
        }
        SCOPED_TRACE(k.name);
        const auto protos = counters(p, "proto_counters");
        EXPECT_EQ(protos[17].packets, XDPKIT_IPV6_EXT_MAX + 1u);
        EXPECT_EQ(protos[17].bytes, bytes);
        EXPECT_EQ(protos[DROP_PROTO_UNPARSED].packets, 0u);
        EXPECT_EQ(protos[DROP_PROTO_NON_IP].packets, 0u);
    }
}

TEST(DropUnparsed, OneHeaderPastTheLimitIsUnparsedDroppedByDefaultPassedOnRequest) {
    for (const auto& k : ext_kinds()) {
        SCOPED_TRACE(k.name);
        const auto frame = udp_behind(k, XDPKIT_IPV6_EXT_MAX + 1);
        EXPECT_EQ(verdict_counted_in({{"protos", "udp"}}, frame, DROP_PROTO_UNPARSED), kDrop);
        EXPECT_EQ(verdict_counted_in({{"protos", "udp"}, {"unparsed", "pass"}}, frame,
                                     DROP_PROTO_UNPARSED),
                  kPass);
    }
}

TEST(DropUnparsed, AMixedChainUpToAndPastTheLimit) {
    for (size_t n : {size_t{8}, size_t{XDPKIT_IPV6_EXT_MAX}, size_t{XDPKIT_IPV6_EXT_MAX + 1}}) {
        SCOPED_TRACE(n);
        Packet p;
        p.eth().ipv6();
        for (size_t i = 0; i < n; ++i) {
            const auto& k = ext_kinds()[i % ext_kinds().size()];
            p.ipv6_ext(k.type, k.len_units);
        }
        const auto frame = p.udp().payload(18).bytes();
        const uint32_t slot = n <= XDPKIT_IPV6_EXT_MAX ? 17 : DROP_PROTO_UNPARSED;
        EXPECT_EQ(verdict_counted_in({{"protos", "udp"}}, frame, slot), kDrop);
        // protos=tcp: UDP passes, an unparsed frame still gets the action.
        EXPECT_EQ(verdict_counted_in({{"protos", "tcp"}}, frame, slot),
                  slot == 17 ? kPass : kDrop);
    }
}

// The chain runs on past the first buffer: two 2048-byte destination-options headers put
// UDP at byte 4150 of a multi-buffer frame, classified on its real headers.
TEST(DropUnparsed, AChainIntoTheSecondBufferIsWalkedThere) {
    const auto big = Packet().eth().ipv6().ipv6_ext(60, 255).ipv6_ext(60, 255);
    const auto frame = Packet(big).udp().payload(100).bytes();
    ASSERT_GT(frame.size(), kFirstBuffer);
    ASSERT_GT(14u + 40 + 2 * 2048, kFirstBuffer);  // UDP itself is in a fragment
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}}, frame, 17), kDrop);
    EXPECT_EQ(verdict_counted_in({{"protos", "tcp"}}, frame, 17), kPass);
    // And a TCP one is TCP, not unparsed: nothing is guessed.
    const auto tcp = Packet(big).tcp().payload(100).bytes();
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}}, tcp, 6), kPass);
}

// A header whose first four bytes straddle the end of the first buffer (bytes 3518-3521).
TEST(DropUnparsed, AHeaderSplitAcrossTheBufferBoundaryIsRead) {
    // 14 + 40 + 2048 + 1416 = 3518.
    const auto frame = Packet().eth().ipv6().ipv6_ext(60, 255).ipv6_ext(60, 176)
                           .ipv6_ext(0, 0).udp().payload(100).bytes();
    ASSERT_GT(frame.size(), kFirstBuffer);
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}}, frame, 17), kDrop);
}

TEST(DropUnparsed, PastTheLimitInTheSecondBufferIsUnparsed) {
    Packet p;
    p.eth().ipv6().ipv6_ext(60, 255).ipv6_ext(60, 255);
    for (size_t i = 2; i <= XDPKIT_IPV6_EXT_MAX; ++i) p.ipv6_ext(60, 0);
    const auto frame = p.udp().bytes();
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}}, frame, DROP_PROTO_UNPARSED), kDrop);
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}, {"unparsed", "pass"}}, frame,
                                 DROP_PROTO_UNPARSED),
              kPass);
}

// A frame that ends inside its chain — in the first buffer or in a fragment — cannot show its
// protocol: unparsed, never non-ip.
TEST(DropUnparsed, AFrameThatEndsInsideItsChainIsUnparsed) {
    auto cut = Packet().eth().ipv6().ipv6_ext(60, 0).ipv6_ext(60, 3).udp().bytes();
    cut.resize(14 + 40 + 8 + 16);  // inside the second header
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}}, cut, DROP_PROTO_UNPARSED), kDrop);
    // The IPv6 payload length says more follows, and the frame ends past the first buffer
    // but inside a header.
    auto long_cut = Packet().eth().ipv6().ipv6_ext(60, 255).ipv6_ext(60, 255).ipv6_ext(60, 255)
                        .udp().bytes();
    long_cut.resize(14 + 40 + 2048 * 2 + 100);
    ASSERT_GT(long_cut.size(), kFirstBuffer);
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}}, long_cut, DROP_PROTO_UNPARSED), kDrop);
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}, {"unparsed", "pass"}}, long_cut,
                                 DROP_PROTO_UNPARSED),
              kPass);
}

TEST(DropUnparsed, FragmentsAreClassifiedByWhatTheFirstOneShows) {
    // A first fragment holds the whole chain (RFC 8200 §4.5): its UDP is UDP.
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}},
                                 Packet().eth().ipv6().ipv6_fragment(0, true).ipv6_ext(60)
                                     .udp().payload(40).bytes(),
                                 17),
              kDrop);
    // A later fragment of UDP: the fragment header names UDP, which is all there is to know.
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}},
                                 Packet().eth().ipv6().ipv6_fragment(100, false).proto(17)
                                     .payload(40).bytes(),
                                 17),
              kDrop);
    // A later fragment whose fragment header names an extension header: the protocol is
    // behind that header, in the first fragment only.
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}},
                                 Packet().eth().ipv6().ipv6_fragment(100, true).proto(60)
                                     .payload(40).bytes(),
                                 DROP_PROTO_UNPARSED),
              kDrop);
}

// Mobility, HIP and Shim6 followed by "no next header" are the upper layer (as the kernel
// counts them); followed by something, they are skipped like any extension header.
TEST(DropUnparsed, MobilityHipShim6EndTheChainOrAreSkipped) {
    for (uint8_t type : {135, 139, 140}) {
        SCOPED_TRACE(int(type));
        EXPECT_EQ(verdict_counted_in({{"protos", "udp"}},
                                     Packet().eth().ipv6().ipv6_ext(type).proto(59).payload(8)
                                         .bytes(),
                                     type),
                  kPass);
        EXPECT_EQ(verdict_counted_in({{"protos", "udp"}},
                                     Packet().eth().ipv6().ipv6_ext(type).udp().bytes(), 17),
                  kDrop);
    }
    // A destination-options header with nothing behind it: protocol 59, not unparsed.
    EXPECT_EQ(verdict_counted_in({{"protos", "udp"}},
                                 Packet().eth().ipv6().ipv6_ext(60).proto(59).bytes(), 59),
              kPass);
}

TEST(DropUnparsed, TxUdpDropsUnparsedFramesItCannotTellAreUdp) {
    const auto frame = udp_behind(ext_kinds()[2], XDPKIT_IPV6_EXT_MAX + 1);
    EXPECT_EQ(verdict_counted_in({{"action", "tx-udp"}, {"protos", "udp"}}, frame,
                                 DROP_PROTO_UNPARSED),
              kDrop);
    EXPECT_EQ(verdict_counted_in({{"action", "pass"}}, frame, DROP_PROTO_UNPARSED), kPass);
}

}  // namespace
}  // namespace xdpkit
