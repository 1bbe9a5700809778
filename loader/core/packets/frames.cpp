#include "core/packets/frames.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include <cstring>

namespace xdpkit {
namespace {

constexpr size_t kEthLen = 14, kIpv4Len = 20, kIpv6Len = 40, kUdpLen = 8, kEspLen = 8;
constexpr uint8_t kIpprotoUdp = 17, kIpprotoEsp = 50;

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    put16(b, at, static_cast<uint16_t>(v >> 16));
    put16(b, at + 2, static_cast<uint16_t>(v));
}

size_t ip_len(const FrameSpec& s) { return s.src.v6() ? kIpv6Len : kIpv4Len; }
size_t l4_len(const FrameSpec& s) { return s.proto == FrameProto::Udp ? kUdpLen : kEspLen; }

}  // namespace

uint32_t ones_complement_sum(const uint8_t* data, size_t len, uint32_t sum) {
    for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    if (len % 2) sum += static_cast<uint32_t>(data[len - 1] << 8);
    return sum;
}

uint16_t fold_checksum(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

size_t min_frame_size(const FrameSpec& s) { return kEthLen + ip_len(s) + l4_len(s); }

Result<BuiltFrame> build_frame(const FrameSpec& s) {
    if (s.src.family != s.dst.family || s.src.family == AF_UNSPEC)
        return make_error(EINVAL, "source and destination must both be IPv4 or both IPv6");
    if (s.size < min_frame_size(s))
        return make_error(EINVAL, "a {} frame over {} needs at least {} bytes, not {}",
                          s.proto == FrameProto::Udp ? "UDP" : "ESP", s.src.v6() ? "IPv6" : "IPv4",
                          min_frame_size(s), s.size);
    if (s.size > 65535 + kEthLen) return make_error(EINVAL, "frame size {} is too big", s.size);

    BuiltFrame f;
    auto& b = f.bytes;
    b.assign(s.size, 0);
    std::memcpy(&b[0], s.dst_mac.data(), 6);
    std::memcpy(&b[6], s.src_mac.data(), 6);
    put16(b, 12, s.src.v6() ? ETH_P_IPV6 : ETH_P_IP);

    const size_t ip = kEthLen, l4 = kEthLen + ip_len(s);
    const size_t l4_total = s.size - l4;  // L4 header + payload
    const uint8_t proto = s.proto == FrameProto::Udp ? kIpprotoUdp : kIpprotoEsp;
    if (s.src.v6()) {
        b[ip] = 0x60;
        put16(b, ip + 4, static_cast<uint16_t>(l4_total));
        b[ip + 6] = proto;
        b[ip + 7] = 64;  // hop limit
        std::memcpy(&b[ip + 8], s.src.bytes.data(), 16);
        std::memcpy(&b[ip + 24], s.dst.bytes.data(), 16);
    } else {
        b[ip] = 0x45;
        put16(b, ip + 2, static_cast<uint16_t>(s.size - kEthLen));
        put16(b, ip + 6, 0x4000);  // don't fragment
        b[ip + 8] = 64;            // TTL
        b[ip + 9] = proto;
        std::memcpy(&b[ip + 12], s.src.bytes.data(), 4);
        std::memcpy(&b[ip + 16], s.dst.bytes.data(), 4);
        put16(b, ip + 10, fold_checksum(ones_complement_sum(&b[ip], kIpv4Len)));
    }
    // A recognisable payload: a dump shows where the headers end.
    for (size_t i = l4 + l4_len(s); i < s.size; ++i) b[i] = static_cast<uint8_t>(i - l4);
    if (!s.payload_head.empty()) {
        if (s.proto != FrameProto::Udp || s.size - l4 - kUdpLen < s.payload_head.size())
            return make_error(EINVAL, "a {}-byte frame has no room for a {}-byte UDP payload head",
                              s.size, s.payload_head.size());
        std::memcpy(&b[l4 + kUdpLen], s.payload_head.data(), s.payload_head.size());
    }

    f.l4_offset = static_cast<uint32_t>(l4);
    if (s.proto == FrameProto::Esp) {
        put32(b, l4, s.spi);
        put32(b, l4 + 4, 0);  // the sequence number: the BPF side writes 1, 2, 3, ...
        return f;
    }
    put16(b, l4, s.src_port);
    put16(b, l4 + 2, s.dst_port);
    put16(b, l4 + 4, static_cast<uint16_t>(l4_total));
    // Pseudo-header (RFC 768 / RFC 8200 §8.1), then the datagram.
    uint32_t sum = ones_complement_sum(s.src.bytes.data(), s.src.size());
    sum = ones_complement_sum(s.dst.bytes.data(), s.dst.size(), sum);
    sum += kIpprotoUdp + static_cast<uint32_t>(l4_total);
    sum = ones_complement_sum(&b[l4], l4_total, sum);
    const uint16_t check = fold_checksum(sum);
    put16(b, l4 + 6, check ? check : 0xffff);
    return f;
}

}  // namespace xdpkit
