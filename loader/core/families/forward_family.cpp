#include <xdpkit/forward.h>

#include "core/kernel/interface.h"
#include "core/net/forward.h"
#include "forward.skel.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

std::string pass_reason_name(uint32_t slot) {
    switch (slot) {
    case FORWARD_PASS_NO_NEIGH: return "no-neigh";
    case FORWARD_PASS_NO_ROUTE: return "no-route";
    case FORWARD_PASS_TTL: return "ttl";
    case FORWARD_PASS_LOCAL: return "local";
    case FORWARD_PASS_FRAGMENT: return "fragment";
    case FORWARD_PASS_NON_IP: return "non-ip";
    case FORWARD_PASS_UNPARSED: return "unparsed";
    case FORWARD_PASS_VLAN: return "vlan";
    case FORWARD_PASS_NOT_FORWARDED_PORT: return "not-forwarded-port";
    case FORWARD_PASS_OPTIONS: return "options";
    case FORWARD_PASS_FWD_DISABLED: return "forwarding-off";
    case FORWARD_PASS_MTU: return "mtu";
    case FORWARD_PASS_FIB_OTHER: return "fib-other";
    case FORWARD_PASS_BAD_HEADER: return "bad-header";
    default: return std::to_string(slot);
    }
}

}  // namespace

const Family& forward_family() {
    static const Family f = [] {
        Family f{
            "forward",
            "route IPv4 and IPv6 with the kernel's FIB: TTL decremented, MACs rewritten, sent out "
            "through a devmap of the given ports",
            "xdpkit_forward",
            {
                ParamSpec{"fib-mode", "fib_mode", ParamKind::Choice, "full",
                          "full: policy rules, then their table (as the stack routes); direct: "
                          "the ingress VRF's table or main, no rules (BPF_FIB_LOOKUP_DIRECT)",
                          {{"full", FORWARD_FIB_FULL}, {"direct", FORWARD_FIB_DIRECT}}},
            },
            true,
            skeleton_opener<forward_bpf>(),
            {CounterTable{FORWARD_PASS_REASONS_MAP, "passed", pass_reason_name,
                          {FORWARD_PASS_UNPARSED}},
             // Read in the namespace of the interfaces, which is where every port is.
             CounterTable{FORWARD_EGRESS_COUNTERS_MAP, "egress",
                          [](uint32_t i) { return interface_label(static_cast<int>(i)); }}},
            false,
            "xdpkit forward IFACE...",
            forward_map_state};
        f.run_refusal =
            "cannot run on a capture: it routes by the FIB of the namespace it runs in and "
            "sends only to the devices of its devmap, and a capture carries neither; route live "
            "with 'xdpkit forward IFACE...' (the progs tests run it in a namespace of their own)";
        return f;
    }();
    return f;
}

}  // namespace xdpkit
