// The crypto engine's pure parts (ESP location, trailer check, header rebuild, result
// counting) and both software backends on ESP packets encrypted here with OpenSSL — which is
// how a packet with a valid ICV and bad padding is made (scapy always pads correctly). The
// byte-for-byte check against an independent ESP implementation is accel_scapy.py.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <filesystem>
#include <fstream>

#include "core/ipsec/accel_offline.h"
#include "core/ipsec/crypto_backend.h"
#include "core/ipsec/esp_decap.h"
#include "core/packets/frames.h"
#include "core/kernel/qat.h"
#include "support/packet.h"

namespace xdpkit {
namespace {

using test::Packet;
using Bytes = std::vector<uint8_t>;

constexpr uint32_t kSpi = 0x1000;
const Bytes kKey(16, 0x11), kAuthKey(20, 0x22);

SecurityAssociation cbc_sha1_sa() {
    SecurityAssociation sa;
    sa.spi = kSpi;
    sa.dst = *parse_ip("198.18.0.2");
    sa.action = IPSEC_ACTION_XSK;
    sa.cipher = IPSEC_CIPHER_AES_CBC_128;
    sa.auth = IPSEC_AUTH_HMAC_SHA1_96;
    sa.key = kKey;
    sa.auth_key = kAuthKey;
    return sa;
}

// payload ‖ padding ‖ pad length ‖ next header, padded to 16 (RFC 4303 §2.4). `pad` overrides
// the padding bytes to make bad ones.
Bytes esp_plaintext(const Bytes& payload, uint8_t next, std::optional<Bytes> pad = {}) {
    Bytes p = payload;
    Bytes padding;
    if (pad) {
        padding = *pad;
    } else {
        const size_t n = (16 - (payload.size() + 2) % 16) % 16;
        for (size_t i = 1; i <= n; i++) padding.push_back(static_cast<uint8_t>(i));
    }
    p.insert(p.end(), padding.begin(), padding.end());
    p.push_back(static_cast<uint8_t>(padding.size()));
    p.push_back(next);
    return p;
}

// SPI ‖ seq ‖ IV ‖ AES-128-CBC(plaintext) ‖ HMAC-SHA1-96 over all before it (RFC 4303, 3602, 2404).
Bytes esp_cbc_sha1(uint32_t seq, const Bytes& plaintext) {
    Bytes out = {0, 0, kSpi >> 8, kSpi & 0xff, static_cast<uint8_t>(seq >> 24),
                 static_cast<uint8_t>(seq >> 16), static_cast<uint8_t>(seq >> 8),
                 static_cast<uint8_t>(seq)};
    const Bytes iv(16, static_cast<uint8_t>(seq));
    out.insert(out.end(), iv.begin(), iv.end());
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), nullptr, kKey.data(), iv.data());
    EVP_CIPHER_CTX_set_padding(c, 0);
    Bytes ct(plaintext.size());
    int len = 0;
    EVP_EncryptUpdate(c, ct.data(), &len, plaintext.data(), static_cast<int>(plaintext.size()));
    EVP_CIPHER_CTX_free(c);
    out.insert(out.end(), ct.begin(), ct.end());
    uint8_t mac[20];
    unsigned mac_len = 0;
    HMAC(EVP_sha1(), kAuthKey.data(), static_cast<int>(kAuthKey.size()), out.data(), out.size(),
         mac, &mac_len);
    out.insert(out.end(), mac, mac + 12);
    return out;
}

// Ethernet / IPv4 198.18.0.1 → 198.18.0.2 / ESP.
Bytes esp_frame(const Bytes& esp) {
    Bytes f = Packet().eth().ipv4("198.18.0.1", "198.18.0.2").proto(50).payload(esp.size()).bytes();
    std::copy(esp.begin(), esp.end(), f.end() - static_cast<long>(esp.size()));
    return f;
}

Bytes inner_udp() {
    return Packet().ipv4("198.18.1.1", "198.18.1.2").udp(1024, 9).payload(100, 0x5a).bytes();
}
Bytes without_eth(Bytes f) { return Bytes(f.begin() + 14, f.end()); }

