// xdpkit stats: the counters of a chain read at two moments, turned into rates. Everything
// here is pure (no kernel), so the arithmetic and the JSON shape are unit-tested; the reading
// is stats_session.h's job.
#pragma once

#include <xdpkit/common.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/output.h"
#include "core/base/result.h"

namespace xdpkit {

// --- one read of every counter of the chain on an interface ---

struct CounterRow {
    std::string key;                      // "pass", "icmp": the index, named
    std::vector<xdpkit_datarec> per_cpu;  // totals since attach, index = possible CPU
};

struct CounterTableSample {
    std::string map;        // the map's pin name: "action_counters", "proto_counters"
    std::string key_title;  // what an index is: "verdict", "protocol"
    std::vector<CounterRow> rows;  // every index of the map, zero or not
    std::vector<uint32_t> always_shown = {};  // CounterTable::always_shown
};

struct StageSample {
    uint32_t slot = 0;
    std::string family;
    uint32_t prog_id = 0;
    std::vector<CounterTableSample> tables;  // action_counters first, then the family's
};

struct Sample {
    std::string ifname;
    double monotonic = 0;  // CLOCK_MONOTONIC seconds: rates divide by the difference
    double wall = 0;       // Unix time in seconds: the timestamp shown
    std::vector<StageSample> stages;  // chain order
};

// How the chain differs between two samples ("stage 'pass' (slot 1) was detached"), or
// empty when it is the same programs in the same slots.
std::string chain_change(const Sample& before, const Sample& after);

// --- rates between two samples ---

struct Rate {
    double pps = 0;  // packets per second
    double bps = 0;  // bits per second (bytes * 8)
};

// Counters only grow (stats never resets them); a smaller `after` counts as no traffic.
Rate rate_between(const xdpkit_datarec& before, const xdpkit_datarec& after, double elapsed);

struct CpuRates {
    uint32_t cpu = 0;
    xdpkit_datarec total{0, 0};
    Rate rate;
};

struct RowRates {
    std::string key;
    xdpkit_datarec total{0, 0};  // running totals since attach, over all CPUs
    Rate rate;
    std::vector<CpuRates> per_cpu;  // with --per-cpu: the CPUs whose total is not zero
};

struct TableRates {
    std::string map, key_title;
    std::vector<RowRates> rows;  // only the rows whose total is not zero
};

struct StageRates {
    uint32_t slot = 0;
    std::string family;
    uint32_t prog_id = 0;
    std::vector<TableRates> tables;
};

struct Interval {
    std::string ifname;
    double timestamp = 0;  // wall clock of the later sample
    double elapsed = 0;    // measured seconds between the samples
    std::vector<StageRates> stages;
};

// The rates over [before, after] of the same chain (check chain_change first).
Interval interval_between(const Sample& before, const Sample& after, bool per_cpu);

// One line of `stats --json`: docs/stats.md shows the shape.
Json to_json(const Interval& iv);

// The options' values; the errors say what is accepted.
// --interval: seconds, above 0 and at most kMaxIntervalSeconds.
constexpr double kMaxIntervalSeconds = 3600;
Result<double> parse_interval_seconds(const std::string& text);
// --count: a whole number of intervals, 1 or more.
Result<uint64_t> parse_interval_count(const std::string& text);

}  // namespace xdpkit
