#include "core/kernel/named_netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace xdpkit {
namespace {

constexpr const char* kRunDir = "/run/netns";

std::string ns_path(const std::string& name) { return std::string(kRunDir) + "/" + name; }

// ip netns makes /run/netns a shared mount point (bind-mounting it onto itself first if it is
// not a mount point yet), so a namespace mounted later shows in every mount namespace that
// shares it — `ip netns exec` runs in a copy of the mount table.
Result<void> prepare_run_dir() {
    if (::mkdir(kRunDir, 0755) != 0 && errno != EEXIST)
        return make_error(errno, "cannot create {}: {}", kRunDir, std::strerror(errno));
    if (::mount("", kRunDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return {};
    if (errno != EINVAL)
        return make_error(errno, "cannot make {} a shared mount: {}", kRunDir, std::strerror(errno));
    if (::mount(kRunDir, kRunDir, "none", MS_BIND | MS_REC, nullptr) != 0 ||
        ::mount("", kRunDir, "none", MS_SHARED | MS_REC, nullptr) != 0)
        return make_error(errno, "cannot make {} a shared mount: {}", kRunDir, std::strerror(errno));
    return {};
}

// The new namespace is made by a thread of its own: unshare changes only the calling thread,
// so the caller stays where it was whatever happens.
int unshare_and_mount(const std::string& path) {
    if (::unshare(CLONE_NEWNET) != 0) return errno;
    if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0)
        return errno;
    return 0;
}

}  // namespace

Result<void> create_named_netns(const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        return make_error(EINVAL, "'{}' is not a valid network namespace name", name);
    XDPKIT_TRY(prepare_run_dir());
    const std::string path = ns_path(name);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0)
        return make_error(errno, "cannot create network namespace '{}': {}", name,
                          errno == EEXIST ? "it exists already" : std::strerror(errno));
    ::close(fd);
    int err = 0;
    std::thread([&] { err = unshare_and_mount(path); }).join();
    if (err) {
        ::unlink(path.c_str());
        return make_error(err, "cannot create network namespace '{}': {}{}", name,
                          std::strerror(err), err == EPERM ? " (run as root)" : "");
    }
    return {};
}

Result<void> delete_named_netns(const std::string& name) {
    const std::string path = ns_path(name);
    if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
        return make_error(errno, "cannot unmount {}: {}", path, std::strerror(errno));
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return make_error(errno, "cannot remove {}: {}", path, std::strerror(errno));
    return {};
}

}  // namespace xdpkit
