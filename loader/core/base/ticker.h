// Fixed intervals on CLOCK_MONOTONIC until SIGINT or SIGTERM: the loop of a command that
// runs until it is stopped (stats; later afxdp and hints).
#pragma once

#include <signal.h>
#include <time.h>

namespace xdpkit {

// CLOCK_MONOTONIC in nanoseconds: what sessions measure their elapsed time with.
long long monotonic_ns();

// Blocks SIGINT and SIGTERM in the calling thread (and every thread it makes later) for the
// rest of the process: from then on they are only taken with sigtimedwait, never delivered.
// Never unblocked again on purpose: coreutils timeout(1) and many supervisors send the stop
// signal twice (to the child, then to its process group); had the mask been restored after
// the first one was taken, the second would kill the process before it detached and printed
// its summary. A blocked signal still pending when the process exits is simply discarded.
void block_stop_signals();

class Ticker {
public:
    // Blocks the stop signals (block_stop_signals): they are taken with sigtimedwait while
    // waiting, so a signal can never slip in between a check and the sleep, and one that
    // comes during work ends the next wait instead of killing the process mid-line.
    explicit Ticker(double interval_seconds);
    Ticker(const Ticker&) = delete;
    Ticker& operator=(const Ticker&) = delete;

    // Starts the intervals afresh from now (after setup that took a while).
    void restart();

    // Waits for the next tick: true then, false when SIGINT or SIGTERM came first.
    bool wait();

private:
    long long interval_ns_;
    long long next_ns_;  // CLOCK_MONOTONIC
    sigset_t stop_signals_;
};

}  // namespace xdpkit
