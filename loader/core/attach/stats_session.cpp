#include "core/attach/stats_session.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "core/kernel/bpffs.h"
#include "core/attach/chain.h"
#include "core/attach/counters.h"
#include "core/attach/pin_folder.h"
#include "core/kernel/xdp.h"

namespace xdpkit {
namespace {

bool is_permission(int err) { return err == EPERM || err == EACCES; }

Error with_root_hint(Error e) {
    if (is_permission(e.err)) e.message += "; run as root (xdpkit's pins and maps are root's)";
    return e;
}

double clock_seconds(clockid_t clock) {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Without root, /sys/fs/bpf (mode 0700) hides the pins, and read_chain would take that for
// "nothing attached". Say what is really wrong instead.
Result<void> check_pins_readable(const std::string& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 && is_permission(errno))
        return with_root_hint(
            make_error(errno, "cannot read the pins in {}: {}", dir, std::strerror(errno)));
    return {};
}

// The xdpkit chain attached to iface, or an error with errno ENOENT saying why there is none.
Result<ChainState> attached_chain(const Interface& iface) {
    XDPKIT_TRY(check_pins_readable(namespace_folder_path() + "/" + iface.name));
    auto state = query_xdp(iface.ifindex);
    if (!state) return state.error();
    auto chain = read_chain(iface.name, iface.ifindex);
    if (!chain) return with_root_hint(chain.error());
    if (chain->has_value() && chain_is_attached(**chain, iface.ifindex, state->prog_id))
        return std::move(**chain);
    if (state->prog_id == 0)
        return make_error(ENOENT,
                          "{}: no XDP program is attached; attach one with 'xdpkit attach "
                          "PROGRAM {}'",
                          iface.name, iface.name);
    auto info = prog_info_by_id(state->prog_id);
    return make_error(ENOENT,
                      "{}: XDP program '{}' (id {}, {} mode) is attached by another tool; stats "
                      "reads only the counters of xdpkit's programs",
                      iface.name, info ? info->name : "?", state->prog_id, state->mode);
}

Result<CounterTableSample> read_table(const std::string& stage_dir, const std::string& map,
                                      const std::string& key_title,
                                      const std::function<std::string(uint32_t)>& key_name,
                                      const std::vector<uint32_t>& always_shown = {}) {
    auto values = read_pinned_percpu_datarecs(stage_dir + "/" + map);
    if (!values) return with_root_hint(values.error());
    CounterTableSample t{map, key_title, {}, always_shown};
    t.rows.reserve(values->size());
    for (uint32_t i = 0; i < values->size(); ++i)
        t.rows.push_back(CounterRow{key_name(i), std::move((*values)[i])});
    return t;
}

Result<StageSample> read_stage(const StagePin& st, const FamilyLookup& lookup) {
    StageSample out{st.slot, st.family, st.prog_id, {}};
    auto verdicts = read_table(st.dir, XDPKIT_ACTION_COUNTERS_MAP, "verdict", verdict_name);
    if (!verdicts) return verdicts.error();
    out.tables.push_back(std::move(*verdicts));
    // A stage of a family this binary does not know still has its verdicts.
    if (const Family* f = lookup(st.family))
        for (const auto& ct : f->counters) {
            auto t = read_table(st.dir, ct.map, ct.key_title, ct.key_name, ct.always_shown);
            if (!t) return t.error();
            out.tables.push_back(std::move(*t));
        }
    return out;
}

}  // namespace

Result<Sample> StatsSession::sample() const {
    auto chain = attached_chain(iface_);
    if (!chain) return chain.error();
    Sample s;
    s.ifname = iface_.name;
    for (const auto& st : chain->stages) {
        if (!st.in_chain) continue;  // pinned but not in the prog array: it never runs
        auto stage = read_stage(st, lookup_);
        if (!stage) return stage.error();
        s.stages.push_back(std::move(*stage));
    }
    s.monotonic = clock_seconds(CLOCK_MONOTONIC);
    s.wall = clock_seconds(CLOCK_REALTIME);
    return s;
}

Result<StatsSession> StatsSession::start(const Interface& iface, FamilyLookup lookup,
                                         bool per_cpu) {
    StatsSession session(iface, std::move(lookup), per_cpu);
    auto first = session.sample();
    if (!first) return first.error();
    if (first->stages.empty())
        return make_error(ENOENT, "{}: the xdpkit chain runs no stage (see 'xdpkit status {}')",
                          iface.name, iface.name);
    session.last_ = std::move(*first);
    return session;
}

Result<Interval> StatsSession::next() {
    const auto changed = [this](const std::string& change) {
        return make_error(ESTALE, "{}: {} while stats ran; run stats again to follow the new chain",
                          iface_.name, change);
    };
    auto now = sample();
    if (!now) {
        if (now.error().err != ENOENT) return now.error();
        // A pin vanished while it was read: a stage detached between listing the chain and
        // reading its counters, or the whole chain went. The chain as it stands now says which.
        auto chain = attached_chain(iface_);
        if (chain) {
            Sample stages;  // who is in the chain, without counters
            for (const auto& st : chain->stages)
                if (st.in_chain) stages.stages.push_back(StageSample{st.slot, st.family, st.prog_id, {}});
            if (const std::string change = chain_change(last_, stages); !change.empty())
                return changed(change);
        }
        return make_error(ENOENT, "{}: the xdpkit chain was detached while stats ran",
                          iface_.name);
    }
    if (const std::string change = chain_change(last_, *now); !change.empty())
        return changed(change);
    Interval iv = interval_between(last_, *now, per_cpu_);
    last_ = std::move(*now);
    return iv;
}

}  // namespace xdpkit
