#include "netdev_features.h"

#include "nl_ptr.h"

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include <fmt/format.h>

#include "rtnl.h"

namespace xdpkit {
namespace {

using namespace netdev_uapi;

// Bit names in bit order, as Documentation/netlink/specs/netdev.yaml spells them.
constexpr std::array<std::string_view, 7> kXdpActNames = {
    "basic", "redirect", "ndo-xmit", "xsk-zerocopy", "hw-offload", "rx-sg", "ndo-xmit-sg"};
constexpr std::array<std::string_view, 3> kRxMetadataNames = {"timestamp", "hash", "vlan-tag"};
constexpr std::array<std::string_view, 3> kXskNames = {"tx-timestamp", "tx-checksum",
                                                       "tx-launch-time-fifo"};

template <size_t N>
std::vector<std::string> bit_names(uint64_t bits, const std::array<std::string_view, N>& names) {
    std::vector<std::string> out;
    for (unsigned bit = 0; bit < 64; ++bit) {
        if (!(bits & (uint64_t{1} << bit))) continue;
        out.push_back(bit < N ? std::string(names[bit]) : "bit-" + std::to_string(bit));
    }
    return out;
}


// What the callbacks saw: the reply's attributes, or the kernel's errno.
struct Reply {
    NetdevFeatures features;
    bool received = false;
    int kernel_err = 0;
};

uint64_t get_u64(nlattr* a) { return a ? nla_get_u64(a) : 0; }

int on_dev(nl_msg* msg, void* arg) {
    auto* reply = static_cast<Reply*>(arg);
    auto* gnlh = static_cast<genlmsghdr*>(nlmsg_data(nlmsg_hdr(msg)));
    // The policy makes nla_parse reject a short attribute before nla_get_* reads it.
    nla_policy policy[NETDEV_A_DEV_MAX + 1] = {};
    policy[NETDEV_A_DEV_XDP_FEATURES].type = NLA_U64;
    policy[NETDEV_A_DEV_XDP_ZC_MAX_SEGS].type = NLA_U32;
    policy[NETDEV_A_DEV_XDP_RX_METADATA_FEATURES].type = NLA_U64;
    policy[NETDEV_A_DEV_XSK_FEATURES].type = NLA_U64;
    nlattr* tb[NETDEV_A_DEV_MAX + 1] = {};
    if (nla_parse(tb, NETDEV_A_DEV_MAX, genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0),
                  policy) < 0) {
        reply->kernel_err = EBADMSG;
        return NL_STOP;
    }
    NetdevFeatures& f = reply->features;
    f.xdp = get_u64(tb[NETDEV_A_DEV_XDP_FEATURES]);
    f.rx_metadata = get_u64(tb[NETDEV_A_DEV_XDP_RX_METADATA_FEATURES]);
    f.xsk = get_u64(tb[NETDEV_A_DEV_XSK_FEATURES]);
    if (nlattr* a = tb[NETDEV_A_DEV_XDP_ZC_MAX_SEGS]) f.zc_max_segs = nla_get_u32(a);
    reply->received = true;
    return NL_STOP;
}

// libnl translates the kernel's errno into its own codes; keep the errno for the user.
int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
    static_cast<Reply*>(arg)->kernel_err = -err->error;
    return NL_STOP;
}

Error nl_failure(const char* what, int nlerr) {
    return make_error(EIO, "{}: {}", what, nl_geterror(nlerr));
}

Result<NlSock> connect_genl() {
    NlSock sock(nl_socket_alloc());
    if (!sock) return make_error(ENOMEM, "cannot allocate a netlink socket");
    if (int e = genl_connect(sock.get()); e < 0)
        return nl_failure("cannot open a generic netlink socket", e);
    return sock;
}

Result<void> send_dev_get(nl_sock* sock, int family, int ifindex) {
    NlMsg msg(nlmsg_alloc());
    if (!msg) return make_error(ENOMEM, "cannot allocate a netlink message");
    if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, NETDEV_CMD_DEV_GET,
                     kFamilyVersion) ||
        nla_put_u32(msg.get(), NETDEV_A_DEV_IFINDEX, static_cast<uint32_t>(ifindex)) < 0)
        return make_error(ENOMEM, "cannot build the netdev dev-get request");
    if (int e = nl_send_auto(sock, msg.get()); e < 0)
        return nl_failure("cannot send the netdev dev-get request", e);
    return {};
}

}  // namespace

Result<NetdevFeatures> query_netdev_features(int ifindex) {
    auto sock = connect_genl();
    if (!sock) return sock.error();
    const int family = genl_ctrl_resolve(sock->get(), kFamilyName);
    if (family < 0)
        return make_error(EOPNOTSUPP,
                          "the kernel has no 'netdev' generic netlink family (Linux 6.3 added "
                          "it): device XDP features cannot be read");
    XDPKIT_TRY(send_dev_get(sock->get(), family, ifindex));

    Reply reply;
    nl_socket_modify_cb(sock->get(), NL_CB_VALID, NL_CB_CUSTOM, on_dev, &reply);
    nl_socket_modify_err_cb(sock->get(), NL_CB_CUSTOM, on_error, &reply);
    // One datagram per call: loop until the reply or an error arrives.
    while (!reply.received && reply.kernel_err == 0) {
        const int e = nl_recvmsgs_default(sock->get());
        if (e < 0 && reply.kernel_err == 0) return nl_failure("netdev dev-get failed", e);
    }
    if (reply.kernel_err != 0)
        return make_error(reply.kernel_err, "netdev dev-get for ifindex {} failed: {}", ifindex,
                          std::strerror(reply.kernel_err));
    return reply.features;
}

std::vector<std::string> xdp_feature_names(uint64_t bits) { return bit_names(bits, kXdpActNames); }

std::vector<std::string> rx_metadata_feature_names(uint64_t bits) {
    return bit_names(bits, kRxMetadataNames);
}

std::vector<std::string> xsk_feature_names(uint64_t bits) { return bit_names(bits, kXskNames); }

bool can_receive_redirects(const NetdevFeatures& f) {
    return (f.xdp & NETDEV_XDP_ACT_NDO_XMIT) != 0;
}

std::string no_ndo_xmit_reason(const std::string& ifname, bool veth) {
    if (!veth) return "no ndo-xmit: the driver drops frames redirected into it";
    return fmt::format("no ndo-xmit: a veth drops XDP_TX/XDP_REDIRECT frames sent into it unless "
                       "its peer has an XDP program or GRO on (in the peer's namespace: 'xdpkit "
                       "attach pass PEER' or 'ethtool -K PEER gro on'; PEER is {}'s other end)",
                       ifname);
}

Result<void> require_redirect_target(int ifindex, const std::string& ifname) {
    auto f = query_netdev_features(ifindex);
    if (!f || can_receive_redirects(*f)) return {};
    auto kind = link_kind(ifindex);
    return make_error(EOPNOTSUPP, "{} cannot send these frames: {}", ifname,
                      no_ndo_xmit_reason(ifname, kind && *kind == "veth"));
}

}  // namespace xdpkit
