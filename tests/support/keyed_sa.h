// An SA with fixed, valid keys for every algorithm the engine knows: what the tests that
// encrypt and decrypt need, whatever the algorithms under test.
#pragma once

#include <stdexcept>
#include <string>

#include "core/ipsec/ipsec_sa.h"

namespace xdpkit::test {

inline SecurityAssociation keyed_sa(const std::string& cipher, const std::string& auth,
                                    const std::string& dst, const std::string& spi = "0x4242") {
    SaFields f;
    f.spi = spi;
    f.dst = dst;
    f.action = "xsk:0";
    f.cipher = cipher;
    f.auth = auth;
    f.key = "000102030405060708090a0b0c0d0e0f";
    if (auth == "hmac-sha1-96") f.auth_key = "101112131415161718191a1b1c1d1e1f20212223";
    if (auth == "hmac-sha256-128")
        f.auth_key = "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f";
    if (cipher == "aes-gcm-128") f.salt = "cafebabe";
    auto sa = make_sa(f);
    if (!sa) throw std::runtime_error(sa.error().message);
    return *sa;
}

}  // namespace xdpkit::test
