#include "core/families/families.h"
#include "pass.skel.h"

namespace xdpkit {

const Family& pass_family() {
    static const Family f{"pass", "count every frame and pass it on", "xdpkit_pass", {}, true,
                          skeleton_opener<pass_bpf>()};
    return f;
}

}  // namespace xdpkit
