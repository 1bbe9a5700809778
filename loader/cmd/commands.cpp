#include "command.h"

namespace xdpkit {

void register_all_commands(CommandTable& t, CLI::App& app) {
    register_list(t, app);
    register_probe(t, app);
    register_attach(t, app);
    register_status(t, app);
    register_prune(t, app);
    register_stats(t, app);
    register_redirect(t, app);
    register_forward(t, app);
    register_afxdp(t, app);
    register_ipsec(t, app);
    register_filter(t, app);
    register_accel(t, app);
    register_hints(t, app);
    register_trafficgen(t, app);
    register_run(t, app);
    register_bench(t, app);
    register_veth(t, app);
    register_version(t, app);
}

}  // namespace xdpkit
