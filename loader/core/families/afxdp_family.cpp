#include <xdpkit/afxdp.h>

#include "afxdp.skel.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

std::string outcome_name(uint32_t slot) {
    switch (slot) {
    case AFXDP_TO_SOCKET: return "to-socket";
    case AFXDP_PASSED: return "passed";
    case AFXDP_FILTERED_OUT: return "filtered-out";
    case AFXDP_NO_SOCKET: return "no-socket";
    default: return std::to_string(slot);
    }
}

}  // namespace

const Family& afxdp_family() {
    static const Family f{
        "afxdp",
        "steer all, every other or 1 in N frames (optionally only ICMPv6 echo requests or one "
        "UDP port) to the AF_XDP socket of their RX queue; the rest pass",
        "xdpkit_afxdp",
        {
            ParamSpec{"steer", "steer", ParamKind::Choice, "all",
                      "which candidates go to the socket, counted per RX queue",
                      {{"all", AFXDP_STEER_ALL},
                       {"every-other", AFXDP_STEER_EVERY_OTHER},
                       {"1-in-n", AFXDP_STEER_ONE_IN_N}}},
            ParamSpec{"one-in", "one_in", ParamKind::U32, "2", "N of --steer 1-in-N", {}, 1,
                      UINT32_MAX},
            ParamSpec{"filter", "filter", ParamKind::Choice, "none",
                      "which frames are candidates; the others pass without moving the count",
                      {{"none", AFXDP_FILTER_NONE},
                       {"icmpv6-echo", AFXDP_FILTER_ICMPV6_ECHO},
                       {"udp", AFXDP_FILTER_UDP_PORT}}},
            ParamSpec{"udp-port", "udp_port", ParamKind::U32, "0",
                      "destination port of --filter udp", {}, 0, 65535},
        },
        true,
        skeleton_opener<afxdp_bpf>(),
        {CounterTable{AFXDP_COUNTERS_MAP, "outcome", outcome_name},
         CounterTable{AFXDP_QUEUE_COUNTERS_MAP, "rx queue",
                      [](uint32_t q) { return std::to_string(q); }}},
        false,
        "xdpkit afxdp IFACE ..."};
    return f;
}

}  // namespace xdpkit
