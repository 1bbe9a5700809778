#include "core/kernel/xsk_holders.h"

#include <dirent.h>
#include <linux/sock_diag.h>
#include <linux/xdp_diag.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "core/base/fd.h"
#include "core/kernel/nl_request.h"

namespace xdpkit {
namespace {

// The inodes of this namespace's XDP sockets bound to, or with a UMEM on, (ifindex, queue);
// an error when the kernel has no XDP socket diag.
Result<std::vector<uint32_t>> bound_xsk_inodes(int ifindex, uint32_t queue) {
    NlSock sock(nl_socket_alloc());
    if (!sock) return make_error(ENOMEM, "cannot allocate a netlink socket");
    if (int e = nl_connect(sock.get(), NETLINK_SOCK_DIAG); e < 0)
        return make_error(EIO, "cannot open a sock_diag socket: {}", nl_geterror(e));
    NlMsg msg(nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP));
    if (!msg) return make_error(ENOMEM, "cannot allocate a netlink message");
    xdp_diag_req req{};
    req.sdiag_family = AF_XDP;
    req.xdiag_show = XDP_SHOW_INFO | XDP_SHOW_UMEM;
    if (nlmsg_append(msg.get(), &req, sizeof(req), NLMSG_ALIGNTO) < 0)
        return make_error(ENOMEM, "cannot build the sock_diag request");

    std::vector<uint32_t> inodes;
    const auto on_reply = [&](nl_msg* reply) {
        nlmsghdr* hdr = nlmsg_hdr(reply);
        if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(xdp_diag_msg))) return;
        const auto* diag = static_cast<const xdp_diag_msg*>(nlmsg_data(hdr));
        nlattr* tb[XDP_DIAG_MAX + 1] = {};
        if (nlmsg_parse(hdr, sizeof(xdp_diag_msg), tb, XDP_DIAG_MAX, nullptr) < 0) return;
        bool here = false;
        if (tb[XDP_DIAG_INFO] && nla_len(tb[XDP_DIAG_INFO]) >= int(sizeof(xdp_diag_info))) {
            const auto* info = static_cast<const xdp_diag_info*>(nla_data(tb[XDP_DIAG_INFO]));
            here = int(info->ifindex) == ifindex && info->queue_id == queue;
        }
        if (tb[XDP_DIAG_UMEM] && nla_len(tb[XDP_DIAG_UMEM]) >= int(sizeof(xdp_diag_umem))) {
            const auto* umem = static_cast<const xdp_diag_umem*>(nla_data(tb[XDP_DIAG_UMEM]));
            here = here || (int(umem->ifindex) == ifindex && umem->queue_id == queue);
        }
        if (here) inodes.push_back(diag->xdiag_ino);
    };
    XDPKIT_TRY(nl_request(sock.get(), msg.get(), "sock_diag dump of AF_XDP sockets", on_reply));
    return inodes;
}

std::string read_comm(pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/comm", pid));
    std::string comm;
    std::getline(in, comm);
    return comm.empty() ? "?" : comm;
}

// Calls visit(pid, fd, inode) for every socket descriptor of every other process.
void for_each_socket(const std::function<void(pid_t, int, uint32_t)>& visit) {
    const pid_t self = ::getpid();
    DIR* proc = ::opendir("/proc");
    if (!proc) return;
    while (dirent* p = ::readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(p->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == self) continue;
        const std::string fd_dir = fmt::format("/proc/{}/fd", pid);
        DIR* fds = ::opendir(fd_dir.c_str());
        if (!fds) continue;  // gone, or not ours to read
        while (dirent* f = ::readdir(fds)) {
            char target[64];
            const std::string link = fd_dir + "/" + f->d_name;
            const ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
            if (n <= 0) continue;
            target[n] = '\0';
            unsigned inode = 0;
            if (std::sscanf(target, "socket:[%u]", &inode) != 1) continue;
            visit(static_cast<pid_t>(pid), std::atoi(f->d_name), inode);
        }
        ::closedir(fds);
    }
    ::closedir(proc);
}

void add_holder(std::vector<XskHolder>& holders, uint32_t inode, pid_t pid) {
    auto h = std::find_if(holders.begin(), holders.end(),
                          [&](const XskHolder& x) { return x.inode == inode; });
    if (h == holders.end()) h = holders.insert(holders.end(), XskHolder{inode, {}, {}});
    if (std::find(h->pids.begin(), h->pids.end(), pid) != h->pids.end()) return;
    h->pids.push_back(pid);
    h->comms.push_back(read_comm(pid));
}

// The network namespace a socket lives in (SO_NETNS_COOKIE, 5.14+); 0 when unknown.
uint64_t netns_cookie(int fd) {
    uint64_t cookie = 0;
    socklen_t len = sizeof(cookie);
    return ::getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) == 0 ? cookie : 0;
}

// Without socket diag: every AF_XDP socket of this namespace that another process holds,
// found by borrowing each socket descriptor (pidfd_getfd, 5.6+) to ask its family and
// namespace. Only on the way to an error: it touches every process.
std::vector<XskHolder> xsk_sockets_of_this_netns() {
    std::vector<XskHolder> holders;
    Fd probe(::socket(AF_UNIX, SOCK_DGRAM, 0));
    const uint64_t here = probe.valid() ? netns_cookie(probe.get()) : 0;
    for_each_socket([&](pid_t pid, int fd, uint32_t inode) {
        Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
        if (!pidfd.valid()) return;
        Fd sock(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
        if (!sock.valid()) return;
        int domain = 0;
        socklen_t len = sizeof(domain);
        if (::getsockopt(sock.get(), SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
            domain != AF_XDP)
            return;
        const uint64_t theirs = netns_cookie(sock.get());
        if (here && theirs && here != theirs) return;
        add_holder(holders, inode, pid);
    });
    return holders;
}

}  // namespace

XskHolders find_xsk_holders(int ifindex, uint32_t queue) {
    XskHolders out;
    auto inodes = bound_xsk_inodes(ifindex, queue);
    if (!inodes) {
        out.holders = xsk_sockets_of_this_netns();
        return out;
    }
    out.queue_known = true;
    if (inodes->empty()) return out;
    for_each_socket([&](pid_t pid, int, uint32_t inode) {
        if (std::find(inodes->begin(), inodes->end(), inode) != inodes->end())
            add_holder(out.holders, inode, pid);
    });
    // A socket bound there that no process of this /proc has open (another namespace's
    // process, a descriptor passed on): still a holder, named by its inode.
    for (uint32_t ino : *inodes)
        if (std::none_of(out.holders.begin(), out.holders.end(),
                         [&](const XskHolder& h) { return h.inode == ino; }))
            out.holders.push_back({ino, {}, {}});
    return out;
}

std::string describe_xsk_holders(const std::vector<XskHolder>& holders) {
    std::string out;
    for (const XskHolder& h : holders) {
        if (!out.empty()) out += "; ";
        if (h.pids.empty()) {
            out += fmt::format("socket inode {} (no process of this /proc has it open)", h.inode);
            continue;
        }
        for (size_t i = 0; i < h.pids.size(); ++i)
            out += fmt::format("{}pid {} ({})", i ? ", " : "", h.pids[i], h.comms[i]);
        out += fmt::format(", socket inode {}", h.inode);
    }
    return out;
}

}  // namespace xdpkit
