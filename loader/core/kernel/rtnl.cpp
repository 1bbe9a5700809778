#include "core/kernel/rtnl.h"

#include <linux/neighbour.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>

#include <cstring>
#include <memory>

#include "core/kernel/interface.h"

namespace xdpkit {
namespace {

struct NlCacheFree {
    void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using NlCache = std::unique_ptr<nl_cache, NlCacheFree>;

struct NlAddrPut {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};

struct RtnlAddrPut {
    void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};

struct NeighPut {
    void operator()(rtnl_neigh* n) const { rtnl_neigh_put(n); }
};

// An nl_addr's bytes as a MAC, when it is one.
bool to_mac(nl_addr* a, MacAddress& out) {
    if (!a || nl_addr_get_len(a) != out.size()) return false;
    std::memcpy(out.data(), nl_addr_get_binary_addr(a), out.size());
    return true;
}

}  // namespace

Result<NlSock> connect_route() {
    NlSock sock(nl_socket_alloc());
    if (!sock) return make_error(ENOMEM, "cannot allocate a netlink socket");
    if (int e = nl_connect(sock.get(), NETLINK_ROUTE); e < 0)
        return make_error(EIO, "cannot open a route netlink socket: {}", nl_geterror(e));
    return sock;
}

Result<RtnlLink> get_link(nl_sock* sock, int ifindex, const char* name) {
    rtnl_link* link = nullptr;
    if (int e = rtnl_link_get_kernel(sock, ifindex, name, &link); e < 0)
        return make_error(ENODEV, "cannot read link {}: {}", name ? name : std::to_string(ifindex),
                          nl_geterror(e));
    return RtnlLink(link);
}

Result<std::string> link_kind(int ifindex) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    auto link = get_link(sock->get(), ifindex, nullptr);
    if (!link) return link.error();
    const char* kind = rtnl_link_get_type(link->get());
    return std::string(kind ? kind : "");
}

Result<MacAddress> link_mac(int ifindex) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    auto link = get_link(sock->get(), ifindex, nullptr);
    if (!link) return link.error();
    MacAddress mac{};
    if (!to_mac(rtnl_link_get_addr(link->get()), mac))
        return make_error(EINVAL, "{} has no Ethernet address", interface_name(ifindex));
    return mac;
}

// One attribute of the link, read with a libnl getter.
template <typename T, typename Get>
Result<T> link_attribute(int ifindex, Get get) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    auto link = get_link(sock->get(), ifindex, nullptr);
    if (!link) return link.error();
    return static_cast<T>(get(link->get()));
}

Result<uint32_t> link_mtu(int ifindex) {
    return link_attribute<uint32_t>(ifindex, rtnl_link_get_mtu);
}

Result<uint32_t> link_rx_queues(int ifindex) {
    return link_attribute<uint32_t>(ifindex, rtnl_link_get_num_rx_queues);
}

Result<uint64_t> link_rx_packets(int ifindex) {
    return link_attribute<uint64_t>(
        ifindex, [](rtnl_link* l) { return rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS); });
}

Result<IpAddress> link_address(int ifindex, int family) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    nl_cache* raw = nullptr;
    if (int e = rtnl_addr_alloc_cache(sock->get(), &raw); e < 0)
        return make_error(EIO, "cannot read addresses: {}", nl_geterror(e));
    NlCache cache(raw);
    for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
        auto* a = reinterpret_cast<rtnl_addr*>(o);
        if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != family ||
            rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE)
            continue;
        nl_addr* local = rtnl_addr_get_local(a);
        IpAddress out;
        out.family = family;
        if (!local || nl_addr_get_len(local) != out.size()) continue;
        std::memcpy(out.bytes.data(), nl_addr_get_binary_addr(local), out.size());
        return out;
    }
    return make_error(EADDRNOTAVAIL, "{} has no global {} address", interface_name(ifindex),
                      family == AF_INET6 ? "IPv6" : "IPv4");
}

Result<void> set_link_up(int ifindex) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    auto link = get_link(sock->get(), ifindex, nullptr);
    if (!link) return link.error();
    RtnlLink change(rtnl_link_alloc());
    rtnl_link_set_flags(change.get(), IFF_UP);
    if (int e = rtnl_link_change(sock->get(), link->get(), change.get(), 0); e < 0)
        return make_error(EIO, "cannot set {} up: {}", interface_name(ifindex), nl_geterror(e));
    return {};
}

Result<void> add_address(int ifindex, const IpAddress& addr, int prefix_len) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    std::unique_ptr<rtnl_addr, RtnlAddrPut> a(rtnl_addr_alloc());
    std::unique_ptr<nl_addr, NlAddrPut> local(
        nl_addr_build(addr.family, addr.bytes.data(), addr.size()));
    if (!a || !local) return make_error(ENOMEM, "cannot allocate an address");
    nl_addr_set_prefixlen(local.get(), prefix_len);
    rtnl_addr_set_ifindex(a.get(), ifindex);
    rtnl_addr_set_local(a.get(), local.get());
    if (addr.family == AF_INET6) rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
    if (int e = rtnl_addr_add(sock->get(), a.get(), 0); e < 0)
        return make_error(EIO, "cannot add {}/{} to {}: {}", to_string(addr), prefix_len,
                          interface_name(ifindex), nl_geterror(e));
    return {};
}

Result<MacAddress> neighbour_mac(int ifindex, const IpAddress& addr) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    nl_cache* raw = nullptr;
    if (int e = rtnl_neigh_alloc_cache(sock->get(), &raw); e < 0)
        return make_error(EIO, "cannot read the neighbour table: {}", nl_geterror(e));
    NlCache cache(raw);
    std::unique_ptr<nl_addr, NlAddrPut> dst(
        nl_addr_build(addr.family, addr.bytes.data(), addr.size()));
    std::unique_ptr<rtnl_neigh, NeighPut> n(rtnl_neigh_get(cache.get(), ifindex, dst.get()));
    MacAddress mac{};
    if (!n || (rtnl_neigh_get_state(n.get()) & (NUD_INCOMPLETE | NUD_FAILED)) ||
        !to_mac(rtnl_neigh_get_lladdr(n.get()), mac))
        return make_error(ENOENT, "no neighbour entry for {} on {}", to_string(addr),
                          interface_name(ifindex));
    return mac;
}

}  // namespace xdpkit
