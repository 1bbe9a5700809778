// The SA model: flags and both SA file forms through one validation, the wire sizes the
// algorithms fix, and key material that never shows up in what is printed.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <functional>

#include "core/ipsec/ipsec_sa.h"

namespace xdpkit {
namespace {

const char* kCbcKey = "0x00112233445566778899aabbccddeeff";
const char* kSha1Key = "0x0102030405060708090a0b0c0d0e0f1011121314";

SaFields cbc_sha1(const std::string& action = "xsk:0") {
    SaFields f;
    f.spi = "0x100";
    f.dst = "198.18.0.2";
    f.action = action;
    f.key = kCbcKey;
    f.auth_key = kSha1Key;
    return f;
}

TEST(IpsecSa, FlagsBecomeAnSaWithTheAlgorithmsSizes) {
    auto sa = make_sa(cbc_sha1());
    ASSERT_TRUE(sa) << sa.error().message;
    EXPECT_EQ(sa->spi, 0x100u);
    EXPECT_EQ(sa->action, IPSEC_ACTION_XSK);
    EXPECT_EQ(sa->target, 0u);
    EXPECT_EQ(sa->cipher, IPSEC_CIPHER_AES_CBC_128);
    EXPECT_EQ(sa->auth, IPSEC_AUTH_HMAC_SHA1_96);
    EXPECT_EQ(sa->replay_window, 64u);
    const ipsec_sa v = sa_map_value(*sa, 7);
    EXPECT_EQ(v.slot, 7u);
    EXPECT_EQ(v.iv_len, 16);
    EXPECT_EQ(v.icv_len, 12);
    const ipsec_sa_key k = sa_map_key(*sa);
    EXPECT_EQ(k.spi, htonl(0x100));
    EXPECT_EQ(k.family, 4u);
    EXPECT_EQ(k.dst[0], 198);
    EXPECT_EQ(k.dst[4], 0);
}

TEST(IpsecSa, GcmTakesItsIcvFromTheCipherAndNeedsASalt) {
    SaFields f;
    f.spi = "4096";
    f.dst = "fc00:dead:cafe::2";
    f.action = "cpu:1";
    f.cipher = "aes-gcm-128";
    f.key = kCbcKey;
    f.salt = "0xdeadbeef";
    auto sa = make_sa(f);
    ASSERT_TRUE(sa) << sa.error().message;
    EXPECT_EQ(sa->auth, IPSEC_AUTH_NONE);
    EXPECT_EQ(icv_length(sa->cipher, sa->auth), 16u);
    EXPECT_EQ(iv_length(sa->cipher), 8u);
    EXPECT_EQ(sa_map_key(*sa).family, 6u);
    f.salt.reset();
    auto no_salt = make_sa(f);
    ASSERT_FALSE(no_salt);
    EXPECT_NE(no_salt.error().message.find("--salt"), std::string::npos);
    f.salt = "0xdeadbeef";
    f.auth = "hmac-sha1-96";
    EXPECT_FALSE(make_sa(f));
}

TEST(IpsecSa, BadFieldsAreRefusedByName) {
    struct Case {
        const char* what;
        std::function<void(SaFields&)> change;
        const char* named;
    };
    const std::vector<Case> cases = {
        {"spi 0", [](SaFields& f) { f.spi = "0"; }, "--spi"},
        {"reserved spi", [](SaFields& f) { f.spi = "255"; }, "--spi"},
        {"spi too big", [](SaFields& f) { f.spi = "0x100000000"; }, "--spi"},
        {"not an address", [](SaFields& f) { f.dst = "198.18.0"; }, "--dst"},
        {"action", [](SaFields& f) { f.action = "cpu:x"; }, "--action"},
        {"cpu above 63", [](SaFields& f) { f.action = "cpu:64"; }, "--action"},
        {"short key", [](SaFields& f) { f.key = "0x0011"; }, "--key"},
        {"odd hex", [](SaFields& f) { f.auth_key = "0x123"; }, "--auth-key"},
        {"window", [](SaFields& f) { f.replay_window = "100"; }, "--replay-window"},
        {"window too big", [](SaFields& f) { f.replay_window = "2048"; }, "--replay-window"},
        {"xsk without keys", [](SaFields& f) { f.key.reset(); f.auth_key.reset(); }, "--key"},
        {"mixed families", [](SaFields& f) { f.src = "fc00:dead:cafe::1"; }, "--src"},
        {"inline with hmac", [](SaFields& f) { f.action = "inline"; }, "--unverified"},
        {"null and none", [](SaFields& f) { f.cipher = "null"; f.auth = "none"; f.key.reset();
                                            f.auth_key.reset(); f.action = "drop"; }, "--cipher"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        SaFields f = cbc_sha1();
        c.change(f);
        auto sa = make_sa(f);
        ASSERT_FALSE(sa);
        EXPECT_NE(sa.error().message.find(c.named), std::string::npos) << sa.error().message;
        EXPECT_EQ(sa.error().message.find("0011"), std::string::npos);  // never echo key bytes
    }
}

TEST(IpsecSa, InlineNeedsNoAuthOrAnExplicitUnverified) {
    SaFields f = cbc_sha1("inline");
    f.unverified = true;
    EXPECT_TRUE(make_sa(f));
    f.unverified = false;
    f.auth = "none";
    f.auth_key.reset();
    EXPECT_TRUE(make_sa(f));
    f.cipher = "aes-gcm-128";
    f.salt = "0x01020304";
    EXPECT_FALSE(make_sa(f));  // the kernel has no GCM kfunc
}

TEST(IpsecSa, TextFileOneSaPerLineWithComments) {
    const std::string text = std::string("# two SAs\n") +
                             "--spi 0x100 --dst 198.18.0.2 --action drop\n\n" +
                             "--spi 257 --dst fc00:dead:cafe::2 --action xsk:1 --key " + kCbcKey +
                             " --auth-key " + kSha1Key + "   # the engine's\n";
    auto sas = parse_sa_text(text, "sas.txt");
    ASSERT_TRUE(sas) << sas.error().message;
    ASSERT_EQ(sas->size(), 2u);
    EXPECT_EQ((*sas)[1].spi, 257u);
    EXPECT_EQ((*sas)[1].target, 1u);
    auto bad = parse_sa_text("--spi 0x100 --dst 198.18.0.2 --action drop\n--spi 1 --dst "
                             "198.18.0.2 --action drop\n",
                             "sas.txt");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.rfind("sas.txt:2: --spi", 0), 0u) << bad.error().message;
}

TEST(IpsecSa, JsonFileNamesFieldsLikeTheFlags) {
    auto sas = parse_sa_text(R"([{"spi": 256, "dst": "198.18.0.2", "action": "pass"},
        {"spi": "0x1000", "dst": "198.18.0.2", "action": "xsk:0", "cipher": "aes-gcm-128",
         "key": "00112233445566778899aabbccddeeff", "salt": "01020304", "replay_window": 128}])",
                             "sas.json");
    ASSERT_TRUE(sas) << sas.error().message;
    ASSERT_EQ(sas->size(), 2u);
    EXPECT_EQ((*sas)[1].spi, 0x1000u);
    EXPECT_EQ((*sas)[1].replay_window, 128u);
    auto unknown = parse_sa_text(R"([{"spi": 256, "dst": "198.18.0.2", "action": "pass",
                                     "mode": "tunnel"}])", "sas.json");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("SA [0]: unknown field 'mode'"), std::string::npos)
        << unknown.error().message;
    EXPECT_FALSE(parse_sa_text("[{\"spi\": 256,", "sas.json"));
    EXPECT_FALSE(parse_sa_text("[]", "sas.json"));
}

