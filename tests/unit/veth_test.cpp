// veth create/prepare without a kernel: input checks that refuse before anything is looked up,
// which features prepare would change, and the reports' text and JSON shapes.
#include <gtest/gtest.h>

#include "core/kernel/ethtool_features.h"
#include "core/kernel/interface.h"
#include "core/net/veth_create.h"
#include "core/net/veth_prepare.h"
#include "core/net/veth_report.h"

namespace xdpkit {
namespace {

// What a fresh veth reports here (ethtool -k), the parts that matter.
DeviceFeatures fresh_veth() {
    return {{"tx-checksum-ip-generic", {true, true}}, {"tx-checksum-sctp", {true, true}},
            {"tx-vlan-hw-insert", {true, true}},      {"tx-vlan-stag-hw-insert", {true, true}},
            {"tx-scatter-gather", {true, true}},      {"rx-gro", {false, true}}};
}

TEST(VethOffloads, EveryTxChecksumAndBothVlanInsertsGoOffNothingElse) {
    const FeatureChanges off = xdp_blind_offloads_off(fresh_veth());
    EXPECT_EQ(off, (FeatureChanges{{"tx-checksum-ip-generic", false},
                                   {"tx-checksum-sctp", false},
                                   {"tx-vlan-hw-insert", false},
                                   {"tx-vlan-stag-hw-insert", false}}));
}

TEST(VethOffloads, ADeviceWithoutStagInsertNeedsNoChangeForIt) {
    DeviceFeatures have = fresh_veth();
    have.erase("tx-vlan-stag-hw-insert");  // not listed: off and fixed
    auto plan = plan_feature_changes(have, xdp_blind_offloads_off(have), "veth0");
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->count("tx-vlan-stag-hw-insert"), 0u);
    EXPECT_EQ(plan->size(), 3u);
}

TEST(FeaturePlan, OnlyWhatDiffers) {
    DeviceFeatures have = fresh_veth();
    have["tx-checksum-sctp"].active = false;
    auto plan = plan_feature_changes(
        have, {{"tx-checksum-ip-generic", false}, {"tx-checksum-sctp", false}, {"rx-gro", true}},
        "veth1");
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(*plan, (FeatureChanges{{"tx-checksum-ip-generic", false}, {"rx-gro", true}}));
}

TEST(FeaturePlan, NothingToDoTheSecondTime) {
    DeviceFeatures have = fresh_veth();
    for (auto& [name, f] : have) f.active = name == "rx-gro" || name == "tx-scatter-gather";
    auto plan = plan_feature_changes(have, xdp_blind_offloads_off(have), "veth0");
    ASSERT_TRUE(plan);
    EXPECT_TRUE(plan->empty());
}

TEST(FeaturePlan, AFixedFeatureThatWouldHaveToChangeIsRefusedByName) {
    // lo: checksum offload on and [fixed].
    const DeviceFeatures lo{{"tx-checksum-ip-generic", {true, false}}};
    auto plan = plan_feature_changes(lo, xdp_blind_offloads_off(lo), "lo");
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().message,
              "lo: tx-checksum-ip-generic is on and the driver does not let it change");
    auto gro = plan_feature_changes({}, {{"rx-gro", true}}, "dummy0");
    ASSERT_FALSE(gro);
    EXPECT_NE(gro.error().message.find("rx-gro is off"), std::string::npos);
}

TEST(InterfaceNames, TheKernelsRule) {
    for (const char* ok : {"veth0", "a", "123456789012345", "v-1.x_y"})
        EXPECT_TRUE(check_ifname(ok)) << ok;
    for (const char* bad : {"", "1234567890123456", ".", "..", "a/b", "a:b", "a b", "a\tb"})
        EXPECT_FALSE(check_ifname(bad)) << bad;
}

