// ESP encapsulation in user space (RFC 4303 tunnel mode) with OpenSSL: an inner IP packet
// becomes an Ethernet frame carrying ESP with a valid ICV under one SA's keys. What
// `trafficgen --proto esp --sa-file` is to send (frames built once, then replayed), and what
// tests feed the crypto engine. Not a hot path: one-shot EVP calls per frame.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/kernel/addresses.h"
#include "core/ipsec/ipsec_sa.h"
#include "core/base/result.h"

namespace xdpkit {

struct EspTunnelSpec {
    MacAddress src_mac{}, dst_mac{};
    IpAddress outer_src;  // the SA's --src when it has one; the outer destination is its dst
    uint32_t seq = 1;     // RFC 4303 §3.3.3: the first packet of an SA carries 1
};

// The frame: Ethernet, outer IPv4/IPv6 to sa.dst (protocol 50), ESP header, IV, the cipher
// text of inner + padding 1, 2, 3, ... + pad length + next header (4 or 41, from the inner
// packet's version), ICV. AES-CBC takes a random IV (RFC 3602 §2.3: unpredictable); AES-GCM
// takes the sequence number as its 8-byte IV (RFC 4106 §3.1: unique per key, a counter will
// do). Refuses an SA without keys, or an inner packet that is not IPv4 or IPv6.
Result<std::vector<uint8_t>> esp_tunnel_frame(const SecurityAssociation& sa,
                                              const EspTunnelSpec& spec,
                                              std::span<const uint8_t> inner_ip);

// The length of the frame esp_tunnel_frame builds for an inner packet of inner_len bytes:
// what a caller checks against the MTU before encrypting anything.
size_t esp_tunnel_frame_size(const SecurityAssociation& sa, size_t inner_len);

}  // namespace xdpkit
