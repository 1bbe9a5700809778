#include <xdpkit/redirect.h>

#include "core/attach/counters.h"
#include "core/kernel/interface.h"
#include "core/net/redirect.h"
#include "redirect.skel.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

std::string redirect_error_name(uint32_t slot) {
    switch (slot) {
    case REDIRECT_ERR_NO_TARGET: return "target-missing";
    case REDIRECT_ERR_NO_CPU: return "no-cpu";
    default: return std::to_string(slot);
    }
}

}  // namespace

const Family& redirect_family() {
    static const Family f{
        "redirect",
        "XDP_REDIRECT every frame through a devmap, devmap-hash, cpumap or broadcast set",
        "xdpkit_redirect",
        {
            ParamSpec{"via", "via", ParamKind::Choice, "devmap", "which map the frames go through",
                      {{"devmap", REDIRECT_VIA_DEVMAP},
                       {"devmap-hash", REDIRECT_VIA_DEVMAP_HASH},
                       {"cpumap", REDIRECT_VIA_CPUMAP},
                       {"broadcast", REDIRECT_VIA_BROADCAST}}},
            ParamSpec{"to-ifindex", "to_ifindex", ParamKind::U32, "0",
                      "the target device (devmap-hash key; the row it counts in)", {}, 0,
                      UINT32_MAX},
            ParamSpec{"cpu-count", "cpu_count", ParamKind::U32, "0",
                      "cpumap: how many CPUs the flows are spread over", {}, 0,
                      REDIRECT_MAX_CPUS},
            ParamSpec{"egress", "egress", ParamKind::Choice, "none",
                      "what the devmap entry program does to each frame it sends",
                      {{"none", REDIRECT_EGRESS_NONE}, {"mac-rewrite", REDIRECT_EGRESS_MAC_REWRITE}}},
            ParamSpec{"cpumap-then", "cpumap_then", ParamKind::Choice, "stack",
                      "cpumap: where frames go from the remote CPU",
                      {{"stack", REDIRECT_CPUMAP_STACK}, {"devmap", REDIRECT_CPUMAP_DEVMAP}}},
        },
        true,
        skeleton_opener<redirect_bpf>(),
        // Counters are read in the namespace of the interface the program is attached to, which is
        // where its targets live too (a redirect never leaves the namespace).
        {CounterTable{REDIRECT_TARGET_COUNTERS_MAP, "target",
                      [](uint32_t ifindex) { return interface_label(static_cast<int>(ifindex)); }},
         CounterTable{REDIRECT_CPU_COUNTERS_MAP, "cpu",
                      [](uint32_t cpu) { return std::to_string(cpu); }},
         CounterTable{REDIRECT_CPUMAP_VERDICTS_MAP, "cpumap verdict", verdict_name},
         CounterTable{REDIRECT_ERRORS_MAP, "error", redirect_error_name}},
        false,
        "xdpkit redirect IFACE --to IFACE2 ...",
        redirect_map_state};
    return f;
}

}  // namespace xdpkit
