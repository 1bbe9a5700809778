#include "xsk_socket.h"

#include <bpf/bpf.h>
#include <sys/socket.h>

#include <cstring>

namespace xdpkit {
namespace {

// The kernel's own busy-poll default time (net.core.busy_poll, 50 µs on most systems) is
// for sockets that sleep; an AF_XDP loop returns to user space in between anyway.
constexpr int kBusyPollUsec = 20;

Result<void> set_int_option(int fd, int level, int name, int value, const char* what) {
    if (::setsockopt(fd, level, name, &value, sizeof(value)) != 0)
        return make_error(errno, "cannot set {} on the AF_XDP socket: {}", what,
                          std::strerror(errno));
    return {};
}

Result<void> enable_busy_poll(int fd, uint32_t budget) {
    XDPKIT_TRY(set_int_option(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1, "SO_PREFER_BUSY_POLL"));
    XDPKIT_TRY(set_int_option(fd, SOL_SOCKET, SO_BUSY_POLL, kBusyPollUsec, "SO_BUSY_POLL"));
    return set_int_option(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, static_cast<int>(budget),
                          "SO_BUSY_POLL_BUDGET");
}

std::string bind_error(int err, const Interface& iface, uint32_t queue, XskCopyMode mode) {
    const std::string where = fmt::format("{} queue {}", iface.name, queue);
    switch (err) {
    case EOPNOTSUPP:
        if (mode == XskCopyMode::ZeroCopy)
            return where + ": the driver does not support AF_XDP zero-copy (EOPNOTSUPP); use "
                           "--copy, or leave the mode out and let it fall back";
        break;
    case EBUSY:
        return where + ": another AF_XDP socket (or zero-copy pool) already has this queue; "
                       "stop the process that owns it";
    case ENETDOWN:
        return where + ": the interface is down; 'ip link set dev " + iface.name + " up'";
    case EPERM:
        return where + ": AF_XDP needs CAP_NET_RAW (run as root)";
    }
    return fmt::format("{}: cannot bind an AF_XDP socket: {}", where, std::strerror(err));
}

}  // namespace

Result<std::unique_ptr<XskSocket>> XskSocket::create(Umem& umem, const Interface& iface,
                                                     uint32_t queue, const XskConfig& config,
                                                     XskCopyMode mode) {
    std::unique_ptr<XskSocket> s(new XskSocket());
    s->queue_ = queue;
    const bool first = !umem.own_rings_taken();
    s->fill_ = first ? umem.own_fill() : &s->own_fill_;
    s->comp_ = first ? umem.own_comp() : &s->own_comp_;

    xsk_socket_config cfg{};
    cfg.rx_size = config.rx_size;
    cfg.tx_size = config.tx_size;
    cfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
    // Only the first socket's flags reach bind(): libxdp binds the others with
    // XDP_SHARED_UMEM alone, and the kernel gives them the first one's mode.
    cfg.bind_flags = mode == XskCopyMode::ZeroCopy ? XDP_ZEROCOPY : XDP_COPY;
    if (config.need_wakeup) cfg.bind_flags |= XDP_USE_NEED_WAKEUP;

    const int err = xsk_socket__create_shared(&s->xsk_, iface.name.c_str(), queue, umem.raw(),
                                              &s->rx_, config.tx ? &s->tx_ : nullptr, s->fill_, s->comp_, &cfg);
    if (err) {
        s->xsk_ = nullptr;
        return Error{bind_error(-err, iface, queue, mode), -err};
    }
    if (first) umem.mark_own_rings_taken();

    xdp_options opts{};
    socklen_t len = sizeof(opts);
    if (::getsockopt(s->fd(), SOL_XDP, XDP_OPTIONS, &opts, &len) == 0)
        s->zero_copy_ = opts.flags & XDP_OPTIONS_ZEROCOPY;
    s->need_wakeup_ = config.need_wakeup;
    if (config.busy_poll) XDPKIT_TRY(enable_busy_poll(s->fd(), config.busy_poll_budget));
    return s;
}

XskSocket::~XskSocket() {
    if (xsk_) xsk_socket__delete(xsk_);
}

xdp_statistics XskSocket::statistics() const {
    xdp_statistics st{};
    socklen_t len = sizeof(st);
    if (::getsockopt(fd(), SOL_XDP, XDP_STATISTICS, &st, &len) != 0) st = {};
    return st;
}

namespace {

Result<XskSet> open_in_mode(const Interface& iface, const std::vector<uint32_t>& queues,
                            const UmemConfig& per_socket, const XskConfig& config,
                            XskCopyMode mode) {
    XskSet set;
    UmemConfig total = per_socket;
    total.frame_count = per_socket.frame_count * static_cast<uint32_t>(queues.size());
    auto umem = Umem::create(total);
    if (!umem) return umem.error();
    set.umem = std::move(*umem);
    set.frames_per_socket = per_socket.frame_count;
    set.notes = set.umem->notes();
    for (uint32_t q : queues) {
        auto s = XskSocket::create(*set.umem, iface, q, config, mode);
        if (!s) return s.error();
        set.sockets.push_back(std::move(*s));
    }
    set.zero_copy = !set.sockets.empty() && set.sockets.front()->zero_copy();
    return set;
}

}  // namespace

Result<XskSet> open_xsk_set(const Interface& iface, const std::vector<uint32_t>& queues,
                            const UmemConfig& per_socket, const XskConfig& config) {
    if (config.copy_mode != XskCopyMode::Auto)
        return open_in_mode(iface, queues, per_socket, config, config.copy_mode);
    auto zc = open_in_mode(iface, queues, per_socket, config, XskCopyMode::ZeroCopy);
    if (zc || zc.error().err != EOPNOTSUPP) return zc;
    auto copy = open_in_mode(iface, queues, per_socket, config, XskCopyMode::Copy);
    if (copy)
        copy->notes.push_back(fmt::format(
            "{}: no AF_XDP zero-copy in this driver (EOPNOTSUPP): copy mode", iface.name));
    return copy;
}

Result<void> put_in_xskmap(const XskSet& set, int map_fd, const char* map_name) {
    for (const auto& sock : set.sockets) {
        const uint32_t queue = sock->queue();
        const int fd = sock->fd();
        if (bpf_map_update_elem(map_fd, &queue, &fd, BPF_ANY) != 0)
            return make_error(errno, "cannot put the socket of queue {} into {}: {}", queue,
                              map_name, std::strerror(errno));
    }
    return {};
}

}  // namespace xdpkit
