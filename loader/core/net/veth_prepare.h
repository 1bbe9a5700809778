// `xdpkit veth prepare IFACE`: make a veth able to receive XDP_TX/XDP_REDIRECT frames.
//
// Frames sent into a veth are handed to its PEER's RX queue, and only the peer's NAPI takes
// them from there: veth gives the device the ndo-xmit xdp-feature only while the peer has a
// native XDP program or GRO on (drivers/net/veth.c, veth_set_xdp_features), and drops the
// frames otherwise. So the peer gets xdpkit's `pass` program (or GRO). And on both ends the
// transmit offloads whose work XDP never sees go off: an offloaded checksum is still unfinished
// in the frame a program reads, rewrites or bounces, and an offloaded VLAN tag is not in it.
#pragma once

#include <string>
#include <vector>

#include "core/kernel/ethtool_features.h"
#include "core/attach/family.h"
#include "core/base/result.h"
#include "core/net/veth_peer.h"

namespace xdpkit {

enum class PeerSetup {
    Program,  // a native XDP program on the peer (--peer-prog, the default)
    Gro,      // GRO on the peer (--gro)
};

struct VethPrepareRequest {
    std::string ifname;
    PeerSetup setup = PeerSetup::Program;
    const Family* pass = nullptr;  // what Program attaches to the peer
};

struct VethPrepareResult {
    std::string ifname;
    VethPeer peer;
    PeerSetup setup = PeerSetup::Program;
    std::vector<std::string> features_before, features_after;  // IFACE's xdp-features
    std::vector<std::string> changes;  // what was done, one line each
    std::vector<std::string> notes;    // what was found and left alone
};

// Checks everything it can (IFACE a veth, its peer found, the peer's program, every feature
// changeable) before it changes anything; fails when ndo-xmit is still missing at the end.
Result<VethPrepareResult> prepare_veth(const VethPrepareRequest& req);

// The transmit offloads XDP cannot see, all switched off: every tx-checksum-* the device
// has, tx-vlan-hw-insert and tx-vlan-stag-hw-insert.
FeatureChanges xdp_blind_offloads_off(const DeviceFeatures& have);

const char* peer_setup_name(PeerSetup s);  // "peer-prog", "gro"

}  // namespace xdpkit
