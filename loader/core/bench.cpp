#include "bench.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include <xdpkit/common.h>

#include "bench_lab.h"
#include "bpffs.h"
#include "chain.h"
#include "counters.h"
#include "netns.h"
#include "rtnl.h"
#include "ticker.h"
#include "traffic_plan.h"

namespace xdpkit {
namespace {

double monotonic_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// Attaches one of the scenario's programs in native mode to ifname inside ns, and opens its
// pinned verdict counters (the fd works from any namespace afterwards).
Result<Fd> attach_counting(const BenchAttach& what, const std::string& ns,
                           const std::string& ifname, const FamilyLookup& lookup) {
    auto inside = NetnsGuard::enter(ns);
    if (!inside) return inside.error();
    const Family* family = lookup(what.family);
    if (!family) return make_error(EINVAL, "bench: no program family '{}'", what.family);
    auto params = parse_param_args(*family, what.params);
    if (!params) return params.error();
    auto r = attach_program({family, ifname, XdpMode::Native, false, false, *params});
    if (!r) return r.error();
    const std::string path =
        r->pin_dir + "/" + what.family + "/" + XDPKIT_ACTION_COUNTERS_MAP;
    const int fd = bpf_obj_get(path.c_str());
    if (fd < 0) return make_error(errno, "cannot open {}: {}", path, std::strerror(errno));
    return Fd(fd);
}

// Every frame the program saw, whatever its verdict.
Result<uint64_t> frames_seen(int counters_fd) {
    auto recs = read_datarecs(counters_fd);
    if (!recs) return recs.error();
    uint64_t n = 0;
    for (const auto& r : *recs) n += r.packets;
    return n;
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
    Generator(std::string gen_ns, const BenchOptions& opts, MacAddress dst_mac)
        : thread_([this, gen_ns, opts, dst_mac] { result_ = run(gen_ns, opts, dst_mac); }) {}
    ~Generator() { (void)join(); }

    void stop() { stop_.store(true); }
    bool running() const { return !done_.load(); }
    uint64_t sent() const { return sent_.load(); }
    // The generator's error, after it ended.
    Result<void> join() {
        stop();
        if (thread_.joinable()) thread_.join();
        return result_;
    }

private:
    Result<void> run(const std::string& gen_ns, const BenchOptions& opts, MacAddress dst_mac) {
        auto r = [&]() -> Result<void> {
            auto inside = NetnsGuard::enter(gen_ns);
            if (!inside) return inside.error();
            auto iface = find_interface(BenchLab::kGenIf);
            if (!iface) return iface.error();
            TrafficRequest req;
            req.dst = BenchLab::kDutIp4;
            req.src = BenchLab::kGenIp4;
            req.dst_mac = to_string(dst_mac);
            req.size = opts.size;
            auto job = plan_traffic(*iface, req);
            if (!job) return job.error();
            // A cap only: the sampling loop stops it after its last second, so the last
            // interval is never cut short by the generator ending first.
            job->duration = opts.duration + 1;
            job->threads = opts.threads;
            auto done = run_trafficgen(*job, 0.1, [this](const TrafficgenProgress& p) {
                sent_.store(p.sent);
            }, stop_);
            if (!done) return done.error();
            sent_.store(done->sent);
            return {};
        }();
        done_.store(true);
        return r;
    }

    std::atomic<bool> stop_{false}, done_{false};
    std::atomic<uint64_t> sent_{0};
    Result<void> result_;
    std::thread thread_;  // last: starts once the members above exist
};

struct Reading {
    double at = 0;
    uint64_t sent = 0, received = 0, returned = 0;
};

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
    auto lab = BenchLab::create("xkb" + std::to_string(::getpid()), scenario.dut_has_address);
    if (!lab) return lab.error();

    auto dut_counters = attach_counting(scenario.dut, (*lab)->dut_ns(), BenchLab::kDutIf, lookup);
    if (!dut_counters) return dut_counters.error();
    Fd gen_counters;
    if (scenario.gen) {
        auto fd = attach_counting(*scenario.gen, (*lab)->gen_ns(), BenchLab::kGenIf, lookup);
        if (!fd) return fd.error();
        gen_counters = std::move(*fd);
    }
    auto mac = dut_mac((*lab)->dut_ns());
    if (!mac) return mac.error();

    auto read = [&](const Generator& gen) -> Result<Reading> {
        Reading r{monotonic_seconds(), gen.sent(), 0, 0};
        auto rx = frames_seen(dut_counters->get());
        if (!rx) return rx.error();
        r.received = *rx;
        if (gen_counters.valid()) {
            auto back = frames_seen(gen_counters.get());
            if (!back) return back.error();
            r.returned = *back;
        }
        return r;
    };

    BenchReport report;
    report.scenario = scenario.name;
    report.size = opts.size;
    report.threads = opts.threads;
    std::vector<double> received, returned;
    Reading first{}, prev{};
    std::vector<CpuTicks> cpu_first;
    ticker.restart();
    Generator gen((*lab)->gen_ns(), opts, *mac);
    for (unsigned second = 1; second <= opts.duration; ++second) {
        if (!ticker.wait()) {
            report.interrupted = true;
            break;
        }
        auto now = read(gen);
        if (!now) return now.error();
        if (second == 1) {  // the end of warm-up: the measured window starts here
            auto cpu = read_proc_stat();
            if (!cpu) return cpu.error();
            cpu_first = std::move(*cpu);
            first = *now;
        } else {
            const double dt = now->at - prev.at;
            received.push_back(double(now->received - prev.received) / dt);
            returned.push_back(double(now->returned - prev.returned) / dt);
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
    if (received.empty())
        return make_error(EINTR, "bench {}: stopped before the first measured second; nothing "
                                 "to report (the lab is removed)",
                          scenario.name);
    report.measured_seconds = prev.at - first.at;
    report.sent_pps = double(prev.sent - first.sent) / report.measured_seconds;
    report.received_pps = spread_of(received);
    if (scenario.gen) report.returned_pps = spread_of(returned);
    return report;
}

}  // namespace xdpkit
