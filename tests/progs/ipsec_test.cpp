// The ESP pre-parse under BPF_PROG_RUN with SAs in the program's own database: where ESP is
// found and where it is not, what is malformed at every truncation, the anti-replay
// pre-check against a window the "engine" (the test, through SaDatabase::mark_verified)
// moves, and the action of each SA.
#include <gtest/gtest.h>
#include <xdpkit/ipsec.h>

#include "core/families/families.h"
#include "core/ipsec/ipsec_sad.h"
#include "support/ipsec_fixture.h"
#include "support/loaded.h"
#include "support/packet.h"
#include "support/prog_run.h"

namespace xdpkit {
namespace {

using test::counters;
using test::load_alone;
using test::Packet;
using test::run_xdp;

constexpr uint32_t kDrop = 1, kPass = 2, kRedirect = 4;
constexpr uint32_t kSpi = 0x1000;
// IV 16 + 32 bytes of cipher text (payload, padding, pad length, next header) + ICV 12:
// a well-formed AES-CBC/HMAC-SHA1-96 body.
constexpr size_t kCbcBody = 16 + 32 + 12;

SecurityAssociation sa_to(const std::string& dst, const std::string& action,
                          uint32_t spi = kSpi, uint32_t window = 64) {
    SaFields f;
    f.spi = std::to_string(spi);
    f.dst = dst;
    f.action = action;
    f.replay_window = std::to_string(window);
    auto sa = make_sa(f);
    if (!sa) throw std::runtime_error(sa.error().message);
    return *sa;
}

using Fixture = test::IpsecFixture;

std::vector<uint8_t> esp4(uint32_t seq, uint32_t spi = kSpi, size_t body = kCbcBody) {
    return Packet().eth().ipv4("198.18.0.1", "198.18.0.2").esp(spi, seq).payload(body).bytes();
}

std::vector<uint8_t> esp6(uint32_t seq, uint32_t spi = kSpi) {
    return Packet().eth().ipv6("fc00:dead:cafe::1", "fc00:dead:cafe::2")
        .esp(spi, seq).payload(kCbcBody).bytes();
}

TEST(Ipsec, FindsEspInIpv4Ipv6AfterExtensionHeadersAndNatT) {
    Fixture fx({sa_to("198.18.0.2", "drop"), sa_to("fc00:dead:cafe::2", "drop")});
    EXPECT_EQ(fx.verdict(esp4(1)), kDrop);
    EXPECT_EQ(fx.verdict(Packet().eth().vlan(100).ipv4("198.18.0.1", "198.18.0.2", 2)
                             .esp(kSpi, 2).payload(kCbcBody).bytes()),
              kDrop);  // a VLAN tag and IPv4 options in front
    EXPECT_EQ(fx.verdict(Packet().eth().ipv6("fc00:dead:cafe::1", "fc00:dead:cafe::2")
                             .ipv6_ext(0).ipv6_ext(43, 1).ipv6_ext(60)
                             .esp(kSpi, 3).payload(kCbcBody).bytes()),
              kDrop);  // hop-by-hop, routing, destination options (RFC 8200 order)
    EXPECT_EQ(fx.verdict(Packet().eth().ipv4("198.18.0.1", "198.18.0.2").udp(4500, 4500)
                             .esp(kSpi, 4).payload(kCbcBody).bytes()),
              kDrop);
    EXPECT_EQ(fx.event(IPSEC_EV_ESP_IPV4), 2u);
    EXPECT_EQ(fx.event(IPSEC_EV_ESP_IPV6), 1u);
    EXPECT_EQ(fx.event(IPSEC_EV_ESP_UDP), 1u);
    EXPECT_EQ(fx.sa(0).stats.packets + fx.sa(1).stats.packets, 4u);
    EXPECT_EQ(fx.sa(0).stats.highest_seq, 4u);  // IPv4 SA: seqs 1, 2, 4
}

TEST(Ipsec, IkeKeepalivesFragmentsAndOtherTrafficPassUntouched) {
    Fixture fx({sa_to("198.18.0.2", "drop")});
    const auto natt = Packet().eth().ipv4("198.18.0.1", "198.18.0.2").udp(4500, 4500);
    auto ike = Packet(natt).payload(4, 0x00).payload(28).bytes();  // non-ESP marker + IKE
    auto keepalive = Packet(natt).payload(1, 0xff).bytes();
    auto frag4 = esp4(1);
    frag4[14 + 6] = 0x20;  // more fragments
    auto frag6 = Packet().eth().ipv6().ipv6_fragment(0, true).esp(kSpi, 1).payload(kCbcBody)
                     .bytes();
    auto udp = Packet().eth().ipv4().udp(1000, 53).payload(20).bytes();
    for (const auto& f : {ike, keepalive, frag4, frag6, udp}) EXPECT_EQ(fx.verdict(f), kPass);
    EXPECT_EQ(fx.event(IPSEC_EV_IKE), 1u);
    EXPECT_EQ(fx.event(IPSEC_EV_KEEPALIVE), 1u);
    EXPECT_EQ(fx.event(IPSEC_EV_FRAGMENT), 2u);
    EXPECT_EQ(fx.event(IPSEC_EV_NOT_ESP), 1u);
    EXPECT_EQ(fx.sa().stats.packets, 0u);
}

TEST(Ipsec, InvalidAndUnknownSpis) {
    for (const std::string unknown : {"pass", "drop"}) {
        SCOPED_TRACE(unknown);
        Fixture fx({sa_to("198.18.0.2", "drop")}, unknown);
        EXPECT_EQ(fx.verdict(esp4(1, 0)), kDrop);     // SPI 0
        EXPECT_EQ(fx.verdict(esp4(1, 255)), kDrop);   // reserved
        EXPECT_EQ(fx.verdict(esp4(0)), kDrop);        // sequence number 0 is never sent
        EXPECT_EQ(fx.event(IPSEC_EV_INVALID_SPI), 3u);
        const uint32_t expect = unknown == "pass" ? kPass : kDrop;
        EXPECT_EQ(fx.verdict(esp4(1, kSpi + 1)), expect);
        // The right SPI to another destination is another SA (RFC 4301 §4.1).
        EXPECT_EQ(fx.verdict(Packet().eth().ipv4("198.18.0.1", "198.18.0.3").esp(kSpi, 1)
                                 .payload(kCbcBody).bytes()),
                  expect);
        EXPECT_EQ(fx.event(IPSEC_EV_UNKNOWN_SPI), 2u);
        EXPECT_EQ(fx.sa().stats.packets, 0u);
    }
}

TEST(Ipsec, ASourceBoundSaOnlyMatchesItsSource) {
    SecurityAssociation sa = sa_to("198.18.0.2", "drop");
    sa.src = *parse_ip("198.18.0.9");
    Fixture fx({sa});
    EXPECT_EQ(fx.verdict(esp4(1)), kPass);  // from 198.18.0.1: unknown, passed
    EXPECT_EQ(fx.verdict(Packet().eth().ipv4("198.18.0.9", "198.18.0.2").esp(kSpi, 1)
                             .payload(kCbcBody).bytes()),
              kDrop);
    EXPECT_EQ(fx.event(IPSEC_EV_UNKNOWN_SPI), 1u);
    EXPECT_EQ(fx.sa().stats.packets, 1u);
}

// Every prefix of an ESP frame: before the protocol can be read it is unparsed (passed here:
// every SA passes, and so does unknown ESP); from there on its IP header claims more than the
// frame holds, and it is dropped as malformed. Never passed as ESP, never counted against the
// SA.
TEST(Ipsec, EveryTruncationOffsetIsMalformedOnceEspIsIdentifiable) {
    struct Shape {
        const char* name;
        std::vector<uint8_t> frame;
        size_t identifiable;  // bytes from which the protocol field is readable
    };
    const std::vector<Shape> shapes = {
        {"ipv4", esp4(1), 14 + 20},
        {"ipv6", esp6(1), 14 + 40},
        {"nat-t", Packet().eth().ipv4("198.18.0.1", "198.18.0.2").udp(4500, 4500).esp(kSpi, 1)
                      .payload(kCbcBody).bytes(), 14 + 20},
    };
    for (const auto& s : shapes) {
        SCOPED_TRACE(s.name);
        Fixture fx({sa_to("198.18.0.2", "pass"), sa_to("fc00:dead:cafe::2", "pass")});
        // From 14: BPF_PROG_RUN refuses XDP frames shorter than an Ethernet header.
        for (size_t cut = 14; cut < s.frame.size(); ++cut) {
            const std::vector<uint8_t> part(s.frame.begin(), s.frame.begin() + cut);
            ASSERT_EQ(fx.verdict(part), cut < s.identifiable ? kPass : kDrop) << "cut " << cut;
        }
        EXPECT_EQ(fx.event(IPSEC_EV_UNPARSED), s.identifiable - 14);
        EXPECT_EQ(fx.event(IPSEC_EV_NOT_ESP), 0u);
        EXPECT_EQ(fx.event(IPSEC_EV_MALFORMED), s.frame.size() - s.identifiable);
        EXPECT_EQ(fx.sa(0).stats.packets + fx.sa(1).stats.packets, 0u);
        EXPECT_EQ(fx.verdict(s.frame), kPass);  // whole, it is fine
    }
}

TEST(Ipsec, LengthsThatDoNotFitTheSaAreMalformed) {
    Fixture fx({sa_to("198.18.0.2", "pass")});
    EXPECT_EQ(fx.verdict(esp4(1, kSpi, 16 + 12)), kDrop);       // no cipher text at all
    EXPECT_EQ(fx.verdict(esp4(2, kSpi, kCbcBody - 4)), kDrop);  // not whole AES blocks
    EXPECT_EQ(fx.event(IPSEC_EV_SA_MALFORMED), 2u);
    EXPECT_EQ(fx.sa().stats.malformed, 2u);
    EXPECT_EQ(fx.sa().stats.packets, 2u);
    auto bad_ihl = esp4(3);
    bad_ihl[14] = 0x44;  // IHL 4: shorter than the header itself
    EXPECT_EQ(fx.verdict(bad_ihl), kDrop);
    EXPECT_EQ(fx.event(IPSEC_EV_MALFORMED), 1u);
    auto short_udp = Packet().eth().ipv4("198.18.0.1", "198.18.0.2").udp(4500, 4500)
                         .payload(3, 0x11).bytes();  // neither keepalive nor SPI + seq
    EXPECT_EQ(fx.verdict(short_udp), kDrop);
    EXPECT_EQ(fx.event(IPSEC_EV_MALFORMED), 2u);
}

TEST(Ipsec, AntiReplayPreCheckFollowsTheWindowTheEngineMoves) {
    Fixture fx({sa_to("198.18.0.2", "pass")});
    const uint32_t slot = fx.sa().slot;
    for (uint32_t seq : {1u, 2u, 3u, 5u}) ASSERT_TRUE(fx.db.mark_verified(slot, seq));
    EXPECT_EQ(fx.verdict(esp4(4)), kPass);  // in-window reorder: not verified yet
    EXPECT_EQ(fx.verdict(esp4(3)), kDrop);  // duplicate
    EXPECT_EQ(fx.verdict(esp4(6)), kPass);  // right of the window
    EXPECT_EQ(fx.verdict(esp4(4)), kPass);  // the program never moves the window itself
    ASSERT_TRUE(fx.db.mark_verified(slot, 100));  // slides: 37..100 is the window now
    EXPECT_EQ(fx.verdict(esp4(36)), kDrop);  // too old
    EXPECT_EQ(fx.verdict(esp4(37)), kPass);
    EXPECT_EQ(fx.verdict(esp4(5)), kDrop);   // once verified, now simply too old
    EXPECT_EQ(fx.verdict(esp4(100)), kDrop);
    const SaEntry e = fx.sa();
    EXPECT_EQ(e.stats.replay, 2u);
    EXPECT_EQ(e.stats.too_old, 2u);
    EXPECT_EQ(e.replay_top, 100u);
    EXPECT_EQ(fx.event(IPSEC_EV_REPLAY), 2u);
    EXPECT_EQ(fx.event(IPSEC_EV_TOO_OLD), 2u);
}

TEST(Ipsec, AWindowOfZeroTurnsThePreCheckOff) {
    Fixture fx({sa_to("198.18.0.2", "pass", kSpi, 0)});
    ASSERT_TRUE(fx.db.mark_verified(fx.sa().slot, 10));
    EXPECT_EQ(fx.verdict(esp4(10)), kPass);
    EXPECT_EQ(fx.verdict(esp4(1)), kPass);
}

TEST(Ipsec, EachSaTakesItsAction) {
    Fixture fx({sa_to("198.18.0.2", "pass", 0x100), sa_to("198.18.0.2", "drop", 0x200),
                sa_to("198.18.0.2", "cpu:0", 0x300), [] {
                    SaFields f;  // the engine's SA: it has keys
                    f.spi = "0x400";
                    f.dst = "198.18.0.2";
                    f.action = "xsk:0";
                    f.key = "00112233445566778899aabbccddeeff";
                    f.auth_key = "0102030405060708090a0b0c0d0e0f1011121314";
                    return *make_sa(f);
                }()});
    EXPECT_EQ(fx.verdict(esp4(1, 0x100)), kPass);
    EXPECT_EQ(fx.verdict(esp4(1, 0x200)), kDrop);
    EXPECT_EQ(fx.verdict(esp4(1, 0x300)), kRedirect);  // the cpumap entry was made for it
    // No socket in the XSKMAP: passed to the stack and counted, never black-holed.
    EXPECT_EQ(fx.verdict(esp4(1, 0x400)), kPass);
    EXPECT_EQ(fx.sa(3).stats.steer_failed, 1u);
    EXPECT_EQ(fx.event(IPSEC_EV_STEER_FAILED), 1u);
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(fx.sa(i).stats.packets, 1u) << i;
}

TEST(Ipsec, AddingIsAllOrNothing) {
    Fixture fx({sa_to("198.18.0.2", "drop", 0x100)});
    // The second SA duplicates the existing one: neither is added.
    auto r = fx.db.add({sa_to("198.18.0.2", "drop", 0x500), sa_to("198.18.0.2", "pass", 0x100)});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("nothing was added"), std::string::npos);
    ASSERT_EQ(fx.db.list()->size(), 1u);
    // A CPU that does not exist fails after the first SA was written: rolled back.
    r = fx.db.add({sa_to("198.18.0.2", "drop", 0x600), sa_to("198.18.0.2", "cpu:63", 0x700)});
    ASSERT_FALSE(r);
    EXPECT_EQ(fx.db.list()->size(), 1u);
    EXPECT_EQ(fx.verdict(esp4(1, 0x600)), kPass);  // unknown again
}

}  // namespace
}  // namespace xdpkit
