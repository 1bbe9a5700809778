#include <xdpkit/drop.h>

#include "drop.skel.h"
#include "core/protocols.h"
#include "families.h"

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
        },
        true,
        skeleton_opener<drop_bpf>(),
        {CounterTable{"proto_counters", "protocol", [](uint32_t slot) {
             return slot == DROP_PROTO_NON_IP ? std::string("non-ip") : ip_proto_name(slot);
         }}}};
    return f;
}

}  // namespace xdpkit
