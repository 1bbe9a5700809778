#include "core/base/version.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include "version_build.h"  // meson's configure_file: project and libxdp versions
#include "version_git.h"    // meson's vcs_tag: re-read at every build

namespace xdpkit {

BuildVersion build_version() {
    return BuildVersion{XDPKIT_PROJECT_VERSION, XDPKIT_GIT_DESCRIBE,
                        fmt::format("{}.{}", libbpf_major_version(), libbpf_minor_version()),
                        XDPKIT_LIBXDP_VERSION};
}

Json to_json(const BuildVersion& v) {
    return Json{{"xdpkit", v.xdpkit}, {"git", v.git}, {"libbpf", v.libbpf}, {"libxdp", v.libxdp}};
}

std::string version_text(const BuildVersion& v) {
    return fmt::format("xdpkit {} (git {})\nlibbpf {}\nlibxdp {}", v.xdpkit, v.git, v.libbpf,
                       v.libxdp);
}

}  // namespace xdpkit
