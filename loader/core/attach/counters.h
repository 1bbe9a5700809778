// Per-CPU counters (struct xdpkit_datarec) summed in user space.
#pragma once

#include <xdpkit/common.h>

#include <array>
#include <string>
#include <vector>

#include "core/base/output.h"
#include "core/base/result.h"

namespace xdpkit {

// Every entry of a per-CPU array of xdpkit_datarec, one value per possible CPU:
// values[key][cpu].
using PerCpuDatarecs = std::vector<std::vector<xdpkit_datarec>>;
Result<PerCpuDatarecs> read_percpu_datarecs(int map_fd);
Result<PerCpuDatarecs> read_pinned_percpu_datarecs(const std::string& path);

// Every entry of a per-CPU array of xdpkit_datarec, summed over the possible CPUs.
Result<std::vector<xdpkit_datarec>> read_datarecs(int map_fd);
// The same for a pinned map.
Result<std::vector<xdpkit_datarec>> read_pinned_datarecs(const std::string& path);

// One entry's per-CPU values added up.
xdpkit_datarec sum_over_cpus(const std::vector<xdpkit_datarec>& percpu);

// Names of enum xdp_action, the index of action_counters.
constexpr std::array<const char*, XDPKIT_ACTION_SLOTS> kXdpActionNames = {
    "aborted", "drop", "pass", "tx", "redirect"};

// "drop" for XDP_DROP; the number for a value enum xdp_action does not have.
std::string verdict_name(uint32_t verdict);

// {"drop": {"packets": .., "bytes": ..}, ...} for a per-verdict counter array.
Json action_counters_json(const std::vector<xdpkit_datarec>& recs);

}  // namespace xdpkit
