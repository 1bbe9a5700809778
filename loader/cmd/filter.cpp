// xdpkit filter add|del|list|flush: the rules of the filter program, changed live
// (docs/filter.md). The program is attached like any other: `xdpkit attach filter IFACE`.
#include <xdpkit/filter.h>


#include "command.h"
#include "core/base/output.h"
#include "core/filter/filter_rule.h"
#include "core/filter/filter_rules_db.h"

namespace xdpkit {
namespace {

struct FilterAddArgs {
    std::string priority, action, proto, sport, dport, file;
    std::vector<std::string> src, dst, src_file, dst_file;
};

// The flags back into the words a rule file line has, so one parser judges both.
std::vector<std::string> words_of(const FilterAddArgs& a) {
    std::vector<std::string> w;
    auto put = [&w](const char* flag, const std::string& v) {
        if (!v.empty()) w.insert(w.end(), {flag, v});
    };
    put("--priority", a.priority);
    put("--action", a.action);
    put("--proto", a.proto);
    put("--sport", a.sport);
    put("--dport", a.dport);
    for (const auto& v : a.src) put("--src", v);
    for (const auto& v : a.dst) put("--dst", v);
    for (const auto& v : a.src_file) put("--src-file", v);
    for (const auto& v : a.dst_file) put("--dst-file", v);
    return w;
}

Result<std::vector<FilterRule>> rules_of(const FilterAddArgs& a) {
    const auto words = words_of(a);
    if (!a.file.empty()) {
        if (!words.empty()) return make_error(EINVAL, "--file or the flags of one rule, not both");
        return read_rule_file(a.file);
    }
    auto r = rule_from_words(words);
    if (!r) return r.error();
    return std::vector<FilterRule>{*r};
}

Result<void> handle_add(const FilterAddArgs& a, const GlobalOptions& g) {
    auto rules = rules_of(a);
    if (!rules) return rules.error();
    auto db = FilterRules::open_pinned(/*create=*/true);
    if (!db) return db.error();
    XDPKIT_TRY(db->add(*rules));
    if (g.json) {
        Json added = Json::array();
        for (const auto& r : *rules) added.push_back(to_json(FilterRuleEntry{r, {}}));
        print_json({{"added", added}, {"rules", db->where()}});
    } else {
        for (const auto& r : *rules) fmt::print("added rule {}\n", rule_text(r));
    }
    return {};
}

Result<void> handle_del(uint32_t priority, const GlobalOptions& g) {
    auto db = FilterRules::open_pinned(/*create=*/false);
    if (!db) return db.error();
    auto gone = db->remove(priority);
    if (!gone) return gone.error();
    if (g.json)
        print_json({{"deleted", to_json(FilterRuleEntry{*gone, {}})}});
    else
        fmt::print("deleted rule {}\n", rule_text(*gone));
    return {};
}

Result<void> handle_flush(const GlobalOptions& g) {
    auto db = FilterRules::open_pinned(/*create=*/false);
    if (!db) return db.error();
    auto removed = db->flush();
    if (!removed) return removed.error();
    if (g.json)
        print_json({{"flushed", true}, {"rules_removed", *removed}});
    else
        fmt::print("flushed every rule{}\n", *removed ? "; no filter program is attached, so "
                                                        "its maps were removed too"
                                                      : "");
    return {};
}

Result<void> handle_list(const GlobalOptions& g) {
    auto db = FilterRules::open_pinned(/*create=*/false);
    if (!db) {
        if (db.error().err != ENOENT) return db.error();
        if (g.json)
            print_json({{"rules", Json::array()}});
        else
            fmt::print("no rules (no filter rules in this namespace)\n");
        return {};
    }
    auto entries = db->list();
    if (!entries) return entries.error();
    if (g.json) {
        Json all = Json::array();
        for (const auto& e : *entries) all.push_back(to_json(e));
        print_json({{"where", db->where()}, {"rules", all}});
        return {};
    }
    if (entries->empty()) fmt::print("no rules\n");
    for (const auto& e : *entries)
        fmt::print("{:<60} {:>12} packets {:>14} bytes\n", rule_text(e.rule), e.counters.packets,
                   e.counters.bytes);
    return {};
}

}  // namespace

void register_filter(CommandTable& t, CLI::App& app) {
    CLI::App* filter = app.add_subcommand(
        "filter", "The filter program's rules: allow or deny by prefix, protocol and port");
    filter->require_subcommand(1);
    auto a = std::make_shared<FilterAddArgs>();
    CLI::App* add = t.add(*filter, "add", "Add one rule, or every rule of a file (all or none)",
                          [a](const GlobalOptions& g) { return handle_add(*a, g); });
    add->add_option("--priority", a->priority, "0..63: the first matching rule decides");
    add->add_option("--action", a->action, "allow or deny");
    add->add_option("--src", a->src, "Source prefix (repeatable; IPv4 or IPv6)");
    add->add_option("--dst", a->dst, "Destination prefix (repeatable)");
    add->add_option("--src-file", a->src_file, "Source prefixes, one per line");
    add->add_option("--dst-file", a->dst_file, "Destination prefixes, one per line");
    add->add_option("--proto", a->proto, "IP protocol, by name or number");
    add->add_option("--sport", a->sport, "TCP/UDP source ports: 22, 1000-2000, or a list");
    add->add_option("--dport", a->dport, "TCP/UDP destination ports");
    add->add_option("--file", a->file, "A rule file: one rule per line, written as these flags");
    auto priority = std::make_shared<uint32_t>(0);
    CLI::App* del = t.add(*filter, "del", "Delete the rule of a priority",
                          [priority](const GlobalOptions& g) { return handle_del(*priority, g); });
    del->add_option("--priority", *priority, "Its priority")
        ->required()
        ->check(CLI::Range(0u, uint32_t{FILTER_MAX_RULES - 1}));
    t.add(*filter, "flush", "Delete every rule (and the maps, when no filter program uses them)",
          [](const GlobalOptions& g) { return handle_flush(g); });
    t.add(*filter, "list", "Every rule in priority order, with its counters",
          [](const GlobalOptions& g) { return handle_list(g); });
}

}  // namespace xdpkit
