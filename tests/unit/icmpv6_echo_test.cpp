// The pong responder's rewrite against frames built by scapy (python3-scapy, independent of
// this code): an echo request becomes byte for byte the reply scapy builds for it.
#include <gtest/gtest.h>

#include <vector>

#include "core/afxdp/icmpv6_echo.h"

namespace xdpkit {
namespace {

// Ether(src=02::02, dst=02::01)/IPv6(src=fc00:dead:cafe::2, dst=fc00:dead:cafe::1, hlim=64)/
// ICMPv6EchoRequest(id=0x1234, seq=7, data=b'xdpkit pong test')
const std::vector<uint8_t> kRequest = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x18, 0x3a, 0x40, 0xfc, 0x00, 0xde, 0xad, 0xca, 0xfe, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xfc, 0x00, 0xde, 0xad, 0xca, 0xfe, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0xf0, 0xf6, 0x12, 0x34, 0x00, 0x07, 0x78, 0x64,
    0x70, 0x6b, 0x69, 0x74, 0x20, 0x70, 0x6f, 0x6e, 0x67, 0x20, 0x74, 0x65, 0x73, 0x74};
// The same with Ether and IPv6 addresses swapped and ICMPv6EchoReply: scapy's checksum 0xeff6.
const std::vector<uint8_t> kReply = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x18, 0x3a, 0x40, 0xfc, 0x00, 0xde, 0xad, 0xca, 0xfe, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfc, 0x00, 0xde, 0xad, 0xca, 0xfe, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x81, 0x00, 0xef, 0xf6, 0x12, 0x34, 0x00, 0x07, 0x78, 0x64,
    0x70, 0x6b, 0x69, 0x74, 0x20, 0x70, 0x6f, 0x6e, 0x67, 0x20, 0x74, 0x65, 0x73, 0x74};

constexpr size_t kIcmpAt = 14 + 40;

TEST(Icmpv6Echo, ChecksumMatchesScapysOnTheRequest) {
    const uint8_t* ip6 = kRequest.data() + 14;
    EXPECT_EQ(icmpv6_checksum(ip6 + 8, ip6 + 24, {kRequest.data() + kIcmpAt, 24}), 0xf0f6);
}

TEST(Icmpv6Echo, RequestBecomesScapysReplyByteForByte) {
    auto frame = kRequest;
    ASSERT_TRUE(icmpv6_echo_to_reply(frame));
    EXPECT_EQ(frame, kReply);
}

TEST(Icmpv6Echo, OddLengthPayloadIsPaddedForTheChecksum) {
    // One byte more of payload: the sum pads the odd byte with zero (RFC 1071).
    auto frame = kRequest;
    frame.push_back(0x21);
    frame[19] = 25;  // payload length
    ASSERT_TRUE(icmpv6_echo_to_reply(frame));
    const uint8_t* ip6 = frame.data() + 14;
    const uint16_t stored = uint16_t(frame[kIcmpAt + 2] << 8 | frame[kIcmpAt + 3]);
    EXPECT_EQ(icmpv6_checksum(ip6 + 8, ip6 + 24, {frame.data() + kIcmpAt, 25}), stored);
    EXPECT_NE(stored, 0xeff6);  // the extra byte is in the sum
}

TEST(Icmpv6Echo, EverythingButAUnicastEchoRequestIsLeftAlone) {
    auto mutate = [](size_t at, uint8_t value) {
        auto f = kRequest;
        f[at] = value;
        return f;
    };
    const std::vector<std::pair<const char*, std::vector<uint8_t>>> others = {
        {"echo reply", mutate(kIcmpAt, 129)},
        {"neighbour solicitation", mutate(kIcmpAt, 135)},
        {"echo request with code 1", mutate(kIcmpAt + 1, 1)},
        {"UDP", mutate(20, 17)},
        {"IPv4 EtherType", mutate(13, 0x00)},
        {"to a multicast address", mutate(38, 0xff)},
        {"payload length past the frame", mutate(19, 200)},
        {"cut inside the echo header", std::vector<uint8_t>(kRequest.begin(), kRequest.begin() + kIcmpAt + 6)},
    };
    for (const auto& [what, frame] : others) {
        auto copy = frame;
        EXPECT_FALSE(icmpv6_echo_to_reply(copy)) << what;
        EXPECT_EQ(copy, frame) << what;
    }
}

}  // namespace
}  // namespace xdpkit
