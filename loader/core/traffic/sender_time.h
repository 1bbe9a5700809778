// Where the generator's sending threads spent their time, and the note trafficgen and bench
// print when the host, not the frames, set the rate. Pure but for read_sched_stat.
//
// The kernel times its own live-frame loop (BPF_PROG_RUN's `duration`, per frame); what a
// call took beyond that is its fixed setup (page pool, the XDP dispatcher re-point) or time
// the thread waited for a CPU (the scheduler's run delay, /proc/thread-self/schedstat). With
// those three measured, the note can say what the frame loop alone reached and where the rest
// went — from the same run, instead of a second run with two threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/output.h"

namespace xdpkit {

struct SenderTime {
    uint64_t calls = 0;           // BPF_PROG_RUN calls, all threads
    uint64_t frames = 0;          // frames those calls sent
    double threads_seconds = 0;   // each thread's time from its first call to its last, summed
    double in_calls = 0;          // of which inside BPF_PROG_RUN
    double frame_loop = 0;        // of which in the kernel's frame loop (its own timing)
    double waited_for_cpu = 0;    // runnable but not running: another task had the CPU
    bool dispatcher_held = false;
    std::string hold_error;       // why it was not held (dispatcher_hold.h), if it was not

    void add(const SenderTime& o);
};

// The scheduler's counters of the calling thread, in seconds.
struct SchedStat {
    double on_cpu = 0, run_delay = 0;
};
std::optional<SchedStat> read_sched_stat();

// Below this share of the threads' time in the frame loop, a run was slowed by its host.
constexpr double kSlowHostLoopShare = 0.8;

// One line (no "note: " prefix) when a run spent less than kSlowHostLoopShare of its time in
// the frame loop: the share, what the loop alone reached, and where the rest went. Nothing
// for a short run. Ask only about a run that sent as fast as it could (a paced one waits on
// purpose).
std::optional<std::string> slow_host_note(const SenderTime& t);

Json to_json(const SenderTime& t);

}  // namespace xdpkit
