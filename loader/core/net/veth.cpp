#include "core/net/veth.h"

#include <net/if.h>
#include <netlink/route/link/veth.h>

#include <optional>

#include "core/kernel/interface.h"
#include "core/kernel/netns.h"
#include "core/kernel/rtnl.h"

namespace xdpkit {
namespace {

void configure_end(rtnl_link* l, const std::string& name, const VethSpec& spec) {
    rtnl_link_set_name(l, name.c_str());
    if (spec.mtu) rtnl_link_set_mtu(l, spec.mtu);
    if (spec.queues) {
        rtnl_link_set_num_rx_queues(l, spec.queues);
        rtnl_link_set_num_tx_queues(l, spec.queues);
    }
}

Result<void> set_up(const std::string& name) {
    auto iface = find_interface(name);
    if (!iface) return iface.error();
    return set_link_up(iface->ifindex);
}

}  // namespace

Result<void> create_veth(const VethSpec& spec) {
    std::optional<NetnsGuard> inside;
    if (!spec.netns.empty()) {
        auto g = NetnsGuard::enter(spec.netns);
        if (!g) return g.error();
        inside.emplace(std::move(*g));
    }
    Fd peer_ns;
    if (!spec.peer_netns.empty() && spec.peer_netns != spec.netns) {
        auto fd = open_netns(spec.peer_netns);
        if (!fd) return fd.error();
        peer_ns = std::move(*fd);
    }
    // The socket belongs to the namespace it is opened in: the one just entered.
    auto sock = connect_route();
    if (!sock) return sock.error();
    RtnlLink link(rtnl_link_veth_alloc());
    if (!link) return make_error(ENOMEM, "cannot allocate a veth link");
    rtnl_link* peer = rtnl_link_veth_get_peer(link.get());
    configure_end(link.get(), spec.name, spec);
    configure_end(peer, spec.peer, spec);
    if (peer_ns.valid()) rtnl_link_set_ns_fd(peer, peer_ns.get());
    const int e = rtnl_link_add(sock->get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(peer);  // rtnl_link_veth_get_peer took a reference
    if (e < 0)
        return make_error(EIO, "cannot create veth pair {}/{}: {}", spec.name, spec.peer,
                          nl_geterror(e));
    if (!spec.up) return {};
    // Up afterwards, each end where it now lives: IFF_UP in the creating request (peer moved
    // by it) fails here with libnl's "Unspecific failure".
    XDPKIT_TRY(set_up(spec.name));
    if (!peer_ns.valid()) return set_up(spec.peer);
    auto at_peer = NetnsGuard::enter(spec.peer_netns);
    if (!at_peer) return at_peer.error();
    return set_up(spec.peer);
}

}  // namespace xdpkit
