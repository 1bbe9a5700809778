#include "bench_lab.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "addresses.h"
#include "bpffs.h"
#include "interface.h"
#include "named_netns.h"
#include "netns.h"
#include "rtnl.h"
#include "veth.h"

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

Result<std::unique_ptr<BenchLab>> BenchLab::create(const std::string& prefix, bool dut_address) {
    std::unique_ptr<BenchLab> lab(new BenchLab());
    lab->gen_ns_ = prefix + "-gen";
    lab->dut_ns_ = prefix + "-dut";
    XDPKIT_TRY(lab->build(dut_address));  // on failure ~BenchLab removes what was made
    return lab;
}

Result<void> BenchLab::build(bool dut_address) {
    XDPKIT_TRY(create_named_netns(gen_ns_));
    gen_made_ = true;
    XDPKIT_TRY(quiet_ipv6(gen_ns_));
    XDPKIT_TRY(create_named_netns(dut_ns_));
    dut_made_ = true;
    XDPKIT_TRY(quiet_ipv6(dut_ns_));
    XDPKIT_TRY(create_veth(VethSpec{kGenIf, gen_ns_, kDutIf, dut_ns_}));
    XDPKIT_TRY(configure(gen_ns_, kGenIf, kGenIp4, kPrefixLen));
    return configure(dut_ns_, kDutIf, dut_address ? kDutIp4 : nullptr, kPrefixLen);
}

BenchLab::~BenchLab() {
    for (const auto& [ns, made] : {std::pair{gen_ns_, gen_made_}, std::pair{dut_ns_, dut_made_}}) {
        if (!made) continue;
        (void)delete_named_netns(ns);
        // The namespace's end detaches every program; the pins would stay behind.
        (void)remove_tree(std::string(kBpffsRoot) + "/xdpkit/" + ns);
    }
}

}  // namespace xdpkit
