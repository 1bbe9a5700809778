// drop live on a veth: xdp2's bounce, jumbo frames, and UDP hidden behind IPv6 extension
// headers, which a protos=udp filter must stop before any socket sees it (issue 16 item 1).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <xdpkit/common.h>

#include "core/base/fd.h"
#include "core/kernel/netns.h"
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

constexpr int kSinkPort = 5599;

// A UDP socket on the DUT's side, bound to every IPv6 address (the socket keeps its namespace
// after the thread comes back).
Fd udp6_sink(const Lab& lab) {
    auto guard = NetnsGuard::enter(lab.dut_ns());
    EXPECT_TRUE(guard) << guard.error().message;
    Fd s(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(kSinkPort);
    a.sin6_addr = in6addr_any;
    EXPECT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
    timeval tv{1, 0};
    ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
}

// Datagrams until none comes for a second.
int received(const Fd& s) {
    char buf[9000];
    int n = 0;
    while (::recv(s.get(), buf, sizeof buf, 0) >= 0) ++n;
    return n;
}

// Sends `count` UDP datagrams from veth1 to the DUT behind `headers` destination-options
// headers, each holding `options` skippable options (type 0x1e: RFC 4727's experimental one,
// whose top bits say "skip it") of option_bytes bytes, so the kernel's stack accepts them (it
// takes at most 8 options a header: net.ipv6.max_dst_opts_number). scapy builds them —
// checksums over the whole chain included — and sends them from the peer.
void send_behind_dst_opts(const Lab& lab, int headers, int options, int option_bytes,
                          int count) {
    const auto link = run_command({"ip", "-n", lab.dut_ns(), "-j", "link", "show", "veth0"});
    ASSERT_EQ(link.status, 0) << link.err;
    const std::string mac = json::parse(link.out).at(0).at("address");
    const std::string script =
        "import logging; logging.getLogger('scapy.runtime').setLevel(logging.ERROR)\n"
        "from scapy.all import *\n"
        "opt = IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1e, optdata=b'\\0' * " +
        std::to_string(option_bytes) + ")] * " + std::to_string(options) + ")\n"
        "chain = opt\n"
        "for _ in range(" + std::to_string(headers - 1) + "): chain = chain / opt\n"
        "f = Ether(dst='" + mac + "') / IPv6(src='" + Lab::kPeerIp6 + "', dst='" + Lab::kDutIp6 +
        "') / chain / UDP(sport=4242, dport=" + std::to_string(kSinkPort) + ") / Raw(b'x' * 32)\n"
        "sendp(f, iface='veth1', count=" + std::to_string(count) + ", verbose=False)\n";
    const auto r = run_command({"ip", "netns", "exec", lab.peer_ns(), "/usr/bin/python3", "-c",
                                script});
    ASSERT_EQ(r.status, 0) << r.err;
}

uint64_t proto_packets(const Lab& lab, const char* proto) {
    const auto r = lab.xdpkit({"--json", "stats", "veth0", "--interval", "0.1", "--count", "1"});
    EXPECT_EQ(r.status, 0) << r.err;
    const json counters = json::parse(r.out).at("chain").at(0).at("counters").at("proto_counters");
    return counters.contains(proto) ? counters.at(proto).at("packets").get<uint64_t>() : 0;
}

// The report's case: UDP behind seven 8-byte destination-options headers. Without a UDP
// filter they reach the socket (so the frames are ones the stack takes); with protos=udp none
// does, counted as udp, not as anything the filter lets through.
TEST(DropLab, UdpBehindSevenExtensionHeadersNeverReachesASocketThroughProtosUdp) {
    Lab lab;
    Fd sink = udp6_sink(lab);
    auto r = lab.xdpkit({"attach", "drop", "veth0", "--param", "protos=tcp"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(lab.ping6());  // neighbour discovery done before the datagrams go
    send_behind_dst_opts(lab, 7, 1, 4, 5);
    EXPECT_EQ(received(sink), 5) << "control: the stack delivers UDP behind 7 headers";

    r = lab.xdpkit({"attach", "drop", "veth0", "--replace", "--param", "protos=udp"});
    ASSERT_EQ(r.status, 0) << r.err;
    send_behind_dst_opts(lab, 7, 1, 4, 5);
    EXPECT_EQ(received(sink), 0);
    EXPECT_EQ(proto_packets(lab, "udp"), 5u);
    EXPECT_EQ(proto_packets(lab, "unparsed"), 0u);
}

// Past the walk limit the frame is unparsed: dropped by default (status and stats show the
// count), let through with unparsed=pass. This kernel's own stack discards UDP behind more
// than 12 destination-options headers (Ip6InDiscards), so what gets through is seen in the
// verdicts, not at the socket; a receiver behind this one may walk further.
TEST(DropLab, UdpPastTheWalkLimitIsUnparsedAndDroppedUnlessAskedToPass) {
    Lab lab;
    Fd sink = udp6_sink(lab);
    auto r = lab.xdpkit({"attach", "drop", "veth0", "--param", "protos=udp"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(lab.ping6());
    send_behind_dst_opts(lab, XDPKIT_IPV6_EXT_MAX + 1, 1, 4, 3);
    EXPECT_EQ(received(sink), 0);
    EXPECT_EQ(proto_packets(lab, "unparsed"), 3u);
    json st = lab.status();
    EXPECT_EQ(st.at("chain").at(0).at("params").at("unparsed"), "act");
    EXPECT_EQ(st.at("chain").at(0).at("counters").at("proto_counters").at("unparsed").at("packets"),
              3);
    EXPECT_EQ(verdict_packets(st, "drop"), 3u);

    r = lab.xdpkit({"attach", "drop", "veth0", "--replace", "--param", "protos=udp", "--param",
                    "unparsed=pass"});
    ASSERT_EQ(r.status, 0) << r.err;
    send_behind_dst_opts(lab, XDPKIT_IPV6_EXT_MAX + 1, 1, 4, 3);
    st = lab.status();
    EXPECT_EQ(st.at("chain").at(0).at("counters").at("proto_counters").at("unparsed").at("packets"),
              3);
    EXPECT_EQ(verdict_packets(st, "drop"), 0u);
}

// A multi-buffer frame (MTU 9000): two 2048-byte destination-options headers put UDP at byte
// 4150, past the 3520 bytes veth hands XDP in the first buffer — the second header already
// starts beyond it. Walked there, it is UDP.
TEST(DropLab, UdpBehindAChainIntoTheSecondBufferIsDroppedAsUdp) {
    Lab lab;
    for (const auto& [ns, dev] : {std::pair{lab.dut_ns(), "veth0"}, {lab.peer_ns(), "veth1"}})
        ASSERT_EQ(run_command({"ip", "-n", ns, "link", "set", dev, "mtu", "9000"}).status, 0);
    Fd sink = udp6_sink(lab);
    auto r = lab.xdpkit({"attach", "drop", "veth0", "--mode", "native", "--param", "protos=tcp"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(lab.ping6());
    send_behind_dst_opts(lab, 2, 8, 253, 3);
    EXPECT_EQ(received(sink), 3) << "control: the stack delivers them";
    EXPECT_EQ(proto_packets(lab, "udp"), 3u);

    r = lab.xdpkit({"attach", "drop", "veth0", "--mode", "native", "--replace", "--param",
                    "protos=udp"});
    ASSERT_EQ(r.status, 0) << r.err;
    send_behind_dst_opts(lab, 2, 8, 253, 3);
    EXPECT_EQ(received(sink), 0);
    EXPECT_EQ(proto_packets(lab, "udp"), 3u);
    EXPECT_EQ(proto_packets(lab, "unparsed"), 0u);
}

}  // namespace
}  // namespace xdpkit::test
