// `xdpkit forward`: the interfaces a router forwards between, checked and resolved into a plan
// (every name an ifindex of this namespace, every one able to take redirected frames), and the
// plan put to work: a forward stage loaded for each interface, its devmap filled with all of
// them, and only then attached — each refusal decided before anything changes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <xdpkit/forward.h>

#include "core/attach/chain.h"
#include "core/attach/family.h"
#include "core/base/result.h"
#include "core/kernel/interface.h"

namespace xdpkit {

class LoadedProgram;

struct ForwardRequest {
    std::vector<std::string> ifnames;
    std::string fib_mode = "full";  // full | direct
};

struct ForwardPlan {
    std::vector<Interface> ports;  // attached to, and the only devices frames leave by
    forward_fib_mode fib_mode = FORWARD_FIB_FULL;
    std::vector<std::string> notes;  // what the user should know (ports without counters)
};

// Checks and resolves a request in the namespace this thread is in. Nothing is changed.
Result<ForwardPlan> plan_forward(const ForwardRequest& req);

// The forward program's .rodata for a plan.
ParamValues forward_params(const ForwardPlan& plan);

// Fills a freshly loaded forward stage's devmap with the plan's ports.
Result<void> fill_forward_ports(const LoadedProgram& prog, const ForwardPlan& plan);

// check_attach on every port first (a refusal changes nothing), then loads, fills and attaches
// the forward family on each. Should an attach still fail midway, the ports this call attached
// are detached again before the error is returned.
Result<std::vector<AttachResult>> set_up_forward(const Family& family, const ForwardPlan& plan,
                                                 XdpMode mode, bool replace, bool append);

const char* fib_mode_name(forward_fib_mode mode);

// What a pinned forward stage's devmap holds, for `status`: "ports".
std::vector<std::pair<std::string, std::string>> forward_map_state(const std::string& stage_dir);

}  // namespace xdpkit
