// xdpkit probe [IFACE]: what this kernel, and a device, support for XDP.
#include <fmt/format.h>

#include "command.h"
#include "core/kernel/probe.h"

namespace xdpkit {
namespace {

std::string names_text(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : " ") + n;
    return s.empty() ? "(none)" : s;
}

void print_results(const std::vector<ProbeResult>& results) {
    for (const auto& r : results) fmt::print("  {}\n", render_probe_line(r));
}

void print_device(const DeviceProbe& d) {
    // The link kind says why a feature is missing (veth's are documented); devices without
    // one (lo, most hardware) print just the name.
    fmt::print("device {}{}\n", d.iface.name, d.kind.empty() ? "" : " (" + d.kind + ")");
    fmt::print("  xdp-features:             {}\n", names_text(xdp_feature_names(d.features.xdp)));
    fmt::print("  xdp-rx-metadata-features: {}\n",
               names_text(rx_metadata_feature_names(d.features.rx_metadata)));
    fmt::print("  xsk-features:             {}\n", names_text(xsk_feature_names(d.features.xsk)));
    print_results(d.checks);
}

Result<void> run_probe(const std::string& ifname, const GlobalOptions& g) {
    // The device first: an unknown IFACE fails in one line before minutes of nothing.
    std::optional<DeviceProbe> device;
    if (!ifname.empty()) {
        auto iface = find_interface(ifname);
        if (!iface) return iface.error();
        auto d = probe_device(*iface);
        if (!d) return d.error();
        device = std::move(*d);
    }
    const std::vector<ProbeResult> kernel = probe_kernel();
    if (g.json) {
        Json j{{"kernel", Json::array()}};
        for (const auto& r : kernel) j["kernel"].push_back(to_json(r));
        if (device) j["device"] = to_json(*device);
        print_json(j);
        return {};
    }
    fmt::print("kernel\n");
    print_results(kernel);
    if (device) print_device(*device);
    return {};
}

}  // namespace

void register_probe(CommandTable& t, CLI::App& app) {
    auto ifname = std::make_shared<std::string>();
    CLI::App* cmd = t.add(app, "probe",
                          "Show what this kernel and a device support: XDP modes, bpf_link, "
                          "freplace, live frames, kfuncs, xdp-features",
                          [ifname](const GlobalOptions& g) { return run_probe(*ifname, g); });
    cmd->add_option("iface", *ifname, "Interface whose xdp-features to read (in -n's namespace)");
}

}  // namespace xdpkit
