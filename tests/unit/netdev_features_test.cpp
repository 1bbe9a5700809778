// xdp-features decoding and what `xdpkit probe IFACE` concludes from them. The bit values are
// the kernel's (include/uapi/linux/netdev.h); the masks below are what a veth reports here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/kernel/netdev_features.h"
#include "core/kernel/probe.h"

namespace xdpkit {
namespace {

using Names = std::vector<std::string>;
using namespace netdev_uapi;

// A veth whose peer has neither an XDP program nor GRO: basic, redirect, rx-sg.
constexpr uint64_t kVethAlone = NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT | NETDEV_XDP_ACT_RX_SG;
// The same veth once its peer has one: ndo-xmit and ndo-xmit-sg appear.
constexpr uint64_t kVethPrepared =
    kVethAlone | NETDEV_XDP_ACT_NDO_XMIT | NETDEV_XDP_ACT_NDO_XMIT_SG;

const ProbeResult& find(const std::vector<ProbeResult>& checks, const std::string& feature) {
    for (const auto& c : checks)
        if (c.feature == feature) return c;
    static const ProbeResult missing{"missing", std::nullopt, ""};
    ADD_FAILURE() << "no check named " << feature;
    return missing;
}

TEST(NetdevFeatures, NoBitsNoNames) {
    EXPECT_TRUE(xdp_feature_names(0).empty());
    EXPECT_TRUE(rx_metadata_feature_names(0).empty());
    EXPECT_TRUE(xsk_feature_names(0).empty());
}

TEST(NetdevFeatures, XdpFeatureNamesFollowNetdevYamlInBitOrder) {
    EXPECT_EQ(xdp_feature_names(kVethAlone), (Names{"basic", "redirect", "rx-sg"}));
    EXPECT_EQ(xdp_feature_names(0x7f), (Names{"basic", "redirect", "ndo-xmit", "xsk-zerocopy",
                                              "hw-offload", "rx-sg", "ndo-xmit-sg"}));
}

TEST(NetdevFeatures, UnknownBitsAreShownNotDropped) {
    EXPECT_EQ(xdp_feature_names(NETDEV_XDP_ACT_BASIC | (1ULL << 7) | (1ULL << 63)),
              (Names{"basic", "bit-7", "bit-63"}));
    EXPECT_EQ(rx_metadata_feature_names(1ULL << 3), (Names{"bit-3"}));
    EXPECT_EQ(xsk_feature_names(1ULL << 3), (Names{"bit-3"}));
}

TEST(NetdevFeatures, RxMetadataAndXskNames) {
    EXPECT_EQ(rx_metadata_feature_names(7), (Names{"timestamp", "hash", "vlan-tag"}));
    EXPECT_EQ(rx_metadata_feature_names(NETDEV_XDP_RX_METADATA_HASH), (Names{"hash"}));
    EXPECT_EQ(xsk_feature_names(7), (Names{"tx-timestamp", "tx-checksum", "tx-launch-time-fifo"}));
}

TEST(NetdevFeatures, RedirectTargetNeedsNdoXmit) {
    EXPECT_FALSE(can_receive_redirects(NetdevFeatures{kVethAlone, 0, 0, 0}));
    EXPECT_TRUE(can_receive_redirects(NetdevFeatures{kVethPrepared, 0, 0, 0}));
}

TEST(DeviceChecks, VethWithoutPeerProgramRefusesRedirectsAndSaysWhatToRun) {
    const auto checks = device_checks("veth0", NetdevFeatures{kVethAlone, 7, 0, 0}, true);
    const ProbeResult& r = find(checks, "receives-redirects");
    EXPECT_EQ(r.supported, false);
    EXPECT_NE(r.detail.find("no ndo-xmit"), std::string::npos);
    EXPECT_NE(r.detail.find("run 'xdpkit veth prepare veth0' or enable GRO on its peer"),
              std::string::npos)
        << r.detail;
}

TEST(NoNdoXmitReason, VethNamesTheFixOtherDevicesTheDriver) {
    EXPECT_EQ(no_ndo_xmit_reason("veth0", true),
              "redirect target cannot receive XDP frames (no ndo-xmit: a veth takes them only "
              "while its peer has an XDP program or GRO on); run 'xdpkit veth prepare veth0' or "
              "enable GRO on its peer");
    const std::string eth = no_ndo_xmit_reason("eth0", false);
    EXPECT_NE(eth.find("no ndo-xmit"), std::string::npos);
    EXPECT_EQ(eth.find("veth prepare"), std::string::npos) << eth;
}

TEST(DeviceChecks, PreparedVethReceivesRedirectsButWarnsItIsDynamic) {
    const auto checks = device_checks("veth0", NetdevFeatures{kVethPrepared, 7, 0, 0}, true);
    const ProbeResult& r = find(checks, "receives-redirects");
    EXPECT_EQ(r.supported, true);
    EXPECT_NE(r.detail.find("only while its peer"), std::string::npos);
}

TEST(DeviceChecks, VethIsNativeCopyModeMultiBufferWithoutTxMetadata) {
    const auto checks = device_checks("veth0", NetdevFeatures{kVethAlone, 7, 0, 0}, true);
    EXPECT_EQ(find(checks, "xdp-native").supported, true);
    EXPECT_EQ(find(checks, "multi-buffer").supported, true);
    const ProbeResult& zc = find(checks, "afxdp-zerocopy");
    EXPECT_EQ(zc.supported, false);
    EXPECT_NE(zc.detail.find("copy mode"), std::string::npos);
    for (const char* f : {"tx-metadata-timestamp", "tx-metadata-checksum", "tx-metadata-launch-time"})
        EXPECT_EQ(find(checks, f).supported, false) << f;
    for (const char* f : {"rx-metadata-timestamp", "rx-metadata-hash", "rx-metadata-vlan-tag"})
        EXPECT_EQ(find(checks, f).supported, true) << f;
}

TEST(DeviceChecks, DeviceWithoutXdpPointsToSkbMode) {
    const auto checks = device_checks("lo", NetdevFeatures{}, false);
    const ProbeResult& r = find(checks, "xdp-native");
    EXPECT_EQ(r.supported, false);
    EXPECT_NE(r.detail.find("--mode skb"), std::string::npos);
    EXPECT_EQ(find(checks, "rx-metadata-hash").supported, false);
}

TEST(DeviceChecks, ZeroCopyReportsMaxSegments) {
    const NetdevFeatures f{NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_XSK_ZEROCOPY, 0, 0, 3};
    const auto checks = device_checks("eth0", f, false);
    const ProbeResult& r = find(checks, "afxdp-zerocopy");
    EXPECT_EQ(r.supported, true);
    EXPECT_NE(r.detail.find("up to 3"), std::string::npos);
}

TEST(ProbeLine, VerdictColumnAndDetail) {
    EXPECT_EQ(render_probe_line({"bpffs", true, "mounted at /sys/fs/bpf"}),
              "bpffs                   yes  mounted at /sys/fs/bpf");
    EXPECT_EQ(render_probe_line({"freplace", false, "refused"}),
              "freplace                no   refused");
    EXPECT_EQ(render_probe_line({"xdp-native", std::nullopt, "per device"}),
              "xdp-native              n/a  per device");
}

TEST(ProbeLine, NoTrailingSpaceWithoutDetail) {
    EXPECT_EQ(render_probe_line({"bpf-link", true, ""}), "bpf-link                yes");
}

TEST(ProbeJson, UndecidedIsNull) {
    EXPECT_EQ(to_json(ProbeResult{"xdp-native", std::nullopt, "per device"}).dump(),
              R"({"feature":"xdp-native","supported":null,"detail":"per device"})");
    EXPECT_EQ(to_json(ProbeResult{"bpffs", true, ""}).dump(),
              R"({"feature":"bpffs","supported":true,"detail":""})");
}

TEST(ProbeJson, DeviceCarriesRawFeatureNamesAndChecks) {
    DeviceProbe d{{"veth0", 3}, "veth", NetdevFeatures{kVethAlone, 7, 0, 0}, {}};
    d.checks = device_checks("veth0", d.features, true);
    const Json j = to_json(d);
    EXPECT_EQ(j["ifname"], "veth0");
    EXPECT_EQ(j["xdp_features"], Json({"basic", "redirect", "rx-sg"}));
    EXPECT_EQ(j["xdp_rx_metadata_features"], Json({"timestamp", "hash", "vlan-tag"}));
    EXPECT_EQ(j["xsk_features"], Json::array());
    EXPECT_EQ(j["checks"].size(), d.checks.size());
}

}  // namespace
}  // namespace xdpkit
