#include "lab/chain_lab.h"

#include <fstream>
#include <stdexcept>

namespace xdpkit::test {

ChainLab::ChainLab() : prefix_(unique_lab_prefix()) {
    try {
        for (char w : {'a', 'b', 'c', 'd'}) {
            add_lab_netns(ns(w));
            ip_or_throw({"netns", "exec", ns(w), "sysctl", "-q", "-w",
                         "net.ipv6.conf.all.disable_ipv6=1"});
            ip_or_throw({"netns", "exec", ns(w), "sysctl", "-q", "-w",
                         "net.ipv6.conf.default.disable_ipv6=1"});
        }
        // Made inside b, each peer moved straight into its namespace: no end is ever in the
        // root namespace.
        for (const auto& [mine, peer, where] :
             {std::tuple{"b0", "a0", 'a'}, std::tuple{"b1", "c1", 'c'}, std::tuple{"b2", "d2", 'd'}}) {
            ip_or_throw({"-n", ns('b'), "link", "add", mine, "type", "veth", "peer", "name", peer,
                         "netns", ns(where)});
            ip_or_throw({"-n", ns('b'), "link", "set", mine, "up"});
            ip_or_throw({"-n", ns(where), "link", "set", peer, "up"});
        }
        ip_or_throw({"-n", ns('a'), "addr", "add", std::string(kIpA) + "/24", "dev", "a0"});
        ip_or_throw({"-n", ns('c'), "addr", "add", std::string(kIpC) + "/24", "dev", "c1"});
        ip_or_throw({"-n", ns('d'), "addr", "add", std::string(kIpD) + "/24", "dev", "d2"});
    } catch (...) {
        this->~ChainLab();
        throw;
    }
}

ChainLab::~ChainLab() {
    for (char w : {'a', 'b', 'c', 'd'}) remove_lab_netns(ns(w));
}

std::string ChainLab::ns(char which) const { return prefix_ + "-" + which; }

CommandResult ChainLab::xdpkit(char which, const std::vector<std::string>& args) const {
    return xdpkit_in(ns(which), args);
}

bool ChainLab::ping(char from, const char* dst, int count) const {
    return run_command({"ip", "netns", "exec", ns(from), "ping", "-q", "-c", std::to_string(count),
                        "-i", "0.2", "-W", "1", dst})
               .status == 0;
}

bool ChainLab::send_udp(char from, const char* dst, int count) const {
    const std::string loop = "for i in $(seq " + std::to_string(count) + "); do echo xdpkit > /dev/udp/" +
                             dst + "/9; done";
    return run_command({"ip", "netns", "exec", ns(from), "bash", "-c", loop}).status == 0;
}

nlohmann::json ChainLab::stage_counters(char which, const std::string& dev) const {
    const auto r = xdpkit(which, {"--json", "stats", dev, "--count", "1", "--interval", "0.1"});
    if (r.status != 0) throw std::runtime_error("stats failed: " + r.err);
    return nlohmann::json::parse(r.out).at("chain").at(0);
}

nlohmann::json ChainLab::stage_status(char which, const std::string& dev) const {
    const auto r = xdpkit(which, {"--json", "status", dev});
    if (r.status != 0) throw std::runtime_error("status failed: " + r.err);
    return nlohmann::json::parse(r.out).at(0).at("chain").at(0);
}

std::string ChainLab::mac(char which, const std::string& dev) const {
    const auto r = run_command({"ip", "netns", "exec", ns(which), "cat",
                                "/sys/class/net/" + dev + "/address"});
    if (r.status != 0) throw std::runtime_error("no MAC for " + dev + ": " + r.err);
    return r.out.substr(0, r.out.find('\n'));
}

void ChainLab::address_b0() const {
    ip_or_throw({"-n", ns('b'), "addr", "add", std::string(kIpB) + "/24", "dev", "b0"});
}

uint64_t row_packets(const nlohmann::json& stage, const std::string& table, const std::string& row) {
    const nlohmann::json& rows = table == "verdicts" ? stage.at("verdicts")
                                                      : stage.at("counters").value(table, nlohmann::json::object());
    return rows.contains(row) ? rows.at(row).at("packets").get<uint64_t>() : 0;
}

}  // namespace xdpkit::test
