#include "core/filter/prefix_sets.h"

#include <tuple>

namespace xdpkit {

bool PrefixOrder::operator()(const Prefix& a, const Prefix& b) const {
    return std::tie(a.addr.family, a.addr.bytes, a.len) <
           std::tie(b.addr.family, b.addr.bytes, b.len);
}

bool contains(const Prefix& p, const Prefix& q) {
    if (p.addr.family != q.addr.family || p.len > q.len) return false;
    const uint32_t whole = p.len / 8, rest = p.len % 8;
    for (uint32_t i = 0; i < whole; ++i)
        if (p.addr.bytes[i] != q.addr.bytes[i]) return false;
    if (!rest) return true;
    const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (p.addr.bytes[whole] & mask) == (q.addr.bytes[whole] & mask);
}

PrefixTable own_prefixes(const std::vector<FilterRule>& rules, bool src) {
    PrefixTable table;
    for (const FilterRule& r : rules)
        for (const Prefix& p : src ? r.src : r.dst) table[p].own |= uint64_t{1} << r.priority;
    return table;
}

void fill_matches(PrefixTable& table) {
    // In this order every prefix that contains an entry comes before it, and the ones still
    // on the stack when it comes are exactly those (nested, shortest at the bottom).
    std::vector<PrefixTable::value_type*> around;
    for (auto& entry : table) {
        while (!around.empty() && !contains(around.back()->first, entry.first)) around.pop_back();
        entry.second.matches = entry.second.own | (around.empty() ? 0 : around.back()->second.matches);
        around.push_back(&entry);
    }
}

}  // namespace xdpkit
