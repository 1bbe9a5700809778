#include "core/kernel/netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

// Linux 5.14 (asm-generic/socket.h); Debian bookworm's libc headers predate it.
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

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

bool enter_netns_fd_on_this_thread(int ns_fd) { return ::setns(ns_fd, CLONE_NEWNET) == 0; }

bool same_netns(const NetnsIdentity& a, const NetnsIdentity& b) {
    if (a.cookie && b.cookie) return a.cookie == b.cookie;
    return a.dev == b.dev && a.ino == b.ino;
}

std::string describe(const NetnsIdentity& id) {
    if (id.cookie) return fmt::format("cookie {}", id.cookie);
    return fmt::format("nsfs inode {}:{}", id.dev, id.ino);
}

Result<NetnsIdentity> current_netns_identity() {
    NetnsIdentity id;
    struct stat st {};
    if (::stat("/proc/thread-self/ns/net", &st) != 0)
        return make_error(errno, "cannot read this thread's network namespace: {}",
                          std::strerror(errno));
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    // Any socket carries its namespace's cookie; a unix datagram one needs nothing else.
    Fd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock.valid())
        return make_error(errno, "cannot open a socket to read the namespace's cookie: {}",
                          std::strerror(errno));
    uint64_t cookie = 0;
    socklen_t len = sizeof(cookie);
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) == 0)
        id.cookie = cookie;
    else if (errno != ENOPROTOOPT)  // ENOPROTOOPT: before 5.14, the nsfs inode is all there is
        return make_error(errno, "cannot read the network namespace cookie: {}",
                          std::strerror(errno));
    return id;
}

Result<NetnsIdentity> netns_identity_of(int ns_fd) {
    auto inside = in_netns_fd(ns_fd, current_netns_identity);
    if (inside || inside.error().err != EPERM) return inside;
    // Not allowed to enter: what fstat says is all we can know.
    struct stat st {};
    if (::fstat(ns_fd, &st) != 0)
        return make_error(errno, "cannot stat a network namespace: {}", std::strerror(errno));
    NetnsIdentity id;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    return id;
}

}  // namespace xdpkit
