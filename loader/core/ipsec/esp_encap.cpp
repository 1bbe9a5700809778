#include "core/ipsec/esp_encap.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

#include "core/packets/frames.h"

namespace xdpkit {
namespace {

constexpr uint32_t kEspHeader = 8;  // SPI, sequence number

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

void put32(uint8_t* at, uint32_t v) {
    at[0] = static_cast<uint8_t>(v >> 24);
    at[1] = static_cast<uint8_t>(v >> 16);
    at[2] = static_cast<uint8_t>(v >> 8);
    at[3] = static_cast<uint8_t>(v);
}

// Encrypts len bytes at data in place (a whole number of blocks for CBC). GCM also writes
// the 16-byte tag to tag, authenticating aad first.
Result<void> encrypt(const SecurityAssociation& sa, const uint8_t* iv, uint8_t* data, int len,
                     const uint8_t* aad, int aad_len, uint8_t* tag) {
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
    const bool gcm = sa.cipher == IPSEC_CIPHER_AES_GCM_128;
    uint8_t nonce[12];
    if (gcm) {  // RFC 4106 §4: salt ‖ IV
        std::memcpy(nonce, sa.salt.data(), 4);
        std::memcpy(nonce + 4, iv, 8);
    }
    int out = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), gcm ? EVP_aes_128_gcm() : EVP_aes_128_cbc(),
                                        nullptr, nullptr, nullptr) == 1;
    if (ok && gcm)
        ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce), nullptr) == 1;
    ok = ok && EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, sa.key.data(),
                                  gcm ? nonce : iv) == 1;
    if (ok && !gcm) EVP_CIPHER_CTX_set_padding(ctx.get(), 0);  // ESP pads itself
    if (ok && gcm) ok = EVP_EncryptUpdate(ctx.get(), nullptr, &out, aad, aad_len) == 1;
    ok = ok && EVP_EncryptUpdate(ctx.get(), data, &out, data, len) == 1 && out == len;
    ok = ok && EVP_EncryptFinal_ex(ctx.get(), data + out, &out) == 1;
    if (ok && gcm) ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    if (!ok) return make_error(EIO, "SPI {:#x}: OpenSSL could not encrypt", sa.spi);
    return {};
}

// RFC 2404 / 4868: HMAC over ESP header, IV and cipher text, truncated to the ICV length.
Result<void> sign(const SecurityAssociation& sa, const uint8_t* data, size_t len, uint8_t* icv) {
    const char* digest = sa.auth == IPSEC_AUTH_HMAC_SHA256_128 ? "SHA256" : "SHA1";
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, sa.auth_key.data(),
                   sa.auth_key.size(), data, len, mac, sizeof(mac), &mac_len))
        return make_error(EIO, "SPI {:#x}: OpenSSL could not compute the HMAC", sa.spi);
    std::memcpy(icv, mac, icv_length(sa.cipher, sa.auth));
    return {};
}

// Payload, padding, pad length, next header: a whole number of blocks (RFC 4303 §2.4).
uint32_t padded_text_length(const SecurityAssociation& sa, size_t inner_len) {
    const uint32_t block = block_length(sa.cipher);
    const uint32_t unpadded = static_cast<uint32_t>(inner_len) + 2;
    return unpadded + (block - unpadded % block) % block;
}

uint32_t esp_length(const SecurityAssociation& sa, size_t inner_len) {
    return kEspHeader + iv_length(sa.cipher) + padded_text_length(sa, inner_len) +
           icv_length(sa.cipher, sa.auth);
}

}  // namespace

size_t esp_tunnel_frame_size(const SecurityAssociation& sa, size_t inner_len) {
    return 14 + (sa.dst.v6() ? 40 : 20) + esp_length(sa, inner_len);
}

Result<std::vector<uint8_t>> esp_tunnel_frame(const SecurityAssociation& sa,
                                              const EspTunnelSpec& spec,
                                              std::span<const uint8_t> inner_ip) {
    if (sa.cipher == IPSEC_CIPHER_NULL || sa.key.empty() ||
        (sa.auth != IPSEC_AUTH_NONE && sa.auth_key.empty()))
        return make_error(EINVAL, "SPI {:#x}: encrypting needs an AES SA with its keys", sa.spi);
    if (inner_ip.empty() || ((inner_ip[0] >> 4) != 4 && (inner_ip[0] >> 4) != 6))
        return make_error(EINVAL, "the inner packet is not IPv4 or IPv6");
    if (spec.outer_src.family != sa.dst.family)
        return make_error(EINVAL, "outer source {} and SA destination {} differ in family",
                          to_string(spec.outer_src), to_string(sa.dst));

    const uint32_t iv_len = iv_length(sa.cipher);
    const uint32_t text_len = padded_text_length(sa, inner_ip.size());
    const uint32_t pad = text_len - static_cast<uint32_t>(inner_ip.size()) - 2;

    FrameSpec outer;
    outer.src_mac = spec.src_mac;
    outer.dst_mac = spec.dst_mac;
    outer.src = spec.outer_src;
    outer.dst = sa.dst;
    outer.proto = FrameProto::Esp;
    outer.spi = sa.spi;
    outer.size = esp_tunnel_frame_size(sa, inner_ip.size());
    auto built = build_frame(outer);
    if (!built) return built.error();
    std::vector<uint8_t>& f = built->bytes;
    uint8_t* esp = &f[built->l4_offset];
    put32(esp, sa.spi);
    put32(esp + 4, spec.seq);

    uint8_t* iv = esp + kEspHeader;
    if (sa.cipher == IPSEC_CIPHER_AES_GCM_128) {
        std::memset(iv, 0, 4);
        put32(iv + 4, spec.seq);
    } else if (RAND_bytes(iv, static_cast<int>(iv_len)) != 1) {
        return make_error(EIO, "OpenSSL has no random bytes for the IV");
    }
    uint8_t* text = iv + iv_len;
    std::memcpy(text, inner_ip.data(), inner_ip.size());
    for (uint32_t i = 0; i < pad; ++i) text[inner_ip.size() + i] = static_cast<uint8_t>(i + 1);
    text[text_len - 2] = static_cast<uint8_t>(pad);
    text[text_len - 1] = (inner_ip[0] >> 4) == 4 ? 4 : 41;  // IP-in-IP / IPv6 (tunnel mode)

    uint8_t* icv = text + text_len;
    if (sa.cipher == IPSEC_CIPHER_AES_GCM_128) {
        // RFC 4106 §5: the AAD is SPI ‖ sequence number (no ESN).
        XDPKIT_TRY(encrypt(sa, iv, text, static_cast<int>(text_len), esp, kEspHeader, icv));
    } else {
        XDPKIT_TRY(encrypt(sa, iv, text, static_cast<int>(text_len), nullptr, 0, nullptr));
        if (sa.auth != IPSEC_AUTH_NONE)
            XDPKIT_TRY(sign(sa, esp, kEspHeader + iv_len + text_len, icv));
    }
    return std::move(built->bytes);
}

}  // namespace xdpkit
