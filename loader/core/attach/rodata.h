// Where each const volatile global sits in a program's .rodata, read from BTF: the same
// layout serves setting parameters before load and reading them back from a pinned map.
#pragma once

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

struct RodataVar {
    uint32_t offset;
    uint32_t size;
};
using RodataLayout = std::map<std::string, RodataVar>;

// Layout of the datasec type `datasec_id` in btf.
RodataLayout rodata_layout(const btf* btf, uint32_t datasec_id);

// The object's .rodata map (nullptr when it has none: a program without globals).
bpf_map* find_rodata_map(bpf_object* obj);

// Writes bytes into the opened (not yet loaded) object's rodata variable `var`, which must
// be exactly that size.
Result<void> set_rodata(bpf_object* obj, const std::string& var, const std::vector<uint8_t>& bytes);
Result<void> set_rodata_u32(bpf_object* obj, const std::string& var, uint32_t value);

// The bytes of variable `var` in a rodata image laid out as `layout`.
Result<std::vector<uint8_t>> read_rodata(const RodataLayout& layout,
                                         const std::vector<uint8_t>& image, const std::string& var);

}  // namespace xdpkit
