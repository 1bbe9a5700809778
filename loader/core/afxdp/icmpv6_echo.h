// The ICMPv6 echo responder of `xdpkit afxdp --mode pong` (xdp-tutorial advanced03,
// assignment 3): a request turned into its reply in place, in the UMEM frame it came in.
#pragma once

#include <cstdint>
#include <span>

namespace xdpkit {

// The Internet checksum (RFC 1071) of an ICMPv6 message with its IPv6 pseudo-header (RFC
// 8200 §8.1): source, destination, upper-layer length, next header 58. The message's own
// checksum field is skipped, so this is the value that belongs there.
uint16_t icmpv6_checksum(const uint8_t src[16], const uint8_t dst[16],
                         std::span<const uint8_t> message);

// Ethernet + IPv6 + ICMPv6 echo request (no VLAN tag, no extension header) to a unicast
// address becomes the echo reply: MACs swapped, addresses swapped, type 129, checksum
// computed afresh. Returns false and leaves the frame alone for anything else, including a
// request to a multicast address (the reply would come from a multicast source).
bool icmpv6_echo_to_reply(std::span<uint8_t> frame);

}  // namespace xdpkit
