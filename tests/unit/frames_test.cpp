// The generator's template frames: lengths, addresses and checksums a receiver would check.
#include <gtest/gtest.h>

#include "core/packets/frames.h"

namespace xdpkit {
namespace {

FrameSpec spec(const char* src, const char* dst, FrameProto proto, size_t size) {
    FrameSpec s;
    s.src = *parse_ip(src);
    s.dst = *parse_ip(dst);
    s.src_mac = *parse_mac("02:00:00:00:00:01");
    s.dst_mac = *parse_mac("02:00:00:00:00:02");
    s.proto = proto;
    s.size = size;
    return s;
}

uint16_t be16(const std::vector<uint8_t>& b, size_t at) { return uint16_t(b[at] << 8 | b[at + 1]); }

// A checksum is right when summing the covered bytes, checksum included, gives 0xffff.
bool udp_checksum_ok(const std::vector<uint8_t>& b, size_t l4, const IpAddress& src,
                     const IpAddress& dst) {
    uint32_t sum = ones_complement_sum(src.bytes.data(), src.size());
    sum = ones_complement_sum(dst.bytes.data(), dst.size(), sum);
    sum += 17 + uint32_t(b.size() - l4);
    sum = ones_complement_sum(&b[l4], b.size() - l4, sum);
    return fold_checksum(sum) == 0;
}

TEST(Frames, Ipv4UdpHasRightLengthsAndChecksums) {
    const auto s = spec("198.18.0.1", "198.18.0.2", FrameProto::Udp, 64);
    auto f = build_frame(s);
    ASSERT_TRUE(f) << f.error().message;
    const auto& b = f->bytes;
    ASSERT_EQ(b.size(), 64u);
    EXPECT_EQ(be16(b, 12), 0x0800);
    EXPECT_EQ(b[0], 0x02);
    EXPECT_EQ(b[5], 0x02) << "destination MAC first";
    EXPECT_EQ(b[11], 0x01);
    EXPECT_EQ(be16(b, 16), 50) << "IPv4 total length";
    EXPECT_EQ(fold_checksum(ones_complement_sum(&b[14], 20)), 0) << "IPv4 header checksum";
    EXPECT_EQ(f->l4_offset, 34u);
    EXPECT_EQ(be16(b, 34), 1024);
    EXPECT_EQ(be16(b, 36), 9);
    EXPECT_EQ(be16(b, 38), 30) << "UDP length";
    EXPECT_TRUE(udp_checksum_ok(b, 34, s.src, s.dst));
}

TEST(Frames, Ipv6UdpChecksumCoversThePseudoHeader) {
    const auto s = spec("fc00:dead:cafe::1", "fc00:dead:cafe::2", FrameProto::Udp, 1000);
    auto f = build_frame(s);
    ASSERT_TRUE(f);
    const auto& b = f->bytes;
    EXPECT_EQ(be16(b, 12), 0x86dd);
    EXPECT_EQ(be16(b, 18), 1000 - 54) << "IPv6 payload length";
    EXPECT_EQ(b[20], 17);
    EXPECT_EQ(f->l4_offset, 54u);
    EXPECT_NE(be16(b, 60), 0) << "IPv6 UDP must carry a checksum";
    EXPECT_TRUE(udp_checksum_ok(b, 54, s.src, s.dst));
}

TEST(Frames, EspCarriesTheSpiAndLeavesTheSequenceToTheProgram) {
    auto s = spec("198.18.0.1", "198.18.0.2", FrameProto::Esp, 128);
    s.spi = 0xdeadbeef;
    auto f = build_frame(s);
    ASSERT_TRUE(f);
    const auto& b = f->bytes;
    EXPECT_EQ(b[23], 50) << "IP protocol ESP";
    EXPECT_EQ(be16(b, 34), 0xdead);
    EXPECT_EQ(be16(b, 36), 0xbeef);
    EXPECT_EQ(be16(b, 38) | be16(b, 40), 0) << "sequence number written per frame";
}

TEST(Frames, RefusesMixedFamiliesAndFramesTooSmallForTheHeaders) {
    auto mixed = spec("198.18.0.1", "fc00:dead:cafe::2", FrameProto::Udp, 64);
    EXPECT_FALSE(build_frame(mixed));
    auto tiny = spec("fc00:dead:cafe::1", "fc00:dead:cafe::2", FrameProto::Udp, 61);
    auto r = build_frame(tiny);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "a UDP frame over IPv6 needs at least 62 bytes, not 61");
    EXPECT_TRUE(build_frame(spec("fc00:dead:cafe::1", "fc00:dead:cafe::2", FrameProto::Udp, 62)));
}

TEST(Addresses, ParseAndPrint) {
    EXPECT_EQ(to_string(*parse_ip("198.18.0.1")), "198.18.0.1");
    EXPECT_EQ(to_string(*parse_ip("fc00:dead:cafe::2")), "fc00:dead:cafe::2");
    EXPECT_FALSE(parse_ip("198.18.0"));
    EXPECT_EQ(to_string(*parse_mac("02:AB:00:00:00:ff")), "02:ab:00:00:00:ff");
    EXPECT_FALSE(parse_mac("02:ab:00:00:00"));
    EXPECT_FALSE(parse_mac("02:ab:00:00:00:ff:11"));
}

}  // namespace
}  // namespace xdpkit
