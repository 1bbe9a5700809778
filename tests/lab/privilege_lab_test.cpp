// Without the privileges, a command that loads a program says which ones it needs and exits
// 1: the wording a verifier refusal no longer borrows (issue 25). Both ways to lack them: an
// ordinary user (setpriv), and root of a user namespace (unshare -Ur), whose capabilities
// do not count for bpf(). `run` loads a program and touches no interface, so no lab is needed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "core/packets/pcap_file.h"
#include "lab.h"
#include "lab_asserts.h"
#include "support/packet.h"
#include "support/temp_dir.h"

namespace xdpkit {
namespace {

using test::run_command;
using test::xdpkit_path;

class PrivilegeLab : public ::testing::Test {
protected:
    void SetUp() override {
        // Readable by the unprivileged user: the refusal must be the load's, not the file's.
        ASSERT_EQ(::chmod(dir_.file("").c_str(), 0755), 0);
        const auto frame = test::Packet().eth().ipv4().udp().payload(18).bytes();
        ASSERT_TRUE(write_pcap(pcap_, {{1700000000, 0, static_cast<uint32_t>(frame.size()), frame}}));
        ASSERT_EQ(::chmod(pcap_.c_str(), 0644), 0);
    }

    test::CommandResult run_drop_as(std::vector<std::string> wrapper) const {
        for (const std::string& a : {xdpkit_path(), std::string("run"), std::string("drop"),
                                     std::string("--pcap"), pcap_})
            wrapper.push_back(a);
        return run_command(wrapper);
    }

    test::TempDir dir_;
    std::string pcap_ = dir_.file("one.pcap");
};

TEST_F(PrivilegeLab, AnOrdinaryUserIsAskedForRootAndTheRunFails) {
    const auto r = run_drop_as({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                "--inh-caps=-all"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "xdpkit: cannot load program 'drop': Operation not permitted; needs CAP_BPF "
                     "and CAP_NET_ADMIN: run as root\n");
}

TEST_F(PrivilegeLab, RootInAUserNamespaceIsToldItsCapabilitiesDoNotCount) {
    const auto r = run_drop_as({"unshare", "--user", "--map-root-user"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "xdpkit: cannot load program 'drop': Operation not permitted; needs CAP_BPF "
                     "and CAP_NET_ADMIN: run as root (capabilities inside a user namespace do not "
                     "count)\n");
}

// Every command that reads or changes xdpkit's state, run by an ordinary user inside a lab
// whose veth0 has xdpkit's chain and an SA: each says in one line what it needs and exits 1 —
// none reports the chain as another tool's, the database as missing, or advises `ip link set
// xdp off` (issue 16 item 4) — and root then finds everything as it was.
TEST(PrivilegeLabState, AnOrdinaryUserGetsNoAnswerItCouldNotRead) {
    test::Lab lab;
    test::attach_ok(lab, {"drop", "veth0"});
    auto r = lab.xdpkit({"ipsec", "sa", "add", "--spi", "0x300", "--dst", test::Lab::kDutIp4,
                         "--action", "drop"});
    ASSERT_EQ(r.status, 0) << r.err;
    const nlohmann::json before = test::set_up_state(lab.status());
    const std::vector<std::vector<std::string>> commands = {
        {"status"},
        {"status", "veth0"},
        {"stats", "veth0", "--count", "1"},
        {"detach", "veth0"},
        {"attach", "pass", "veth0", "--chain"},
        {"ipsec", "sa", "list"},
        {"ipsec", "sa", "del", "--spi", "0x300", "--dst", test::Lab::kDutIp4},
        {"ipsec", "sa", "add", "--spi", "0x301", "--dst", test::Lab::kDutIp4, "--action", "drop"},
        {"prune", "--dry-run"},
        {"probe"},
        {"afxdp", "veth0", "--count", "1"},
        {"accel", "veth0", "--backend", "openssl"},
    };
    for (const auto& args : commands) {
        std::vector<std::string> argv{"ip", "netns", "exec", lab.dut_ns(), "setpriv",
                                      "--reuid=65534", "--regid=65534", "--clear-groups",
                                      "--inh-caps=-all", test::xdpkit_path()};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto res = run_command(argv);
        SCOPED_TRACE(args.front() + (args.size() > 1 ? " " + args[1] : ""));
        EXPECT_EQ(res.status, 1);
        test::expect_one_error_line(res);
        EXPECT_NE(res.err.find("needs CAP_BPF and CAP_NET_ADMIN: run as root"), std::string::npos)
            << res.err;
    }
    EXPECT_EQ(test::set_up_state(lab.status()), before);
    r = lab.xdpkit({"--json", "ipsec", "sa", "list"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("0x00000300"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace xdpkit
