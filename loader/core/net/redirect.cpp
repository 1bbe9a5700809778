#include "core/net/redirect.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>

#include "core/base/cpu_list.h"
#include "core/kernel/netdev_features.h"
#include "core/kernel/netns.h"
#include "core/attach/program.h"
#include "core/kernel/rtnl.h"

namespace xdpkit {
namespace {

// The kernel's bound on a cpumap entry's queue (kernel/bpf/cpumap.c refuses more).
constexpr uint32_t kMaxCpumapQueue = 16384;

Result<redirect_via> parse_via(const std::string& s) {
    for (auto v : {REDIRECT_VIA_DEVMAP, REDIRECT_VIA_DEVMAP_HASH, REDIRECT_VIA_CPUMAP,
                   REDIRECT_VIA_BROADCAST})
        if (s == redirect_via_name(v)) return v;
    return make_error(EINVAL, "--via '{}' is not one of devmap, devmap-hash, cpumap", s);
}

// The named namespaces (/run/netns) that have a device called ifname: only to say where a
// target is when it is not beside IFACE.
std::vector<std::string> namespaces_holding(const std::string& ifname) {
    const std::string here = current_netns_name();
    std::vector<std::string> found;
    DIR* d = ::opendir("/run/netns");
    if (!d) return found;
    while (dirent* e = ::readdir(d)) {
        const std::string ns = e->d_name;
        if (ns == "." || ns == ".." || ns == here) continue;
        auto inside = NetnsGuard::enter(ns);
        if (inside && ::if_nametoindex(ifname.c_str()) != 0) found.push_back(ns);
    }
    ::closedir(d);
    std::sort(found.begin(), found.end());
    return found;
}

Result<std::vector<uint32_t>> plan_cpus(const RedirectRequest& req) {
    auto online = online_cpus();
    if (!online) return online.error();
    if (req.cpus.empty()) return online;
    auto cpus = parse_cpu_list(req.cpus);
    if (!cpus) return cpus.error();
    for (uint32_t c : *cpus) {
        if (c >= REDIRECT_MAX_CPUS)
            return make_error(EINVAL, "--cpus: CPU {} is beyond the cpumap's {} entries", c,
                              REDIRECT_MAX_CPUS);
        if (!std::binary_search(online->begin(), online->end(), c))
            return make_error(EINVAL, "--cpus: CPU {} is not online (online: {})", c,
                              format_cpu_list(*online));
    }
    return cpus;
}

Result<void> check_options(const RedirectRequest& req, redirect_via via) {
    const char* name = redirect_via_name(via);
    const bool cpumap = via == REDIRECT_VIA_CPUMAP, broadcast = via == REDIRECT_VIA_BROADCAST;
    if (broadcast && !req.to.empty())
        return make_error(EINVAL, "--to and --broadcast exclude each other: --broadcast lists "
                                  "every target");
    if (!broadcast && !cpumap && req.to.empty())
        return make_error(EINVAL, "--via {} needs --to IFACE2, the device to send to", name);
    if (!cpumap && !req.cpus.empty())
        return make_error(EINVAL, "--cpus goes with --via cpumap, not --via {}", name);
    if (!cpumap && req.queue_size != 0)
        return make_error(EINVAL, "--queue-size goes with --via cpumap, not --via {}", name);
    if (cpumap && req.queue_size > kMaxCpumapQueue)
        return make_error(EINVAL, "--queue-size {} is more than a cpumap entry takes ({})",
                          req.queue_size, kMaxCpumapQueue);
    if (!req.egress_prog.empty() && req.egress_prog != "mac-rewrite")
        return make_error(EINVAL, "--egress-prog '{}' is not an egress program (programs: "
                                  "mac-rewrite)", req.egress_prog);
    if (!req.egress_prog.empty() && cpumap && req.to.empty())
        return make_error(EINVAL, "--egress-prog runs on a devmap entry: with --via cpumap it "
                                  "needs --to IFACE2");
    if (req.egress_prog.empty() && !req.dst_mac.empty())
        return make_error(EINVAL, "--dst-mac is what --egress-prog mac-rewrite writes; give both");
    if (!req.egress_prog.empty() && req.dst_mac.empty())
        return make_error(EINVAL, "--egress-prog mac-rewrite needs --dst-mac MAC, the neighbour "
                                  "the frames are addressed to");
    return {};
}

Result<int> program_fd(const LoadedProgram& prog, const char* name) {
    bpf_program* p = bpf_object__find_program_by_name(prog.obj(), name);
    if (!p) return make_error(ENOENT, "program '{}' has no {}", prog.family().name, name);
    return bpf_program__fd(p);
}

Result<int> map_fd(const LoadedProgram& prog, const char* name) {
    bpf_map* m = prog.map(name);
    if (!m) return make_error(ENOENT, "program '{}' has no map {}", prog.family().name, name);
    return bpf_map__fd(m);
}

Result<void> update(const LoadedProgram& prog, const char* map, uint32_t key, const void* value,
                    const std::string& what) {
    auto fd = map_fd(prog, map);
    if (!fd) return fd.error();
    if (bpf_map_update_elem(*fd, &key, value, BPF_ANY) != 0) {
        const int e = errno;
        return make_error(e, "cannot add {} to {}: {}", what, map, std::strerror(e));
    }
    return {};
}

// A devmap entry; with a program on it when the plan has one (or broadcast, which counts
// each copy in its egress program).
Result<void> add_port(const LoadedProgram& prog, const char* map, uint32_t key,
                      const Interface& target, int egress_fd) {
    bpf_devmap_val val{};
    val.ifindex = static_cast<uint32_t>(target.ifindex);
    val.bpf_prog.fd = egress_fd;  // <= 0: no program (kernel/bpf/devmap.c)
    return update(prog, map, key, &val, target.name);
}

// Every key of a pinned hash-like map, in the kernel's order.
std::vector<uint32_t> keys_of(int fd) {
    std::vector<uint32_t> keys;
    uint32_t key = 0, next = 0;
    for (const uint32_t* prev = nullptr; bpf_map_get_next_key(fd, prev, &next) == 0; prev = &key) {
        keys.push_back(next);
        key = next;
    }
    return keys;
}

std::string join(const std::vector<std::string>& parts) {
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : ",") + p;
    return s;
}

}  // namespace

