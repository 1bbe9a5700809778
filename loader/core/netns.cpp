#include "netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace xdpkit {
namespace {

constexpr const char* kNetnsRunDir = "/run/netns";

Result<void> setns_to(const std::string& name) {
    auto ns = open_netns(name);
    if (!ns) return ns.error();
    if (::setns(ns->get(), CLONE_NEWNET) != 0) {
        const int e = errno;
        return make_error(e, "cannot enter network namespace '{}': {}{}", name, std::strerror(e),
                          e == EPERM ? " (needs CAP_SYS_ADMIN: run as root)" : "");
    }
    return {};
}

bool same_inode(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

Result<Fd> open_netns(const std::string& name) {
    const std::string path = std::string(kNetnsRunDir) + "/" + name;
    Fd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid()) {
        if (errno == ENOENT)
            return make_error(ENOENT, "network namespace '{}' does not exist (see 'ip netns list')", name);
        return make_error(errno, "cannot open network namespace '{}': {}", name, std::strerror(errno));
    }
    return ns;
}

Result<NetnsGuard> NetnsGuard::enter(const std::string& name) {
    NetnsGuard g;
    g.original_ = Fd(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!g.original_.valid())
        return make_error(errno, "cannot open the current network namespace: {}", std::strerror(errno));
    XDPKIT_TRY(setns_to(name));
    return g;
}

NetnsGuard::~NetnsGuard() {
    if (original_.valid()) (void)::setns(original_.get(), CLONE_NEWNET);
}

Result<void> enter_netns_for_process(const std::string& name) {
    if (name.empty()) return {};
    return setns_to(name);
}

std::vector<std::string> list_named_netns() {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(kNetnsRunDir)) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') out.emplace_back(e->d_name);
        ::closedir(d);
    }
    return out;
}

std::string current_netns_name() {
    struct stat self {};
    if (::stat("/proc/thread-self/ns/net", &self) != 0) return "unknown";

    struct stat init {};
    if (::stat("/proc/1/ns/net", &init) == 0 && same_inode(self, init)) return "init";

    for (const auto& name : list_named_netns()) {
        struct stat st {};
        const std::string path = std::string(kNetnsRunDir) + "/" + name;
        if (::stat(path.c_str(), &st) == 0 && same_inode(self, st)) return name;
    }
    return "ns-" + std::to_string(self.st_ino);
}

}  // namespace xdpkit
