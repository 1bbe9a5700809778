// trafficgen live: frames sent out of the DUT's veth0 arrive at the peer's XDP program, every
// one of them; an interface that would drop them is refused.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "core/packets/pcap_file.h"
#include "lab/lab.h"
#include "lab/lab_asserts.h"
#include "support/packet.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

uint64_t peer_dropped(const Lab& lab) {
    return lab.status(true).at("chain").at(0).at("verdicts").at("drop").at("packets").get<uint64_t>();
}

// The peer's count once it reaches `at_least` (frames a call handed to veth0 may still be on
// their way through the peer's NAPI when trafficgen exits), or whatever it is after 5 s.
uint64_t peer_dropped_once(const Lab& lab, uint64_t at_least) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    uint64_t n = peer_dropped(lab);
    while (n < at_least && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        n = peer_dropped(lab);
    }
    return n;
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
        EXPECT_EQ(peer_dropped_once(lab, 100000), 100000u)
            << "every frame sent reached the peer's program";
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
    expect_one_error_line(r);
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
        expect_one_error_line(r);
    }
    // Each thread paces its share of --rate: a share of 0 is a usage error.
    const auto r = lab.xdpkit({"trafficgen", "veth0", "--dst", Lab::kPeerIp4, "--rate", "1",
                               "--threads", "2"});
    EXPECT_EQ(r.status, 2) << r.err;
    expect_one_error_line(r);
    EXPECT_EQ(peer_dropped(lab), 0u);
}

TEST_F(TrafficgenLab, EspFramesAreIpProtocol50AndAllArrive) {
    count_on_peer("esp");
    const auto r = lab.xdpkit({"--json", "trafficgen", "veth0", "--dst", Lab::kPeerIp4,
                               "--proto", "esp", "--spi", "4660", "--count", "1000"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(last_json_line(r.out).at("sent"), 1000);
    EXPECT_EQ(peer_dropped_once(lab, 1000), 1000u)
        << "the peer's drop saw 1000 frames of IP protocol 50";
}

// --rate R for a second: the receiver counts R frames, within 5 %, at a low, a middling and a
// high rate (issue 17: 0.4 x R once, when every call's fixed cost outlasted its 10 ms slice).
TEST_F(TrafficgenLab, RateIsWhatTheReceiverCounts) {
    count_on_peer();
    uint64_t before = 0;
    for (const uint64_t rate : {2000u, 50000u, 500000u}) {
        SCOPED_TRACE(rate);
        const auto r = lab.xdpkit({"--json", "trafficgen", "veth0", "--dst", Lab::kPeerIp4,
                                   "--rate", std::to_string(rate), "--duration", "1"});
        ASSERT_EQ(r.status, 0) << r.err;
        const json total = last_json_line(r.out);
        const auto sent = total.at("sent").get<uint64_t>();
        const double elapsed = total.at("elapsed").get<double>();
        const uint64_t arrived = peer_dropped_once(lab, before + sent) - before;
        before += arrived;
        EXPECT_EQ(arrived, sent) << "every frame sent reached the peer's program";
        EXPECT_NEAR(elapsed, 1.0, 0.05) << "--duration 1";
        EXPECT_NEAR(double(arrived) / elapsed, double(rate), 0.05 * double(rate))
            << arrived << " frames in " << elapsed << " s";
    }
}

// A capture replayed: the peer's tcpdump sees its frames, byte for byte and in order.
TEST_F(TrafficgenLab, ReplaysACaptureByteForByte) {
    // Frames nobody else sends: their own source MAC, distinct payloads.
    const Packet::Mac src = {0x02, 0xee, 0, 0, 0, 0x01};
    std::vector<CapturedFrame> frames(3);
    frames[0].data = Packet().eth(src).ipv4(Lab::kDutIp4, Lab::kPeerIp4).udp().payload(30, 1).bytes();
    frames[1].data = Packet().eth(src).ipv6(Lab::kDutIp6, Lab::kPeerIp6).icmpv6_echo().payload(7, 2).bytes();
    frames[2].data = Packet().eth(src).vlan(42).ipv4(Lab::kDutIp4, Lab::kPeerIp4).tcp().payload(3, 3).bytes();
    for (auto& f : frames) f.wire_len = static_cast<uint32_t>(f.data.size());
    char dir_template[] = "/tmp/xkt-replay-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    const std::string dir = dir_template, in = dir + "/in.pcap", out = dir + "/seen.pcap";
    ASSERT_TRUE(write_pcap(in, frames));

    // A pass program on the peer: veth0 can then send, and the frames reach AF_PACKET.
    auto p = lab.peer_xdpkit({"attach", "pass", "veth1"});
    ASSERT_EQ(p.status, 0) << p.err;
    auto tcpdump = std::async(std::launch::async, [&] {
        return run_command({"timeout", "20", "ip", "netns", "exec", lab.peer_ns(), "tcpdump", "-i",
                            "veth1", "-U", "-c", "30", "-w", out, "ether", "src",
                            "02:ee:00:00:00:01"});
    });
    // tcpdump writes the file header once it captures: from then on nothing is missed.
    struct stat st {};
    for (int i = 0; i < 100 && (stat(out.c_str(), &st) != 0 || st.st_size < 24); ++i) usleep(50000);
    ASSERT_GE(st.st_size, 24) << "tcpdump did not start";

    const auto r = lab.xdpkit({"trafficgen", "veth0", "--pcap", in, "--count", "30"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto dump = tcpdump.get();
    ASSERT_EQ(dump.status, 0) << dump.err;
    auto seen = read_pcap(out);
    ASSERT_TRUE(seen) << seen.error().message;
    ASSERT_EQ(seen->size(), 30u);
    for (size_t i = 0; i < seen->size(); ++i)
        EXPECT_EQ((*seen)[i].data, frames[i % 3].data) << "frame " << i;
    (void)run_command({"rm", "-rf", dir});
}

}  // namespace
}  // namespace xdpkit::test
