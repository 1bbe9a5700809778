#include "core/kernel/error_hints.h"

#include <cerrno>
#include <cstring>

namespace xdpkit {

namespace {

std::string permission_hint(Operation op, const BpfPrivileges& have) {
    if (!have.can_load_xdp()) return missing_privileges_advice(have);
    // Held. A map or pin that refuses root does so for its own state (a read-only map, a
    // file's mode), which the caller's message names: nothing to add.
    if (op == Operation::Load)
        return "this process has CAP_BPF and CAP_NET_ADMIN, so the verifier or a security "
               "module (lockdown, SELinux) refused it: rerun with -v for the log";
    return {};
}

}  // namespace

std::string hint_for(Operation op, int err) { return hint_for(op, err, current_bpf_privileges()); }

std::string hint_for(Operation op, int err, const BpfPrivileges& have) {
    if (err == EPERM || err == EACCES) return permission_hint(op, have);
    switch (op) {
    case Operation::Load:
        if (err == EINVAL || err == E2BIG || err == EFAULT)
            return "the verifier refused the program: rerun with -v for its log";
        if (err == ENOMEM) return "out of memory or locked-memory limit: raise 'ulimit -l'";
        break;
    case Operation::AttachNative:
    case Operation::AttachAuto:
    case Operation::AttachSkb:
        if (err == EOPNOTSUPP && op == Operation::AttachNative)
            return "the driver lacks native XDP: try --mode skb";
        if (err == ERANGE)
            return "the MTU is too large for a program without multi-buffer (xdp.frags) "
                   "support: lower the MTU or use a frags-aware program";
        if (err == EEXIST || err == EBUSY)
            return "another XDP program is attached: see 'xdpkit status'; --replace swaps "
                   "an xdpkit program atomically";
        if (err == EINVAL && op == Operation::AttachSkb)
            return "a program is attached in another mode: detach it first";
        break;
    case Operation::Pin:
        if (err == ENOENT || err == ENOTDIR) return "bpffs is not mounted at /sys/fs/bpf";
        break;
    case Operation::MapUpdate:
        if (err == EINVAL)
            return "the program is not compatible with the chain (every stage must be an "
                   "xdp.frags program)";
        break;
    }
    return {};
}

std::string describe_errno(Operation op, int err) {
    std::string s = std::strerror(err);
    const std::string hint = hint_for(op, err);
    if (!hint.empty()) s += "; " + hint;
    return s;
}

}  // namespace xdpkit
