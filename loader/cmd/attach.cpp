// xdpkit attach / detach.
#include <fmt/format.h>

#include "attach_report.h"
#include "command.h"
#include "core/attach/chain.h"
#include "core/base/output.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

struct AttachArgs {
    std::string program, ifname, mode = "auto";
    bool replace = false, append = false;
    std::vector<std::string> params;
};

struct DetachArgs {
    std::string ifname, program;
    bool all = false;
};

Result<void> run_attach(const AttachArgs& a, const GlobalOptions& g) {
    auto family = find_family(a.program);
    if (!family) return family.error();
    auto mode = parse_xdp_mode(a.mode);
    if (!mode) return mode.error();
    auto params = parse_param_args(**family, a.params);
    if (!params) return params.error();

    auto r = attach_program(AttachRequest{*family, a.ifname, *mode, a.replace, a.append, *params});
    if (!r) return r.error();
    if (g.json) {
        print_json(attach_json(*r));
        return {};
    }
    for (const auto& n : r->notes) fmt::print("note: {}\n", n);
    fmt::print("{}", attach_line(*r));
    return {};
}

Result<void> run_detach(const DetachArgs& a, const GlobalOptions& g) {
    if (a.all && !a.program.empty())
        return make_error(EINVAL, "give a program or --all, not both");
    if (!a.program.empty()) {
        auto family = find_family(a.program);
        if (!family) return family.error();
    }
    auto r = detach_program(DetachRequest{a.ifname, a.program, a.all});
    if (!r) return r.error();
    if (g.json) {
        print_json({{"ifname", r->ifname},
                    {"detached", r->detached},
                    {"chain_removed", r->chain_removed},
                    {"notes", r->notes}});
        return {};
    }
    for (const auto& n : r->notes) fmt::print("note: {}\n", n);
    for (const auto& f : r->detached) fmt::print("{}: detached '{}'\n", r->ifname, f);
    if (r->chain_removed) fmt::print("{}: no xdpkit program left; chain root detached\n", r->ifname);
    return {};
}

}  // namespace

void register_attach(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<AttachArgs>();
    CLI::App* attach = t.add(app, "attach", "Load a program and attach it to an interface (pinned)",
                             [a](const GlobalOptions& g) { return run_attach(*a, g); });
    attach->add_option("program", a->program, "Program to attach (see 'xdpkit list')")->required();
    attach->add_option("iface", a->ifname, "Interface")->required();
    attach->add_option("--mode", a->mode, "XDP mode: native, skb or auto (native, else skb)")
        ->capture_default_str();
    attach->add_flag("--replace", a->replace,
                     "Swap atomically: the same program's stage, or the whole chain");
    attach->add_flag("--chain", a->append, "Run after the programs already attached");
    attach->add_option("--param", a->params, "Program parameter KEY=VALUE (repeatable)");

    auto d = std::make_shared<DetachArgs>();
    CLI::App* detach = t.add(app, "detach", "Detach and unpin a program, leaving the rest",
                             [d](const GlobalOptions& g) { return run_detach(*d, g); });
    detach->add_option("iface", d->ifname, "Interface")->required();
    detach->add_option("program", d->program, "Program to detach (default: the only one)");
    detach->add_flag("--all", d->all, "Detach every xdpkit program on the interface");
}

}  // namespace xdpkit
