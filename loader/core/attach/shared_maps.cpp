#include "core/attach/shared_maps.h"

#include <cerrno>
#include <cstring>

#include "core/attach/pin_folder.h"
#include "core/attach/program.h"
#include "core/kernel/bpffs.h"

namespace xdpkit {

Result<void> pin_maps_in_namespace(bpf_object* obj, const char* entry,
                                   std::span<const char* const> names, const char* family) {
    auto folder = namespace_folder(FolderUse::Create);
    if (!folder) return folder.error();
    const std::string dir = folder->pin_path(entry);
    XDPKIT_TRY(make_dirs(dir));
    for (const char* name : names) {
        bpf_map* map = bpf_object__find_map_by_name(obj, name);
        if (!map) return make_error(EINVAL, "the {} program has no map {}", family, name);
        if (bpf_map__set_pin_path(map, (dir + "/" + name).c_str()) != 0)
            return make_error(errno, "cannot share map {}: {}", name, std::strerror(errno));
    }
    return {};
}

Result<void> dup_program_maps(const LoadedProgram& p, std::span<const char* const> names,
                              std::span<Fd* const> fds) {
    for (size_t i = 0; i < names.size(); ++i) {
        bpf_map* map = p.map(names[i]);
        if (!map) return make_error(EINVAL, "program '{}' has no map {}", p.family().name, names[i]);
        auto fd = dup_fd(bpf_map__fd(map), names[i]);
        if (!fd) return fd.error();
        *fds[i] = std::move(*fd);
    }
    return {};
}

bool family_stage_pinned(const std::string& ns_dir, const std::string& family) {
    for (const auto& name : list_dir(ns_dir))
        if (path_exists(ns_dir + "/" + name + "/" + family + "/prog")) return true;
    return false;
}

}  // namespace xdpkit
