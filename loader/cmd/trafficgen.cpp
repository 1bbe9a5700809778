// xdpkit trafficgen: live-frame traffic out of an interface (docs/trafficgen.md).
#include <csignal>
#include <optional>

#include <fmt/format.h>

#include "command.h"
#include "validators.h"
#include "core/ipsec/esp_frame_set.h"
#include "core/kernel/interface.h"
#include "core/ipsec/ipsec_sa.h"
#include "core/base/output.h"
#include "core/traffic/traffic_plan.h"
#include "core/base/units.h"

namespace xdpkit {
namespace {

struct TrafficgenArgs {
    std::string ifname, proto = "udp", pcap, sa_file;
    TrafficRequest req;
    size_t payload = 64;
    uint32_t seq_start = 1;
    CLI::Option *proto_opt = nullptr, *spi_opt = nullptr;  // to tell given from default
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

// --sa-file: the SA (checked before any interface is looked at) and the set's parameters.
Result<EspTrafficRequest> esp_request(const TrafficgenArgs& a) {
    if (a.proto_opt->count() && a.proto != "esp")
        return make_error(EINVAL, "--sa-file sends ESP; --proto {} contradicts it", a.proto);
    auto sas = read_sa_file(a.sa_file);
    if (!sas) return sas.error();
    auto sa = pick_sa(*sas, a.spi_opt->count() ? std::optional(a.req.spi) : std::nullopt,
                      a.sa_file);
    if (!sa) return sa.error();
    if (sa->cipher == IPSEC_CIPHER_NULL || sa->key.empty() ||
        (sa->auth != IPSEC_AUTH_NONE && sa->auth_key.empty()))
        return make_error(EINVAL, "{}: SPI {:#x} has no keys; trafficgen encrypts with them "
                          "(give the SA a key, and an auth key unless it is GCM)",
                          a.sa_file, sa->spi);
    EspTrafficRequest req;
    req.sa = std::move(*sa);
    req.dst_mac = a.req.dst_mac;
    req.dst_port = a.req.dst_port;
    req.payload = a.payload;
    req.count = a.count;
    req.seq_start = a.seq_start;
    return req;
}

// Past the set the sequence numbers start again; a receiver with anti-replay on drops those.
void note_repeats(const TrafficgenJob& job, const EspTrafficRequest& req, bool json) {
    const uint64_t n = job.frames.size();
    if (req.count && req.count <= n) return;
    const uint32_t cap = esp_set_frames(UINT64_MAX, job.frames.front().size());
    fmt::print(json ? stderr : stdout,
               "note: SPI {:#x}: {} frames pre-encrypted (sequence numbers {}..{}); frames after "
               "them repeat those numbers, which a receiver's anti-replay window drops: use "
               "--replay-window 0 on the receiving SA, or --count {} or less\n",
               req.sa.spi, n, req.seq_start, req.seq_start + n - 1, cap);
}

// Bits per second count the bytes of the frames actually sent: a capture's average.
double mean_frame_bytes(const TrafficgenJob& job) {
    double sum = 0;
    for (const auto& f : job.frames) sum += double(f.size());
    return sum / double(job.frames.size());
}

Result<void> run(const TrafficgenArgs& a, const GlobalOptions& g) {
    std::optional<EspTrafficRequest> esp;
    if (!a.sa_file.empty()) {
        auto r = esp_request(a);
        if (!r) return r.error();
        esp = std::move(*r);
    }
    auto iface = find_interface(a.ifname);
    if (!iface) return iface.error();
    auto job = esp               ? plan_esp_traffic(*iface, *esp)
               : a.pcap.empty() ? plan_template(*iface, a)
                                : plan_replay(*iface, a.pcap);
    if (!job) return job.error();
    if (esp) note_repeats(*job, *esp, g.json);
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
    // A paced run waits on purpose: only a run at full speed can be slowed by its host.
    const auto note = a.rate ? std::nullopt : slow_host_note(done->time);
    if (g.json)
        print_json({{"interface", a.ifname}, {"total", true}, {"elapsed", done->elapsed},
                    {"sent", done->sent}, {"pps", pps},
                    {"bps", pps * frame_bytes * 8}, {"sender_time", to_json(done->time)},
                    {"note", note ? Json(*note) : Json(nullptr)}});
    else
        fmt::print("{}: sent {} frames of {} bytes in {:.3f} s ({})\n", a.ifname, done->sent,
                   frame_bytes, done->elapsed, format_pps(pps));
    if (note && !g.json) fmt::print("note: {}\n", *note);
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
    CLI::Option* sa_file = cmd->add_option(
        "--sa-file", a->sa_file,
        "Send real ESP encrypted with an SA of this file (as 'ipsec sa add --sa-file' reads)");
    sa_file->excludes(pcap);
    // What builds the template frame means nothing for a replayed capture; what only shapes
    // the template (address, size, flows) means nothing for an SA's frames either.
    CLI::Option* dst = cmd->add_option("--dst", a->req.dst, "Destination IPv4 or IPv6 address");
    CLI::Option* src = cmd->add_option("--src", a->req.src, "Source address (default: the interface's)");
    CLI::Option* size =
        cmd->add_option("--size", a->req.size, "Frame size in bytes, Ethernet header included, no FCS")
            ->default_str("64");
    CLI::Option* flows = cmd->add_option("--flows", a->req.flows, "UDP flows (source ports 1024..1024+N-1)")
                             ->default_str("1")
                             ->check(CLI::Range(1u, 64512u));
    a->proto_opt = cmd->add_option("--proto", a->proto, "udp or esp")->default_str("udp");
    a->spi_opt = cmd->add_option("--spi", a->req.spi,
                                 "ESP security parameter index (with --sa-file: which SA)")
                     ->default_str("256");
    const std::vector<CLI::Option*> template_opts{
        dst, src, size, flows, a->proto_opt, a->spi_opt,
        cmd->add_option("--dst-mac", a->req.dst_mac, "Destination MAC (default: the neighbour entry)"),
        cmd->add_option("--port", a->req.dst_port, "UDP destination port (with --sa-file: the inner one)")
            ->default_str("9"),
    };
    for (CLI::Option* o : template_opts) o->excludes(pcap);
    for (CLI::Option* o : {dst, src, size, flows}) o->excludes(sa_file);
    cmd->add_option("--payload", a->payload,
                    "With --sa-file: inner UDP payload bytes; the ESP frame's size follows")
        ->default_str("64")
        ->needs(sa_file);
    cmd->add_option("--seq-start", a->seq_start, "With --sa-file: the first ESP sequence number")
        ->default_str("1")
        ->needs(sa_file);
    // 0 once meant "no limit" for each of these; leaving the option out says that.
    cmd->add_option("--count", a->count, "Frames to send in all, at least 1 (default: no limit)")
        ->check(not_zero("0 frames is no run: give at least 1, or leave --count out for no "
                         "limit", "N"));
    cmd->add_option("--duration", a->duration,
                    "Seconds to send for, more than 0 (default: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->check(not_zero("0 seconds is no run: give more, or leave --duration out for no "
                         "limit", "SECONDS"));
    cmd->add_option("--rate", a->rate,
                    "Frames per second over all threads, at least one per thread (default: as "
                    "fast as it goes)")
        ->check(not_zero("a rate of 0 sends nothing: give at least 1 frame/s, or leave --rate "
                         "out for as fast as it goes", "PPS"));
    cmd->add_option("--threads", a->threads, "Sending threads, one per CPU")
        ->default_str("1")
        ->check(CLI::Range(1u, 256u));
    cmd->add_option("--batch", a->batch, "Frames per kernel batch (1-256)")
        ->default_str("64")
        ->check(CLI::Range(1u, 256u));
    cmd->add_option("--interval", a->interval, "Seconds between rate lines")
        ->default_str("1")
        ->check(CLI::PositiveNumber);
    // A usage error (exit 2): each thread paces its share of the rate, and a share of 0 would
    // not be paced at all.
    cmd->parse_complete_callback([a] {
        if (a->rate && a->rate < a->threads)
            throw CLI::ValidationError(
                "--rate", fmt::format("{} with --threads {}: every thread needs at least 1 "
                                      "frame/s; lower --threads", a->rate, a->threads));
    });
}

}  // namespace xdpkit
