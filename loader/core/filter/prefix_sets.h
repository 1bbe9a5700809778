// The prefix entries of the filter's LPM maps, worked out from the rules. A longest-prefix
// lookup finds one entry, so each entry carries the rules of every stored prefix that contains
// it (include/xdpkit/filter.h, struct filter_prefix_value): computing that is this file's one
// job, kept pure so it is unit-tested without a kernel.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "core/filter/filter_rule.h"

namespace xdpkit {

struct PrefixRules {
    uint64_t own = 0;      // rules that name exactly this prefix
    uint64_t matches = 0;  // rules whose prefixes contain it, its own included
};

// Orders prefixes by family, then address, then length: a prefix sorts right before the
// longer ones inside it.
struct PrefixOrder {
    bool operator()(const Prefix& a, const Prefix& b) const;
};

using PrefixTable = std::map<Prefix, PrefixRules, PrefixOrder>;

// Every prefix `rules` name in one direction (src or dst), with own set; matches left 0.
PrefixTable own_prefixes(const std::vector<FilterRule>& rules, bool src);
// Fills in every entry's matches from the owns: one pass over the ordered table with a stack
// of the prefixes that contain the current one.
void fill_matches(PrefixTable& table);
// Whether p contains q (same family, p no longer, q's first p.len bits equal p's).
bool contains(const Prefix& p, const Prefix& q);

}  // namespace xdpkit
