// `xdpkit stats` as text: one aligned block per interval, in the manner of xdp-bench and
// xdp_monitor (a rate column, a bandwidth column, then the running totals).
#pragma once

#include <string>

#include "core/attach/stats.h"

namespace xdpkit {

// The block for one interval, every line ending in '\n'. The header's clock time is local.
std::string format_stats_table(const Interval& iv);

}  // namespace xdpkit
