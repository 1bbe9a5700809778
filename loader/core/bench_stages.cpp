#include "bench_stages.h"

#include <bpf/bpf.h>

#include <cstring>

#include <xdpkit/common.h>

#include "counters.h"
#include "netns.h"
#include "redirect.h"

namespace xdpkit {
namespace {

Result<const Family*> family_named(const std::string& name, const FamilyLookup& lookup) {
    const Family* family = lookup(name);
    if (!family) return make_error(EINVAL, "bench: no program family '{}'", name);
    return family;
}

// The pinned verdict counters of a stage just attached (the fd works from any namespace).
Result<FrameTally> verdicts_of(const AttachResult& attached) {
    const std::string path =
        attached.pin_dir + "/" + attached.family + "/" + XDPKIT_ACTION_COUNTERS_MAP;
    const int fd = bpf_obj_get(path.c_str());
    if (fd < 0) return make_error(errno, "cannot open {}: {}", path, std::strerror(errno));
    return FrameTally::verdicts(Fd(fd));
}

// Attaches a program in native mode to ifname inside ns.
Result<FrameTally> attach_counting(const BenchAttach& what, const std::string& ns,
                                   const std::string& ifname, const FamilyLookup& lookup) {
    auto inside = NetnsGuard::enter(ns);
    if (!inside) return inside.error();
    auto family = family_named(what.family, lookup);
    if (!family) return family.error();
    auto params = parse_param_args(**family, what.params);
    if (!params) return params.error();
    auto r = attach_program({*family, ifname, XdpMode::Native, false, false, *params});
    if (!r) return r.error();
    return verdicts_of(*r);
}

// dut0's redirect, planned and set up by the same code as `xdpkit redirect`, in native mode.
Result<FrameTally> set_up_redirect_dut(const BenchRedirect& what, bool to_sink,
                                       const std::string& dut_ns, const FamilyLookup& lookup) {
    auto inside = NetnsGuard::enter(dut_ns);
    if (!inside) return inside.error();
    auto family = family_named("redirect", lookup);
    if (!family) return family.error();
    RedirectRequest req;
    req.ifname = BenchLab::kDutIf;
    req.via = what.via;
    req.cpus = what.cpus;
    if (to_sink) req.to = BenchLab::kDutOutIf;
    auto plan = plan_redirect(req);
    if (!plan) return plan.error();
    auto r = set_up_redirect(**family, *plan, XdpMode::Native, false, false);
    if (!r) return r.error();
    return verdicts_of(*r);
}

}  // namespace

Result<uint64_t> FrameTally::read() const {
    if (const auto* stack = std::get_if<SnmpCounters>(&source_))
        return stack->read("Udp", "NoPorts");
    auto recs = read_datarecs(std::get<Fd>(source_).get());
    if (!recs) return recs.error();
    uint64_t n = 0;
    for (const auto& r : *recs) n += r.packets;
    return n;
}

Result<std::optional<FrameTally>> set_up_arrival(const BenchScenario& scenario,
                                                 const BenchLab& lab, const FamilyLookup& lookup) {
    switch (scenario.arrival) {
    case BenchArrival::None:
        return std::optional<FrameTally>();
    case BenchArrival::Gen:
    case BenchArrival::Sink: {
        const bool gen = scenario.arrival == BenchArrival::Gen;
        auto t = attach_counting(bench_counting_sink(), gen ? lab.gen_ns() : lab.sink_ns(),
                                 gen ? BenchLab::kGenIf : BenchLab::kSinkIf, lookup);
        if (!t) return t.error();
        return std::optional<FrameTally>(std::move(*t));
    }
    case BenchArrival::Stack: {
        auto inside = NetnsGuard::enter(lab.dut_ns());
        if (!inside) return inside.error();
        auto stack = SnmpCounters::open_here();
        if (!stack) return stack.error();
        return std::optional<FrameTally>(FrameTally::udp_no_ports(std::move(*stack)));
    }
    }
    return make_error(EINVAL, "bench: unknown arrival point");
}

Result<FrameTally> set_up_dut(const BenchScenario& scenario, const BenchLab& lab,
                              const FamilyLookup& lookup) {
    if (const auto* redirect = std::get_if<BenchRedirect>(&scenario.dut))
        return set_up_redirect_dut(*redirect, scenario.needs_sink(), lab.dut_ns(), lookup);
    return attach_counting(std::get<BenchAttach>(scenario.dut), lab.dut_ns(), BenchLab::kDutIf,
                           lookup);
}

}  // namespace xdpkit
