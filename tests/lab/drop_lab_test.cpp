// drop's xdp2 mode live: UDP from the peer comes back to it with the MAC addresses swapped.
#include <gtest/gtest.h>
#include <unistd.h>

#include "lab/lab.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

uint64_t verdict_packets(const json& status, const char* verdict) {
    return status.at("chain").at(0).at("verdicts").at(verdict).at("packets").get<uint64_t>();
}

TEST(DropLab, TxUdpBouncesUdpBackToThePeerAndPassesTheRest) {
    Lab lab;
    // On the peer: drop only UDP, and count it. That program is also what lets veth1 take
    // XDP_TX frames from veth0 at all (a veth peer without XDP leaves them queued).
    auto peer = lab.peer_xdpkit({"attach", "drop", "veth1", "--param", "protos=udp"});
    ASSERT_EQ(peer.status, 0) << peer.err;
    // protos=udp: ARP and ICMP still pass, so the peer can resolve and ping the DUT.
    auto dut = lab.xdpkit({"attach", "drop", "veth0", "--param", "action=tx-udp", "--param",
                           "protos=udp"});
    ASSERT_EQ(dut.status, 0) << dut.err;
    EXPECT_EQ(lab.status().at("chain").at(0).at("params").at("protos"), "udp");
    ASSERT_TRUE(lab.ping4());

    ASSERT_TRUE(lab.send_udp4(5));
    // The bounced frames cross the veth a little later (NAPI on the peer side): wait for
    // them, deadline 5 s.
    for (int i = 0; i < 100 && verdict_packets(lab.status(true), "drop") < 5; ++i)
        usleep(50 * 1000);
    EXPECT_EQ(verdict_packets(lab.status(), "tx"), 5u);
    EXPECT_EQ(verdict_packets(lab.status(true), "drop"), 5u)
        << "the five bounced datagrams reach the peer's XDP program";
    EXPECT_GE(verdict_packets(lab.status(), "pass"), 2u) << "ARP and the pings passed";
}

// xdp.frags: with a 9000-byte MTU a frame spans several buffers, and drop still attaches
// natively and counts every byte of it (bpf_xdp_get_buff_len, not data_end - data).
TEST(DropLab, AttachesNativelyAtMtu9000AndCountsWholeJumboFrames) {
    Lab lab;
    for (const auto& [ns, dev] : {std::pair{lab.dut_ns(), "veth0"}, {lab.peer_ns(), "veth1"}})
        ASSERT_EQ(run_command({"ip", "-n", ns, "link", "set", dev, "mtu", "9000"}).status, 0);
    auto r = lab.xdpkit({"attach", "drop", "veth0", "--mode", "native", "--param", "action=pass"});
    ASSERT_EQ(r.status, 0) << r.err;
    // 8000 bytes of ICMP payload: one 8042-byte frame per echo, never fragmented at IP.
    ASSERT_EQ(run_command({"ip", "netns", "exec", lab.peer_ns(), "ping", "-q", "-c", "2", "-i",
                           "0.2", "-W", "1", "-M", "do", "-s", "8000", Lab::kDutIp4})
                  .status,
              0);
    const json pass = lab.status().at("chain").at(0).at("verdicts").at("pass");
    EXPECT_GE(pass.at("bytes").get<uint64_t>(), 2u * 8042u);
}

}  // namespace
}  // namespace xdpkit::test
