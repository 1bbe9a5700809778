// xdpkit stats end to end: the real binary reading a chain that live ping traffic runs through.
#include <gtest/gtest.h>

#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "baseline.skel.h"
#include "core/kernel/netns.h"
#include "lab/lab.h"
#include "lab/lab_asserts.h"
#include "support/temp_dir.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

std::vector<json> json_lines(const std::string& out) {
    std::vector<json> lines;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) lines.push_back(json::parse(l));
    return lines;
}

class StatsLab : public ::testing::Test {
protected:
    void attach_ok(const std::vector<std::string>& args) { test::attach_ok(lab, args); }
    uint64_t status_pass_packets() {
        return lab.status().at("chain").at(0).at("verdicts").at("pass").at("packets");
    }
    // The binary under `timeout -s SIGNAL`: it runs until then unless it stops by itself.
    // --preserve-status: the exit status is xdpkit's own, not timeout's 124.
    CommandResult xdpkit_until(const char* signal, const char* seconds,
                               const std::vector<std::string>& args) {
        std::vector<std::string> argv{"timeout", "--preserve-status", "-s", signal, seconds,
                                      std::getenv("XDPKIT"), "-n", lab.dut_ns()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv);
    }
    Lab lab;
};

TEST_F(StatsLab, RatesOfPingTrafficPerVerdictAndProtocolAndTotalsNeverReset) {
    attach_ok({"drop", "veth0", "--param", "action=pass"});
    ASSERT_TRUE(lab.ping4(2));
    const uint64_t before = status_pass_packets();
    ASSERT_GE(before, 2u);

    // 15 echo requests 200 ms apart: traffic through both 0.5 s intervals and beyond.
    auto ping = std::async(std::launch::async, [this] { return lab.ping4(15); });
    const auto r = lab.xdpkit({"--json", "stats", "veth0", "--count", "2", "--interval", "0.5"});
    EXPECT_TRUE(ping.get()) << "drop with action=pass must let ping through";
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;

    const auto lines = json_lines(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out;
    uint64_t last = before;
    for (const json& iv : lines) {
        SCOPED_TRACE(iv.dump());
        EXPECT_EQ(iv.at("ifname"), "veth0");
        EXPECT_GT(iv.at("elapsed").get<double>(), 0.45);
        EXPECT_LT(iv.at("elapsed").get<double>(), 1.5);
        ASSERT_EQ(iv.at("chain").size(), 1u);
        const json& drop = iv.at("chain").at(0);
        EXPECT_EQ(drop.at("program"), "drop");
        EXPECT_EQ(drop.at("slot"), 0);
        const json& pass = drop.at("verdicts").at("pass");
        const json& icmp = drop.at("counters").at("proto_counters").at("icmp");
        EXPECT_GT(pass.at("pps").get<double>(), 0);
        EXPECT_GT(pass.at("bps").get<double>(), 0);
        EXPECT_GT(icmp.at("pps").get<double>(), 0);
        EXPECT_GT(icmp.at("bps").get<double>(), 0);
        EXPECT_FALSE(drop.at("verdicts").contains("drop")) << "zero rows are hidden";
        // Totals since attach: what status saw before stats ran is included, never lost.
        const uint64_t packets = pass.at("packets");
        EXPECT_GE(packets, last);
        last = packets;
    }
    const double apart = lines[1].at("timestamp").get<double>() - lines[0].at("timestamp").get<double>();
    EXPECT_NEAR(apart, 0.5, 0.25);
    EXPECT_GE(status_pass_packets(), last) << "stats must not reset the counters";
}

TEST_F(StatsLab, PerCpuRowsSplitTheTotals) {
    attach_ok({"drop", "veth0", "--param", "action=pass"});
    ASSERT_TRUE(lab.ping4(2));
    auto ping = std::async(std::launch::async, [this] { return lab.ping4(6); });
    const auto r = lab.xdpkit({"--json", "stats", "veth0", "--count", "1", "--interval", "0.5",
                               "--per-cpu"});
    const auto text = lab.xdpkit({"stats", "veth0", "--count", "1", "--interval", "0.3", "--per-cpu"});
    EXPECT_TRUE(ping.get());

    ASSERT_EQ(r.status, 0) << r.err;
    const auto lines = json_lines(r.out);
    ASSERT_EQ(lines.size(), 1u) << r.out;
    const json& pass = lines[0].at("chain").at(0).at("verdicts").at("pass");
    const json& cpus = pass.at("per_cpu");
    ASSERT_FALSE(cpus.empty()) << pass.dump();
    uint64_t packets = 0, bytes = 0;
    double pps = 0;
    int64_t previous_cpu = -1;
    for (const json& c : cpus) {
        EXPECT_GT(c.at("cpu").get<int64_t>(), previous_cpu) << "CPUs in order, each once";
        previous_cpu = c.at("cpu");
        EXPECT_GT(c.at("packets").get<uint64_t>(), 0u) << "only CPUs that counted";
        packets += c.at("packets").get<uint64_t>();
        bytes += c.at("bytes").get<uint64_t>();
        pps += c.at("pps").get<double>();
    }
    EXPECT_EQ(packets, pass.at("packets").get<uint64_t>());
    EXPECT_EQ(bytes, pass.at("bytes").get<uint64_t>());
    EXPECT_NEAR(pps, pass.at("pps").get<double>(), 1e-6);

    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("\n  verdict pass "), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("\n    cpu:"), std::string::npos) << text.out;
}

