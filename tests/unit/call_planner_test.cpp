// The generator's call sizing and pacing (call_planner.h) and its slow-host note
// (sender_time.h), with simulated time: what a kernel call would take is a parameter.
#include <gtest/gtest.h>

#include "core/traffic/call_planner.h"
#include "core/traffic/sender_time.h"

namespace xdpkit {
namespace {

// Runs a planner as a sender thread would, with every call taking `fixed` seconds plus
// `per_frame` per frame in the kernel's loop, stretched `stretch` times by the other tasks
// that share the thread's CPU, until it is done or `until` passes.
struct Simulated {
    uint64_t frames = 0, calls = 0;
    double end = 0;  // when the last call returned
};
Simulated simulate(CallPlanner& plan, double fixed, double per_frame, double until = 1e9,
                   double stretch = 1) {
    Simulated s;
    double now = 0;
    while (now < until) {
        const auto call = plan.next(now);
        if (call.frames == 0) break;
        if (call.at > now) {
            now = call.at;  // the thread sleeps until then
            continue;
        }
        const double loop = per_frame * double(call.frames), took = fixed + stretch * loop;
        plan.sent(call.frames, loop, took);
        now += took;
        s.frames += call.frames;
        s.calls++;
        s.end = now;
    }
    return s;
}

TEST(CallPlanner, CallsAreSizedToLastAboutATenthOfASecond) {
    CallPlanner plan(0, 0, 0);
    EXPECT_EQ(plan.next(0).frames, CallPlanner::kFirstCall);
    const double loop = double(CallPlanner::kFirstCall) / 10e6;  // 10 Mpps
    plan.sent(CallPlanner::kFirstCall, loop, loop + 0.025);
    EXPECT_NEAR(double(plan.next(0.01).frames), 1e6, 1e3);
    // A host where each call costs 25 ms more (the dispatcher re-point) still gets frame loops
    // of 0.1 s, so the fixed cost stays a fifth of the time.
    CallPlanner slow(0, 0, 0);
    const auto s = simulate(slow, 0.025, 1 / 10e6, 2.0);
    EXPECT_GT(double(s.frames) / s.end, 0.75 * 10e6);
}

TEST(CallPlanner, CountIsExact) {
    for (uint64_t quota : {1ull, 1000ull, 65537ull, 3000001ull}) {
        CallPlanner plan(quota, 0, 0);
        EXPECT_EQ(simulate(plan, 0.001, 1e-7).frames, quota);
        EXPECT_EQ(plan.done(), quota);
        CallPlanner paced(quota, 1000000, 0);
        EXPECT_EQ(simulate(paced, 0.001, 1e-7).frames, quota);
    }
}

TEST(CallPlanner, DurationEndsNearTheDeadline) {
    CallPlanner plan(0, 0, 1.0);
    const auto s = simulate(plan, 0.0001, 1 / 15e6);
    EXPECT_GE(s.end, 1.0);
    EXPECT_LT(s.end, 1.01) << "the last call is cut to the time left";
    EXPECT_EQ(plan.next(1.0).frames, 0u);
    // A thread that gets a third of its CPU: its calls take three times their loop.
    CallPlanner shared(0, 0, 1.0);
    const auto slow = simulate(shared, 0.0001, 1 / 15e6, 1e9, 3.0);
    EXPECT_GE(slow.end, 1.0);
    EXPECT_LT(slow.end, 1.01);
}

// The paced rate holds whatever a call costs: a slow call makes the next one larger (issue 17:
// 10 ms slices with 25 ms calls gave 0.4 x the rate), and the run still ends on time.
TEST(CallPlanner, PacedRateHoldsWhenCallsAreSlow) {
    for (uint64_t rate : {1000ull, 2000ull, 50000ull, 500000ull, 1000000ull})
        for (double fixed : {0.00002, 0.025, 0.1}) {
            CallPlanner plan(0, rate, 1.0);
            const auto s = simulate(plan, fixed, 1e-7);
            EXPECT_EQ(s.frames, rate) << rate << " pps, " << fixed << " s a call";
            EXPECT_LT(s.end, 1.0 + 2 * fixed + 0.1) << rate << " pps, " << fixed << " s a call";
        }
}

TEST(CallPlanner, PacedFramesAreDueInTimeNotEarly) {
    CallPlanner plan(0, 2000, 0);
    // 2 kpps: slices of 2 frames (1 ms); frame k is due at k/2000 s.
    const auto first = plan.next(0);
    EXPECT_EQ(first.frames, 2u);
    EXPECT_DOUBLE_EQ(first.at, 0.0005);
    plan.sent(2, 0.00001, 0.00002);
    const auto later = plan.next(0.0006);
    EXPECT_EQ(later.frames, 2u);
    EXPECT_DOUBLE_EQ(later.at, 0.0015);
    // After 0.1 s asleep (a stolen CPU), everything due goes at once.
    EXPECT_EQ(plan.next(0.1).frames, 201u - 2u);
    // Low rates: a frame at a time.
    CallPlanner slow(0, 10, 0);
    EXPECT_EQ(slow.next(0).frames, 1u);
    EXPECT_EQ(slow.next(0).at, 0);
}

TEST(SlowHostNote, NamesTheShareTheLoopRateAndWhereTheRestWent) {
    SenderTime t;
    t.calls = 100;
    t.frames = 100 * 65536;
    t.threads_seconds = 3.0;
    t.in_calls = 2.95;
    t.frame_loop = 0.45;  // 14.56 Mpps while it ran
    t.waited_for_cpu = 0.05;
    t.hold_error =
        "cannot make a network namespace to hold the XDP dispatcher in: Operation not permitted";
    const auto note = slow_host_note(t);
    ASSERT_TRUE(note);
    EXPECT_NE(note->find("frame loop ran 15% of the time"), std::string::npos) << *note;
    EXPECT_NE(note->find("14.56 Mpps"), std::string::npos) << *note;
    EXPECT_NE(note->find("per-call setup took 82% (24.5 ms a call; the kernel re-points"),
              std::string::npos)
        << *note;
    EXPECT_NE(note->find("Operation not permitted"), std::string::npos) << *note;
    EXPECT_EQ(note->find('\n'), std::string::npos);
    // Held, and the loop had the time: nothing to say.
    t.dispatcher_held = true;
    t.frame_loop = 2.9;
    EXPECT_FALSE(slow_host_note(t));
    // Too short to judge.
    t.frame_loop = 0.01;
    t.threads_seconds = 0.1;
    EXPECT_FALSE(slow_host_note(t));
}

}  // namespace
}  // namespace xdpkit
