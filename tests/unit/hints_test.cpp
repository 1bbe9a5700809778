// The error hints table of DESIGN.md: each gotcha maps to its specific advice.
#include <gtest/gtest.h>

#include <cerrno>

#include "core/hints.h"

namespace xdpkit {
namespace {

bool says(Operation op, int err, const std::string& needle) {
    return hint_for(op, err).find(needle) != std::string::npos;
}

TEST(Hints, PermissionErrorsAskForRoot) {
    for (Operation op : {Operation::Load, Operation::AttachNative, Operation::Pin})
        for (int e : {EPERM, EACCES}) EXPECT_TRUE(says(op, e, "CAP_BPF and CAP_NET_ADMIN"));
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