TEST(IpsecSa, TheSameSpiAndDestinationTwiceIsRefused) {
    auto dup = parse_sa_text("--spi 256 --dst 198.18.0.2 --action drop\n"
                             "--spi 0x100 --dst 198.18.0.2 --action pass\n",
                             "sas.txt");
    ASSERT_FALSE(dup);
    EXPECT_NE(dup.error().message.find("twice"), std::string::npos);
    // Same SPI to another destination is another SA (RFC 4301 §4.1).
    EXPECT_TRUE(parse_sa_text("--spi 256 --dst 198.18.0.2 --action drop\n"
                              "--spi 256 --dst 198.18.0.3 --action drop\n",
                              "sas.txt"));
}

TEST(IpsecSa, PrintedFormShowsAFingerprintNeverTheKeys) {
    auto sa = make_sa(cbc_sha1());
    ASSERT_TRUE(sa);
    const std::string printed = to_json(*sa).dump();
    EXPECT_EQ(printed.find("00112233"), std::string::npos);
    EXPECT_EQ(printed.find("0102030405"), std::string::npos);
    const std::string fp = key_fingerprint(*sa);
    EXPECT_EQ(fp.size(), 16u);
    EXPECT_NE(printed.find(fp), std::string::npos);
    SaFields other = cbc_sha1();
    other.key = "0x00112233445566778899aabbccddeefe";
    EXPECT_NE(key_fingerprint(*make_sa(other)), fp);
}

// Messages that say what is wrong (each once said something else).
std::string error_of(const Result<std::vector<uint8_t>>& r) { return r ? "" : r.error().message; }
std::string error_of(const Result<std::vector<SecurityAssociation>>& r) {
    return r ? "" : r.error().message;
}

TEST(IpsecSaMessages, ANonHexDigitIsNamedWithItsPosition) {
    EXPECT_EQ(error_of(parse_hex_bytes("000102030405060708090a0b0c0d0eXf")),
              "'X' at position 31 is not a hex digit");
    EXPECT_EQ(error_of(parse_hex_bytes("0xabc")), "3 hex digits: an odd number (two per byte)");
    EXPECT_EQ(error_of(parse_hex_bytes("0x")), "no hex digits");
}

TEST(IpsecSaMessages, AJsonObjectWhereAnArrayIsExpectedSaysSo) {
    EXPECT_EQ(error_of(parse_sa_text(R"({"spi": 256})", "sas.json")),
              R"(sas.json: a JSON object where an array of SA objects is expected ([{"spi": ...}, ...]))");
}

TEST(IpsecSaMessages, BadJsonHasLineAndColumn) {
    const std::string msg = error_of(parse_sa_text("[{\"spi\": 256,\n \"dst\": }]", "sas.json"));
    EXPECT_EQ(msg.rfind("sas.json:2:9: not valid JSON (syntax error", 0), 0u) << msg;
}

TEST(IpsecSaMessages, BinaryBytesAreNotEchoedRaw) {
    const std::string msg = error_of(parse_sa_text("\x1b[31mred --spi 1\n", "sas.txt"));
    EXPECT_EQ(msg, "sas.txt:1: '\\x1b[31mred' is not a --flag");
    EXPECT_EQ(msg.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace xdpkit
