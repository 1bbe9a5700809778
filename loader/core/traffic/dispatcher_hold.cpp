#include "core/traffic/dispatcher_hold.h"

#include <bpf/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>

#include <cstring>

#include "core/base/fd.h"

namespace xdpkit {

Result<std::unique_ptr<DispatcherHold>> DispatcherHold::take(int prog_fd) {
    std::unique_ptr<DispatcherHold> h(new DispatcherHold());
    h->thread_ = std::thread([p = h.get(), prog_fd] { p->hold(prog_fd); });
    std::unique_lock lock(h->mu_);
    h->cv_.wait(lock, [&] { return h->attached_ || h->failed_; });
    if (h->failed_) {
        lock.unlock();
        h->thread_.join();
        return h->error_;
    }
    return h;
}

DispatcherHold::~DispatcherHold() {
    {
        std::lock_guard lock(mu_);
        release_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DispatcherHold::hold(int prog_fd) {
    // Signals are the main thread's (a Ctrl-C must not end up here).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    auto fail = [&](Error e) {
        std::lock_guard lock(mu_);
        error_ = std::move(e);
        failed_ = true;
        cv_.notify_all();
    };
    // This thread alone moves to a new namespace; the rest of the process stays where it is.
    if (::unshare(CLONE_NEWNET) != 0)
        return fail(make_error(errno, "cannot make a network namespace to hold the XDP "
                               "dispatcher in: {}", std::strerror(errno)));
    const unsigned lo = ::if_nametoindex("lo");
    LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_SKB_MODE);
    Fd link(lo ? bpf_link_create(prog_fd, static_cast<int>(lo), BPF_XDP, &opts) : -1);
    if (!link.valid())
        return fail(make_error(errno, "cannot attach the generator program to a private lo to "
                               "hold the XDP dispatcher: {}", std::strerror(errno)));
    std::unique_lock lock(mu_);
    attached_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return release_; });
    // The link closes here, then the thread ends and takes its namespace with it.
}

}  // namespace xdpkit
