// Keeps a program in the kernel's XDP dispatcher for as long as the generator runs.
//
// Every BPF_PROG_RUN call on an XDP program with repeat > 1 re-points the kernel's XDP
// dispatcher at the program on entry and away on exit (net/bpf/test_run.c,
// bpf_prog_change_xdp), and each re-point waits for an RCU grace period
// (bpf_dispatcher_update -> synchronize_rcu): 16-75 ms per call measured on the 2-vCPU guest
// here (the busier, the longer), when the frames of a 65536-frame call take 4 ms. The
// dispatcher counts its users per program, so while anything else holds the program there, a
// call's re-point is a refcount and no grace period. That is why two generator threads (whose
// calls overlap) were 8x one.
//
// The hold is an XDP attachment the kernel counts the same way: the program attached in
// generic mode to `lo` of a network namespace of its own (dev_xdp_install ->
// bpf_prog_change_xdp). That lo stays down, so the program never runs there, and the
// namespace is private to one thread of this process: nothing outside sees it, nothing
// outlives the process (the namespace goes when the thread ends, and the attachment with it).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/base/result.h"

namespace xdpkit {

class DispatcherHold {
public:
    // Attaches prog_fd as above; an error says why it could not (no CAP_SYS_ADMIN for a
    // namespace, a kernel without generic XDP). The generator then runs without it, slower
    // where grace periods are slow, and its report says so.
    static Result<std::unique_ptr<DispatcherHold>> take(int prog_fd);
    ~DispatcherHold();  // detaches (one more grace period) and removes the namespace

    DispatcherHold(const DispatcherHold&) = delete;
    DispatcherHold& operator=(const DispatcherHold&) = delete;

private:
    DispatcherHold() = default;
    void hold(int prog_fd);  // the holding thread

    std::mutex mu_;
    std::condition_variable cv_;
    bool attached_ = false, failed_ = false, release_ = false;
    Error error_;
    std::thread thread_;
};

}  // namespace xdpkit
