// The frames the traffic generator sends: Ethernet, IPv4 or IPv6, then UDP or ESP, built
// once in user space with every length and checksum right; the BPF side only rewrites the
// fields that change per frame (docs/trafficgen.md).
#pragma once

#include <cstdint>
#include <vector>

#include "core/kernel/addresses.h"
#include "core/base/result.h"

namespace xdpkit {

enum class FrameProto { Udp, Esp };

struct FrameSpec {
    MacAddress src_mac{}, dst_mac{};
    IpAddress src, dst;  // the same family
    FrameProto proto = FrameProto::Udp;
    uint16_t src_port = 1024, dst_port = 9;  // UDP
    uint32_t spi = 0x100;                    // ESP
    size_t size = 64;  // the whole frame as XDP sees it (no FCS): 64 = a minimum frame
    // UDP: the payload starts with these bytes (then the usual filler), checksummed with the
    // rest; how a set of frames says which one each is.
    std::vector<uint8_t> payload_head;
};

struct BuiltFrame {
    std::vector<uint8_t> bytes;
    uint32_t l4_offset = 0;  // where the UDP or ESP header starts
};

// The smallest frame the spec can be (headers, plus ESP's sequence number and nothing else).
size_t min_frame_size(const FrameSpec& s);
Result<BuiltFrame> build_frame(const FrameSpec& s);

// The Internet checksum (RFC 1071) of bytes, folded, not inverted, starting from sum.
uint32_t ones_complement_sum(const uint8_t* data, size_t len, uint32_t sum = 0);
uint16_t fold_checksum(uint32_t sum);  // folded and inverted: what goes in the header

}  // namespace xdpkit
