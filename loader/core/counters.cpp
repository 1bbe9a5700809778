#include "counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>

#include "fd.h"

namespace xdpkit {

Result<std::vector<xdpkit_datarec>> read_datarecs(int map_fd) {
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0)
        return make_error(errno, "cannot read map info: {}", std::strerror(errno));
    if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY || info.value_size != sizeof(xdpkit_datarec))
        return make_error(EINVAL, "map '{}' is not a per-CPU array of counters", info.name);
    const int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0) return make_error(-ncpus, "cannot count possible CPUs");

    std::vector<xdpkit_datarec> sums(info.max_entries, xdpkit_datarec{0, 0});
    std::vector<xdpkit_datarec> percpu(static_cast<size_t>(ncpus));
    for (uint32_t key = 0; key < info.max_entries; ++key) {
        if (bpf_map_lookup_elem(map_fd, &key, percpu.data()) != 0)
            return make_error(errno, "cannot read counters of map '{}': {}", info.name,
                              std::strerror(errno));
        for (const auto& rec : percpu) {
            sums[key].packets += rec.packets;
            sums[key].bytes += rec.bytes;
        }
    }
    return sums;
}

Result<std::vector<xdpkit_datarec>> read_pinned_datarecs(const std::string& path) {
    Fd fd(bpf_obj_get(path.c_str()));
    if (!fd.valid())
        return make_error(errno, "cannot open pinned map {}: {}", path, std::strerror(errno));
    return read_datarecs(fd.get());
}

Json action_counters_json(const std::vector<xdpkit_datarec>& recs) {
    Json j = Json::object();
    for (size_t i = 0; i < recs.size() && i < kXdpActionNames.size(); ++i)
        j[kXdpActionNames[i]] = {{"packets", recs[i].packets}, {"bytes", recs[i].bytes}};
    return j;
}

}  // namespace xdpkit