std::vector<std::string> devmap_device_names(const std::string& map_pin) {
    std::vector<std::string> names;
    Fd fd(bpf_obj_get(map_pin.c_str()));
    if (!fd.valid()) return names;
    for (uint32_t key : keys_of(fd.get())) {
        bpf_devmap_val val{};
        if (bpf_map_lookup_elem(fd.get(), &key, &val) == 0 && val.ifindex)
            names.push_back(interface_label(static_cast<int>(val.ifindex)));
    }
    return names;
}

std::vector<std::pair<std::string, std::string>> redirect_map_state(const std::string& dir) {
    std::vector<std::pair<std::string, std::string>> out;
    auto open = [&](const char* map) { return Fd(bpf_obj_get((dir + "/" + map).c_str())); };

    auto ports = [&](const char* map) { return devmap_device_names(dir + "/" + map); };
    if (auto to = ports(REDIRECT_TX_PORT_MAP); !to.empty()) out.emplace_back("to", join(to));
    if (auto to = ports(REDIRECT_TX_PORT_HASH_MAP); !to.empty()) out.emplace_back("to", join(to));
    if (auto all = ports(REDIRECT_BROADCAST_MAP); !all.empty())
        out.emplace_back("broadcast", join(all));

    if (Fd cpumap = open(REDIRECT_CPU_MAP); cpumap.valid()) {
        std::vector<uint32_t> cpus;
        uint32_t qsize = 0;
        for (uint32_t cpu = 0; cpu < REDIRECT_MAX_CPUS; ++cpu) {
            bpf_cpumap_val val{};
            if (bpf_map_lookup_elem(cpumap.get(), &cpu, &val) == 0 && val.qsize) {
                cpus.push_back(cpu);
                qsize = val.qsize;
            }
        }
        if (!cpus.empty()) {
            out.emplace_back("cpus", format_cpu_list(cpus));
            out.emplace_back("queue-size", std::to_string(qsize));
        }
    }
    if (Fd macs = open(REDIRECT_EGRESS_MACS_MAP); macs.valid()) {
        std::vector<std::string> rows;
        for (uint32_t key : keys_of(macs.get())) {
            redirect_macs m{};
            if (bpf_map_lookup_elem(macs.get(), &key, &m) != 0) continue;
            MacAddress src, dst;
            std::memcpy(src.data(), m.src, src.size());
            std::memcpy(dst.data(), m.dst, dst.size());
            rows.push_back(interface_label(static_cast<int>(key)) + ":" + to_string(src) + ">" +
                           to_string(dst));
        }
        if (!rows.empty()) out.emplace_back("egress-macs", join(rows));
    }
    return out;
}

