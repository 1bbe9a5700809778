#include "core/ipsec/crypto_backend.h"

#include "core/kernel/qat.h"

namespace xdpkit {

const std::vector<std::string>& crypto_backend_names() {
    static const std::vector<std::string> names{"openssl", "ipsec-mb", "qat"};
    return names;
}

Result<void> check_engine_sa(const SecurityAssociation& sa, const std::string& backend) {
    const bool cbc = sa.cipher == IPSEC_CIPHER_AES_CBC_128 &&
                     (sa.auth == IPSEC_AUTH_HMAC_SHA1_96 || sa.auth == IPSEC_AUTH_HMAC_SHA256_128);
    const bool gcm = sa.cipher == IPSEC_CIPHER_AES_GCM_128 && sa.auth == IPSEC_AUTH_NONE;
    if (!cbc && !gcm)
        return make_error(EINVAL, "SA 0x{:x}: the {} backend runs aes-cbc-128 with hmac-sha1-96 "
                                  "or hmac-sha256-128, and aes-gcm-128; not {} with {}",
                          sa.spi, backend, cipher_name(sa.cipher), auth_name(sa.auth));
    if (sa.key.size() != key_length(sa.cipher) ||
        (cbc && sa.auth_key.size() != auth_key_length(sa.auth)) || (gcm && sa.salt.size() != 4))
        return make_error(EINVAL, "SA 0x{:x}: {} needs a {}-byte key{}", sa.spi,
                          cipher_name(sa.cipher), key_length(sa.cipher),
                          gcm ? " and a 4-byte salt"
                              : fmt::format(" and a {}-byte auth key", auth_key_length(sa.auth)));
    return {};
}

Result<std::unique_ptr<CryptoBackend>> make_crypto_backend(const std::string& name) {
    if (name == "openssl") return make_openssl_backend();
    if (name == "ipsec-mb") return make_ipsec_mb_backend();
    // No pretend backend: without qatlib a QAT device can be found but not driven.
    if (name == "qat") return qat_unavailable(find_qat_devices());
    return make_error(EINVAL, "unknown crypto backend '{}'; use openssl, ipsec-mb or qat", name);
}

}  // namespace xdpkit
