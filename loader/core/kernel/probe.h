// What this kernel and a device support for XDP, found by trying each thing, not by
// comparing version numbers (`xdpkit probe`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/kernel/interface.h"
#include "core/kernel/netdev_features.h"
#include "core/base/output.h"
#include "core/base/result.h"

namespace xdpkit {

struct ProbeResult {
    std::string feature;
    std::optional<bool> supported;  // empty: not decided at this level, or the probe could not run
    std::string detail;             // why not, or what "yes" is limited to
};

// bpffs, XDP attach (skb mode, bpf_link) and live frames in a throwaway namespace, freplace,
// and the kfuncs in vmlinux BTF. Never touches an interface outside its own namespace.
std::vector<ProbeResult> probe_kernel();

// The names that are not BTF_KIND_FUNC records in vmlinux (kfuncs are only there).
Result<std::vector<std::string>> missing_kfuncs(const std::vector<std::string>& names);
// The RX metadata kfuncs the hints program calls (`probe` reports them as rx-metadata-kfuncs).
const std::vector<std::string>& rx_metadata_kfuncs();

struct DeviceProbe {
    Interface iface;
    std::string kind;  // rtnetlink link kind ("veth"); empty for a plain hardware device
    NetdevFeatures features;
    std::vector<ProbeResult> checks;
};

Result<DeviceProbe> probe_device(const Interface& iface);

// What a device's features mean for xdpkit's commands; pure, so it is unit-tested.
std::vector<ProbeResult> device_checks(const std::string& ifname, const NetdevFeatures& f,
                                       bool is_veth);

// "feature  yes|no|n/a  detail", columns aligned for a list of them.
std::string render_probe_line(const ProbeResult& r);

Json to_json(const ProbeResult& r);
Json to_json(const DeviceProbe& d);

}  // namespace xdpkit
