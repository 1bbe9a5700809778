// The filter's rules in the kernel: the maps the filter program reads (include/xdpkit/
// filter.h), one set per network namespace, pinned in its folder as `filter:rules` and shared
// by every filter stage there — rules are the namespace's, as xdp-filter's maps are shared by
// its interfaces. Changed live, without reloading: a rule's masks are written while it is
// inactive and it is switched on last; it is switched off first when it goes.
//
// The maps are the only record: a rule is read back from them (its prefixes are the entries
// whose own mask has its bit, its ports the array slots that do, ...), so nothing else can
// drift from what the program runs on. `xdpkit run` gets a private set over its own program.
#pragma once

#include <bpf/libbpf.h>

#include <xdpkit/common.h>
#include <xdpkit/filter.h>

#include <optional>
#include <string>
#include <vector>

#include "core/base/fd.h"
#include "core/base/output.h"
#include "core/base/result.h"
#include "core/filter/filter_rule.h"

namespace xdpkit {

class LoadedProgram;

// The rule set's entry in a namespace's pin folder.
constexpr const char* kFilterRulesPin = "filter:rules";

// Family hook, before load: makes the namespace's rule maps when there are none, then points
// the object's maps at their pins, so libbpf reuses them.
Result<void> share_filter_rules(bpf_object* obj);

struct FilterRuleEntry {
    FilterRule rule;
    xdpkit_datarec counters{};  // frames this rule decided, summed over CPUs and interfaces
};

// {"priority", "action", "src", "dst", "proto", "sport", "dport", "counters"}: `filter list
// --json`, `run filter --rules`.
Json to_json(const FilterRuleEntry& e);

class FilterRules {
public:
    // The namespace's rules. create: make the maps (by loading the filter object once, so
    // they are exactly what the program declares) when nothing is pinned yet.
    static Result<FilterRules> open_pinned(bool create);
    // A loaded filter program's own maps (`xdpkit run`, tests).
    static Result<FilterRules> of_program(const LoadedProgram& p);

    // Adds all of them or none: a priority already taken (by a rule here or twice in rules)
    // or a kernel error leaves the rules as they were. Each starts with zero counters.
    Result<void> add(const std::vector<FilterRule>& rules);
    // Removes the rule of this priority.
    Result<FilterRule> remove(uint32_t priority);
    // Removes every rule; the pins go too when no filter stage of the namespace uses them
    // (true is returned).
    Result<bool> flush();
    // Every rule in priority order, with its counters.
    Result<std::vector<FilterRuleEntry>> list() const;

    const std::string& where() const { return where_; }

private:
    FilterRules() = default;
    Result<std::vector<FilterRule>> read_rules() const;
    // Makes the maps say exactly `rules`: masks first, then the config, switching off the
    // rules that go before anything else and on the rules that come after everything else.
    Result<void> write_rules(const std::vector<FilterRule>& before,
                             const std::vector<FilterRule>& after);
    Result<void> zero_counters(uint32_t priority);

    std::string where_;  // pin directory, or "program"
    Fd src4_, dst4_, src6_, dst6_, proto_, sport_, dport_, config_, counters_;
};

}  // namespace xdpkit
