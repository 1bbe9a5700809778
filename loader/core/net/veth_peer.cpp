#include "core/net/veth_peer.h"

#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>


#include "core/kernel/netns.h"
#include "core/kernel/nl_request.h"
#include "core/kernel/rtnl.h"

namespace xdpkit {
namespace {

std::string kind_of(rtnl_link* link) {
    const char* kind = rtnl_link_get_type(link);
    return kind && *kind ? kind : "none";
}

// The id this namespace gives the namespace behind ns_fd, or NETNSA_NSID_NOT_ASSIGNED.
Result<int32_t> nsid_of(nl_sock* sock, int ns_fd, const std::string& name) {
    NlMsg msg(nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST));
    rtgenmsg g{};
    g.rtgen_family = AF_UNSPEC;
    if (!msg || nlmsg_append(msg.get(), &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
        nla_put_u32(msg.get(), NETNSA_FD, static_cast<uint32_t>(ns_fd)) < 0)
        return make_error(ENOMEM, "cannot build an RTM_GETNSID request");
    int32_t nsid = NETNSA_NSID_NOT_ASSIGNED;
    XDPKIT_TRY(nl_request(sock, msg.get(), "cannot ask the id of network namespace '" + name + "'",
                          [&nsid](nl_msg* m) {
                              nlattr* tb[NETNSA_MAX + 1] = {};
                              if (nlmsg_parse(nlmsg_hdr(m), sizeof(rtgenmsg), tb, NETNSA_MAX,
                                              nullptr) == 0 &&
                                  tb[NETNSA_NSID] && nla_len(tb[NETNSA_NSID]) >= 4)
                                  nsid = static_cast<int32_t>(nla_get_u32(tb[NETNSA_NSID]));
                          }));
    return nsid;
}

// The peer's name, read where it lives (this thread's namespace at the time); the peer must
// point back at the veth we started from.
Result<std::string> peer_name_here(int peer_ifindex, int self_ifindex, const std::string& self_name) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    auto link = get_link(sock->get(), peer_ifindex, nullptr);
    if (!link) return link.error();
    if (kind_of(link->get()) != "veth" || rtnl_link_get_link(link->get()) != self_ifindex)
        return make_error(ENODEV, "{}: ifindex {} in network namespace '{}' is not its peer",
                          self_name, peer_ifindex, current_netns_name());
    return std::string(rtnl_link_get_name(link->get()));
}

}  // namespace

Result<std::string> named_netns_with_nsid(int32_t nsid) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    for (const auto& name : list_named_netns()) {
        auto fd = open_netns(name);
        if (!fd) continue;  // removed while we looked
        auto id = nsid_of(sock->get(), fd->get(), name);
        if (!id) return id.error();
        if (*id == nsid) return name;
    }
    return std::string();
}

Result<VethPeer> find_veth_peer(int ifindex) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    auto link = get_link(sock->get(), ifindex, nullptr);
    if (!link) return link.error();
    const std::string name = rtnl_link_get_name(link->get());
    const std::string kind = kind_of(link->get());
    if (kind != "veth")
        return make_error(EINVAL,
                          "{} is not a veth (kind {}): only a veth needs its peer readied to "
                          "receive XDP frames; see 'xdpkit probe {}'",
                          name, kind, name);
    VethPeer peer;
    peer.ifindex = rtnl_link_get_link(link->get());
    if (peer.ifindex <= 0)
        return make_error(ENODEV, "{}: the kernel names no peer for this veth", name);
    int32_t nsid = 0;
    if (rtnl_link_get_link_netnsid(link->get(), &nsid) == 0) {
        auto ns = named_netns_with_nsid(nsid);
        if (!ns) return ns.error();
        if (ns->empty())
            return make_error(ENOENT,
                              "{}: its peer (ifindex {}) is in a network namespace without a "
                              "name under /run/netns (nsid {}); name it ('ip netns attach NAME "
                              "PID') so xdpkit can enter it",
                              name, peer.ifindex, nsid);
        peer.netns = *ns;
    }
    auto pname = in_netns(peer.netns, [&] { return peer_name_here(peer.ifindex, ifindex, name); });
    if (!pname) return pname.error();
    peer.name = *pname;
    return peer;
}

}  // namespace xdpkit
