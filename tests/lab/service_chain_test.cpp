// The veth XDP talk's container use case, built only with xdpkit: three namespaces A, B, C;
// B holds a veth to each of the others (xdpkit veth create), readies them (veth prepare) and
// chains a service (a TCP firewall: drop protos=tcp) before an XDP_REDIRECT to the other
// side. docs/redirect.md walks through the same commands.
#include <gtest/gtest.h>

#include "lab/chain_lab.h"
#include "lab/lab_asserts.h"

namespace xdpkit::test {
namespace {

class ServiceChain : public ::testing::Test {
protected:
    void SetUp() override {
        prefix_ = unique_lab_prefix();
        for (char w : {'a', 'b', 'c'}) add_lab_netns(ns(w));
    }
    void TearDown() override {
        for (char w : {'a', 'b', 'c'}) remove_lab_netns(ns(w));
    }
    std::string ns(char w) const { return prefix_ + "-" + w; }
    CommandResult in_b(const std::vector<std::string>& args) const { return xdpkit_in(ns('b'), args); }
    void ok_in_b(const std::vector<std::string>& args) const {
        const auto r = in_b(args);
        ASSERT_EQ(r.status, 0) << r.err;
    }
    std::string prefix_;
};

TEST_F(ServiceChain, ContainersJoinedThroughAFirewallAndRedirects) {
    ok_in_b({"veth", "create", "b0", "a0", "--peer-netns", ns('a')});
    ok_in_b({"veth", "create", "b1", "c1", "--peer-netns", ns('c')});
    ip_or_throw({"-n", ns('a'), "addr", "add", std::string(ChainLab::kIpA) + "/24", "dev", "a0"});
    ip_or_throw({"-n", ns('c'), "addr", "add", std::string(ChainLab::kIpC) + "/24", "dev", "c1"});

    // Not ready yet: b1 would drop what is redirected into it. Refused, naming the fix, and
    // nothing is attached.
    const auto refused = in_b({"redirect", "b0", "--to", "b1"});
    EXPECT_EQ(refused.status, 1);
    expect_one_error_line(refused);
    EXPECT_NE(refused.err.find("xdpkit veth prepare b1"), std::string::npos) << refused.err;
    EXPECT_EQ(in_b({"status", "b0"}).out.find("tail-call chain"), std::string::npos);

    ok_in_b({"veth", "prepare", "b0"});
    ok_in_b({"veth", "prepare", "b1"});
    // The service first, then the redirect after it in b0's chain; plain redirect back.
    ok_in_b({"attach", "drop", "b0", "--param", "protos=tcp"});
    ok_in_b({"redirect", "b0", "--to", "b1", "--chain"});
    ok_in_b({"redirect", "b1", "--to", "b0"});

    EXPECT_EQ(run_command({"ip", "netns", "exec", ns('a'), "ping", "-q", "-c", "3", "-i", "0.2",
                           "-W", "1", ChainLab::kIpC})
                  .status,
              0);
    // TCP never reaches C: the SYNs are dropped, so connect() hangs instead of being refused.
    const auto tcp = run_command({"ip", "netns", "exec", ns('a'), "timeout", "2", "bash", "-c",
                                  std::string("exec 3<>/dev/tcp/") + ChainLab::kIpC + "/9"});
    EXPECT_EQ(tcp.status, 124) << tcp.err;

    const auto stats = in_b({"--json", "stats", "b0", "--count", "1", "--interval", "0.1"});
    ASSERT_EQ(stats.status, 0) << stats.err;
    const auto chain = nlohmann::json::parse(stats.out).at("chain");
    ASSERT_EQ(chain.size(), 2u);
    EXPECT_EQ(chain.at(0).at("program"), "drop");
    EXPECT_EQ(chain.at(1).at("program"), "redirect");
    EXPECT_GE(row_packets(chain.at(0), "proto_counters", "tcp"), 1u);
    EXPECT_EQ(row_packets(chain.at(0), "verdicts", "drop"), row_packets(chain.at(0), "proto_counters", "tcp"));
    EXPECT_GE(row_packets(chain.at(1), "target_counters", "b1"), 3u);  // the echoes (+ ARP)
}

}  // namespace
}  // namespace xdpkit::test
