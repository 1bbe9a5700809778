// trafficgen --sa-file's frames: the set decrypts, through the engine, to the inner UDP
// packets it was built from with consecutive sequence numbers; the set's size rule; and the
// option combinations the command refuses, each in one line, before touching any interface.
#include <gtest/gtest.h>

#include <fstream>
#include <tuple>

#include "cmd/command.h"
#include "core/ipsec/crypto_backend.h"
#include "core/ipsec/esp_decap.h"
#include "core/ipsec/esp_frame_set.h"
#include "support/keyed_sa.h"
#include "support/temp_dir.h"

namespace xdpkit {
namespace {

using test::keyed_sa;

uint32_t get32(const uint8_t* p) { return uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

using Case = std::tuple<std::tuple<std::string, std::string>, bool>;

class EspFrameSet : public ::testing::TestWithParam<Case> {};

TEST_P(EspFrameSet, DecryptsToTheInnerPacketsWithConsecutiveSequenceNumbers) {
    const auto& [algs, v6] = GetParam();
    const SecurityAssociation sa =
        keyed_sa(std::get<0>(algs), std::get<1>(algs), v6 ? "fc00:dead:cafe::2" : "198.18.0.2");
    EspFrameSetSpec spec;
    spec.outer.outer_src = *parse_ip(v6 ? "fc00:dead:cafe::1" : "198.18.0.1");
    spec.outer.seq = 1000;
    spec.payload = 1386;  // what the benchmarks send
    spec.dst_port = 4791;
    spec.frames = 100;
    auto set = build_esp_frame_set(sa, spec);
    ASSERT_TRUE(set) << set.error().message;
    ASSERT_EQ(set->size(), 100u);
    for (const auto& f : *set) ASSERT_EQ(f.size(), esp_set_frame_size(sa, spec.payload));

    auto backend = make_crypto_backend("openssl");
    ASSERT_TRUE(backend) << backend.error().message;
    auto engine = EspEngine::create(**backend, {sa});
    ASSERT_TRUE(engine) << engine.error().message;
    std::vector<EspPacket> packets(set->size());
    for (size_t i = 0; i < set->size(); ++i) {
        packets[i].data = (*set)[i].data();
        packets[i].len = static_cast<uint32_t>((*set)[i].size());
    }
    (*engine)->process(packets);

    const size_t udp = v6 ? 40 : 20, payload = udp + 8;
    for (uint32_t i = 0; i < packets.size(); ++i) {
        SCOPED_TRACE(i);
        const EspPacket& p = packets[i];
        ASSERT_EQ(p.result, EspResult::ok) << esp_result_name(p.result);
        EXPECT_EQ(p.seq, 1000 + i);
        const std::vector<uint8_t> inner(p.data + p.out_offset + 14, p.data + p.out_offset + p.out_len);
        EXPECT_EQ(inner, *esp_set_inner_packet(sa, spec, i));
        ASSERT_EQ(inner.size(), payload + 1386);
        EXPECT_EQ(inner[0] >> 4, v6 ? 6 : 4);
        EXPECT_EQ(inner[udp + 2] << 8 | inner[udp + 3], 4791);  // inner UDP destination port
        EXPECT_EQ(get32(&inner[payload]), i);                    // frame index
        EXPECT_EQ(get32(&inner[payload + 4]), 1000 + i);         // its sequence number
    }
}

INSTANTIATE_TEST_SUITE_P(
    AllAlgorithms, EspFrameSet,
    ::testing::Combine(::testing::Values(std::tuple{"aes-cbc-128", "hmac-sha1-96"},
                                         std::tuple{"aes-cbc-128", "hmac-sha256-128"},
                                         std::tuple{"aes-gcm-128", "none"}),
                       ::testing::Bool()));

TEST(EspFrameSetRefusals, ShortPayloadSequenceZeroOrPastTwoToThe32) {
    const SecurityAssociation sa = keyed_sa("aes-cbc-128", "hmac-sha1-96", "198.18.0.2");
    EspFrameSetSpec spec;
    spec.outer.outer_src = *parse_ip("198.18.0.1");
    spec.frames = 5;
    spec.payload = kEspPayloadHead - 1;
    EXPECT_FALSE(build_esp_frame_set(sa, spec));
    spec.payload = 64;
    spec.outer.seq = 0;
    EXPECT_FALSE(build_esp_frame_set(sa, spec));
    spec.outer.seq = UINT32_MAX - 3;
    auto r = build_esp_frame_set(sa, spec);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("4294967295"), std::string::npos) << r.error().message;
    spec.outer.seq = UINT32_MAX - 4;  // exactly up to 2^32-1
    EXPECT_TRUE(build_esp_frame_set(sa, spec));
}

TEST(EspFrameSetSize, CountUpToTheCapsElseTheDefault) {
    EXPECT_EQ(esp_set_frames(0, 100), kEspDefaultSetFrames);
    EXPECT_EQ(esp_set_frames(3000, 1514), 3000u);
    EXPECT_EQ(esp_set_frames(1'000'000, 100), kEspSetMaxFrames);
    EXPECT_EQ(esp_set_frames(1'000'000, 1514), kEspSetMaxBytes / 1520);  // 8-byte aligned values
}

TEST(EspFrameSetSize, TheLargestPayloadFitsAndOneMoreDoesNot) {
    for (const auto& sa : {keyed_sa("aes-cbc-128", "hmac-sha1-96", "198.18.0.2"),
                           keyed_sa("aes-gcm-128", "none", "fc00:dead:cafe::2")}) {
        const size_t max = esp_max_payload(sa, 1514);
        EXPECT_LE(esp_set_frame_size(sa, max), 1514u);
        EXPECT_GT(esp_set_frame_size(sa, max + 1), 1514u);
    }
    // IPv4, CBC + SHA1-96: 14 + 20 + 8 + 16 + pad(20 + 8 + 1386 + 2 → 1424) + 12 = 1494.
    EXPECT_EQ(esp_set_frame_size(keyed_sa("aes-cbc-128", "hmac-sha1-96", "198.18.0.2"), 1386), 1494u);
}

TEST(PickSa, TheOnlyOneOrTheOneNamed) {
    const std::vector<SecurityAssociation> one{keyed_sa("aes-gcm-128", "none", "198.18.0.2", "0x100")};
    EXPECT_EQ(pick_sa(one, std::nullopt, "f")->spi, 0x100u);
    EXPECT_FALSE(pick_sa(one, 0x200, "f"));
    const std::vector<SecurityAssociation> two{one[0],
                                               keyed_sa("aes-gcm-128", "none", "198.18.0.2", "0x200")};
    EXPECT_EQ(pick_sa(two, 0x200, "f")->spi, 0x200u);
    auto r = pick_sa(two, std::nullopt, "f");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("0x100, 0x200"), std::string::npos) << r.error().message;
}

// The trafficgen command as main runs it: parse, then the handler. Every case is refused
// before any interface is looked up (nosuch0 does not exist), so no privileges are needed.
class TrafficgenOptions : public ::testing::Test {
protected:
    void SetUp() override {
        std::ofstream(dir.file("one.txt"))
            << "--spi 0x100 --dst 198.18.0.1 --action drop --cipher aes-gcm-128 --auth none "
               "--key 000102030405060708090a0b0c0d0e0f --salt cafebabe\n";
        std::ofstream(dir.file("two.txt"))
            << "--spi 0x100 --dst 198.18.0.1 --action drop --cipher aes-gcm-128 --auth none "
               "--key 000102030405060708090a0b0c0d0e0f --salt cafebabe\n"
               "--spi 0x200 --dst 198.18.0.1 --action drop --cipher aes-gcm-128 --auth none "
               "--key 000102030405060708090a0b0c0d0e0f --salt cafebabe\n";
        std::ofstream(dir.file("keyless.txt")) << "--spi 0x300 --dst 198.18.0.1 --action drop\n";
    }
    // The one-line error, from parsing ("usage: ...") or from the handler.
    std::string error_of(std::vector<std::string> args) {
        CLI::App app;
        CommandTable table;
        register_all_commands(table, app);
        args.insert(args.begin(), {"xdpkit", "trafficgen", "nosuch0"});
        std::vector<char*> argv;
        for (auto& s : args) argv.push_back(s.data());
        try {
            app.parse(static_cast<int>(argv.size()), argv.data());
        } catch (const CLI::ParseError& e) {
            return std::string("usage: ") + e.what();
        }
        const Handler* handler = table.chosen(app).handler;
        if (!handler) return "no handler";
        auto r = (*handler)(GlobalOptions{});
        return r ? "ok" : r.error().message;
    }
    test::TempDir dir;
};

TEST_F(TrafficgenOptions, BadCombinationsAreOneLineErrors) {
    const std::string one = dir.file("one.txt");
    for (const auto& [args, expect] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"--sa-file", one, "--pcap", "x.pcap"}, "usage: "},
             {{"--sa-file", one, "--dst", "198.18.0.1"}, "usage: "},
             {{"--sa-file", one, "--size", "128"}, "usage: "},
             {{"--sa-file", one, "--flows", "4"}, "usage: "},
             {{"--payload", "100", "--dst", "198.18.0.1"}, "usage: "},  // --payload needs --sa-file
             {{"--seq-start", "5", "--dst", "198.18.0.1"}, "usage: "},
             {{"--sa-file", one, "--proto", "udp"}, "--proto udp contradicts"},
             {{"--sa-file", dir.file("two.txt")}, "SPIs 0x100, 0x200"},
             {{"--sa-file", dir.file("two.txt"), "--spi", "0x300"}, "no SA with SPI 0x300"},
             {{"--sa-file", dir.file("keyless.txt")}, "has no keys"},
             {{"--sa-file", dir.file("nosuch.txt")}, "cannot read SA file"},
         }) {
        SCOPED_TRACE(args.back());
        const std::string err = error_of(args);
        EXPECT_NE(err.find(expect), std::string::npos) << err;
        EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
    // Past the option checks, the only complaint left is the interface (no privileges here).
    for (const std::vector<std::string>& fine :
         {std::vector<std::string>{"--sa-file", one}, {"--sa-file", one, "--proto", "esp"},
          {"--sa-file", dir.file("two.txt"), "--spi", "0x200", "--payload", "1386"}})
        EXPECT_NE(error_of(fine).find("nosuch0"), std::string::npos) << error_of(fine);
}

}  // namespace
}  // namespace xdpkit
