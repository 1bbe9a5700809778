// How many frames each live-frame call of one generator thread sends, and when. Pure (time
// is a parameter), so the pacing arithmetic is unit-tested without a kernel.
//
// As fast as it goes: each call is sized so that its frame loop lasts about kCallSeconds at the
// per-frame cost the kernel measured in the previous call's loop, so the fixed cost of a call
// (on some hosts tens of milliseconds: the XDP dispatcher re-point, dispatcher_hold.h) is a
// small share wherever it is paid, and Ctrl-C, --duration and --count are still noticed within
// one call. The loop's own time, not the call's: a call that is mostly fixed cost would
// otherwise make the next one smaller, and the one after smaller still. Near --duration's end
// the call's whole time per frame is what counts (a thread that waits for its CPU takes
// longer than its loop), so the last call ends about at the deadline.
//
// Paced (--rate R): frame k is due at k/R seconds from the start, and a call sends every frame
// due by now. A call that took long (a slow re-point, a preempted thread) therefore makes the
// next one larger, never the rate lower; calls are at least kPaceSeconds of frames (one frame
// at low rates), so a fast rate is not a system call per frame.
#pragma once

#include <cstdint>

namespace xdpkit {

class CallPlanner {
public:
    static constexpr double kCallSeconds = 0.1;   // xdp-trafficgen's 2^20 frames at ~10 Mpps
    static constexpr double kPaceSeconds = 0.001;
    static constexpr uint64_t kFirstCall = 1u << 16;  // before any rate is known
    static constexpr uint64_t kMinCall = 1u << 10;
    static constexpr uint64_t kMaxCall = 1u << 26;    // BPF_PROG_RUN's repeat is 32 bits

    // quota: frames in all (0: no limit); rate: frames/s (0: as fast as it goes); duration:
    // seconds from the start (0: no limit).
    CallPlanner(uint64_t quota, uint64_t rate, double duration);

    struct Call {
        uint64_t frames = 0;  // 0: nothing more to send
        double at = 0;        // seconds from the start; later than now: wait, then ask again
    };
    // The next call, asked at `now` seconds from the start.
    Call next(double now) const;
    // A call sent n frames in call_seconds, of which the kernel's frame loop took
    // loop_seconds (BPF_PROG_RUN's `duration` times n; 0 when unknown).
    void sent(uint64_t n, double loop_seconds, double call_seconds);
    uint64_t done() const { return done_; }

private:
    Call paced(double now) const;
    Call unpaced(double now) const;
    uint64_t frames_for_call_seconds() const;

    uint64_t quota_, rate_;
    double duration_;
    uint64_t done_ = 0;
    // Of the last call, 0 before the first: in its frame loop, and in all.
    double loop_seconds_per_frame_ = 0, call_seconds_per_frame_ = 0;
};

}  // namespace xdpkit
