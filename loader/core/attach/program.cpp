#include "core/attach/program.h"

#include <cstring>
#include <string_view>

#include <xdpkit/chain.h>

#include "core/base/libbpf_log.h"
#include "core/kernel/load_failure.h"
#include "core/attach/rodata.h"

namespace xdpkit {

Result<LoadedProgram> load_program(const Family& f, const LoadOptions& opts) {
    std::unique_ptr<Skeleton> skel = f.open();
    if (!skel)
        return make_error(errno, "cannot open program '{}': {}", f.name, std::strerror(errno));

    bpf_program* prog = bpf_object__find_program_by_name(skel->obj(), f.entry_prog.c_str());
    if (!prog)
        return make_error(EINVAL, "program '{}' has no entry point {}", f.name, f.entry_prog);

    if (f.device_bound) {
        // Bound to the device at load: the verifier swaps each RX metadata kfunc for the
        // driver's own implementation. Such a program runs only in that device's native XDP.
        if (opts.ifindex <= 0)
            return make_error(EINVAL, "program '{}' is device-bound and needs a device", f.name);
        bpf_program__set_ifindex(prog, static_cast<__u32>(opts.ifindex));
        bpf_program__set_flags(prog, bpf_program__flags(prog) | kBpfFXdpDevBoundOnly);
    }

    for (const auto& spec : f.params) {
        const auto it = opts.params.find(spec.key);
        const std::string& text = it != opts.params.end() ? it->second : spec.default_text;
        auto value = encode_param(spec, text);
        if (!value) return value.error();
        XDPKIT_TRY(set_rodata(skel->obj(), spec.rodata_var, *value));
    }

    if (bpf_map* chain = bpf_object__find_map_by_name(skel->obj(), XDPKIT_CHAIN_MAP)) {
        XDPKIT_TRY(set_rodata_u32(skel->obj(), XDPKIT_CHAIN_SLOT_VAR, opts.chain_slot));
        if (opts.chain_map_fd >= 0 && bpf_map__reuse_fd(chain, opts.chain_map_fd) != 0)
            return make_error(errno, "program '{}': cannot share the chain map: {}", f.name,
                              std::strerror(errno));
    }

    if (f.before_load) XDPKIT_TRY(f.before_load(skel->obj()));
    if (opts.share_maps && f.share_maps) XDPKIT_TRY(f.share_maps(skel->obj()));

    const size_t log_mark = libbpf_log_mark();
    if (skel->load() != 0) {
        const int e = errno;
        return Error{explain_load_failure(f.name, e, log_mark), e};
    }
    return LoadedProgram(f, std::move(skel), prog);
}

std::string map_pin_name(const bpf_map* map) {
    const std::string_view name = bpf_map__name(map);
    if (bpf_map__is_internal(map)) {
        const auto dot = name.rfind('.');
        if (dot != std::string_view::npos) return std::string(name.substr(dot + 1));
    }
    return std::string(name);
}

}  // namespace xdpkit
