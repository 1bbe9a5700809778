// Without the privileges, a command that loads a program says which ones it needs and exits
// 1: the wording a verifier refusal no longer borrows (issue 25). Both ways to lack them: an
// ordinary user (setpriv), and root of a user namespace (unshare -Ur), whose capabilities
// do not count for bpf(). `run` loads a program and touches no interface, so no lab is needed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "core/pcap_file.h"
#include "lab.h"
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

}  // namespace
}  // namespace xdpkit
