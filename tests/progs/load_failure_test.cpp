// What a user is told when the kernel will not load a program, through the loader's own path
// (load_program): the verifier's refusal with its reason, and, for a process without the
// privileges, the privilege it lacks — never one for the other (issue 25).
#include <gtest/gtest.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/families/families.h"
#include "core/base/libbpf_log.h"
#include "core/attach/program.h"
#include "out_of_bounds.skel.h"

namespace xdpkit {
namespace {

const Family& out_of_bounds_family() {
    static const Family f = [] {
        Family f;
        f.name = "out-of-bounds";
        f.summary = "reads the packet without a bounds check (test only)";
        f.entry_prog = "reads_past_the_end";
        f.open = skeleton_opener<out_of_bounds_bpf>();
        return f;
    }();
    return f;
}

TEST(LoadFailure, TheVerifiersRefusalIsToldWithItsReason) {
    const size_t mark = libbpf_log_mark();
    auto p = load_program(out_of_bounds_family(), {});
    ASSERT_FALSE(p) << "the verifier accepted a read past the packet";
    const Error& e = p.error();
    EXPECT_EQ(e.err, EACCES);
    // The reason is the verifier's last line; its register number is the compiler's choice.
    EXPECT_EQ(e.message.rfind("the kernel's verifier refused 'out-of-bounds' (R", 0), 0u)
        << e.message;
    EXPECT_NE(e.message.find(" offset is outside of the packet); -v shows the whole log"),
              std::string::npos)
        << e.message;
    EXPECT_EQ(e.message.find("root"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find('\n'), std::string::npos) << e.message;
    // What -v prints: the whole log, captured and kept for main.
    EXPECT_NE(libbpf_log_since(mark).find("-- BEGIN PROG LOAD LOG --"), std::string::npos);
}

// The same load by a process that dropped root the way `setpriv --reuid=65534` does: the
// kernel refuses before any verifier runs, and that is what the user must hear.
std::string message_without_root(const Family& f) {
    int fds[2];
    if (::pipe(fds) != 0) return "pipe failed";
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::string msg = "could not drop root";
        // A uid change away from 0 clears the permitted and effective capability sets.
        if (::setgroups(0, nullptr) == 0 && ::setresgid(65534, 65534, 65534) == 0 &&
            ::setresuid(65534, 65534, 65534) == 0) {
            auto p = load_program(f, {});
            msg = p ? "loaded" : p.error().message;
        }
        const ssize_t ignored = ::write(fds[1], msg.data(), msg.size());
        (void)ignored;
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    return out;
}

TEST(LoadFailure, WithoutRootItIsThePrivilegeThatIsMissing) {
    EXPECT_EQ(message_without_root(drop_family()),
              "cannot load program 'drop': Operation not permitted; needs CAP_BPF and "
              "CAP_NET_ADMIN: run as root");
    // Even for a program the verifier would refuse: without the privilege it never runs.
    EXPECT_EQ(message_without_root(out_of_bounds_family()),
              "cannot load program 'out-of-bounds': Operation not permitted; needs CAP_BPF and "
              "CAP_NET_ADMIN: run as root");
}

}  // namespace
}  // namespace xdpkit
