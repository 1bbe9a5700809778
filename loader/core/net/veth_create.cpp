#include "core/net/veth_create.h"

#include <net/if.h>
#include <netlink/route/link.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/kernel/interface.h"
#include "core/kernel/netns.h"
#include "core/kernel/rtnl.h"
#include "core/net/veth.h"

namespace xdpkit {
namespace {

Result<void> name_free(const std::string& name) {
    if (::if_nametoindex(name.c_str()) == 0) return {};
    return make_error(EEXIST, "{} exists already in network namespace '{}'; choose another name",
                      name, current_netns_name());
}

Result<VethEndInfo> read_end(const std::string& name) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    auto link = get_link(sock->get(), 0, name.c_str());
    if (!link) return link.error();
    rtnl_link* l = link->get();
    return VethEndInfo{name,
                       current_netns_name(),
                       rtnl_link_get_ifindex(l),
                       rtnl_link_get_num_rx_queues(l),
                       rtnl_link_get_num_tx_queues(l),
                       rtnl_link_get_mtu(l),
                       (rtnl_link_get_flags(l) & IFF_UP) != 0};
}

}  // namespace

uint32_t online_cpu_count() {
    const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<uint32_t>(n) : 1;
}

Result<void> check_veth_create(const VethCreateRequest& req) {
    XDPKIT_TRY(check_ifname(req.name));
    XDPKIT_TRY(check_ifname(req.peer));
    if (req.queues > kMaxVethQueues)
        return make_error(EINVAL, "--queues {}: the kernel allows 1 to {}", req.queues,
                          kMaxVethQueues);
    if (req.mtu != 0 && (req.mtu < kMinVethMtu || req.mtu > kMaxVethMtu))
        return make_error(EINVAL, "--mtu {}: veth takes {} to {}", req.mtu, kMinVethMtu,
                          kMaxVethMtu);
    if (req.peer_netns.empty() && req.name == req.peer)
        return make_error(EINVAL, "NAME and PEER are both '{}'; two ends in one namespace need "
                          "two names", req.name);
    if (!req.peer_netns.empty()) {
        auto ns = open_netns(req.peer_netns);
        if (!ns) return ns.error();
    }
    XDPKIT_TRY(name_free(req.name));
    return in_netns(req.peer_netns, [&] { return name_free(req.peer); });
}

Result<VethCreateResult> create_veth_pair(const VethCreateRequest& req) {
    XDPKIT_TRY(check_veth_create(req));
    const uint32_t queues = req.queues ? req.queues : online_cpu_count();
    XDPKIT_TRY(create_veth(VethSpec{req.name, "", req.peer, req.peer_netns, req.mtu, queues}));
    auto end = read_end(req.name);
    if (!end) return end.error();
    auto peer = in_netns(req.peer_netns, [&] { return read_end(req.peer); });
    if (!peer) return peer.error();
    VethCreateResult r{*end, *peer, {}};
    if (r.end.mtu > kVethMaxMtuWithoutFrags)
        r.notes.push_back(fmt::format(
            "mtu {} is above {}: natively, only xdp.frags programs attach to this pair (others "
            "fail with ERANGE, 'Peer MTU is too large'); xdpkit's programs are xdp.frags",
            r.end.mtu, kVethMaxMtuWithoutFrags));
    return r;
}

}  // namespace xdpkit
