// What `xdpkit accel IFACE` prints: what it set up when it starts, one line per interval
// (received, decrypted, inner Gbit/s, failures, what --after did), the totals when it
// stops; and the same as NDJSON with --json, one "event" per line.
#pragma once

#include <string>

#include "core/ipsec/accel_live.h"
#include "core/base/output.h"

namespace xdpkit {

Json accel_started_json(const AccelSession& s);
std::string format_accel_started(const AccelSession& s);

// Rates over [prev, now]; counts are totals since the start.
Json accel_interval_json(const AccelSample& prev, const AccelSample& now);
std::string format_accel_interval(const AccelSample& prev, const AccelSample& now);

Json accel_stopped_json(const AccelSample& last, const std::vector<std::string>& notes,
                        bool audit_ok);
std::string format_accel_stopped(const AccelSample& last, const std::vector<std::string>& notes,
                                 bool audit_ok);

}  // namespace xdpkit
