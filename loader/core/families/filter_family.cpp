#include <fmt/format.h>
#include <xdpkit/filter.h>

#include "core/families/families.h"
#include "core/filter/filter_rules_db.h"
#include "filter.skel.h"

namespace xdpkit {
namespace {

std::string filter_event_name(uint32_t ev) {
    switch (ev) {
    case FILTER_EV_DEFAULT_ALLOW: return "default-allow";
    case FILTER_EV_DEFAULT_DENY: return "default-deny";
    case FILTER_EV_NON_IP: return "non-ip";
    case FILTER_EV_UNPARSED: return "unparsed";
    case FILTER_EV_NO_PORTS: return "no-ports";
    default: return std::to_string(ev);
    }
}

// status: the namespace's rules (shared by every filter stage there), one line each.
std::vector<std::pair<std::string, std::string>> filter_map_state(const std::string&) {
    auto db = FilterRules::open_pinned(/*create=*/false);
    if (!db) return {{"rules", db.error().message}};
    auto rules = db->list();
    if (!rules) return {{"rules", rules.error().message}};
    std::vector<std::pair<std::string, std::string>> out = {
        {"rules", fmt::format("{} in {}", rules->size(), db->where())}};
    for (const auto& e : *rules) out.emplace_back("rule", rule_text(e.rule));
    return out;
}

}  // namespace

const Family& filter_family() {
    static const Family f{
        "filter",
        "drop by address and port: ordered allow/deny rules over prefixes, protocol and "
        "TCP/UDP ports, changed live with 'xdpkit filter add|del'",
        "xdpkit_filter",
        {
            ParamSpec{"default", "default_action", ParamKind::Choice, "allow",
                      "what a frame no rule matches gets",
                      {{"allow", FILTER_DEFAULT_ALLOW}, {"deny", FILTER_DEFAULT_DENY}}},
            ParamSpec{"unparsed", "unparsed", ParamKind::Choice, "act",
                      "frames whose headers cannot be walked to their ports (too many IPv6 "
                      "extension headers, cut short): dropped while a rule or the default "
                      "denies (fail closed), or always passed",
                      {{"act", XDPKIT_UNPARSED_ACT}, {"pass", XDPKIT_UNPARSED_PASS}}},
        },
        true,
        skeleton_opener<filter_bpf>(),
        {CounterTable{FILTER_RULE_COUNTERS_MAP, "rule",
                      [](uint32_t p) { return fmt::format("priority {}", p); }},
         CounterTable{FILTER_EVENTS_MAP, "event", filter_event_name, {FILTER_EV_UNPARSED}}},
        false,
        "",
        filter_map_state,
        share_filter_rules};
    return f;
}

}  // namespace xdpkit
