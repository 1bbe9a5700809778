#include "core/filter/filter_rules_db.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>

#include "core/attach/pin_folder.h"
#include "core/attach/shared_maps.h"
#include "core/attach/program.h"
#include "core/base/libbpf_log.h"
#include "core/base/skel_ptr.h"
#include "core/filter/prefix_sets.h"
#include "core/kernel/bpffs.h"
#include "core/kernel/load_failure.h"
#include "filter.skel.h"

namespace xdpkit {
namespace {

// The maps a filter stage shares with the namespace, in FilterRules' member order.
constexpr const char* kSharedMaps[] = {FILTER_SRC4_MAP,  FILTER_DST4_MAP,  FILTER_SRC6_MAP,
                                       FILTER_DST6_MAP,  FILTER_PROTO_MAP, FILTER_SPORT_MAP,
                                       FILTER_DPORT_MAP, FILTER_CONFIG_MAP,
                                       FILTER_RULE_COUNTERS_MAP};
constexpr uint32_t kPorts = 65536;

uint64_t bit(uint32_t priority) { return uint64_t{1} << priority; }

Result<void> write_error(const char* what, int err) {
    return make_error(err, "cannot write the filter's {}: {}", what, std::strerror(err));
}

Result<void> pin_shared_maps(bpf_object* obj) {
    return pin_maps_in_namespace(obj, kFilterRulesPin, kSharedMaps, "filter");
}

// Makes the namespace's maps by loading the filter object with them pointed at the pin
// directory: libbpf creates and pins them exactly as the program declares them.
Result<void> create_shared_maps() {
    SkelPtr<filter_bpf> skel(filter_bpf::open());
    if (!skel) return make_error(errno, "cannot open the filter program: {}", std::strerror(errno));
    XDPKIT_TRY(pin_shared_maps(skel->obj));
    const size_t log_mark = libbpf_log_mark();
    if (filter_bpf::load(skel.get()) != 0) {
        const int err = errno;
        return Error{explain_load_failure("filter", err, log_mark), err};
    }
    return {};
}

filter_config config_of(const std::vector<FilterRule>& rules, uint64_t active) {
    filter_config c{};
    for (const FilterRule& r : rules) {
        const uint64_t b = bit(r.priority);
        if (r.deny) c.deny |= b;
        if (r.src.empty()) c.any_src |= b;
        if (r.dst.empty()) c.any_dst |= b;
        if (!r.proto) c.any_proto |= b;
        if (r.sport.empty()) c.any_sport |= b;
        if (r.dport.empty()) c.any_dport |= b;
    }
    c.active = active;
    return c;
}

uint64_t active_of(const std::vector<FilterRule>& rules) {
    uint64_t a = 0;
    for (const FilterRule& r : rules) a |= bit(r.priority);
    return a;
}

Result<void> write_config(int fd, const filter_config& c) {
    const uint32_t zero = 0;
    if (bpf_map_update_elem(fd, &zero, &c, BPF_ANY) != 0) return write_error("config", errno);
    return {};
}

// Every slot of an array of masks, in one batch lookup (an array of 65536 ports is one system
// call, not 65536).
Result<std::vector<uint64_t>> read_masks(int fd, uint32_t n, const char* what) {
    std::vector<uint64_t> out(n);
    std::vector<uint32_t> keys(n);
    uint32_t count = n, out_batch = 0;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    if (bpf_map_lookup_batch(fd, nullptr, &out_batch, keys.data(), out.data(), &count, &opts) != 0 &&
        errno != ENOENT)
        return make_error(errno, "cannot read the filter's {}: {}", what, std::strerror(errno));
    if (count != n)
        return make_error(EIO, "cannot read the filter's {}: {} of {} slots", what, count, n);
    return out;
}

// Rewrites the array slots whose mask differs from want.
Result<void> write_masks(int fd, const std::vector<uint64_t>& want, const char* what) {
    auto have = read_masks(fd, static_cast<uint32_t>(want.size()), what);
    if (!have) return have.error();
    for (uint32_t i = 0; i < want.size(); ++i)
        if ((*have)[i] != want[i] && bpf_map_update_elem(fd, &i, &want[i], BPF_ANY) != 0)
            return write_error(what, errno);
    return {};
}

std::vector<uint64_t> port_masks(const std::vector<FilterRule>& rules, bool src) {
    std::vector<uint64_t> m(kPorts);
    for (const FilterRule& r : rules)
        for (const PortRange& p : src ? r.sport : r.dport)
            for (uint32_t port = p.first; port <= p.last; ++port) m[port] |= bit(r.priority);
    return m;
}

// LPM keys of either family as one type.
template <size_t N>
struct LpmKey {
    uint32_t prefixlen;
    uint8_t addr[N];
};
static_assert(sizeof(LpmKey<4>) == sizeof(filter_lpm4_key));
static_assert(sizeof(LpmKey<16>) == sizeof(filter_lpm6_key));

template <size_t N>
Prefix prefix_of(const LpmKey<N>& k) {
    Prefix p;
    p.addr.family = N == 4 ? AF_INET : AF_INET6;
    std::memcpy(p.addr.bytes.data(), k.addr, N);
    p.len = k.prefixlen;
    return p;
}

template <size_t N>
LpmKey<N> key_of(const Prefix& p) {
    LpmKey<N> k{};
    k.prefixlen = p.len;
    std::memcpy(k.addr, p.addr.bytes.data(), N);
    return k;
}

// Every entry of an LPM map.
template <size_t N>
Result<void> read_prefixes(int fd, PrefixTable& into) {
    LpmKey<N> key{}, next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        filter_prefix_value v{};
        if (bpf_map_lookup_elem(fd, &next, &v) == 0) into[prefix_of(next)] = {v.own, v.matches};
        key = next;
        prev = &key;
    }
    if (errno != ENOENT)
        return make_error(errno, "cannot read the filter's prefixes: {}", std::strerror(errno));
    return {};
}

// Makes the LPM map of one family hold exactly the entries of want of that family.
template <size_t N>
Result<void> write_prefixes(int fd, const PrefixTable& want) {
    const int family = N == 4 ? AF_INET : AF_INET6;
    PrefixTable have;
    XDPKIT_TRY(read_prefixes<N>(fd, have));
    for (const auto& [p, r] : want) {
        if (p.addr.family != family) continue;
        const auto it = have.find(p);
        if (it != have.end() && it->second.own == r.own && it->second.matches == r.matches)
            continue;
        const auto k = key_of<N>(p);
        const filter_prefix_value v{r.matches, r.own};
        if (bpf_map_update_elem(fd, &k, &v, BPF_ANY) != 0) return write_error("prefixes", errno);
    }
    for (const auto& [p, r] : have) {
        if (want.count(p)) continue;
        const auto k = key_of<N>(p);
        if (bpf_map_delete_elem(fd, &k) != 0 && errno != ENOENT)
            return write_error("prefixes", errno);
    }
    return {};
}

// Port masks back into each rule's ranges.
void ranges_into(const std::vector<uint64_t>& masks, std::map<uint32_t, FilterRule>& rules,
                 bool src) {
    for (auto& [priority, r] : rules) {
        auto& out = src ? r.sport : r.dport;
        const uint64_t b = bit(priority);
        for (uint32_t port = 0; port < kPorts; ++port) {
            if (!(masks[port] & b)) continue;
            uint32_t last = port;
            while (last + 1 < kPorts && (masks[last + 1] & b)) ++last;
            out.push_back({static_cast<uint16_t>(port), static_cast<uint16_t>(last)});
            port = last;
        }
    }
}

}  // namespace

