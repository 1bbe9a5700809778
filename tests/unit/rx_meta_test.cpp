// RX metadata without a device: reading the struct back, each field's state, the per-frame
// line and JSON, and the verdict of --qualify from what the test frames showed.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "core/attach/chain.h"
#include "core/kernel/netdev_features.h"
#include "core/hints/rx_meta.h"
#include "support/packet.h"

namespace xdpkit {
namespace {

using test::Packet;
using namespace netdev_uapi;

xdpkit_rx_meta veth_meta(uint32_t hash, bool tagged) {
    xdpkit_rx_meta m{};
    m.rx_hash = hash;
    m.rx_hash_type = XDPKIT_RSS_L4;
    m.vlan_err = tagged ? 0 : -ENODATA;
    if (tagged) {
        m.vlan_proto = htons(0x8100);
        m.vlan_tci = 100;
    }
    m.magic = XDPKIT_RX_META_MAGIC;
    m.size = sizeof(m);
    m.version = XDPKIT_RX_META_VERSION;
    return m;
}

TEST(RxMeta, ReadsTheStructThatEndsAtTheFrameAndRefusesAnythingElse) {
    std::vector<uint8_t> buf(256 + 64);
    uint8_t* data = buf.data() + 256;
    const xdpkit_rx_meta m = veth_meta(0x1234, true);
    std::memcpy(data - sizeof(m), &m, sizeof(m));
    auto got = read_rx_meta(data, 256);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->rx_hash, 0x1234u);
    EXPECT_FALSE(read_rx_meta(data, sizeof(m) - 1));  // not enough headroom to be there
    xdpkit_rx_meta other = m;
    other.version = 2;
    std::memcpy(data - sizeof(m), &other, sizeof(m));
    EXPECT_FALSE(read_rx_meta(data, 256));
    std::memset(buf.data(), 0, 256);
    EXPECT_FALSE(read_rx_meta(data, 256));
}

TEST(RxMeta, FieldStatesFollowTheReturnCodesAndATimestampOfZeroIsNoData) {
    xdpkit_rx_meta m = veth_meta(1, false);
    EXPECT_EQ(hash_state(m), FieldState::Ok);
    EXPECT_EQ(vlan_state(m), FieldState::NoData);
    EXPECT_EQ(timestamp_state(m), FieldState::NoData);  // kfunc 0, value 0: veth
    m.rx_timestamp = 1700000000000000000ULL;
    EXPECT_EQ(timestamp_state(m), FieldState::Ok);
    m.timestamp_err = -EOPNOTSUPP;
    EXPECT_EQ(timestamp_state(m), FieldState::Unsupported);
    m.hash_err = -EINVAL;
    EXPECT_EQ(hash_state(m), FieldState::Error);
    EXPECT_STREQ(field_state_name(FieldState::NoData), "no data");
}

TEST(RxMeta, RssTypesAndFlowsInWords) {
    EXPECT_EQ(rss_type_text(0), "none");
    EXPECT_EQ(rss_type_text(XDPKIT_RSS_L4), "L4");
    EXPECT_EQ(rss_type_text(XDPKIT_RSS_L3_IPV4 | XDPKIT_RSS_L4 | XDPKIT_RSS_L4_UDP), "L4 UDP IPv4");
    EXPECT_EQ(rss_type_text(XDPKIT_RSS_L3_IPV6), "L3 IPv6");
    const auto v4 = Packet().eth().ipv4("198.18.0.2", "198.18.0.1").udp(1024, 9).payload(8).bytes();
    EXPECT_EQ(flow_text(v4.data(), v4.size()), "198.18.0.2:1024 > 198.18.0.1:9 udp");
    const auto tagged = Packet().eth().vlan(100).ipv6().tcp(5, 80).bytes();
    EXPECT_EQ(flow_text(tagged.data(), tagged.size()), "[fc00:dead:cafe::1]:5 > [fc00:dead:cafe::2]:80 tcp");
    const auto arp = Packet().eth().ethertype(0x0806).payload(28).bytes();
    EXPECT_EQ(flow_text(arp.data(), arp.size()), "ethertype 0x0806");
}

TEST(RxMeta, AFrameLineSaysOkNoDataOrUnsupportedPerField) {
    FrameHints f{"xsk", 64, "198.18.0.2:1024 > 198.18.0.1:9 udp", veth_meta(0xabcd, true),
                 std::nullopt, 5000};
    f.meta->xdp_tai_ns = 2000;
    const std::string line = format_frame(f);
    EXPECT_NE(line.find("hash 0x0000abcd L4 (ok)"), std::string::npos) << line;
    EXPECT_NE(line.find("vlan 0x8100/100 (ok)"), std::string::npos) << line;
    EXPECT_NE(line.find("timestamp (no data: 0)"), std::string::npos) << line;
    EXPECT_NE(line.find("xdp->user 3.0 us"), std::string::npos) << line;
    f.meta->vlan_err = -EOPNOTSUPP;
    EXPECT_NE(format_frame(f).find("vlan (unsupported)"), std::string::npos);

    const Json j = frame_json(f);
    EXPECT_EQ(j["via"], "xsk");
    EXPECT_EQ(j["hash"]["status"], "ok");
    EXPECT_EQ(j["hash"]["value"], 0xabcd);
    EXPECT_EQ(j["vlan"]["status"], "unsupported");
    EXPECT_EQ(j["timestamp"]["status"], "no data");
    EXPECT_EQ(j["timestamp"]["value"], 0);
    EXPECT_FALSE(j["timestamp"].contains("to_user_ns"));
    EXPECT_EQ(j["xdp_to_user_ns"], 3000);

    const FrameHints bare{"stack", 60, "", std::nullopt, 7u, 0};
    EXPECT_NE(format_frame(bare).find("no metadata"), std::string::npos);
    EXPECT_EQ(frame_json(bare)["metadata"], false);
    EXPECT_EQ(frame_json(bare)["skb_hash"], 7);
}

// What a veth shows: hash per flow, VLAN on tagged frames, timestamp 0, no TX metadata.
QualifyObservations veth_observations() {
    QualifyObservations o;
    o.flows_sent = 4;
    o.tagged_sent = 2;
    o.rx_metadata_features = NETDEV_XDP_RX_METADATA_TIMESTAMP | NETDEV_XDP_RX_METADATA_HASH |
                             NETDEV_XDP_RX_METADATA_VLAN_TAG;
    for (uint32_t flow = 0; flow < 4; ++flow)
        for (int copy = 0; copy < 2; ++copy)
            o.xsk.push_back({"flow" + std::to_string(flow), false, veth_meta(100 + flow, false)});
    o.xsk.push_back({"tagged", true, veth_meta(999, true)});
    o.xsk.push_back({"tagged", true, veth_meta(999, true)});
    o.stack.push_back({"flow0", true, veth_meta(100, false), 100});
    return o;
}

const FieldResult& field(const std::vector<FieldResult>& r, const std::string& name) {
    for (const auto& f : r)
        if (f.field == name) return f;
    throw std::runtime_error("no field " + name);
}

TEST(Qualify, VethPassesWithATimestampWarningAndTxMetadataUnsupported) {
    const auto r = qualify_fields(veth_observations());
    EXPECT_EQ(field(r, "rx-hash").verdict, Verdict::Pass) << field(r, "rx-hash").reason;
    EXPECT_EQ(field(r, "rx-vlan-tag").verdict, Verdict::Pass) << field(r, "rx-vlan-tag").reason;
    EXPECT_EQ(field(r, "stack-metadata").verdict, Verdict::Pass) << field(r, "stack-metadata").reason;
    EXPECT_EQ(field(r, "rx-timestamp").verdict, Verdict::Warn);
    EXPECT_NE(field(r, "rx-timestamp").reason.find("no hardware timestamp"), std::string::npos);
    EXPECT_EQ(field(r, "tx-timestamp").verdict, Verdict::NotAdvertised);
    EXPECT_EQ(field(r, "tx-timestamp").reason, "unsupported by this device");
    EXPECT_EQ(qualify_exit_status(r), 0);
    const std::string table = format_qualify("veth0", r);
    EXPECT_NE(table.find("rx-timestamp    yes        warn"), std::string::npos) << table;
    EXPECT_NE(table.find("result: qualified"), std::string::npos) << table;
    EXPECT_EQ(qualify_json("veth0", r)["qualified"], true);
}

TEST(Qualify, AnAdvertisedFieldThatFailsFailsTheDevice) {
    auto o = veth_observations();
    o.xsk[1].meta.rx_hash = 555;  // flow0 got two hashes
    auto r = qualify_fields(o);
    EXPECT_EQ(field(r, "rx-hash").verdict, Verdict::Fail);
    EXPECT_NE(field(r, "rx-hash").reason.find("2 different hashes"), std::string::npos);
    EXPECT_EQ(qualify_exit_status(r), 1);

    o = veth_observations();
    for (auto& s : o.xsk) s.meta.rx_hash = 7;  // every flow the same hash
    EXPECT_EQ(field(qualify_fields(o), "rx-hash").verdict, Verdict::Fail);

    o = veth_observations();
    o.xsk[0].meta.vlan_err = 0;  // an untagged frame with a tag
    EXPECT_EQ(field(qualify_fields(o), "rx-vlan-tag").verdict, Verdict::Fail);

    o = veth_observations();
    for (auto& s : o.xsk) s.meta.timestamp_err = -EOPNOTSUPP;
    EXPECT_EQ(field(qualify_fields(o), "rx-timestamp").verdict, Verdict::Fail);

    o = veth_observations();
    o.stack[0].skb_hash = 1;  // the stack's hash is not the one XDP saw
    EXPECT_EQ(field(qualify_fields(o), "stack-metadata").verdict, Verdict::Fail);
}

TEST(Qualify, AFieldTheDeviceDoesNotAdvertiseNeverFailsIt) {
    auto o = veth_observations();
    o.rx_metadata_features = NETDEV_XDP_RX_METADATA_HASH;
    for (auto& s : o.xsk) {
        s.meta.timestamp_err = -EOPNOTSUPP;
        s.meta.vlan_err = -EOPNOTSUPP;
    }
    const auto r = qualify_fields(o);
    EXPECT_EQ(field(r, "rx-timestamp").verdict, Verdict::NotAdvertised);
    EXPECT_EQ(field(r, "rx-vlan-tag").verdict, Verdict::NotAdvertised);
    EXPECT_FALSE(field(r, "rx-vlan-tag").advertised);
    EXPECT_EQ(qualify_exit_status(r), 0);
}

TEST(Qualify, AdvertisedTxMetadataIsAWarningNotAPass) {
    auto o = veth_observations();
    o.xsk_features = NETDEV_XSK_FLAGS_TX_TIMESTAMP;
    const auto r = qualify_fields(o);
    EXPECT_EQ(field(r, "tx-timestamp").verdict, Verdict::Warn);
    EXPECT_EQ(qualify_exit_status(r), 0);
}

// attach checks vmlinux for a family's kfuncs before anything is loaded or touched, and names
// the missing ones (this kernel has the RX metadata kfuncs; a made-up one stands for a kernel
// without them).
TEST(Qualify, AttachRefusesAFamilyWhoseKfuncsTheKernelLacks) {
    Family f{"fake-hints", "", "xdpkit_hints", {}, false, nullptr};
    f.device_bound = true;
    f.kfuncs = {"bpf_xdpkit_no_such_kfunc"};
    AttachRequest req;
    req.family = &f;
    req.ifname = "veth-none";
    auto r = attach_program(req);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "cannot attach 'fake-hints': this kernel lacks the kfuncs it calls "
              "(bpf_xdpkit_no_such_kfunc not in vmlinux BTF); 'xdpkit probe' shows what the "
              "kernel has");
}

}  // namespace
}  // namespace xdpkit
