// The portable backend: OpenSSL's EVP, one packet at a time inside submit(). Each SA gets its
// cipher context (key schedule) and HMAC context (the key's inner and outer pads) once; per
// packet only the IV is set and the MAC is re-initialised with the key it already holds.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <cstring>

#include "core/ipsec/crypto_backend.h"

namespace xdpkit {
namespace {

constexpr uint32_t kCapacity = 256;
constexpr uint32_t kEspHeader = 8;  // SPI + sequence number: GCM's AAD without ESN (RFC 4106 §5)

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MacCtxFree {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
struct MacFree {
    void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};

struct OpensslSa {
    ipsec_cipher cipher = IPSEC_CIPHER_NULL;
    uint32_t icv_len = 0;
    uint8_t salt[4] = {};
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> cipher_ctx;
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> mac_ctx;  // CBC's HMAC; empty for GCM
};

std::string openssl_error(const char* what) {
    return fmt::format("OpenSSL: {} failed", what);
}

class OpensslBackend final : public CryptoBackend {
public:
    OpensslBackend() : done_(kCapacity) {}

    std::string name() const override { return "openssl"; }
    std::string detail() const override { return OpenSSL_version(OPENSSL_VERSION); }

    Result<uint32_t> add_sa(const SecurityAssociation& sa) override {
        XDPKIT_TRY(check_engine_sa(sa, name()));
        OpensslSa s;
        s.cipher = sa.cipher;
        s.icv_len = icv_length(sa.cipher, sa.auth);
        s.cipher_ctx.reset(EVP_CIPHER_CTX_new());
        if (!s.cipher_ctx) return make_error(ENOMEM, "{}", openssl_error("EVP_CIPHER_CTX_new"));
        const bool gcm = sa.cipher == IPSEC_CIPHER_AES_GCM_128;
        if (EVP_DecryptInit_ex(s.cipher_ctx.get(), gcm ? EVP_aes_128_gcm() : EVP_aes_128_cbc(),
                               nullptr, sa.key.data(), nullptr) != 1)
            return make_error(EINVAL, "{}", openssl_error("AES key setup"));
        if (gcm) {
            std::memcpy(s.salt, sa.salt.data(), sizeof(s.salt));
        } else {
            // ESP carries its own padding (RFC 4303 §2.4); the ESP layer checks it.
            EVP_CIPHER_CTX_set_padding(s.cipher_ctx.get(), 0);
            auto mac = make_hmac(sa);
            if (!mac) return mac.error();
            s.mac_ctx = std::move(*mac);
        }
        sas_.push_back(std::move(s));
        return static_cast<uint32_t>(sas_.size() - 1);
    }

    uint32_t submit(std::span<CryptoJob* const> jobs) override {
        uint32_t n = 0;
        for (; n < jobs.size() && done_.free() > 0; n++) {
            CryptoJob* j = jobs[n];
            const OpensslSa& sa = sas_[j->sa];
            j->status = sa.cipher == IPSEC_CIPHER_AES_GCM_128 ? run_gcm(sa, *j) : run_cbc(sa, *j);
            done_.push(j);
        }
        return n;
    }

    uint32_t poll(std::span<CryptoJob*> done) override { return done_.pop(done); }
    uint32_t in_flight() const override { return done_.size(); }

private:
    Result<std::unique_ptr<EVP_MAC_CTX, MacCtxFree>> make_hmac(const SecurityAssociation& sa) {
        if (!hmac_) hmac_.reset(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
        if (!hmac_) return make_error(ENOENT, "{}", openssl_error("EVP_MAC_fetch(HMAC)"));
        const char* digest = sa.auth == IPSEC_AUTH_HMAC_SHA256_128 ? "SHA256" : "SHA1";
        std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(hmac_.get()));
        if (!ctx) return make_error(ENOMEM, "{}", openssl_error("EVP_MAC_CTX_new"));
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
            OSSL_PARAM_construct_end()};
        if (EVP_MAC_init(ctx.get(), sa.auth_key.data(), sa.auth_key.size(), params) != 1)
            return make_error(EINVAL, "{}", openssl_error("HMAC key setup"));
        return ctx;
    }

    // RFC 4303 §3.4.4: the ICV covers the ESP header, IV and ciphertext; verified before the
    // payload is decrypted, compared in constant time.
    static CryptoStatus run_cbc(const OpensslSa& sa, CryptoJob& j) {
        uint8_t* esp = j.frame + j.esp_offset;
        uint8_t mac[EVP_MAX_MD_SIZE];
        size_t mac_len = 0;
        // A NULL key re-initialises with the key the context already holds (its pads).
        if (EVP_MAC_init(sa.mac_ctx.get(), nullptr, 0, nullptr) != 1 ||
            EVP_MAC_update(sa.mac_ctx.get(), esp, j.icv_offset - j.esp_offset) != 1 ||
            EVP_MAC_final(sa.mac_ctx.get(), mac, &mac_len, sizeof(mac)) != 1)
            return CryptoStatus::failed;
        if (CRYPTO_memcmp(mac, j.frame + j.icv_offset, sa.icv_len) != 0)
            return CryptoStatus::auth_failed;
        uint8_t* ct = j.frame + j.payload_offset;
        int out_len = 0;
        if (EVP_DecryptInit_ex(sa.cipher_ctx.get(), nullptr, nullptr, nullptr, esp + kEspHeader) != 1 ||
            EVP_DecryptUpdate(sa.cipher_ctx.get(), ct, &out_len, ct,
                              static_cast<int>(j.ciphertext_length())) != 1)
            return CryptoStatus::failed;
        return CryptoStatus::verified;
    }

    // RFC 4106: nonce = salt ‖ IV, AAD = SPI ‖ sequence number. An AEAD verifies in the same
    // pass as it decrypts; the tag is checked (in constant time, by OpenSSL) before the packet
    // is released, and a failed one leaves the frame to be dropped.
    static CryptoStatus run_gcm(const OpensslSa& sa, CryptoJob& j) {
        const uint8_t* esp = j.frame + j.esp_offset;
        uint8_t nonce[12];
        std::memcpy(nonce, sa.salt, 4);
        std::memcpy(nonce + 4, esp + kEspHeader, 8);
        uint8_t tag[16];
        std::memcpy(tag, j.frame + j.icv_offset, sizeof(tag));
        EVP_CIPHER_CTX* c = sa.cipher_ctx.get();
        uint8_t* ct = j.frame + j.payload_offset;
        int len = 0;
        if (EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, nonce) != 1 ||
            EVP_DecryptUpdate(c, nullptr, &len, esp, kEspHeader) != 1 ||
            EVP_DecryptUpdate(c, ct, &len, ct, static_cast<int>(j.ciphertext_length())) != 1 ||
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, sizeof(tag), tag) != 1)
            return CryptoStatus::failed;
        uint8_t last[16];
        return EVP_DecryptFinal_ex(c, last, &len) == 1 ? CryptoStatus::verified
                                                       : CryptoStatus::auth_failed;
    }

    std::unique_ptr<EVP_MAC, MacFree> hmac_;
    std::vector<OpensslSa> sas_;
    CompletionRing done_;
};

}  // namespace

std::unique_ptr<CryptoBackend> make_openssl_backend() {
    return std::make_unique<OpensslBackend>();
}

}  // namespace xdpkit