Json to_json(const FilterRuleEntry& e) {
    const FilterRule& r = e.rule;
    auto prefixes = [](const std::vector<Prefix>& ps) {
        Json out = Json::array();
        for (const Prefix& p : ps) out.push_back(to_string(p));
        return out;
    };
    return Json{{"priority", r.priority},
                {"action", r.deny ? "deny" : "allow"},
                {"src", prefixes(r.src)},
                {"dst", prefixes(r.dst)},
                {"proto", r.proto ? Json(*r.proto) : Json(nullptr)},
                {"sport", to_string(r.sport)},
                {"dport", to_string(r.dport)},
                {"counters", {{"packets", e.counters.packets}, {"bytes", e.counters.bytes}}}};
}

Result<void> share_filter_rules(bpf_object* obj) {
    XDPKIT_TRY(FilterRules::open_pinned(/*create=*/true));
    return pin_shared_maps(obj);
}

Result<FilterRules> FilterRules::open_pinned(bool create) {
    auto folder = namespace_folder(create ? FolderUse::Create : FolderUse::Read);
    if (!folder) return folder.error();
    const std::string dir = folder->pin_path(kFilterRulesPin);
    if (!folder->ours || !path_exists(dir + "/" + FILTER_CONFIG_MAP)) {
        if (!create)
            return make_error(ENOENT, "no filter rules in this namespace ({}): add one with "
                                      "'xdpkit filter add' or attach filter", dir);
        XDPKIT_TRY(create_shared_maps());
    }
    FilterRules db;
    db.where_ = dir;
    Fd* fds[] = {&db.src4_, &db.dst4_,  &db.src6_,   &db.dst6_,    &db.proto_,
                 &db.sport_, &db.dport_, &db.config_, &db.counters_};
    static_assert(std::size(fds) == std::size(kSharedMaps));
    for (size_t i = 0; i < std::size(kSharedMaps); ++i) {
        auto fd = open_pin(dir + "/" + kSharedMaps[i]);
        if (!fd) return fd.error();
        *fds[i] = std::move(*fd);
    }
    return db;
}

