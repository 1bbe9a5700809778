// Route netlink (libnl-route) questions about links, addresses and neighbours, asked in the
// namespace the process is in.
#pragma once

#include <string>

#include "core/kernel/addresses.h"
#include "core/base/nl_ptr.h"
#include "core/base/result.h"

namespace xdpkit {

Result<NlSock> connect_route();
// The link by ifindex, or by name when ifindex is 0.
Result<RtnlLink> get_link(nl_sock* sock, int ifindex, const char* name);
// "veth", "bridge", ... ("" for a physical device).
Result<std::string> link_kind(int ifindex);
Result<MacAddress> link_mac(int ifindex);
Result<uint32_t> link_mtu(int ifindex);
// RX queues the device was created with (IFLA_NUM_RX_QUEUES; netlink, not /sys/class/net,
// which shows the namespace sysfs was mounted in rather than the one we entered).
Result<uint32_t> link_rx_queues(int ifindex);
// Frames the device has received (IFLA_STATS64 rx_packets).
Result<uint64_t> link_rx_packets(int ifindex);
// The interface's first global address of this family (AF_INET or AF_INET6).
Result<IpAddress> link_address(int ifindex, int family);
// Sets the link administratively up.
Result<void> set_link_up(int ifindex);
// Adds addr/prefix_len to the link (IPv6 without duplicate address detection: a lab address
// is usable at once).
Result<void> add_address(int ifindex, const IpAddress& addr, int prefix_len);
// The link-layer address the neighbour table holds for addr on ifindex.
Result<MacAddress> neighbour_mac(int ifindex, const IpAddress& addr);

}  // namespace xdpkit
