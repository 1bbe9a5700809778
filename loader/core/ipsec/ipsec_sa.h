// One IPsec security association as xdpkit keeps it: what the ESP program steers by (SPI,
// destination, action) and what the crypto engine needs (algorithms, keys, replay window),
// plus the two ways users write SAs down: `ipsec sa add` flags and an SA file.
#pragma once

#include <xdpkit/ipsec.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/kernel/addresses.h"
#include "core/base/output.h"
#include "core/base/result.h"

namespace xdpkit {

struct SecurityAssociation {
    uint32_t spi = 0;  // host order
    IpAddress dst;
    std::optional<IpAddress> src;  // when set, the outer source must match too
    ipsec_action action = IPSEC_ACTION_PASS;
    uint32_t target = 0;  // CPU of cpu:N, RX queue of xsk:Q
    ipsec_cipher cipher = IPSEC_CIPHER_AES_CBC_128;
    ipsec_auth auth = IPSEC_AUTH_HMAC_SHA1_96;
    std::vector<uint8_t> key, auth_key, salt;  // empty: not given (steering-only SA)
    uint32_t replay_window = IPSEC_REPLAY_DEFAULT_WINDOW;  // bits; 0 turns the check off
    bool unverified = false;  // inline decryption without integrity, asked for explicitly

    bool has_keys() const { return !key.empty() || !auth_key.empty(); }
};

// Wire sizes the algorithms fix (RFC 3602, 4106, 2404, 4868).
uint32_t iv_length(ipsec_cipher c);
uint32_t icv_length(ipsec_cipher c, ipsec_auth a);
// What the padded plaintext must be a multiple of (RFC 4303 §2.4: 4 at least).
uint32_t block_length(ipsec_cipher c);
uint32_t key_length(ipsec_cipher c);
uint32_t auth_key_length(ipsec_auth a);

std::string action_text(ipsec_action a, uint32_t target);  // "cpu:1", "xsk:0", "pass"
std::string cipher_name(ipsec_cipher c);                    // "aes-cbc-128"
std::string auth_name(ipsec_auth a);                        // "hmac-sha1-96"
Result<std::pair<ipsec_action, uint32_t>> parse_action(const std::string& text);
Result<ipsec_cipher> parse_cipher(const std::string& text);
Result<ipsec_auth> parse_auth(const std::string& text);
Result<uint32_t> parse_spi(const std::string& text);  // decimal or 0x hex, 256..2^32-1
Result<std::vector<uint8_t>> parse_hex_bytes(const std::string& text);  // "0x..." or plain hex

// An SA as its flags name its fields: every value still text, as the user wrote it. `sa add`
// and both SA file forms fill this, so one validation covers them all.
struct SaFields {
    std::optional<std::string> spi, dst, src, action, cipher, auth, key, auth_key, salt,
        replay_window;
    bool unverified = false;
};

// Checks every field and the combination (key lengths for the algorithms, GCM without a
// separate auth, keys where the action needs them, a window of 32..1024 in steps of 32 or 0).
// The error names the field.
// Optional: the SA is only decrypted (offline `accel`), so what the XDP program would do with
// it means nothing; without --action it is `pass`.
enum class SaAction { Required, Optional };
Result<SecurityAssociation> make_sa(const SaFields& f, SaAction rule = SaAction::Required);

// An SA file: a JSON array of objects named like the flags (`spi` a number or "0x..."
// string, `dst`, `src`, `action`, `cipher`, `auth`, `key`, `auth_key`, `salt`,
// `replay_window`, `unverified`), or text with one SA per line written as `sa add` flags
// (`--spi 0x100 --dst 198.18.0.2 ...`; `#` starts a comment). All or nothing: the first bad
// SA fails the whole file with its line or array index. Two SAs with the same (SPI, dst) too.
Result<std::vector<SecurityAssociation>> parse_sa_text(const std::string& text,
                                                       const std::string& origin,
                                                       SaAction rule = SaAction::Required);
Result<std::vector<SecurityAssociation>> read_sa_file(const std::string& path,
                                                      SaAction rule = SaAction::Required);
// The SA with this SPI, or without one the file's only SA; the error lists the SPIs there
// are. origin names the file in it.
Result<SecurityAssociation> pick_sa(const std::vector<SecurityAssociation>& sas,
                                    std::optional<uint32_t> spi, const std::string& origin);

// The map key and value the ESP program looks SAs up with.
ipsec_sa_key sa_map_key(const SecurityAssociation& sa);
ipsec_sa sa_map_value(const SecurityAssociation& sa, uint32_t slot);
ipsec_sa_keys sa_key_material(const SecurityAssociation& sa);

// A short fingerprint of the key material (the first 8 bytes of SHA-256 over key, auth key
// and salt, in hex): enough to tell two key sets apart, useless for recovering either.
std::string key_fingerprint(const SecurityAssociation& sa);

// The SA without its keys (the fingerprint instead): what `sa list` and reports show.
Json to_json(const SecurityAssociation& sa);

}  // namespace xdpkit
