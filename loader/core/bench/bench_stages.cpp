#include "core/bench/bench_stages.h"

#include <bpf/bpf.h>

#include <cstring>

#include <xdpkit/common.h>

#include "core/bench/bench_accel.h"
#include "core/bench/bench_afxdp.h"
#include "core/kernel/bpffs.h"
#include "core/attach/counters.h"
#include "core/kernel/netns.h"
#include "core/net/redirect.h"

namespace xdpkit {
namespace {

Result<const Family*> family_named(const std::string& name, const FamilyLookup& lookup) {
    const Family* family = lookup(name);
    if (!family) return make_error(EINVAL, "bench: no program family '{}'", name);
    return family;
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

Result<FrameTally> verdicts_of(const AttachResult& attached) {
    const std::string path =
        attached.pin_dir + "/" + attached.family + "/" + XDPKIT_ACTION_COUNTERS_MAP;
    auto fd = open_pin(path);
    if (!fd) return fd.error();
    return FrameTally::verdicts(std::move(*fd));
}

BenchDut::BenchDut(FrameTally v, std::unique_ptr<BenchXsk> x,
                   std::unique_ptr<BenchAccelEngine> a)
    : verdicts(std::move(v)), xsk(std::move(x)), accel(std::move(a)) {}
BenchDut::BenchDut(BenchDut&&) noexcept = default;
BenchDut::~BenchDut() = default;

Result<uint64_t> FrameTally::read() const {
    if (const auto* stack = std::get_if<SnmpCounters>(&source_))
        return stack->read("Udp", "NoPorts");
    if (const auto* count = std::get_if<std::function<uint64_t()>>(&source_)) return (*count)();
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
    case BenchArrival::Socket:  // the engine's count, once set_up_dut started it
    case BenchArrival::Engine:
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

Result<BenchDut> set_up_dut(const BenchScenario& scenario, const BenchLab& lab,
                            const FamilyLookup& lookup, const BenchIpsecOptions& ipsec) {
    if (std::holds_alternative<BenchAccel>(scenario.dut)) {
        auto family = family_named("ipsec", lookup);
        if (!family) return family.error();
        const Family* post = nullptr;
        if (auto steps = parse_after_steps({ipsec.after}); steps && !steps->program.empty()) {
            auto p = family_named(steps->program, lookup);
            if (!p) return p.error();
            post = *p;
        }
        auto engine = BenchAccelEngine::start(ipsec, lab, **family, post);
        if (!engine) return engine.error();
        auto verdicts = (*engine)->verdicts();
        if (!verdicts) return verdicts.error();
        return BenchDut{std::move(*verdicts), nullptr, std::move(*engine)};
    }
    if (const auto* xsk = std::get_if<BenchAfxdp>(&scenario.dut)) {
        auto family = family_named("afxdp", lookup);
        if (!family) return family.error();
        auto engine = BenchXsk::start(*xsk, lab, **family);
        if (!engine) return engine.error();
        auto verdicts = (*engine)->verdicts();
        if (!verdicts) return verdicts.error();
        return BenchDut{std::move(*verdicts), std::move(*engine)};
    }
    auto verdicts =
        std::holds_alternative<BenchRedirect>(scenario.dut)
            ? set_up_redirect_dut(std::get<BenchRedirect>(scenario.dut), scenario.needs_sink(),
                                  lab.dut_ns(), lookup)
            : attach_counting(std::get<BenchAttach>(scenario.dut), lab.dut_ns(),
                              BenchLab::kDutIf, lookup);
    if (!verdicts) return verdicts.error();
    return BenchDut{std::move(*verdicts), nullptr};
}

}  // namespace xdpkit
