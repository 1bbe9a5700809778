// xdpkit bench: a scenario run in a lab of its own, reported in Mpps (docs/bench.md).
#include <fmt/format.h>

#include "command.h"
#include "core/bench/bench.h"
#include "core/ipsec/crypto_backend.h"
#include "core/base/output.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

struct BenchArgs {
    std::string scenario;
    BenchOptions opts;
};

Result<void> run(const BenchArgs& a, const GlobalOptions& g, const CLI::App& cmd) {
    auto scenario = find_bench_scenario(a.scenario);
    if (!scenario) return scenario.error();
    const bool ipsec = std::holds_alternative<BenchAccel>((*scenario)->dut);
    for (const char* opt : {"--backend", "--pattern", "--after", "--alg", "--payload"})
        if (!ipsec && cmd.count(opt))
            return make_error(EINVAL, "{}: only for the ipsec scenario", opt);
    if (ipsec && cmd.count("--size"))
        return make_error(EINVAL, "--size: bench ipsec sizes its frames by --payload (the inner "
                                  "UDP payload) and the SA's algorithms");
    const FamilyLookup lookup = [](const std::string& name) -> const Family* {
        auto f = find_family(name);
        return f ? *f : nullptr;
    };
    return print_result(run_bench(**scenario, a.opts, lookup), g, format_bench);
}

}  // namespace

void register_bench(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<BenchArgs>();
    std::string names;
    for (const auto& s : bench_scenarios()) names += (names.empty() ? "" : ", ") + s.name;
    // The handler asks its own subcommand which options were given.
    auto self = std::make_shared<CLI::App*>(nullptr);
    CLI::App* cmd = t.add(app, "bench", "Build a lab of its own, run a scenario, report Mpps",
                          [a, self](const GlobalOptions& g) { return run(*a, g, **self); });
    *self = cmd;
    cmd->add_option("scenario", a->scenario, "Scenario: " + names)->required();
    cmd->add_option("--duration", a->opts.duration, "Seconds of traffic, the first one warm-up")
        ->default_str("5")
        ->check(CLI::Range(2u, 3600u));
    cmd->add_option("--size", a->opts.size, "Frame size in bytes, Ethernet header included")
        ->default_str("64");
    cmd->add_option("--threads", a->opts.threads, "Generator threads, one per CPU")
        ->default_str("1")
        ->check(CLI::Range(1u, 256u));
    cmd->add_option("--rate", a->opts.rate,
                    "Generator frames per second, at least one per thread (default: as fast as "
                    "it goes)");
    cmd->add_option("--backend", a->opts.ipsec.backend, "ipsec: the crypto backend")
        ->default_str("ipsec-mb")
        ->check(CLI::IsMember(crypto_backend_names()));
    cmd->add_option("--pattern", a->opts.ipsec.pattern,
                    "ipsec: 1 = one engine thread, 2 = RX thread + crypto thread")
        ->default_str("1")
        ->check(CLI::Range(1u, 2u));
    cmd->add_option("--after", a->opts.ipsec.after,
                    "ipsec: what the engine does with the decrypted packets (drop, program:NAME)")
        ->default_str("drop");
    cmd->add_option("--alg", a->opts.ipsec.alg, "ipsec: cbc-sha1 (AES-CBC-128 + HMAC-SHA1-96) or "
                                                "gcm (AES-GCM-128)")
        ->default_str("cbc-sha1")
        ->check(CLI::IsMember({"cbc-sha1", "gcm"}));
    cmd->add_option("--payload", a->opts.ipsec.payload, "ipsec: inner UDP payload bytes")
        ->default_str("1386");
    // A usage error (exit 2), as trafficgen's: each generator thread paces its share.
    cmd->parse_complete_callback([a] {
        if (a->opts.rate && a->opts.rate < a->opts.threads)
            throw CLI::ValidationError(
                "--rate", fmt::format("{} with --threads {}: every thread needs at least 1 "
                                      "frame/s; lower --threads", a->opts.rate, a->opts.threads));
    });
}

}  // namespace xdpkit