Result<FilterRules> FilterRules::of_program(const LoadedProgram& p) {
    FilterRules db;
    db.where_ = "program";
    Fd* fds[] = {&db.src4_, &db.dst4_,  &db.src6_,   &db.dst6_,    &db.proto_,
                 &db.sport_, &db.dport_, &db.config_, &db.counters_};
    static_assert(std::size(fds) == std::size(kSharedMaps));
    XDPKIT_TRY(dup_program_maps(p, kSharedMaps, fds));
    return db;
}

Result<std::vector<FilterRule>> FilterRules::read_rules() const {
    filter_config c{};
    const uint32_t zero = 0;
    if (bpf_map_lookup_elem(config_.get(), &zero, &c) != 0)
        return make_error(errno, "cannot read the filter's config: {}", std::strerror(errno));
    std::map<uint32_t, FilterRule> rules;
    for (uint32_t p = 0; p < FILTER_MAX_RULES; ++p)
        if (c.active & bit(p)) {
            FilterRule r;
            r.priority = p;
            r.deny = c.deny & bit(p);
            rules[p] = r;
        }
    auto protos = read_masks(proto_.get(), 256, "protocols");
    if (!protos) return protos.error();
    for (auto& [p, r] : rules)
        for (uint32_t i = 0; i < 256; ++i)
            if ((*protos)[i] & bit(p)) r.proto = static_cast<uint8_t>(i);
    for (const bool src : {true, false}) {
        auto masks = read_masks(src ? sport_.get() : dport_.get(), kPorts, "ports");
        if (!masks) return masks.error();
        ranges_into(*masks, rules, src);
        PrefixTable t;
        XDPKIT_TRY(read_prefixes<4>(src ? src4_.get() : dst4_.get(), t));
        XDPKIT_TRY(read_prefixes<16>(src ? src6_.get() : dst6_.get(), t));
        for (const auto& [prefix, v] : t)
            for (auto& [p, r] : rules)
                if (v.own & bit(p)) (src ? r.src : r.dst).push_back(prefix);
    }
    std::vector<FilterRule> out;
    for (auto& [p, r] : rules) out.push_back(std::move(r));
    return out;
}

