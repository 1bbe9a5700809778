#include "core/ipsec/esp_decap.h"

#include <xdpkit/ipsec_replay.h>

#include <cstring>

#include "core/packets/frames.h"

namespace xdpkit {
namespace {

constexpr uint16_t kEthIpv4 = 0x0800, kEthIpv6 = 0x86dd, kEthVlan = 0x8100, kEthQinq = 0x88a8;
constexpr uint8_t kProtoIpv4 = 4, kProtoIpv6 = 41, kProtoUdp = 17, kProtoEsp = 50;
constexpr uint8_t kHopByHop = 0, kRouting = 43, kFragment = 44, kDestOpts = 60;
constexpr uint32_t kEspHeader = 8;  // SPI, sequence number
constexpr int kMaxExtHeaders = 6;   // as the XDP parser bounds them

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

// RFC 3948 §2.2: UDP 4500 carries ESP unless its payload starts with the 4-byte non-ESP
// marker (IKE) or is the one-byte keepalive 0xFF.
EspParse locate_in_udp(const uint8_t* frame, EspLocation& loc, uint32_t udp) {
    if (loc.ip_end < udp + 8) return EspParse::malformed;
    if (be16(frame + udp + 2) != IPSEC_NATT_PORT) return EspParse::not_esp;
    const uint32_t udp_len = be16(frame + udp + 4);
    if (udp_len < 8 || udp + udp_len > loc.ip_end) return EspParse::malformed;
    const uint32_t payload = udp + 8, size = udp_len - 8;
    if (size == 1 && frame[payload] == 0xff) return EspParse::not_esp;
    if (size >= 4 && be32(frame + payload) == 0) return EspParse::not_esp;
    loc.ip_end = udp + udp_len;
    loc.encap_offset = udp;
    loc.esp_offset = payload;
    return EspParse::esp;
}

EspParse locate_after_ip(const uint8_t* frame, EspLocation& loc, uint8_t proto, uint32_t at) {
    if (proto == kProtoEsp) {
        loc.encap_offset = loc.esp_offset = at;
        return EspParse::esp;
    }
    if (proto == kProtoUdp) return locate_in_udp(frame, loc, at);
    return EspParse::not_esp;
}

EspParse locate_ipv4(const uint8_t* frame, uint32_t len, EspLocation& loc) {
    const uint32_t ip = loc.ip_offset;
    if (len < ip + 20 || frame[ip] >> 4 != 4) return EspParse::malformed;
    const uint32_t ihl = (frame[ip] & 0x0f) * 4u, total = be16(frame + ip + 2);
    if (ihl < 20 || total < ihl || ip + total > len) return EspParse::malformed;
    if (be16(frame + ip + 6) & 0x3fff) return EspParse::not_esp;  // MF or an offset: a fragment
    loc.family = 4;
    loc.ip_end = ip + total;
    loc.next_header_offset = ip + 9;
    return locate_after_ip(frame, loc, frame[ip + 9], ip + ihl);
}

// RFC 8200 §4.1 order; a fragment header means the stack must reassemble first.
EspParse locate_ipv6(const uint8_t* frame, uint32_t len, EspLocation& loc) {
    const uint32_t ip = loc.ip_offset;
    if (len < ip + 40 || frame[ip] >> 4 != 6) return EspParse::malformed;
    loc.family = 6;
    loc.ip_end = ip + 40 + be16(frame + ip + 4);
    if (loc.ip_end > len) return EspParse::malformed;
    uint32_t next_field = ip + 6, at = ip + 40;
    for (int i = 0; i < kMaxExtHeaders; i++) {
        const uint8_t nh = frame[next_field];
        if (nh == kFragment) return EspParse::not_esp;
        if (nh != kHopByHop && nh != kRouting && nh != kDestOpts) {
            loc.next_header_offset = next_field;
            return locate_after_ip(frame, loc, nh, at);
        }
        if (loc.ip_end < at + 8) return EspParse::malformed;
        next_field = at;
        at += (frame[at + 1] + 1u) * 8;
        if (at > loc.ip_end) return EspParse::malformed;
    }
    return EspParse::not_esp;
}

}  // namespace

const char* esp_result_name(EspResult r) {
    switch (r) {
        case EspResult::ok: return "ok";
        case EspResult::auth_fail: return "auth-fail";
        case EspResult::bad_padding: return "bad-padding";
        case EspResult::replay: return "replay";
        case EspResult::too_old: return "too-old";
        case EspResult::unknown_sa: return "unknown-sa";
        case EspResult::malformed: return "malformed";
        case EspResult::not_esp: return "not-esp";
        case EspResult::crypto_error: return "crypto-error";
    }
    return "?";
}

EspParse locate_esp(const uint8_t* frame, uint32_t len, EspLocation& loc) {
    loc = {};
    if (len < 14) return EspParse::malformed;
    uint32_t type_at = 12;
    uint16_t type = be16(frame + type_at);
    for (int tags = 0; tags < 2 && (type == kEthVlan || type == kEthQinq); tags++) {
        if (len < type_at + 6) return EspParse::malformed;
        type_at += 4;
        type = be16(frame + type_at);
    }
    loc.ethertype_offset = type_at;
    loc.l2_len = loc.ip_offset = type_at + 2;
    if (type == kEthIpv4) return locate_ipv4(frame, len, loc);
    if (type == kEthIpv6) return locate_ipv6(frame, len, loc);
    return EspParse::not_esp;
}

int32_t check_esp_trailer(const uint8_t* plaintext, uint32_t len, uint8_t& next_header) {
    if (len < 2) return -1;
    const uint32_t pad = plaintext[len - 2];
    next_header = plaintext[len - 1];
    if (pad + 2 > len) return -1;
    const uint8_t* p = plaintext + len - 2 - pad;
    // RFC 4303 §2.4: "the Padding bytes are initialized with a series of (unsigned, 1-byte)
    // integer values. The first padding byte ... is numbered 1".
    uint8_t bad = 0;
    for (uint32_t i = 0; i < pad; i++) bad |= static_cast<uint8_t>(p[i] ^ (i + 1));
    return bad ? -1 : static_cast<int32_t>(len - 2 - pad);
}

EspResult rebuild_tunnel(uint8_t* frame, const EspLocation& loc, uint32_t payload_offset,
                         uint32_t payload_len, uint8_t next_header, uint32_t& out_offset,
                         uint32_t& out_len) {
    const uint8_t* inner = frame + payload_offset;
    uint32_t inner_len = 0;
    uint16_t type = 0;
    if (next_header == kProtoIpv4) {
        if (payload_len < 20 || inner[0] >> 4 != 4) return EspResult::malformed;
        inner_len = be16(inner + 2);
        if (inner_len < 20) return EspResult::malformed;
        type = kEthIpv4;
    } else {
        if (payload_len < 40 || inner[0] >> 4 != 6) return EspResult::malformed;
        inner_len = 40u + be16(inner + 4);
        type = kEthIpv6;
    }
    // RFC 4303 §2.7: traffic-flow-confidentiality padding may follow the inner packet.
    if (inner_len > payload_len) return EspResult::malformed;
    out_offset = payload_offset - loc.l2_len;
    std::memmove(frame + out_offset, frame, loc.l2_len);
    put16(frame + out_offset + loc.ethertype_offset, type);
    out_len = loc.l2_len + inner_len;
    return EspResult::ok;
}

// RFC 4303 §3.1.1: in transport mode ESP sits between the IP header and the upper layer.
// Taking it out moves the headers in front of it forward and fixes the IP header's protocol
// (or the last next-header), length and, for IPv4, checksum. For NAT-T (RFC 3948 §3.1.2) the
// UDP header goes too; the upper layer's checksum is left as the peer sent it.
EspResult rebuild_transport(uint8_t* frame, const EspLocation& loc, uint32_t payload_offset,
                            uint32_t payload_len, uint8_t next_header, uint32_t& out_offset,
                            uint32_t& out_len) {
    const uint32_t keep = loc.encap_offset;
    out_offset = payload_offset - keep;
    std::memmove(frame + out_offset, frame, keep);
    uint8_t* f = frame + out_offset;
    f[loc.next_header_offset] = next_header;
    uint8_t* ip = f + loc.ip_offset;
    const uint32_t ip_len = keep - loc.ip_offset + payload_len;
    if (loc.family == 4) {
        if (ip_len > 0xffff) return EspResult::malformed;
        put16(ip + 2, static_cast<uint16_t>(ip_len));
        put16(ip + 10, 0);
        const uint32_t ihl = (ip[0] & 0x0f) * 4u;
        put16(ip + 10, fold_checksum(ones_complement_sum(ip, ihl)));
    } else {
        put16(ip + 4, static_cast<uint16_t>(ip_len - 40));
    }
    out_len = keep + payload_len;
    return EspResult::ok;
}

// The SPI is the peer's random choice (RFC 4303 §2.1) and does most of the work; the address
// is folded in two 8-byte words. A multiply-xorshift mix, no per-byte loop: this is per packet.
size_t EspEngine::KeyHash::operator()(const Key& k) const {
    uint64_t lo, hi;
    std::memcpy(&lo, k.dst.data(), 8);
    std::memcpy(&hi, k.dst.data() + 8, 8);
    uint64_t h = (uint64_t{k.spi} << 8 | k.family) ^ lo * 0x9e3779b97f4a7c15ull ^ hi;
    h *= 0xbf58476d1ce4e5b9ull;
    return static_cast<size_t>(h ^ h >> 31);
}

Result<std::unique_ptr<EspEngine>> EspEngine::create(CryptoBackend& backend,
                                                     const std::vector<SecurityAssociation>& sas) {
    std::unique_ptr<EspEngine> e(new EspEngine(backend));
    for (const auto& sa : sas) {
        if (!sa.has_keys())
            return make_error(EINVAL, "SA 0x{:x} ({}) has no keys; the crypto engine needs "
                                      "--key (and --auth-key or --salt)", sa.spi, to_string(sa.dst));
        auto handle = backend.add_sa(sa);
        if (!handle) return handle.error();
        SaState s;
        s.sa = sa;
        s.iv_len = iv_length(sa.cipher);
        s.icv_len = icv_length(sa.cipher, sa.auth);
        s.block_len = block_length(sa.cipher);
        s.backend_sa = *handle;
        s.replay.window = sa.replay_window;
        Key k{sa.spi, static_cast<uint8_t>(sa.dst.v6() ? 6 : 4), sa.dst.bytes};
        e->by_key_.emplace(k, static_cast<uint32_t>(e->sas_.size()));
        e->sas_.push_back(std::move(s));
    }
    return e;
}

void EspEngine::reset_replay() {
    for (auto& s : sas_) {
        const uint32_t window = s.replay.window;
        s.replay = {};
        s.replay.window = window;
    }
}

void EspEngine::load_replay(uint32_t sa, const ipsec_replay& r) {
    SaState& s = sas_.at(sa);
    const uint32_t window = s.replay.window;
    s.replay = r;
    s.replay.window = window;
}

uint32_t EspEngine::find_sa(const uint8_t* frame, const EspLocation& loc, uint32_t spi) const {
    const size_t alen = loc.family == 6 ? 16 : 4;
    // IPv4 source at +12, destination at +16; IPv6 at +8 and +24.
    const uint8_t* src = frame + loc.ip_offset + (loc.family == 6 ? 8 : 12);
    const uint8_t* dst = frame + loc.ip_offset + (loc.family == 6 ? 24 : 16);
    Key k{spi, loc.family, {}};
    std::memcpy(k.dst.data(), dst, alen);
    // Packets come in runs of one SA (one flow per queue): the last hit skips the hash.
    uint32_t index = last_index_;
    if (index == UINT32_MAX || !(k == last_key_)) {
        const auto it = by_key_.find(k);
        if (it == by_key_.end()) return UINT32_MAX;
        index = last_index_ = it->second;
        last_key_ = k;
    }
    const auto& want_src = sas_[index].sa.src;
    if (want_src && std::memcmp(want_src->bytes.data(), src, alen) != 0) return UINT32_MAX;
    return index;
}

void EspEngine::finish(EspPacket& p, EspResult r) {
    p.result = r;
    counters_.results[static_cast<size_t>(r)]++;
}

bool EspEngine::prepare(EspPacket& p, CryptoJob& job) {
    p.out_offset = p.out_len = p.spi = p.seq = 0;
    p.tunnel = false;
    p.sa = UINT32_MAX;
    counters_.packets++;
    counters_.bytes_in += p.len;
    const EspParse parsed = locate_esp(p.data, p.len, p.loc);
    if (parsed != EspParse::esp) {
        finish(p, parsed == EspParse::not_esp ? EspResult::not_esp : EspResult::malformed);
        return false;
    }
    const EspLocation& loc = p.loc;
    if (loc.ip_end < loc.esp_offset + kEspHeader) {
        finish(p, EspResult::malformed);
        return false;
    }
    p.spi = be32(p.data + loc.esp_offset);
    p.seq = be32(p.data + loc.esp_offset + 4);
    // RFC 4303 §2.1: SPIs 1-255 are reserved and 0 is never on the wire; §3.3.3: the first
    // packet carries sequence number 1.
    if (p.spi < 256 || p.seq == 0) {
        finish(p, EspResult::malformed);
        return false;
    }
    p.sa = find_sa(p.data, loc, p.spi);
    if (p.sa == UINT32_MAX) {
        finish(p, EspResult::unknown_sa);
        return false;
    }
    const SaState& sa = sas_[p.sa];
    const uint32_t payload = loc.esp_offset + kEspHeader + sa.iv_len;
    if (loc.ip_end < payload + sa.icv_len + sa.block_len) {
        finish(p, EspResult::malformed);
        return false;
    }
    const uint32_t icv = loc.ip_end - sa.icv_len;
    if ((icv - payload) % sa.block_len != 0) {
        finish(p, EspResult::malformed);
        return false;
    }
    // The pre-check (RFC 4303 §3.4.3): a certain replay costs no crypto.
    switch (ipsec_replay_check(&sa.replay, p.seq)) {
        case IPSEC_REPLAY_SEEN: finish(p, EspResult::replay); return false;
        case IPSEC_REPLAY_TOO_OLD: finish(p, EspResult::too_old); return false;
        default: break;
    }
    job.frame = p.data;
    job.esp_offset = loc.esp_offset;
    job.payload_offset = payload;
    job.icv_offset = icv;
    job.sa = sa.backend_sa;
    job.status = CryptoStatus::pending;
    job.user = &p;
    return true;
}

void EspEngine::complete(EspPacket& p, const CryptoJob& job) {
    if (job.status == CryptoStatus::auth_failed) return finish(p, EspResult::auth_fail);
    if (job.status != CryptoStatus::verified) return finish(p, EspResult::crypto_error);
    SaState& sa = sas_[p.sa];
    // Checked again after verification (RFC 4303 Appendix A2.2): a packet of the same batch
    // may have taken this number since the pre-check. Only now does the window move; the
    // packet is authentic, so it moves even if the padding turns out bad.
    switch (ipsec_replay_check(&sa.replay, p.seq)) {
        case IPSEC_REPLAY_SEEN: return finish(p, EspResult::replay);
        case IPSEC_REPLAY_TOO_OLD: return finish(p, EspResult::too_old);
        default: break;
    }
    ipsec_replay_advance(&sa.replay, p.seq);
    uint8_t next = 0;
    const int32_t payload_len =
        check_esp_trailer(p.data + job.payload_offset, job.ciphertext_length(), next);
    if (payload_len < 0) return finish(p, EspResult::bad_padding);
    p.tunnel = next == kProtoIpv4 || next == kProtoIpv6;
    const auto len = static_cast<uint32_t>(payload_len);
    const EspResult r =
        p.tunnel ? rebuild_tunnel(p.data, p.loc, job.payload_offset, len, next, p.out_offset, p.out_len)
                 : rebuild_transport(p.data, p.loc, job.payload_offset, len, next, p.out_offset,
                                     p.out_len);
    if (r == EspResult::ok) counters_.inner_bytes += p.out_len - p.loc.l2_len;
    finish(p, r);
}

// Asks for the next batch's frames while this one is decrypted: a frame a NIC just wrote is
// not in this core's caches, and prepare() would otherwise wait for each header in turn.
static void prefetch_frames(std::span<EspPacket> batch) {
    for (const EspPacket& p : batch)
        for (uint32_t off = 0; off < p.len; off += 64) __builtin_prefetch(p.data + off, 1, 3);
}

void EspEngine::process(std::span<EspPacket> packets) {
    prefetch_frames(packets.first(std::min<size_t>(packets.size(), kBatch)));
    for (size_t base = 0; base < packets.size(); base += kBatch) {
        const size_t end = std::min(packets.size(), base + kBatch);
        if (end < packets.size())
            prefetch_frames(packets.subspan(end, std::min<size_t>(packets.size() - end, kBatch)));
        uint32_t ready = 0;
        for (size_t i = base; i < end; i++)
            if (prepare(packets[i], jobs_[ready])) {
                submit_[ready] = &jobs_[ready];
                ready++;
            }
        uint32_t submitted = 0, completed = 0;
        while (completed < ready) {
            if (submitted < ready)
                submitted += backend_.submit(std::span(submit_.data() + submitted, ready - submitted));
            const uint32_t n = backend_.poll(done_);
            for (uint32_t i = 0; i < n; i++)
                complete(*static_cast<EspPacket*>(done_[i]->user), *done_[i]);
            completed += n;
        }
    }
}

}  // namespace xdpkit
