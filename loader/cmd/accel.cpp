// xdpkit accel: the crypto accelerator path. Offline mode (--pcap) runs a capture through the
// user-space crypto engine; live mode (IFACE) runs the engine on an AF_XDP socket that the
// ipsec program feeds (docs/accel.md).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "command.h"
#include "foreground.h"
#include "core/ipsec/accel_kfunc.h"
#include "core/ipsec/accel_live.h"
#include "core/ipsec/accel_offline.h"
#include "core/ipsec/accel_report.h"
#include "core/kernel/bpf_privileges.h"
#include "core/ipsec/crypto_backend.h"
#include "core/base/ticker.h"
#include "core/base/units.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

struct AccelArgs {
    std::string iface, backend, sa_file, pcap, out;
    uint32_t repeat = 1;
    bool warm = false;
    // Live mode.
    AccelRequest live;
    std::vector<std::string> params;  // --param K=V for the program step
    int64_t rx_cpu = -1, crypto_cpu = -1;
    double interval = 1;
    uint64_t count = 0;   // intervals; 0: until SIGINT/SIGTERM
    double duration = 0;  // seconds; 0: no limit
};

Result<void> run_live(AccelArgs a, const GlobalOptions& g) {
    AccelRequest& req = a.live;
    req.ifname = a.iface;
    req.backend = a.backend;
    req.sa_file = a.sa_file;
    if (a.rx_cpu >= 0) req.rx_cpu = static_cast<int>(a.rx_cpu);
    if (a.crypto_cpu >= 0) req.crypto_cpu = static_cast<int>(a.crypto_cpu);
    auto plan = plan_accel(req);
    if (!plan) return plan.error();
    const Family* post = nullptr;
    if (!plan->after.program.empty()) {
        auto f = find_family(plan->after.program);
        if (!f) return make_error(f.error().err, "--after program: {}", f.error().message);
        post = *f;
        auto params = parse_param_args(*post, a.params);
        if (!params) return params.error();
        plan->program_params = *params;
    } else if (!a.params.empty()) {
        return make_error(EINVAL, "--param: only with --after program:NAME");
    }
    const uint64_t limit = report_limit(a.count, a.duration, a.interval);

    // Before the engine's threads exist, so they inherit SIGINT/SIGTERM blocked and the
    // signal always comes to this thread's wait.
    Ticker ticker(a.interval);
    auto session = AccelSession::start(ipsec_family(), post, *plan);
    if (!session) return session.error();
    AccelSession& s = **session;
    emit_event(g, accel_started_json(s), format_accel_started(s));

    ticker.restart();
    AccelSample prev = s.sample();
    for (uint64_t n = 0; (limit == 0 || n < limit) && ticker.wait(); ++n) {
        const AccelSample now = s.sample();
        emit_event(g, accel_interval_json(prev, now), format_accel_interval(prev, now));
        prev = now;
    }
    auto notes = s.stop();
    if (!notes) return notes.error();
    const AccelSample last = s.sample();  // after the threads ended: their final counts
    emit_event(g, accel_stopped_json(last, *notes, s.audit_ok()),
         format_accel_stopped(last, *notes, s.audit_ok()));
    return {};  // SIGINT and SIGTERM are the normal way to stop: exit 0
}

