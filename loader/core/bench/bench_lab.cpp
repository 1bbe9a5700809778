#include "core/bench/bench_lab.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "core/kernel/addresses.h"
#include "core/kernel/bpffs.h"
#include "core/kernel/interface.h"
#include "core/kernel/named_netns.h"
#include "core/kernel/netns.h"
#include "core/kernel/rtnl.h"
#include "core/net/veth.h"

namespace xdpkit {
namespace {

// Inside ns: lo up (some kernels paths look for it), and ifname's address if one is given.
Result<void> configure(const std::string& ns, const std::string& ifname, const char* address,
                       int prefix_len) {
    auto inside = NetnsGuard::enter(ns);
    if (!inside) return inside.error();
    auto lo = find_interface("lo");
    if (!lo) return lo.error();
    XDPKIT_TRY(set_link_up(lo->ifindex));
    if (!address) return {};
    auto iface = find_interface(ifname);
    if (!iface) return iface.error();
    auto ip = parse_ip(address);
    if (!ip) return ip.error();
    return add_address(iface->ifindex, *ip, prefix_len);
}

// Turns IPv6 off in ns for the devices made after it. Left on, each end's own stack sends a
// few frames of its own (duplicate address detection, router solicitations, MLD reports)
// that the counting programs would take for traffic; with it off, every frame in the lab is
// the generator's or the stack's answer to one (ARP, ICMP), and the totals add up.
Result<void> quiet_ipv6(const std::string& ns) {
    auto inside = NetnsGuard::enter(ns);
    if (!inside) return inside.error();
    for (const char* conf : {"all", "default"}) {
        // /proc/sys/net resolves to the namespace of the thread that opens it.
        const std::string path = fmt::format("/proc/sys/net/ipv6/conf/{}/disable_ipv6", conf);
        std::ofstream out(path);
        if (!out) {
            if (errno == ENOENT) return {};  // a kernel without IPv6 is quiet already
            return make_error(errno, "cannot open {}: {}", path, std::strerror(errno));
        }
        out << "1\n";
        out.flush();
        if (!out) return make_error(EIO, "cannot write {}", path);
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<BenchLab>> BenchLab::create(const std::string& prefix,
                                                   const BenchLabShape& shape) {
    std::unique_ptr<BenchLab> lab(new BenchLab());
    XDPKIT_TRY(lab->build(prefix, shape));  // on failure ~BenchLab removes what was made
    return lab;
}

Result<void> BenchLab::add_namespace(const std::string& name) {
    XDPKIT_TRY(create_named_netns(name));
    made_.push_back(name);
    return quiet_ipv6(name);
}

Result<void> BenchLab::build(const std::string& prefix, const BenchLabShape& shape) {
    gen_ns_ = prefix + "-gen";
    dut_ns_ = prefix + "-dut";
    XDPKIT_TRY(add_namespace(gen_ns_));
    XDPKIT_TRY(add_namespace(dut_ns_));
    XDPKIT_TRY(create_veth(VethSpec{kGenIf, gen_ns_, kDutIf, dut_ns_}));
    XDPKIT_TRY(configure(gen_ns_, kGenIf, kGenIp4, kPrefixLen));
    XDPKIT_TRY(configure(dut_ns_, kDutIf, shape.dut_address ? kDutIp4 : nullptr, kPrefixLen));
    if (!shape.sink) return {};
    // No addresses: what reaches sink1 is redirected by XDP, never routed.
    sink_ns_ = prefix + "-sink";
    XDPKIT_TRY(add_namespace(sink_ns_));
    XDPKIT_TRY(create_veth(VethSpec{kDutOutIf, dut_ns_, kSinkIf, sink_ns_}));
    return configure(sink_ns_, kSinkIf, nullptr, 0);
}

BenchLab::~BenchLab() {
    for (const auto& ns : made_) {
        (void)delete_named_netns(ns);
        // The namespace's end detaches every program; the pins would stay behind.
        (void)remove_tree(std::string(kBpffsRoot) + "/xdpkit/" + ns);
    }
}

}  // namespace xdpkit
