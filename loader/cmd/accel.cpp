// xdpkit accel: the crypto accelerator path. Offline mode (--pcap) runs a capture through the
// user-space crypto engine; the live modes on an interface are not built yet.
#include <fmt/format.h>

#include "command.h"
#include "core/accel_kfunc.h"
#include "core/accel_offline.h"
#include "core/crypto_backend.h"
#include "core/units.h"
#include "families.h"

namespace xdpkit {
namespace {

struct AccelArgs {
    std::string iface, backend, sa_file, pcap, out;
    uint32_t repeat = 1;
    bool warm = false;
};

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
               "frames {}), {:.6f} s on one core: {}, {} of inner packets ({:.6f} s of CPU "
               "time: {})\n",
               r.repeat, r.packets.size(), r.warm ? "left in cache" : "evicted from cache",
               r.seconds, format_pps(r.pps()), format_bps(r.inner_bps()), r.cpu_seconds,
               format_pps(r.cpu_pps()));
    if (!r.out.empty())
        fmt::print("wrote {} inner packet(s) to {}\n",
                   r.counters.results[static_cast<size_t>(EspResult::ok)], r.out);
}

Result<void> handle_accel(const AccelArgs& a, const GlobalOptions& g) {
    if (a.pcap.empty()) {
        const std::string on = a.iface.empty() ? "" : " on " + a.iface;
        return make_error(ENOTSUP, "accel{}: the live AF_XDP engine is not built yet; only "
                                   "offline mode works: --sa-file FILE --pcap FILE", on);
    }
    if (!a.iface.empty())
        return make_error(EINVAL, "accel: give either IFACE (live, not built yet) or --pcap "
                                  "(offline), not both");
    if (a.sa_file.empty())
        return make_error(EINVAL, "accel --pcap needs --sa-file FILE with the SAs' keys");
    if (a.backend == "kfunc") {  // the kernel's inline path, not a user-space backend
        if (a.warm) return make_error(EINVAL, "--warm is for the user-space backends, not kfunc");
        return print_result(run_accel_kfunc({&ipsec_family(), a.sa_file, a.pcap, a.out, a.repeat}),
                            g, accel_kfunc_text);
    }
    auto r = run_accel_offline({a.backend, a.sa_file, a.pcap, a.out, a.repeat, a.warm});
    return print_result(r, g, +[](const AccelOfflineReport& rep) {
        print_text(rep);
        return std::string();
    });
}

}  // namespace

void register_accel(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<AccelArgs>();
    CLI::App* cmd = t.add(app, "accel",
                          "Decrypt ESP with a user-space crypto engine (offline: a capture)",
                          [a](const GlobalOptions& g) { return handle_accel(*a, g); });
    cmd->add_option("iface", a->iface, "Interface for the live AF_XDP engine (not built yet)");
    cmd->add_option("--backend", a->backend, "Crypto backend")
        ->required()
        ->check(CLI::IsMember([] {
            auto names = crypto_backend_names();
            names.push_back("kfunc");  // offline only: the ipsec program's inline action
            return names;
        }()));
    cmd->add_option("--sa-file", a->sa_file, "SAs with their keys (as for 'xdpkit ipsec sa add')");
    cmd->add_option("--pcap", a->pcap, "Offline: run this capture (pcap or pcapng, Ethernet)");
    cmd->add_option("--out", a->out, "Offline: write the inner packets of the ok results here");
    cmd->add_option("--repeat", a->repeat,
                    "Offline: passes of the capture, timed (replay windows reset between passes)")
        ->check(CLI::Range(1u, 100000000u))
        ->capture_default_str();
    cmd->add_flag("--warm", a->warm,
                  "Offline: leave the frames in the CPU caches between passes (default: evicted)");
}

}  // namespace xdpkit
