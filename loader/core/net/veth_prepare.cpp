#include "core/net/veth_prepare.h"

#include <fmt/format.h>

#include "core/attach/chain.h"
#include "core/kernel/interface.h"
#include "core/kernel/netdev_features.h"
#include "core/kernel/netns.h"
#include "core/kernel/xdp.h"

namespace xdpkit {
namespace {

// One end's feature changes, and where to make them.
struct EndPlan {
    std::string ifname, netns;  // netns empty: here
    int ifindex = 0;
    FeatureChanges features;
};

// Everything prepare_veth will do, worked out before it does any of it.
struct Plan {
    Interface iface;
    VethPeer peer;
    NetdevFeatures before;
    EndPlan self, other;
    bool attach = false;    // load req.pass on the peer
    std::string peer_note;  // what the peer already runs, or what GRO alone does not cover
};

// veth clears its xdp-features, basic included, while the peer has more TX queues than the
// device has RX queues (veth_set_xdp_features); GRO toggles can bring ndo-xmit back alone,
// so basic is what tells.
Result<void> check_queue_rule(const Interface& iface, const VethPeer& peer,
                              const NetdevFeatures& f) {
    if (f.xdp & netdev_uapi::NETDEV_XDP_ACT_BASIC) return {};
    return make_error(EOPNOTSUPP,
                      "{}: veth has turned its xdp-features off: its peer {} has more TX queues "
                      "than {} has RX queues; give both ends the same count ('ethtool -L', or "
                      "'xdpkit veth create --queues N')",
                      iface.name, peer.name, iface.name);
}

// Run where the end lives: its offloads off, plus extra.
Result<FeatureChanges> plan_features(const std::string& ifname, int ifindex,
                                     const FeatureChanges& extra) {
    auto have = read_device_features(ifindex);
    if (!have) return have.error();
    FeatureChanges want = xdp_blind_offloads_off(*have);
    want.insert(extra.begin(), extra.end());
    return plan_feature_changes(*have, want, ifname);
}

std::string stage_names(const ChainState& c) {
    std::string s;
    for (const auto& st : c.stages) s += (s.empty() ? "" : ", ") + st.family;
    return s;
}

// Only a native program makes veth hand frames to the peer's NAPI; one in skb mode does not.
bool runs_native(const XdpState& s) {
    return s.prog_id != 0 && (s.mode == "native" || s.mode == "multi");
}

// Run in the peer's namespace: what it runs, in one line (empty: nothing).
Result<std::string> peer_program(const VethPeer& peer, const std::string& ifname) {
    auto state = query_xdp(peer.ifindex);
    if (!state) return state.error();
    if (state->prog_id == 0) return std::string();
    auto chain = read_chain(peer.name, peer.ifindex);
    const bool ours = chain && chain->has_value() &&
                      chain_is_attached(**chain, peer.ifindex, state->prog_id);
    std::string what = ours ? fmt::format("xdpkit's chain ({})", stage_names(**chain))
                            : fmt::format("XDP program id {} (not xdpkit's)", state->prog_id);
    if (!ours)
        if (auto info = prog_info_by_id(state->prog_id))
            what = fmt::format("XDP program '{}' (id {}, not xdpkit's)", info->name, info->id);
    if (!runs_native(*state))
        return make_error(EBUSY,
                          "{}: its peer {} runs {} in {} mode, and only a native program lets "
                          "{} receive XDP frames; detach it, or use --gro",
                          ifname, peer.name, what, state->mode, ifname);
    return fmt::format("{} already runs {} in native mode; left alone", peer.name, what);
}

// Run in the peer's namespace. GRO alone is enough for frames redirected into IFACE
// (ndo_xdp_xmit wakes the peer's NAPI), but not for XDP_TX out of IFACE: veth_xdp_flush wakes
// the peer only when it has an XDP program, so bounced frames wait in its ring until other
// traffic runs its NAPI (measured: five bounces arrived with the next ping).
Result<std::string> gro_note(const VethPeer& peer, const std::string& ifname) {
    auto state = query_xdp(peer.ifindex);
    if (!state) return state.error();
    if (runs_native(*state)) return std::string();
    return fmt::format("with GRO alone on {}, frames redirected into {} arrive, but XDP_TX "
                       "bounces out of {} wait on {} until other traffic wakes it (veth flushes "
                       "them only to a peer with an XDP program); for XDP_TX use --peer-prog",
                       peer.name, ifname, ifname, peer.name);
}

Result<Plan> make_plan(const VethPrepareRequest& req) {
    if (req.setup == PeerSetup::Program && !req.pass)
        return make_error(EINVAL, "no program given to load on the peer");
    auto iface = find_interface(req.ifname);
    if (!iface) return iface.error();
    auto peer = find_veth_peer(iface->ifindex);
    if (!peer) return peer.error();
    auto before = query_netdev_features(iface->ifindex);
    if (!before) return before.error();
    XDPKIT_TRY(check_queue_rule(*iface, *peer, *before));

    Plan p{*iface, *peer, *before, {iface->name, "", iface->ifindex, {}},
           {peer->name, peer->netns, peer->ifindex, {}}, false, {}};
    auto self = plan_features(iface->name, iface->ifindex, {});
    if (!self) return self.error();
    p.self.features = std::move(*self);
    XDPKIT_TRY(in_netns(peer->netns, [&]() -> Result<void> {
        FeatureChanges extra;
        if (req.setup == PeerSetup::Gro) extra["rx-gro"] = true;
        auto other = plan_features(p.peer.name, p.peer.ifindex, extra);
        if (!other) return other.error();
        p.other.features = std::move(*other);
        auto prog = req.setup == PeerSetup::Gro ? gro_note(p.peer, p.iface.name)
                                                : peer_program(p.peer, p.iface.name);
        if (!prog) return prog.error();
        p.attach = req.setup == PeerSetup::Program && prog->empty();
        p.peer_note = std::move(*prog);
        return {};
    }));
    return p;
}

// "veth1: rx-gro on; tx-checksum-ip-generic, tx-vlan-hw-insert off"
std::string describe_changes(const std::string& ifname, const FeatureChanges& changes) {
    std::string on, off;
    for (const auto& [name, value] : changes) {
        std::string& list = value ? on : off;
        list += (list.empty() ? "" : ", ") + name;
    }
    std::string s = ifname + ":";
    if (!on.empty()) s += " " + on + " on";
    if (!off.empty()) s += (on.empty() ? " " : "; ") + off + " off";
    return s;
}

// Makes one end's changes where it lives and reads them back: the kernel keeps a feature
// without an error when another one it depends on says no.
Result<void> apply_features(const EndPlan& e, std::vector<std::string>& done) {
    if (e.features.empty()) return {};
    return in_netns(e.netns, [&]() -> Result<void> {
        XDPKIT_TRY(set_device_features(e.ifindex, e.features));
        auto now = read_device_features(e.ifindex);
        if (!now) return now.error();
        for (const auto& [name, on] : e.features) {
            const auto it = now->find(name);
            if ((it != now->end() && it->second.active) != on)
                return make_error(EOPNOTSUPP, "{}: asked to turn {} {}, the kernel kept it {}",
                                  e.ifname, name, on ? "on" : "off", on ? "off" : "on");
        }
        done.push_back(describe_changes(e.ifname, e.features));
        return {};
    });
}

Result<void> attach_pass(const Plan& p, const Family& pass, std::vector<std::string>& done) {
    return in_netns(p.peer.netns, [&]() -> Result<void> {
        // Native, never skb: only a native program on the peer makes veth give ndo-xmit.
        auto r = attach_program(AttachRequest{&pass, p.peer.name, XdpMode::Native, false, false, {}});
        if (!r) return r.error();
        done.push_back(fmt::format("{}: {} '{}' in {} mode (prog id {}, link id {}); pinned in {}",
                                   r->ifname, r->action, r->family, r->mode, r->prog_id,
                                   r->link_id, r->pin_dir));
        return {};
    });
}

}  // namespace

FeatureChanges xdp_blind_offloads_off(const DeviceFeatures& have) {
    // A device without one of these has it off, which is all that is asked.
    FeatureChanges off{{"tx-vlan-hw-insert", false}, {"tx-vlan-stag-hw-insert", false}};
    for (const auto& [name, f] : have)
        if (name.rfind("tx-checksum-", 0) == 0) off[name] = false;
    return off;
}

const char* peer_setup_name(PeerSetup s) { return s == PeerSetup::Gro ? "gro" : "peer-prog"; }

Result<VethPrepareResult> prepare_veth(const VethPrepareRequest& req) {
    auto plan = make_plan(req);
    if (!plan) return plan.error();
    const Plan& p = *plan;
    VethPrepareResult r;
    r.ifname = p.iface.name;
    r.peer = p.peer;
    r.setup = req.setup;
    r.features_before = xdp_feature_names(p.before.xdp);
    if (!p.peer_note.empty()) r.notes.push_back(p.peer_note);

    // The step most likely to fail first, so a refusal leaves the offloads as they were.
    if (p.attach) XDPKIT_TRY(attach_pass(p, *req.pass, r.changes));
    XDPKIT_TRY(apply_features(p.other, r.changes));
    XDPKIT_TRY(apply_features(p.self, r.changes));

    auto after = query_netdev_features(p.iface.ifindex);
    if (!after) return after.error();
    r.features_after = xdp_feature_names(after->xdp);
    if (!can_receive_redirects(*after)) {
        std::string names;
        for (const auto& n : r.features_after) names += " " + n;
        return make_error(EOPNOTSUPP,
                          "{}: still no ndo-xmit after readying its peer {} (xdp-features:{}); "
                          "see 'xdpkit probe {}'",
                          p.iface.name, p.peer.name, names.empty() ? " none" : names,
                          p.iface.name);
    }
    return r;
}

}  // namespace xdpkit
