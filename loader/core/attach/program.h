// open -> set rodata -> load, for any family (libbpf-bootstrap's flow, once).
#pragma once

#include <cstdint>
#include <memory>

#include "core/attach/family.h"
#include "core/base/result.h"

namespace xdpkit {

// BPF_F_XDP_DEV_BOUND_ONLY (include/uapi/linux/bpf.h, 6.3): Debian bookworm's headers lack it.
inline constexpr uint32_t kBpfFXdpDevBoundOnly = 1U << 6;

struct LoadOptions {
    ParamValues params;
    int chain_map_fd = -1;   // share this prog array as xdpkit_chain (else the object makes its own)
    uint32_t chain_slot = 0;  // this stage's slot in the chain
    bool share_maps = false;  // attach: Family::share_maps points shared maps at their pins
    int ifindex = 0;          // the device a Family::device_bound program is bound to
};

class LoadedProgram {
public:
    LoadedProgram(const Family& f, std::unique_ptr<Skeleton> s, bpf_program* p)
        : family_(&f), skel_(std::move(s)), prog_(p) {}

    const Family& family() const { return *family_; }
    bpf_object* obj() const { return skel_->obj(); }
    bpf_program* prog() const { return prog_; }
    int prog_fd() const { return bpf_program__fd(prog_); }
    bpf_map* map(const char* name) const { return bpf_object__find_map_by_name(obj(), name); }
    void* skeleton() const { return skel_->raw(); }

private:
    const Family* family_;
    std::unique_ptr<Skeleton> skel_;
    bpf_program* prog_;
};

// Opens the family's embedded skeleton, applies params (defaults for the rest), and loads.
Result<LoadedProgram> load_program(const Family& f, const LoadOptions& opts);

// The pin name of a map: its own name, or the section (rodata, bss, data) for internal maps.
std::string map_pin_name(const bpf_map* map);

}  // namespace xdpkit
