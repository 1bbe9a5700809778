#include "core/afxdp/afxdp_report.h"

#include <fmt/format.h>

#include "core/base/units.h"

namespace xdpkit {
namespace {

const char* const kOutcomeNames[AFXDP_OUTCOME_SLOTS] = {"to-socket", "passed", "filtered-out",
                                                        "no-socket"};

struct XdpStatField {
    const char* name;
    __u64 xdp_statistics::*field;
};
constexpr XdpStatField kXdpStatFields[] = {
    {"rx_dropped", &xdp_statistics::rx_dropped},
    {"rx_invalid_descs", &xdp_statistics::rx_invalid_descs},
    {"tx_invalid_descs", &xdp_statistics::tx_invalid_descs},
    {"rx_ring_full", &xdp_statistics::rx_ring_full},
    {"rx_fill_ring_empty_descs", &xdp_statistics::rx_fill_ring_empty_descs},
    {"tx_ring_empty_descs", &xdp_statistics::tx_ring_empty_descs},
};

double rate(uint64_t before, uint64_t after, double seconds) {
    return seconds > 0 && after >= before ? double(after - before) / seconds : 0;
}

Json program_json(const AfxdpSample& s) {
    Json j = Json::object();
    for (uint32_t i = 0; i < AFXDP_OUTCOME_SLOTS; ++i) j[kOutcomeNames[i]] = s.outcomes[i];
    return j;
}

std::string program_text(const AfxdpSample& s) {
    std::string t;
    for (uint32_t i = 0; i < AFXDP_OUTCOME_SLOTS; ++i)
        t += fmt::format("{}{} {}", t.empty() ? "" : ", ", kOutcomeNames[i], s.outcomes[i]);
    return t;
}

Json rx_queues_json(const AfxdpSample& s) {
    Json j = Json::object();
    for (size_t q = 0; q < s.rx_queue_frames.size(); ++q) j[std::to_string(q)] = s.rx_queue_frames[q];
    return j;
}

Json queue_json(const AfxdpQueueSample& q) {
    return Json{{"queue", q.queue},
                {"rx_packets", q.loop.rx_packets},
                {"rx_bytes", q.loop.rx_bytes},
                {"tx_packets", q.loop.tx_packets},
                {"tx_bytes", q.loop.tx_bytes},
                {"tx_completed", q.loop.tx_completed},
                {"not_replied", q.loop.not_replied},
                {"tx_ring_full", q.loop.tx_ring_full},
                {"wakeups", q.loop.wakeups},
                {"frames", {{"free", q.loop.frames_free}, {"fill", q.loop.frames_fill},
                            {"user", q.loop.frames_user}, {"tx", q.loop.frames_tx}}},
                {"accounting_violations", q.loop.accounting_violations},
                {"xdp_statistics", xdp_stats_json(q.xdp)}};
}

// The queues summed (the XDP_STATISTICS too).
AfxdpQueueSample total_of(const AfxdpSample& s) {
    AfxdpQueueSample t;
    for (const auto& q : s.queues) {
        t.loop += q.loop;
        for (const auto& f : kXdpStatFields) t.xdp.*f.field += q.xdp.*f.field;
    }
    return t;
}

}  // namespace

Json xdp_stats_json(const xdp_statistics& s) {
    Json j = Json::object();
    for (const auto& f : kXdpStatFields) j[f.name] = s.*f.field;
    return j;
}

std::string xdp_stats_text(const xdp_statistics& s) {
    std::string t;
    for (const auto& f : kXdpStatFields) t += fmt::format("{}{} {}", t.empty() ? "" : "  ", f.name, s.*f.field);
    return t;
}

Json afxdp_started_json(const AfxdpPlan& plan, const AttachResult& r, const XskSet& xsks) {
    std::vector<std::string> notes = plan.notes;
    notes.insert(notes.end(), xsks.notes.begin(), xsks.notes.end());
    notes.insert(notes.end(), r.notes.begin(), r.notes.end());
    return Json{{"event", "started"},
                {"ifname", plan.iface.name},
                {"queues", plan.queues},
                {"mode", afxdp_mode_name(plan.mode)},
                {"steer", steer_text(plan.steering)},
                {"filter", filter_text(plan.steering)},
                {"copy_mode", xsks.zero_copy ? "zero-copy" : "copy"},
                {"need_wakeup", plan.xsk.need_wakeup},
                {"busy_poll", plan.xsk.busy_poll},
                {"batch", plan.loop.batch},
                {"frames_per_socket", xsks.frames_per_socket},
                {"frame_size", plan.umem.frame_size},
                {"hugepages", xsks.umem->on_hugepages()},
                {"prog_id", r.prog_id},
                {"link_id", r.link_id},
                {"slot", r.slot},
                {"xdp_mode", r.mode},
                {"notes", notes}};
}

std::string format_afxdp_started(const AfxdpPlan& plan, const AttachResult& r,
                                 const XskSet& xsks) {
    std::string s;
    for (const auto& n : plan.notes) s += "note: " + n + "\n";
    for (const auto& n : xsks.notes) s += "note: " + n + "\n";
    for (const auto& n : r.notes) s += "note: " + n + "\n";
    s += fmt::format(
        "{}: AF_XDP on queue{} {} ({} mode{}{}, {} frames of {} B per socket{}), {} mode, steer "
        "{} (filter {}); program 'afxdp' {} in {} mode (prog id {}, chain slot {}); Ctrl-C "
        "stops and detaches\n",
        plan.iface.name, plan.queues.size() > 1 ? "s" : "",
        fmt::join(plan.queues, ","), xsks.zero_copy ? "zero-copy" : "copy",
        plan.xsk.need_wakeup ? ", need_wakeup" : "", plan.xsk.busy_poll ? ", busy-poll" : "",
        xsks.frames_per_socket, plan.umem.frame_size,
        xsks.umem->on_hugepages() ? " on huge pages" : "", afxdp_mode_name(plan.mode),
        steer_text(plan.steering), filter_text(plan.steering), r.action, r.mode, r.prog_id,
        r.slot);
    return s;
}

Json afxdp_interval_json(const AfxdpSample& prev, const AfxdpSample& now) {
    const double dt = now.seconds - prev.seconds;
    Json queues = Json::array();
    for (size_t i = 0; i < now.queues.size(); ++i) {
        const auto& q = now.queues[i];
        const auto& p = i < prev.queues.size() ? prev.queues[i] : AfxdpQueueSample{};
        Json j = queue_json(q);
        j["rx_pps"] = rate(p.loop.rx_packets, q.loop.rx_packets, dt);
        j["rx_bps"] = 8 * rate(p.loop.rx_bytes, q.loop.rx_bytes, dt);
        j["tx_pps"] = rate(p.loop.tx_packets, q.loop.tx_packets, dt);
        j["tx_bps"] = 8 * rate(p.loop.tx_bytes, q.loop.tx_bytes, dt);
        queues.push_back(j);
    }
    return Json{{"event", "interval"},
                {"seconds", now.seconds},
                {"period", dt},
                {"queues", queues},
                {"program", program_json(now)},
                {"rx_queue_frames", rx_queues_json(now)}};
}

std::string format_afxdp_interval(const AfxdpSample& prev, const AfxdpSample& now) {
    const double dt = now.seconds - prev.seconds;
    std::string s;
    for (size_t i = 0; i < now.queues.size(); ++i) {
        const auto& q = now.queues[i];
        const auto& p = i < prev.queues.size() ? prev.queues[i] : AfxdpQueueSample{};
        s += fmt::format(
            "{:7.1f} s  queue {:<2} RX {:>11} pkts {:>12} {:>14}   TX {:>11} pkts {:>12} {:>14}\n",
            now.seconds, q.queue, q.loop.rx_packets, format_pps(rate(p.loop.rx_packets, q.loop.rx_packets, dt)),
            format_bps(8 * rate(p.loop.rx_bytes, q.loop.rx_bytes, dt)), q.loop.tx_packets,
            format_pps(rate(p.loop.tx_packets, q.loop.tx_packets, dt)),
            format_bps(8 * rate(p.loop.tx_bytes, q.loop.tx_bytes, dt)));
        s += fmt::format("{:19}{}\n", "", xdp_stats_text(q.xdp));
    }
    s += fmt::format("{:19}program: {}\n", "", program_text(now));
    return s;
}

Json afxdp_hint_json(const std::string& hint, const AfxdpSample& now) {
    return Json{{"event", "hint"}, {"message", hint}, {"rx_queue_frames", rx_queues_json(now)}};
}

Json afxdp_stopped_json(const AfxdpSample& last, const DetachResult& d, bool audit_ok) {
    const AfxdpQueueSample t = total_of(last);
    Json queues = Json::array();
    for (const auto& q : last.queues) queues.push_back(queue_json(q));
    return Json{{"event", "stopped"},
                {"seconds", last.seconds},
                {"rx_packets", t.loop.rx_packets},
                {"rx_bytes", t.loop.rx_bytes},
                {"tx_packets", t.loop.tx_packets},
                {"tx_bytes", t.loop.tx_bytes},
                {"tx_completed", t.loop.tx_completed},
                {"not_replied", t.loop.not_replied},
                {"tx_ring_full", t.loop.tx_ring_full},
                {"xdp_statistics", xdp_stats_json(t.xdp)},
                {"program", program_json(last)},
                {"rx_queue_frames", rx_queues_json(last)},
                {"queues", queues},
                {"accounting", {{"audit", audit_ok}, {"violations", t.loop.accounting_violations}}},
                {"detached", d.detached},
                {"chain_removed", d.chain_removed}};
}

std::string format_afxdp_stopped(const AfxdpPlan& plan, const AfxdpSample& last,
                                 const DetachResult& d, bool audit_ok) {
    const AfxdpQueueSample t = total_of(last);
    std::string tx;
    if (plan.mode == AfxdpMode::Pong)
        tx = fmt::format(", TX {} echo replies ({} sent)", t.loop.tx_packets, t.loop.tx_completed);
    return fmt::format(
        "{}: stopped after {:.1f} s: RX {} packets{}; program: {}; frames {}; {}\n",
        plan.iface.name, last.seconds, t.loop.rx_packets, tx, program_text(last),
        audit_ok && t.loop.accounting_violations == 0 ? "all accounted for"
                                                 : fmt::format("ACCOUNTING BROKEN ({} violations)",
                                                               t.loop.accounting_violations),
        d.chain_removed ? "afxdp detached, nothing of xdpkit's left on " + plan.iface.name
                        : "afxdp detached, the other stages left as they were");
}

}  // namespace xdpkit