// ---- pure parts ----

TEST(EspTrailer, AcceptsOnlyTheSequenceOneTwoThree) {
    uint8_t next = 0;
    Bytes good = {0xaa, 0xbb, 1, 2, 3, 3, 4};
    EXPECT_EQ(check_esp_trailer(good.data(), good.size(), next), 2);
    EXPECT_EQ(next, 4);
    Bytes none = {0xaa, 0, 41};
    EXPECT_EQ(check_esp_trailer(none.data(), none.size(), next), 1);
    Bytes bad = {0xaa, 1, 2, 4, 3, 4};
    EXPECT_EQ(check_esp_trailer(bad.data(), bad.size(), next), -1);
    Bytes zeros = {0xaa, 0, 0, 2, 4};
    EXPECT_EQ(check_esp_trailer(zeros.data(), zeros.size(), next), -1);
    Bytes too_long = {1, 2, 3, 4};  // pad length 3 needs 5 bytes
    EXPECT_EQ(check_esp_trailer(too_long.data(), too_long.size(), next), -1);
    Bytes one = {4};
    EXPECT_EQ(check_esp_trailer(one.data(), one.size(), next), -1);
}

TEST(EspLocate, FindsEspBehindVlanIpv6ExtensionsAndNatT) {
    EspLocation loc;
    Bytes v4 = Packet().eth().vlan(7).ipv4().proto(50).payload(40).bytes();
    ASSERT_EQ(locate_esp(v4.data(), v4.size(), loc), EspParse::esp);
    EXPECT_EQ(loc.l2_len, 18u);
    EXPECT_EQ(loc.esp_offset, 38u);
    EXPECT_EQ(loc.family, 4);

    Bytes v6 = Packet().eth().ipv6().ipv6_ext(0).ipv6_ext(60).proto(50).payload(40).bytes();
    ASSERT_EQ(locate_esp(v6.data(), v6.size(), loc), EspParse::esp);
    EXPECT_EQ(loc.esp_offset, 14u + 40 + 8 + 8);
    EXPECT_EQ(loc.next_header_offset, 14u + 40 + 8);  // the destination options header's

    Bytes natt = Packet().eth().ipv4().udp(4500, 4500).payload(40, 0x01).bytes();
    ASSERT_EQ(locate_esp(natt.data(), natt.size(), loc), EspParse::esp);
    EXPECT_EQ(loc.encap_offset, 34u);
    EXPECT_EQ(loc.esp_offset, 42u);
}

TEST(EspLocate, IkeKeepalivesFragmentsAndTruncationAreNotDecrypted) {
    EspLocation loc;
    Bytes ike = Packet().eth().ipv4().udp(4500, 4500).payload(40, 0).bytes();
    EXPECT_EQ(locate_esp(ike.data(), ike.size(), loc), EspParse::not_esp);
    Bytes keepalive = Packet().eth().ipv4().udp(4500, 4500).payload(1, 0xff).bytes();
    EXPECT_EQ(locate_esp(keepalive.data(), keepalive.size(), loc), EspParse::not_esp);
    Bytes frag = Packet().eth().ipv6().ipv6_ext(44).proto(50).payload(40).bytes();
    EXPECT_EQ(locate_esp(frag.data(), frag.size(), loc), EspParse::not_esp);
    Bytes v4 = Packet().eth().ipv4().proto(50).payload(40).bytes();
    for (size_t cut = 0; cut < 34; cut++)
        EXPECT_EQ(locate_esp(v4.data(), static_cast<uint32_t>(cut), loc), EspParse::malformed) << cut;
}

