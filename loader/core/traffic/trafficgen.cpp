#include "core/traffic/trafficgen.h"

#include <bpf/bpf.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/traffic/call_planner.h"
#include "core/traffic/dispatcher_hold.h"
#include "core/base/libbpf_log.h"
#include "core/kernel/load_failure.h"
#include "core/kernel/netdev_features.h"
#include "core/base/skel_ptr.h"
#include "trafficgen.skel.h"

namespace xdpkit {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxLiveFrame = TRAFFICGEN_MAX_FRAME;
constexpr uint32_t kMaxBatch = 256;

}  // namespace

namespace {

// The frame_set map sized to the set exactly (the verifier then bounds the program's copy
// by the frame length), before load.
Result<void> size_frame_set(trafficgen_bpf& skel, const TrafficgenJob& job) {
    const auto len = static_cast<uint32_t>(job.frames.front().size());
    const auto n = static_cast<uint32_t>(job.frames.size());
    skel.rodata->frame_len = len;
    skel.rodata->set_size = n;
    if (bpf_map__set_value_size(skel.maps.frame_set, len) != 0 ||
        bpf_map__set_max_entries(skel.maps.frame_set, n) != 0)
        return make_error(EINVAL, "cannot size the trafficgen frame set ({} frames of {} bytes)",
                          n, len);
    return {};
}

Result<void> fill_frame_set(const trafficgen_bpf& skel, const TrafficgenJob& job) {
    const int fd = bpf_map__fd(skel.maps.frame_set);
    for (uint32_t i = 0; i < job.frames.size(); ++i)
        if (bpf_map_update_elem(fd, &i, job.frames[i].data(), BPF_ANY) != 0)
            return make_error(errno, "cannot store frame {} of the set: {}", i + 1,
                              std::strerror(errno));
    return {};
}

}  // namespace

Result<SkelPtr<trafficgen_bpf>> load_trafficgen_program(const TrafficgenJob& job) {
    const bool set = job.rewrite == TRAFFICGEN_FRAME_SET;
    if (set && job.frames.empty()) return make_error(EINVAL, "the frame set is empty");
    SkelPtr<trafficgen_bpf> skel(trafficgen_bpf::open());
    if (!skel) return make_error(errno, "cannot open the trafficgen program: {}", std::strerror(errno));
    skel->rodata->rewrite = job.rewrite;
    skel->rodata->l4_offset = job.l4_offset;
    skel->rodata->flows = job.flows;
    skel->rodata->base_port = job.base_port;
    if (set) XDPKIT_TRY(size_frame_set(*skel, job));
    const size_t log_mark = libbpf_log_mark();
    if (trafficgen_bpf::load(skel.get()) != 0) {
        const int e = errno;
        return Error{explain_load_failure("trafficgen", e, log_mark), e};
    }
    if (set) XDPKIT_TRY(fill_frame_set(*skel, job));
    return skel;
}

namespace {

Result<void> check_job(const TrafficgenJob& job) {
    if (job.frames.empty()) return make_error(EINVAL, "nothing to send");
    for (size_t i = 0; i < job.frames.size(); ++i)
        if (job.frames[i].size() < 14 || job.frames[i].size() > kMaxLiveFrame)
            return make_error(EINVAL,
                              "frame {} is {} bytes; live frames must be 14 to {} bytes (one page "
                              "with XDP headroom)",
                              i + 1, job.frames[i].size(), kMaxLiveFrame);
    if (job.rewrite == TRAFFICGEN_FRAME_SET)
        for (size_t i = 1; i < job.frames.size(); ++i)
            if (job.frames[i].size() != job.frames[0].size())
                return make_error(EINVAL, "frame {} of the set is {} bytes, the first {}: a set's "
                                  "frames must all be one length", i + 1, job.frames[i].size(),
                                  job.frames[0].size());
    if (job.batch == 0 || job.batch > kMaxBatch)
        return make_error(EINVAL, "--batch {}: expected 1 to {}", job.batch, kMaxBatch);
    if (job.threads == 0) return make_error(EINVAL, "--threads must be at least 1");
    // Each thread paces its share; a thread with a share of 0 would not be paced at all.
    if (job.rate && job.rate < job.threads)
        return make_error(EINVAL, "--rate {} with --threads {}: every thread needs at least 1 "
                          "frame/s; lower --threads", job.rate, job.threads);
    if (job.flows == 0 || job.base_port + job.flows - 1 > 65535)
        return make_error(EINVAL, "--flows {}: source ports {}..{} do not fit in 16 bits",
                          job.flows, job.base_port, job.base_port + job.flows - 1);
    return {};
}

// One generator thread: pinned to its CPU (the kernel runs the program on the calling CPU),
// blind to SIGINT/SIGTERM (the main thread takes them; a signal inside the kernel's loop
// would end a call at an unknown frame and the count would no longer be exact). How much each
// call sends and when is the CallPlanner's (call_planner.h); stop is checked between calls and
// every kStopCheck while a paced thread waits.
class Sender {
public:
    Sender(const TrafficgenJob& job, int prog_fd, uint64_t quota, uint64_t rate, int cpu,
           const std::atomic<bool>& stop, std::atomic<uint64_t>& sent)
        : job_(job), prog_fd_(prog_fd), quota_(quota), rate_(rate), cpu_(cpu), stop_(stop),
          sent_(sent) {}

    int run(Clock::time_point start) {
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &block, nullptr);
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu_, &set);
        sched_setaffinity(0, sizeof(set), &set);  // best effort: CPU hotplug may refuse

