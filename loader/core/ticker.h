// Fixed intervals on CLOCK_MONOTONIC until SIGINT or SIGTERM: the loop of a command that
// runs until it is stopped (stats; later afxdp and hints).
#pragma once

#include <signal.h>
#include <time.h>

namespace xdpkit {

// CLOCK_MONOTONIC in nanoseconds: what sessions measure their elapsed time with.
long long monotonic_ns();

class Ticker {
public:
    // Blocks SIGINT and SIGTERM for its lifetime: they are taken with sigtimedwait while
    // waiting, so a signal can never slip in between a check and the sleep, and one that
    // comes during work ends the next wait instead of killing the process mid-line.
    explicit Ticker(double interval_seconds);
    ~Ticker();  // restores the signal mask
    Ticker(const Ticker&) = delete;
    Ticker& operator=(const Ticker&) = delete;

    // Starts the intervals afresh from now (after setup that took a while).
    void restart();

    // Waits for the next tick: true then, false when SIGINT or SIGTERM came first.
    bool wait();

private:
    sigset_t stop_signals_, old_mask_;
    long long interval_ns_;
    long long next_ns_;  // CLOCK_MONOTONIC
};

}  // namespace xdpkit
