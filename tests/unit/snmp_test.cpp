// The stack's counters as /proc/net/snmp words them: a line of names, then a line of values.
#include <gtest/gtest.h>

#include <cstdint>

#include "core/kernel/snmp.h"

namespace xdpkit {
namespace {

constexpr const char* kSnmp =
    "Ip: Forwarding DefaultTTL InReceives InDelivers\n"
    "Ip: 2 64 1197 1190\n"
    "Udp: InDatagrams NoPorts InErrors OutDatagrams\n"
    "Udp: 51 18446744073709551615 0 54\n"
    "UdpLite: InDatagrams NoPorts InErrors OutDatagrams\n"
    "UdpLite: 0 7 0 0\n";

TEST(Snmp, CounterByGroupAndName) {
    auto no_ports = parse_snmp_counter(kSnmp, "Udp", "NoPorts");
    ASSERT_TRUE(no_ports) << no_ports.error().message;
    EXPECT_EQ(*no_ports, UINT64_MAX) << "64-bit counters in full";
    EXPECT_EQ(*parse_snmp_counter(kSnmp, "UdpLite", "NoPorts"), 7u) << "not Udp's";
    EXPECT_EQ(*parse_snmp_counter(kSnmp, "Ip", "InDelivers"), 1190u);
    EXPECT_FALSE(parse_snmp_counter(kSnmp, "Udp", "Nosuch"));
    EXPECT_FALSE(parse_snmp_counter(kSnmp, "Tcp", "InSegs"));
    EXPECT_FALSE(parse_snmp_counter("Udp: NoPorts\nUdp: many\n", "Udp", "NoPorts"));
    EXPECT_FALSE(parse_snmp_counter("Udp: NoPorts\n", "Udp", "NoPorts")) << "no value line";
}

}  // namespace
}  // namespace xdpkit
