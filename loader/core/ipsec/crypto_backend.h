// The crypto engine's backends, shaped like an accelerator: the caller submits a batch of
// jobs and polls for completions, so a device with enqueue/dequeue rings (QAT) fits the same
// interface as the software libraries, which finish a batch inside submit().
//
// A job is one ESP packet: the backend verifies its ICV and decrypts its payload in place.
// Parsing, the anti-replay window, the padding check and the header rebuild are the ESP
// layer's (esp_decap.h), the same whatever backend runs.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/ipsec/ipsec_sa.h"
#include "core/base/result.h"

namespace xdpkit {

enum class CryptoStatus : uint8_t {
    pending = 0,  // submitted, not completed yet
    verified,     // the ICV matched and the payload is decrypted in place
    auth_failed,  // the ICV did not match: nothing released (CBC+HMAC: not even decrypted)
    failed,       // the backend could not run the job (a library error)
};

// One ESP packet, by offsets into the caller's frame. The frame must stay valid and untouched
// until the job completes (an accelerator, and ipsec-mb's lanes, read it asynchronously).
//
//   frame: ... | SPI | seq | IV | ciphertext (payload, padding, pad length, next header) | ICV |
//              ^esp_offset     ^payload_offset                                           ^icv_offset
struct CryptoJob {
    uint8_t* frame = nullptr;
    uint32_t esp_offset = 0;
    uint32_t payload_offset = 0;
    uint32_t icv_offset = 0;  // end of the ciphertext; the ICV follows (the SA's length)
    uint32_t sa = 0;          // the backend's handle, from CryptoBackend::add_sa
    CryptoStatus status = CryptoStatus::pending;
    void* user = nullptr;  // the submitter's; backends never touch it

    uint32_t ciphertext_length() const { return icv_offset - payload_offset; }
};

class CryptoBackend {
public:
    virtual ~CryptoBackend() = default;

    // "openssl", "ipsec-mb"
    virtual std::string name() const = 0;
    // What the backend runs on ("OpenSSL 3.0.19", "ipsec-mb 1.3.0, AVX-512 manager").
    virtual std::string detail() const = 0;

    // Sets up the SA's keys once (key schedule, HMAC pads, GCM hash key): nothing per packet.
    // Returns the handle jobs name it by. Refuses algorithms the backend cannot run.
    virtual Result<uint32_t> add_sa(const SecurityAssociation& sa) = 0;

    // Takes jobs in order, up to the free capacity; returns how many it took. The rest are the
    // caller's to submit again after polling.
    virtual uint32_t submit(std::span<CryptoJob* const> jobs) = 0;
    // Moves up to done.size() completed jobs into done, in completion order; returns how many.
    virtual uint32_t poll(std::span<CryptoJob*> done) = 0;
    // Jobs submitted and not yet returned by poll().
    virtual uint32_t in_flight() const = 0;
};

// The names --backend takes, in the order help shows them.
const std::vector<std::string>& crypto_backend_names();

// "openssl", "ipsec-mb" or "qat" (which fails: detection only, see qat.h).
Result<std::unique_ptr<CryptoBackend>> make_crypto_backend(const std::string& name);

// What both software backends run: aes-cbc-128 with hmac-sha1-96 or hmac-sha256-128, and
// aes-gcm-128, with keys of the right lengths. The error names the SA and the backend.
Result<void> check_engine_sa(const SecurityAssociation& sa, const std::string& backend);

std::unique_ptr<CryptoBackend> make_openssl_backend();
Result<std::unique_ptr<CryptoBackend>> make_ipsec_mb_backend();

// The completions of a backend that finishes work inside submit(): a fixed ring, so neither
// submit nor poll allocates. capacity is a power of two.
class CompletionRing {
public:
    explicit CompletionRing(uint32_t capacity) : slots_(capacity), mask_(capacity - 1) {}
    uint32_t free() const { return static_cast<uint32_t>(slots_.size()) - (head_ - tail_); }
    uint32_t size() const { return head_ - tail_; }
    void push(CryptoJob* j) { slots_[head_++ & mask_] = j; }
    uint32_t pop(std::span<CryptoJob*> out) {
        uint32_t n = 0;
        while (n < out.size() && tail_ != head_) out[n++] = slots_[tail_++ & mask_];
        return n;
    }

private:
    std::vector<CryptoJob*> slots_;
    uint32_t mask_;
    uint32_t head_ = 0, tail_ = 0;
};

}  // namespace xdpkit
