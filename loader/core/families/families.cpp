#include "core/families/families.h"

namespace xdpkit {

const std::vector<const Family*>& all_families() {
    static const std::vector<const Family*> all = {
        &pass_family(),
        &drop_family(),
        &filter_family(),
        &baseline_family(),
        &redirect_family(),
        &forward_family(),
        &afxdp_family(),
        &ipsec_family(),
        &hints_family(),
    };
    return all;
}

Result<const Family*> find_family(const std::string& name) {
    std::string known;
    for (const Family* f : all_families()) {
        if (f->name == name) return f;
        known += (known.empty() ? "" : ", ") + f->name;
    }
    return make_error(EINVAL, "unknown program '{}' (programs: {}; see 'xdpkit list')", name,
                      known);
}

}  // namespace xdpkit
