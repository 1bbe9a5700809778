#include <xdpkit/drop.h>

#include "drop.skel.h"
#include "core/packets/protocols.h"
#include "core/families/families.h"

namespace xdpkit {

const Family& drop_family() {
    static const Family f{
        "drop",
        "count packets and bytes per IP protocol, then drop, pass or bounce UDP (xdp1/xdp2)",
        "xdpkit_drop",
        {
            ParamSpec{"action", "action", ParamKind::Choice, "drop",
                      "what frames of the protos get (tx-udp: UDP bounced back with MACs "
                      "swapped, the rest dropped)",
                      {{"drop", DROP_ACTION_DROP},
                       {"pass", DROP_ACTION_PASS},
                       {"tx-udp", DROP_ACTION_TX_UDP}}},
            ParamSpec{"protos", "act_on", ParamKind::ProtoSet, "all",
                      "IP protocols to act on, by name or number, plus non-ip; the rest pass",
                      {}},
            ParamSpec{"unparsed", "unparsed", ParamKind::Choice, "act",
                      "frames whose headers cannot be walked to their protocol (too many IPv6 "
                      "extension headers, cut short): get the action like the protos (fail "
                      "closed), or pass",
                      {{"act", XDPKIT_UNPARSED_ACT}, {"pass", XDPKIT_UNPARSED_PASS}}},
        },
        true,
        skeleton_opener<drop_bpf>(),
        {CounterTable{"proto_counters", "protocol", [](uint32_t slot) {
             if (slot == DROP_PROTO_NON_IP) return std::string("non-ip");
             if (slot == DROP_PROTO_UNPARSED) return std::string("unparsed");
             return ip_proto_name(slot);
         }, {DROP_PROTO_UNPARSED}}}};
    return f;
}

}  // namespace xdpkit
