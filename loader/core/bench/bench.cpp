#include "core/bench/bench.h"

#include <unistd.h>

#include <atomic>
#include <thread>

#include "core/bench/bench_afxdp.h"
#include "core/bench/bench_lab.h"
#include "core/bench/bench_stages.h"
#include "core/kernel/bpffs.h"
#include "core/ipsec/esp_encap.h"
#include "core/kernel/netns.h"
#include "core/kernel/rtnl.h"
#include "core/base/ticker.h"
#include "core/traffic/traffic_plan.h"

namespace xdpkit {
namespace {

double monotonic_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

Result<MacAddress> dut_mac(const std::string& dut_ns) {
    auto inside = NetnsGuard::enter(dut_ns);
    if (!inside) return inside.error();
    auto iface = find_interface(BenchLab::kDutIf);
    if (!iface) return iface.error();
    return link_mac(iface->ifindex);
}

// The generator, on a thread of its own that lives in the gen namespace: its sending threads
// inherit the namespace, and BPF_PROG_RUN resolves ingress_ifindex where the caller is.
class Generator {
public:
    // esp: the SA whose ESP to send (bench ipsec), else UDP.
    Generator(std::string gen_ns, const BenchOptions& opts, MacAddress dst_mac,
              std::optional<SecurityAssociation> esp)
        : thread_([this, gen_ns, opts, dst_mac, esp] { result_ = run(gen_ns, opts, dst_mac, esp); }) {}
    ~Generator() { (void)join(); }

    void stop() { stop_.store(true); }
    bool running() const { return !done_.load(); }
    uint64_t sent() const { return sent_.load(); }
    // Where the sending threads' time went; complete after join().
    const SenderTime& time() const { return time_; }
    // The generator's error, after it ended.
    Result<void> join() {
        stop();
        if (thread_.joinable()) thread_.join();
        return result_;
    }

private:
    Result<void> run(const std::string& gen_ns, const BenchOptions& opts, MacAddress dst_mac,
                     const std::optional<SecurityAssociation>& esp) {
        auto r = [&]() -> Result<void> {
            auto inside = NetnsGuard::enter(gen_ns);
            if (!inside) return inside.error();
            auto iface = find_interface(BenchLab::kGenIf);
            if (!iface) return iface.error();
            auto job = esp ? esp_job(*iface, opts, dst_mac, *esp) : udp_job(*iface, opts, dst_mac);
            if (!job) return job.error();
            // A cap only: the sampling loop stops it after its last second, so the last
            // interval is never cut short by the generator ending first.
            job->duration = opts.duration + 1;
            job->threads = opts.threads;
            job->rate = opts.rate;
            auto done = run_trafficgen(*job, 0.1, [this](const TrafficgenProgress& p) {
                sent_.store(p.sent);
            }, stop_);
            if (!done) return done.error();
            sent_.store(done->sent);
            time_ = done->time;
            return {};
        }();
        done_.store(true);
        return r;
    }

    static Result<TrafficgenJob> udp_job(const Interface& iface, const BenchOptions& opts,
                                         MacAddress dst_mac) {
        TrafficRequest req;
        req.dst = BenchLab::kDutIp4;
        req.src = BenchLab::kGenIp4;
        req.dst_mac = to_string(dst_mac);
        req.size = opts.size;
        return plan_traffic(iface, req);
    }
    // A set of frames encrypted once under the SA's keys (the default set size: its sequence
    // numbers repeat, which the bench SA's disabled window allows).
    static Result<TrafficgenJob> esp_job(const Interface& iface, const BenchOptions& opts,
                                         MacAddress dst_mac, const SecurityAssociation& sa) {
        EspTrafficRequest req;
        req.sa = sa;
        req.dst_mac = to_string(dst_mac);
        req.payload = opts.ipsec.payload;
        return plan_esp_traffic(iface, req);
    }

