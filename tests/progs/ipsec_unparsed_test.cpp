// ipsec and IPv6 extension-header chains: ESP is found behind every skippable kind up to the
// walk limit, in the first buffer and in a multi-buffer frame's fragments. Past the limit a
// frame is `unparsed` — never `not-esp` — and dropped while some ESP it might be would not
// simply pass: an SA whose action is not pass, or unknown-spi=drop (issue 16 item 1: ESP of a
// drop SA behind 7 headers used to pass as not-esp).
#include <gtest/gtest.h>
#include <xdpkit/ipsec.h>

#include "support/ipsec_fixture.h"
#include "support/packet.h"

namespace xdpkit {
namespace {

using test::Packet;

constexpr uint32_t kDrop = 1, kPass = 2;
constexpr uint32_t kSpi = 0x1000;
constexpr size_t kCbcBody = 16 + 32 + 12;  // IV, two blocks of cipher text, HMAC-SHA1-96 ICV
constexpr size_t kFirstBuffer = 3520;      // BPF_PROG_RUN's (loader/core/kernel/prog_run.cpp)
const std::string kDst = "fc00:dead:cafe::2";

using Fixture = test::IpsecFixture;

SecurityAssociation sa_to(const std::string& action, uint32_t spi = kSpi) {
    SaFields f;
    f.spi = std::to_string(spi);
    f.dst = kDst;
    f.action = action;
    if (action.rfind("xsk:", 0) == 0) {  // the engine's SA: it decrypts, so it has keys
        f.key = "00112233445566778899aabbccddeeff";
        f.auth_key = "0102030405060708090a0b0c0d0e0f1011121314";
    }
    auto sa = make_sa(f);
    if (!sa) throw std::runtime_error(sa.error().message);
    return *sa;
}

struct ExtKind {
    const char* name;
    uint8_t type;
    uint8_t len_units;
};

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
    p.eth().ipv6("fc00:dead:cafe::1", kDst);
    for (size_t i = 0; i < n; ++i) p.ipv6_ext(k.type, k.len_units);
    return p;
}

std::vector<uint8_t> esp_behind(const ExtKind& k, size_t n, uint32_t seq) {
    return ipv6_behind(k, n).esp(kSpi, seq).payload(kCbcBody).bytes();
}

TEST(IpsecUnparsed, EspBehindEveryKindUpToTheLimitIsFoundAndTakesItsSa) {
    for (const auto& k : ext_kinds()) {
        SCOPED_TRACE(k.name);
        Fixture fx({sa_to("drop")});
        for (size_t n = 0; n <= XDPKIT_IPV6_EXT_MAX; ++n)
            ASSERT_EQ(fx.verdict(esp_behind(k, n, static_cast<uint32_t>(n + 1))), kDrop) << n;
        EXPECT_EQ(fx.event(IPSEC_EV_ESP_IPV6), XDPKIT_IPV6_EXT_MAX + 1u);
        EXPECT_EQ(fx.sa().stats.packets, XDPKIT_IPV6_EXT_MAX + 1u);
        EXPECT_EQ(fx.event(IPSEC_EV_UNPARSED), 0u);
        EXPECT_EQ(fx.event(IPSEC_EV_NOT_ESP), 0u);
    }
}

TEST(IpsecUnparsed, PastTheLimitIsUnparsedAndDroppedWhileAnSaIsNotPass) {
    for (const auto& k : ext_kinds()) {
        SCOPED_TRACE(k.name);
        const auto frame = esp_behind(k, XDPKIT_IPV6_EXT_MAX + 1, 1);
        Fixture fx({sa_to("drop")});
        EXPECT_EQ(fx.verdict(frame), kDrop);
        EXPECT_EQ(fx.event(IPSEC_EV_UNPARSED), 1u);
        EXPECT_EQ(fx.event(IPSEC_EV_NOT_ESP), 0u);
        EXPECT_EQ(fx.sa().stats.packets, 0u) << "no SA is charged for a frame it was not found for";
    }
}

// The summary the program decides by follows the table: every SA pass (or none) and unknown
// ESP passed — the frame passes; one SA that does anything else — dropped; gone again —
// passes. unknown-spi=drop drops it whatever the SAs; unparsed=pass passes it whatever they are.
TEST(IpsecUnparsed, TheRuleFollowsTheSaTableAndTheParameters) {
    const auto frame = esp_behind(ext_kinds()[2], XDPKIT_IPV6_EXT_MAX + 1, 1);
    {
        Fixture fx({});
        EXPECT_EQ(fx.verdict(frame), kPass);
        ASSERT_TRUE(fx.db.add({sa_to("pass")}));
        EXPECT_EQ(fx.verdict(frame), kPass);
        for (const std::string action : {"drop", "cpu:0", "xsk:0"}) {
            SCOPED_TRACE(action);
            ASSERT_TRUE(fx.db.add({sa_to(action, 0x2000)}));
            EXPECT_EQ(fx.verdict(frame), kDrop);
            ASSERT_TRUE(fx.db.remove(0x2000, *parse_ip(kDst)));
            EXPECT_EQ(fx.verdict(frame), kPass);
        }
        ASSERT_TRUE(fx.db.add({sa_to("drop", 0x2000)}));
        ASSERT_TRUE(fx.db.flush());
        EXPECT_EQ(fx.verdict(frame), kPass);
        EXPECT_EQ(fx.event(IPSEC_EV_UNPARSED), 9u);
    }
    {
        Fixture fx({sa_to("pass")}, /*unknown=*/"drop");
        EXPECT_EQ(fx.verdict(frame), kDrop);
    }
    {
        test::IpsecFixture fx({sa_to("drop")}, "pass", {{"unparsed", "pass"}});
        EXPECT_EQ(fx.verdict(frame), kPass);
        EXPECT_EQ(fx.event(IPSEC_EV_UNPARSED), 1u);
    }
}

// A failed add leaves the summary as the table is: the pessimistic count it wrote first is
// taken back.
TEST(IpsecUnparsed, AFailedAddLeavesTheRuleAsItWas) {
    const auto frame = esp_behind(ext_kinds()[2], XDPKIT_IPV6_EXT_MAX + 1, 1);
    Fixture fx({sa_to("pass")});
    ASSERT_FALSE(fx.db.add({sa_to("drop", 0x2000), sa_to("cpu:63", 0x2001)}));
    EXPECT_EQ(fx.verdict(frame), kPass);
}

// ESP whose chain runs on into the second buffer of a multi-buffer frame: found there (the
// SPI and sequence number are read from the fragment), its SA's action taken.
TEST(IpsecUnparsed, EspIntoTheSecondBufferIsFoundThere) {
    Fixture fx({sa_to("drop")});
    const auto big = ipv6_behind({"destination options", 60, 255}, 2);
    const auto esp = Packet(big).esp(kSpi, 7).payload(kCbcBody).bytes();
    ASSERT_GT(14u + 40 + 2 * 2048, kFirstBuffer);
    EXPECT_EQ(fx.verdict(esp), kDrop);
    EXPECT_EQ(fx.event(IPSEC_EV_ESP_IPV6), 1u);
    EXPECT_EQ(fx.sa().stats.packets, 1u);
    EXPECT_EQ(fx.sa().stats.highest_seq, 7u);
    // NAT-T there too: the UDP header, the marker and the ESP header all in a fragment.
    const auto natt = Packet(big).udp(4500, 4500).esp(kSpi, 8).payload(kCbcBody).bytes();
    EXPECT_EQ(fx.verdict(natt), kDrop);
    EXPECT_EQ(fx.event(IPSEC_EV_ESP_UDP), 1u);
    const auto ike = Packet(big).udp(4500, 4500).payload(4, 0).payload(28).bytes();
    EXPECT_EQ(fx.verdict(ike), kPass);
    EXPECT_EQ(fx.event(IPSEC_EV_IKE), 1u);
    EXPECT_EQ(fx.sa().stats.highest_seq, 8u);
}

TEST(IpsecUnparsed, AFrameThatEndsInsideItsChainIsUnparsed) {
    Fixture fx({sa_to("drop")});
    auto cut = ipv6_behind({"destination options", 60, 255}, 3).esp(kSpi, 1).bytes();
    cut.resize(14 + 40 + 2 * 2048 + 100);  // in the third header, past the first buffer
    EXPECT_EQ(fx.verdict(cut), kDrop);
    auto short_cut = esp_behind(ext_kinds()[2], 3, 1);
    short_cut.resize(14 + 40 + 12);  // in the second header
    EXPECT_EQ(fx.verdict(short_cut), kDrop);
    EXPECT_EQ(fx.event(IPSEC_EV_UNPARSED), 2u);
    EXPECT_EQ(fx.event(IPSEC_EV_MALFORMED), 0u);
}

// An atomic fragment (offset 0, no M flag) is processed whole by a receiver (RFC 6946 §4):
// its ESP is found, not passed as a fragment. A real fragment still passes (reassembly is the
// stack's), and so does a later fragment of ESP.
TEST(IpsecUnparsed, AnAtomicFragmentIsWholeEsp) {
    Fixture fx({sa_to("drop")});
    EXPECT_EQ(fx.verdict(ipv6_behind({"fragment", 44, 0}, 1).esp(kSpi, 1).payload(kCbcBody)
                             .bytes()),
              kDrop);
    EXPECT_EQ(fx.event(IPSEC_EV_ESP_IPV6), 1u);
    EXPECT_EQ(fx.verdict(Packet().eth().ipv6("fc00:dead:cafe::1", kDst).ipv6_fragment(0, true)
                             .esp(kSpi, 2).payload(kCbcBody).bytes()),
              kPass);
    EXPECT_EQ(fx.verdict(Packet().eth().ipv6("fc00:dead:cafe::1", kDst).ipv6_fragment(20, false)
                             .proto(50).payload(kCbcBody).bytes()),
              kPass);
    EXPECT_EQ(fx.event(IPSEC_EV_FRAGMENT), 2u);
}

}  // namespace
}  // namespace xdpkit
