// What `xdpkit afxdp` prints: a line when it starts, a block per interval (af_xdp_user's RX
// and TX packets and rates, the kernel's XDP_STATISTICS, the steering program's outcomes),
// a summary when it stops; and the same as NDJSON with --json, one "event" per line.
#pragma once

#include <string>

#include "core/afxdp/afxdp.h"
#include "core/base/output.h"

namespace xdpkit {

// A socket's XDP_STATISTICS, every field by its kernel name.
Json xdp_stats_json(const xdp_statistics& s);
std::string xdp_stats_text(const xdp_statistics& s);

Json afxdp_started_json(const AfxdpPlan& plan, const AttachResult& r, const XskSet& xsks);
std::string format_afxdp_started(const AfxdpPlan& plan, const AttachResult& r,
                                 const XskSet& xsks);

// Rates over [prev, now]; packet counts are totals since the start.
Json afxdp_interval_json(const AfxdpSample& prev, const AfxdpSample& now);
std::string format_afxdp_interval(const AfxdpSample& prev, const AfxdpSample& now);

Json afxdp_hint_json(const std::string& hint, const AfxdpSample& now);

Json afxdp_stopped_json(const AfxdpSample& last, const DetachResult& d, bool audit_ok);
std::string format_afxdp_stopped(const AfxdpPlan& plan, const AfxdpSample& last,
                                 const DetachResult& d, bool audit_ok);

}  // namespace xdpkit
