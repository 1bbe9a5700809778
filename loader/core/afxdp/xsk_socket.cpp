#include "core/afxdp/xsk_socket.h"

#include <bpf/bpf.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "core/base/ticker.h"
#include "core/kernel/xsk_holders.h"

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

// busy_queue: the queue whose bind failed, when one did.
Result<XskSet> open_in_mode(const Interface& iface, const std::vector<uint32_t>& queues,
                            const UmemConfig& per_socket, const XskConfig& config,
                            XskCopyMode mode, uint32_t& busy_queue) {
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
        if (!s) {
            busy_queue = q;
            return s.error();
        }
        set.sockets.push_back(std::move(*s));
    }
    set.zero_copy = !set.sockets.empty() && set.sockets.front()->zero_copy();
    return set;
}

Result<XskSet> open_once(const Interface& iface, const std::vector<uint32_t>& queues,
                         const UmemConfig& per_socket, const XskConfig& config,
                         uint32_t& busy_queue) {
    if (config.copy_mode != XskCopyMode::Auto)
        return open_in_mode(iface, queues, per_socket, config, config.copy_mode, busy_queue);
    auto zc = open_in_mode(iface, queues, per_socket, config, XskCopyMode::ZeroCopy, busy_queue);
    if (zc || zc.error().err != EOPNOTSUPP) return zc;
    auto copy = open_in_mode(iface, queues, per_socket, config, XskCopyMode::Copy, busy_queue);
    if (copy)
        copy->notes.push_back(fmt::format(
            "{}: no AF_XDP zero-copy in this driver (EOPNOTSUPP): copy mode", iface.name));
    return copy;
}

// How long a bind that finds its queue busy waits for a release in progress. The kernel
// frees a closed socket's buffer pool from a work item after an RCU grace period, so the
// queue stays taken a little after the last process let go: 15-40 ms measured on veth here
// (an Intel and an AMD guest, 6.18), longer on a loaded or slow host. 1 s covers that with a
// wide margin and is still short to wait for a refusal.
constexpr long long kReleaseWaitNs = 1'000'000'000;
constexpr long long kFirstBackoffNs = 2'000'000, kMaxBackoffNs = 50'000'000;

}  // namespace

Result<XskSet> open_xsk_set(const Interface& iface, const std::vector<uint32_t>& queues,
                            const UmemConfig& per_socket, const XskConfig& config) {
    const long long deadline = monotonic_ns() + kReleaseWaitNs;
    bool looked = false;  // for a holder, once: it touches every process
    for (long long backoff = kFirstBackoffNs;; backoff = std::min(backoff * 2, kMaxBackoffNs)) {
        uint32_t queue = 0;
        // Every attempt from a fresh UMEM: nothing of a failed bind is carried over.
        auto set = open_once(iface, queues, per_socket, config, queue);
        if (set || set.error().err != EBUSY) return set;
        const std::string where = fmt::format("{} queue {}", iface.name, queue);
        const bool last = monotonic_ns() + backoff > deadline;
        if (!looked || last) {
            looked = true;
            const XskHolders found = find_xsk_holders(iface.ifindex, queue);
            // A live socket on this very queue: no release is coming, say who it is now.
            if (found.queue_known && !found.holders.empty())
                return make_error(EBUSY, "{}: another AF_XDP socket has this queue: {}; stop "
                                  "it, or use another queue",
                                  where, describe_xsk_holders(found.holders));
            if (last && !found.holders.empty())
                return make_error(EBUSY, "{}: the queue stayed busy for {} ms; AF_XDP sockets "
                                  "of this namespace are held by {} (this kernel cannot say "
                                  "which queue each has: no XDP socket diag); stop the one "
                                  "on this queue", where, kReleaseWaitNs / 1'000'000,
                                  describe_xsk_holders(found.holders));
            if (last)
                return make_error(EBUSY, "{}: the queue stayed busy for {} ms although no "
                                  "process of this namespace holds an AF_XDP socket on it: a "
                                  "socket of another namespace, or a zero-copy pool the "
                                  "driver has not let go", where, kReleaseWaitNs / 1'000'000);
        }
        // Nobody (known) holds it: the kernel is still releasing one that was closed.
        const timespec ts{0, static_cast<long>(backoff)};
        ::nanosleep(&ts, nullptr);
    }
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
