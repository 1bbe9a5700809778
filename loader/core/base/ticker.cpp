#include "core/base/ticker.h"

namespace xdpkit {
namespace {

constexpr long long kNsPerSecond = 1'000'000'000;

sigset_t stop_signal_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

}  // namespace

void block_stop_signals() {
    const sigset_t set = stop_signal_set();
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

long long monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * kNsPerSecond + ts.tv_nsec;
}

Ticker::Ticker(double interval_seconds)
    : interval_ns_(static_cast<long long>(interval_seconds * kNsPerSecond)),
      next_ns_(monotonic_ns() + interval_ns_), stop_signals_(stop_signal_set()) {
    block_stop_signals();
}

void Ticker::restart() { next_ns_ = monotonic_ns() + interval_ns_; }

bool Ticker::wait() {
    for (;;) {
        const long long now = monotonic_ns();
        if (now >= next_ns_) {
            // Behind (the work took longer than an interval): start afresh rather than
            // firing a burst of ticks to catch up. Rates use the measured time anyway.
            next_ns_ = next_ns_ + interval_ns_ > now ? next_ns_ + interval_ns_ : now + interval_ns_;
            return true;
        }
        const long long left = next_ns_ - now;
        const timespec timeout{static_cast<time_t>(left / kNsPerSecond),
                               static_cast<long>(left % kNsPerSecond)};
        if (::sigtimedwait(&stop_signals_, nullptr, &timeout) >= 0) return false;
        // EAGAIN: the time is up; EINTR: another signal. Either way, look at the clock again.
    }
}

}  // namespace xdpkit
