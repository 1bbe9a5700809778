// How a loader/cmd/<family>.cpp file adds its subcommands: CLI11 for the options, and one
// handler per subcommand that main runs after parsing and entering the namespace.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <functional>
#include <map>
#include <string>

#include "core/output.h"
#include "core/result.h"

namespace xdpkit {

struct GlobalOptions {
    std::string netns;
    bool json = false;
    bool verbose = false;
};

using Handler = std::function<Result<void>(const GlobalOptions&)>;

// A command's result as JSON with --json (its to_json overload), as text otherwise; or its error.
template <typename T>
Result<void> print_result(const Result<T>& r, const GlobalOptions& g,
                          std::string (*text)(const T&)) {
    if (!r) return r.error();
    if (g.json)
        print_json(to_json(*r));
    else
        fmt::print("{}", text(*r));
    return {};
}

class CommandTable {
public:
    CLI::App* add(CLI::App& parent, const std::string& name, const std::string& description,
                  Handler handler) {
        CLI::App* sub = parent.add_subcommand(name, description);
        handlers_[sub] = std::move(handler);
        return sub;
    }
    // The handler of the deepest subcommand the user chose, or nullptr.
    const Handler* chosen(CLI::App& app) const {
        const Handler* found = nullptr;
        for (CLI::App* cur = &app; cur;) {
            auto subs = cur->get_subcommands();
            if (subs.empty()) break;
            cur = subs.front();
            if (auto it = handlers_.find(cur); it != handlers_.end()) found = &it->second;
        }
        return found;
    }

private:
    std::map<CLI::App*, Handler> handlers_;
};

// One per loader/cmd file; loader/cmd/commands.cpp lists them.
void register_list(CommandTable&, CLI::App&);
void register_probe(CommandTable&, CLI::App&);
void register_attach(CommandTable&, CLI::App&);
void register_status(CommandTable&, CLI::App&);
void register_prune(CommandTable&, CLI::App&);
void register_stats(CommandTable&, CLI::App&);
void register_trafficgen(CommandTable&, CLI::App&);
void register_run(CommandTable&, CLI::App&);
void register_bench(CommandTable&, CLI::App&);
void register_redirect(CommandTable&, CLI::App&);
void register_veth(CommandTable&, CLI::App&);
void register_afxdp(CommandTable&, CLI::App&);
void register_accel(CommandTable&, CLI::App&);
void register_ipsec(CommandTable&, CLI::App&);
void register_hints(CommandTable&, CLI::App&);
void register_version(CommandTable&, CLI::App&);

// Every command, in the order `xdpkit --help` shows them.
void register_all_commands(CommandTable&, CLI::App&);

}  // namespace xdpkit
