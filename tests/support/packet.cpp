#include "packet.h"

#include <arpa/inet.h>

#include <stdexcept>

namespace xdpkit::test {
namespace {

constexpr uint16_t kEthIp = 0x0800, kEthIpv6 = 0x86dd;

void put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
    b[off] = static_cast<uint8_t>(v >> 8);
    b[off + 1] = static_cast<uint8_t>(v);
}

template <size_t N>
std::array<uint8_t, N> parse_addr(int af, const std::string& s) {
    std::array<uint8_t, N> a{};
    if (inet_pton(af, s.c_str(), a.data()) != 1) throw std::invalid_argument("bad address " + s);
    return a;
}

}  // namespace

uint16_t Packet::ipv4_checksum(const uint8_t* p, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

const Packet::Layer& Packet::last_ip() const {
    for (auto l = layers_.rbegin(); l != layers_.rend(); ++l)
        if (l->kind == Kind::Ipv4 || l->kind == Kind::Ipv6) return *l;
    throw std::logic_error("no IP header to set");
}

Packet& Packet::ipv4_fragment(uint16_t offset_units, bool more) {
    const Layer& ip = last_ip();
    if (ip.kind != Kind::Ipv4) throw std::logic_error("ipv4_fragment after an IPv6 header");
    put16(buf_, ip.offset + 6, static_cast<uint16_t>((more ? 0x2000 : 0) | (offset_units & 0x1fff)));
    return *this;
}

Packet& Packet::ttl(uint8_t hops) {
    const Layer& ip = last_ip();
    buf_[ip.offset + (ip.kind == Kind::Ipv4 ? 8 : 7)] = hops;
    return *this;
}

void Packet::push(Kind k, const std::vector<uint8_t>& hdr) {
    layers_.push_back({k, buf_.size()});
    buf_.insert(buf_.end(), hdr.begin(), hdr.end());
}

// Writes the "next header" field of the layer below the one being added.
void Packet::set_next(uint16_t ethertype, uint8_t ip_proto) {
    if (layers_.empty()) return;
    const Layer& l = layers_.back();
    switch (l.kind) {
    case Kind::Eth: put16(buf_, l.offset + 12, ethertype); break;
    case Kind::Vlan: put16(buf_, l.offset + 2, ethertype); break;
    case Kind::Ipv4: buf_[l.offset + 9] = ip_proto; break;
    case Kind::Ipv6: buf_[l.offset + 6] = ip_proto; break;
    case Kind::Ipv6Ext: buf_[l.offset] = ip_proto; break;
    default: break;
    }
}

Packet& Packet::eth(Mac src, Mac dst) {
    std::vector<uint8_t> h(dst.begin(), dst.end());
    h.insert(h.end(), src.begin(), src.end());
    h.push_back(0);
    h.push_back(0);
    push(Kind::Eth, h);
    return *this;
}

Packet& Packet::vlan(uint16_t id, uint16_t tpid) {
    // The TPID sits in the EtherType field of the layer below.
    set_next(tpid, 0);
    std::vector<uint8_t> h(4, 0);
    put16(h, 0, id & 0x0fff);
    push(Kind::Vlan, h);
    return *this;
}

Packet& Packet::ethertype(uint16_t type) {
    set_next(type, 0);
    return *this;
}

Packet& Packet::ipv4(const std::string& src, const std::string& dst, uint8_t options_words) {
    set_next(kEthIp, 0);
    std::vector<uint8_t> h(20 + 4 * options_words, 0);
    h[0] = static_cast<uint8_t>(0x40 | (5 + options_words));
    h[8] = 64;  // TTL
    for (size_t i = 20; i < h.size(); ++i) h[i] = 1;  // NOP options
    const auto s = parse_addr<4>(AF_INET, src), d = parse_addr<4>(AF_INET, dst);
    std::copy(s.begin(), s.end(), h.begin() + 12);
    std::copy(d.begin(), d.end(), h.begin() + 16);
    push(Kind::Ipv4, h);
    return *this;
}

Packet& Packet::ipv6(const std::string& src, const std::string& dst) {
    set_next(kEthIpv6, 0);
    std::vector<uint8_t> h(40, 0);
    h[0] = 0x60;
    h[7] = 64;  // hop limit
    const auto s = parse_addr<16>(AF_INET6, src), d = parse_addr<16>(AF_INET6, dst);
    std::copy(s.begin(), s.end(), h.begin() + 8);
    std::copy(d.begin(), d.end(), h.begin() + 24);
    push(Kind::Ipv6, h);
    return *this;
}

Packet& Packet::ipv6_ext(uint8_t type, uint8_t len_units) {
    set_next(0, type);
    const size_t size = type == 44 ? 8 : type == 51 ? (len_units + 2) * 4u : (len_units + 1) * 8u;
    std::vector<uint8_t> h(size, 0);
    if (type != 44) h[1] = len_units;  // a fragment header's second byte is reserved
    push(Kind::Ipv6Ext, h);
    return *this;
}

Packet& Packet::ipv6_fragment(uint16_t offset_units, bool more) {
    ipv6_ext(44);
    put16(buf_, layers_.back().offset + 2,
          static_cast<uint16_t>((offset_units << 3) | (more ? 1 : 0)));
    return *this;
}

Packet& Packet::udp(uint16_t sport, uint16_t dport) {
    set_next(0, 17);
    std::vector<uint8_t> h(8, 0);
    put16(h, 0, sport);
    put16(h, 2, dport);
    push(Kind::L4, h);
    return *this;
}

Packet& Packet::tcp(uint16_t sport, uint16_t dport) {
    set_next(0, 6);
    std::vector<uint8_t> h(20, 0);
    put16(h, 0, sport);
    put16(h, 2, dport);
    h[12] = 5 << 4;  // data offset
    h[13] = 0x02;    // SYN
    push(Kind::L4, h);
    return *this;
}

Packet& Packet::icmp_echo() {
    set_next(0, 1);
    push(Kind::L4, {8, 0, 0, 0, 0, 1, 0, 1});
    return *this;
}

Packet& Packet::icmpv6_echo() {
    set_next(0, 58);
    push(Kind::L4, {128, 0, 0, 0, 0, 1, 0, 1});
    return *this;
}

Packet& Packet::proto(uint8_t ip_proto) {
    set_next(0, ip_proto);
    return *this;
}

Packet& Packet::esp(uint32_t spi, uint32_t seq) {
    set_next(0, 50);  // ignored after UDP: the port says it is ESP
    std::vector<uint8_t> h(8, 0);
    put16(h, 0, static_cast<uint16_t>(spi >> 16));
    put16(h, 2, static_cast<uint16_t>(spi));
    put16(h, 4, static_cast<uint16_t>(seq >> 16));
    put16(h, 6, static_cast<uint16_t>(seq));
    push(Kind::Esp, h);
    return *this;
}

Packet& Packet::payload(size_t n, uint8_t fill) {
    push(Kind::Payload, std::vector<uint8_t>(n, fill));
    return *this;
}

std::vector<uint8_t> Packet::bytes() const {
    std::vector<uint8_t> b = buf_;
    for (const Layer& l : layers_) {
        const size_t rest = b.size() - l.offset;
        if (l.kind == Kind::Ipv4) {
            put16(b, l.offset + 2, static_cast<uint16_t>(rest));
            const size_t ihl = (b[l.offset] & 0x0f) * 4u;
            put16(b, l.offset + 10, 0);
            put16(b, l.offset + 10, ipv4_checksum(&b[l.offset], ihl));
        } else if (l.kind == Kind::Ipv6) {
            put16(b, l.offset + 4, static_cast<uint16_t>(rest - 40));
        } else if (l.kind == Kind::L4 && b.size() >= l.offset + 8 && &l != &layers_.front()) {
            // UDP's length field; harmless for ICMP/TCP, whose bytes 4-5 we leave alone.
            const Layer* prev = &l - 1;
            const uint8_t proto = prev->kind == Kind::Ipv4   ? b[prev->offset + 9]
                                  : prev->kind == Kind::Ipv6 ? b[prev->offset + 6]
                                                             : b[prev->offset];
            if (proto == 17) put16(b, l.offset + 4, static_cast<uint16_t>(rest));
        }
    }
    return b;
}

}  // namespace xdpkit::test