TEST(EspRebuild, TransportIpv4GetsProtocolLengthAndChecksum) {
    // Ethernet / IPv4 (proto 50) / ESP header 8 + IV 16 / plaintext 20 bytes (UDP 8 + 12).
    Bytes f = Packet().eth().ipv4("198.18.0.1", "198.18.0.2").proto(50).payload(8 + 16 + 20 + 2).bytes();
    EspLocation loc;
    ASSERT_EQ(locate_esp(f.data(), f.size(), loc), EspParse::esp);
    uint32_t off = 0, len = 0;
    ASSERT_EQ(rebuild_transport(f.data(), loc, loc.esp_offset + 24, 20, 17, off, len), EspResult::ok);
    EXPECT_EQ(off, 24u);
    EXPECT_EQ(len, 14u + 20 + 20);
    const uint8_t* ip = f.data() + off + 14;
    EXPECT_EQ(ip[9], 17);
    EXPECT_EQ(ip[2] << 8 | ip[3], 40);
    EXPECT_EQ(fold_checksum(ones_complement_sum(ip, 20)), 0);  // a valid header sums to 0xffff
    EXPECT_EQ(f[off + 12], 0x08);  // the Ethernet header moved along
}

TEST(EspRebuild, TunnelKeepsTheOuterEthernetWithTheInnerEtherType) {
    const Bytes inner = without_eth(Packet().eth().ipv6().udp().payload(10).bytes());
    Bytes f = Packet().eth().vlan(5).ipv4().proto(50).payload(8 + 16 + inner.size() + 2).bytes();
    EspLocation loc;
    ASSERT_EQ(locate_esp(f.data(), f.size(), loc), EspParse::esp);
    const uint32_t payload = loc.esp_offset + 24;
    std::copy(inner.begin(), inner.end(), f.begin() + payload);
    uint32_t off = 0, len = 0;
    ASSERT_EQ(rebuild_tunnel(f.data(), loc, payload, inner.size(), 41, off, len), EspResult::ok);
    EXPECT_EQ(len, 18 + inner.size());
    EXPECT_EQ(f[off + 12], 0x81);  // the VLAN tag kept
    EXPECT_EQ(f[off + 16] << 8 | f[off + 17], 0x86dd);
    EXPECT_TRUE(std::equal(inner.begin(), inner.end(), f.begin() + off + 18));
    // next header 4 with an IPv6 packet inside: not what it claims
    EXPECT_EQ(rebuild_tunnel(f.data(), loc, payload, inner.size(), 4, off, len), EspResult::malformed);
}

// ---- the engine, on both software backends ----

class EngineTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        auto b = make_crypto_backend(GetParam());
        ASSERT_TRUE(b) << b.error().message;
        backend_ = std::move(*b);
        auto e = EspEngine::create(*backend_, {cbc_sha1_sa()});
        ASSERT_TRUE(e) << e.error().message;
        engine_ = std::move(*e);
    }
    // Runs frames through the engine as one batch; returns the results.
    std::vector<EspResult> run(std::vector<Bytes>& frames) {
        std::vector<EspPacket> pk(frames.size());
        for (size_t i = 0; i < frames.size(); i++) {
            pk[i].data = frames[i].data();
            pk[i].len = static_cast<uint32_t>(frames[i].size());
        }
        engine_->process(pk);
        last_ = pk;
        std::vector<EspResult> r;
        for (auto& p : pk) r.push_back(p.result);
        return r;
    }
    std::unique_ptr<CryptoBackend> backend_;
    std::unique_ptr<EspEngine> engine_;
    std::vector<EspPacket> last_;
};

TEST_P(EngineTest, DecryptsTunnelModeToTheInnerPacket) {
    const Bytes inner = inner_udp();
    std::vector<Bytes> frames{esp_frame(esp_cbc_sha1(1, esp_plaintext(inner, 4)))};
    ASSERT_EQ(run(frames), std::vector{EspResult::ok});
    const EspPacket& p = last_[0];
    EXPECT_TRUE(p.tunnel);
    const Bytes out(p.data + p.out_offset, p.data + p.out_offset + p.out_len);
    EXPECT_EQ(without_eth(out), inner);
    EXPECT_EQ(engine_->counters().inner_bytes, inner.size());
}

