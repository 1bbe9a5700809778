// xdpkit stats: live rates of the counters of the programs attached to an interface.
#include <fmt/format.h>

#include <cstdio>

#include "command.h"
#include "core/base/output.h"
#include "core/attach/stats_session.h"
#include "core/attach/stats_table.h"
#include "core/base/ticker.h"
#include "core/families/families.h"
#include "validators.h"

namespace xdpkit {
namespace {

struct StatsArgs {
    std::string ifname;
    double interval = 1;
    uint64_t count = 0;  // 0: until SIGINT or SIGTERM
    bool per_cpu = false;
};

Result<void> run_stats(const StatsArgs& a, const GlobalOptions& g) {
    auto iface = find_interface(a.ifname);
    if (!iface) return iface.error();
    const FamilyLookup lookup = [](const std::string& name) -> const Family* {
        auto f = find_family(name);
        return f ? *f : nullptr;
    };
    auto session = StatsSession::start(*iface, lookup, a.per_cpu);
    if (!session) return session.error();

    // Rates need two samples: the first line comes one interval after the first sample.
    Ticker ticker(a.interval);
    for (uint64_t n = 0; (a.count == 0 || n < a.count) && ticker.wait(); ++n) {
        auto iv = session->next();
        if (!iv) return iv.error();
        if (g.json) {
            print_json(to_json(*iv));
        } else {
            fmt::print("{}{}", n ? "\n" : "", format_stats_table(*iv));
            std::fflush(stdout);  // a pipe must see every interval as it ends
        }
    }
    return {};  // SIGINT and SIGTERM are the normal way to stop: exit 0
}

}  // namespace

void register_stats(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<StatsArgs>();
    CLI::App* cmd = t.add(app, "stats", "Live rates of the counters of the programs on an interface",
                          [a](const GlobalOptions& g) { return run_stats(*a, g); });
    cmd->add_option("iface", a->ifname, "Interface")->required();
    cmd->add_option("--interval", a->interval, "Seconds between samples (default 1)")
        ->check(checked_by(parse_interval_seconds, "SECONDS"));
    cmd->add_option("--count", a->count, "Stop after N intervals (default: until Ctrl-C)")
        ->check(checked_by(parse_interval_count, "N"));
    cmd->add_flag("--per-cpu", a->per_cpu, "Split every row by CPU");
}

}  // namespace xdpkit
