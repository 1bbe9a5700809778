// veth create / prepare end to end: the real binary in namespaces the test makes, what the
// kernel then shows (sysfs, ip, ethtool, xdp-features), and a live XDP_TX bounce.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include "lab/lab.h"
#include "lab/lab_asserts.h"

extern char** environ;

namespace xdpkit::test {
namespace {

using nlohmann::json;

std::string in_ns(const std::string& ns, std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
    const auto r = run_command(argv);
    EXPECT_EQ(r.status, 0) << argv[4] << ": " << r.err;
    return r.out;
}

// `ip netns exec` mounts the namespace's own /sys for the command: the queues veth really has.
int queues(const std::string& ns, const std::string& dev, const std::string& kind) {
    std::istringstream names(in_ns(ns, {"ls", "/sys/class/net/" + dev + "/queues"}));
    int n = 0;
    for (std::string name; names >> name;) n += name.rfind(kind + "-", 0) == 0;
    return n;
}

json link(const std::string& ns, const std::string& dev) {
    const auto r = run_command({"ip", "-j", "-n", ns, "link", "show", "dev", dev});
    if (r.status != 0) return nullptr;
    return json::parse(r.out).at(0);
}

bool is_up(const json& l) {
    for (const auto& f : l.at("flags"))
        if (f == "UP") return true;
    return false;
}

// "on" or "off" for one feature of `ethtool -k` (whose older names it uses: tx-vlan-offload
// is tx-vlan-hw-insert, generic-receive-offload is rx-gro).
std::string feature(const std::string& ns, const std::string& dev, const std::string& name) {
    std::istringstream lines(in_ns(ns, {"ethtool", "-k", dev}));
    for (std::string line; std::getline(lines, line);) {
        const auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line.compare(start, name.size() + 2, name + ": ") != 0)
            continue;
        return line.substr(start + name.size() + 2, line.find(' ', start + name.size() + 2) -
                                                         (start + name.size() + 2));
    }
    ADD_FAILURE() << "ethtool -k " << dev << " has no " << name;
    return "";
}

// The TX offloads XDP cannot see, on a veth: what prepare turns off.
const std::vector<std::string> kXdpBlind = {"tx-checksum-ip-generic", "tx-checksum-sctp",
                                            "tx-vlan-offload", "tx-vlan-stag-hw-insert"};

void expect_offloads(const std::string& ns, const std::string& dev, const std::string& state) {
    for (const auto& f : kXdpBlind) EXPECT_EQ(feature(ns, dev, f), state) << dev << " " << f;
}

bool has(const json& names, const std::string& name) {
    for (const auto& n : names)
        if (n == name) return true;
    return false;
}

json receives_redirects(const Lab& lab) {
    const auto r = lab.xdpkit({"probe", "veth0", "--json"});
    EXPECT_EQ(r.status, 0) << r.err;
    const json probe = json::parse(r.out);
    for (const auto& c : probe.at("device").at("checks"))
        if (c.at("feature") == "receives-redirects") return c;
    ADD_FAILURE() << "probe has no receives-redirects";
    return nullptr;
}

json prepare(const Lab& lab, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"veth", "prepare", "veth0", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = lab.xdpkit(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.status == 0 ? json::parse(r.out) : json();
}

uint64_t verdict(const json& status, const char* v) {
    return status.at("chain").at(0).at("verdicts").at(v).at("packets").get<uint64_t>();
}

// ---- create ----

class VethCreateLab : public ::testing::Test {
protected:
    CommandResult create(std::vector<std::string> args) const {
        args.insert(args.begin(), {"veth", "create"});
        return lab.xdpkit(args);
    }
    Lab lab{Lab::Veths::None};
};

TEST_F(VethCreateLab, MakesBothEndsWithTheQueuesAndMtuAskedThePeerInItsNamespace) {
    const auto r = create({"xa0", "xa1", "--peer-netns", lab.peer_ns(), "--queues", "3", "--mtu",
                           "2000", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j.at("netns"), lab.dut_ns());
    EXPECT_EQ(j.at("peer").at("netns"), lab.peer_ns());
    EXPECT_EQ(j.at("peer").at("rx_queues"), 3);

    for (const auto& [ns, dev] : {std::pair{lab.dut_ns(), "xa0"}, {lab.peer_ns(), "xa1"}}) {
        SCOPED_TRACE(dev);
        EXPECT_EQ(queues(ns, dev, "rx"), 3);
        EXPECT_EQ(queues(ns, dev, "tx"), 3);
        const json l = link(ns, dev);
        ASSERT_FALSE(l.is_null());
        EXPECT_EQ(l.at("mtu"), 2000);
        EXPECT_TRUE(is_up(l));
    }
    EXPECT_TRUE(link(lab.dut_ns(), "xa1").is_null()) << "the peer is only in its namespace";
    EXPECT_TRUE(link(lab.peer_ns(), "xa0").is_null());
}

TEST_F(VethCreateLab, DefaultsToOneQueuePerOnlineCpuAndThenPreparesAPeerInTheSameNamespace) {
    const auto r = create({"xb0", "xb1"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("created veth pair xb0 <-> xb1"), std::string::npos) << r.out;
    const int cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
    for (const char* dev : {"xb0", "xb1"}) {
        EXPECT_EQ(queues(lab.dut_ns(), dev, "rx"), cpus) << dev;
        EXPECT_EQ(queues(lab.dut_ns(), dev, "tx"), cpus) << dev;
        EXPECT_EQ(link(lab.dut_ns(), dev).at("mtu"), 1500);
    }

    const auto p = lab.xdpkit({"veth", "prepare", "xb0", "--json"});
    ASSERT_EQ(p.status, 0) << p.err;
    const json j = json::parse(p.out);
    EXPECT_EQ(j.at("peer").at("ifname"), "xb1");
    EXPECT_EQ(j.at("peer").at("netns"), "");
    EXPECT_TRUE(has(j.at("xdp_features_after"), "ndo-xmit"));
    const auto s = lab.xdpkit({"status", "xb1", "--json"});
    ASSERT_EQ(s.status, 0) << s.err;
    EXPECT_EQ(json::parse(s.out).at(0).at("chain").at(0).at("program"), "pass");
}

TEST_F(VethCreateLab, RefusalsAreOneLineAndMakeNothing) {
    ASSERT_EQ(create({"xc0", "xc1", "--peer-netns", lab.peer_ns()}).status, 0);
    const auto again = create({"xc0", "xc1", "--peer-netns", lab.peer_ns()});
    EXPECT_EQ(again.status, 1);
    EXPECT_NE(again.err.find("xc0 exists already"), std::string::npos) << again.err;
    expect_one_error_line(again);

    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"xd0", "xc1", "--peer-netns", lab.peer_ns()},   // the peer's name is taken there
             {"xd0", "xd1", "--peer-netns", lab.dut_ns() + "-nosuch"},
             {"xd0", "xd0"},
             {"xd0", "bad/name"},
         }) {
        const auto r = create(args);
        EXPECT_EQ(r.status, 1) << args[1];
        expect_one_error_line(r);
    }
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"xd0", "xd1", "--queues", "0"},
             {"xd0", "xd1", "--queues", "4097"},
             {"xd0", "xd1", "--queues", "many"},
             {"xd0", "xd1", "--mtu", "67"},
         }) {
        const auto r = create(args);
        EXPECT_EQ(r.status, 2) << args[2] << " " << args[3];  // a usage error
        expect_one_error_line(r);
    }
    EXPECT_TRUE(link(lab.dut_ns(), "xd0").is_null()) << "a refused create makes nothing";
    EXPECT_TRUE(link(lab.peer_ns(), "xd1").is_null());
}