        const auto sched_before = read_sched_stat();
        const auto first = Clock::now();
        CallPlanner plan(quota_, rate_, job_.duration);
        size_t next = 0;  // next capture frame
        // A capture goes out a frame per call, in order (a frame set is sent like a template:
        // the program picks the frame, not user space). One-frame calls cost no dispatcher
        // re-point: the kernel skips it for repeat 1.
        const bool replay = job_.frames.size() > 1 && job_.rewrite != TRAFFICGEN_FRAME_SET;
        int err = 0;
        while (!stop_.load(std::memory_order_relaxed)) {
            const double now = seconds(Clock::now() - start);
            const CallPlanner::Call call = plan.next(now);
            if (call.frames == 0) break;
            if (call.at > now) {
                const double wake = std::min(call.at, now + kStopCheck);
                std::this_thread::sleep_until(start + to_duration(wake));
                continue;
            }
            const uint64_t n = replay ? 1 : call.frames;
            const auto t0 = Clock::now();
            uint32_t ns_per_frame = 0;
            if ((err = send(job_.frames[next], n, ns_per_frame))) break;
            const double took = seconds(Clock::now() - t0);
            const double loop = double(ns_per_frame) * double(n) / 1e9;
            if (replay) next = (next + 1) % job_.frames.size();
            plan.sent(n, loop, took);
            sent_.fetch_add(n, std::memory_order_relaxed);
            time_.calls++;
            time_.frames += n;
            time_.in_calls += took;
            time_.frame_loop += loop;
        }
        time_.threads_seconds = seconds(Clock::now() - first);
        const auto sched_after = read_sched_stat();
        if (sched_before && sched_after)
            time_.waited_for_cpu = sched_after->run_delay - sched_before->run_delay;
        return err;
    }

    const SenderTime& time() const { return time_; }

private:
    // While a paced thread waits for its next frames, it looks at stop this often.
    static constexpr double kStopCheck = 0.05;

    static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
    static Clock::duration to_duration(double s) {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
    }

    // ns_per_frame: the kernel's own timing of its frame loop, per frame.
    int send(const std::vector<uint8_t>& frame, uint64_t n, uint32_t& ns_per_frame) {
        xdp_md ctx{};
        ctx.data_end = static_cast<uint32_t>(frame.size());  // the kernel wants it exact
        ctx.ingress_ifindex = static_cast<uint32_t>(job_.ifindex);
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                    .data_size_in = static_cast<uint32_t>(frame.size()), .ctx_in = &ctx,
                    .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(n),
                    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = job_.batch);
        if (bpf_prog_test_run_opts(prog_fd_, &opts) != 0) return errno;
        ns_per_frame = opts.duration;
        return 0;
    }

    const TrafficgenJob& job_;
    int prog_fd_;
    uint64_t quota_, rate_;
    int cpu_;
    const std::atomic<bool>& stop_;
    std::atomic<uint64_t>& sent_;
    SenderTime time_;
};

// The CPUs this process may run on, in order: thread i goes to the i-th (wrapping).
std::vector<int> usable_cpus() {
    std::vector<int> cpus;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        for (int c = 0; c < CPU_SETSIZE; ++c)
            if (CPU_ISSET(c, &set)) cpus.push_back(c);
    if (cpus.empty()) cpus.push_back(0);
    return cpus;
}

}  // namespace

Result<TrafficgenProgress> run_trafficgen(const TrafficgenJob& job, double interval,
                                          const TrafficgenReport& report,
                                          const std::atomic<bool>& stop) {
    XDPKIT_TRY(check_job(job));
    XDPKIT_TRY(require_redirect_target(job.ifindex, job.ifname));
    auto skel = load_trafficgen_program(job);
    if (!skel) return skel.error();
    const int prog_fd = bpf_program__fd((*skel)->progs.xdpkit_trafficgen);
    // Held for the whole run, so no call waits for the dispatcher's re-point (dispatcher_hold.h).
    // Without it the generator still runs, slower where grace periods are slow, and the
    // report's note says so with the reason.
    auto hold = DispatcherHold::take(prog_fd);

    const auto start = Clock::now();
    const std::vector<int> cpus = usable_cpus();
    std::atomic<uint64_t> sent{0};
    std::atomic<unsigned> running{job.threads};
    std::vector<int> errors(job.threads, 0);
    std::vector<Sender> senders;
    senders.reserve(job.threads);
    for (unsigned i = 0; i < job.threads; ++i) {
        // Split count and rate evenly; the first threads take the remainder.
        const uint64_t quota = job.count ? job.count / job.threads + (i < job.count % job.threads) : 0;
        const uint64_t rate = job.rate ? job.rate / job.threads + (i < job.rate % job.threads) : 0;
        senders.emplace_back(job, prog_fd, quota, rate, cpus[i % cpus.size()], stop, sent);
    }
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < job.threads; ++i)
        threads.emplace_back([&, i] {
            errors[i] = senders[i].run(start);
            running.fetch_sub(1);
        });

    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    auto next_report = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(interval));
    while (running.load() > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (report && interval > 0 && Clock::now() >= next_report) {
            report({sent.load(), elapsed(), {}});
            next_report += std::chrono::duration_cast<Clock::duration>(
                std::chrono::duration<double>(interval));
        }
    }
    for (auto& t : threads) t.join();
    for (int e : errors)
        if (e)
            return make_error(e, "sending on {} failed: {}", job.ifname,
                              e == EINVAL ? "the kernel refused the live-frame run (a kernel older "
                                            "than 5.18 has no live frames)"
                                          : std::strerror(e));
    TrafficgenProgress done{sent.load(), elapsed(), {}};
    for (const Sender& s : senders) done.time.add(s.time());
    done.time.dispatcher_held = hold.ok();
    if (!hold) done.time.hold_error = hold.error().message;
    return done;
}

}  // namespace xdpkit
