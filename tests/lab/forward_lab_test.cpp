// xdpkit forward end to end: a router R between two hosts A and B, each in a namespace of its
// own, with routes in R for both families. Ping crosses R through XDP (the forwarded counters
// move, R's stack forwards nothing), the TTL is decremented on the way, a removed route makes
// frames pass counted no-route, and the refusals leave R as it was.
//
//   A: vethAR 198.18.1.2   ── vethRA 198.18.1.1 │ R │ vethRB 198.18.2.1 ── vethBR 198.18.2.2 : B
//      fc00:dead:cafe:1::2    fc00:dead:cafe:1::1     fc00:dead:cafe:2::1   fc00:dead:cafe:2::2
//   B's lo: 198.18.3.1, fc00:dead:cafe:3::1 — reached through R's routes via B (both families).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <tuple>
#include <thread>

#include "lab/chain_lab.h"
#include "lab/lab.h"
#include "lab/lab_asserts.h"

namespace xdpkit::test {
namespace {

constexpr const char* kB4 = "198.18.3.1";
constexpr const char* kB6 = "fc00:dead:cafe:3::1";

class ForwardLab : public ::testing::Test {
protected:
    ForwardLab() : prefix_(unique_lab_prefix()) {}
    ~ForwardLab() override {
        for (char w : {'a', 'r', 'b'}) remove_lab_netns(ns(w));
    }

    void SetUp() override {
        for (char w : {'a', 'r', 'b'}) add_lab_netns(ns(w));
        // Made inside R, each peer moved straight into its namespace: no end is ever in the
        // root namespace.
        for (const auto& [mine, peer, where] :
             {std::tuple{"vethRA", "vethAR", 'a'}, std::tuple{"vethRB", "vethBR", 'b'}}) {
            ip_or_throw({"-n", ns('r'), "link", "add", mine, "type", "veth", "peer", "name", peer,
                         "netns", ns(where)});
            ip_or_throw({"-n", ns('r'), "link", "set", mine, "up"});
            ip_or_throw({"-n", ns(where), "link", "set", peer, "up"});
        }
        const auto addr = [&](char w, const std::string& cidr, const std::string& dev) {
            ip_or_throw({"-n", ns(w), "addr", "add", cidr, "dev", dev});
        };
        addr('a', "198.18.1.2/24", "vethAR");
        addr('a', "fc00:dead:cafe:1::2/64", "vethAR");
        addr('r', "198.18.1.1/24", "vethRA");
        addr('r', "fc00:dead:cafe:1::1/64", "vethRA");
        addr('r', "198.18.2.1/24", "vethRB");
        addr('r', "fc00:dead:cafe:2::1/64", "vethRB");
        addr('b', "198.18.2.2/24", "vethBR");
        addr('b', "fc00:dead:cafe:2::2/64", "vethBR");
        addr('b', std::string(kB4) + "/32", "lo");
        addr('b', std::string(kB6) + "/128", "lo");
        ip_or_throw({"-n", ns('a'), "route", "add", "default", "via", "198.18.1.1"});
        ip_or_throw({"-n", ns('a'), "-6", "route", "add", "default", "via", "fc00:dead:cafe:1::1"});
        ip_or_throw({"-n", ns('b'), "route", "add", "default", "via", "198.18.2.1"});
        ip_or_throw({"-n", ns('b'), "-6", "route", "add", "default", "via", "fc00:dead:cafe:2::1"});
        add_routes_in_r();
        // The FIB answers "forwarding disabled" for an ingress device without it.
        ip_or_throw({"netns", "exec", ns('r'), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1",
                     "net.ipv6.conf.all.forwarding=1"});
        wait_until_quiet({ns('a'), ns('r'), ns('b')});
    }

    void add_routes_in_r() const {
        ip_or_throw({"-n", ns('r'), "route", "add", "198.18.3.0/24", "via", "198.18.2.2"});
        ip_or_throw({"-n", ns('r'), "-6", "route", "add", "fc00:dead:cafe:3::/64", "via",
                     "fc00:dead:cafe:2::2"});
    }

    std::string ns(char which) const { return prefix_ + "-" + which; }
    CommandResult in_r(const std::vector<std::string>& args) const {
        return xdpkit_in(ns('r'), args);
    }

