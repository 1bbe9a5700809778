#include "core/kernel/ethtool_features.h"

#include <linux/ethtool_netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <fmt/format.h>

#include "core/kernel/interface.h"
#include "core/kernel/nl_request.h"

namespace xdpkit {
namespace {

// Every ethtool request starts with a header naming the device; strict validation of the
// family wants NLA_F_NESTED on every nest, which libnl does not add by itself.
bool put_header(nl_msg* msg, int ifindex, uint32_t flags) {
    nlattr* h = nla_nest_start(msg, ETHTOOL_A_FEATURES_HEADER | NLA_F_NESTED);
    if (!h || nla_put_u32(msg, ETHTOOL_A_HEADER_DEV_INDEX, static_cast<uint32_t>(ifindex)) < 0 ||
        nla_put_u32(msg, ETHTOOL_A_HEADER_FLAGS, flags) < 0)
        return false;
    nla_nest_end(msg, h);
    return true;
}

Result<NlMsg> request(int family, uint8_t cmd) {
    NlMsg msg(nlmsg_alloc());
    if (!msg || !genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, cmd,
                             ETHTOOL_GENL_VERSION))
        return make_error(ENOMEM, "cannot build an ethtool request");
    return msg;
}

// A bitset in its verbose form (ethtool-netlink.rst "Bit sets"): a list of bits by name. As a
// plain list (NOMASK) every listed bit is set; as a value/mask pair a bit is set when it has
// ETHTOOL_A_BITSET_BIT_VALUE. fn(name, set) per listed bit.
template <typename Fn>
void for_each_bit(nlattr* bitset, Fn fn) {
    nlattr* tb[ETHTOOL_A_BITSET_MAX + 1] = {};
    if (!bitset || nla_parse_nested(tb, ETHTOOL_A_BITSET_MAX, bitset, nullptr) < 0 ||
        !tb[ETHTOOL_A_BITSET_BITS])
        return;
    const bool list = tb[ETHTOOL_A_BITSET_NOMASK] != nullptr;
    nlattr* bit;
    int rem;
    nla_for_each_nested(bit, tb[ETHTOOL_A_BITSET_BITS], rem) {
        nlattr* bt[ETHTOOL_A_BITSET_BIT_MAX + 1] = {};
        if (nla_type(bit) != ETHTOOL_A_BITSET_BITS_BIT ||
            nla_parse_nested(bt, ETHTOOL_A_BITSET_BIT_MAX, bit, nullptr) < 0 ||
            !bt[ETHTOOL_A_BITSET_BIT_NAME])
            continue;
        fn(std::string(nla_get_string(bt[ETHTOOL_A_BITSET_BIT_NAME])),
           list || bt[ETHTOOL_A_BITSET_BIT_VALUE] != nullptr);
    }
}

void on_features(nl_msg* msg, DeviceFeatures& out) {
    auto* gnlh = static_cast<genlmsghdr*>(nlmsg_data(nlmsg_hdr(msg)));
    nlattr* tb[ETHTOOL_A_FEATURES_MAX + 1] = {};
    if (nla_parse(tb, ETHTOOL_A_FEATURES_MAX, genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0),
                  nullptr) < 0)
        return;
    for_each_bit(tb[ETHTOOL_A_FEATURES_HW], [&](const std::string& name, bool set) {
        if (set) out[name].changeable = true;
    });
    for_each_bit(tb[ETHTOOL_A_FEATURES_ACTIVE], [&](const std::string& name, bool set) {
        if (set) out[name].active = true;
    });
}

// The devices' own name when it still has one, for messages.
std::string device_label(int ifindex) {
    const std::string name = interface_name(ifindex);
    return name.empty() ? fmt::format("ifindex {}", ifindex) : name;
}

}  // namespace

Result<DeviceFeatures> read_device_features(int ifindex) {
    auto genl = connect_genl_family(ETHTOOL_GENL_NAME);
    if (!genl) return genl.error();
    auto msg = request(genl->family, ETHTOOL_MSG_FEATURES_GET);
    if (!msg) return msg.error();
    // Flags 0: names spelled out (not compact), which is what the callers go by.
    if (!put_header(msg->get(), ifindex, 0))
        return make_error(ENOMEM, "cannot build an ethtool request");
    DeviceFeatures out;
    XDPKIT_TRY(nl_request(genl->sock.get(), msg->get(),
                          fmt::format("cannot read the features of {}", device_label(ifindex)),
                          [&out](nl_msg* m) { on_features(m, out); }));
    if (out.empty())
        return make_error(EBADMSG, "cannot read the features of {}: empty reply",
                          device_label(ifindex));
    return out;
}

Result<void> set_device_features(int ifindex, const FeatureChanges& changes) {
    if (changes.empty()) return {};
    auto genl = connect_genl_family(ETHTOOL_GENL_NAME);
    if (!genl) return genl.error();
    auto msg = request(genl->family, ETHTOOL_MSG_FEATURES_SET);
    if (!msg) return msg.error();
    nl_msg* m = msg->get();
    // The reply would list what the kernel did differently; reading back says the same.
    bool ok = put_header(m, ifindex, ETHTOOL_FLAG_OMIT_REPLY);
    // A value/mask bitset: only the listed bits change, each to on when it has a VALUE.
    nlattr* wanted = ok ? nla_nest_start(m, ETHTOOL_A_FEATURES_WANTED | NLA_F_NESTED) : nullptr;
    nlattr* bits = wanted ? nla_nest_start(m, ETHTOOL_A_BITSET_BITS | NLA_F_NESTED) : nullptr;
    ok = bits != nullptr;
    for (const auto& [name, on] : changes) {
        nlattr* bit = ok ? nla_nest_start(m, ETHTOOL_A_BITSET_BITS_BIT | NLA_F_NESTED) : nullptr;
        ok = bit && nla_put_string(m, ETHTOOL_A_BITSET_BIT_NAME, name.c_str()) == 0 &&
             (!on || nla_put_flag(m, ETHTOOL_A_BITSET_BIT_VALUE) == 0);
        if (ok) nla_nest_end(m, bit);
    }
    if (!ok) return make_error(ENOMEM, "cannot build an ethtool request");
    nla_nest_end(m, bits);
    nla_nest_end(m, wanted);
    return nl_request(genl->sock.get(), m,
                      fmt::format("cannot change the features of {}", device_label(ifindex)));
}

Result<FeatureChanges> plan_feature_changes(const DeviceFeatures& have, const FeatureChanges& want,
                                            const std::string& ifname) {
    FeatureChanges out;
    for (const auto& [name, on] : want) {
        const auto it = have.find(name);
        const DeviceFeature f = it == have.end() ? DeviceFeature{} : it->second;
        if (f.active == on) continue;
        if (!f.changeable)
            return make_error(EOPNOTSUPP, "{}: {} is {} and the driver does not let it change",
                              ifname, name, f.active ? "on" : "off");
        out[name] = on;
    }
    return out;
}

}  // namespace xdpkit
