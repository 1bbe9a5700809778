// How a loader/cmd/<family>.cpp file adds its subcommands: CLI11 for the options, and one
// handler per subcommand that main runs after parsing and entering the namespace.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <functional>
#include <map>
#include <string>

#include "core/base/output.h"
#include "core/base/result.h"

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

// What a command needs before it runs. Most read or change BPF state — programs by id, maps,
// pins — that the kernel hides from a process without the privileges; run anyway, they would
// report what they could not read (issue 16 item 4: `status` called xdpkit's own chain "not
// attached by xdpkit"). The few that read nothing of the kernel's say so when added.
enum class Needs {
    BpfPrivileges,  // refused up front, in one line, without them
    Nothing,        // list, version; or a command whose own failure already names the privilege
};

struct ChosenCommand {
    const Handler* handler = nullptr;
    Needs needs = Needs::BpfPrivileges;
    std::string path;  // as typed: "ipsec sa list"
};

class CommandTable {
public:
    CLI::App* add(CLI::App& parent, const std::string& name, const std::string& description,
                  Handler handler, Needs needs = Needs::BpfPrivileges) {
        CLI::App* sub = parent.add_subcommand(name, description);
        commands_[sub] = {std::move(handler), needs};
        return sub;
    }
    // The deepest subcommand the user chose that has a handler; handler is nullptr without one.
    ChosenCommand chosen(CLI::App& app) const {
        ChosenCommand found;
        std::string path;
        for (CLI::App* cur = &app; cur;) {
            auto subs = cur->get_subcommands();
            if (subs.empty()) break;
            cur = subs.front();
            path += (path.empty() ? "" : " ") + cur->get_name();
            if (auto it = commands_.find(cur); it != commands_.end())
                found = {&it->second.handler, it->second.needs, path};
        }
        return found;
    }

private:
    struct Entry {
        Handler handler;
        Needs needs;
    };
    std::map<CLI::App*, Entry> commands_;
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
void register_forward(CommandTable&, CLI::App&);
void register_veth(CommandTable&, CLI::App&);
void register_afxdp(CommandTable&, CLI::App&);
void register_accel(CommandTable&, CLI::App&);
void register_ipsec(CommandTable&, CLI::App&);
void register_filter(CommandTable&, CLI::App&);
void register_hints(CommandTable&, CLI::App&);
void register_version(CommandTable&, CLI::App&);

// Every command, in the order `xdpkit --help` shows them.
void register_all_commands(CommandTable&, CLI::App&);

}  // namespace xdpkit
