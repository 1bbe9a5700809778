// Whether this process holds what the kernel asks of anyone loading an XDP program, so a
// refusal can be told apart from a missing privilege (issue 25: a verifier refusal was
// reported to root as "run as root").
#pragma once

#include <string>

namespace xdpkit {

struct BpfPrivileges {
    // The effective set: the one the kernel's capable() checks.
    bool cap_bpf = false;
    bool cap_net_admin = false;
    bool cap_sys_admin = false;
    // bpf() checks capabilities against the host's user namespace: a process in a child user
    // namespace (`unshare -U`) holds every capability there and none of them count.
    bool host_user_ns = true;

    // bpf_capable() && bpf_net_capable() for an XDP program (kernel/bpf/syscall.c):
    // CAP_SYS_ADMIN stands in for either, and is the only one before Linux 5.8.
    bool can_load_xdp() const {
        return host_user_ns && (cap_bpf || cap_sys_admin) && (cap_net_admin || cap_sys_admin);
    }
};

// This process's, read now.
BpfPrivileges current_bpf_privileges();

// What to do when `have` cannot load an XDP program — "needs CAP_BPF and CAP_NET_ADMIN: run as
// root", with why root of a user namespace is not enough — or empty when it can.
std::string missing_privileges_advice(const BpfPrivileges& have);

// Why `what` (a command, as typed) is refused before it reads anything, or empty when this
// process holds the privileges: without them the kernel hides the state it would report.
std::string refusal_without_privileges(const std::string& what);

}  // namespace xdpkit
