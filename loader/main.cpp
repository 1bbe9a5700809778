// xdpkit: registers the subcommands, parses, enters the namespace, runs one handler.
// Errors come back as values; here they become one line on stderr and an exit status.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "cmd/command.h"
#include "cmd/validators.h"
#include "core/kernel/bpf_privileges.h"
#include "core/base/libbpf_log.h"
#include "core/kernel/netns.h"
#include "core/base/version.h"

int main(int argc, char** argv) {
    using namespace xdpkit;

    CLI::App app{"xdpkit: XDP programs, and the tools to attach, observe and exercise them"};
    app.name("xdpkit");
    // Global options may follow the subcommand too: `xdpkit attach drop eth0 -n lab`.
    app.fallthrough();
    app.require_subcommand(1);
    GlobalOptions g;
    app.add_option("-n,--netns", g.netns, "Network namespace to work in (entered with setns)")
        ->check(not_empty("an empty namespace name: give a name under /run/netns, or leave -n "
                          "out for this namespace",
                          "NAME"));
    app.add_flag("--json", g.json, "Machine-readable output (JSON) on stdout");
    app.add_flag("-v,--verbose", g.verbose, "Show libbpf and verifier messages on errors");
    // Parsed before the subcommand is required, so it works alone; `xdpkit version` has --json.
    app.set_version_flag("--version", [] { return version_text(build_version()); },
                         "Print the version (as 'xdpkit version' does) and exit");

    CommandTable table;
    register_all_commands(table, app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // CLI11 reports a mistyped command as a missing one; name what was typed instead, at
        // whatever depth (`xdpkit frob`, `xdpkit ipsec sa frob`).
        CLI::App* deepest = &app;
        std::string path = "xdpkit";
        while (!deepest->get_subcommands().empty()) {
            deepest = deepest->get_subcommands().front();
            path += " " + deepest->get_name();
        }
        // The word CLI11 could not place may sit at any level (fallthrough): take them all.
        const auto rest = app.remaining(true);
        if (deepest->get_require_subcommand_min() > 0 && !rest.empty() && !rest.front().empty() &&
            rest.front()[0] != '-') {
            const std::string typed =
                (deepest == &app ? "" : path.substr(sizeof("xdpkit")) + " ") + rest.front();
            fmt::print(stderr, "xdpkit: unknown command '{}'; see '{} --help'\n", typed, path);
            return 2;
        }
        fmt::print(stderr, "xdpkit: {}; see 'xdpkit --help'\n", e.what());
        return 2;
    }

    capture_libbpf_log(g.verbose);
    const ChosenCommand chosen = table.chosen(app);
    if (!chosen.handler) {
        fmt::print(stderr, "xdpkit: choose a subcommand; see 'xdpkit --help'\n");
        return 2;
    }
    // Before the namespace is entered: without the privileges, entering it fails too, with a
    // less useful message, and nothing of the command's state could be read.
    if (chosen.needs == Needs::BpfPrivileges) {
        if (const std::string refusal = refusal_without_privileges(chosen.path);
            !refusal.empty()) {
            fmt::print(stderr, "xdpkit: {}\n", refusal);
            return 1;
        }
    }
    Result<void> r = enter_netns_for_process(g.netns);
    if (r) r = (*chosen.handler)(g);
    if (!r) {
        const std::string log = take_libbpf_log();
        if (g.verbose && !log.empty()) fmt::print(stderr, "{}", log);
        fmt::print(stderr, "xdpkit: {}\n", r.error().message);
        return 1;
    }
    return 0;
}
