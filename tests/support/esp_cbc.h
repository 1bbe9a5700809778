// ESP frames encrypted the way an inline SA expects them (AES-128-CBC, tunnel or not), built
// with OpenSSL and the packet builder so that each byte can be chosen — bad padding included,
// which scapy never writes. For the progs and lab tests of ipsec's inline action.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xdpkit::test {

// The key every such frame is encrypted with, as `--key` takes it.
inline constexpr const char* kEspCbcKey = "000102030405060708090a0b0c0d0e0f";

struct EspSpec {
    uint32_t spi = 0x2000, seq = 1;
    uint8_t next_header = 4;  // 4 / 41: tunnel mode; anything else: transport
    bool bad_padding = false;  // padding 1, 2, 3, ... with its first byte spoiled
    size_t icv_len = 0;        // junk bytes after the cipher text (an unverified SA's ICV)
    uint16_t vlan = 0;         // a VLAN tag in front of the outer IPv4 header
    std::string src = "198.18.0.1", dst = "198.18.0.2";  // outer IPv4 addresses
};

// Eth [VLAN] IPv4 ESP IV cipher-text [ICV]: the plaintext is inner, the padding, pad length and
// next header (RFC 4303 §2.4), AES-128-CBC under kEspCbcKey with an IV derived from seq.
std::vector<uint8_t> esp_frame(const std::vector<uint8_t>& inner, const EspSpec& s);

}  // namespace xdpkit::test
