#include "core/ipsec/esp_frame_set.h"

#include <algorithm>

#include "core/packets/frames.h"

namespace xdpkit {
namespace {

constexpr size_t kUdpHeader = 8;

size_t inner_length(const SecurityAssociation& sa, size_t payload) {
    return (sa.dst.v6() ? 40 : 20) + kUdpHeader + payload;
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

}  // namespace

size_t esp_set_frame_size(const SecurityAssociation& sa, size_t payload) {
    return esp_tunnel_frame_size(sa, inner_length(sa, payload));
}

size_t esp_max_payload(const SecurityAssociation& sa, size_t limit) {
    // Padding makes the size a step function of the payload, so no closed form: walk down
    // from the payload that would fit without any ESP overhead.
    for (size_t p = limit; p > 0; --p)
        if (esp_set_frame_size(sa, p) <= limit) return p;
    return 0;
}

uint32_t esp_set_frames(uint64_t count, size_t frame_size) {
    // Array map values are kept 8-byte aligned.
    const size_t by_memory = kEspSetMaxBytes / ((frame_size + 7) / 8 * 8);
    const uint64_t cap = std::min<uint64_t>(kEspSetMaxFrames, by_memory);
    return static_cast<uint32_t>(std::min<uint64_t>(count ? count : kEspDefaultSetFrames, cap));
}

Result<std::vector<uint8_t>> esp_set_inner_packet(const SecurityAssociation& sa,
                                                  const EspFrameSetSpec& spec, uint32_t i) {
    FrameSpec inner;
    inner.src = spec.outer.outer_src;
    inner.dst = sa.dst;
    inner.src_port = spec.src_port;
    inner.dst_port = spec.dst_port;
    inner.size = 14 + inner_length(sa, spec.payload);
    inner.payload_head.assign(kEspPayloadHead, 0);
    put32(inner.payload_head, 0, i);
    put32(inner.payload_head, 4, spec.outer.seq + i);
    auto built = build_frame(inner);
    if (!built) return built.error();
    built->bytes.erase(built->bytes.begin(), built->bytes.begin() + 14);  // tunnel mode: IP on
    return std::move(built->bytes);
}

Result<std::vector<std::vector<uint8_t>>> build_esp_frame_set(const SecurityAssociation& sa,
                                                              const EspFrameSetSpec& spec) {
    if (spec.payload < kEspPayloadHead)
        return make_error(EINVAL, "--payload {}: at least {} bytes (frame index and sequence "
                          "number)", spec.payload, kEspPayloadHead);
    if (spec.outer.seq == 0)
        return make_error(EINVAL, "--seq-start 0: ESP sequence numbers start at 1 (RFC 4303)");
    if (spec.frames == 0) return make_error(EINVAL, "a frame set needs at least one frame");
    if (uint64_t(spec.outer.seq) + spec.frames - 1 > UINT32_MAX)
        return make_error(EINVAL, "--seq-start {}: {} frames would number past 4294967295 (no "
                          "extended sequence numbers)", spec.outer.seq, spec.frames);
    std::vector<std::vector<uint8_t>> set;
    set.reserve(spec.frames);
    EspTunnelSpec outer = spec.outer;
    for (uint32_t i = 0; i < spec.frames; ++i) {
        auto inner = esp_set_inner_packet(sa, spec, i);
        if (!inner) return inner.error();
        outer.seq = spec.outer.seq + i;
        auto frame = esp_tunnel_frame(sa, outer, *inner);
        if (!frame) return frame.error();
        set.push_back(std::move(*frame));
    }
    return set;
}

}  // namespace xdpkit
