#include <xdpkit/baseline.h>

#include "baseline.skel.h"
#include "core/families/families.h"

namespace xdpkit {

const Family& baseline_family() {
    static const Family f{
        "baseline",
        "return a fixed verdict, nothing else: the benchmark floor (ends a chain)",
        "xdpkit_baseline",
        {
            ParamSpec{"verdict", "verdict", ParamKind::Choice, "drop",
                      "the verdict every frame gets",
                      {{"aborted", BASELINE_ABORTED},
                       {"drop", BASELINE_DROP},
                       {"pass", BASELINE_PASS},
                       {"tx", BASELINE_TX}}},
        },
        true,
        skeleton_opener<baseline_bpf>()};
    return f;
}

}  // namespace xdpkit
