// The error hints table of DESIGN.md: each gotcha maps to its specific advice.
#include <gtest/gtest.h>

#include <cerrno>

#include "core/kernel/error_hints.h"

namespace xdpkit {
namespace {

bool says(Operation op, int err, const std::string& needle) {
    return hint_for(op, err).find(needle) != std::string::npos;
}

constexpr BpfPrivileges kUser{};
constexpr BpfPrivileges kRoot{true, true, true, true};

bool says(Operation op, int err, const BpfPrivileges& have, const std::string& needle) {
    return hint_for(op, err, have).find(needle) != std::string::npos;
}

TEST(Hints, PermissionErrorsAskAProcessWithoutThePrivilegesForRoot) {
    for (Operation op : {Operation::Load, Operation::AttachNative, Operation::Pin})
        for (int e : {EPERM, EACCES})
            EXPECT_EQ(hint_for(op, e, kUser), "needs CAP_BPF and CAP_NET_ADMIN: run as root");
}

// Issue 25: the verifier's EACCES reached root as "run as root".
TEST(Hints, RootIsNeverAskedToRunAsRoot) {
    for (Operation op : {Operation::Load, Operation::AttachNative, Operation::Pin})
        for (int e : {EPERM, EACCES}) EXPECT_FALSE(says(op, e, kRoot, "run as root"));
    EXPECT_TRUE(says(Operation::Load, EACCES, kRoot, "the verifier or a security module"));
    EXPECT_TRUE(says(Operation::Load, EPERM, kRoot, "-v"));
}

TEST(Hints, CapabilitiesInAUserNamespaceDoNotCount) {
    BpfPrivileges userns = kRoot;
    userns.host_user_ns = false;
    EXPECT_EQ(hint_for(Operation::Load, EPERM, userns),
              "needs CAP_BPF and CAP_NET_ADMIN: run as root (capabilities inside a user "
              "namespace do not count)");
}

// What bpf_capable() and bpf_net_capable() accept for an XDP program.
TEST(Hints, SysAdminStandsInForEitherCapability) {
    EXPECT_TRUE((BpfPrivileges{false, false, true, true}.can_load_xdp()));
    EXPECT_TRUE((BpfPrivileges{true, true, false, true}.can_load_xdp()));
    EXPECT_FALSE((BpfPrivileges{true, false, false, true}.can_load_xdp()));
    EXPECT_FALSE((BpfPrivileges{false, true, false, true}.can_load_xdp()));
}

TEST(Hints, NativeWithoutDriverSupportSuggestsSkb) {
    EXPECT_TRUE(says(Operation::AttachNative, EOPNOTSUPP, "try --mode skb"));
    EXPECT_FALSE(says(Operation::AttachSkb, EOPNOTSUPP, "try --mode skb"));
}

TEST(Hints, RangeOnAttachIsTheMtu) {
    EXPECT_TRUE(says(Operation::AttachNative, ERANGE, "MTU is too large"));
    EXPECT_TRUE(says(Operation::AttachAuto, ERANGE, "xdp.frags"));
}

TEST(Hints, BusyPointsAtStatusAndReplace) {
    EXPECT_TRUE(says(Operation::AttachNative, EBUSY, "xdpkit status"));
    EXPECT_TRUE(says(Operation::AttachAuto, EEXIST, "--replace"));
}

TEST(Hints, VerifierRejectionPointsAtVerbose) {
    EXPECT_TRUE(says(Operation::Load, EINVAL, "-v"));
}

TEST(Hints, NothingToSayForUnrelatedErrors) {
    EXPECT_EQ(hint_for(Operation::Pin, EEXIST), "");
    EXPECT_EQ(describe_errno(Operation::Pin, EEXIST), "File exists");
}

TEST(Hints, DescribeJoinsErrnoTextAndHint) {
    EXPECT_EQ(describe_errno(Operation::AttachNative, EOPNOTSUPP),
              "Operation not supported; the driver lacks native XDP: try --mode skb");
}

}  // namespace
}  // namespace xdpkit
