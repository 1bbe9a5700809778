#include "core/ipsec/accel_report.h"

#include <fmt/format.h>

#include "core/afxdp/afxdp_report.h"
#include "core/base/units.h"

namespace xdpkit {
namespace {

double rate(uint64_t before, uint64_t after, double seconds) {
    return seconds > 0 && after >= before ? double(after - before) / seconds : 0;
}

uint64_t ok_of(const AccelCounters& c) { return c.results[static_cast<size_t>(EspResult::ok)]; }

uint64_t failed_of(const AccelCounters& c) {
    uint64_t n = 0;
    for (size_t i = 0; i < kEspResults; ++i)
        if (i != static_cast<size_t>(EspResult::ok)) n += c.results[i];
    return n;
}

Json results_json(const AccelCounters& c) {
    Json j = Json::object();
    for (size_t i = 0; i < kEspResults; ++i)
        j[esp_result_name(static_cast<EspResult>(i))] = c.results[i];
    return j;
}

// Only the results that happened: "auth-fail 3, replay 1".
std::string failures_text(const AccelCounters& c) {
    std::string t;
    for (size_t i = 0; i < kEspResults; ++i)
        if (i != static_cast<size_t>(EspResult::ok) && c.results[i])
            t += fmt::format("{}{} {}", t.empty() ? "" : ", ", esp_result_name(static_cast<EspResult>(i)),
                             c.results[i]);
    return t.empty() ? "none" : t;
}

Json after_json(const AccelCounters& c) {
    return {{"dropped", c.dropped},
            {"program_pass", c.program_pass},
            {"program_drop", c.program_drop},
            {"program_other", c.program_other},
            {"program_errors", c.program_errors},
            {"forwarded", c.forwarded},
            {"forward_bytes", c.forward_bytes},
            {"forward_completed", c.forward_completed},
            {"no_neighbour", c.no_neighbour},
            {"forward_ring_full", c.forward_ring_full}};
}

std::string after_text(const AccelCounters& c) {
    std::string t = fmt::format("dropped {}", c.dropped);
    if (c.program_pass + c.program_drop + c.program_other + c.program_errors)
        t += fmt::format(", program pass {} drop {} other {} errors {}", c.program_pass,
                         c.program_drop, c.program_other, c.program_errors);
    if (c.forwarded + c.no_neighbour + c.forward_ring_full)
        t += fmt::format(", forwarded {} (sent {}), no neighbour {}, ring full {}", c.forwarded,
                         c.forward_completed, c.no_neighbour, c.forward_ring_full);
    return t;
}

Json sa_json(const SaEntry& e) {
    return {{"spi", e.sa.spi},
            {"dst", to_string(e.sa.dst)},
            {"cipher", cipher_name(e.sa.cipher)},
            {"auth", auth_name(e.sa.auth)},
            {"replay_window", e.sa.replay_window},
            {"slot", e.slot},
            {"key_fingerprint", key_fingerprint(e.sa)}};
}

}  // namespace

Json accel_started_json(const AccelSession& s) {
    const AccelPlan& p = s.plan();
    const AccelSetup& u = s.setup();
    Json sas = Json::array();
    for (const auto& e : u.sas) sas.push_back(sa_json(e));
    Json j = {{"event", "started"},
              {"interface", p.iface.name},
              {"queue", p.queue},
              {"backend", p.backend},
              {"backend_detail", u.backend_detail},
              {"pattern", p.pattern},
              {"after", after_text(p.after)},
              {"zero_copy", u.zero_copy},
              {"sas", sas},
              {"sas_from_file", u.sas_added},
              {"program_attached", u.program_attached},
              {"notes", u.notes}};
    if (u.program_attached) {
        j["slot"] = u.attached.slot;
        j["mode"] = u.attached.mode;
        j["prog_id"] = u.attached.prog_id;
    }
    return j;
}

std::string format_accel_started(const AccelSession& s) {
    const AccelPlan& p = s.plan();
    const AccelSetup& u = s.setup();
    std::string t = fmt::format(
        "accel {} queue {}: backend {} ({}), pattern {} ({}), after {}, {} mode\n", p.iface.name,
        p.queue, p.backend, u.backend_detail, p.pattern,
        p.pattern == 1 ? "one thread" : "RX thread + crypto thread", after_text(p.after),
        u.zero_copy ? "zero-copy" : "copy");
    for (const auto& e : u.sas)
        t += fmt::format("  SA {:#x} to {}: {} {}, window {}, slot {}{}\n", e.sa.spi,
                         to_string(e.sa.dst), cipher_name(e.sa.cipher), auth_name(e.sa.auth),
                         e.sa.replay_window, e.slot, u.sas_added ? " (from " + p.sa_file + ")" : "");
    if (u.program_attached)
        t += fmt::format("  ipsec {} to {} (slot {}, {} mode, prog id {})\n", u.attached.action,
                         p.iface.name, u.attached.slot, u.attached.mode, u.attached.prog_id);
    for (const auto& n : u.notes) t += "  note: " + n + "\n";
    return t;
}

Json accel_interval_json(const AccelSample& prev, const AccelSample& now) {
    const double dt = now.seconds - prev.seconds;
    const AccelCounters& a = prev.loop;
    const AccelCounters& b = now.loop;
    return {{"event", "interval"},
            {"seconds", now.seconds},
            {"rx_packets", b.rx_packets},
            {"rx_pps", rate(a.rx_packets, b.rx_packets, dt)},
            {"ok_pps", rate(ok_of(a), ok_of(b), dt)},
            {"inner_bps", 8 * rate(a.inner_bytes, b.inner_bytes, dt)},
            {"results", results_json(b)},
            {"after", after_json(b)},
            {"xdp_statistics", xdp_stats_json(now.xdp)}};
}

std::string format_accel_interval(const AccelSample& prev, const AccelSample& now) {
    const double dt = now.seconds - prev.seconds;
    const AccelCounters& a = prev.loop;
    const AccelCounters& b = now.loop;
    return fmt::format("{:8.2f} s  rx {:>12}  ok {:>12}  inner {:>14}  failed {}  {}\n",
                       now.seconds, format_pps(rate(a.rx_packets, b.rx_packets, dt)),
                       format_pps(rate(ok_of(a), ok_of(b), dt)),
                       format_bps(8 * rate(a.inner_bytes, b.inner_bytes, dt)),
                       failed_of(b) - failed_of(a), after_text(b));
}

Json accel_stopped_json(const AccelSample& last, const std::vector<std::string>& notes,
                        bool audit_ok) {
    const AccelCounters& c = last.loop;
    return {{"event", "stopped"},
            {"seconds", last.seconds},
            {"rx_packets", c.rx_packets},
            {"rx_bytes", c.rx_bytes},
            {"results", results_json(c)},
            {"inner_bytes", c.inner_bytes},
            {"after", after_json(c)},
            {"window_updates", c.window_updates},
            {"window_errors", c.window_errors},
            {"xdp_statistics", xdp_stats_json(last.xdp)},
            {"frames_audit_ok", audit_ok && c.accounting_violations == 0},
            {"notes", notes}};
}

std::string format_accel_stopped(const AccelSample& last, const std::vector<std::string>& notes,
                                 bool audit_ok) {
    const AccelCounters& c = last.loop;
    std::string t = fmt::format(
        "stopped after {:.2f} s: received {} ESP frame(s) ({} bytes), decrypted {} ({} bytes of "
        "inner packets), failed: {}\n  after: {}\n  replay windows published {} time(s){}\n"
        "  socket: {}\n  frames: {}\n",
        last.seconds, c.rx_packets, c.rx_bytes, ok_of(c), c.inner_bytes, failures_text(c),
        after_text(c), c.window_updates,
        c.window_errors ? fmt::format(" ({} failed)", c.window_errors) : "",
        xdp_stats_text(last.xdp),
        audit_ok && c.accounting_violations == 0 ? "every frame accounted for"
                                                 : "ACCOUNTING ERROR (a frame lost or doubled)");
    for (const auto& n : notes) t += "  " + n + "\n";
    return t;
}

}  // namespace xdpkit