Result<void> FilterRules::write_rules(const std::vector<FilterRule>& before,
                                      const std::vector<FilterRule>& after) {
    const uint64_t staying = active_of(before) & active_of(after);
    // Off first: a rule that goes stops matching before any of its masks change.
    XDPKIT_TRY(write_config(config_.get(), config_of(before, staying)));
    std::vector<uint64_t> protos(256);
    for (const FilterRule& r : after)
        if (r.proto) protos[*r.proto] |= bit(r.priority);
    XDPKIT_TRY(write_masks(proto_.get(), protos, "protocols"));
    XDPKIT_TRY(write_masks(sport_.get(), port_masks(after, true), "ports"));
    XDPKIT_TRY(write_masks(dport_.get(), port_masks(after, false), "ports"));
    for (const bool src : {true, false}) {
        PrefixTable want = own_prefixes(after, src);
        fill_matches(want);
        XDPKIT_TRY(write_prefixes<4>(src ? src4_.get() : dst4_.get(), want));
        XDPKIT_TRY(write_prefixes<16>(src ? src6_.get() : dst6_.get(), want));
    }
    // The new rules' any_ and deny bits while they are still off, then on: the last write
    // changes only `active`.
    XDPKIT_TRY(write_config(config_.get(), config_of(after, staying)));
    return write_config(config_.get(), config_of(after, active_of(after)));
}

Result<void> FilterRules::zero_counters(uint32_t priority) {
    const int cpus = libbpf_num_possible_cpus();
    std::vector<xdpkit_datarec> zeros(static_cast<size_t>(std::max(cpus, 1)));
    if (bpf_map_update_elem(counters_.get(), &priority, zeros.data(), BPF_ANY) != 0)
        return write_error("rule counters", errno);
    return {};
}

Result<void> FilterRules::add(const std::vector<FilterRule>& rules) {
    auto before = read_rules();
    if (!before) return before.error();
    uint64_t taken = active_of(*before);
    for (const FilterRule& r : rules) {
        if (taken & bit(r.priority)) {
            const auto old = std::find_if(before->begin(), before->end(), [&](const FilterRule& o) {
                return o.priority == r.priority;
            });
            return make_error(EEXIST, "priority {} is taken ({}): delete it first or choose "
                                      "another", r.priority,
                              old != before->end() ? rule_text(*old) : "by another rule here");
        }
        taken |= bit(r.priority);
    }
    std::vector<FilterRule> after = *before;
    after.insert(after.end(), rules.begin(), rules.end());
    for (const FilterRule& r : rules) XDPKIT_TRY(zero_counters(r.priority));
    if (auto w = write_rules(*before, after); !w) {
        (void)write_rules(after, *before);  // back to what it was, as far as the kernel lets
        return w.error();
    }
    return {};
}

Result<FilterRule> FilterRules::remove(uint32_t priority) {
    auto before = read_rules();
    if (!before) return before.error();
    std::vector<FilterRule> after;
    std::optional<FilterRule> gone;
    for (const FilterRule& r : *before) {
        if (r.priority == priority)
            gone = r;
        else
            after.push_back(r);
    }
    if (!gone) return make_error(ENOENT, "no rule of priority {} ('xdpkit filter list' shows "
                                         "them)", priority);
    XDPKIT_TRY(write_rules(*before, after));
    return *gone;
}

Result<bool> FilterRules::flush() {
    auto before = read_rules();
    if (!before) return before.error();
    XDPKIT_TRY(write_rules(*before, {}));
    if (where_ == "program") return false;
    // An attached filter stage keeps the maps: new ones would not be the ones it reads.
    const std::string ns_dir = where_.substr(0, where_.rfind('/'));
    if (family_stage_pinned(ns_dir, "filter")) return false;
    XDPKIT_TRY(remove_tree(where_));
    XDPKIT_TRY(remove_namespace_folder_if_empty());
    return true;
}

Result<std::vector<FilterRuleEntry>> FilterRules::list() const {
    auto rules = read_rules();
    if (!rules) return rules.error();
    const int cpus = std::max(libbpf_num_possible_cpus(), 1);
    std::vector<xdpkit_datarec> per_cpu(static_cast<size_t>(cpus));
    std::vector<FilterRuleEntry> out;
    for (FilterRule& r : *rules) {
        FilterRuleEntry e{std::move(r), {}};
        const uint32_t key = e.rule.priority;
        if (bpf_map_lookup_elem(counters_.get(), &key, per_cpu.data()) != 0)
            return make_error(errno, "cannot read the filter's rule counters: {}",
                              std::strerror(errno));
        for (const auto& c : per_cpu) {
            e.counters.packets += c.packets;
            e.counters.bytes += c.bytes;
        }
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace xdpkit
