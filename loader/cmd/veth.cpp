// xdpkit veth create / prepare: veth pairs made and readied the way XDP needs them
// (docs/veth.md).
#include <fmt/format.h>

#include "command.h"
#include "core/net/veth_report.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

struct PrepareArgs {
    std::string ifname;
    bool gro = false, peer_prog = false;
};

Result<void> run_create(const VethCreateRequest& req, const GlobalOptions& g) {
    return print_result(create_veth_pair(req), g, format_veth_create);
}

Result<void> run_prepare(const PrepareArgs& a, const GlobalOptions& g) {
    const PeerSetup setup = a.gro ? PeerSetup::Gro : PeerSetup::Program;
    return print_result(prepare_veth(VethPrepareRequest{a.ifname, setup, &pass_family()}), g,
                        format_veth_prepare);
}

}  // namespace

void register_veth(CommandTable& t, CLI::App& app) {
    CLI::App* veth = app.add_subcommand("veth", "Make veth pairs and ready them for XDP");
    veth->require_subcommand(1);

    auto c = std::make_shared<VethCreateRequest>();
    CLI::App* create = t.add(*veth, "create",
                             "Create a veth pair, both ends up, the peer straight in --peer-netns",
                             [c](const GlobalOptions& g) { return run_create(*c, g); });
    create->add_option("name", c->name, "This end's name (in -n's namespace)")->required();
    create->add_option("peer", c->peer, "The other end's name")->required();
    create->add_option("--peer-netns", c->peer_netns,
                       "Create the peer in this network namespace (default: the same one)");
    create->add_option("--queues", c->queues,
                       fmt::format("RX and TX queues of each end (default: one per online CPU, "
                                   "{} here)",
                                   online_cpu_count()))
        ->check(CLI::Range(1u, kMaxVethQueues));
    create->add_option("--mtu", c->mtu, "MTU of both ends")
        ->default_str("1500")
        ->check(CLI::Range(kMinVethMtu, kMaxVethMtu));

    auto p = std::make_shared<PrepareArgs>();
    CLI::App* prepare = t.add(*veth, "prepare",
                              "Ready a veth to receive XDP_TX/XDP_REDIRECT frames: a pass program "
                              "(or GRO) on its peer, XDP-blind TX offloads off on both ends",
                              [p](const GlobalOptions& g) { return run_prepare(*p, g); });
    prepare->add_option("iface", p->ifname, "The veth that is to receive the frames")->required();
    CLI::Option* gro = prepare->add_flag("--gro", p->gro, "Turn GRO on on the peer instead");
    prepare->add_flag("--peer-prog", p->peer_prog,
                      "Attach xdpkit's pass program to the peer (the default)")
        ->excludes(gro);
}

}  // namespace xdpkit