Result<Interface> find_redirect_target(const std::string& name, const std::string& beside) {
    auto iface = find_interface(name);
    if (!iface) {
        const auto elsewhere = namespaces_holding(name);
        if (!elsewhere.empty()) {
            std::string list;
            for (const auto& ns : elsewhere) list += (list.empty() ? "'" : ", '") + ns + "'";
            return make_error(EXDEV,
                              "{} is not in network namespace '{}' with {} (it is in {}): "
                              "XDP_REDIRECT only reaches devices of the namespace the frame "
                              "arrived in; redirect into a veth whose peer is there instead",
                              name, current_netns_name(), beside, list);
        }
        return iface.error();
    }
    XDPKIT_TRY(require_redirect_target(iface->ifindex, iface->name));
    return iface;
}

const char* redirect_via_name(redirect_via via) {
    switch (via) {
    case REDIRECT_VIA_DEVMAP: return "devmap";
    case REDIRECT_VIA_DEVMAP_HASH: return "devmap-hash";
    case REDIRECT_VIA_CPUMAP: return "cpumap";
    case REDIRECT_VIA_BROADCAST: return "broadcast";
    }
    return "?";
}

Result<RedirectPlan> plan_redirect(const RedirectRequest& req) {
    RedirectPlan plan;
    auto ingress = find_interface(req.ifname);
    if (!ingress) return ingress.error();
    plan.ingress = *ingress;

    if (!req.broadcast.empty()) {
        if (!req.via.empty() && req.via != "broadcast")
            return make_error(EINVAL, "--broadcast is a mode of its own: drop --via {}", req.via);
        plan.via = REDIRECT_VIA_BROADCAST;
    } else if (!req.via.empty()) {
        auto via = parse_via(req.via);
        if (!via) return via.error();
        plan.via = *via;
        if (plan.via == REDIRECT_VIA_BROADCAST)
            return make_error(EINVAL, "--via broadcast: list the targets with --broadcast IF,IF");
    }
    XDPKIT_TRY(check_options(req, plan.via));

    if (plan.via == REDIRECT_VIA_CPUMAP) {
        auto cpus = plan_cpus(req);
        if (!cpus) return cpus.error();
        plan.cpus = std::move(*cpus);
        if (req.queue_size) plan.queue_size = req.queue_size;
    }
    if (plan.via == REDIRECT_VIA_BROADCAST && req.broadcast.size() > REDIRECT_MAX_PORTS)
        return make_error(EINVAL, "--broadcast lists {} devices; the set holds {}",
                          req.broadcast.size(), REDIRECT_MAX_PORTS);
    const std::vector<std::string> names =
        plan.via == REDIRECT_VIA_BROADCAST ? req.broadcast
        : req.to.empty()                   ? std::vector<std::string>{}
                                           : std::vector<std::string>{req.to};
    for (const auto& name : names) {
        auto t = find_redirect_target(name, plan.ingress.name);
        if (!t) return t.error();
        for (const auto& seen : plan.targets)
            if (seen.ifindex == t->ifindex)
                return make_error(EINVAL, "--broadcast lists {} twice", name);
        if (t->ifindex >= REDIRECT_MAX_IFINDEX)
            plan.notes.push_back(fmt::format("{} (ifindex {}) has no per-target counter: they "
                                             "cover ifindex < {}",
                                             t->name, t->ifindex, REDIRECT_MAX_IFINDEX));
        if (plan.via == REDIRECT_VIA_BROADCAST && t->ifindex == plan.ingress.ifindex)
            plan.notes.push_back(fmt::format("{} is in the set but gets no copies of its own "
                                             "frames (BPF_F_EXCLUDE_INGRESS)", t->name));
        plan.targets.push_back(*t);
    }

    if (!req.egress_prog.empty()) {
        plan.egress = REDIRECT_EGRESS_MAC_REWRITE;
        auto mac = parse_mac(req.dst_mac);
        if (!mac) return mac.error();
        plan.dst_mac = *mac;
    }
    return plan;
}

