// The JSON other tools read: field names and types are a contract.
#include <gtest/gtest.h>

#include "core/attach/counters.h"
#include "core/kernel/netns.h"
#include "core/attach/status.h"
#include "core/base/version.h"
#include "support/packet.h"

namespace xdpkit {
namespace {

TEST(JsonShapes, StatusOfAnEmptyInterface) {
    InterfaceStatus s;
    s.name = "veth0";
    s.ifindex = 4;
    s.mode = "none";
    const Json j = to_json(s);
    EXPECT_EQ(j.dump(),
              R"({"ifname":"veth0","ifindex":4,"mode":"none","prog_id":0,"prog_name":"",)"
              R"("xdpkit":false,"problems":[]})");
}

TEST(JsonShapes, StatusOfAChainListsStagesInOrderWithParamsAndVerdicts) {
    InterfaceStatus s;
    s.name = "veth0";
    s.mode = "native";
    s.prog_id = 10;
    s.prog_name = "xdpkit_root";
    s.xdpkit = true;
    s.mechanism = "tail-call chain";
    s.link_id = 3;
    s.pin_dir = "/sys/fs/bpf/xdpkit/lab/veth0";
    StageStatus drop{0, "drop", 11, s.pin_dir + "/drop", true, {{"action", "pass"}}, {}, {},
                     {{"proto_counters", "unparsed", {2, 180}}}};
    drop.verdicts = {{0, 0}, {0, 0}, {5, 420}, {0, 0}, {0, 0}};
    StageStatus redirect{1, "redirect", 12, s.pin_dir + "/redirect", true, {{"via", "devmap"}},
                         {{"to", "veth2"}}, {}, {}};
    s.stages = {drop, redirect};
    const Json j = to_json(s);
    EXPECT_EQ(j["mechanism"], "tail-call chain");
    ASSERT_EQ(j["chain"].size(), 2u);
    EXPECT_EQ(j["chain"][0]["program"], "drop");
    EXPECT_EQ(j["chain"][0]["slot"], 0);
    EXPECT_EQ(j["chain"][0]["params"]["action"], "pass");
    EXPECT_EQ(j["chain"][0]["verdicts"]["pass"]["packets"], 5);
    EXPECT_EQ(j["chain"][0]["verdicts"]["pass"]["bytes"], 420);
    EXPECT_TRUE(j["chain"][0]["state"].is_object());
    EXPECT_TRUE(j["chain"][0]["state"].empty());
    EXPECT_EQ(j["chain"][0]["counters"]["proto_counters"]["unparsed"]["packets"], 2);
    EXPECT_EQ(j["chain"][0]["counters"]["proto_counters"]["unparsed"]["bytes"], 180);
    EXPECT_EQ(j["chain"][1]["program"], "redirect");
    EXPECT_EQ(j["chain"][1]["state"]["to"], "veth2");
    EXPECT_TRUE(j["chain"][1]["counters"].is_object());
    EXPECT_TRUE(j["chain"][1]["counters"].empty());
}

// status lists a stale pin folder as its own element after the interfaces, whose objects keep
// their shape.
TEST(JsonShapes, StatusOfAStalePinFolder) {
    StaleFolder f{"/sys/fs/bpf/xdpkit/lab", "lab", "no namespace is named 'lab' any more",
                  "cookie 8190", {"ipsec:sad", "veth0"}};
    EXPECT_EQ(to_json(f).dump(),
              R"({"stale_pins":{"pin_dir":"/sys/fs/bpf/xdpkit/lab","netns":"lab",)"
              R"("reason":"no namespace is named 'lab' any more","identity":"cookie 8190",)"
              R"("holds":["ipsec:sad","veth0"],"hint":"run 'xdpkit prune' to remove them"}})");
    f.identity.clear();  // made by an older xdpkit
    EXPECT_TRUE(to_json(f)["stale_pins"]["identity"].is_null());
    EXPECT_EQ(stale_line(f),
              "/sys/fs/bpf/xdpkit/lab: no namespace is named 'lab' any more; holds ipsec:sad, "
              "veth0, which no namespace uses; run 'xdpkit prune' to remove it");
}

TEST(NetnsIdentity, TheCookieDecidesWhenBothHaveOneElseTheNsfsInode) {
    const NetnsIdentity a{8190, 4, 4026532174}, reused_inode{8213, 4, 4026532174};
    EXPECT_TRUE(same_netns(a, a));
    EXPECT_FALSE(same_netns(a, reused_inode));  // a new namespace that got the dead one's inode
    const NetnsIdentity no_cookie{0, 4, 4026532174};
    EXPECT_TRUE(same_netns(a, no_cookie));      // all a kernel before 5.14 can tell
    EXPECT_FALSE(same_netns(NetnsIdentity{}, no_cookie));
    EXPECT_EQ(describe(a), "cookie 8190");
    EXPECT_EQ(describe(no_cookie), "nsfs inode 4:4026532174");
}

TEST(JsonShapes, ActionCountersAreNamedByVerdict) {
    const Json j = action_counters_json({{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}});
    EXPECT_EQ(j.dump(),
              R"({"aborted":{"packets":1,"bytes":2},"drop":{"packets":3,"bytes":4},)"
              R"("pass":{"packets":5,"bytes":6},"tx":{"packets":7,"bytes":8},)"
              R"("redirect":{"packets":9,"bytes":10}})");
}

TEST(JsonShapes, VersionNamesEveryPartAsAString) {
    const BuildVersion v{"0.1.0", "e4776b8-dirty", "1.1", "1.3.1"};
    EXPECT_EQ(to_json(v).dump(),
              R"({"xdpkit":"0.1.0","git":"e4776b8-dirty","libbpf":"1.1","libxdp":"1.3.1"})");
    EXPECT_EQ(version_text(v), "xdpkit 0.1.0 (git e4776b8-dirty)\nlibbpf 1.1\nlibxdp 1.3.1");
}

// The fixtures' packet builder: lengths and the IPv4 checksum it fills in.
TEST(PacketBuilder, FillsIpv4LengthAndChecksum) {
    const auto b = test::Packet().eth().ipv4("198.18.0.1", "198.18.0.2").udp(1, 2).payload(4).bytes();
    ASSERT_EQ(b.size(), 14u + 20 + 8 + 4);
    EXPECT_EQ(b[12], 0x08);
    EXPECT_EQ(b[13], 0x00);
    EXPECT_EQ((b[16] << 8) | b[17], 32);        // IPv4 total length
    EXPECT_EQ(b[23], 17);                       // protocol
    EXPECT_EQ((b[38] << 8) | b[39], 12);        // UDP length
    uint32_t sum = 0;                           // a valid header sums to 0xffff
    for (int i = 14; i < 34; i += 2) sum += (b[i] << 8) | b[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    EXPECT_EQ(sum, 0xffffu);
}

TEST(PacketBuilder, StacksVlanTagsAndIpv6ExtensionHeaders) {
    const auto b = test::Packet().eth().vlan(10, 0x88a8).vlan(20).ipv6().ipv6_ext(0).udp().bytes();
    EXPECT_EQ((b[12] << 8) | b[13], 0x88a8);
    EXPECT_EQ((b[16] << 8) | b[17], 0x8100);
    EXPECT_EQ((b[20] << 8) | b[21], 0x86dd);
    EXPECT_EQ(b[22 + 6], 0);                     // next header: hop-by-hop
    EXPECT_EQ((b[22 + 4] << 8) | b[22 + 5], 16); // payload length: ext + UDP
    EXPECT_EQ(b[62], 17);                        // hop-by-hop's next header: UDP
}

}  // namespace
}  // namespace xdpkit
