#include "core/traffic/call_planner.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace xdpkit {

CallPlanner::CallPlanner(uint64_t quota, uint64_t rate, double duration)
    : quota_(quota), rate_(rate), duration_(duration) {}

CallPlanner::Call CallPlanner::next(double now) const {
    if (quota_ && done_ >= quota_) return {};
    return rate_ ? paced(now) : unpaced(now);
}

void CallPlanner::sent(uint64_t n, double loop_seconds, double call_seconds) {
    done_ += n;
    if (n == 0) return;
    if (loop_seconds > 0) loop_seconds_per_frame_ = loop_seconds / double(n);
    if (call_seconds > 0) call_seconds_per_frame_ = call_seconds / double(n);
}

uint64_t CallPlanner::frames_for_call_seconds() const {
    if (loop_seconds_per_frame_ <= 0) return kFirstCall;
    return std::clamp(static_cast<uint64_t>(kCallSeconds / loop_seconds_per_frame_), kMinCall,
                      kMaxCall);
}

CallPlanner::Call CallPlanner::unpaced(double now) const {
    if (duration_ > 0 && now >= duration_) return {};
    uint64_t n = frames_for_call_seconds();
    // The last call ends about at the deadline, not up to kCallSeconds after it.
    if (duration_ > 0 && call_seconds_per_frame_ > 0)
        n = std::min(n, std::max<uint64_t>(1, static_cast<uint64_t>((duration_ - now) /
                                                                   call_seconds_per_frame_)));
    if (quota_) n = std::min(n, quota_ - done_);
    return {n, now};
}

CallPlanner::Call CallPlanner::paced(double now) const {
    const double rate = double(rate_);
    // The frames this thread sends in all: the quota, and with a duration the frames due
    // before it ends (frame k at k/rate < duration).
    uint64_t last = quota_ ? quota_ : std::numeric_limits<uint64_t>::max();
    if (duration_ > 0)
        last = std::min(last, static_cast<uint64_t>(std::ceil(duration_ * rate)));
    if (done_ >= last) return {};
    const uint64_t due =
        std::min(last, now < 0 ? 0 : static_cast<uint64_t>(std::floor(now * rate)) + 1);
    const uint64_t ready = due > done_ ? due - done_ : 0;
    const uint64_t slice =
        std::min(last - done_, std::max<uint64_t>(1, static_cast<uint64_t>(rate * kPaceSeconds)));
    if (ready >= slice) {
        // Behind (a slow call): catch up, in calls no longer than an unpaced one. Frames due
        // before the deadline still go after it: --duration with --rate sends rate x duration.
        return {std::min(ready, std::max(frames_for_call_seconds(), slice)), now};
    }
    // The time the slice's last frame is due; asked again then, the call may have grown.
    return {slice, double(done_ + slice - 1) / rate};
}

}  // namespace xdpkit
