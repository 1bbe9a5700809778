// xdpkit version: the release, the build's git description and the libbpf/libxdp versions.
// `xdpkit --version` (main.cpp) prints the same text.
#include <fmt/format.h>

#include "command.h"
#include "core/base/version.h"

namespace xdpkit {

void register_version(CommandTable& t, CLI::App& app) {
    t.add(app, "version", "Print xdpkit's version, the git commit it was built from, and the "
                          "libbpf and libxdp versions",
          [](const GlobalOptions& g) -> Result<void> {
              const BuildVersion v = build_version();
              if (g.json)
                  print_json(to_json(v));
              else
                  fmt::print("{}\n", version_text(v));
              return {};
          },
          Needs::Nothing);
}

}  // namespace xdpkit
