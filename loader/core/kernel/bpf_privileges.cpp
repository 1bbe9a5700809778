#include "core/kernel/bpf_privileges.h"

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace xdpkit {
namespace {

// The host's user namespace has a fixed inode number (PROC_USER_INIT_INO,
// include/linux/proc_ns.h); every other one is allocated.
constexpr ino_t kHostUserNsInode = 0xEFFFFFFDU;

// Bookworm's headers have CAP_BPF (Linux 5.8), but the bit is what the kernel checks.
constexpr int kCapBpf = 39;

// Unknown (no /proc) counts as the host's: then the verifier's log, not a guess, decides
// what the user is told.
bool in_host_user_ns() {
    struct stat st {};
    if (::stat("/proc/self/ns/user", &st) != 0) return true;
    return st.st_ino == kHostUserNsInode;
}

}  // namespace

BpfPrivileges current_bpf_privileges() {
    BpfPrivileges p;
    p.host_user_ns = in_host_user_ns();
    // capget(2) directly: libcap is not a dependency, and glibc has no wrapper.
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capget, &header, data) != 0) return p;
    const uint64_t effective =
        static_cast<uint64_t>(data[0].effective) | static_cast<uint64_t>(data[1].effective) << 32;
    const auto has = [effective](int cap) { return (effective >> cap) & 1; };
    p.cap_bpf = has(kCapBpf);
    p.cap_net_admin = has(CAP_NET_ADMIN);
    p.cap_sys_admin = has(CAP_SYS_ADMIN);
    return p;
}

std::string missing_privileges_advice(const BpfPrivileges& have) {
    if (have.can_load_xdp()) return {};
    return have.host_user_ns ? "needs CAP_BPF and CAP_NET_ADMIN: run as root"
                             : "needs CAP_BPF and CAP_NET_ADMIN: run as root (capabilities "
                               "inside a user namespace do not count)";
}

std::string refusal_without_privileges(const std::string& what) {
    const std::string advice = missing_privileges_advice(current_bpf_privileges());
    if (advice.empty()) return {};
    return what + " " + advice + "; without them the kernel does not show xdpkit's programs, "
           "maps and pins";
}

}  // namespace xdpkit
