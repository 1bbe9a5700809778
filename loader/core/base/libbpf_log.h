// libbpf's messages (the verifier log among them) are captured, not printed: the user sees
// them with -v when something fails, never by default (STYLE.md, "Errors").
#pragma once

#include <cstddef>
#include <string>

namespace xdpkit {

// Installs the capturing print callback; call once at start.
void capture_libbpf_log(bool verbose);
bool verbose_enabled();
// Everything captured since the last take, cleared.
std::string take_libbpf_log();

// Where the capture ends now. Taken before a load, it separates that load's messages from
// earlier ones (a probe's expected failure, say) without clearing what -v will print.
size_t libbpf_log_mark();
// What was captured after mark and is not taken yet.
std::string libbpf_log_since(size_t mark);

}  // namespace xdpkit
