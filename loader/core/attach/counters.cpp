#include "core/attach/counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>

#include "core/base/fd.h"

namespace xdpkit {

namespace {

// Opens a pinned map for one read; the fd closes when the read is done.
template <typename Read>
auto with_pinned_map(const std::string& path, Read read) -> decltype(read(0)) {
    Fd fd(bpf_obj_get(path.c_str()));
    if (!fd.valid())
        return make_error(errno, "cannot open pinned map {}: {}", path, std::strerror(errno));
    return read(fd.get());
}

}  // namespace

Result<PerCpuDatarecs> read_percpu_datarecs(int map_fd) {
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0)
        return make_error(errno, "cannot read map info: {}", std::strerror(errno));
    if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY || info.value_size != sizeof(xdpkit_datarec))
        return make_error(EINVAL, "map '{}' is not a per-CPU array of counters", info.name);
    const int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0) return make_error(-ncpus, "cannot count possible CPUs");

    PerCpuDatarecs values(info.max_entries,
                          std::vector<xdpkit_datarec>(static_cast<size_t>(ncpus)));
    for (uint32_t key = 0; key < info.max_entries; ++key)
        if (bpf_map_lookup_elem(map_fd, &key, values[key].data()) != 0)
            return make_error(errno, "cannot read counters of map '{}': {}", info.name,
                              std::strerror(errno));
    return values;
}

Result<PerCpuDatarecs> read_pinned_percpu_datarecs(const std::string& path) {
    return with_pinned_map(path, read_percpu_datarecs);
}

xdpkit_datarec sum_over_cpus(const std::vector<xdpkit_datarec>& percpu) {
    xdpkit_datarec sum{0, 0};
    for (const auto& rec : percpu) {
        sum.packets += rec.packets;
        sum.bytes += rec.bytes;
    }
    return sum;
}

Result<std::vector<xdpkit_datarec>> read_datarecs(int map_fd) {
    auto values = read_percpu_datarecs(map_fd);
    if (!values) return values.error();
    std::vector<xdpkit_datarec> sums;
    sums.reserve(values->size());
    for (const auto& percpu : *values) sums.push_back(sum_over_cpus(percpu));
    return sums;
}

Result<std::vector<xdpkit_datarec>> read_pinned_datarecs(const std::string& path) {
    return with_pinned_map(path, read_datarecs);
}

std::string verdict_name(uint32_t verdict) {
    return verdict < kXdpActionNames.size() ? kXdpActionNames[verdict] : std::to_string(verdict);
}

Json action_counters_json(const std::vector<xdpkit_datarec>& recs) {
    Json j = Json::object();
    for (size_t i = 0; i < recs.size() && i < kXdpActionNames.size(); ++i)
        j[kXdpActionNames[i]] = {{"packets", recs[i].packets}, {"bytes", recs[i].bytes}};
    return j;
}

}  // namespace xdpkit