void print_text(const AccelOfflineReport& r) {
    fmt::print("backend {} ({}), {} SA(s) from {}\n\n", r.backend, r.backend_detail, r.sas,
               r.sa_file);
    fmt::print("{:>7}  {:>7}  {:>7}  {:<12}  {:>10}  {:>10}  {}\n", "packet", "len in", "len out",
               "result", "spi", "seq", "mode");
    for (const auto& p : r.packets) {
        const bool ok = p.result == EspResult::ok;
        std::string line = fmt::format(
            "{:>7}  {:>7}  {:>7}  {:<12}  {:>10}  {:>10}  {}", p.index, p.len_in,
            ok ? fmt::format("{}", p.len_out) : "-", esp_result_name(p.result),
            p.spi ? fmt::format("0x{:x}", p.spi) : "-", p.seq ? fmt::format("{}", p.seq) : "-",
            ok ? (p.tunnel ? "tunnel" : "transport") : "");
        while (line.back() == ' ') line.pop_back();
        fmt::print("{}\n", line);
    }
    fmt::print("\n{:<14} {:>12}\n", "result", "packets");
    for (size_t i = 0; i < kEspResults; i++)
        if (r.counters.results[i])
            fmt::print("  {:<12} {:>12}\n", esp_result_name(static_cast<EspResult>(i)),
                       r.counters.results[i]);
    fmt::print("  {:<12} {:>12}  ({} bytes in, {} bytes of inner packets out)\n", "total",
               r.counters.packets, r.counters.bytes_in, r.counters.inner_bytes);
    fmt::print("\nengine: {} pass(es) of {} packets (replay windows reset before each pass, "
               "frames {}), {:.6f} s {}: {}, {} of inner packets ({:.6f} s of the {} thread's "
               "CPU time: {})\n",
               r.repeat, r.packets.size(), r.warm ? "left in cache" : "evicted from cache",
               r.seconds, r.pattern == 2 ? "on two threads (pattern 2)" : "on one core",
               format_pps(r.pps()), format_bps(r.inner_bps()), r.cpu_seconds,
               r.pattern == 2 ? "feeding" : "engine", format_pps(r.cpu_pps()));
    if (!r.out.empty())
        fmt::print("wrote {} inner packet(s) to {}\n",
                   r.counters.results[static_cast<size_t>(EspResult::ok)], r.out);
}

Result<void> handle_accel(const AccelArgs& a, const GlobalOptions& g) {
    if (!a.iface.empty() && !a.pcap.empty())
        return make_error(EINVAL, "accel: give either IFACE (live) or --pcap (offline), not both");
    if (!a.iface.empty() && a.backend == "kfunc")
        return make_error(EINVAL, "accel {} --backend kfunc: the kfunc path decrypts inside XDP, "
                                  "with no engine to run: 'xdpkit ipsec sa add --action inline ...' "
                                  "and 'xdpkit attach ipsec {}'", a.iface, a.iface);
    if (!a.iface.empty()) {
        if (const std::string refusal = refusal_without_privileges("accel (live)");
            !refusal.empty())
            return make_error(EPERM, "{}", refusal);
        return run_live(a, g);
    }
    if (a.pcap.empty())
        return make_error(EINVAL, "accel: give IFACE (live: decrypt what the ipsec program "
                                  "steers to an AF_XDP socket) or --pcap FILE (offline)");
    if (a.sa_file.empty())
        return make_error(EINVAL, "accel --pcap needs --sa-file FILE with the SAs' keys");
    if (a.backend == "kfunc") {  // the kernel's inline path, not a user-space backend
        if (a.warm) return make_error(EINVAL, "--warm is for the user-space backends, not kfunc");
        if (a.live.pattern != 1)
            return make_error(EINVAL, "--pattern is for the user-space backends, not kfunc");
        return print_result(run_accel_kfunc({&ipsec_family(), a.sa_file, a.pcap, a.out, a.repeat}),
                            g, accel_kfunc_text);
    }
    auto r = run_accel_offline(
        {a.backend, a.sa_file, a.pcap, a.out, a.repeat, a.warm, a.live.pattern});
    return print_result(r, g, +[](const AccelOfflineReport& rep) {
        print_text(rep);
        return std::string();
    });
}

}  // namespace

