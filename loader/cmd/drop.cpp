#include <xdpkit/drop.h>

#include "drop.skel.h"
#include "core/protocols.h"
#include "families.h"

namespace xdpkit {

const Family& drop_family() {
    static const Family f{
        "drop",
        "count packets and bytes per IP protocol, then drop or pass (xdp1)",
        "xdpkit_drop",
        {
            ParamSpec{"action", "action", ParamKind::Choice, "drop",
                      "what to do with every frame after counting it",
                      {{"drop", DROP_ACTION_DROP}, {"pass", DROP_ACTION_PASS}}},
        },
        true,
        skeleton_opener<drop_bpf>(),
        {CounterTable{"proto_counters", "protocol", [](uint32_t slot) {
             return slot == DROP_PROTO_NON_IP ? std::string("non-ip") : ip_proto_name(slot);
         }}}};
    return f;
}

}  // namespace xdpkit