// ---- prepare ----

class VethPrepareLab : public ::testing::Test {
protected:
    Lab lab;
};

TEST_F(VethPrepareLab, PeerProgramBringsNdoXmitAPinnedPassOnThePeerAndOffloadsOff) {
    const json before = receives_redirects(lab);
    EXPECT_EQ(before.at("supported"), false);
    EXPECT_NE(before.at("detail").get<std::string>().find("run 'xdpkit veth prepare veth0'"),
              std::string::npos)
        << before;
    expect_offloads(lab.dut_ns(), "veth0", "on");
    expect_offloads(lab.peer_ns(), "veth1", "on");

    const json j = prepare(lab);
    EXPECT_EQ(j.at("setup"), "peer-prog");
    EXPECT_EQ(j.at("peer").at("ifname"), "veth1");
    EXPECT_EQ(j.at("peer").at("netns"), lab.peer_ns());
    EXPECT_FALSE(has(j.at("xdp_features_before"), "ndo-xmit"));
    EXPECT_TRUE(has(j.at("xdp_features_after"), "ndo-xmit"));
    EXPECT_TRUE(j.at("changed").get<bool>());

    EXPECT_EQ(receives_redirects(lab).at("supported"), true);
    const json peer = lab.status(true);
    EXPECT_TRUE(peer.at("xdpkit").get<bool>()) << "pinned by xdpkit: status finds it";
    EXPECT_EQ(peer.at("mode"), "native");
    EXPECT_EQ(peer.at("chain").at(0).at("program"), "pass");
    expect_offloads(lab.dut_ns(), "veth0", "off");
    expect_offloads(lab.peer_ns(), "veth1", "off");
    EXPECT_EQ(feature(lab.peer_ns(), "veth1", "generic-receive-offload"), "off");

    // Twice: nothing to do, said so, success.
    const auto again = lab.xdpkit({"veth", "prepare", "veth0"});
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_NE(again.out.find("nothing needed changing"), std::string::npos) << again.out;
    EXPECT_NE(again.out.find("veth1 already runs xdpkit's chain (pass)"), std::string::npos)
        << again.out;
    EXPECT_EQ(lab.status(true).at("chain").at(0).at("prog_id"), peer.at("chain").at(0).at("prog_id"));
}