TEST_P(EngineTest, BadPaddingWithAValidIcvIsDroppedAfterTheWindowMoved) {
    const Bytes inner = inner_udp();  // 128 bytes: +2 needs 14 bytes of padding
    Bytes pad(14);
    for (size_t i = 0; i < pad.size(); i++) pad[i] = static_cast<uint8_t>(i + 1);
    pad[5] = 0;  // one wrong byte
    std::vector<Bytes> frames{esp_frame(esp_cbc_sha1(7, esp_plaintext(inner, 4, pad))),
                              esp_frame(esp_cbc_sha1(7, esp_plaintext(inner, 4)))};
    // The ICV verified, so sequence number 7 is taken: the correct packet after it is a replay.
    EXPECT_EQ(run(frames), (std::vector{EspResult::bad_padding, EspResult::replay}));
}

TEST_P(EngineTest, TamperedPacketsDoNotMoveTheWindow) {
    const Bytes good = esp_frame(esp_cbc_sha1(3, esp_plaintext(inner_udp(), 4)));
    Bytes flipped_ct = good, flipped_icv = good;
    flipped_ct[14 + 20 + 8 + 16 + 5] ^= 0x10;
    flipped_icv[flipped_icv.size() - 1] ^= 0x01;
    std::vector<Bytes> frames{flipped_ct, flipped_icv, good, good};
    EXPECT_EQ(run(frames), (std::vector{EspResult::auth_fail, EspResult::auth_fail, EspResult::ok,
                                        EspResult::replay}));
}

TEST_P(EngineTest, CountsEveryResult) {
    const Bytes inner = inner_udp();
    Bytes other_spi = esp_frame(esp_cbc_sha1(1, esp_plaintext(inner, 4)));
    other_spi[14 + 20 + 3] ^= 1;
    Bytes short_one = esp_frame(esp_cbc_sha1(2, esp_plaintext(inner, 4)));
    short_one.resize(14 + 20 + 8 + 16 + 16 + 11);  // one byte short of an ICV after one block
    short_one[16] = 0;
    short_one[17] = static_cast<uint8_t>(short_one.size() - 14);  // the IPv4 length agrees
    std::vector<Bytes> frames{esp_frame(esp_cbc_sha1(100, esp_plaintext(inner, 4))),
                              esp_frame(esp_cbc_sha1(1, esp_plaintext(inner, 4))),  // left of 64
                              other_spi, short_one, Packet().eth().ipv4().udp().bytes()};
    run(frames);
    const auto& c = engine_->counters();
    EXPECT_EQ(c.packets, 5u);
    EXPECT_EQ(c.results[size_t(EspResult::ok)], 1u);
    EXPECT_EQ(c.results[size_t(EspResult::too_old)], 1u);
    EXPECT_EQ(c.results[size_t(EspResult::unknown_sa)], 1u);
    EXPECT_EQ(c.results[size_t(EspResult::malformed)], 1u);
    EXPECT_EQ(c.results[size_t(EspResult::not_esp)], 1u);
    engine_->reset_replay();
    std::vector<Bytes> again{esp_frame(esp_cbc_sha1(1, esp_plaintext(inner, 4)))};
    EXPECT_EQ(run(again), std::vector{EspResult::ok});
}

TEST_P(EngineTest, ManyBatchesThroughTheBackendsRings) {
    std::vector<Bytes> frames;
    for (uint32_t seq = 1; seq <= 300; seq++)
        frames.push_back(esp_frame(esp_cbc_sha1(seq, esp_plaintext(inner_udp(), 4))));
    const auto r = run(frames);
    EXPECT_EQ(std::count(r.begin(), r.end(), EspResult::ok), 300);
}

