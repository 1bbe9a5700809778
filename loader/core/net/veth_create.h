// `xdpkit veth create`: a veth pair shaped for XDP, everything checked before the kernel is
// asked, and what the kernel made read back afterwards.
//
// Queues: XDP on a veth runs per RX queue, and frames sent into a veth (XDP_TX/XDP_REDIRECT)
// land on the peer's RX queue picked by the sending CPU; veth also turns its xdp-features off
// unless the peer has no more TX queues than it has RX queues (drivers/net/veth.c,
// veth_set_xdp_features). So both ends get the same count, one per online CPU by default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

// The kernel's limits: rtnetlink takes 1..4096 queues; veth takes MTUs 68..65535.
inline constexpr uint32_t kMaxVethQueues = 4096;
inline constexpr uint32_t kMinVethMtu = 68;
inline constexpr uint32_t kMaxVethMtu = 65535;
// The largest peer MTU at which veth still takes an XDP program without xdp.frags, measured on
// x86-64 with 4 KiB pages: 4096 - 256 (XDP headroom) - 320 (skb_shared_info) - 14 (Ethernet).
inline constexpr uint32_t kVethMaxMtuWithoutFrags = 3506;

struct VethCreateRequest {
    std::string name, peer;
    std::string peer_netns;  // empty: the peer stays in this namespace
    uint32_t queues = 0;     // RX and TX queues of each end; 0: one per online CPU
    uint32_t mtu = 0;        // 0: the kernel's default (1500)
};

struct VethEndInfo {
    std::string name;
    std::string netns;  // current_netns_name() style: the /run/netns name, "init", ...
    int ifindex = 0;
    uint32_t rx_queues = 0, tx_queues = 0, mtu = 0;
    bool up = false;
};

struct VethCreateResult {
    VethEndInfo end, peer;
    std::vector<std::string> notes;
};

uint32_t online_cpu_count();

// Every check that needs no change: names, numbers, the peer's namespace, names taken.
Result<void> check_veth_create(const VethCreateRequest& req);

Result<VethCreateResult> create_veth_pair(const VethCreateRequest& req);

}  // namespace xdpkit
