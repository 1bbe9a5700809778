// xdpkit redirect end to end in the chain lab (lab/chain_lab.h): ping across devmap,
// devmap-hash and cpumap redirects, broadcast counted per target, the egress program's MACs
// seen by the receiver, and the refusals that leave the interface as it was.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>

#include "core/kernel/addresses.h"
#include "core/packets/pcap_file.h"
#include "lab/chain_lab.h"
#include "lab/lab_asserts.h"

namespace xdpkit::test {
namespace {

class RedirectLab : public ::testing::Test {
protected:
    // A veth in b can take redirected frames only while its peer has an XDP program.
    void SetUp() override {
        for (const auto& [w, dev] : {std::pair{'a', "a0"}, std::pair{'c', "c1"}, std::pair{'d', "d2"}})
            ASSERT_EQ(lab.xdpkit(w, {"attach", "pass", dev}).status, 0);
    }
    void redirect_ok(const std::vector<std::string>& args) {
        std::vector<std::string> a{"redirect"};
        a.insert(a.end(), args.begin(), args.end());
        const auto r = lab.xdpkit('b', a);
        ASSERT_EQ(r.status, 0) << r.err;
    }
    // Nothing of xdpkit's on b's dev: the refused command changed nothing.
    void expect_nothing_attached(const std::string& dev) {
        const auto r = lab.xdpkit('b', {"--json", "status", dev});
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_FALSE(nlohmann::json::parse(r.out).at(0).at("xdpkit").get<bool>()) << r.out;
    }
    ChainLab lab;
};

TEST_F(RedirectLab, DevmapCarriesPingBothWaysAndCountsPerTarget) {
    EXPECT_FALSE(lab.ping('a', ChainLab::kIpC, 1));  // b does not forward by itself
    redirect_ok({"b0", "--to", "b1"});
    redirect_ok({"b1", "--to", "b0"});
    EXPECT_TRUE(lab.ping('a', ChainLab::kIpC, 3));
    EXPECT_TRUE(lab.ping('c', ChainLab::kIpA, 3));

    for (const auto& [in, out] : {std::pair{"b0", "b1"}, std::pair{"b1", "b0"}}) {
        const auto st = lab.stage_counters('b', in);
        const uint64_t redirected = row_packets(st, "verdicts", "redirect");
        EXPECT_GE(redirected, 6u) << in;  // 6 echoes one way or the other, plus ARP
        EXPECT_EQ(row_packets(st, "target_counters", out), redirected) << in;
        EXPECT_EQ(row_packets(st, "redirect_errors", "target-missing"), 0u) << in;
        // status reads the target back from the pinned devmap.
        const auto status = lab.stage_status('b', in);
        EXPECT_EQ(status.at("params").at("via"), "devmap");
        EXPECT_EQ(status.at("state").at("to"), out);
    }
}

TEST_F(RedirectLab, DevmapHashCarriesPingBothWays) {
    redirect_ok({"b0", "--to", "b1", "--via", "devmap-hash"});
    redirect_ok({"b1", "--to", "b0", "--via", "devmap-hash"});
    EXPECT_TRUE(lab.ping('a', ChainLab::kIpC, 3));
    EXPECT_TRUE(lab.ping('c', ChainLab::kIpA, 3));
    const auto st = lab.stage_counters('b', "b0");
    EXPECT_EQ(st.at("program"), "redirect");
    EXPECT_GE(row_packets(st, "target_counters", "b1"), 3u);
}

TEST_F(RedirectLab, CpumapToCpuOneThenTheStackAnswersPing) {
    lab.address_b0();
    redirect_ok({"b0", "--via", "cpumap", "--cpus", "1"});
    EXPECT_TRUE(lab.ping('a', ChainLab::kIpB, 4));
    const auto st = lab.stage_counters('b', "b0");
    const uint64_t redirected = row_packets(st, "verdicts", "redirect");
    EXPECT_GE(redirected, 4u);
    EXPECT_EQ(row_packets(st, "cpu_counters", "1"), redirected);  // all on CPU 1
    EXPECT_EQ(row_packets(st, "cpu_counters", "0"), 0u);
    const auto status = lab.stage_status('b', "b0");
    EXPECT_EQ(status.at("state").at("cpus"), "1");
    EXPECT_EQ(status.at("state").at("queue-size"), "2048");
    EXPECT_FALSE(status.at("state").contains("to"));
}

TEST_F(RedirectLab, CpumapThenDevmapCarriesPingFromTheRemoteCpu) {
    redirect_ok({"b0", "--via", "cpumap", "--cpus", "1", "--to", "b1"});
    redirect_ok({"b1", "--to", "b0"});
    EXPECT_TRUE(lab.ping('a', ChainLab::kIpC, 3));
    const auto st = lab.stage_counters('b', "b0");
    const uint64_t redirected = row_packets(st, "verdicts", "redirect");
    EXPECT_GE(redirected, 3u);
    // The cpumap entry program redirected each of them on, on CPU 1.
    EXPECT_EQ(row_packets(st, "cpumap_verdicts", "redirect"), redirected);
    EXPECT_EQ(row_packets(st, "cpu_counters", "1"), redirected);
    EXPECT_EQ(row_packets(st, "target_counters", "b1"), redirected);
}

TEST_F(RedirectLab, BroadcastGivesEachTargetOneCopyAndNoneBackToTheIngress) {
    // a sends to an address nobody has, with a static neighbour entry: no ARP, and no
    // answer that could add frames.
    ip_or_throw({"-n", lab.ns('a'), "neigh", "add", "198.18.0.99", "lladdr", "02:00:00:00:00:99",
                 "dev", "a0"});
    redirect_ok({"b0", "--broadcast", "b0,b1,b2"});
    ASSERT_TRUE(lab.send_udp('a', "198.18.0.99", 20));
    const auto st = lab.stage_counters('b', "b0");
    const uint64_t redirected = row_packets(st, "verdicts", "redirect");
    EXPECT_GE(redirected, 20u);
    EXPECT_EQ(row_packets(st, "target_counters", "b1"), redirected);
    EXPECT_EQ(row_packets(st, "target_counters", "b2"), redirected);
    EXPECT_EQ(row_packets(st, "target_counters", "b0"), 0u);  // BPF_F_EXCLUDE_INGRESS
    // And they arrived: the receivers' programs saw at least as many.
    EXPECT_GE(row_packets(lab.stage_counters('c', "c1"), "verdicts", "pass"), redirected);
    EXPECT_GE(row_packets(lab.stage_counters('d', "d2"), "verdicts", "pass"), redirected);
    EXPECT_EQ(row_packets(lab.stage_counters('a', "a0"), "verdicts", "pass"), 0u);
    const std::string set = lab.stage_status('b', "b0").at("state").at("broadcast");
    for (const char* dev : {"b0", "b1", "b2"}) EXPECT_NE(set.find(dev), std::string::npos) << set;
}

TEST_F(RedirectLab, MacRewriteEgressProgramAddressesFramesFromTheEgressDevice) {
    const std::string b1_mac = lab.mac('b', "b1"), c1_mac = lab.mac('c', "c1");
    redirect_ok({"b0", "--to", "b1", "--egress-prog", "mac-rewrite", "--dst-mac", c1_mac});
    ip_or_throw({"-n", lab.ns('a'), "neigh", "add", ChainLab::kIpC, "lladdr", "02:00:00:00:00:99",
                 "dev", "a0"});

    char dir_template[] = "/tmp/xkt-macs-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    const std::string dir = dir_template, out = dir + "/c1.pcap";
    auto tcpdump = std::async(std::launch::async, [&] {
        return run_command({"timeout", "20", "ip", "netns", "exec", lab.ns('c'), "tcpdump", "-i",
                            "c1", "-U", "-c", "5", "-w", out, "udp", "port", "9"});
    });
    struct stat st {};
    for (int i = 0; i < 100 && (stat(out.c_str(), &st) != 0 || st.st_size < 24); ++i) usleep(50000);
    ASSERT_GE(st.st_size, 24) << "tcpdump did not start";
    ASSERT_TRUE(lab.send_udp('a', ChainLab::kIpC, 5));
    const auto dump = tcpdump.get();
    ASSERT_EQ(dump.status, 0) << dump.err;

    auto seen = read_pcap(out);
    ASSERT_TRUE(seen) << seen.error().message;
    ASSERT_EQ(seen->size(), 5u);
    const MacAddress want_src = *parse_mac(b1_mac), want_dst = *parse_mac(c1_mac);
    for (const auto& f : *seen) {
        ASSERT_GE(f.data.size(), 12u);
        EXPECT_TRUE(std::equal(want_dst.begin(), want_dst.end(), f.data.begin()));
        EXPECT_TRUE(std::equal(want_src.begin(), want_src.end(), f.data.begin() + 6));
    }
    // a addressed them to 02:00:00:00:00:99; only the rewrite made c1 accept them.
    EXPECT_GE(row_packets(lab.stage_counters('b', "b0"), "target_counters", "b1"), 5u);
    EXPECT_EQ(lab.stage_status('b', "b0").at("state").at("egress-macs"),
              "b1:" + b1_mac + ">" + c1_mac);
    (void)run_command({"rm", "-rf", dir});
}

TEST_F(RedirectLab, TargetInAnotherNamespaceIsRefusedNamingIt) {
    const auto r = lab.xdpkit('b', {"redirect", "b0", "--to", "c1"});
    EXPECT_EQ(r.status, 1);
    expect_one_error_line(r);
    EXPECT_NE(r.err.find("'" + lab.ns('c') + "'"), std::string::npos) << r.err;
    expect_nothing_attached("b0");
}

TEST_F(RedirectLab, TargetWithoutNdoXmitIsRefusedAndNothingIsAttached) {
    ASSERT_EQ(lab.xdpkit('c', {"detach", "c1"}).status, 0);  // c1's program gave b1 ndo-xmit
    const auto r = lab.xdpkit('b', {"redirect", "b0", "--to", "b1"});
    EXPECT_EQ(r.status, 1);
    expect_one_error_line(r);
    EXPECT_NE(r.err.find("ndo-xmit"), std::string::npos) << r.err;
    expect_nothing_attached("b0");
}

TEST_F(RedirectLab, BadOptionsAreOneLineAndLeaveTheRedirectAsItWas) {
    redirect_ok({"b0", "--to", "b1"});
    const std::vector<std::vector<std::string>> bad = {
        {"b0", "--to", "b1", "--replace", "--via", "cpumap", "--cpus", "7"},  // not online
        {"b0", "--to", "b1", "--replace", "--via", "teleport"},
        {"b0", "--to", "b1", "--replace", "--egress-prog", "mac-rewrite"},    // no --dst-mac
        {"b0", "--to", "nosuch0", "--replace"},
        {"b0", "--to", "b1", "--replace", "--broadcast", "b1,b2"},
        {"b0", "--to", "b1"},                                                 // already attached
    };
    for (const auto& args : bad) {
        std::vector<std::string> a{"redirect"};
        a.insert(a.end(), args.begin(), args.end());
        const auto r = lab.xdpkit('b', a);
        EXPECT_EQ(r.status, 1) << args.back();
        expect_one_error_line(r);
    }
    // Still the first redirect: devmap to b1, and it still carries frames.
    const auto st = lab.xdpkit('b', {"--json", "status", "b0"});
    ASSERT_EQ(st.status, 0);
    const auto stage = nlohmann::json::parse(st.out).at(0).at("chain").at(0);
    EXPECT_EQ(stage.at("params").at("via"), "devmap");
    redirect_ok({"b1", "--to", "b0"});
    EXPECT_TRUE(lab.ping('a', ChainLab::kIpC, 2));
}

}  // namespace
}  // namespace xdpkit::test
