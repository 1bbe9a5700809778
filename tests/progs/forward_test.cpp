// The forward program under BPF_PROG_RUN. bpf_fib_lookup asks the FIB of the namespace the
// test runs in, from the device BPF_PROG_RUN says the frame came in on (lo, with no ctx given):
// so each test runs in a network namespace of its own (unshare on this thread), with a veth
// whose far side is a neighbour entry, routes through it for both families, and forwarding on.
// Nothing is sent (BPF_PROG_RUN without live frames returns the verdict and the bytes).
#include <gtest/gtest.h>
#include <sched.h>
#include <fcntl.h>
#include <xdpkit/forward.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "core/base/fd.h"
#include "core/families/families.h"
#include "core/kernel/interface.h"
#include "core/kernel/netns.h"
#include "core/kernel/rtnl.h"
#include "core/net/forward.h"
#include "support/loaded.h"
#include "support/packet.h"
#include "support/prog_run.h"

namespace xdpkit {
namespace {

using test::counters;
using test::load_alone;
using test::Packet;
using test::run_xdp;

constexpr uint32_t kPass = 2, kRedirect = 4;
constexpr size_t kEth = 14;
// The neighbour behind f0 that routed frames are addressed to.
constexpr Packet::Mac kNextHopMac = {0x02, 0x00, 0x00, 0x00, 0x10, 0x02};

void sh(const std::string& cmd) {
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

// The IPv4 header after the Ethernet header given its right checksum again, after a test
// changed it.
void fix_ipv4_checksum(std::vector<uint8_t>& frame) {
    frame[kEth + 10] = frame[kEth + 11] = 0;
    const uint16_t sum = Packet::ipv4_checksum(&frame[kEth], 20);
    frame[kEth + 10] = static_cast<uint8_t>(sum >> 8);
    frame[kEth + 11] = static_cast<uint8_t>(sum);
}

// A UDP frame from a host behind lo to dst, as most cases need.
std::vector<uint8_t> udp4_to(const std::string& dst) {
    return Packet().eth().ipv4("198.18.10.9", dst).udp().payload(18).bytes();
}
std::vector<uint8_t> udp6_to(const std::string& dst) {
    return Packet().eth().ipv6("fc00:dead:cafe:10::9", dst).udp().payload(18).bytes();
}

void write_sysctl(const std::string& path, const std::string& value) {
    std::ofstream out(path);
    out << value;
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// A network namespace of this test's own: this thread enters it (unshare), and the commands it
// runs are born in it; left again (setns) when the fixture goes, and then gone with its links.
//
//   lo (ingress) ── FIB ── f0 198.18.10.1/24, fc00:dead:cafe:10::1/64 ── (f1, nobody)
//     198.18.20.0/24, fc00:dead:cafe:20::/64  via 198.18.10.2 / fc00:dead:cafe:10::2  (neighbour
//                                                 kNextHopMac, permanent)
//     198.18.40.0/24, fc00:dead:cafe:40::/64  via 198.18.10.3 / fc00:dead:cafe:10::3  (no
//                                                 neighbour entry)
class ForwardProg : public ::testing::Test {
protected:
    void SetUp() override {
        home_.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(home_.valid());
        ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << std::strerror(errno);
        sh("ip link set lo up && ip link add f0 type veth peer name f1 && ip link set f0 up && "
           "ip link set f1 up && ip addr add 198.18.10.1/24 dev f0 && "
           "ip -6 addr add fc00:dead:cafe:10::1/64 dev f0 nodad && "
           "ip neigh add 198.18.10.2 lladdr 02:00:00:00:10:02 dev f0 nud permanent && "
           "ip -6 neigh add fc00:dead:cafe:10::2 lladdr 02:00:00:00:10:02 dev f0 nud permanent "
           "&& ip route add 198.18.20.0/24 via 198.18.10.2 && "
           "ip -6 route add fc00:dead:cafe:20::/64 via fc00:dead:cafe:10::2 && "
           "ip route add 198.18.40.0/24 via 198.18.10.3 && "
           "ip -6 route add fc00:dead:cafe:40::/64 via fc00:dead:cafe:10::3");
        write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
        write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
        auto f0 = find_interface("f0");
        ASSERT_TRUE(f0) << f0.error().message;
        f0_ = *f0;
        auto mac = link_mac(f0_.ifindex);
        ASSERT_TRUE(mac) << mac.error().message;
        std::copy(mac->begin(), mac->end(), f0_mac_.begin());
    }
    void TearDown() override {
        if (home_.valid()) {
            EXPECT_TRUE(enter_netns_fd_on_this_thread(home_.get()));
        }
    }

    // The program with forward_ports holding f0 (ports=false: empty).
    LoadedProgram load(bool ports = true, const std::string& fib_mode = "full") const {
        ForwardPlan plan;
        if (ports) plan.ports = {f0_};
        plan.fib_mode = fib_mode == "direct" ? FORWARD_FIB_DIRECT : FORWARD_FIB_FULL;
        LoadedProgram p = load_alone(forward_family(), forward_params(plan));
        auto filled = fill_forward_ports(p, plan);
        if (!filled) throw std::runtime_error(filled.error().message);
        return p;
    }

    // One frame that must pass, untouched, counted under reason (and nothing forwarded).
    void expect_passed(const std::vector<uint8_t>& frame, forward_pass_reason reason) const {
        LoadedProgram p = load();
        const auto r = run_xdp(p.prog_fd(), frame);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, kPass);
        EXPECT_EQ(r.data_out, frame);
        const auto reasons = counters(p, FORWARD_PASS_REASONS_MAP);
        for (uint32_t i = 0; i < FORWARD_PASS_SLOTS; ++i)
            EXPECT_EQ(reasons[i].packets, i == static_cast<uint32_t>(reason) ? 1u : 0u)
                << "reason " << i;
        EXPECT_EQ(reasons[reason].bytes, frame.size());
        EXPECT_EQ(counters(p, FORWARD_EGRESS_COUNTERS_MAP)[f0_.ifindex].packets, 0u);
    }

    Fd home_;
    Interface f0_;
    Packet::Mac f0_mac_{};
};

TEST_F(ForwardProg, RoutesIpv4WithTtlDecrementedChecksumRightAndMacsRewritten) {
    for (const std::string mode : {"full", "direct"}) {
        SCOPED_TRACE(mode);
        LoadedProgram p = load(true, mode);
        const auto in = Packet().eth().ipv4("198.18.10.9", "198.18.20.7").udp(1000, 9).payload(18)
                            .bytes();
        const auto r = run_xdp(p.prog_fd(), in);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.verdict, kRedirect);
        ASSERT_EQ(r.data_out.size(), in.size());
        const uint8_t* ip = &r.data_out[kEth];
        EXPECT_TRUE(std::equal(kNextHopMac.begin(), kNextHopMac.end(), r.data_out.begin()));
        EXPECT_TRUE(std::equal(f0_mac_.begin(), f0_mac_.end(), r.data_out.begin() + 6));
        EXPECT_EQ(ip[8], 63);                               // TTL
        EXPECT_EQ(Packet::ipv4_checksum(ip, 20), 0);        // recomputed over the new header
        // Nothing else moved: the IPv4 header but TTL and checksum, and all that follows.
        for (size_t i = kEth; i < in.size(); ++i)
            if (i != kEth + 8 && i != kEth + 10 && i != kEth + 11) {
                EXPECT_EQ(r.data_out[i], in[i]) << "byte " << i;
            }
        const auto egress = counters(p, FORWARD_EGRESS_COUNTERS_MAP);
        EXPECT_EQ(egress[f0_.ifindex].packets, 1u);
        EXPECT_EQ(egress[f0_.ifindex].bytes, in.size());
        EXPECT_EQ(counters(p, "action_counters")[kRedirect].packets, 1u);
    }
}

TEST_F(ForwardProg, TheChecksumStaysRightForEveryTtlAndHeader) {
    // The incremental update must match a full recomputation whatever the checksum was
    // before: many headers, then the edges of RFC 1624 §3 — a checksum the update carries out
    // of (0xfeff + 0x0100) and its neighbours, reached by choosing the IP ID.
    LoadedProgram p = load();
    for (uint16_t target : {0xfeff, 0xfe00, 0xff00, 0x0000, 0x00ff, 0x0100}) {
        auto in = Packet().eth().ipv4("198.18.10.9", "198.18.20.7").udp().payload(8).bytes();
        in[kEth + 4] = in[kEth + 5] = 0;
        fix_ipv4_checksum(in);
        // ones' complement: checksum = ~(others + id), so id = ~target + ~(others) = ~target +
        // checksum-with-id-0, folded.
        uint32_t id = static_cast<uint16_t>(~target) +
                      ((in[kEth + 10] << 8) | in[kEth + 11]);
        id = (id & 0xffff) + (id >> 16);
        in[kEth + 4] = static_cast<uint8_t>(id >> 8);
        in[kEth + 5] = static_cast<uint8_t>(id);
        fix_ipv4_checksum(in);
        ASSERT_EQ((in[kEth + 10] << 8) | in[kEth + 11], target);
        const auto r = run_xdp(p.prog_fd(), in);
        ASSERT_EQ(r.verdict, kRedirect);
        EXPECT_EQ(Packet::ipv4_checksum(&r.data_out[kEth], 20), 0) << std::hex << target;
    }
    for (int ttl = 2; ttl <= 255; ttl += 7)
        for (uint8_t tos : {0x00, 0x10, 0xb8, 0xff}) {
            auto in = Packet().eth().ipv4("198.18.10.9", "198.18.20.7")
                          .ttl(static_cast<uint8_t>(ttl))
                          .udp(static_cast<uint16_t>(ttl * 131), 9).payload(8).bytes();
            in[kEth + 1] = tos;
            fix_ipv4_checksum(in);
            const auto r = run_xdp(p.prog_fd(), in);
            ASSERT_EQ(r.verdict, kRedirect);
            EXPECT_EQ(r.data_out[kEth + 8], ttl - 1);
            EXPECT_EQ(Packet::ipv4_checksum(&r.data_out[kEth], 20), 0)
                << "ttl " << ttl << " tos " << int(tos);
        }
}

TEST_F(ForwardProg, RoutesIpv6WithHopLimitDecrementedAndMacsRewritten) {
    LoadedProgram p = load();
    const auto in = Packet().eth().ipv6("fc00:dead:cafe:10::9", "fc00:dead:cafe:20::7")
                        .udp(1000, 9).payload(18).bytes();
    const auto r = run_xdp(p.prog_fd(), in);
    ASSERT_EQ(r.err, 0);
    EXPECT_EQ(r.verdict, kRedirect);
    EXPECT_TRUE(std::equal(kNextHopMac.begin(), kNextHopMac.end(), r.data_out.begin()));
    EXPECT_TRUE(std::equal(f0_mac_.begin(), f0_mac_.end(), r.data_out.begin() + 6));
    EXPECT_EQ(r.data_out[kEth + 7], 63);
    for (size_t i = kEth; i < in.size(); ++i)
        if (i != kEth + 7) {
            EXPECT_EQ(r.data_out[i], in[i]) << "byte " << i;
        }
    EXPECT_EQ(counters(p, FORWARD_EGRESS_COUNTERS_MAP)[f0_.ifindex].packets, 1u);
}

TEST_F(ForwardProg, ARouteOutOfADeviceThatIsNotAPortPassesUntouched) {
    LoadedProgram p = load(/*ports=*/false);
    const auto in = udp4_to("198.18.20.7");
    const auto r = run_xdp(p.prog_fd(), in);
    EXPECT_EQ(r.verdict, kPass);
    EXPECT_EQ(r.data_out, in);
    EXPECT_EQ(counters(p, FORWARD_PASS_REASONS_MAP)[FORWARD_PASS_NOT_FORWARDED_PORT].packets, 1u);
}

TEST_F(ForwardProg, TtlOneGoesToTheStack) {
    for (uint8_t ttl : {1, 0})
        expect_passed(
            Packet().eth().ipv4("198.18.10.9", "198.18.20.7").ttl(ttl).udp().payload(18).bytes(),
            FORWARD_PASS_TTL);
    expect_passed(Packet().eth().ipv6("fc00:dead:cafe:10::9", "fc00:dead:cafe:20::7").ttl(1)
                      .udp().payload(18).bytes(),
                  FORWARD_PASS_TTL);
}

TEST_F(ForwardProg, FragmentsGoToTheStack) {
    const std::string src = "198.18.10.9", dst = "198.18.20.7";
    expect_passed(Packet().eth().ipv4(src, dst).ipv4_fragment(0, true).udp().payload(16).bytes(),
                  FORWARD_PASS_FRAGMENT);
    expect_passed(Packet().eth().ipv4(src, dst).ipv4_fragment(3, false).payload(16).bytes(),
                  FORWARD_PASS_FRAGMENT);
    const std::string src6 = "fc00:dead:cafe:10::9", dst6 = "fc00:dead:cafe:20::7";
    expect_passed(Packet().eth().ipv6(src6, dst6).ipv6_fragment(0, true).udp().payload(16).bytes(),
                  FORWARD_PASS_FRAGMENT);
    expect_passed(Packet().eth().ipv6(src6, dst6).ipv6_ext(60).ipv6_fragment(5, false).udp()
                      .payload(16).bytes(),
                  FORWARD_PASS_FRAGMENT);
}

TEST_F(ForwardProg, AnAtomicIpv6FragmentIsForwardedWhole) {
    // RFC 6946: offset 0 and no M flag is a whole packet.
    LoadedProgram p = load();
    const auto in = Packet().eth().ipv6("fc00:dead:cafe:10::9", "fc00:dead:cafe:20::7")
                        .ipv6_fragment(0, false).udp().payload(16).bytes();
    EXPECT_EQ(run_xdp(p.prog_fd(), in).verdict, kRedirect);
}

TEST_F(ForwardProg, FramesThatAreNotIpGoToTheStack) {
    expect_passed(Packet().eth().ethertype(0x0806).payload(28).bytes(), FORWARD_PASS_NON_IP);
}

TEST_F(ForwardProg, FramesItCannotWalkAreUnparsedNeverForwarded) {
    // Cut short inside the IPv4 header, the IPv6 header, and an Ethernet header alone.
    auto v4 = Packet().eth().ipv4("198.18.10.9", "198.18.20.7").udp().bytes();
    v4.resize(kEth + 12);
    expect_passed(v4, FORWARD_PASS_UNPARSED);
    auto v6 = Packet().eth().ipv6("fc00:dead:cafe:10::9", "fc00:dead:cafe:20::7").udp().bytes();
    v6.resize(kEth + 30);
    expect_passed(v6, FORWARD_PASS_UNPARSED);
    // An IPv6 chain longer than the walk's bound (XDPKIT_IPV6_EXT_MAX headers).
    Packet deep;
    deep.eth().ipv6("fc00:dead:cafe:10::9", "fc00:dead:cafe:20::7");
    for (int i = 0; i <= XDPKIT_IPV6_EXT_MAX; ++i) deep.ipv6_ext(60);
    expect_passed(deep.udp().payload(8).bytes(), FORWARD_PASS_UNPARSED);
    // Too short for Ethernet: BPF_PROG_RUN takes no frame under 14 bytes, so 14 bytes of a
    // header whose EtherType says IPv4 and nothing after it.
    expect_passed(Packet().eth().ethertype(0x0800).bytes(), FORWARD_PASS_UNPARSED);
}

TEST_F(ForwardProg, HeadersARouterMustRefuseGoToTheStack) {
    // RFC 1812 §5.2.2: a wrong IPv4 header checksum, a total length past the frame or short of
    // the header, an IPv6 payload length past the frame. The stack drops them (InHdrErrors).
    const auto good = udp4_to("198.18.20.7");
    auto bad_sum = good;
    bad_sum[kEth + 11] ^= 0x01;
    expect_passed(bad_sum, FORWARD_PASS_BAD_HEADER);
    auto long_total = good;
    long_total[kEth + 3] += 1;  // one byte more than the frame holds
    fix_ipv4_checksum(long_total);
    expect_passed(long_total, FORWARD_PASS_BAD_HEADER);
    auto v6 = udp6_to("fc00:dead:cafe:20::7");
    v6[kEth + 5] += 1;
    expect_passed(v6, FORWARD_PASS_BAD_HEADER);
    // A frame longer than its IP packet (Ethernet padding) is fine.
    auto padded = good;
    padded.resize(padded.size() + 6, 0);
    LoadedProgram p = load();
    EXPECT_EQ(run_xdp(p.prog_fd(), padded).verdict, kRedirect);
}

TEST_F(ForwardProg, VlanTaggedFramesGoToTheStack) {
    expect_passed(Packet().eth().vlan(100).ipv4("198.18.10.9", "198.18.20.7").udp().payload(18)
                      .bytes(),
                  FORWARD_PASS_VLAN);
}

TEST_F(ForwardProg, FramesForTheHostGoToTheStack) {
    expect_passed(udp4_to("224.0.0.5"), FORWARD_PASS_LOCAL);
    expect_passed(udp4_to("255.255.255.255"), FORWARD_PASS_LOCAL);
    expect_passed(udp6_to("ff02::1"), FORWARD_PASS_LOCAL);
    expect_passed(udp6_to("fe80::1"), FORWARD_PASS_LOCAL);
    const Packet::Mac broadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    expect_passed(Packet().eth(Packet::kSrcMac, broadcast).ipv4("198.18.10.9", "198.18.20.7")
                      .udp().payload(18).bytes(),
                  FORWARD_PASS_LOCAL);
}

TEST_F(ForwardProg, OptionsGoToTheStack) {
    expect_passed(Packet().eth().ipv4("198.18.10.9", "198.18.20.7", 1).udp().payload(18).bytes(),
                  FORWARD_PASS_OPTIONS);
    expect_passed(Packet().eth().ipv6("fc00:dead:cafe:10::9", "fc00:dead:cafe:20::7").ipv6_ext(0)
                      .udp().payload(18).bytes(),
                  FORWARD_PASS_OPTIONS);
}

TEST_F(ForwardProg, NoRouteAndNoNeighbourGoToTheStack) {
    expect_passed(udp4_to("198.18.30.1"), FORWARD_PASS_NO_ROUTE);
    expect_passed(udp6_to("fc00:dead:cafe:30::1"), FORWARD_PASS_NO_ROUTE);
    sh("ip route add unreachable 198.18.50.0/24 && ip route add blackhole 198.18.51.0/24");
    expect_passed(udp4_to("198.18.50.1"), FORWARD_PASS_NO_ROUTE);
    expect_passed(udp4_to("198.18.51.1"), FORWARD_PASS_NO_ROUTE);
    expect_passed(udp4_to("198.18.40.1"), FORWARD_PASS_NO_NEIGH);
    expect_passed(udp6_to("fc00:dead:cafe:40::1"), FORWARD_PASS_NO_NEIGH);
}

TEST_F(ForwardProg, ForwardingOffOnTheIngressDeviceGoesToTheStack) {
    write_sysctl("/proc/sys/net/ipv4/ip_forward", "0");
    expect_passed(udp4_to("198.18.20.7"), FORWARD_PASS_FWD_DISABLED);
}

TEST_F(ForwardProg, LargerThanTheEgressMtuGoesToTheStack) {
    sh("ip link set f0 mtu 1280");
    expect_passed(Packet().eth().ipv4("198.18.10.9", "198.18.20.7").udp().payload(1400).bytes(),
                  FORWARD_PASS_MTU);
}

}  // namespace
}  // namespace xdpkit
