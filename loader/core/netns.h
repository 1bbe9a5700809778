// Network namespaces, entered with setns(2). Never by re-exec under `ip netns exec`: that
// remounts /sys and hides /sys/fs/bpf, where our pins live.
#pragma once

#include <string>
#include <vector>

#include "fd.h"
#include "result.h"

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
std::string current_netns_name();

}  // namespace xdpkit
