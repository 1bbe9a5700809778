// xdpkit afxdp end to end, with the outputs xdp-tutorial's advanced03 expects: the command
// runs in the background in the DUT namespace while the peer pings it over IPv6, then gets
// SIGTERM (or SIGINT) like a person's Ctrl-C, and must leave veth0 as it found it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "lab/background_run.h"
#include "lab/lab.h"
#include "lab/lab_asserts.h"
#include "support/temp_dir.h"

namespace xdpkit::test {
namespace {

using json = nlohmann::json;

// `xdpkit --json -n NS afxdp ...` running in the background.
class AfxdpRun : public BackgroundRun {
public:
    AfxdpRun(const std::string& ns, std::vector<std::string> args)
        : BackgroundRun(ns, with_command(std::move(args))) {}

private:
    static std::vector<std::string> with_command(std::vector<std::string> args) {
        args.insert(args.begin(), "afxdp");
        return args;
    }
};

// ping -6 -c count from ns to addr: the sequence numbers that got a reply.
std::set<int> ping6_replies(const std::string& ns, const std::string& addr, int count) {
    const auto r = run_command({"ip", "netns", "exec", ns, "ping", "-6", "-n", "-c",
                                std::to_string(count), "-i", "0.2", "-W", "1", addr});
    std::set<int> seqs;
    static const std::regex reply(R"(bytes from .*icmp_seq=(\d+))");
    for (std::sregex_iterator it(r.out.begin(), r.out.end(), reply), end; it != end; ++it)
        seqs.insert(std::stoi((*it)[1]));
    return seqs;
}

// A counter of /proc/net/snmp6 in ns: what the kernel's own ICMPv6 code saw.
uint64_t snmp6(const std::string& ns, const std::string& name) {
    const auto r = run_command({"ip", "netns", "exec", ns, "cat", "/proc/net/snmp6"});
    std::istringstream in(r.out);
    std::string key;
    uint64_t value = 0;
    while (in >> key >> value)
        if (key == name) return value;
    throw std::runtime_error("no " + name + " in /proc/net/snmp6");
}

class AfxdpLab : public ::testing::Test {
protected:
    // Runs afxdp on veth0 until it has started, pings 10 times from the peer, stops it with
    // SIGTERM; returns the replies' sequence numbers.
    std::set<int> ping_through(const std::vector<std::string>& args) {
        AfxdpRun run(lab.dut_ns(), args);
        EXPECT_TRUE(run.wait_for("started")) << run.err();
        const auto replies = ping6_replies(lab.peer_ns(), Lab::kDutIp6, 10);
        EXPECT_EQ(run.stop(SIGTERM), 0) << run.err();
        started = run.last("started");
        stopped = run.last("stopped");
        EXPECT_FALSE(stopped.is_null()) << run.err();
        expect_nothing_attached(lab.dut_ns(), "veth0");
        return replies;
    }
    Lab lab;
    json started, stopped;
};

TEST_F(AfxdpLab, EveryOtherDropEatsEveryOddPingAndNeighbourDiscoveryIsNotCounted) {
    const auto replies =
        ping_through({"veth0", "--steer", "every-other", "--filter", "icmpv6-echo"});
    EXPECT_EQ(replies, (std::set<int>{2, 4, 6, 8, 10}));
    EXPECT_EQ(started.at("copy_mode"), "copy");  // veth: zero-copy refused, auto fell back
    EXPECT_EQ(stopped.at("rx_packets"), 5);
    EXPECT_EQ(stopped.at("tx_packets"), 0);
    EXPECT_EQ(stopped.at("program").at("to-socket"), 5);
    EXPECT_EQ(stopped.at("program").at("passed"), 5);
    EXPECT_EQ(stopped.at("program").at("no-socket"), 0);
    EXPECT_GE(stopped.at("program").at("filtered-out"), 1);  // at least the neighbour solicitation
    EXPECT_TRUE(stopped.at("accounting").at("audit").get<bool>());
    EXPECT_EQ(stopped.at("accounting").at("violations"), 0);
    EXPECT_EQ(stopped.at("detached"), json::array({"afxdp"}));
    EXPECT_TRUE(stopped.at("chain_removed").get<bool>());
}

TEST_F(AfxdpLab, EveryOtherPongAnswersEveryPingHalfFromUserSpaceHalfFromTheKernel) {
    const uint64_t kernel_before = snmp6(lab.dut_ns(), "Icmp6InEchos");
    const auto replies = ping_through(
        {"veth0", "--mode", "pong", "--steer", "every-other", "--filter", "icmpv6-echo"});
    EXPECT_EQ(replies.size(), 10u);
    EXPECT_EQ(stopped.at("rx_packets"), 5);
    EXPECT_EQ(stopped.at("tx_packets"), 5);     // user space's replies
    EXPECT_EQ(stopped.at("tx_completed"), 5);
    EXPECT_EQ(stopped.at("not_replied"), 0);
    EXPECT_EQ(snmp6(lab.dut_ns(), "Icmp6InEchos") - kernel_before, 5u);  // the kernel's
    EXPECT_TRUE(stopped.at("accounting").at("audit").get<bool>());
}

TEST_F(AfxdpLab, SteerAllPongAnswersEveryPingAndTheKernelSeesNone) {
    const uint64_t in_before = snmp6(lab.dut_ns(), "Icmp6InEchos");
    const uint64_t out_before = snmp6(lab.dut_ns(), "Icmp6OutEchoReplies");
    const auto replies = ping_through({"veth0", "--mode", "pong", "--filter", "icmpv6-echo"});
    EXPECT_EQ(replies.size(), 10u);
    EXPECT_EQ(stopped.at("tx_packets"), 10);
    EXPECT_EQ(stopped.at("tx_completed"), 10);
    EXPECT_EQ(stopped.at("xdp_statistics").at("tx_invalid_descs"), 0);
    EXPECT_EQ(snmp6(lab.dut_ns(), "Icmp6InEchos"), in_before);
    EXPECT_EQ(snmp6(lab.dut_ns(), "Icmp6OutEchoReplies"), out_before);
}

TEST_F(AfxdpLab, SigintWithAnotherStageLeavesThatStageAlone) {
    attach_ok(lab, {"pass", "veth0"});
    AfxdpRun run(lab.dut_ns(), {"veth0", "--chain", "--filter", "udp:9"});
    ASSERT_TRUE(run.wait_for("started")) << run.err();
    EXPECT_EQ(run.last("started").at("slot"), 1);
    EXPECT_EQ(lab.status().at("chain").size(), 2u);
    EXPECT_TRUE(lab.send_udp4(3, 9));
    EXPECT_EQ(run.stop(SIGINT), 0) << run.err();
    const json stopped = run.last("stopped");
    EXPECT_EQ(stopped.at("rx_packets"), 3);
    EXPECT_FALSE(stopped.at("chain_removed").get<bool>());
    const json st = lab.status();
    ASSERT_EQ(st.at("chain").size(), 1u) << st;
    EXPECT_EQ(st.at("chain").at(0).at("program"), "pass");
    EXPECT_TRUE(lab.ping6(2));  // the stack has veth0 back
}

// The refusal names both ways out, and the second one exists: --replace swaps the chain.
TEST_F(AfxdpLab, ReplaceSwapsTheChainTheRefusalOffers) {
    attach_ok(lab, {"pass", "veth0"});
    const auto refused = lab.xdpkit({"afxdp", "veth0", "--count", "1"});
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("add --chain"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("--replace"), std::string::npos) << refused.err;
    AfxdpRun run(lab.dut_ns(), {"veth0", "--replace", "--filter", "udp:9"});
    ASSERT_TRUE(run.wait_for("started")) << run.err();
    const json st = lab.status();
    ASSERT_EQ(st.at("chain").size(), 1u) << st;
    EXPECT_EQ(st.at("chain").at(0).at("program"), "afxdp");
    EXPECT_TRUE(lab.send_udp4(3, 9));
    EXPECT_EQ(run.stop(SIGINT), 0) << run.err();
    EXPECT_EQ(run.last("stopped").at("rx_packets"), 3);
    expect_nothing_attached(lab.dut_ns(), "veth0");  // what --replace swapped out stays gone
}

TEST_F(AfxdpLab, ZeroCopyOnVethIsOneLineAndChangesNothing) {
    const auto r = lab.xdpkit({"afxdp", "veth0", "--zerocopy"});
    EXPECT_EQ(r.status, 1);
    expect_one_error_line(r);
    EXPECT_NE(r.err.find("EOPNOTSUPP"), std::string::npos) << r.err;
    expect_nothing_attached(lab.dut_ns(), "veth0");
}

// veth0 with two RX queues, veth1 with one TX queue: a veth receives on the queue its peer
// sent on, so every frame arrives on veth0's queue 0.
class AfxdpQueues : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string prefix = unique_lab_prefix();
        dut_ = prefix;
        peer_ = prefix + "-peer";
        add_lab_netns(dut_);
        add_lab_netns(peer_);
        ip_or_throw({"-n", dut_, "link", "add", "veth0", "numtxqueues", "2", "numrxqueues", "2",
                     "type", "veth", "peer", "name", "veth1", "numtxqueues", "1",
                     "numrxqueues", "1", "netns", peer_});
        ip_or_throw({"-n", dut_, "addr", "add", std::string(Lab::kDutIp6) + "/64", "dev",
                     "veth0", "nodad"});
        ip_or_throw({"-n", peer_, "addr", "add", std::string(Lab::kPeerIp6) + "/64", "dev",
                     "veth1", "nodad"});
        ip_or_throw({"-n", dut_, "link", "set", "veth0", "up"});
        ip_or_throw({"-n", peer_, "link", "set", "veth1", "up"});
        wait_until_quiet({dut_, peer_});
    }
    void TearDown() override {
        remove_lab_netns(dut_);
        remove_lab_netns(peer_);
    }
    std::string dut_, peer_;
};

