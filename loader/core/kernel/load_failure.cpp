#include "core/kernel/load_failure.h"

#include <sys/utsname.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "core/kernel/error_hints.h"
#include "core/base/libbpf_log.h"
#include "core/kernel/verifier_log.h"

namespace xdpkit {
namespace {

struct KernelVersion {
    int major = 0, minor = 0;
    bool operator<(const KernelVersion& o) const {
        return major != o.major ? major < o.major : minor < o.minor;
    }
};

// The release the progs tier loads every program of the suite on (DESIGN.md, "Facts about
// this kernel"). An older verifier refusing one is how they are known to fail elsewhere:
// 6.1 refuses ipsec for calls under a spin lock and a zero-length load (KERNELS.md).
constexpr KernelVersion kVerifiedOn{6, 18};

bool parse_release(const std::string& release, KernelVersion& v) {
    return std::sscanf(release.c_str(), "%d.%d", &v.major, &v.minor) == 2;
}

// Verifier reasons that mean the kernel lacks something the program uses (a helper, a
// kfunc, a type CO-RE looked for), whatever its version.
bool names_missing_feature(std::string_view reason) {
    for (std::string_view s : {"unknown func", "invalid func", "kernel function",
                               "CO-RE relocation", "cannot use helper"})
        if (reason.find(s) != std::string_view::npos) return true;
    return false;
}

// "; <the kernel is the likely cause, and why>", or empty when nothing points at it.
std::string kernel_note(const LoadFailure& f) {
    KernelVersion running;
    if (!parse_release(f.kernel_release, running)) return {};
    if (running < kVerifiedOn)
        return fmt::format("; the likely cause is this kernel: Linux {} is older than {}.{}, "
                           "which xdpkit's programs are verified on",
                           f.kernel_release, kVerifiedOn.major, kVerifiedOn.minor);
    if (names_missing_feature(f.verifier_reason))
        return fmt::format("; the likely cause is this kernel: Linux {} lacks what the program "
                           "uses", f.kernel_release);
    return {};
}

}  // namespace

std::string explain(const LoadFailure& f) {
    const bool permission = f.err == EPERM || f.err == EACCES;
    // Without the privileges the verifier never runs: that is the whole story.
    if (!(permission && !f.privileges.can_load_xdp()) && !f.verifier_reason.empty())
        return fmt::format("the kernel's verifier refused '{}' ({}); -v shows the whole log{}",
                           f.program, f.verifier_reason, kernel_note(f));
    std::string line = fmt::format("cannot load program '{}': {}", f.program, std::strerror(f.err));
    if (const std::string hint = hint_for(Operation::Load, f.err, f.privileges); !hint.empty())
        line += "; " + hint;
    return line;
}

std::string explain_load_failure(const std::string& program, int err, size_t log_mark) {
    LoadFailure f{program, err, current_bpf_privileges(),
                  verifier_refusal(libbpf_log_since(log_mark)), {}};
    if (utsname u{}; ::uname(&u) == 0) f.kernel_release = u.release;
    return explain(f);
}

}  // namespace xdpkit
