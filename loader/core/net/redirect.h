// `xdpkit redirect`: what the user asked for, checked and resolved into a plan (every name
// an ifindex, every target able to receive redirected frames), and the plan put to work: the
// redirect stage loaded, its maps filled, and only then attached.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <xdpkit/redirect.h>

#include "core/kernel/addresses.h"
#include "core/attach/chain.h"
#include "core/attach/family.h"
#include "core/kernel/interface.h"
#include "core/base/result.h"

namespace xdpkit {

// The user's words, before anything is looked up.
struct RedirectRequest {
    std::string ifname;
    std::string to;                      // target device (devmap, devmap-hash; cpumap then on)
    std::string via;                     // empty: devmap, or broadcast when broadcast is set
    std::vector<std::string> broadcast;  // --broadcast IF,IF,...
    std::string cpus;                    // --cpus LIST (cpumap); empty: every online CPU
    uint32_t queue_size = 0;             // cpumap entries' queue; 0: RedirectPlan's default
    std::string egress_prog;             // empty or "mac-rewrite"
    std::string dst_mac;                 // mac-rewrite's destination
};

struct RedirectPlan {
    redirect_via via = REDIRECT_VIA_DEVMAP;
    Interface ingress;
    std::vector<Interface> targets;  // devmap/devmap-hash/cpumap-then: one; broadcast: all
    std::vector<uint32_t> cpus;      // cpumap
    uint32_t queue_size = 2048;      // xdp-bench redirect-cpu's default
    redirect_egress egress = REDIRECT_EGRESS_NONE;
    MacAddress dst_mac{};            // mac-rewrite
    std::vector<std::string> notes;  // what the user should know (targets without counters)

    bool cpumap_then_devmap() const { return via == REDIRECT_VIA_CPUMAP && !targets.empty(); }
};

// Checks and resolves a request in the namespace this thread is in. Nothing is changed.
Result<RedirectPlan> plan_redirect(const RedirectRequest& req);

// The redirect program's .rodata for a plan (via, target, CPU count, entry programs).
ParamValues redirect_params(const RedirectPlan& plan);

// Fills a freshly loaded redirect stage's maps for the plan: devmap/cpumap entries (with the
// entry programs the plan asks for), the CPU list, the egress MACs.
Result<void> fill_redirect_maps(const LoadedProgram& prog, const RedirectPlan& plan);

// Loads the redirect family for the plan, fills its maps, and attaches it to plan.ingress
// (replace: swap an existing redirect stage, or the whole chain, atomically; append: run
// after the stages already there, like `attach --chain`).
Result<AttachResult> set_up_redirect(const Family& family, const RedirectPlan& plan,
                                     XdpMode mode, bool replace, bool append);

const char* redirect_via_name(redirect_via via);

// A device of this namespace that can take redirected frames (ndo-xmit), found by name to be
// a target beside the device `beside`; when it is not here, the error names the namespaces
// that have a device called so (XDP_REDIRECT never leaves the namespace).
Result<Interface> find_redirect_target(const std::string& name, const std::string& beside);

// What a pinned redirect stage's maps hold, for `status`: "to" (devmap, devmap-hash),
// "broadcast", "cpus" with their queue size, "egress-macs". Read in the stage's namespace.
std::vector<std::pair<std::string, std::string>> redirect_map_state(const std::string& stage_dir);

// The devices of a pinned devmap or devmap-hash, in the kernel's order: "b1" for a device of
// this namespace, "ifindex N" for one that is gone. Empty when the pin cannot be opened.
std::vector<std::string> devmap_device_names(const std::string& map_pin);

}  // namespace xdpkit
