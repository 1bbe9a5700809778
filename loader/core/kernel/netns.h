// Network namespaces, entered with setns(2). Never by re-exec under `ip netns exec`: that
// remounts /sys and hides /sys/fs/bpf, where our pins live.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/base/fd.h"
#include "core/base/result.h"

namespace xdpkit {

// A handle on /run/netns/NAME (for setns, or to move a link there).
Result<Fd> open_netns(const std::string& name);

// Switches this thread into a named namespace (/run/netns/NAME) and back on destruction.
class NetnsGuard {
public:
    static Result<NetnsGuard> enter(const std::string& name);
    NetnsGuard(NetnsGuard&&) = default;
    NetnsGuard& operator=(NetnsGuard&&) = default;
    ~NetnsGuard();

private:
    NetnsGuard() = default;
    Fd original_;
};

// setns(2) of the calling thread into ns_fd's network namespace; false (errno set) on failure.
bool enter_netns_fd_on_this_thread(int ns_fd);

// Runs fn (returning a Result) inside namespace name, or here when name is empty, and comes
// back.
template <typename Fn>
auto in_netns(const std::string& name, Fn&& fn) -> decltype(fn()) {
    if (name.empty()) return fn();
    auto inside = NetnsGuard::enter(name);
    if (!inside) return inside.error();
    return fn();
}

// Enters NAME for the rest of the process (the CLI's -n/--netns). Empty name: stay.
Result<void> enter_netns_for_process(const std::string& name);

// The names under /run/netns (`ip netns list`), in directory order.
std::vector<std::string> list_named_netns();

// A stable name for the namespace this thread is in, used as the pin directory:
// the /run/netns name if it has one, "init" for the initial namespace, else "ns-<inode>".
// A name is not an identity: a namespace made later can take a dead one's name.
std::string current_netns_name();

// What tells one network namespace from every other for as long as the host runs: the
// kernel's netns cookie (SO_NETNS_COOKIE, Linux 5.14+), which is never reused. On a kernel
// without it, cookie is 0 and only the nsfs device and inode are left — and the kernel reuses
// a dead namespace's inode number for a new one, so a re-created namespace can then look like
// the old one.
struct NetnsIdentity {
    uint64_t cookie = 0;  // 0: this kernel has no netns cookie
    uint64_t dev = 0;     // the nsfs file's device and inode (/proc/thread-self/ns/net)
    uint64_t ino = 0;
};
// The same namespace: by cookie when both have one, else by nsfs device and inode.
bool same_netns(const NetnsIdentity& a, const NetnsIdentity& b);
// "cookie 8201", or "nsfs inode 4:4026532174" when there is no cookie.
std::string describe(const NetnsIdentity& id);

// The identity of the namespace this thread is in.
Result<NetnsIdentity> current_netns_identity();
// The identity of the namespace ns_fd refers to (read from inside it, on a helper thread).
// Without the right to enter it (CAP_SYS_ADMIN), the cookie stays 0.
Result<NetnsIdentity> netns_identity_of(int ns_fd);

// Runs fn on a thread of its own inside the namespace ns_fd refers to, leaving every other
// thread where it is; fn returns a Result.
template <typename Fn>
auto in_netns_fd(int ns_fd, Fn&& fn) -> decltype(fn()) {
    std::optional<decltype(fn())> out;
    std::thread t([&] {
        if (enter_netns_fd_on_this_thread(ns_fd)) {
            out.emplace(fn());
        } else {
            const int e = errno;
            out.emplace(make_error(e, "cannot enter a network namespace: {}{}", std::strerror(e),
                                   e == EPERM ? " (needs CAP_SYS_ADMIN: run as root)" : ""));
        }
    });
    t.join();
    return std::move(*out);
}

}  // namespace xdpkit
