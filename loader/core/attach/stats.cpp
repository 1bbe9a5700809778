#include "core/attach/stats.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "core/attach/counters.h"

namespace xdpkit {
namespace {

const StageSample* find_stage(const Sample& s, const std::string& family) {
    for (const auto& st : s.stages)
        if (st.family == family) return &st;
    return nullptr;
}

RowRates row_rates(const CounterRow* before, const CounterRow& after, double elapsed,
                   bool per_cpu) {
    RowRates r;
    r.key = after.key;
    r.total = sum_over_cpus(after.per_cpu);
    r.rate = rate_between(before ? sum_over_cpus(before->per_cpu) : xdpkit_datarec{0, 0},
                          r.total, elapsed);
    if (!per_cpu) return r;
    for (size_t cpu = 0; cpu < after.per_cpu.size(); ++cpu) {
        const xdpkit_datarec& now = after.per_cpu[cpu];
        if (now.packets == 0 && now.bytes == 0) continue;
        const bool known = before && cpu < before->per_cpu.size();
        r.per_cpu.push_back(CpuRates{
            static_cast<uint32_t>(cpu), now,
            rate_between(known ? before->per_cpu[cpu] : xdpkit_datarec{0, 0}, now, elapsed)});
    }
    return r;
}

TableRates table_rates(const CounterTableSample* before, const CounterTableSample& after,
                       double elapsed, bool per_cpu) {
    TableRates t{after.map, after.key_title, {}};
    for (size_t i = 0; i < after.rows.size(); ++i) {
        const CounterRow* prev = before && i < before->rows.size() ? &before->rows[i] : nullptr;
        RowRates r = row_rates(prev, after.rows[i], elapsed, per_cpu);
        // A row that never counted anything is noise (proto_counters has 258 of them), but
        // for the family's always-shown rows.
        const bool shown = std::find(after.always_shown.begin(), after.always_shown.end(),
                                     i) != after.always_shown.end();
        if (r.total.packets != 0 || r.total.bytes != 0 || shown) t.rows.push_back(std::move(r));
    }
    return t;
}

Json counted_json(const xdpkit_datarec& total, const Rate& rate) {
    return {{"packets", total.packets}, {"bytes", total.bytes}, {"pps", rate.pps},
            {"bps", rate.bps}};
}

Json rows_json(const TableRates& t) {
    Json rows = Json::object();
    for (const auto& r : t.rows) {
        Json row = counted_json(r.total, r.rate);
        if (!r.per_cpu.empty()) {
            Json cpus = Json::array();
            for (const auto& c : r.per_cpu) {
                Json cpu = {{"cpu", c.cpu}};
                cpu.update(counted_json(c.total, c.rate));
                cpus.push_back(std::move(cpu));
            }
            row["per_cpu"] = std::move(cpus);
        }
        rows[r.key] = std::move(row);
    }
    return rows;
}

}  // namespace

std::string chain_change(const Sample& before, const Sample& after) {
    for (const auto& b : before.stages) {
        const StageSample* a = find_stage(after, b.family);
        if (!a) return fmt::format("stage '{}' (slot {}) was detached", b.family, b.slot);
        if (a->prog_id != b.prog_id)
            return fmt::format("stage '{}' was replaced (program id {}, now {})", b.family,
                               b.prog_id, a->prog_id);
        if (a->slot != b.slot)
            return fmt::format("stage '{}' moved from slot {} to {}", b.family, b.slot, a->slot);
    }
    for (const auto& a : after.stages)
        if (!find_stage(before, a.family))
            return fmt::format("stage '{}' was attached in slot {}", a.family, a.slot);
    return {};
}

Rate rate_between(const xdpkit_datarec& before, const xdpkit_datarec& after, double elapsed) {
    if (elapsed <= 0) return {};
    const auto delta = [](uint64_t b, uint64_t a) { return a > b ? double(a - b) : 0.0; };
    return Rate{delta(before.packets, after.packets) / elapsed,
                delta(before.bytes, after.bytes) * 8 / elapsed};
}

Interval interval_between(const Sample& before, const Sample& after, bool per_cpu) {
    Interval iv{after.ifname, after.wall, after.monotonic - before.monotonic, {}};
    for (const auto& st : after.stages) {
        StageRates out{st.slot, st.family, st.prog_id, {}};
        const StageSample* prev = find_stage(before, st.family);
        for (size_t i = 0; i < st.tables.size(); ++i) {
            const CounterTableSample* pt =
                prev && i < prev->tables.size() ? &prev->tables[i] : nullptr;
            out.tables.push_back(table_rates(pt, st.tables[i], iv.elapsed, per_cpu));
        }
        iv.stages.push_back(std::move(out));
    }
    return iv;
}

Json to_json(const Interval& iv) {
    Json chain = Json::array();
    for (const auto& st : iv.stages) {
        Json verdicts = Json::object(), counters = Json::object();
        for (const auto& t : st.tables) {
            if (t.map == XDPKIT_ACTION_COUNTERS_MAP)
                verdicts = rows_json(t);
            else
                counters[t.map] = rows_json(t);
        }
        chain.push_back({{"slot", st.slot},
                         {"program", st.family},
                         {"prog_id", st.prog_id},
                         {"verdicts", std::move(verdicts)},
                         {"counters", std::move(counters)}});
    }
    return {{"ifname", iv.ifname},
            {"timestamp", iv.timestamp},
            {"elapsed", iv.elapsed},
            {"chain", std::move(chain)}};
}

Result<double> parse_interval_seconds(const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    // !(v > 0) also refuses NaN; the upper bound keeps a typo (1000000) from hanging the tool.
    if (text.empty() || *end != '\0' || !(v > 0) || v > kMaxIntervalSeconds)
        return make_error(EINVAL, "'{}' is not a number of seconds above 0 and at most {}", text,
                          kMaxIntervalSeconds);
    return v;
}

Result<uint64_t> parse_interval_count(const std::string& text) {
    uint64_t v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end || v == 0)
        return make_error(EINVAL, "'{}' is not a number of intervals of 1 or more", text);
    return v;
}

}  // namespace xdpkit
