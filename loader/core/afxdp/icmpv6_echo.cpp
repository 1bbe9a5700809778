#include "core/afxdp/icmpv6_echo.h"

#include <algorithm>

namespace xdpkit {
namespace {

constexpr size_t kEthLen = 14, kIpv6Len = 40, kEchoLen = 8;
constexpr uint8_t kIcmpv6 = 58, kEchoRequest = 128, kEchoReply = 129;
constexpr size_t kChecksumAt = 2;  // inside the ICMPv6 header

uint32_t add_words(uint32_t sum, std::span<const uint8_t> bytes) {
    size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) sum += uint32_t{bytes[i]} << 8 | bytes[i + 1];
    if (i < bytes.size()) sum += uint32_t{bytes[i]} << 8;  // odd length: pad with zero
    return sum;
}

uint16_t fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xffff);
}

}  // namespace

uint16_t icmpv6_checksum(const uint8_t src[16], const uint8_t dst[16],
                         std::span<const uint8_t> message) {
    uint32_t sum = add_words(0, {src, 16});
    sum = add_words(sum, {dst, 16});
    const auto len = static_cast<uint32_t>(message.size());
    sum += (len >> 16) + (len & 0xffff) + kIcmpv6;
    sum = add_words(sum, message.first(kChecksumAt));
    sum = add_words(sum, message.subspan(kChecksumAt + 2));
    return fold(sum);
}

bool icmpv6_echo_to_reply(std::span<uint8_t> frame) {
    if (frame.size() < kEthLen + kIpv6Len + kEchoLen) return false;
    uint8_t* eth = frame.data();
    uint8_t* ip6 = eth + kEthLen;
    uint8_t* icmp = ip6 + kIpv6Len;
    if (eth[12] != 0x86 || eth[13] != 0xdd || (ip6[0] >> 4) != 6 || ip6[6] != kIcmpv6)
        return false;
    const size_t payload_len = size_t{ip6[4]} << 8 | ip6[5];
    if (payload_len < kEchoLen || kEthLen + kIpv6Len + payload_len > frame.size()) return false;
    uint8_t* src = ip6 + 8;
    uint8_t* dst = ip6 + 24;
    if (icmp[0] != kEchoRequest || icmp[1] != 0 || dst[0] == 0xff) return false;

    std::swap_ranges(eth, eth + 6, eth + 6);
    std::swap_ranges(src, src + 16, dst);
    icmp[0] = kEchoReply;
    const uint16_t sum = icmpv6_checksum(src, dst, {icmp, payload_len});
    icmp[kChecksumAt] = static_cast<uint8_t>(sum >> 8);
    icmp[kChecksumAt + 1] = static_cast<uint8_t>(sum & 0xff);
    return true;
}

}  // namespace xdpkit
