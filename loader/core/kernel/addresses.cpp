#include "core/kernel/addresses.h"

#include <arpa/inet.h>

#include <cstdio>

#include <fmt/format.h>

namespace xdpkit {

Result<IpAddress> parse_ip(const std::string& text) {
    IpAddress a;
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET;
        return a;
    }
    if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        return a;
    }
    return make_error(EINVAL, "'{}' is not an IPv4 or IPv6 address", text);
}

std::string to_string(const IpAddress& a) {
    char buf[INET6_ADDRSTRLEN] = "";
    inet_ntop(a.family, a.bytes.data(), buf, sizeof(buf));
    return buf;
}

Result<MacAddress> parse_mac(const std::string& text) {
    MacAddress m{};
    unsigned v[6];
    char tail;
    if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
                    &v[5], &tail) != 6)
        return make_error(EINVAL, "'{}' is not a MAC address (expected aa:bb:cc:dd:ee:ff)", text);
    for (int i = 0; i < 6; ++i) m[i] = static_cast<uint8_t>(v[i]);
    return m;
}

std::string to_string(const MacAddress& m) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4],
                       m[5]);
}

}  // namespace xdpkit
