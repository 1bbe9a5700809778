// What this binary is: the project's release, the commit it was built from, and the BPF
// libraries it runs with — what a bug report needs first.
#pragma once

#include <string>

#include "core/base/output.h"

namespace xdpkit {

struct BuildVersion {
    std::string xdpkit;  // project() version in meson.build
    std::string git;     // `git describe --always --dirty` when built; "unknown" outside a checkout
    std::string libbpf;  // the libbpf this process runs with (major.minor: all it reports)
    std::string libxdp;  // the libxdp built against: libxdp has no call that reports its version
};

BuildVersion build_version();

// {"xdpkit","git","libbpf","libxdp"}, every value a string.
Json to_json(const BuildVersion& v);
// "xdpkit 0.1.0 (git e4776b8)\nlibbpf 1.1\nlibxdp 1.3.1", without a final newline.
std::string version_text(const BuildVersion& v);

}  // namespace xdpkit
