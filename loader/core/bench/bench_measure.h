// The arithmetic of `xdpkit bench`, kept pure so it is unit-tested: the spread of per-second
// rates, and CPU use from two /proc/stat snapshots.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

// Median, min and max of interval rates; all 0 for no intervals. The median, not the mean:
// on shared vCPUs one interval stolen by a neighbour should not move the figure.
struct Spread {
    double median = 0, min = 0, max = 0;
};
Spread spread_of(std::vector<double> values);

// One CPU's line of /proc/stat, in clock ticks since boot.
struct CpuTicks {
    uint64_t busy = 0;   // user + nice + system + irq + softirq
    uint64_t total = 0;  // busy + idle + iowait + steal (guest time is inside user already)
};
// The per-CPU lines ("cpu0 ...", "cpu1 ...") of /proc/stat's text, in CPU order.
Result<std::vector<CpuTicks>> parse_proc_stat(const std::string& text);
Result<std::vector<CpuTicks>> read_proc_stat();
// Busy percent of each CPU between two snapshots (0 for a CPU with no ticks in between).
std::vector<double> cpu_busy_percent(const std::vector<CpuTicks>& before,
                                     const std::vector<CpuTicks>& after);

}  // namespace xdpkit
