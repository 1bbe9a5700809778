// xdpkit bench: a scenario run in a lab of its own, reported in Mpps (docs/bench.md).
#include <fmt/format.h>

#include "command.h"
#include "core/bench.h"
#include "core/output.h"
#include "families.h"

namespace xdpkit {
namespace {

struct BenchArgs {
    std::string scenario;
    BenchOptions opts;
};

Result<void> run(const BenchArgs& a, const GlobalOptions& g) {
    auto scenario = find_bench_scenario(a.scenario);
    if (!scenario) return scenario.error();
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
    CLI::App* cmd = t.add(app, "bench", "Build a lab of its own, run a scenario, report Mpps",
                          [a](const GlobalOptions& g) { return run(*a, g); });
    cmd->add_option("scenario", a->scenario, "Scenario: " + names)->required();
    cmd->add_option("--duration", a->opts.duration, "Seconds of traffic, the first one warm-up")
        ->default_str("5")
        ->check(CLI::Range(2u, 3600u));
    cmd->add_option("--size", a->opts.size, "Frame size in bytes, Ethernet header included")
        ->default_str("64");
    cmd->add_option("--threads", a->opts.threads, "Generator threads, one per CPU")
        ->default_str("1")
        ->check(CLI::Range(1u, 256u));
}

}  // namespace xdpkit
