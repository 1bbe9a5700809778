// What the commands that run in the foreground until stopped (afxdp, accel, hints) share:
// one event printed as NDJSON or as text, and how many interval reports --count and
// --duration allow.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "command.h"

namespace xdpkit {

// One event: a JSON line with --json, else the text (flushed: a pipe must see every interval
// as it ends).
inline void emit_event(const GlobalOptions& g, const Json& j, const std::string& text) {
    if (g.json) {
        print_json(j);
        return;
    }
    fmt::print("{}", text);
    std::fflush(stdout);
}

// Reports to print: --count N, or --duration S rounded up to whole intervals, whichever is
// fewer; 0: until SIGINT/SIGTERM.
inline uint64_t report_limit(uint64_t count, double duration, double interval) {
    if (duration <= 0) return count;
    const auto n = static_cast<uint64_t>(std::ceil(duration / interval - 1e-9));
    return count ? std::min(count, n) : std::max<uint64_t>(n, 1);
}

}  // namespace xdpkit