    // A veth in R can take redirected frames only while its peer has an XDP program.
    void prepare_ports() const {
        for (const char* dev : {"vethRA", "vethRB"}) {
            const auto r = in_r({"veth", "prepare", dev});
            ASSERT_EQ(r.status, 0) << r.err;
        }
    }
    void forward_ok() const {
        const auto r = in_r({"forward", "vethRA", "vethRB"});
        ASSERT_EQ(r.status, 0) << r.err;
    }

    // ping from A to dst; the output (per-echo lines: their ttl), or nullopt when an echo was
    // lost.
    std::optional<std::string> ping_from_a(const char* dst, int count) const {
        const auto r = run_command({"ip", "netns", "exec", ns('a'), "ping", "-c",
                                    std::to_string(count), "-i", "0.2", "-W", "1", dst});
        if (r.status != 0) return std::nullopt;
        return r.out;
    }
    bool ping_fails(const char* dst) const {
        return run_command({"ip", "netns", "exec", ns('a'), "ping", "-c", "1", "-W", "1", dst})
                   .status != 0;
    }

    // One row of R's forward stage on dev (stats --json).
    uint64_t row(const std::string& dev, const std::string& table, const std::string& name) const {
        const auto r = in_r({"--json", "stats", dev, "--count", "1", "--interval", "0.1"});
        if (r.status != 0) throw std::runtime_error("stats failed: " + r.err);
        return row_packets(nlohmann::json::parse(r.out).at("chain").at(0), table, name);
    }
    uint64_t stack_forwarded() const {
        return snmp_counter(ns('r'), "Ip", "ForwDatagrams") +
               snmp6_counter(ns('r'), "Ip6OutForwDatagrams");
    }

    // Polls until cond holds or the deadline passes; true if it held.
    template <typename Cond>
    static bool eventually(Cond cond) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        for (;;) {
            if (cond()) return true;
            if (std::chrono::steady_clock::now() > end) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the poll period
        }
    }