ParamValues redirect_params(const RedirectPlan& plan) {
    ParamValues p;
    p["via"] = redirect_via_name(plan.via);
    if (plan.via != REDIRECT_VIA_BROADCAST && !plan.targets.empty())
        p["to-ifindex"] = std::to_string(plan.targets.front().ifindex);
    p["cpu-count"] = std::to_string(plan.cpus.size());
    p["egress"] = plan.egress == REDIRECT_EGRESS_MAC_REWRITE ? "mac-rewrite" : "none";
    p["cpumap-then"] = plan.cpumap_then_devmap() ? "devmap" : "stack";
    return p;
}

Result<void> fill_redirect_maps(const LoadedProgram& prog, const RedirectPlan& plan) {
    auto egress_fd = program_fd(prog, REDIRECT_EGRESS_PROG);
    if (!egress_fd) return egress_fd.error();
    auto cpumap_fd = program_fd(prog, REDIRECT_CPUMAP_PROG);
    if (!cpumap_fd) return cpumap_fd.error();
    const int egress = plan.egress != REDIRECT_EGRESS_NONE ? *egress_fd : -1;

    if (plan.egress == REDIRECT_EGRESS_MAC_REWRITE)
        for (const auto& t : plan.targets) {
            auto src = link_mac(t.ifindex);
            if (!src) return src.error();
            redirect_macs macs{};
            std::memcpy(macs.src, src->data(), sizeof(macs.src));
            std::memcpy(macs.dst, plan.dst_mac.data(), sizeof(macs.dst));
            XDPKIT_TRY(update(prog, REDIRECT_EGRESS_MACS_MAP, static_cast<uint32_t>(t.ifindex),
                              &macs, "the MACs for " + t.name));
        }

    switch (plan.via) {
    case REDIRECT_VIA_DEVMAP:
        return add_port(prog, REDIRECT_TX_PORT_MAP, 0, plan.targets.front(), egress);
    case REDIRECT_VIA_DEVMAP_HASH:
        return add_port(prog, REDIRECT_TX_PORT_HASH_MAP,
                        static_cast<uint32_t>(plan.targets.front().ifindex), plan.targets.front(),
                        egress);
    case REDIRECT_VIA_BROADCAST:
        for (const auto& t : plan.targets)
            XDPKIT_TRY(add_port(prog, REDIRECT_BROADCAST_MAP, static_cast<uint32_t>(t.ifindex), t,
                                *egress_fd));
        return {};
    case REDIRECT_VIA_CPUMAP:
        break;
    }
    if (plan.cpumap_then_devmap())
        XDPKIT_TRY(add_port(prog, REDIRECT_TX_PORT_MAP, 0, plan.targets.front(), egress));
    for (uint32_t i = 0; i < plan.cpus.size(); ++i) {
        const uint32_t cpu = plan.cpus[i];
        XDPKIT_TRY(update(prog, REDIRECT_CPUS_MAP, i, &cpu, "CPU " + std::to_string(cpu)));
        bpf_cpumap_val val{};
        val.qsize = plan.queue_size;
        val.bpf_prog.fd = plan.cpumap_then_devmap() ? *cpumap_fd : -1;
        XDPKIT_TRY(update(prog, REDIRECT_CPU_MAP, cpu, &val, "CPU " + std::to_string(cpu)));
    }
    return {};
}

Result<AttachResult> set_up_redirect(const Family& family, const RedirectPlan& plan,
                                     XdpMode mode, bool replace, bool append) {
    AttachRequest req{&family, plan.ingress.name, mode, replace, append, redirect_params(plan),
                      [&plan](const LoadedProgram& p) { return fill_redirect_maps(p, plan); }};
    auto r = attach_program(req);
    if (r) r->notes.insert(r->notes.end(), plan.notes.begin(), plan.notes.end());
    return r;
}

}  // namespace xdpkit
