// attach / status / detach end to end: the real binary, a lab built by the test, ping.
#include <gtest/gtest.h>

#include <cstdlib>

#include "lab/lab.h"
#include "lab/lab_asserts.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

uint64_t verdict_packets(const json& stage, const char* verdict) {
    return stage.at("verdicts").at(verdict).at("packets").get<uint64_t>();
}

class AttachLab : public ::testing::Test {
protected:
    void attach_ok(const std::vector<std::string>& args) { test::attach_ok(lab, args); }
    Lab lab;
};

TEST_F(AttachLab, DropStopsPingAndCountsThenDetachRestoresIt) {
    ASSERT_TRUE(lab.ping4());
    ASSERT_TRUE(lab.ping6());
    attach_ok({"drop", "veth0"});
    EXPECT_FALSE(lab.ping4(3));
    EXPECT_FALSE(lab.ping6(2));

    const json s = lab.status();
    EXPECT_TRUE(s.at("xdpkit").get<bool>());
    EXPECT_EQ(s.at("mode"), "native");
    ASSERT_EQ(s.at("chain").size(), 1u);
    const json& drop = s.at("chain").at(0);
    EXPECT_EQ(drop.at("program"), "drop");
    EXPECT_EQ(drop.at("params").at("action"), "drop");
    // 3 IPv4 + 2 IPv6 echo requests at least (neighbour traffic may add more).
    EXPECT_GE(verdict_packets(drop, "drop"), 5u);
    EXPECT_EQ(verdict_packets(drop, "pass"), 0u);

    const auto d = lab.xdpkit({"detach", "veth0"});
    ASSERT_EQ(d.status, 0) << d.err;
    EXPECT_TRUE(lab.ping4());
    EXPECT_TRUE(lab.ping6());
    const json after = lab.status();
    EXPECT_EQ(after.at("prog_id"), 0);
    EXPECT_FALSE(after.at("xdpkit").get<bool>());
}

TEST_F(AttachLab, AttachingTwiceWithoutReplaceFailsAndKeepsTheFirst) {
    attach_ok({"drop", "veth0"});
    const json before = lab.status();
    const auto again = lab.xdpkit({"attach", "drop", "veth0", "--param", "action=pass"});
    EXPECT_EQ(again.status, 1);
    EXPECT_NE(again.err.find("'drop' is already attached"), std::string::npos) << again.err;
    EXPECT_NE(again.err.find("--replace"), std::string::npos);
    const json after = lab.status();
    EXPECT_EQ(after.at("chain").at(0).at("prog_id"), before.at("chain").at(0).at("prog_id"));
    EXPECT_EQ(after.at("chain").at(0).at("params").at("action"), "drop");
    EXPECT_FALSE(lab.ping4());

    const auto other = lab.xdpkit({"attach", "pass", "veth0"});
    EXPECT_EQ(other.status, 1);
    EXPECT_NE(other.err.find("--chain"), std::string::npos) << other.err;
    EXPECT_EQ(lab.status().at("chain").size(), 1u);
}

TEST_F(AttachLab, ReplaceSwapsTheStageKeepingTheLink) {
    attach_ok({"drop", "veth0"});
    const json before = lab.status();
    EXPECT_FALSE(lab.ping4());
    attach_ok({"drop", "veth0", "--replace", "--param", "action=pass"});
    const json after = lab.status();
    EXPECT_EQ(after.at("link_id"), before.at("link_id"));
    EXPECT_EQ(after.at("prog_id"), before.at("prog_id"));  // the same root stays attached
    EXPECT_NE(after.at("chain").at(0).at("prog_id"), before.at("chain").at(0).at("prog_id"));
    EXPECT_EQ(after.at("chain").at(0).at("params").at("action"), "pass");
    EXPECT_TRUE(lab.ping4());
}

TEST_F(AttachLab, ReplaceOfAnotherProgramSwapsTheWholeChain) {
    attach_ok({"pass", "veth0"});
    EXPECT_TRUE(lab.ping4());
    const json before = lab.status();
    attach_ok({"drop", "veth0", "--replace"});
    const json after = lab.status();
    EXPECT_EQ(after.at("link_id"), before.at("link_id"));
    ASSERT_EQ(after.at("chain").size(), 1u);
    EXPECT_EQ(after.at("chain").at(0).at("program"), "drop");
    EXPECT_FALSE(lab.ping4());
}

