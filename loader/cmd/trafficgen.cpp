// xdpkit trafficgen: live-frame traffic out of an interface (docs/trafficgen.md).
#include <csignal>

#include <fmt/format.h>

#include "command.h"
#include "core/interface.h"
#include "core/output.h"
#include "core/traffic_plan.h"
#include "core/units.h"

namespace xdpkit {
namespace {

struct TrafficgenArgs {
    std::string ifname, proto = "udp", pcap;
    TrafficRequest req;
    uint64_t count = 0, rate = 0;
    double duration = 0, interval = 1;
    unsigned threads = 1;
    uint32_t batch = 64;
};

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

// The rates since the previous report.
struct RateReporter {
    const std::string& ifname;
    double frame_bytes;
    bool json;
    TrafficgenProgress last{};

    void operator()(const TrafficgenProgress& now) {
        const double dt = now.elapsed - last.elapsed;
        if (dt <= 0) return;
        const double pps = double(now.sent - last.sent) / dt;
        const double bps = pps * frame_bytes * 8;
        if (json)
            print_json({{"interface", ifname}, {"elapsed", now.elapsed}, {"sent", now.sent},
                        {"pps", pps}, {"bps", bps}});
        else
            fmt::print("{}: {:>12}  {:>14}  sent {}\n", ifname, format_pps(pps), format_bps(bps),
                       now.sent);
        std::fflush(stdout);
        last = now;
    }
};

Result<TrafficgenJob> plan_template(const Interface& iface, const TrafficgenArgs& a) {
    TrafficRequest req = a.req;
    if (a.proto == "esp")
        req.proto = FrameProto::Esp;
    else if (a.proto != "udp")
        return make_error(EINVAL, "--proto {}: expected udp or esp", a.proto);
    return plan_traffic(iface, req);
}

// Bits per second count the bytes of the frames actually sent: a capture's average.
double mean_frame_bytes(const TrafficgenJob& job) {
    double sum = 0;
    for (const auto& f : job.frames) sum += double(f.size());
    return sum / double(job.frames.size());
}

Result<void> run(const TrafficgenArgs& a, const GlobalOptions& g) {
    auto iface = find_interface(a.ifname);
    if (!iface) return iface.error();
    auto job = a.pcap.empty() ? plan_template(*iface, a) : plan_replay(*iface, a.pcap);
    if (!job) return job.error();
    job->count = a.count;
    job->duration = a.duration;
    job->rate = a.rate;
    job->threads = a.threads;
    job->batch = a.batch;
    if (!a.count && a.duration <= 0 && !g.json)
        fmt::print("{}: sending until Ctrl-C\n", a.ifname);

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const double frame_bytes = mean_frame_bytes(*job);
    RateReporter reporter{a.ifname, frame_bytes, g.json};
    auto done = run_trafficgen(*job, a.interval, std::ref(reporter), g_stop);
    if (!done) return done.error();
    const double pps = done->elapsed > 0 ? double(done->sent) / done->elapsed : 0;
    if (g.json)
        print_json({{"interface", a.ifname}, {"total", true}, {"elapsed", done->elapsed},
                    {"sent", done->sent}, {"pps", pps},
                    {"bps", pps * frame_bytes * 8}});
    else
        fmt::print("{}: sent {} frames of {} bytes in {:.3f} s ({})\n", a.ifname, done->sent,
                   frame_bytes, done->elapsed, format_pps(pps));
    return {};
}

}  // namespace

void register_trafficgen(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<TrafficgenArgs>();
    CLI::App* cmd = t.add(app, "trafficgen",
                          "Send UDP or ESP frames out of an interface with BPF_PROG_RUN live frames",
                          [a](const GlobalOptions& g) { return run(*a, g); });
    cmd->add_option("iface", a->ifname, "Interface the frames leave through")->required();
    CLI::Option* pcap =
        cmd->add_option("--pcap", a->pcap, "Replay this capture's frames as they are, in a loop");
    // What builds the template frame means nothing for a replayed capture.
    const std::vector<CLI::Option*> template_opts{
        cmd->add_option("--dst", a->req.dst, "Destination IPv4 or IPv6 address"),
        cmd->add_option("--src", a->req.src, "Source address (default: the interface's)"),
        cmd->add_option("--dst-mac", a->req.dst_mac, "Destination MAC (default: the neighbour entry)"),
        cmd->add_option("--proto", a->proto, "udp or esp")->default_str("udp"),
        cmd->add_option("--spi", a->req.spi, "ESP security parameter index")->default_str("256"),
        cmd->add_option("--port", a->req.dst_port, "UDP destination port")->default_str("9"),
        cmd->add_option("--size", a->req.size, "Frame size in bytes, Ethernet header included, no FCS")
            ->default_str("64"),
        cmd->add_option("--flows", a->req.flows, "UDP flows (source ports 1024..1024+N-1)")
            ->default_str("1")
            ->check(CLI::Range(1u, 64512u)),
    };
    for (CLI::Option* o : template_opts) o->excludes(pcap);
    cmd->add_option("--count", a->count, "Frames to send in all (default: no limit)");
    cmd->add_option("--duration", a->duration, "Seconds to send for (default: no limit)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--rate", a->rate, "Frames per second, best effort (default: as fast as it goes)");
    cmd->add_option("--threads", a->threads, "Sending threads, one per CPU")
        ->default_str("1")
        ->check(CLI::Range(1u, 256u));
    cmd->add_option("--batch", a->batch, "Frames per kernel batch (1-256)")
        ->default_str("64")
        ->check(CLI::Range(1u, 256u));
    cmd->add_option("--interval", a->interval, "Seconds between rate lines")
        ->default_str("1")
        ->check(CLI::PositiveNumber);
}

}  // namespace xdpkit