TEST_F(StatsLab, NothingAttachedOrNoSuchInterfaceIsOneLine) {
    const auto none = lab.xdpkit({"stats", "veth0", "--count", "1"});
    EXPECT_EQ(none.status, 1);
    expect_one_error_line(none);
    EXPECT_EQ(none.err,
              "xdpkit: veth0: no XDP program is attached; attach one with 'xdpkit attach "
              "PROGRAM veth0'\n");

    const auto missing = lab.xdpkit({"stats", "nosuch0"});
    EXPECT_EQ(missing.status, 1);
    expect_one_error_line(missing);
    EXPECT_NE(missing.err.find("no interface 'nosuch0'"), std::string::npos) << missing.err;
}

// Attached the way another tool would: plain netlink, no bpf_link, no xdpkit pins.
void attach_foreign_program(const std::string& ns) {
    auto guard = NetnsGuard::enter(ns);
    ASSERT_TRUE(guard) << guard.error().message;
    baseline_bpf* skel = baseline_bpf::open_and_load();
    ASSERT_NE(skel, nullptr);
    const int ifindex = static_cast<int>(if_nametoindex("veth0"));
    const int err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.xdpkit_baseline),
                                   XDP_FLAGS_SKB_MODE, nullptr);
    baseline_bpf::destroy(skel);  // the attachment holds the program from here on
    ASSERT_EQ(err, 0);
}

TEST_F(StatsLab, AnotherToolsProgramIsNamed) {
    attach_foreign_program(lab.dut_ns());
    const auto r = lab.xdpkit({"stats", "veth0"});
    EXPECT_EQ(r.status, 1);
    expect_one_error_line(r);
    EXPECT_NE(r.err.find("veth0: XDP program 'xdpkit_baseline' (id "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("skb mode) is attached by another tool"), std::string::npos) << r.err;
}

TEST_F(StatsLab, BadOptionsAreUsageErrors) {
    attach_ok({"pass", "veth0"});
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"stats", "veth0", "--interval", "0"},
         "xdpkit: --interval: '0' is not a number of seconds above 0 and at most 3600; see "
         "'xdpkit --help'\n"},
        {{"stats", "veth0", "--interval", "-1"},
         "xdpkit: --interval: '-1' is not a number of seconds above 0 and at most 3600; see "
         "'xdpkit --help'\n"},
        {{"stats", "veth0", "--interval", "soon"},
         "xdpkit: --interval: 'soon' is not a number of seconds above 0 and at most 3600; see "
         "'xdpkit --help'\n"},
        {{"stats", "veth0", "--count", "0"},
         "xdpkit: --count: '0' is not a number of intervals of 1 or more; see 'xdpkit --help'\n"},
    };
    for (const auto& [args, expected] : cases) {
        const auto r = lab.xdpkit(args);
        EXPECT_EQ(r.status, 2) << args[2] << " " << args[3];
        EXPECT_TRUE(r.out.empty());
        EXPECT_EQ(r.err, expected);
    }
}

