#include "core/attach/rodata.h"

#include <cstring>
#include <string_view>

namespace xdpkit {

RodataLayout rodata_layout(const btf* btf, uint32_t datasec_id) {
    RodataLayout out;
    const btf_type* sec = btf__type_by_id(btf, datasec_id);
    if (!sec || !btf_is_datasec(sec)) return out;
    const btf_var_secinfo* vsi = btf_var_secinfos(sec);
    for (unsigned i = 0; i < btf_vlen(sec); ++i, ++vsi) {
        const btf_type* var = btf__type_by_id(btf, vsi->type);
        if (!var) continue;
        out[btf__name_by_offset(btf, var->name_off)] = RodataVar{vsi->offset, vsi->size};
    }
    return out;
}

bpf_map* find_rodata_map(bpf_object* obj) {
    bpf_map* map;
    bpf_object__for_each_map(map, obj) {
        const std::string_view name = bpf_map__name(map);
        if (bpf_map__is_internal(map) && name.size() >= 7 &&
            name.substr(name.size() - 7) == ".rodata")
            return map;
    }
    return nullptr;
}

Result<void> set_rodata(bpf_object* obj, const std::string& var, const std::vector<uint8_t>& bytes) {
    bpf_map* map = find_rodata_map(obj);
    const btf* btf = bpf_object__btf(obj);
    if (!map || !btf)
        return make_error(EINVAL, "program has no read-only data for '{}'", var);
    const RodataLayout layout = rodata_layout(btf, bpf_map__btf_value_type_id(map));
    const auto it = layout.find(var);
    if (it == layout.end() || it->second.size != bytes.size())
        return make_error(EINVAL, "program has no {}-byte parameter variable '{}'", bytes.size(),
                          var);
    // libbpf 1.1 hands the image out read-only; copy, patch, and set it back.
    size_t size = 0;
    const auto* current = static_cast<const uint8_t*>(bpf_map__initial_value(map, &size));
    if (!current || it->second.offset + bytes.size() > size)
        return make_error(EINVAL, "read-only data of the program is too small for '{}'", var);
    std::vector<uint8_t> image(current, current + size);
    std::memcpy(image.data() + it->second.offset, bytes.data(), bytes.size());
    if (bpf_map__set_initial_value(map, image.data(), image.size()) != 0)
        return make_error(errno, "cannot set '{}': {}", var, std::strerror(errno));
    return {};
}

Result<void> set_rodata_u32(bpf_object* obj, const std::string& var, uint32_t value) {
    std::vector<uint8_t> bytes(sizeof(value));
    std::memcpy(bytes.data(), &value, sizeof(value));
    return set_rodata(obj, var, bytes);
}

Result<std::vector<uint8_t>> read_rodata(const RodataLayout& layout,
                                         const std::vector<uint8_t>& image, const std::string& var) {
    const auto it = layout.find(var);
    if (it == layout.end() || it->second.offset + it->second.size > image.size())
        return make_error(EINVAL, "no variable '{}' in read-only data", var);
    const auto* begin = image.data() + it->second.offset;
    return std::vector<uint8_t>(begin, begin + it->second.size);
}

}  // namespace xdpkit
