// AF_XDP sockets over a shared UMEM, one per RX queue, through libxdp's xsk API.
//
// libxdp does not load its own XDP program here (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD): the
// afxdp steering program is a stage of xdpkit's chain, and its XSKMAP gets the sockets'
// fds from us.
#pragma once

#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/kernel/interface.h"
#include "core/base/result.h"
#include "core/afxdp/umem.h"

namespace xdpkit {

enum class XskCopyMode { Auto, Copy, ZeroCopy };

struct XskConfig {
    uint32_t rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS;
    uint32_t tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS;
    // Without a TX ring (receive only) a copy-mode poll() does not try to transmit each time
    // it is called, which otherwise counts a tx_ring_empty_descs per call.
    bool tx = true;
    XskCopyMode copy_mode = XskCopyMode::Auto;  // auto: zero-copy, else copy (and a note)
    bool need_wakeup = true;  // the kernel says when it must be kicked: fewer syscalls
    bool busy_poll = false;   // SO_PREFER_BUSY_POLL + SO_BUSY_POLL + SO_BUSY_POLL_BUDGET
    uint32_t busy_poll_budget = 64;
};

class XskSocket {
public:
    // Binds a socket to iface's queue. The UMEM's first socket uses the UMEM's own fill and
    // completion rings and binds in `mode` (Copy or ZeroCopy); every later one gets rings of
    // its own and binds with XDP_SHARED_UMEM, inheriting the first one's mode. A socket on
    // another queue sharing the fill ring of the first is the classic crash: the kernel
    // refuses it, and each queue's NAPI needs its own fill ring anyway.
    static Result<std::unique_ptr<XskSocket>> create(Umem& umem, const Interface& iface,
                                                     uint32_t queue, const XskConfig& config,
                                                     XskCopyMode mode);
    ~XskSocket();
    XskSocket(const XskSocket&) = delete;
    XskSocket& operator=(const XskSocket&) = delete;

    int fd() const { return xsk_socket__fd(xsk_); }
    uint32_t queue() const { return queue_; }
    bool zero_copy() const { return zero_copy_; }
    bool need_wakeup() const { return need_wakeup_; }
    xsk_ring_cons& rx() { return rx_; }
    xsk_ring_prod& tx() { return tx_; }
    xsk_ring_prod& fill() { return *fill_; }
    xsk_ring_cons& comp() { return *comp_; }

    // The kernel's drop and ring counters for this socket (XDP_STATISTICS).
    xdp_statistics statistics() const;

private:
    XskSocket() = default;

    xsk_socket* xsk_ = nullptr;
    uint32_t queue_ = 0;
    bool zero_copy_ = false, need_wakeup_ = false;
    xsk_ring_cons rx_{};
    xsk_ring_prod tx_{};
    // The UMEM's own rings for its first socket, own_fill_/own_comp_ for the others. libxdp
    // keeps pointers to all of these: the object never moves (it lives behind a unique_ptr).
    xsk_ring_prod* fill_ = nullptr;
    xsk_ring_cons* comp_ = nullptr;
    xsk_ring_prod own_fill_{};
    xsk_ring_cons own_comp_{};
};

// A UMEM and the sockets sharing it, one per queue; each socket's frames are its own slice
// of the UMEM (frames_per_socket of them, in queue order).
struct XskSet {
    std::unique_ptr<Umem> umem;  // declared first: destroyed after the sockets
    std::vector<std::unique_ptr<XskSocket>> sockets;
    uint32_t frames_per_socket = 0;
    bool zero_copy = false;
    std::vector<std::string> notes;  // huge-page fallback, auto choosing copy mode
};

// Creates the UMEM (frames_per_socket * queues frames) and one socket per queue. With
// XskCopyMode::Auto it tries zero-copy first and, when the driver refuses it with
// EOPNOTSUPP, starts again in copy mode from a fresh UMEM (nothing of the refused attempt
// is carried over) and says so in notes.
Result<XskSet> open_xsk_set(const Interface& iface, const std::vector<uint32_t>& queues,
                            const UmemConfig& per_socket, const XskConfig& config);

// Puts every socket of the set into an XSKMAP (map_name, for the error) at its RX queue.
Result<void> put_in_xskmap(const XskSet& set, int map_fd, const char* map_name);

}  // namespace xdpkit