TEST_F(AfxdpQueues, SocketOnAQueueWithoutTrafficGetsTheHint) {
    AfxdpRun run(dut_, {"veth0", "--queue", "1", "--filter", "icmpv6-echo", "--interval", "0.2"});
    ASSERT_TRUE(run.wait_for("started")) << run.err();
    // The pings still get answers: the program passes what has no socket on its queue.
    EXPECT_EQ(ping6_replies(peer_, Lab::kDutIp6, 3).size(), 3u);
    EXPECT_TRUE(run.wait_for("hint")) << run.err();
    EXPECT_EQ(run.stop(SIGTERM), 0);
    const json hint = run.last("hint");
    const std::string message = hint.at("message");
    EXPECT_NE(message.find("no frames on veth0 queue 1"), std::string::npos) << message;
    EXPECT_NE(message.find("--queue 0 or --all-queues"), std::string::npos) << message;
    EXPECT_GE(hint.at("rx_queue_frames").at("0"), 1);  // the hint comes with the first frames
    EXPECT_EQ(hint.at("rx_queue_frames").at("1"), 0);
    const json stopped = run.last("stopped");
    EXPECT_GE(stopped.at("rx_queue_frames").at("0"), 3);
    EXPECT_EQ(stopped.at("rx_queue_frames").at("1"), 0);
    EXPECT_EQ(stopped.at("program").at("no-socket"), 3);  // the echo requests, passed instead
    expect_nothing_attached(dut_, "veth0");
}

