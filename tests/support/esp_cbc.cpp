#include "support/esp_cbc.h"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

#include "support/packet.h"

namespace xdpkit::test {

std::vector<uint8_t> esp_frame(const std::vector<uint8_t>& inner, const EspSpec& s) {
    static const uint8_t key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    std::vector<uint8_t> plain = inner;
    size_t pad = (16 - (plain.size() + 2) % 16) % 16;
    if (s.bad_padding && pad == 0) pad = 16;
    for (size_t i = 1; i <= pad; ++i) plain.push_back(static_cast<uint8_t>(i));
    if (s.bad_padding) plain[inner.size()] ^= 0x40;
    plain.push_back(static_cast<uint8_t>(pad));
    plain.push_back(s.next_header);
    std::vector<uint8_t> iv(16);
    for (size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<uint8_t>(0xc0 + i + s.seq);
    std::vector<uint8_t> cipher(plain.size());
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    int n = 0;
    const bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), nullptr, key, iv.data()) == 1 &&
                    EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
                    EVP_EncryptUpdate(c, cipher.data(), &n, plain.data(),
                                      static_cast<int>(plain.size())) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok || static_cast<size_t>(n) != plain.size())
        throw std::runtime_error("OpenSSL could not encrypt the test frame");
    Packet p;
    p.eth();
    if (s.vlan) p.vlan(s.vlan);
    auto frame = p.ipv4(s.src, s.dst).esp(s.spi, s.seq)
                     .payload(iv.size() + cipher.size() + s.icv_len, 0x5a).bytes();
    const size_t body = frame.size() - s.icv_len - cipher.size() - iv.size();
    std::copy(iv.begin(), iv.end(), frame.begin() + static_cast<long>(body));
    std::copy(cipher.begin(), cipher.end(), frame.begin() + static_cast<long>(body + iv.size()));
    return frame;
}

}  // namespace xdpkit::test
