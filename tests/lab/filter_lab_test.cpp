// The filter on a live veth: rules added and removed with `xdpkit filter` while the program
// stays attached (same program id), each rule counting exactly the frames it decided.
#include <gtest/gtest.h>

#include "lab/lab.h"
#include "lab/lab_asserts.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

class FilterLab : public ::testing::Test {
protected:
    void add(const std::vector<std::string>& rule) {
        std::vector<std::string> args{"filter", "add"};
        args.insert(args.end(), rule.begin(), rule.end());
        const auto r = lab.xdpkit(args);
        ASSERT_EQ(r.status, 0) << r.err;
    }
    uint64_t rule_packets(uint32_t priority) {
        const auto r = lab.xdpkit({"--json", "filter", "list"});
        EXPECT_EQ(r.status, 0) << r.err;
        const json listed = json::parse(r.out);  // kept: a loop over a temporary's member dangles
        for (const json& rule : listed.at("rules"))
            if (rule.at("priority").get<uint32_t>() == priority)
                return rule.at("counters").at("packets").get<uint64_t>();
        ADD_FAILURE() << "no rule of priority " << priority << ": " << r.out;
        return 0;
    }
    uint64_t prog_id() { return lab.status().at("chain").at(0).at("prog_id"); }
    Lab lab;
};

TEST_F(FilterLab, ADenyRuleStopsPingAndCountsEveryEchoThenItsDeletionRestoresIt) {
    ASSERT_TRUE(lab.ping4());
    attach_ok(lab, {"filter", "veth0"});
    const uint64_t id = prog_id();
    ASSERT_TRUE(lab.ping4());
    add({"--priority", "7", "--src", std::string(Lab::kPeerIp4) + "/32", "--proto", "icmp",
         "--action", "deny"});
    EXPECT_FALSE(lab.ping4(3));
    EXPECT_EQ(rule_packets(7), 3u) << "exactly the three echo requests";
    auto r = lab.xdpkit({"filter", "del", "--priority", "7"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "deleted rule 7: deny src 198.18.0.2/32 proto icmp\n");
    EXPECT_TRUE(lab.ping4());
    EXPECT_EQ(prog_id(), id) << "rules change without reloading the program";
}

TEST_F(FilterLab, APortRuleCountsItsDatagramsAndAnEarlierAllowWins) {
    attach_ok(lab, {"filter", "veth0", "--param", "default=allow"});
    add({"--priority", "20", "--proto", "udp", "--dport", "5000-5010", "--action", "deny"});
    ASSERT_TRUE(lab.send_udp4(40, 5005));
    ASSERT_TRUE(lab.send_udp4(25, 9));
    EXPECT_EQ(rule_packets(20), 40u);
    add({"--priority", "2", "--src", "198.18.0.0/15", "--dport", "5005", "--proto", "udp",
         "--action", "allow"});
    ASSERT_TRUE(lab.send_udp4(10, 5005));
    EXPECT_EQ(rule_packets(2), 10u);
    EXPECT_EQ(rule_packets(20), 40u);
    const auto st = lab.status();
    EXPECT_EQ(st.at("chain").at(0).at("params").at("default"), "allow");
}

TEST_F(FilterLab, BadRulesAreOneLineAndChangeNothing) {
    attach_ok(lab, {"filter", "veth0"});
    add({"--priority", "1", "--proto", "tcp", "--dport", "22", "--action", "deny"});
    const auto before = lab.xdpkit({"--json", "filter", "list"}).out;
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"filter", "add", "--priority", "1", "--action", "allow"},
             {"filter", "add", "--priority", "2", "--src", "198.18.0.1/15", "--action", "deny"},
             {"filter", "add", "--priority", "64", "--action", "deny"},
             {"filter", "add", "--priority", "3", "--proto", "icmp", "--dport", "1",
              "--action", "deny"},
             {"filter", "del", "--priority", "9"},
         }) {
        std::string shown;
        for (const auto& a : args) shown += a + " ";
        SCOPED_TRACE(shown);
        const auto r = lab.xdpkit(args);
        EXPECT_EQ(r.status, 1);
        expect_one_error_line(r);
    }
    EXPECT_EQ(lab.xdpkit({"--json", "filter", "list"}).out, before);
}

}  // namespace
}  // namespace xdpkit::test
