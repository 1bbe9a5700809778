// xdpkit forward IFACE... [--mode native|skb|auto] [--fib-mode full|direct] [--replace|--chain]
#include <fmt/format.h>

#include "attach_report.h"
#include "command.h"
#include "validators.h"
#include "core/base/output.h"
#include "core/families/families.h"
#include "core/net/forward.h"

namespace xdpkit {
namespace {

struct ForwardArgs {
    ForwardRequest req;
    std::string mode = "auto";
    bool replace = false, append = false;
};

std::string port_names(const ForwardPlan& p) {
    std::string s;
    for (const auto& port : p.ports) s += (s.empty() ? "" : ", ") + port.name;
    return s;
}

Result<void> run_forward(const ForwardArgs& a, const GlobalOptions& g) {
    auto mode = parse_xdp_mode(a.mode);
    if (!mode) return mode.error();
    auto plan = plan_forward(a.req);
    if (!plan) return plan.error();
    auto done = set_up_forward(forward_family(), *plan, *mode, a.replace, a.append);
    if (!done) return done.error();
    if (g.json) {
        Json ports = Json::array(), attached = Json::array();
        for (const auto& p : plan->ports)
            ports.push_back({{"ifname", p.name}, {"ifindex", p.ifindex}});
        for (const auto& r : *done) attached.push_back(attach_json(r));
        print_json({{"ports", ports},
                    {"fib_mode", fib_mode_name(plan->fib_mode)},
                    {"attached", attached}});
        return {};
    }
    for (const auto& r : *done)
        for (const auto& n : r.notes) fmt::print("note: {}\n", n);
    fmt::print("forward between {}: routed by the kernel's FIB (fib-mode {}), out through a "
               "devmap of these ports only; everything else to the stack\n",
               port_names(*plan), fib_mode_name(plan->fib_mode));
    for (const auto& r : *done) fmt::print("{}", attach_line(r));
    return {};
}

}  // namespace

void register_forward(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<ForwardArgs>();
    CLI::App* cmd = t.add(app, "forward",
                          "Route IPv4 and IPv6 between interfaces with the kernel's FIB in XDP "
                          "(TTL decremented, MACs rewritten); attached and pinned on each",
                          [a](const GlobalOptions& g) { return run_forward(*a, g); });
    cmd->add_option("iface", a->req.ifnames,
                    "Interfaces to forward between: the program is attached to each, and frames "
                    "leave only through them")
        ->required();
    cmd->add_option("--mode", a->mode, "XDP mode: native, skb or auto (native, else skb)")
        ->check(checked_by(parse_xdp_mode, "MODE"))
        ->capture_default_str();
    cmd->add_option("--fib-mode", a->req.fib_mode,
                    "full: policy rules, then their table, as the stack routes; direct: the "
                    "ingress VRF's table or main only (BPF_FIB_LOOKUP_DIRECT)")
        ->check(CLI::IsMember({"full", "direct"}))
        ->capture_default_str();
    auto* replace = cmd->add_flag("--replace", a->replace,
                                  "Swap an attached forward (or the whole chain) atomically");
    cmd->add_flag("--chain", a->append, "Run after the programs already attached")
        ->excludes(replace);
}

}  // namespace xdpkit