// Without root the pins are hidden (bpffs is mode 0700), which must not read as "nothing
// attached". nsenter, not `ip netns exec`: that would remount /sys and hide bpffs anyway.
// Without root, stats reads nothing — the pins are root's and the maps need CAP_BPF — and says
// so before it tries.
TEST_F(StatsLab, WithoutRootItSaysWhatItNeeds) {
    attach_ok({"pass", "veth0"});
    const auto r = run_command({"nsenter", "--net=/run/netns/" + lab.dut_ns(), "setpriv",
                                "--reuid=65534", "--regid=65534", "--clear-groups",
                                std::getenv("XDPKIT"), "stats", "veth0", "--count", "1"});
    EXPECT_EQ(r.status, 1);
    expect_one_error_line(r);
    EXPECT_EQ(r.err.rfind("xdpkit: stats needs CAP_BPF and CAP_NET_ADMIN: run as root", 0), 0u)
        << r.err;
}

TEST_F(StatsLab, ADetachedStageEndsStatsWithOneLine) {
    attach_ok({"drop", "veth0", "--param", "action=pass"});
    attach_ok({"pass", "veth0", "--chain"});
    TempDir dir;
    const pid_t pid = spawn_command({"timeout", "--preserve-status", "-s", "INT", "20",
                                     xdpkit_path(), "-n", lab.dut_ns(), "stats", "veth0",
                                     "--interval", "0.2"},
                                    dir.file("out"), dir.file("err"));
    ASSERT_GT(pid, 0);
    auto read = [](const std::string& path) {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    // Detached once stats has shown both stages (deadline 10 s). Were the change missed,
    // stats would run on until timeout's SIGINT and exit 0.
    for (int i = 0; i < 1000 && read(dir.file("out")).find("\npass (slot 1)\n") == std::string::npos;
         ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll period
    EXPECT_EQ(lab.xdpkit({"detach", "veth0", "pass"}).status, 0);
    int st = 0;
    ASSERT_EQ(::waitpid(pid, &st, 0), pid);
    CommandResult r{WIFEXITED(st) ? WEXITSTATUS(st) : -1, read(dir.file("out")),
                    read(dir.file("err"))};
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_EQ(r.err,
              "xdpkit: veth0: stage 'pass' (slot 1) was detached while stats ran; run stats "
              "again to follow the new chain\n");
    EXPECT_NE(r.out.find("\npass (slot 1)\n"), std::string::npos) << "it showed both before:\n"
                                                                 << r.out;
    EXPECT_TRUE(lab.ping4()) << "the stage left keeps running";
}

TEST_F(StatsLab, SigintAndSigtermStopItCleanly) {
    attach_ok({"pass", "veth0"});
    for (const char* sig : {"INT", "TERM"}) {
        SCOPED_TRACE(sig);
        const auto r = xdpkit_until(sig, "1.1", {"--json", "stats", "veth0", "--interval", "0.3"});
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_TRUE(r.err.empty()) << r.err;
        const auto lines = json_lines(r.out);  // every line whole: none cut by the signal
        EXPECT_GE(lines.size(), 2u) << r.out;
        EXPECT_LE(lines.size(), 4u) << r.out;
    }
}

}  // namespace
}  // namespace xdpkit::test
