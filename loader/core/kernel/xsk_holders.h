// Who holds an AF_XDP queue. With the kernel's XDP socket diag (CONFIG_XDP_SOCKETS_DIAG,
// what `ss --xdp` reads): the sockets of this namespace bound to an interface's queue, or
// owning a UMEM registered there, and the processes that have them open. Without it (6.18
// here has it off), only which processes of this namespace hold AF_XDP sockets at all: their
// queues cannot be read. A bind that fails with EBUSY and finds no holder is a socket the
// kernel is still releasing after its close.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

struct XskHolder {
    uint32_t inode = 0;              // the socket's inode: socket:[inode] in /proc/PID/fd
    std::vector<pid_t> pids;         // processes with it open
    std::vector<std::string> comms;  // their /proc/PID/comm, same order
};

struct XskHolders {
    // True: the kernel said which sockets are on the queue (holders is exactly those).
    // False: no XDP socket diag; holders are every AF_XDP socket of this namespace held by
    // another process, on whatever queue.
    bool queue_known = false;
    std::vector<XskHolder> holders;
};

XskHolders find_xsk_holders(int ifindex, uint32_t queue);

// "pid 123 (xdpkit), socket inode 456" for each, joined with "; ".
std::string describe_xsk_holders(const std::vector<XskHolder>& holders);

}  // namespace xdpkit
