// ESP decapsulation (RFC 4303) around a CryptoBackend: find ESP in an Ethernet frame (IPv4,
// IPv6 after extension headers, NAT-T UDP 4500 of RFC 3948), look its SA up, pre-check the
// anti-replay window, let the backend verify the ICV and decrypt, then — only for verified
// packets — check the window again and advance it, check the padding, and turn the frame
// into the inner packet in place: tunnel mode strips the outer IP header and ESP, transport
// mode rebuilds the IP header around the payload.
//
// The engine's per-packet work allocates nothing and takes no lock. It is cut in three steps
// so that a later AF_XDP pattern 2 can run the middle one on another core: prepare() and
// complete() (which own the replay windows) stay on the RX thread, and the CryptoJobs travel
// to the crypto thread and back through an SPSC ring.
#pragma once

#include <xdpkit/ipsec.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ipsec/crypto_backend.h"
#include "core/ipsec/ipsec_sa.h"
#include "core/base/output.h"
#include "core/base/result.h"

namespace xdpkit {

enum class EspResult : uint8_t {
    ok = 0,
    auth_fail,     // the ICV did not verify
    bad_padding,   // verified, but the padding is not 1, 2, 3, ... (RFC 4303 §2.4)
    replay,        // in the window and already verified
    too_old,       // left of the window
    unknown_sa,    // no SA for (SPI, destination), or its source does not match
    malformed,     // lengths that lie, truncated headers, an inner packet that is not IP
    not_esp,       // not an ESP packet the engine takes: no ESP, IKE or keepalive on UDP
                   // 4500, IP fragments (the stack reassembles those)
    crypto_error,  // the backend could not run the job
};
constexpr size_t kEspResults = 9;

const char* esp_result_name(EspResult r);  // "ok", "auth-fail", "bad-padding", ...

// Where a frame's ESP is, from parsing everything in front of it.
struct EspLocation {
    uint32_t l2_len = 0;            // Ethernet and up to two VLAN tags
    uint32_t ethertype_offset = 0;  // the EtherType after the tags
    uint32_t ip_offset = 0;
    uint8_t family = 0;  // 4 or 6
    uint32_t ip_end = 0;  // the IP packet's end by its own length (Ethernet padding excluded)
    uint32_t next_header_offset = 0;  // the byte that names ESP (or UDP, for NAT-T)
    uint32_t encap_offset = 0;        // where the outer headers end: UDP header or ESP
    uint32_t esp_offset = 0;
};

enum class EspParse { esp, not_esp, malformed };

// Pure: reads the frame, writes nothing.
EspParse locate_esp(const uint8_t* frame, uint32_t len, EspLocation& loc);

// RFC 4303 §2.4: the decrypted ciphertext ends in padding 1, 2, 3, ..., the pad length and the
// next header. Returns the payload length before the padding, or -1 when the trailer is bad.
int32_t check_esp_trailer(const uint8_t* plaintext, uint32_t len, uint8_t& next_header);

// Turns a verified, decrypted frame into its inner packet, in place. payload_offset is where
// the plaintext starts, payload_len its length before the padding. Sets out_offset/out_len.
EspResult rebuild_tunnel(uint8_t* frame, const EspLocation& loc, uint32_t payload_offset,
                         uint32_t payload_len, uint8_t next_header, uint32_t& out_offset,
                         uint32_t& out_len);
EspResult rebuild_transport(uint8_t* frame, const EspLocation& loc, uint32_t payload_offset,
                            uint32_t payload_len, uint8_t next_header, uint32_t& out_offset,
                            uint32_t& out_len);

// One frame through the engine. In: data/len. Out: the result and, when ok, the inner packet
// at data + out_offset (an Ethernet frame: the outer Ethernet header, EtherType fixed).
struct EspPacket {
    uint8_t* data = nullptr;
    uint32_t len = 0;
    uint32_t out_offset = 0, out_len = 0;
    EspResult result = EspResult::not_esp;
    uint32_t spi = 0, seq = 0;  // host order; 0 until parsed
    bool tunnel = false;
    uint32_t sa = UINT32_MAX;  // the engine's SA index; UINT32_MAX: none
    EspLocation loc;
};

struct EspCounters {
    std::array<uint64_t, kEspResults> results{};
    uint64_t packets = 0;
    uint64_t bytes_in = 0;     // whole frames
    uint64_t inner_bytes = 0;  // the IP packets ok frames became (Ethernet header not counted)
};

class EspEngine {
public:
    static constexpr uint32_t kBatch = 64;  // four rounds of ipsec-mb's 16 AVX-512 lanes

    // Sets every SA's keys up in the backend once. SAs without keys are refused.
    static Result<std::unique_ptr<EspEngine>> create(CryptoBackend& backend,
                                                     const std::vector<SecurityAssociation>& sas);

    // Every packet, in batches of kBatch: prepare, submit, poll, complete.
    void process(std::span<EspPacket> packets);

    // Step 1 (RX side): parse, SA, pre-checks. true: job is ready for the backend; false: the
    // packet's result is final.
    bool prepare(EspPacket& p, CryptoJob& job);
    // Step 3 (RX side): the backend's verdict, the window, the padding, the rebuild.
    void complete(EspPacket& p, const CryptoJob& job);

    // Every SA's window back to empty, as when the SAs were set up.
    void reset_replay();
    // Starts SA index `sa` from a window kept elsewhere (the SA database's, for a live engine
    // that takes over SAs which already saw traffic). The SA's own window size stays.
    void load_replay(uint32_t sa, const ipsec_replay& r);
    const EspCounters& counters() const { return counters_; }
    void reset_counters() { counters_ = {}; }
    CryptoBackend& backend() { return backend_; }

    struct SaState {
        SecurityAssociation sa;  // keys stay in the backend's contexts; these are not read per packet
        uint32_t iv_len = 0, icv_len = 0, block_len = 0;
        uint32_t backend_sa = 0;
        ipsec_replay replay{};
    };
    const std::vector<SaState>& sas() const { return sas_; }

private:
    explicit EspEngine(CryptoBackend& b) : backend_(b) {}
    uint32_t find_sa(const uint8_t* frame, const EspLocation& loc, uint32_t spi) const;
    void finish(EspPacket& p, EspResult r);

    struct Key {
        uint32_t spi;
        uint8_t family;
        std::array<uint8_t, 16> dst;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const;
    };

    CryptoBackend& backend_;
    std::vector<SaState> sas_;
    std::unordered_map<Key, uint32_t, KeyHash> by_key_;
    mutable Key last_key_{};
    mutable uint32_t last_index_ = UINT32_MAX;
    EspCounters counters_;
    std::array<CryptoJob, kBatch> jobs_{};
    std::array<CryptoJob*, kBatch> submit_{}, done_{};
};

}  // namespace xdpkit
