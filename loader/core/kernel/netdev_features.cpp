#include "core/kernel/netdev_features.h"

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <array>
#include <cerrno>
#include <string_view>

#include <fmt/format.h>

#include "core/kernel/nl_request.h"
#include "core/kernel/rtnl.h"

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


// What the reply said; bad when its attributes did not parse.
struct Reply {
    NetdevFeatures features;
    bool received = false;
    bool bad = false;
};

uint64_t get_u64(nlattr* a) { return a ? nla_get_u64(a) : 0; }

void on_dev(nl_msg* msg, Reply& reply) {
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
        reply.bad = true;
        return;
    }
    NetdevFeatures& f = reply.features;
    f.xdp = get_u64(tb[NETDEV_A_DEV_XDP_FEATURES]);
    f.rx_metadata = get_u64(tb[NETDEV_A_DEV_XDP_RX_METADATA_FEATURES]);
    f.xsk = get_u64(tb[NETDEV_A_DEV_XSK_FEATURES]);
    if (nlattr* a = tb[NETDEV_A_DEV_XDP_ZC_MAX_SEGS]) f.zc_max_segs = nla_get_u32(a);
    reply.received = true;
}

Result<NlMsg> dev_get_request(int family, int ifindex) {
    NlMsg msg(nlmsg_alloc());
    if (!msg || !genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
                             NETDEV_CMD_DEV_GET, kFamilyVersion) ||
        nla_put_u32(msg.get(), NETDEV_A_DEV_IFINDEX, static_cast<uint32_t>(ifindex)) < 0)
        return make_error(ENOMEM, "cannot build the netdev dev-get request");
    return msg;
}

}  // namespace

Result<NetdevFeatures> query_netdev_features(int ifindex) {
    auto genl = connect_genl_family(kFamilyName);
    if (!genl && genl.error().err == EOPNOTSUPP)
        return make_error(EOPNOTSUPP,
                          "the kernel has no 'netdev' generic netlink family (Linux 6.3 added "
                          "it): device XDP features cannot be read");
    if (!genl) return genl.error();
    auto msg = dev_get_request(genl->family, ifindex);
    if (!msg) return msg.error();
    Reply reply;
    XDPKIT_TRY(nl_request(genl->sock.get(), msg->get(),
                          fmt::format("netdev dev-get for ifindex {}", ifindex),
                          [&reply](nl_msg* m) { on_dev(m, reply); }));
    if (reply.bad || !reply.received)
        return make_error(EBADMSG, "netdev dev-get for ifindex {}: no usable reply", ifindex);
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
    if (!veth)
        return "redirect target cannot receive XDP frames (no ndo-xmit: the driver drops frames "
               "redirected into it)";
    return fmt::format("redirect target cannot receive XDP frames (no ndo-xmit: a veth takes them "
                       "only while its peer has an XDP program or GRO on); run 'xdpkit veth "
                       "prepare {}' or enable GRO on its peer",
                       ifname);
}

Result<void> require_redirect_target(int ifindex, const std::string& ifname) {
    auto f = query_netdev_features(ifindex);
    if (!f || can_receive_redirects(*f)) return {};
    auto kind = link_kind(ifindex);
    return make_error(EOPNOTSUPP, "{}: {}", ifname,
                      no_ndo_xmit_reason(ifname, kind && *kind == "veth"));
}

}  // namespace xdpkit
