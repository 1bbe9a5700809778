#include "core/net/veth_report.h"

#include <fmt/format.h>

namespace xdpkit {
namespace {

std::string end_line(const VethEndInfo& e, size_t name_width, size_t ns_width) {
    return fmt::format("  {:<{}}  namespace {:<{}}  ifindex {}  queues {} rx / {} tx  mtu {}  {}\n",
                       e.name, name_width, e.netns, ns_width, e.ifindex, e.rx_queues, e.tx_queues,
                       e.mtu, e.up ? "up" : "down");
}

Json end_json(const VethEndInfo& e) {
    return {{"ifname", e.name},     {"netns", e.netns},         {"ifindex", e.ifindex},
            {"rx_queues", e.rx_queues}, {"tx_queues", e.tx_queues}, {"mtu", e.mtu},
            {"up", e.up}};
}

std::string words(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& w : v) s += (s.empty() ? "" : " ") + w;
    return s.empty() ? "(none)" : s;
}

}  // namespace

std::string format_veth_create(const VethCreateResult& r) {
    const size_t name_w = std::max(r.end.name.size(), r.peer.name.size());
    const size_t ns_w = std::max(r.end.netns.size(), r.peer.netns.size());
    std::string s = fmt::format("created veth pair {} <-> {}\n", r.end.name, r.peer.name);
    s += end_line(r.end, name_w, ns_w) + end_line(r.peer, name_w, ns_w);
    for (const auto& n : r.notes) s += "note: " + n + "\n";
    return s;
}

Json to_json(const VethCreateResult& r) {
    Json j = end_json(r.end);
    j["peer"] = end_json(r.peer);
    j["notes"] = r.notes;
    return j;
}

std::string format_veth_prepare(const VethPrepareResult& r) {
    std::string s = fmt::format("{}: peer {} {}\n", r.ifname, r.peer.name,
                                r.peer.netns.empty() ? "in the same namespace"
                                                     : "in namespace " + r.peer.netns);
    s += fmt::format("{}: xdp-features before: {}\n", r.ifname, words(r.features_before));
    for (const auto& n : r.notes) s += "note: " + n + "\n";
    for (const auto& c : r.changes) s += c + "\n";
    if (r.changes.empty())
        return s + fmt::format("{}: nothing needed changing; it receives XDP_TX/XDP_REDIRECT "
                               "frames (ndo-xmit)\n",
                               r.ifname);
    s += fmt::format("{}: xdp-features after:  {}\n", r.ifname, words(r.features_after));
    return s + fmt::format("{}: ready: it receives XDP_TX/XDP_REDIRECT frames (ndo-xmit)\n",
                           r.ifname);
}

Json to_json(const VethPrepareResult& r) {
    return {{"ifname", r.ifname},
            {"peer", {{"ifname", r.peer.name}, {"ifindex", r.peer.ifindex}, {"netns", r.peer.netns}}},
            {"setup", peer_setup_name(r.setup)},
            {"xdp_features_before", r.features_before},
            {"xdp_features_after", r.features_after},
            {"changed", !r.changes.empty()},
            {"changes", r.changes},
            {"notes", r.notes}};
}

}  // namespace xdpkit
