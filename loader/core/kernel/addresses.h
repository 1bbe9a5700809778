// IP and MAC addresses as the commands take them on the command line.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>

#include "core/base/result.h"

namespace xdpkit {

using MacAddress = std::array<uint8_t, 6>;

struct IpAddress {
    int family = AF_UNSPEC;  // AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{};  // network order; IPv4 in the first 4

    bool v6() const { return family == AF_INET6; }
    size_t size() const { return v6() ? 16 : 4; }
};

Result<IpAddress> parse_ip(const std::string& text);
std::string to_string(const IpAddress& a);
Result<MacAddress> parse_mac(const std::string& text);
std::string to_string(const MacAddress& m);

}  // namespace xdpkit
