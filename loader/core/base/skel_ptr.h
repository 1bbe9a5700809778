// An owner for a bpftool skeleton (the generated C struct), for code that uses one family's
// skeleton directly rather than through Family's type-erased Skeleton.
#pragma once

#include <memory>

namespace xdpkit {

template <typename Skel>
struct SkelDeleter {
    void operator()(Skel* s) const { Skel::destroy(s); }
};
template <typename Skel>
using SkelPtr = std::unique_ptr<Skel, SkelDeleter<Skel>>;

}  // namespace xdpkit
