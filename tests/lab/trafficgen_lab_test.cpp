// trafficgen live: frames sent out of the DUT's veth0 arrive at the peer's XDP program, every
// one of them; an interface that would drop them is refused.
#include <gtest/gtest.h>

#include "lab/lab.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

uint64_t peer_dropped(const Lab& lab) {
    return lab.status(true).at("chain").at(0).at("verdicts").at("drop").at("packets").get<uint64_t>();
}

// The last line of --json output: the totals.
json last_json_line(const std::string& out) {
    const auto end = out.find_last_not_of('\n');
    const auto start = out.rfind('\n', end);
    return json::parse(out.substr(start == std::string::npos ? 0 : start + 1));
}

class TrafficgenLab : public ::testing::Test {
protected:
    void SetUp() override {
        // Neighbour entries on the DUT for both peer addresses (trafficgen's default --dst-mac).
        ASSERT_TRUE(lab.ping4());
        ASSERT_TRUE(lab.ping6());
    }
    // The peer counts (and drops) one protocol only: nothing else the lab sends (ARP, ND,
    // MLD) can skew the count.
    void count_on_peer(const std::string& proto = "udp") {
        auto r = lab.peer_xdpkit({"attach", "drop", "veth1", "--param", "protos=" + proto});
        ASSERT_EQ(r.status, 0) << r.err;
    }
    void expect_exact_delivery(const char* dst, const std::string& size) {
        count_on_peer();
        const auto r = lab.xdpkit({"--json", "trafficgen", "veth0", "--dst", dst, "--count",
                                   "100000", "--size", size});
        ASSERT_EQ(r.status, 0) << r.err;
        const json total = last_json_line(r.out);
        EXPECT_TRUE(total.at("total").get<bool>());
        EXPECT_EQ(total.at("sent"), 100000);
        EXPECT_EQ(peer_dropped(lab), 100000u) << "every frame sent reached the peer's program";
    }
    Lab lab;
};

TEST_F(TrafficgenLab, EveryIpv4FrameReachesThePeer) { expect_exact_delivery(Lab::kPeerIp4, "64"); }

TEST_F(TrafficgenLab, EveryIpv6FrameReachesThePeer) { expect_exact_delivery(Lab::kPeerIp6, "128"); }

TEST_F(TrafficgenLab, RefusesAVethWhosePeerWouldDropTheFrames) {
    // No XDP program and no GRO on veth1: veth0 has no ndo-xmit.
    const auto r = lab.xdpkit({"trafficgen", "veth0", "--dst", Lab::kPeerIp4, "--count", "10"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("no ndo-xmit"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
}

TEST_F(TrafficgenLab, BadInputIsOneLineAndSendsNothing) {
    count_on_peer();
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"trafficgen", "veth0"},                                            // no --dst
             {"trafficgen", "veth0", "--dst", "198.18.0"},                       // not an address
             {"trafficgen", "veth0", "--dst", Lab::kPeerIp4, "--size", "20"},    // too small
             {"trafficgen", "veth0", "--dst", Lab::kPeerIp4, "--size", "9000"},  // over the MTU
             {"trafficgen", "veth0", "--dst", Lab::kPeerIp4, "--src", Lab::kDutIp6},
             {"trafficgen", "veth0", "--dst", "198.18.0.99"},  // no neighbour entry
             {"trafficgen", "nosuch0", "--dst", Lab::kPeerIp4},
         }) {
        const auto r = lab.xdpkit(args);
        EXPECT_EQ(r.status, 1) << args.back() << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    EXPECT_EQ(peer_dropped(lab), 0u);
}

TEST_F(TrafficgenLab, EspFramesAreIpProtocol50AndAllArrive) {
    count_on_peer("esp");
    const auto r = lab.xdpkit({"--json", "trafficgen", "veth0", "--dst", Lab::kPeerIp4,
                               "--proto", "esp", "--spi", "4660", "--count", "1000"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(last_json_line(r.out).at("sent"), 1000);
    EXPECT_EQ(peer_dropped(lab), 1000u) << "the peer's drop saw 1000 frames of IP protocol 50";
}

}  // namespace
}  // namespace xdpkit::test
