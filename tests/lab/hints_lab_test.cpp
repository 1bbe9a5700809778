// xdpkit hints end to end on a live veth: the command runs in the DUT namespace while this
// process sends test frames out of the peer (core's sender: AF_PACKET, tagged frames through
// a tc egress bpf_skb_vlan_push), and what both consumers printed is checked frame by frame.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <bpf/bpf.h>

#include "core/attach/chain.h"
#include "core/kernel/interface.h"
#include "core/kernel/netns.h"
#include "core/attach/program.h"
#include "chain_root.skel.h"
#include "hints.skel.h"
#include "core/kernel/rtnl.h"
#include "core/hints/rx_meta_qualify.h"
#include "lab/background_run.h"
#include "lab/lab.h"
#include "lab/lab_asserts.h"

namespace xdpkit::test {
namespace {

using json = nlohmann::json;

MacAddress mac_in(const std::string& ns, const std::string& dev) {
    auto inside = NetnsGuard::enter(ns);
    if (!inside) throw std::runtime_error(inside.error().message);
    auto iface = find_interface(dev);
    if (!iface) throw std::runtime_error(iface.error().message);
    auto mac = link_mac(iface->ifindex);
    if (!mac) throw std::runtime_error(mac.error().message);
    return *mac;
}

class HintsLab : public ::testing::Test {
protected:
    // Runs `hints veth0 --steer steer`, sends the traffic from veth1, waits until every test
    // frame was printed (or 5 s), stops it; returns the frame events of the test flows.
    std::vector<json> frames_of(const TestTraffic& traffic, const std::string& steer) {
        BackgroundRun run(lab.dut_ns(), {"hints", "veth0", "--steer", steer});
        EXPECT_TRUE(run.wait_for("started")) << run.err();
        auto frames = build_test_frames(traffic, mac_in(lab.peer_ns(), "veth1"),
                                        mac_in(lab.dut_ns(), "veth0"));
        EXPECT_TRUE(frames) << frames.error().message;
        std::set<std::string> flows;
        for (const auto& f : *frames) flows.insert(f.flow);
        {
            auto inside = NetnsGuard::enter(lab.peer_ns());
            EXPECT_TRUE(inside);
            auto veth1 = find_interface("veth1");
            EXPECT_TRUE(veth1);
            auto sent = send_test_frames(*veth1, *frames, traffic.vlan_id);
            EXPECT_TRUE(sent) << sent.error().message;
        }
        std::vector<json> ours;
        for (int i = 0; i < 500 && ours.size() < frames->size(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            ours.clear();
            for (const auto& e : run.events())
                if (e.at("event") == "frame" && flows.count(e.at("flow"))) ours.push_back(e);
        }
        EXPECT_EQ(run.stop(SIGTERM), 0) << run.err();
        stopped = run.last("stopped");
        EXPECT_EQ(stopped.at("detached"), json::array({"hints"})) << stopped;
        EXPECT_EQ(ours.size(), frames->size());
        return ours;
    }
    Lab lab;
    json stopped;
};

TEST_F(HintsLab, HashIsPresentAndStablePerFlowAndDiffersAcross64Flows) {
    TestTraffic t;
    t.flows = 64;
    t.frames_per_flow = 2;
    t.tagged_flows = 0;
    std::map<std::string, std::set<uint64_t>> by_flow;
    for (const auto& f : frames_of(t, "socket")) {
        EXPECT_EQ(f.at("via"), "xsk") << f;
        ASSERT_TRUE(f.at("metadata").get<bool>()) << f;
        EXPECT_EQ(f.at("hash").at("status"), "ok") << f;
        EXPECT_EQ(f.at("hash").at("err"), 0) << f;
        by_flow[f.at("flow")].insert(f.at("hash").at("value").get<uint64_t>());
    }
    ASSERT_EQ(by_flow.size(), 64u);
    std::set<uint64_t> distinct;
    for (const auto& [flow, hashes] : by_flow) {
        EXPECT_EQ(hashes.size(), 1u) << flow << ": the same 5-tuple got different hashes";
        distinct.insert(*hashes.begin());
    }
    EXPECT_EQ(distinct.size(), 64u) << "different ports, different hashes";
}

TEST_F(HintsLab, VlanTag100OnTaggedFramesAndNoDataOnUntagged) {
    TestTraffic t;
    t.flows = 4;
    t.frames_per_flow = 1;
    t.tagged_flows = 4;
    t.tagged_per_flow = 1;
    int tagged = 0, untagged = 0;
    for (const auto& f : frames_of(t, "socket")) {
        const auto& vlan = f.at("vlan");
        const uint16_t sport = std::stoi(f.at("flow").get<std::string>().substr(13, 5));
        if (sport >= t.first_tagged_port) {
            ++tagged;
            EXPECT_EQ(vlan.at("status"), "ok") << f;
            EXPECT_EQ(vlan.at("id"), 100) << f;
            EXPECT_EQ(vlan.at("proto"), 0x8100) << f;
        } else {
            ++untagged;
            EXPECT_EQ(vlan.at("status"), "no data") << f;
            EXPECT_EQ(vlan.at("err"), -ENODATA) << f;
        }
    }
    EXPECT_EQ(tagged, 4);
    EXPECT_EQ(untagged, 4);
}

TEST_F(HintsLab, TimestampIsNoDataOnVethTheKfuncSucceedsWithZero) {
    TestTraffic t;
    t.flows = 4;
    t.frames_per_flow = 1;
    t.tagged_flows = 0;
    for (const auto& f : frames_of(t, "socket")) {
        EXPECT_EQ(f.at("timestamp").at("status"), "no data") << f;
        EXPECT_EQ(f.at("timestamp").at("err"), 0) << f;
        EXPECT_EQ(f.at("timestamp").at("value"), 0) << f;
        EXPECT_FALSE(f.at("timestamp").contains("to_user_ns")) << f;
        EXPECT_GT(f.at("xdp_to_user_ns").get<int64_t>(), 0) << f;
    }
}

TEST_F(HintsLab, TheStackConsumerSeesTheSameHashAsTheAfXdpConsumer) {
    TestTraffic t;
    t.flows = 8;
    t.frames_per_flow = 4;  // every other: two to each consumer
    t.tagged_flows = 0;
    std::map<std::string, std::map<std::string, std::set<uint64_t>>> seen;  // flow -> via -> hashes
    for (const auto& f : frames_of(t, "every-other")) {
        ASSERT_TRUE(f.at("metadata").get<bool>()) << f;
        const uint64_t hash = f.at("hash").at("value");
        seen[f.at("flow")][f.at("via")].insert(hash);
        if (f.at("via") == "stack") {
            EXPECT_EQ(f.at("skb_hash"), hash) << f;
        }
    }
    ASSERT_EQ(seen.size(), 8u);
    for (const auto& [flow, via] : seen) {
        ASSERT_EQ(via.count("xsk"), 1u) << flow;
        ASSERT_EQ(via.count("stack"), 1u) << flow;
        EXPECT_EQ(via.at("xsk"), via.at("stack")) << flow;
        EXPECT_EQ(via.at("xsk").size(), 1u) << flow;
    }
}

TEST_F(HintsLab, QualifyOnVethExitsZeroAndWarnsThatThereIsNoHardwareTimestamp) {
    const auto r = lab.xdpkit({"--json", "hints", "veth0", "--qualify"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    const json q = json::parse(r.out);
    EXPECT_TRUE(q.at("qualified").get<bool>());
    std::map<std::string, json> fields;
    for (const auto& f : q.at("fields")) fields[f.at("field")] = f;
    EXPECT_EQ(fields.at("rx-timestamp").at("verdict"), "warn") << q;
    EXPECT_NE(fields.at("rx-timestamp").at("reason").get<std::string>().find("no hardware timestamp"),
              std::string::npos);
    EXPECT_EQ(fields.at("rx-hash").at("verdict"), "pass") << q;
    EXPECT_EQ(fields.at("rx-vlan-tag").at("verdict"), "pass") << q;
    EXPECT_EQ(fields.at("stack-metadata").at("verdict"), "pass") << q;
    for (const char* tx : {"tx-timestamp", "tx-checksum", "tx-launch-time"})
        EXPECT_EQ(fields.at(tx).at("reason"), "unsupported by this device") << q;
    EXPECT_FALSE(lab.status().at("xdpkit").get<bool>());  // detached again

    const auto text = lab.xdpkit({"hints", "veth0", "--qualify"});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("warn"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("result: qualified"), std::string::npos) << text.out;
}

TEST_F(HintsLab, ProbeReportsTxMetadataUnsupportedOnVeth) {
    const auto r = lab.xdpkit({"--json", "probe", "veth0"});
    ASSERT_EQ(r.status, 0) << r.err;
    int tx_checks = 0;
    const json probe = json::parse(r.out);
    for (const auto& c : probe.at("device").at("checks")) {
        if (c.at("feature").get<std::string>().rfind("tx-metadata", 0) != 0) continue;
        ++tx_checks;
        EXPECT_EQ(c.at("supported"), false) << c;
        EXPECT_NE(c.at("detail").get<std::string>().find("veth does not implement"),
                  std::string::npos);
    }
    EXPECT_EQ(tx_checks, 3);
}

// attach hints: bound to the device and attached directly (no chain); nothing chains after it,
// skb mode is refused, --replace swaps in both directions, detach leaves nothing.
TEST_F(HintsLab, AttachHintsIsDirectAndDeviceBound) {
    const auto skb = lab.xdpkit({"attach", "hints", "veth0", "--mode", "skb"});
    EXPECT_EQ(skb.status, 1);
    expect_one_error_line(skb);
    EXPECT_NE(skb.err.find("device-bound"), std::string::npos) << skb.err;

    const auto lo = lab.xdpkit({"attach", "hints", "lo"});  // no native XDP
    EXPECT_EQ(lo.status, 1);
    expect_one_error_line(lo);
    EXPECT_NE(lo.err.find("takes no device-bound programs"), std::string::npos) << lo.err;

    attach_ok(lab, {"hints", "veth0"});
    json st = lab.status();
    EXPECT_EQ(st.at("mechanism"), "direct") << st;
    EXPECT_EQ(st.at("mode"), "native");
    ASSERT_EQ(st.at("chain").size(), 1u);
    EXPECT_EQ(st.at("chain").at(0).at("program"), "hints");
    EXPECT_EQ(st.at("chain").at(0).at("params").at("steer"), "stack");
    EXPECT_TRUE(st.at("problems").empty()) << st;
    EXPECT_TRUE(lab.ping4(2));  // frames pass to the stack, metadata in front

    const auto chained = lab.xdpkit({"attach", "pass", "veth0", "--chain"});
    EXPECT_EQ(chained.status, 1);
    EXPECT_NE(chained.err.find("directly"), std::string::npos) << chained.err;

    attach_ok(lab, {"pass", "veth0", "--replace"});
    st = lab.status();
    EXPECT_EQ(st.at("mechanism"), "tail-call chain") << st;
    EXPECT_EQ(st.at("chain").at(0).at("program"), "pass");
    EXPECT_TRUE(st.at("problems").empty()) << st;

    const auto refused = lab.xdpkit({"attach", "hints", "veth0", "--chain"});
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("cannot join a chain"), std::string::npos) << refused.err;
    attach_ok(lab, {"hints", "veth0", "--replace"});
    st = lab.status();
    EXPECT_EQ(st.at("mechanism"), "direct") << st;
    EXPECT_TRUE(st.at("problems").empty()) << st;

    const auto run = lab.xdpkit({"run", "hints", "--pcap", "/dev/null"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("device-bound"), std::string::npos) << run.err;

    const auto d = lab.xdpkit({"detach", "veth0"});
    ASSERT_EQ(d.status, 0) << d.err;
    EXPECT_FALSE(lab.status().at("xdpkit").get<bool>());
}

// The kernel facts the direct attachment rests on (docs/programs/hints.md): a device-bound
// program is refused by a prog array, so it can never be a tail-called stage. A bound program
// may hold a prog array itself, though: a bound root loads (the way to stages after hints).
TEST_F(HintsLab, TheKernelKeepsADeviceBoundProgramOutOfTheChainsProgArray) {
    auto inside = NetnsGuard::enter(lab.dut_ns());
    ASSERT_TRUE(inside) << inside.error().message;
    auto veth0 = find_interface("veth0");
    ASSERT_TRUE(veth0);
    // The hints object as its family loads it (cmd/hints_family.cpp), without the CLI library.
    Family hints{"hints", "", "xdpkit_hints", {}, true, skeleton_opener<hints_bpf>()};
    hints.device_bound = true;
    LoadOptions opts;
    opts.ifindex = veth0->ifindex;
    auto bound = load_program(hints, opts);
    ASSERT_TRUE(bound) << bound.error().message;
    auto root = load_chain_root();
    ASSERT_TRUE(root) << root.error().message;
    const int chain = bpf_map__fd(root->map("xdpkit_chain"));
    const uint32_t slot = 0;
    const int fd = bound->prog_fd();
    EXPECT_NE(bpf_map_update_elem(chain, &slot, &fd, BPF_ANY), 0);
    EXPECT_EQ(errno, EINVAL);

    Family bound_root{"chain-root", "", "xdpkit_root", {}, false, skeleton_opener<chain_root_bpf>()};
    bound_root.device_bound = true;
    auto root_bound = load_program(bound_root, opts);
    EXPECT_TRUE(root_bound) << root_bound.error().message;
}

}  // namespace
}  // namespace xdpkit::test