TEST_P(EngineTest, EveryTruncationIsRefusedWithoutReadingPastTheFrame) {
    const Bytes good = esp_frame(esp_cbc_sha1(1, esp_plaintext(inner_udp(), 4)));
    std::vector<Bytes> frames;
    for (size_t cut = 0; cut < good.size(); cut++) {
        Bytes f(good.begin(), good.begin() + static_cast<long>(cut));
        if (cut >= 34) {  // the IPv4 length agrees with the cut, so the ESP checks are reached
            f[16] = static_cast<uint8_t>((cut - 14) >> 8);
            f[17] = static_cast<uint8_t>(cut - 14);
        }
        frames.push_back(std::move(f));
    }
    const auto r = run(frames);
    for (size_t cut = 0; cut < r.size(); cut++) {
        EXPECT_NE(r[cut], EspResult::ok) << cut;
        // Whole blocks and an ICV still there: the ICV is checked, and fails; otherwise malformed.
        EXPECT_TRUE(r[cut] == EspResult::malformed || r[cut] == EspResult::auth_fail ||
                    r[cut] == EspResult::not_esp)
            << cut << " " << esp_result_name(r[cut]);
    }
    EXPECT_EQ(engine_->counters().results[size_t(EspResult::ok)], 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest, ::testing::Values("openssl", "ipsec-mb"));

TEST(JsonShapes, AccelOfflineReport) {
    AccelOfflineReport r;
    r.backend = "openssl";
    r.backend_detail = "OpenSSL 3";
    r.sa_file = "sas.txt";
    r.pcap = "esp.pcap";
    r.sas = 1;
    r.packets = {{1, 1494, 1428, EspResult::ok, 0x1000, 1, true},
                 {2, 60, 0, EspResult::not_esp, 0, 0, false}};
    r.counters.packets = 2;
    r.counters.results[size_t(EspResult::ok)] = 1;
    r.counters.results[size_t(EspResult::not_esp)] = 1;
    r.seconds = 0.5;
    r.timed_packets = 2;
    const Json j = to_json(r);
    EXPECT_EQ(j["out"], nullptr);
    EXPECT_EQ(j["packets"][0].dump(),
              R"({"index":1,"len_in":1494,"result":"ok","spi":4096,"seq":1,"mode":"tunnel","len_out":1428})");
    EXPECT_EQ(j["packets"][1].dump(), R"({"index":2,"len_in":60,"result":"not-esp"})");
    EXPECT_EQ(j["counters"]["results"].dump(),
              R"({"ok":1,"auth-fail":0,"bad-padding":0,"replay":0,"too-old":0,"unknown-sa":0,)"
              R"("malformed":0,"not-esp":1,"crypto-error":0})");
    EXPECT_EQ(j["timing"]["pps"], 4.0);
    EXPECT_EQ(j["timing"]["replay_windows_reset_per_pass"], true);
}

TEST(CryptoBackend, QatFailsWithWhatItLookedFor) {
    auto b = make_crypto_backend("qat");
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().message.find("no QAT device"), std::string::npos) << b.error().message;
    EXPECT_NE(b.error().message.find("0x4940"), std::string::npos);
    EXPECT_NE(b.error().message.find("qat/state"), std::string::npos);
}

TEST(Qat, FindsPfAndVfIdsAndStateFilesInSysfs) {
    namespace fs = std::filesystem;
    const fs::path root = fs::temp_directory_path() / fmt::format("xdpkit-qat-{}", ::getpid());
    auto dev = [&](const char* pci, const char* vendor, const char* device) {
        fs::create_directories(root / pci);
        std::ofstream(root / pci / "vendor") << vendor << "\n";
        std::ofstream(root / pci / "device") << device << "\n";
    };
    dev("0000:00:01.0", "0x1af4", "0x1000");  // virtio: not QAT
    dev("0000:6b:00.0", "0x8086", "0x4940");  // PF
    dev("0000:6b:00.1", "0x8086", "0x4941");  // VF
    dev("0000:00:02.0", "0x8086", "0x1533");  // an Intel NIC
    fs::create_directories(root / "0000:6b:00.0" / "qat");
    std::ofstream(root / "0000:6b:00.0" / "qat" / "state") << "up\n";
    const auto found = find_qat_devices(root.string());
    fs::remove_all(root);
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].pci, "0000:6b:00.0");
    EXPECT_FALSE(found[0].vf);
    EXPECT_EQ(found[0].state, "up");
    EXPECT_TRUE(found[1].vf);
    EXPECT_NE(qat_unavailable(found).message.find("without qatlib"), std::string::npos);
}

}  // namespace
}  // namespace xdpkit
