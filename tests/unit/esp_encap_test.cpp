// ESP encapsulation against the crypto engine, whose decryption is checked byte for byte
// against scapy (accel_scapy): every algorithm, IPv4 and IPv6 outside and inside, both
// backends — the engine must verify each frame and give back the inner packet unchanged.
#include <gtest/gtest.h>

#include <tuple>

#include "core/ipsec/crypto_backend.h"
#include "core/ipsec/esp_decap.h"
#include "core/ipsec/esp_encap.h"
#include "support/keyed_sa.h"
#include "support/packet.h"

namespace xdpkit {
namespace {

using test::keyed_sa;
using test::Packet;


// An inner UDP packet of the given family, without its Ethernet header.
std::vector<uint8_t> inner_packet(bool v6, size_t payload) {
    auto b = v6 ? Packet().eth().ipv6("fc00:dead:cafe:1::1", "fc00:dead:cafe:1::2").udp(40000, 9)
                      .payload(payload).bytes()
                : Packet().eth().ipv4("198.18.1.1", "198.18.1.2").udp(40000, 9).payload(payload)
                      .bytes();
    return {b.begin() + 14, b.end()};
}

using Case = std::tuple<std::string, std::tuple<std::string, std::string>, bool, bool>;

class EspEncap : public ::testing::TestWithParam<Case> {};

TEST_P(EspEncap, TheEngineVerifiesAndRecoversTheInnerPacket) {
    const auto& [backend_name, algs, outer_v6, inner_v6] = GetParam();
    const auto& [cipher, auth] = algs;
    const SecurityAssociation sa =
        keyed_sa(cipher, auth, outer_v6 ? "fc00:dead:cafe::2" : "198.18.0.2");
    auto backend = make_crypto_backend(backend_name);
    ASSERT_TRUE(backend) << backend.error().message;
    auto engine = EspEngine::create(**backend, {sa});
    ASSERT_TRUE(engine) << engine.error().message;

    EspTunnelSpec spec;
    spec.outer_src = *parse_ip(outer_v6 ? "fc00:dead:cafe::1" : "198.18.0.1");
    std::vector<std::vector<uint8_t>> inners, frames;
    for (uint32_t seq = 1; seq <= 20; ++seq) {  // payload sizes over every padding length
        inners.push_back(inner_packet(inner_v6, 10 + seq * 7));
        spec.seq = seq;
        auto f = esp_tunnel_frame(sa, spec, inners.back());
        ASSERT_TRUE(f) << f.error().message;
        frames.push_back(std::move(*f));
    }
    std::vector<EspPacket> packets(frames.size());
    for (size_t i = 0; i < frames.size(); ++i) {
        packets[i].data = frames[i].data();
        packets[i].len = static_cast<uint32_t>(frames[i].size());
    }
    (*engine)->process(packets);
    for (size_t i = 0; i < packets.size(); ++i) {
        SCOPED_TRACE(i);
        const EspPacket& p = packets[i];
        ASSERT_EQ(p.result, EspResult::ok) << esp_result_name(p.result);
        EXPECT_EQ(p.seq, i + 1);
        EXPECT_TRUE(p.tunnel);
        const std::vector<uint8_t> out(p.data + p.out_offset + 14,
                                       p.data + p.out_offset + p.out_len);
        EXPECT_EQ(out, inners[i]);
    }
}

INSTANTIATE_TEST_SUITE_P(
    AllAlgorithms, EspEncap,
    ::testing::Combine(::testing::Values("openssl", "ipsec-mb"),
                       ::testing::Values(std::tuple{"aes-cbc-128", "hmac-sha1-96"},
                                         std::tuple{"aes-cbc-128", "hmac-sha256-128"},
                                         std::tuple{"aes-gcm-128", "none"}),
                       ::testing::Bool(), ::testing::Bool()));

TEST(EspEncapIv, CbcIvsAreRandomGcmIvsAreTheSequenceNumber) {
    const auto inner = inner_packet(false, 32);
    EspTunnelSpec spec;
    spec.outer_src = *parse_ip("198.18.0.1");
    spec.seq = 7;
    const SecurityAssociation cbc = keyed_sa("aes-cbc-128", "hmac-sha1-96", "198.18.0.2");
    const auto a = *esp_tunnel_frame(cbc, spec, inner);
    const auto b = *esp_tunnel_frame(cbc, spec, inner);
    const size_t iv = 14 + 20 + 8;
    EXPECT_NE(std::vector<uint8_t>(a.begin() + iv, a.begin() + iv + 16),
              std::vector<uint8_t>(b.begin() + iv, b.begin() + iv + 16));
    const auto g = *esp_tunnel_frame(keyed_sa("aes-gcm-128", "none", "198.18.0.2"), spec, inner);
    EXPECT_EQ(std::vector<uint8_t>(g.begin() + iv, g.begin() + iv + 8),
              (std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 7}));
}

TEST(EspEncapRefusals, NoKeysOrNoIpIsAnError) {
    EspTunnelSpec spec;
    spec.outer_src = *parse_ip("198.18.0.1");
    SecurityAssociation keyless = keyed_sa("aes-cbc-128", "hmac-sha1-96", "198.18.0.2");
    keyless.key.clear();
    EXPECT_FALSE(esp_tunnel_frame(keyless, spec, inner_packet(false, 8)));
    const std::vector<uint8_t> not_ip(40, 0x11);
    EXPECT_FALSE(esp_tunnel_frame(keyed_sa("aes-cbc-128", "hmac-sha1-96", "198.18.0.2"), spec, not_ip));
    spec.outer_src = *parse_ip("fc00:dead:cafe::1");
    EXPECT_FALSE(esp_tunnel_frame(keyed_sa("aes-cbc-128", "hmac-sha1-96", "198.18.0.2"), spec,
                                  inner_packet(false, 8)));
}

}  // namespace
}  // namespace xdpkit