TEST_F(AttachLab, TwoChainedProgramsBothRun) {
    attach_ok({"drop", "veth0", "--param", "action=pass"});
    attach_ok({"pass", "veth0", "--chain"});
    // Frames (neighbour discovery, say) that came between the two attaches were counted by
    // the first stage alone: that gap must stay what it is while ping runs through both.
    const json before = lab.status();
    const uint64_t gap = verdict_packets(before.at("chain").at(0), "pass") -
                         verdict_packets(before.at("chain").at(1), "pass");
    ASSERT_TRUE(lab.ping4(3));
    const json s = lab.status();
    EXPECT_EQ(s.at("mechanism"), "tail-call chain");
    ASSERT_EQ(s.at("chain").size(), 2u);
    EXPECT_EQ(s.at("chain").at(0).at("program"), "drop");
    EXPECT_EQ(s.at("chain").at(1).at("program"), "pass");
    EXPECT_EQ(s.at("chain").at(1).at("slot"), 1);
    const uint64_t first = verdict_packets(s.at("chain").at(0), "pass");
    const uint64_t second = verdict_packets(s.at("chain").at(1), "pass");
    EXPECT_GE(second, 3u);
    EXPECT_EQ(first - second, gap) << "every frame the first stage passed must reach the second";

    // Detaching the first leaves the second running alone.
    ASSERT_EQ(lab.xdpkit({"detach", "veth0", "drop"}).status, 0);
    const json left = lab.status();
    ASSERT_EQ(left.at("chain").size(), 1u);
    EXPECT_EQ(left.at("chain").at(0).at("program"), "pass");
    EXPECT_TRUE(lab.ping4());
    EXPECT_GT(verdict_packets(lab.status().at("chain").at(0), "pass"), second);
}

TEST_F(AttachLab, ChainedDropStopsFramesBeforeTheNextStage) {
    attach_ok({"pass", "veth0"});
    attach_ok({"drop", "veth0", "--chain"});
    EXPECT_FALSE(lab.ping4(2));
    const json s = lab.status();
    EXPECT_GE(verdict_packets(s.at("chain").at(1), "drop"), 2u);
    const auto all = lab.xdpkit({"detach", "veth0", "--all"});
    ASSERT_EQ(all.status, 0) << all.err;
    EXPECT_EQ(lab.status().at("prog_id"), 0);
    EXPECT_TRUE(lab.ping4());
}

TEST_F(AttachLab, SkbModeAndAMismatchedChainModeIsRefused) {
    attach_ok({"pass", "veth0", "--mode", "skb"});
    EXPECT_EQ(lab.status().at("mode"), "skb");
    const auto r = lab.xdpkit({"attach", "drop", "veth0", "--chain", "--mode", "native"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("runs in skb mode"), std::string::npos) << r.err;
    EXPECT_EQ(lab.status().at("chain").size(), 1u);
}

TEST_F(AttachLab, BadInputIsOneLineAndChangesNothing) {
    attach_ok({"drop", "veth0"});
    const nlohmann::json before = set_up_state(lab.status());
    const std::vector<std::vector<std::string>> bad = {
        {"attach", "drop", "veth0", "--replace", "--param", "action=explode"},
        {"attach", "drop", "veth0", "--replace", "--param", "nosuch=1"},
        {"attach", "drop", "veth0", "--replace", "--mode", "fast"},
        {"attach", "dorp", "veth0", "--replace"},
        {"attach", "drop", "nosuch0", "--replace"},
        {"attach", "pass", "veth0", "--replace", "--chain"},
        {"detach", "veth0", "pass"},
        {"detach", "nosuch0"},
    };
    for (const auto& args : bad) {
        const auto r = lab.xdpkit(args);
        EXPECT_NE(r.status, 0) << args[0] << " " << args[1];
        EXPECT_TRUE(r.out.empty()) << r.out;
        ASSERT_FALSE(r.err.empty());
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
        EXPECT_EQ(r.err.rfind("xdpkit: ", 0), 0u) << r.err;
    }
    EXPECT_EQ(set_up_state(lab.status()), before);
}

TEST_F(AttachLab, UnknownNamespaceIsRefused) {
    const auto r = run_command({std::getenv("XDPKIT"), "-n", "xkt-no-such-ns", "status"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "xdpkit: network namespace 'xkt-no-such-ns' does not exist (see 'ip netns list')\n");
}

}  // namespace
}  // namespace xdpkit::test

namespace xdpkit::test {
namespace {

TEST(Cli, UsageErrorsAreOneLineWithExitTwo) {
    const std::string x = std::getenv("XDPKIT");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{x, "bogus"}, "xdpkit: unknown command 'bogus'; see 'xdpkit --help'\n"},
        {{x, "attach"}, "xdpkit: program is required; see 'xdpkit --help'\n"},
        {{x, "status", "--bogus"},
         "xdpkit: The following argument was not expected: --bogus; see 'xdpkit --help'\n"},
    };
    for (const auto& [argv, expected] : cases) {
        const auto r = run_command(argv);
        EXPECT_EQ(r.status, 2) << argv[1];
        EXPECT_EQ(r.err, expected);
    }
}

// attach mounts bpffs itself when /sys/fs/bpf has none. Run in a private mount namespace, so
// unmounting there leaves the machine's bpffs alone; the pins die with that namespace.
TEST_F(AttachLab, MountsBpffsWhenMissing) {
    const std::string x = std::getenv("XDPKIT");
    const std::string script =
        "umount /sys/fs/bpf 2>/dev/null; "
        "if stat -f -c %T /sys/fs/bpf | grep -q bpf_fs; then echo still-mounted; exit 3; fi; " +
        x + " -n " + lab.dut_ns() + " attach pass veth0 >/dev/null && " +
        "stat -f -c %T /sys/fs/bpf && ls /sys/fs/bpf/xdpkit/" + lab.dut_ns() + "/veth0";
    const auto r = run_command({"unshare", "-m", "--propagation", "private", "sh", "-c", script});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("bpf_fs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("link"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace xdpkit::test
