#include "core/bench/bench_measure.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace xdpkit {

Spread spread_of(std::vector<double> values) {
    if (values.empty()) return {};
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    return {median, values.front(), values.back()};
}

Result<std::vector<CpuTicks>> parse_proc_stat(const std::string& text) {
    std::vector<CpuTicks> cpus;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        // "cpu " is the sum of all; "cpuN" one CPU.
        if (line.rfind("cpu", 0) != 0 || line.size() < 4 || !std::isdigit(uint8_t(line[3])))
            continue;
        std::istringstream fields(line);
        std::string name;
        uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                 steal = 0;
        fields >> name >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
        if (!fields) return make_error(EINVAL, "/proc/stat: cannot read '{}'", line);
        fields >> steal;  // absent on very old kernels
        const uint64_t busy = user + nice + system + irq + softirq;
        cpus.push_back({busy, busy + idle + iowait + steal});
    }
    if (cpus.empty()) return make_error(EINVAL, "/proc/stat has no per-CPU lines");
    return cpus;
}

Result<std::vector<CpuTicks>> read_proc_stat() {
    std::ifstream in("/proc/stat");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_proc_stat(ss.str());
}

std::vector<double> cpu_busy_percent(const std::vector<CpuTicks>& before,
                                     const std::vector<CpuTicks>& after) {
    std::vector<double> out;
    for (size_t i = 0; i < std::min(before.size(), after.size()); ++i) {
        const uint64_t total = after[i].total - before[i].total;
        const uint64_t busy = after[i].busy - before[i].busy;
        out.push_back(total ? 100.0 * double(busy) / double(total) : 0);
    }
    return out;
}

}  // namespace xdpkit
