// The frames `trafficgen --sa-file` sends: real ESP under one SA's keys, one inner UDP packet
// per sequence number, built and encrypted once in user space. The ICV covers the sequence
// number, so the generator program cannot number frames itself; it copies them from this set
// in order instead (TRAFFICGEN_FRAME_SET), and after the last one the numbers repeat.
#pragma once

#include <cstdint>
#include <vector>

#include "core/ipsec/esp_encap.h"
#include "core/base/result.h"

namespace xdpkit {

// The inner UDP payload starts with the frame's index in the set and its ESP sequence number
// (both 32-bit, network order), so a receiver can check what it decrypted.
constexpr size_t kEspPayloadHead = 8;
// Without --count: long enough for any receiver's replay window (at most 1024) to slide.
constexpr uint32_t kEspDefaultSetFrames = 4096;
// The set lives in an array map: kernel memory, charged to the caller's memory cgroup and
// kept for the whole run. 64 MiB holds 65536 frames up to 1 KiB and ~44800 full 1514-byte
// frames; encrypting that many one at a time with OpenSSL and filling the map takes ~1 s
// here, about as long as a user should wait before the first frame goes out.
constexpr uint32_t kEspSetMaxFrames = 65536;
constexpr size_t kEspSetMaxBytes = size_t(64) << 20;

struct EspFrameSetSpec {
    EspTunnelSpec outer;  // MACs and outer source; outer.seq is the first frame's number
    uint16_t src_port = 1024, dst_port = 9;  // inner UDP, from the outer source to the SA's dst
    size_t payload = 64;  // inner UDP payload bytes, kEspPayloadHead at least
    uint32_t frames = 1;
};

// Length of every frame of a set with this payload (they are all one length).
size_t esp_set_frame_size(const SecurityAssociation& sa, size_t payload);
// The largest payload whose frame fits in limit bytes (0: none does).
size_t esp_max_payload(const SecurityAssociation& sa, size_t limit);
// How many frames a set for `count` frames holds (count 0: no limit): count itself up to the
// caps above, else the default.
uint32_t esp_set_frames(uint64_t count, size_t frame_size);

// Frame i's inner packet (IP header on, no Ethernet): UDP whose payload starts with i and the
// sequence number outer.seq + i.
Result<std::vector<uint8_t>> esp_set_inner_packet(const SecurityAssociation& sa,
                                                  const EspFrameSetSpec& spec, uint32_t i);
// spec.frames frames with sequence numbers outer.seq .. outer.seq + frames - 1. Refuses a
// first number of 0 (RFC 4303 §3.3.3: never sent), a run past 2^32-1 (no extended sequence
// numbers), a payload shorter than kEspPayloadHead, and SAs esp_tunnel_frame refuses.
Result<std::vector<std::vector<uint8_t>>> build_esp_frame_set(const SecurityAssociation& sa,
                                                              const EspFrameSetSpec& spec);

}  // namespace xdpkit
