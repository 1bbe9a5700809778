// The BPF filesystem, where attachments are pinned so they outlive the command.
#pragma once

#include <string>
#include <vector>

#include "core/base/fd.h"
#include "core/base/result.h"

namespace xdpkit {

constexpr const char* kBpffsRoot = "/sys/fs/bpf";

// Mounts bpffs at /sys/fs/bpf when it is missing (as xdp-loader does); fails with a hint
// when that is not possible.
Result<void> ensure_bpffs();
bool bpffs_mounted();

// Creates path and its missing parents — but never a namespace's pin folder
// (/sys/fs/bpf/xdpkit/<netns>): only namespace_folder() makes one, with the namespace's identity
// in it (pin_folder.h). When that folder has gone (pruned or tidied away by a concurrent
// command), this fails and says to run the command again.
Result<void> make_dirs(const std::string& path);
// Removes a pin directory and everything in it; a missing path is not an error.
Result<void> remove_tree(const std::string& path);
bool path_exists(const std::string& path);
// Entries of a directory (no . and ..), sorted; empty when it does not exist.
std::vector<std::string> list_dir(const std::string& path);

// Pins fd at path, replacing an older pin at the same path.
Result<void> pin_fd(int fd, const std::string& path);
// Opens what is pinned at path (a program, map or link).
Result<Fd> open_pin(const std::string& path);
// A descriptor of its own for a map a loaded object owns, so it outlives the object.
Result<Fd> dup_fd(int fd, const char* what);

}  // namespace xdpkit
