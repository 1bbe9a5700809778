#include "core/net/forward.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <fstream>

#include "core/attach/program.h"
#include "core/net/redirect.h"

namespace xdpkit {
namespace {

// The forwarding sysctls of a port that are 0 ("net.ipv6.conf.b0.forwarding=0"): the FIB then
// answers "forwarding disabled" for every frame of that family it receives. /proc/sys/net is
// the namespace of the thread that opens it; a family whose file cannot be read (IPv6 off) is
// left out.
std::string forwarding_off(const std::string& ifname) {
    std::string off;
    for (const char* family : {"ipv4", "ipv6"}) {
        std::ifstream in(fmt::format("/proc/sys/net/{}/conf/{}/forwarding", family, ifname));
        int value = 1;
        if (in >> value && value == 0)
            off += fmt::format("{}net.{}.conf.{}.forwarding=0", off.empty() ? "" : ", ", family,
                               ifname);
    }
    return off;
}

}  // namespace

const char* fib_mode_name(forward_fib_mode mode) {
    return mode == FORWARD_FIB_DIRECT ? "direct" : "full";
}

Result<ForwardPlan> plan_forward(const ForwardRequest& req) {
    ForwardPlan plan;
    if (req.fib_mode == "direct")
        plan.fib_mode = FORWARD_FIB_DIRECT;
    else if (req.fib_mode != "full")
        return make_error(EINVAL, "--fib-mode '{}' is not one of full, direct", req.fib_mode);
    if (req.ifnames.empty())
        return make_error(EINVAL, "forward needs at least one interface");
    if (req.ifnames.size() > FORWARD_MAX_PORTS)
        return make_error(EINVAL, "{} interfaces given; forward takes at most {}",
                          req.ifnames.size(), FORWARD_MAX_PORTS);
    for (const auto& name : req.ifnames) {
        // Every port is an egress too: it must take redirected frames (a veth only while its
        // peer has an XDP program), and be in this namespace (a redirect never leaves it).
        const std::string& beside = name == req.ifnames.front() && req.ifnames.size() > 1
                                        ? req.ifnames[1]
                                        : req.ifnames.front();
        auto port = find_redirect_target(name, beside);
        if (!port) return port.error();
        for (const auto& seen : plan.ports)
            if (seen.ifindex == port->ifindex)
                return make_error(EINVAL, "{} is given twice", name);
        if (port->ifindex >= FORWARD_MAX_IFINDEX)
            plan.notes.push_back(fmt::format("{} (ifindex {}) has no per-egress counter: they "
                                             "cover ifindex < {}",
                                             port->name, port->ifindex, FORWARD_MAX_IFINDEX));
        if (const std::string off = forwarding_off(port->name); !off.empty())
            plan.notes.push_back(fmt::format("{}: forwarding is off ({}): frames it receives of "
                                             "that family pass to the stack, counted "
                                             "forwarding-off",
                                             port->name, off));
        plan.ports.push_back(*port);
    }
    return plan;
}

ParamValues forward_params(const ForwardPlan& plan) {
    return {{"fib-mode", fib_mode_name(plan.fib_mode)}};
}

Result<void> fill_forward_ports(const LoadedProgram& prog, const ForwardPlan& plan) {
    bpf_map* map = prog.map(FORWARD_PORTS_MAP);
    if (!map)
        return make_error(ENOENT, "program '{}' has no map {}", prog.family().name,
                          FORWARD_PORTS_MAP);
    for (const auto& port : plan.ports) {
        bpf_devmap_val val{};
        val.ifindex = static_cast<uint32_t>(port.ifindex);
        val.bpf_prog.fd = -1;  // no program on the entry
        const uint32_t key = val.ifindex;
        if (bpf_map_update_elem(bpf_map__fd(map), &key, &val, BPF_ANY) != 0) {
            const int e = errno;
            return make_error(e, "cannot add {} to {}: {}", port.name, FORWARD_PORTS_MAP,
                              std::strerror(e));
        }
    }
    return {};
}

Result<std::vector<AttachResult>> set_up_forward(const Family& family, const ForwardPlan& plan,
                                                 XdpMode mode, bool replace, bool append) {
    const auto request = [&](const Interface& port) {
        const auto fill = [&plan](const LoadedProgram& p) { return fill_forward_ports(p, plan); };
        return AttachRequest{&family, port.name, mode, replace, append, forward_params(plan), fill};
    };
    for (const auto& port : plan.ports) XDPKIT_TRY(check_attach(request(port)));

    std::vector<AttachResult> done;
    for (const auto& port : plan.ports) {
        auto r = attach_program(request(port));
        if (!r) {
            std::string undone;
            for (const auto& d : done) {
                if (d.action != "attached" && d.action != "chained") continue;
                if (detach_program({d.ifname, family.name, false}))
                    undone += (undone.empty() ? "" : ", ") + d.ifname;
            }
            if (undone.empty()) return r.error();
            return make_error(r.error().err, "{} (detached again from {})", r.error().message,
                              undone);
        }
        done.push_back(std::move(*r));
    }
    done.front().notes.insert(done.front().notes.end(), plan.notes.begin(), plan.notes.end());
    return done;
}

std::vector<std::pair<std::string, std::string>> forward_map_state(const std::string& dir) {
    std::string ports;
    for (const auto& name : devmap_device_names(dir + "/" + FORWARD_PORTS_MAP))
        ports += (ports.empty() ? "" : ",") + name;
    if (ports.empty()) return {};
    return {{"ports", ports}};
}

}  // namespace xdpkit