TEST_F(VethPrepareLab, GroTurnsGroOnOnThePeerAndAttachesNothing) {
    const json j = prepare(lab, {"--gro"});
    EXPECT_EQ(j.at("setup"), "gro");
    ASSERT_EQ(j.at("notes").size(), 1u) << "GRO is not enough for XDP_TX: a note says so";
    EXPECT_NE(j.at("notes").at(0).get<std::string>().find("for XDP_TX use --peer-prog"),
              std::string::npos);
    EXPECT_TRUE(has(j.at("xdp_features_after"), "ndo-xmit"));
    EXPECT_EQ(feature(lab.peer_ns(), "veth1", "generic-receive-offload"), "on");
    EXPECT_EQ(lab.status(true).at("prog_id"), 0);
    expect_offloads(lab.dut_ns(), "veth0", "off");
    expect_offloads(lab.peer_ns(), "veth1", "off");
    EXPECT_EQ(receives_redirects(lab).at("supported"), true);
    EXPECT_FALSE(prepare(lab, {"--gro"}).at("changed").get<bool>());
}

TEST_F(VethPrepareLab, NotAVethIsOneLineAndChangesNothing) {
    const std::string lo_before = in_ns(lab.dut_ns(), {"ethtool", "-k", "lo"});
    const auto r = lab.xdpkit({"veth", "prepare", "lo"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("lo is not a veth (kind"), std::string::npos) << r.err;
    expect_one_error_line(r);
    EXPECT_EQ(in_ns(lab.dut_ns(), {"ethtool", "-k", "lo"}), lo_before);
    const auto missing = lab.xdpkit({"veth", "prepare", "nosuch0"});
    EXPECT_EQ(missing.status, 1);
    expect_one_error_line(missing);
    EXPECT_EQ(lab.xdpkit({"veth", "prepare", "veth0", "--gro", "--peer-prog"}).status, 2);
    expect_offloads(lab.dut_ns(), "veth0", "on");
    expect_offloads(lab.peer_ns(), "veth1", "on");
    EXPECT_EQ(lab.status(true).at("prog_id"), 0);
}

TEST_F(VethPrepareLab, APeerProgramInSkbModeIsRefusedBeforeAnythingChanges) {
    ASSERT_EQ(lab.peer_xdpkit({"attach", "pass", "veth1", "--mode", "skb"}).status, 0);
    const auto r = lab.xdpkit({"veth", "prepare", "veth0"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("in skb mode"), std::string::npos) << r.err;
    expect_one_error_line(r);
    expect_offloads(lab.dut_ns(), "veth0", "on");
    expect_offloads(lab.peer_ns(), "veth1", "on");
    EXPECT_EQ(lab.status(true).at("mode"), "skb");
}

TEST_F(VethPrepareLab, AProgramAlreadyOnThePeerIsLeftAlone) {
    ASSERT_EQ(lab.peer_xdpkit({"attach", "drop", "veth1", "--param", "action=pass"}).status, 0);
    const json j = prepare(lab);
    ASSERT_EQ(j.at("notes").size(), 1u);
    EXPECT_NE(j.at("notes").at(0).get<std::string>().find("xdpkit's chain (drop)"),
              std::string::npos)
        << j;
    EXPECT_TRUE(has(j.at("xdp_features_after"), "ndo-xmit"));
    const json peer = lab.status(true);
    ASSERT_EQ(peer.at("chain").size(), 1u);
    EXPECT_EQ(peer.at("chain").at(0).at("program"), "drop");
}

// A namespace with no /run/netns name: one held by a process of ours, the peer moved into it.
TEST_F(VethPrepareLab, APeerInANamelessNamespaceIsOneLine) {
    const char* argv[] = {"unshare", "-n", "sleep", "30", nullptr};
    pid_t holder = 0;
    ASSERT_EQ(posix_spawnp(&holder, "unshare", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
    // unshare has made the namespace once the process runs sleep, not before (deadline 5 s).
    for (int i = 0; i < 250; ++i) {
        char self[64] = {}, child[64] = {};
        const std::string path = "/proc/" + std::to_string(holder) + "/ns/net";
        if (::readlink(path.c_str(), child, sizeof(child) - 1) > 0 &&
            ::readlink("/proc/self/ns/net", self, sizeof(self) - 1) > 0 &&
            std::string(self) != child)
            break;
        usleep(20 * 1000);
    }
    const auto add = run_command({"ip", "-n", lab.dut_ns(), "link", "add", "xu0", "type", "veth",
                                  "peer", "name", "xu1", "netns", std::to_string(holder)});
    if (add.status == 0) {
        const auto r = lab.xdpkit({"veth", "prepare", "xu0"});
        EXPECT_EQ(r.status, 1);
        EXPECT_NE(r.err.find("without a name under /run/netns"), std::string::npos) << r.err;
        expect_one_error_line(r);
    }
    ::kill(holder, SIGTERM);
    ::waitpid(holder, nullptr, 0);
    ASSERT_EQ(add.status, 0) << add.err;
}

// After prepare, veth0's XDP_TX bounces are no longer dropped: the peer's pass program sees them.
TEST_F(VethPrepareLab, XdpTxBouncesReachThePreparedPeer) {
    prepare(lab);
    attach_ok(lab, {"drop", "veth0", "--param", "action=tx-udp", "--param", "protos=udp"});
    ASSERT_TRUE(lab.ping4());
    const uint64_t seen = verdict(lab.status(true), "pass");
    ASSERT_TRUE(lab.send_udp4(5));
    for (int i = 0; i < 100 && verdict(lab.status(true), "pass") < seen + 5; ++i)
        usleep(50 * 1000);  // poll period; deadline 5 s
    EXPECT_EQ(verdict(lab.status(), "tx"), 5u);
    EXPECT_GE(verdict(lab.status(true), "pass"), seen + 5)
        << "the five bounced datagrams reach veth1's pass program";
}

}  // namespace
}  // namespace xdpkit::test
