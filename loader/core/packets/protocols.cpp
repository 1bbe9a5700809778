#include "core/packets/protocols.h"

#include <array>
#include <charconv>
#include <utility>

#include <fmt/ranges.h>

namespace xdpkit {
namespace {

// The common ones, spelt as /etc/protocols and tcpdump spell them.
constexpr std::array<std::pair<const char*, uint32_t>, 16> kProtocols = {{
    {"hopopt", 0},
    {"icmp", 1},
    {"igmp", 2},
    {"ipip", 4},
    {"tcp", 6},
    {"udp", 17},
    {"ipv6", 41},
    {"ipv6-route", 43},
    {"ipv6-frag", 44},
    {"gre", 47},
    {"esp", 50},
    {"ah", 51},
    {"icmpv6", 58},
    {"ipv6-opts", 60},
    {"sctp", 132},
    {"udplite", 136},
}};

}  // namespace

std::string ip_proto_name(uint32_t proto) {
    for (const auto& [name, number] : kProtocols)
        if (number == proto) return name;
    return std::to_string(proto);
}

Result<uint32_t> parse_ip_proto(const std::string& text) {
    for (const auto& [name, number] : kProtocols)
        if (text == name) return number;
    uint32_t v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (!text.empty() && ec == std::errc() && ptr == end && v <= 255) return v;
    return make_error(EINVAL, "unknown IP protocol '{}' (names: {}; or a number 0-255)", text,
                      fmt::join(ip_proto_names(), ", "));
}

std::vector<std::string> ip_proto_names() {
    std::vector<std::string> names;
    for (const auto& [name, number] : kProtocols) names.emplace_back(name);
    return names;
}

}  // namespace xdpkit
