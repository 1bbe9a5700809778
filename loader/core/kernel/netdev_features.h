// What a device says it can do for XDP and AF_XDP, from the kernel's "netdev" generic
// netlink family (the same data as `ynl --family netdev --do dev-get`). Redirect, veth
// prepare and trafficgen use it to refuse sending into a device that would drop the frames.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

// Values from include/uapi/linux/netdev.h (generated from
// Documentation/netlink/specs/netdev.yaml). Debian bookworm's linux-libc-dev predates that
// header, so they are spelled out here, checked against the 6.18 kernel's BTF.
namespace netdev_uapi {
inline constexpr const char* kFamilyName = "netdev";
inline constexpr int kFamilyVersion = 1;

enum Command : uint8_t {
    NETDEV_CMD_DEV_GET = 1,
};

enum DevAttr : int {
    NETDEV_A_DEV_IFINDEX = 1,
    NETDEV_A_DEV_PAD = 2,
    NETDEV_A_DEV_XDP_FEATURES = 3,                // u64, enum netdev_xdp_act
    NETDEV_A_DEV_XDP_ZC_MAX_SEGS = 4,             // u32
    NETDEV_A_DEV_XDP_RX_METADATA_FEATURES = 5,    // u64, enum netdev_xdp_rx_metadata
    NETDEV_A_DEV_XSK_FEATURES = 6,                // u64, enum netdev_xsk_flags
    NETDEV_A_DEV_MAX = NETDEV_A_DEV_XSK_FEATURES,
};

enum XdpAct : uint64_t {
    NETDEV_XDP_ACT_BASIC = 1,
    NETDEV_XDP_ACT_REDIRECT = 2,
    NETDEV_XDP_ACT_NDO_XMIT = 4,
    NETDEV_XDP_ACT_XSK_ZEROCOPY = 8,
    NETDEV_XDP_ACT_HW_OFFLOAD = 16,
    NETDEV_XDP_ACT_RX_SG = 32,
    NETDEV_XDP_ACT_NDO_XMIT_SG = 64,
};

enum XdpRxMetadata : uint64_t {
    NETDEV_XDP_RX_METADATA_TIMESTAMP = 1,
    NETDEV_XDP_RX_METADATA_HASH = 2,
    NETDEV_XDP_RX_METADATA_VLAN_TAG = 4,
};

enum XskFlags : uint64_t {
    NETDEV_XSK_FLAGS_TX_TIMESTAMP = 1,
    NETDEV_XSK_FLAGS_TX_CHECKSUM = 2,
    NETDEV_XSK_FLAGS_TX_LAUNCH_TIME_FIFO = 4,
};
}  // namespace netdev_uapi

// The raw bit masks; an attribute the kernel does not send (an older kernel) reads as 0.
struct NetdevFeatures {
    uint64_t xdp = 0;          // NETDEV_A_DEV_XDP_FEATURES
    uint64_t rx_metadata = 0;  // NETDEV_A_DEV_XDP_RX_METADATA_FEATURES
    uint64_t xsk = 0;          // NETDEV_A_DEV_XSK_FEATURES (AF_XDP TX metadata)
    uint32_t zc_max_segs = 0;  // NETDEV_A_DEV_XDP_ZC_MAX_SEGS
};

// Asks the kernel about ifindex in the namespace this thread is in.
Result<NetdevFeatures> query_netdev_features(int ifindex);

// The netdev.yaml names of the set bits, lowest first ("basic", "ndo-xmit", ...). A bit this
// code does not know yet shows as "bit-N" rather than disappearing.
std::vector<std::string> xdp_feature_names(uint64_t bits);
std::vector<std::string> rx_metadata_feature_names(uint64_t bits);
std::vector<std::string> xsk_feature_names(uint64_t bits);

// Frames redirected (XDP_REDIRECT, or XDP_TX from a veth peer) into the device are sent
// through its ndo_xdp_xmit; without it they are dropped. On a veth the bit is present only
// while its peer has an XDP program or GRO on (drivers/net/veth.c, veth_set_xdp_features).
bool can_receive_redirects(const NetdevFeatures& f);
// Why ifname cannot receive redirected frames, and what fixes it: for a veth, `xdpkit veth
// prepare IFNAME` (its peer needs an XDP program or GRO).
std::string no_ndo_xmit_reason(const std::string& ifname, bool veth);
// An error with that reason when ifindex lacks ndo-xmit; success when it has it, or when the
// kernel cannot say (no netdev genetlink family: older than 6.3).
Result<void> require_redirect_target(int ifindex, const std::string& ifname);

}  // namespace xdpkit
