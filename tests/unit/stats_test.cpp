// xdpkit stats without a kernel: rates from two samples, human units, the rows shown, the
// per-CPU split, the JSON line's shape and the text table.
#include <gtest/gtest.h>

#include <sstream>

#include "core/attach/stats.h"
#include "core/attach/stats_table.h"
#include "core/base/units.h"

namespace xdpkit {
namespace {

// A drop stage with verdicts and two protocol rows; per_cpu values as given.
StageSample drop_stage(std::vector<xdpkit_datarec> pass, std::vector<xdpkit_datarec> icmp,
                       uint32_t prog_id = 41) {
    const std::vector<xdpkit_datarec> zero(pass.size(), xdpkit_datarec{0, 0});
    CounterTableSample verdicts{"action_counters", "verdict",
                                {{"aborted", zero}, {"drop", zero}, {"pass", pass}}};
    CounterTableSample protos{"proto_counters", "protocol", {{"icmp", icmp}, {"udp", zero}}};
    return StageSample{0, "drop", prog_id, {verdicts, protos}};
}

Sample sample_at(double t, std::vector<StageSample> stages) {
    return Sample{"veth0", t, 1700000000 + t, std::move(stages)};
}

TEST(StatsRates, PacketsAndBitsPerSecondOverTheElapsedTime) {
    const Rate r = rate_between({100, 10000}, {600, 60000}, 0.5);
    EXPECT_DOUBLE_EQ(r.pps, 1000);         // 500 packets in 0.5 s
    EXPECT_DOUBLE_EQ(r.bps, 50000 * 8 * 2);  // 50000 bytes in 0.5 s, in bits
}

TEST(StatsRates, ScaleWithTheMeasuredElapsedTimeNotTheNominalOne) {
    const Sample a = sample_at(10.0, {drop_stage({{0, 0}}, {{0, 0}})});
    const Sample b = sample_at(11.25, {drop_stage({{250, 25000}}, {{250, 25000}})});
    const Interval iv = interval_between(a, b, false);
    EXPECT_DOUBLE_EQ(iv.elapsed, 1.25);
    EXPECT_DOUBLE_EQ(iv.timestamp, b.wall);
    ASSERT_EQ(iv.stages.size(), 1u);
    const RowRates& pass = iv.stages[0].tables[0].rows.at(0);
    EXPECT_EQ(pass.key, "pass");
    EXPECT_DOUBLE_EQ(pass.rate.pps, 200);
    EXPECT_DOUBLE_EQ(pass.rate.bps, 160000);
    EXPECT_EQ(pass.total.packets, 250u);
}

TEST(StatsRates, ACounterThatWentBackCountsAsNoTrafficAndNoTimeAsNoRate) {
    const Rate back = rate_between({500, 5000}, {400, 4000}, 1);
    EXPECT_EQ(back.pps, 0);
    EXPECT_EQ(back.bps, 0);
    const Rate none = rate_between({0, 0}, {10, 100}, 0);
    EXPECT_EQ(none.pps, 0);
}

TEST(StatsRates, RowsThatNeverCountedAreHiddenRowsWithTotalsStay) {
    // pass counted before but not in this interval: shown at 0 pps; aborted/drop/udp never.
    const Sample a = sample_at(0, {drop_stage({{7, 700}}, {{0, 0}})});
    const Sample b = sample_at(1, {drop_stage({{7, 700}}, {{0, 0}})});
    const Interval iv = interval_between(a, b, false);
    const auto& verdicts = iv.stages[0].tables[0];
    ASSERT_EQ(verdicts.rows.size(), 1u);
    EXPECT_EQ(verdicts.rows[0].key, "pass");
    EXPECT_EQ(verdicts.rows[0].rate.pps, 0);
    EXPECT_EQ(verdicts.rows[0].total.packets, 7u);
    EXPECT_TRUE(iv.stages[0].tables[1].rows.empty()) << "icmp and udp never counted";
}

TEST(StatsRates, PerCpuSplitsEveryRowKeepingOnlyCpusThatCounted) {
    // Four CPUs; CPU 1 never counted, CPU 3 counted only in this interval.
    const Sample a = sample_at(0, {drop_stage({{10, 1000}, {0, 0}, {5, 500}, {0, 0}}, {{0, 0}})});
    const Sample b = sample_at(2, {drop_stage({{30, 3000}, {0, 0}, {5, 500}, {4, 400}}, {{0, 0}})});
    const RowRates pass = interval_between(a, b, true).stages[0].tables[0].rows.at(0);
    EXPECT_EQ(pass.total.packets, 39u);
    EXPECT_DOUBLE_EQ(pass.rate.pps, 12);
    ASSERT_EQ(pass.per_cpu.size(), 3u);
    EXPECT_EQ(pass.per_cpu[0].cpu, 0u);
    EXPECT_DOUBLE_EQ(pass.per_cpu[0].rate.pps, 10);
    EXPECT_DOUBLE_EQ(pass.per_cpu[0].rate.bps, 8000);
    EXPECT_EQ(pass.per_cpu[1].cpu, 2u);
    EXPECT_EQ(pass.per_cpu[1].rate.pps, 0);
    EXPECT_EQ(pass.per_cpu[1].total.packets, 5u);
    EXPECT_EQ(pass.per_cpu[2].cpu, 3u);
    EXPECT_DOUBLE_EQ(pass.per_cpu[2].rate.pps, 2);

    EXPECT_TRUE(interval_between(a, b, false).stages[0].tables[0].rows[0].per_cpu.empty());
}

TEST(StatsChain, SameProgramsInTheSameSlotsIsNoChange) {
    const Sample a = sample_at(0, {drop_stage({{1, 1}}, {{1, 1}})});
    EXPECT_EQ(chain_change(a, sample_at(1, {drop_stage({{9, 9}}, {{9, 9}})})), "");
}

TEST(StatsChain, NamesTheStageDetachedReplacedOrAdded) {
    StageSample pass{1, "pass", 50, {}};
    const Sample both = sample_at(0, {drop_stage({{0, 0}}, {{0, 0}}), pass});
    const Sample drop_only = sample_at(1, {drop_stage({{0, 0}}, {{0, 0}})});
    EXPECT_EQ(chain_change(both, drop_only), "stage 'pass' (slot 1) was detached");
    EXPECT_EQ(chain_change(drop_only, both), "stage 'pass' was attached in slot 1");
    const Sample replaced = sample_at(1, {drop_stage({{0, 0}}, {{0, 0}}, 77)});
    EXPECT_EQ(chain_change(drop_only, replaced), "stage 'drop' was replaced (program id 41, now 77)");
}

TEST(StatsOptions, IntervalIsPositiveSecondsUpToAnHour) {
    EXPECT_DOUBLE_EQ(*parse_interval_seconds("0.5"), 0.5);
    EXPECT_DOUBLE_EQ(*parse_interval_seconds("3600"), 3600);
    for (const char* bad : {"0", "-1", "", "abc", "1s", "nan", "inf", "3601"}) {
        auto r = parse_interval_seconds(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message, fmt::format("'{}' is not a number of seconds above 0 and at "
                                                 "most 3600", bad));
    }
}

TEST(StatsOptions, CountIsAWholeNumberFromOne) {
    EXPECT_EQ(*parse_interval_count("2"), 2u);
    for (const char* bad : {"0", "-1", "", "1.5", "x"}) {
        auto r = parse_interval_count(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message, fmt::format("'{}' is not a number of intervals of 1 or more", bad));
    }
}

TEST(Units, PacketRatesInPpsKppsMpps) {
    EXPECT_EQ(format_pps(0), "0.0 pps");
    EXPECT_EQ(format_pps(0.2), "0.2 pps");
    EXPECT_EQ(format_pps(999.9), "999.9 pps");
    EXPECT_EQ(format_pps(999.97), "1.00 Kpps");  // never "1000.0 pps"
    EXPECT_EQ(format_pps(12345), "12.35 Kpps");
    EXPECT_EQ(format_pps(999999), "1.00 Mpps");  // never "1000.00 Kpps"
    EXPECT_EQ(format_pps(14880952), "14.88 Mpps");
    EXPECT_EQ(format_pps(2.5e9), "2.50 Gpps");
}

TEST(Units, BitRatesInBitKbitMbitGbit) {
    EXPECT_EQ(format_bps(669.8), "669.8 bit/s");
    EXPECT_EQ(format_bps(4700), "4.70 Kbit/s");
    EXPECT_EQ(format_bps(9.87e6), "9.87 Mbit/s");
    EXPECT_EQ(format_bps(1e10), "10.00 Gbit/s");
    EXPECT_EQ(format_bps(4e12), "4000.00 Gbit/s");  // G is the largest prefix
}

TEST(StatsJson, OneIntervalIsOneObjectWithVerdictsAndCounterTables) {
    const Sample a = sample_at(0, {drop_stage({{0, 0}, {1, 100}}, {{0, 0}, {1, 100}})});
    const Sample b = sample_at(0.5, {drop_stage({{0, 0}, {3, 300}}, {{0, 0}, {3, 300}})});
    EXPECT_EQ(to_json(interval_between(a, b, false)).dump(),
              R"({"ifname":"veth0","timestamp":1700000000.5,"elapsed":0.5,"chain":[)"
              R"({"slot":0,"program":"drop","prog_id":41,)"
              R"("verdicts":{"pass":{"packets":3,"bytes":300,"pps":4.0,"bps":3200.0}},)"
              R"("counters":{"proto_counters":{"icmp":{"packets":3,"bytes":300,"pps":4.0,)"
              R"("bps":3200.0}}}}]})");
}

TEST(StatsJson, PerCpuAddsAnArrayToEveryRow) {
    const Sample a = sample_at(0, {drop_stage({{0, 0}, {1, 100}}, {{0, 0}, {0, 0}})});
    const Sample b = sample_at(1, {drop_stage({{0, 0}, {3, 300}}, {{0, 0}, {0, 0}})});
    const Json j = to_json(interval_between(a, b, true));
    const Json& pass = j["chain"][0]["verdicts"]["pass"];
    EXPECT_EQ(pass["per_cpu"].dump(),
              R"([{"cpu":1,"packets":3,"bytes":300,"pps":2.0,"bps":1600.0}])");
    EXPECT_TRUE(j["chain"][0]["counters"]["proto_counters"].empty());
}

// The lines of the table after its header (whose clock time depends on the time zone).
std::vector<std::string> body_lines(const std::string& table) {
    std::vector<std::string> lines;
    std::istringstream in(table);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    EXPECT_FALSE(lines.empty());
    if (!lines.empty()) lines.erase(lines.begin());
    return lines;
}

TEST(StatsTable, AlignedRowsWithHumanRatesAndTotalsHidingZeroRows) {
    const Sample a = sample_at(0, {drop_stage({{0, 0}, {0, 0}}, {{0, 0}, {0, 0}}),
                                   StageSample{1, "pass", 50, {}}});
    const Sample b = sample_at(0.5, {drop_stage({{0, 0}, {6, 588}}, {{0, 0}, {5, 490}}),
                                     StageSample{1, "pass", 50, {}}});
    const std::string t = format_stats_table(interval_between(a, b, true));
    EXPECT_EQ(t.rfind("veth0 ", 0), 0u) << t;
    EXPECT_NE(t.find("(0.50 s)"), std::string::npos) << t;
    EXPECT_NE(t.find("packets/s"), std::string::npos);
    const std::vector<std::string> expected = {
        "drop (slot 0)",
        "  verdict pass                      12.0 pps     9.41 Kbit/s             6             588",
        "    cpu:1                           12.0 pps     9.41 Kbit/s             6             588",
        "  protocol icmp                     10.0 pps     7.84 Kbit/s             5             490",
        "    cpu:1                           10.0 pps     7.84 Kbit/s             5             490",
        "pass (slot 1)",
        "  no packets yet",
    };
    EXPECT_EQ(body_lines(t), expected) << t;
}

}  // namespace
}  // namespace xdpkit