void register_accel(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<AccelArgs>();
    CLI::App* cmd = t.add(app, "accel",
                          "Decrypt ESP with the crypto engine: live on an interface, or offline on "
                          "a capture",
                          [a](const GlobalOptions& g) { return handle_accel(*a, g); },
                          // Offline it may need no privilege at all; live asks in handle_accel.
                          Needs::Nothing);
    cmd->add_option("iface", a->iface,
                    "Live: decrypt the ESP the ipsec program on this interface steers to the "
                    "engine's AF_XDP socket");
    cmd->add_option("--backend", a->backend, "Crypto backend")
        ->required()
        ->check(CLI::IsMember([] {
            auto names = crypto_backend_names();
            names.push_back("kfunc");  // offline only: the ipsec program's inline action
            return names;
        }()));
    cmd->add_option("--sa-file", a->sa_file,
                    "SAs with their keys (as for 'xdpkit ipsec sa add'); live: added to the SA "
                    "database with action xsk:QUEUE for the run (default: the database's xsk:QUEUE "
                    "SAs)");
    cmd->add_option("--pcap", a->pcap, "Offline: run this capture (pcap or pcapng, Ethernet)");
    cmd->add_option("--out", a->out, "Offline: write the inner packets of the ok results here");
    cmd->add_option("--repeat", a->repeat,
                    "Offline: passes of the capture, timed (replay windows reset between passes)")
        ->check(CLI::Range(1u, 100000000u))
        ->capture_default_str();
    cmd->add_flag("--warm", a->warm,
                  "Offline: leave the frames in the CPU caches between passes (default: evicted)");
    cmd->add_option("--queue", a->live.queue, "Live: the RX queue the socket binds (default 0)");
    cmd->add_option("--pattern", a->live.pattern,
                    "1 = one thread prepares, decrypts and completes; 2 = it hands batches to a "
                    "crypto thread through a lock-free ring (default 1; live and offline)");
    cmd->add_option("--after", a->live.after,
                    "Live: what happens to a decrypted packet: drop (default), forward:IFACE, "
                    "program:NAME (its verdict is obeyed; give forward:IFACE after it to send "
                    "what it passes)");
    cmd->add_option("--param", a->params, "Live: K=V for the program of --after program:NAME");
    cmd->add_option("--dst-mac", a->live.dst_mac,
                    "Live, forward: destination MAC of the forwarded frames (default: the "
                    "neighbour entry of each inner destination on the output interface)");
    cmd->add_flag("--copy", a->live.copy, "Live: bind in copy mode (XDP_COPY)");
    cmd->add_flag("--zerocopy", a->live.zerocopy, "Live: bind in zero-copy mode or fail");
    cmd->add_flag("--busy-poll", a->live.busy_poll, "Live: busy-poll the queue instead of poll()");
    cmd->add_option("--batch", a->live.batch, "Live: descriptors per ring operation (default 64)")
        ->check(CLI::Range(1u, uint32_t{XSK_RING_CONS__DEFAULT_NUM_DESCS}));
    cmd->add_option("--frames", a->live.frames, "Live: UMEM frames (default 4096)");
    cmd->add_option("--xdp-mode", a->live.xdp_mode,
                    "Live: XDP mode of the ipsec program: native, skb or auto (default auto)");
    cmd->add_flag("--chain", a->live.append,
                  "Live: run the ipsec program after the programs already attached");
    cmd->add_flag("--replace", a->live.replace,
                  "Live: swap an attached ipsec stage (or the whole chain) atomically");
    cmd->add_option("--rx-cpu", a->rx_cpu, "Live: pin the RX thread to this CPU")
        ->check(CLI::Range(int64_t{0}, int64_t{4095}));
    cmd->add_option("--crypto-cpu", a->crypto_cpu,
                    "Live, pattern 2: pin the crypto thread to this CPU")
        ->check(CLI::Range(int64_t{0}, int64_t{4095}));
    cmd->add_option("--interval", a->interval, "Live: seconds between reports (default 1)")
        ->check(CLI::Range(0.01, 3600.0));
    cmd->add_option("--count", a->count, "Live: stop after N reports (default: until Ctrl-C)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--duration", a->duration,
                    "Live: stop after S seconds, rounded up to whole intervals")
        ->check(CLI::Range(0.01, 1e9));
}

}  // namespace xdpkit
