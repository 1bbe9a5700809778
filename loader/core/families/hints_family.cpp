#include <xdpkit/hints.h>

#include "core/kernel/probe.h"
#include "core/families/families.h"
#include "hints.skel.h"

namespace xdpkit {
namespace {

std::string outcome_name(uint32_t slot) {
    switch (slot) {
    case HINTS_TO_SOCKET: return "to-socket";
    case HINTS_TO_STACK: return "to-stack";
    case HINTS_NO_ROOM: return "no-room-for-metadata";
    default: return std::to_string(slot);
    }
}

Family make_hints_family() {
    Family f{
        "hints",
        "RX metadata (rx hash + RSS type, VLAN tag, hardware timestamp, each with the kfunc's "
        "return code) in front of every frame, then to the AF_XDP socket of its RX queue or the "
        "stack; device-bound, runs alone",
        "xdpkit_hints",
        {ParamSpec{"steer", "steer", ParamKind::Choice, "stack",
                   "where frames go with their metadata: stack, socket (the RX queue's AF_XDP "
                   "socket, else the stack), every-other (per RX queue)",
                   {{"stack", HINTS_STEER_STACK},
                    {"socket", HINTS_STEER_SOCKET},
                    {"every-other", HINTS_STEER_EVERY_OTHER}}}},
        true,
        skeleton_opener<hints_bpf>(),
        {CounterTable{HINTS_COUNTERS_MAP, "outcome", outcome_name}},
    };
    f.device_bound = true;
    f.kfuncs = rx_metadata_kfuncs();
    return f;
}

}  // namespace

const Family& hints_family() {
    static const Family f = make_hints_family();
    return f;
}

}  // namespace xdpkit
