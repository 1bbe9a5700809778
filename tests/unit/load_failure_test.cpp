// Telling a verifier refusal from a missing privilege (issue 25), on injected facts: the errno,
// the capabilities, the verifier's log and the kernel release.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/kernel/load_failure.h"
#include "core/kernel/verifier_log.h"

namespace xdpkit {
namespace {

// libbpf 1.1's messages for tests/progs/out_of_bounds.bpf.c refused by Linux 6.18, as the
// capture holds them without -v.
constexpr const char* kRefusedLoadLog =
    "libbpf: prog 'reads_past_the_end': BPF program load failed: Permission denied\n"
    "libbpf: prog 'reads_past_the_end': -- BEGIN PROG LOAD LOG --\n"
    "0: R1=ctx() R10=fp0\n"
    "; const __u8 *data = (const __u8 *)(long)ctx->data; @ out_of_bounds.bpf.c:11\n"
    "0: (61) r1 = *(u32 *)(r1 +0)          ; R1=pkt(r=0)\n"
    "; return data[0] == 0 ? XDP_DROP : XDP_PASS; @ out_of_bounds.bpf.c:13\n"
    "1: (71) r1 = *(u8 *)(r1 +0)\n"
    "invalid access to packet, off=0 size=1, R1(id=0,off=0,r=0)\n"
    "R1 offset is outside of the packet\n"
    "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 "
    "mark_read 0\n"
    "-- END PROG LOAD LOG --\n"
    "libbpf: prog 'reads_past_the_end': failed to load: -13\n"
    "libbpf: failed to load object 'out_of_bounds_bpf'\n"
    "libbpf: failed to load BPF skeleton 'out_of_bounds_bpf': -13\n";

TEST(VerifierLog, TheReasonIsTheLastLineBeforeTheStatistics) {
    EXPECT_EQ(verifier_refusal(kRefusedLoadLog), "R1 offset is outside of the packet");
}

TEST(VerifierLog, LogLevelTwoStatisticsAreSkippedToo) {
    EXPECT_EQ(verifier_refusal("libbpf: prog 'x': -- BEGIN PROG LOAD LOG --\n"
                               "function calls are not allowed while holding a lock\n"
                               "verification time 120 usec\nstack depth 0+8\n"
                               "processed 99 insns (limit 1000000)\n\n"
                               "-- END PROG LOAD LOG --\n"),
              "function calls are not allowed while holding a lock");
}

TEST(VerifierLog, TheLastLogIsTheOneThatCounts) {
    const std::string two = std::string("libbpf: prog 'a': -- BEGIN PROG LOAD LOG --\nold reason\n"
                                        "-- END PROG LOAD LOG --\n") + kRefusedLoadLog;
    EXPECT_EQ(verifier_refusal(two), "R1 offset is outside of the packet");
}

TEST(VerifierLog, ACutShortLogStillGivesItsLastLine) {
    EXPECT_EQ(verifier_refusal("libbpf: prog 'x': -- BEGIN PROG LOAD LOG --\nR2 !read_ok\n"),
              "R2 !read_ok");
}

TEST(VerifierLog, NoVerifierLogNoReason) {
    EXPECT_EQ(verifier_refusal(""), "");
    EXPECT_EQ(verifier_refusal("libbpf: Error in bpf_object__probe_loading():Operation not "
                               "permitted(1). Couldn't load trivial BPF program.\n"),
              "");
}

constexpr BpfPrivileges kUser{};
constexpr BpfPrivileges kRoot{true, true, true, true};

LoadFailure failure(int err, BpfPrivileges have, std::string reason,
                    std::string release = "6.18.44-fc-v1252") {
    return LoadFailure{"ipsec", err, have, std::move(reason), std::move(release)};
}

TEST(LoadFailure, RootRefusedByTheVerifierHearsTheVerifiersReason) {
    EXPECT_EQ(explain(failure(EACCES, kRoot, "R1 offset is outside of the packet")),
              "the kernel's verifier refused 'ipsec' (R1 offset is outside of the packet); -v "
              "shows the whole log");
}

TEST(LoadFailure, AnyErrnoWithAVerifierLogIsTheVerifier) {
    for (int e : {EINVAL, E2BIG, EPERM, ENOSPC})
        EXPECT_EQ(explain(failure(e, kRoot, "back-edge from insn 7 to 3"))
                      .rfind("the kernel's verifier refused 'ipsec' (back-edge from insn 7 to 3)",
                             0),
                  0u);
}

// Debian's 6.1 refuses ipsec where 6.18 takes it (KERNELS.md).
TEST(LoadFailure, AnOlderKernelIsNamedAsTheLikelyCause) {
    EXPECT_EQ(explain(failure(EACCES, kRoot, "function calls are not allowed while holding a lock",
                              "6.1.0-57-cloud-amd64")),
              "the kernel's verifier refused 'ipsec' (function calls are not allowed while holding "
              "a lock); -v shows the whole log; the likely cause is this kernel: Linux "
              "6.1.0-57-cloud-amd64 is older than 6.18, which xdpkit's programs are verified on");
}

TEST(LoadFailure, AMissingHelperNamesTheKernelWhateverItsVersion) {
    EXPECT_EQ(explain(failure(EINVAL, kRoot, "unknown func bpf_xdp_load_bytes#189", "7.0.1")),
              "the kernel's verifier refused 'ipsec' (unknown func bpf_xdp_load_bytes#189); -v "
              "shows the whole log; the likely cause is this kernel: Linux 7.0.1 lacks what the "
              "program uses");
}

TEST(LoadFailure, ANewerKernelIsNotBlamedForAnOrdinaryRefusal) {
    EXPECT_EQ(explain(failure(EACCES, kRoot, "R2 !read_ok", "7.2.0")).find("likely cause"),
              std::string::npos);
    EXPECT_EQ(explain(failure(EACCES, kRoot, "R2 !read_ok", "not a release")).find("likely"),
              std::string::npos);
}

TEST(LoadFailure, WithoutThePrivilegesItIsThePrivilege) {
    for (int e : {EPERM, EACCES})
        for (const char* reason : {"", "R1 offset is outside of the packet"})
            EXPECT_EQ(explain(failure(e, kUser, reason)),
                      fmt::format("cannot load program 'ipsec': {}; needs CAP_BPF and "
                                  "CAP_NET_ADMIN: run as root", std::strerror(e)));
}

TEST(LoadFailure, HalfThePrivilegesIsStillMissingOne) {
    EXPECT_NE(explain(failure(EPERM, BpfPrivileges{true, false, false, true}, ""))
                  .find("run as root"),
              std::string::npos);
}

// `unshare -U`: every capability, none of them in the host's user namespace.
TEST(LoadFailure, AUserNamespacesCapabilitiesAreNotThePrivilege) {
    BpfPrivileges userns = kRoot;
    userns.host_user_ns = false;
    EXPECT_EQ(explain(failure(EPERM, userns, "")),
              "cannot load program 'ipsec': Operation not permitted; needs CAP_BPF and "
              "CAP_NET_ADMIN: run as root (capabilities inside a user namespace do not count)");
}

TEST(LoadFailure, RootRefusedWithoutAVerifierLogIsNotToldToRunAsRoot) {
    const std::string line = explain(failure(EPERM, kRoot, ""));
    EXPECT_EQ(line,
              "cannot load program 'ipsec': Operation not permitted; this process has CAP_BPF and "
              "CAP_NET_ADMIN, so the verifier or a security module (lockdown, SELinux) refused "
              "it: rerun with -v for the log");
}

TEST(LoadFailure, OtherErrorsKeepTheirHints) {
    EXPECT_EQ(explain(failure(ENOMEM, kRoot, "")),
              "cannot load program 'ipsec': Cannot allocate memory; out of memory or "
              "locked-memory limit: raise 'ulimit -l'");
    EXPECT_EQ(explain(failure(ENOENT, kRoot, "")),
              "cannot load program 'ipsec': No such file or directory");
}

}  // namespace
}  // namespace xdpkit
