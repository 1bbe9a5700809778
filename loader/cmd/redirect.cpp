// xdpkit redirect IFACE --to IFACE2 [--via devmap|devmap-hash|cpumap] [--cpus LIST]
//                 [--egress-prog PROG --dst-mac MAC] [--broadcast IF,IF,...]
#include <fmt/format.h>

#include "attach_report.h"
#include "command.h"
#include "validators.h"
#include "core/base/cpu_list.h"
#include "core/base/output.h"
#include "core/net/redirect.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

struct RedirectArgs {
    RedirectRequest req;
    std::string mode = "auto";
    bool replace = false, append = false;
};

std::string target_names(const RedirectPlan& p) {
    std::string s;
    for (const auto& t : p.targets) s += (s.empty() ? "" : ", ") + t.name;
    return s;
}

// One line saying where the frames go, in the user's terms.
std::string describe(const RedirectPlan& p) {
    std::string s = fmt::format("{}: redirect via {} ", p.ingress.name, redirect_via_name(p.via));
    switch (p.via) {
    case REDIRECT_VIA_DEVMAP:
    case REDIRECT_VIA_DEVMAP_HASH:
        s += fmt::format("to {} (ifindex {})", p.targets.front().name, p.targets.front().ifindex);
        break;
    case REDIRECT_VIA_BROADCAST:
        s += "to " + target_names(p) + " (never back out of " + p.ingress.name + ")";
        break;
    case REDIRECT_VIA_CPUMAP:
        s += fmt::format("to CPU {} (queue {} each; a flow stays on one CPU), then ",
                         format_cpu_list(p.cpus), p.queue_size);
        s += p.cpumap_then_devmap() ? "on to " + p.targets.front().name + " through a devmap"
                                    : "to the stack there";
        break;
    }
    if (p.egress == REDIRECT_EGRESS_MAC_REWRITE)
        s += "; egress program mac-rewrite (source: the device's MAC, destination " +
             to_string(p.dst_mac) + ")";
    return s;
}

Json plan_json(const RedirectPlan& p, const AttachResult& r) {
    Json targets = Json::array();
    for (const auto& t : p.targets) targets.push_back({{"ifname", t.name}, {"ifindex", t.ifindex}});
    Json j{{"ifname", r.ifname},       {"via", redirect_via_name(p.via)},
           {"targets", targets},       {"action", r.action},
           {"mode", r.mode},           {"slot", r.slot},
           {"prog_id", r.prog_id},     {"link_id", r.link_id},
           {"pin_dir", r.pin_dir},     {"notes", r.notes},
           {"egress_prog", p.egress == REDIRECT_EGRESS_MAC_REWRITE ? Json("mac-rewrite") : Json()}};
    if (p.egress == REDIRECT_EGRESS_MAC_REWRITE) j["dst_mac"] = to_string(p.dst_mac);
    if (p.via == REDIRECT_VIA_CPUMAP) {
        j["cpus"] = p.cpus;
        j["queue_size"] = p.queue_size;
        j["then"] = p.cpumap_then_devmap() ? "devmap" : "stack";
    }
    return j;
}

Result<void> run_redirect(const RedirectArgs& a, const GlobalOptions& g) {
    auto mode = parse_xdp_mode(a.mode);
    if (!mode) return mode.error();
    if (a.replace && a.append) return make_error(EINVAL, "--replace and --chain exclude each other");
    auto plan = plan_redirect(a.req);
    if (!plan) return plan.error();
    auto r = set_up_redirect(redirect_family(), *plan, *mode, a.replace, a.append);
    if (!r) return r.error();
    if (g.json) {
        print_json(plan_json(*plan, *r));
        return {};
    }
    for (const auto& n : r->notes) fmt::print("note: {}\n", n);
    fmt::print("{}\n", describe(*plan));
    fmt::print("{}", attach_line(*r));
    return {};
}

}  // namespace

void register_redirect(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<RedirectArgs>();
    CLI::App* cmd = t.add(app, "redirect",
                          "XDP_REDIRECT an interface's frames to another device, to CPUs "
                          "(cpumap) or to a broadcast set; attached and pinned",
                          [a](const GlobalOptions& g) { return run_redirect(*a, g); });
    cmd->add_option("iface", a->req.ifname, "Interface whose received frames are redirected")
        ->required();
    cmd->add_option("--to", a->req.to,
                    "Device to send to (in the same namespace); with --via cpumap: redirect on "
                    "to it from the remote CPU instead of passing to the stack");
    cmd->add_option("--via", a->req.via, "devmap (default), devmap-hash or cpumap");
    cmd->add_option("--cpus", a->req.cpus,
                    "cpumap: CPUs to spread flows over, e.g. 1 or 0,2-3 (default: every online "
                    "CPU)")
        ->check(not_empty("an empty CPU list: give CPUs (e.g. 1 or 0,2-3), or leave --cpus "
                          "out for every online CPU",
                          "CPUS"));
    // 0 was once taken for the default; a queue that holds nothing is not a queue.
    cmd->add_option("--queue-size", a->req.queue_size,
                    "cpumap: frames each CPU's queue holds, 1 to 16384 (default 2048)")
        ->check(CLI::Range(1u, 16384u));
    cmd->add_option("--egress-prog", a->req.egress_prog,
                    "Program on the devmap entry, run on each frame before it is sent: "
                    "mac-rewrite");
    cmd->add_option("--dst-mac", a->req.dst_mac,
                    "mac-rewrite: destination MAC (the source becomes the egress device's)");
    cmd->add_option("--broadcast", a->req.broadcast,
                    "Send a copy to every listed device except the one the frame came in on "
                    "(BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS)")
        ->delimiter(',');
    cmd->add_option("--mode", a->mode, "XDP mode: native, skb or auto (native, else skb)")
        ->capture_default_str();
    cmd->add_flag("--replace", a->replace,
                  "Swap an attached redirect (or the whole chain) atomically");
    cmd->add_flag("--chain", a->append, "Run after the programs already attached");
}

}  // namespace xdpkit
