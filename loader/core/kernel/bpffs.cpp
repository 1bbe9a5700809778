#include "core/kernel/bpffs.h"

#include <fcntl.h>

#include <bpf/bpf.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace xdpkit {
namespace {
constexpr long kBpfFsMagic = 0xcafe4a11;
}

bool bpffs_mounted() {
    struct statfs st {};
    return ::statfs(kBpffsRoot, &st) == 0 && static_cast<long>(st.f_type) == kBpfFsMagic;
}

Result<void> ensure_bpffs() {
    if (bpffs_mounted()) return {};
    if (::mount("bpf", kBpffsRoot, "bpf", 0, "mode=0700") != 0) {
        const int e = errno;
        return make_error(e,
                          "bpffs is not mounted at {} and mounting it failed ({}); mount it with "
                          "'mount -t bpf bpf {}'{}",
                          kBpffsRoot, std::strerror(e), kBpffsRoot,
                          e == EPERM ? " as root" : "");
    }
    return {};
}

Result<void> make_dirs(const std::string& path) {
    const std::string folders = std::string(kBpffsRoot) + "/xdpkit/";
    std::string partial;
    for (size_t pos = 0; pos != std::string::npos;) {
        pos = path.find('/', pos + 1);
        partial = path.substr(0, pos);
        const bool namespace_folder = partial.size() > folders.size() &&
                                      partial.compare(0, folders.size(), folders) == 0 &&
                                      partial.find('/', folders.size()) == std::string::npos;
        if (namespace_folder && !path_exists(partial))
            return make_error(ENOENT,
                              "the pin folder {} went away while this command ran (another "
                              "xdpkit command removed it); run the command again",
                              partial);
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return make_error(errno, "cannot create {}: {}", partial, std::strerror(errno));
    }
    return {};
}

bool path_exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_dir(const std::string& path) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(path.c_str())) {
        while (dirent* e = ::readdir(d)) {
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                names.emplace_back(e->d_name);
        }
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
}

Result<void> remove_tree(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return {};
    if (S_ISDIR(st.st_mode)) {
        for (const auto& name : list_dir(path)) XDPKIT_TRY(remove_tree(path + "/" + name));
        if (::rmdir(path.c_str()) != 0)
            return make_error(errno, "cannot remove {}: {}", path, std::strerror(errno));
    } else if (::unlink(path.c_str()) != 0) {
        return make_error(errno, "cannot unpin {}: {}", path, std::strerror(errno));
    }
    return {};
}

Result<void> pin_fd(int fd, const std::string& path) {
    if (path_exists(path) && ::unlink(path.c_str()) != 0)
        return make_error(errno, "cannot replace pin {}: {}", path, std::strerror(errno));
    if (bpf_obj_pin(fd, path.c_str()) != 0)
        return make_error(errno, "cannot pin {}: {}", path, std::strerror(errno));
    return {};
}

Result<Fd> open_pin(const std::string& path) {
    const int fd = bpf_obj_get(path.c_str());
    if (fd < 0) return make_error(errno, "cannot open pin {}: {}", path, std::strerror(errno));
    return Fd(fd);
}

Result<Fd> dup_fd(int fd, const char* what) {
    const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return make_error(errno, "cannot duplicate the {} map fd: {}", what, std::strerror(errno));
    return Fd(copy);
}

}  // namespace xdpkit