TEST_F(AfxdpQueues, AllQueuesShareOneUmemAndTheBusyQueueAnswers) {
    AfxdpRun run(dut_, {"veth0", "--all-queues", "--mode", "pong", "--filter", "icmpv6-echo",
                        "--frames", "256", "--batch", "16"});
    ASSERT_TRUE(run.wait_for("started")) << run.err();
    EXPECT_EQ(run.last("started").at("queues"), json::array({0, 1}));
    EXPECT_EQ(ping6_replies(peer_, Lab::kDutIp6, 4).size(), 4u);
    EXPECT_EQ(run.stop(SIGTERM), 0);
    const json stopped = run.last("stopped");
    ASSERT_EQ(stopped.at("queues").size(), 2u);
    EXPECT_EQ(stopped.at("queues").at(0).at("tx_packets"), 4);
    EXPECT_EQ(stopped.at("queues").at(1).at("rx_packets"), 0);
    for (const auto& q : stopped.at("queues")) {
        const auto& f = q.at("frames");
        EXPECT_EQ(f.at("free").get<int>() + f.at("fill").get<int>(), 256) << q;
    }
    EXPECT_TRUE(run.last("hint").is_null());  // a socket on every queue: nothing to hint
    expect_nothing_attached(dut_, "veth0");
}

}  // namespace
}  // namespace xdpkit::test