    std::string prefix_;
};

TEST_F(ForwardLab, PingCrossesRInXdpWithTheTtlDecrementedAndRsStackSeesNone) {
    prepare_ports();
    forward_ok();
    // The first frames to each next hop find no neighbour yet: they pass to R's stack, which
    // forwards them and resolves the neighbour; from then on XDP forwards.
    ASSERT_TRUE(ping_from_a(kB4, 1));
    ASSERT_TRUE(ping_from_a(kB6, 1));
    EXPECT_GE(row("vethRA", "pass_reasons", "no-neigh") + row("vethRB", "pass_reasons", "no-neigh"),
              1u);

    const uint64_t stack_before = stack_forwarded();
    const uint64_t to_b = row("vethRA", "egress_counters", "vethRB");
    const uint64_t to_a = row("vethRB", "egress_counters", "vethRA");
    constexpr int kPings = 5;
    const auto v4 = ping_from_a(kB4, kPings);
    const auto v6 = ping_from_a(kB6, kPings);
    ASSERT_TRUE(v4 && v6);
    // The replies crossed R once: 64 less one. (R's stack would decrement too; that it did not
    // forward them is the counter below.)
    EXPECT_NE(v4->find("ttl=63"), std::string::npos) << *v4;
    EXPECT_TRUE(v6->find("ttl=63") != std::string::npos || v6->find("hlim=63") != std::string::npos)
        << *v6;
    // Exactly the echoes, each way: nothing else crosses R meanwhile (neighbour traffic is for
    // R itself, and passes).
    EXPECT_EQ(row("vethRA", "egress_counters", "vethRB") - to_b, 2u * kPings);
    EXPECT_EQ(row("vethRB", "egress_counters", "vethRA") - to_a, 2u * kPings);
    EXPECT_EQ(stack_forwarded(), stack_before) << "R's stack forwarded some of the pings";

    // status reads the ports back from the pinned devmap, and the parameter from .rodata.
    const auto st = in_r({"--json", "status", "vethRA"});
    ASSERT_EQ(st.status, 0) << st.err;
    const auto stage = nlohmann::json::parse(st.out).at(0).at("chain").at(0);
    EXPECT_EQ(stage.at("program"), "forward");
    EXPECT_EQ(stage.at("params").at("fib-mode"), "full");
    EXPECT_EQ(stage.at("state").at("ports"), "vethRA,vethRB");

    for (const char* dev : {"vethRA", "vethRB"}) {
        const auto d = in_r({"detach", dev});
        ASSERT_EQ(d.status, 0) << d.err;
        expect_nothing_attached(ns('r'), dev);
    }
}

TEST_F(ForwardLab, ARemovedRouteSendsFramesToTheStackCountedNoRoute) {
    prepare_ports();
    forward_ok();
    ASSERT_TRUE(ping_from_a(kB4, 2));
    ASSERT_TRUE(ping_from_a(kB6, 2));
    ip_or_throw({"-n", ns('r'), "route", "del", "198.18.3.0/24"});
    ip_or_throw({"-n", ns('r'), "-6", "route", "del", "fc00:dead:cafe:3::/64"});
    const uint64_t before = row("vethRA", "pass_reasons", "no-route");
    EXPECT_TRUE(ping_fails(kB4));
    EXPECT_TRUE(ping_fails(kB6));
    EXPECT_TRUE(eventually([&] { return row("vethRA", "pass_reasons", "no-route") >= before + 2; }))
        << row("vethRA", "pass_reasons", "no-route") - before;
    // And back: the route again, XDP forwards again.
    add_routes_in_r();
    EXPECT_TRUE(ping_from_a(kB4, 2));
    EXPECT_TRUE(ping_from_a(kB6, 2));
}

TEST_F(ForwardLab, SaysWhenForwardingIsOffAndCountsWhatItPasses) {
    prepare_ports();
    ip_or_throw({"netns", "exec", ns('r'), "sysctl", "-q", "-w",
                 "net.ipv4.conf.vethRA.forwarding=0"});
    const auto r = in_r({"forward", "vethRA", "vethRB"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("note: vethRA: forwarding is off (net.ipv4.conf.vethRA.forwarding=0)"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("vethRB: forwarding is off"), std::string::npos) << r.out;
    EXPECT_TRUE(ping_fails(kB4));  // R's stack does not forward from vethRA either
    EXPECT_TRUE(eventually([&] { return row("vethRA", "pass_reasons", "forwarding-off") >= 1; }));
    EXPECT_TRUE(ping_from_a(kB6, 2));  // IPv6 forwarding is still on
}

TEST_F(ForwardLab, RefusesAPortWhoseVethPeerCannotTakeRedirectsAndChangesNothing) {
    const auto r = in_r({"forward", "vethRA", "vethRB"});
    EXPECT_EQ(r.status, 1);
    expect_one_error_line(r);
    EXPECT_NE(r.err.find("xdpkit veth prepare vethRA"), std::string::npos) << r.err;
    for (const char* dev : {"vethRA", "vethRB"}) expect_nothing_attached(ns('r'), dev);
}

TEST_F(ForwardLab, RefusesAnInterfaceThatIsNotThereAndChangesNothing) {
    prepare_ports();
    for (const char* missing : {"nosuch0", "vethAR"}) {  // vethAR: there, but in A
        SCOPED_TRACE(missing);
        const auto r = in_r({"forward", "vethRA", missing});
        EXPECT_EQ(r.status, 1);
        expect_one_error_line(r);
        EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
        expect_nothing_attached(ns('r'), "vethRA");
    }
}

TEST_F(ForwardLab, UsageErrorsExitTwo) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"forward"},
             {"forward", "vethRA", "--fib-mode", "fastest"},
             {"forward", "vethRA", "--mode", "hw"},
             {"forward", "vethRA", "--replace", "--chain"}}) {
        const auto r = in_r(args);
        EXPECT_EQ(r.status, 2) << args.back() << ": " << r.err;
    }
    expect_nothing_attached(ns('r'), "vethRA");
}

// No lab needed: the refusal comes before the capture is read.
TEST(ForwardCli, RunOnACaptureIsRefusedWithWhy) {
    const auto r = run_command({xdpkit_path(), "run", "forward", "--pcap", "/nonexistent.pcap"});
    EXPECT_EQ(r.status, 1);
    expect_one_error_line(r);
    EXPECT_NE(r.err.find("FIB of the namespace"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace xdpkit::test