    std::atomic<bool> stop_{false}, done_{false};
    std::atomic<uint64_t> sent_{0};
    SenderTime time_;
    Result<void> result_;
    std::thread thread_;  // last: starts once the members above exist
};

struct Reading {
    double at = 0;
    uint64_t sent = 0, received = 0, arrived = 0;
};

// How long the lab gets, after the generator stopped, to finish with the frames in flight
// (veth rings, a cpumap's queue) before the totals are read.
constexpr useconds_t kDrainMicros = 200 * 1000;

}  // namespace

Result<BenchReport> run_bench(const BenchScenario& scenario, const BenchOptions& opts,
                              const FamilyLookup& lookup) {
    if (::geteuid() != 0)
        return make_error(EPERM, "bench needs root: it creates network namespaces and loads XDP "
                                 "programs; run it as root");
    if (opts.duration < 2)
        return make_error(EINVAL, "--duration {}: at least 2 seconds (the first is warm-up)",
                          opts.duration);
    XDPKIT_TRY(ensure_bpffs());
    // Blocks SIGINT/SIGTERM from here on, in every thread made after it: a Ctrl-C during setup
    // or traffic ends the next wait, and the lab below is always torn down.
    Ticker ticker(1.0);
    auto lab = BenchLab::create("xkb" + std::to_string(::getpid()),
                                {scenario.dut_has_address(), scenario.needs_sink()});
    if (!lab) return lab.error();

    auto arrivals = set_up_arrival(scenario, **lab, lookup);
    if (!arrivals) return arrivals.error();
    auto dut = set_up_dut(scenario, **lab, lookup, opts.ipsec);
    if (!dut) return dut.error();
    if (dut->xsk) *arrivals = dut->xsk->received_by_loops();
    if (dut->accel) *arrivals = dut->accel->decrypted();
    auto mac = dut_mac((*lab)->dut_ns());
    if (!mac) return mac.error();

    // Where the frames arrive first, then the DUT: every frame counted at the far end was
    // counted by the DUT before, so no reading shows more arrived than received.
    auto read = [&](uint64_t sent) -> Result<Reading> {
        Reading r{monotonic_seconds(), sent, 0, 0};
        if (*arrivals) {
            auto arrived = (*arrivals)->read();
            if (!arrived) return arrived.error();
            r.arrived = *arrived;
        }
        auto rx = dut->verdicts.read();
        if (!rx) return rx.error();
        r.received = *rx;
        return r;
    };
    // Counters that start above zero (the stack's, the namespace's own) count from here.
    auto start = read(0);
    if (!start) return start.error();

    std::optional<SecurityAssociation> esp;
    size_t esp_frame_bytes = 0;  // bench ipsec: what the payload and the SA make of a frame
    if (dut->accel) {
        auto sa = bench_ipsec_sa(opts.ipsec.alg);
        if (!sa) return sa.error();
        esp = *sa;
        esp_frame_bytes = esp_tunnel_frame_size(*sa, 20 + 8 + opts.ipsec.payload);
    }
    BenchReport report;
    report.scenario = scenario.name;
    report.size = opts.size;
    if (esp_frame_bytes) report.size = esp_frame_bytes;
    report.threads = opts.threads;
    std::vector<double> received, arrived;
    Reading first{}, prev{};
    std::vector<CpuTicks> cpu_first;
    ticker.restart();
    Generator gen((*lab)->gen_ns(), opts, *mac, esp);
    for (unsigned second = 1; second <= opts.duration; ++second) {
        if (!ticker.wait()) {
            report.interrupted = true;
            break;
        }
        auto now = read(gen.sent());
        if (!now) return now.error();
        if (second == 1) {  // the end of warm-up: the measured window starts here
            auto cpu = read_proc_stat();
            if (!cpu) return cpu.error();
            cpu_first = std::move(*cpu);
            first = *now;
        } else {
            const double dt = now->at - prev.at;
            received.push_back(double(now->received - prev.received) / dt);
            arrived.push_back(double(now->arrived - prev.arrived) / dt);
        }
        prev = *now;
        if (!gen.running()) break;
    }
    gen.stop();
    if (!cpu_first.empty()) {
        auto cpu = read_proc_stat();
        if (!cpu) return cpu.error();
        report.cpu_busy_percent = cpu_busy_percent(cpu_first, *cpu);
    }
    XDPKIT_TRY(gen.join());
    report.generator = gen.time();
    // A paced generator waits on purpose: only a run at full speed can be slowed by its host.
    if (!opts.rate) report.note = slow_host_note(report.generator);
    if (received.empty())
        return make_error(EINTR, "bench {}: stopped before the first measured second; nothing "
                                 "to report (the lab is removed)",
                          scenario.name);
    report.measured_seconds = prev.at - first.at;
    report.sent_pps = double(prev.sent - first.sent) / report.measured_seconds;
    report.received_pps = spread_of(received);
    if (*arrivals) {
        report.arrived_at = bench_arrival_point(scenario.arrival);
        report.arrived_pps = spread_of(arrived);
    }
    ::usleep(kDrainMicros);
    auto last = read(gen.sent());
    if (!last) return last.error();
    report.frames.sent = last->sent;
    report.frames.received = last->received - start->received;
    if (*arrivals) report.frames.arrived = last->arrived - start->arrived;
    if (dut->xsk) report.frames.xsk = dut->xsk->frames();
    if (dut->accel) {
        report.frames.xsk = dut->accel->frames();
        report.payload = opts.ipsec.payload;
    }
    return report;
}

}  // namespace xdpkit