TEST(VethCreateChecks, BadInputIsRefusedBeforeAnythingIsLookedUp) {
    const auto refused = [](VethCreateRequest r, const std::string& part) {
        auto c = check_veth_create(r);
        ASSERT_FALSE(c) << part;
        EXPECT_NE(c.error().message.find(part), std::string::npos) << c.error().message;
    };
    refused({"veth0", "a/b", "", 0, 0}, "not a valid interface name");
    refused({"veth0", "veth1", "", kMaxVethQueues + 1, 0}, "--queues 4097");
    refused({"veth0", "veth1", "", 0, 67}, "--mtu 67: veth takes 68 to 65535");
    refused({"veth0", "veth1", "", 0, 65536}, "--mtu 65536");
    refused({"veth0", "veth0", "", 0, 0}, "NAME and PEER are both 'veth0'");
}

VethPrepareResult prepared() {
    VethPrepareResult r;
    r.ifname = "veth0";
    r.peer = {7, "veth1", "lab-peer"};
    r.features_before = {"basic", "redirect", "rx-sg"};
    r.features_after = {"basic", "redirect", "ndo-xmit", "rx-sg", "ndo-xmit-sg"};
    r.changes = {"veth1: attached 'pass' in native mode (prog id 3, link id 4); pinned in /x",
                 "veth0: tx-vlan-hw-insert off"};
    return r;
}

TEST(VethPrepareReport, TextSaysBeforeWhatWasDoneAfter) {
    EXPECT_EQ(format_veth_prepare(prepared()),
              "veth0: peer veth1 in namespace lab-peer\n"
              "veth0: xdp-features before: basic redirect rx-sg\n"
              "veth1: attached 'pass' in native mode (prog id 3, link id 4); pinned in /x\n"
              "veth0: tx-vlan-hw-insert off\n"
              "veth0: xdp-features after:  basic redirect ndo-xmit rx-sg ndo-xmit-sg\n"
              "veth0: ready: it receives XDP_TX/XDP_REDIRECT frames (ndo-xmit)\n");
}

TEST(VethPrepareReport, SecondRunSaysNothingNeededChanging) {
    VethPrepareResult r = prepared();
    r.peer.netns = "";
    r.features_before = r.features_after;
    r.changes.clear();
    r.notes = {"veth1 already runs xdpkit's chain (pass) in native mode; left alone"};
    const std::string text = format_veth_prepare(r);
    EXPECT_NE(text.find("peer veth1 in the same namespace"), std::string::npos) << text;
    EXPECT_NE(text.find("note: veth1 already runs"), std::string::npos) << text;
    EXPECT_NE(text.find("veth0: nothing needed changing"), std::string::npos) << text;
    EXPECT_EQ(to_json(r)["changed"], false);
}

TEST(VethPrepareReport, JsonShape) {
    VethPrepareResult r = prepared();
    r.setup = PeerSetup::Gro;
    EXPECT_EQ(to_json(r).dump(),
              R"({"ifname":"veth0","peer":{"ifname":"veth1","ifindex":7,"netns":"lab-peer"},)"
              R"("setup":"gro","xdp_features_before":["basic","redirect","rx-sg"],)"
              R"("xdp_features_after":["basic","redirect","ndo-xmit","rx-sg","ndo-xmit-sg"],)"
              R"("changed":true,"changes":["veth1: attached 'pass' in native mode (prog id 3, )"
              R"(link id 4); pinned in /x","veth0: tx-vlan-hw-insert off"],"notes":[]})");
}

TEST(VethCreateReport, TextAndJson) {
    VethCreateResult r{{"veth0", "lab", 5, 2, 2, 1500, true},
                       {"veth1", "lab-peer", 4, 2, 2, 1500, true},
                       {}};
    EXPECT_EQ(format_veth_create(r),
              "created veth pair veth0 <-> veth1\n"
              "  veth0  namespace lab       ifindex 5  queues 2 rx / 2 tx  mtu 1500  up\n"
              "  veth1  namespace lab-peer  ifindex 4  queues 2 rx / 2 tx  mtu 1500  up\n");
    EXPECT_EQ(to_json(r).dump(),
              R"({"ifname":"veth0","netns":"lab","ifindex":5,"rx_queues":2,"tx_queues":2,)"
              R"("mtu":1500,"up":true,"peer":{"ifname":"veth1","netns":"lab-peer","ifindex":4,)"
              R"("rx_queues":2,"tx_queues":2,"mtu":1500,"up":true},"notes":[]})");
}

}  // namespace
}  // namespace xdpkit
