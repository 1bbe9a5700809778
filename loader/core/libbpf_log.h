// libbpf's messages (the verifier log among them) are captured, not printed: the user sees
// them with -v when something fails, never by default (STYLE.md, "Errors").
#pragma once

#include <string>

namespace xdpkit {

// Installs the capturing print callback; call once at start.
void capture_libbpf_log(bool verbose);
bool verbose_enabled();
// Everything captured since the last take, cleared.
std::string take_libbpf_log();

}  // namespace xdpkit
