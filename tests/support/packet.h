// A small fluent packet builder for fixtures that read like packets (katran's style):
//   Packet().eth().vlan(100).ipv4("198.18.0.1", "198.18.0.2").udp(1000, 2000).payload(18)
// Lengths and the IPv4 header checksum are filled in by bytes(); UDP/ICMP checksums are not
// (the programs under test do not verify them).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace xdpkit::test {

class Packet {
public:
    using Mac = std::array<uint8_t, 6>;
    static constexpr Mac kSrcMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    static constexpr Mac kDstMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

    Packet& eth(Mac src = kSrcMac, Mac dst = kDstMac);
    Packet& vlan(uint16_t id, uint16_t tpid = 0x8100);  // 0x88a8 for the outer QinQ tag
    Packet& ethertype(uint16_t type);                    // a bare EtherType (ARP, ...)
    Packet& ipv4(const std::string& src = "198.18.0.1", const std::string& dst = "198.18.0.2",
                 uint8_t options_words = 0);
    Packet& ipv6(const std::string& src = "fc00:dead:cafe::1",
                 const std::string& dst = "fc00:dead:cafe::2");
    // An IPv6 extension header of any kind the programs skip, its body zero (Pad1 options):
    // hop-by-hop (0), routing (43), destination options (60), Mobility (135), HIP (139),
    // Shim6 (140) are (len_units + 1) * 8 bytes (RFC 8200 §4.3); AH (51) is (len_units + 2) * 4
    // (RFC 4302 §2.2; even len_units keep IPv6's 8-byte alignment); a fragment header (44) is
    // 8 bytes, offset 0 and no M flag: an atomic fragment (RFC 6946), see ipv6_fragment.
    Packet& ipv6_ext(uint8_t type, uint8_t len_units = 0);
    // A fragment header (RFC 8200 §4.5): offset in 8-octet units, M flag.
    Packet& ipv6_fragment(uint16_t offset_units, bool more);
    // The last IPv4 header's fragment offset (8-octet units) and MF flag (RFC 791).
    Packet& ipv4_fragment(uint16_t offset_units, bool more);
    // The last IP header's TTL (IPv4) or hop limit (IPv6); both are 64 unless set.
    Packet& ttl(uint8_t hops);
    Packet& udp(uint16_t sport = 1024, uint16_t dport = 9);
    Packet& tcp(uint16_t sport = 1024, uint16_t dport = 80);
    Packet& icmp_echo();    // ICMPv4 echo request
    Packet& icmpv6_echo();  // ICMPv6 echo request
    Packet& proto(uint8_t ip_proto);  // just set the protocol field, no L4 header
    // ESP's SPI and sequence number (RFC 4303 §2); IV, payload and ICV are payload() bytes.
    // After udp(4500, 4500) it is NAT-T's ESP in UDP.
    Packet& esp(uint32_t spi, uint32_t seq);
    Packet& payload(size_t n, uint8_t fill = 0xab);

    std::vector<uint8_t> bytes() const;
    // The IPv4 header checksum of hdr[0, len) as written into the header (RFC 791): over a
    // header that carries its checksum, 0 when that checksum is right.
    static uint16_t ipv4_checksum(const uint8_t* hdr, size_t len);

private:
    enum class Kind { Eth, Vlan, Ipv4, Ipv6, Ipv6Ext, L4, Esp, Payload };
    struct Layer {
        Kind kind;
        size_t offset;
    };
    void set_next(uint16_t ethertype, uint8_t ip_proto);
    void push(Kind k, const std::vector<uint8_t>& hdr);
    const Layer& last_ip() const;

    std::vector<uint8_t> buf_;
    std::vector<Layer> layers_;
};

}  // namespace xdpkit::test
