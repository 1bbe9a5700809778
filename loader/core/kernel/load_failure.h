// Why the kernel would not load a program, in the words that fit the cause: a missing
// privilege, the verifier's refusal with its reason, or the errno and its hint. A verifier
// refusal is EACCES too, and was once reported to root as "run as root" (issue 25).
#pragma once

#include <cstddef>
#include <string>

#include "core/kernel/bpf_privileges.h"

namespace xdpkit {

struct LoadFailure {
    std::string program;  // as the user names it: "ipsec"
    int err = 0;          // errno of the load
    BpfPrivileges privileges;
    std::string verifier_reason;  // verifier_refusal() of the load's log; empty without one
    std::string kernel_release;   // uname -r
};

// One line, without "xdpkit: ". Pure, so the choice is unit-tested on injected facts.
std::string explain(const LoadFailure& f);

// explain() with the facts of now: this process's privileges, the kernel, and the verifier
// log libbpf captured since log_mark (libbpf_log_mark(), taken before the load).
std::string explain_load_failure(const std::string& program, int err, size_t log_mark);

}  // namespace xdpkit
