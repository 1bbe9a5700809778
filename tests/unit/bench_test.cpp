// bench's pure parts: the spread of interval rates, CPU use from /proc/stat, the scenario
// table, and the JSON shape docs/bench.md documents.
#include <gtest/gtest.h>

#include "core/bench_measure.h"
#include "core/bench_report.h"
#include "core/bench_scenarios.h"

namespace xdpkit {
namespace {

TEST(BenchSpread, MedianMinMaxOfOddAndEvenCounts) {
    const Spread odd = spread_of({3e6, 1e6, 2e6});
    EXPECT_DOUBLE_EQ(odd.median, 2e6);
    EXPECT_DOUBLE_EQ(odd.min, 1e6);
    EXPECT_DOUBLE_EQ(odd.max, 3e6);
    const Spread even = spread_of({4, 1, 3, 2});
    EXPECT_DOUBLE_EQ(even.median, 2.5);
    EXPECT_DOUBLE_EQ(even.min, 1);
    EXPECT_DOUBLE_EQ(even.max, 4);
    // One stolen second does not move the median.
    EXPECT_DOUBLE_EQ(spread_of({10, 10, 1, 10, 10}).median, 10);
    const Spread none = spread_of({});
    EXPECT_EQ(none.median, 0);
    EXPECT_EQ(none.max, 0);
}

constexpr const char* kStatBefore =
    "cpu  300 0 100 1000 0 0 0 0 0 0\n"
    "cpu0 100 0 50 500 0 0 0 0 0 0\n"
    "cpu1 200 0 50 500 0 0 0 0 0 0\n"
    "intr 12345 0 0\n"
    "ctxt 999\n";
// cpu0: 60 user + 10 nice + 20 system + 5 irq + 5 softirq busy, 0 idle -> 100 %.
// cpu1: 25 busy, 50 idle, 20 iowait, 5 steal -> 25 %.
constexpr const char* kStatAfter =
    "cpu  400 10 130 1050 20 5 5 5 0 0\n"
    "cpu0 160 10 70 500 0 5 5 0 0 0\n"
    "cpu1 220 0 55 550 20 0 0 5 0 0\n"
    "intr 12345 0 0\n";

TEST(BenchCpu, BusyPercentFromTwoSnapshots) {
    auto before = parse_proc_stat(kStatBefore);
    auto after = parse_proc_stat(kStatAfter);
    ASSERT_TRUE(before) << before.error().message;
    ASSERT_TRUE(after) << after.error().message;
    ASSERT_EQ(before->size(), 2u) << "the all-CPU line is not a CPU";
    const auto busy = cpu_busy_percent(*before, *after);
    ASSERT_EQ(busy.size(), 2u);
    EXPECT_DOUBLE_EQ(busy[0], 100.0);
    EXPECT_DOUBLE_EQ(busy[1], 25.0);
    // No ticks in between: 0, not a division by zero.
    EXPECT_EQ(cpu_busy_percent(*before, *before), (std::vector<double>{0, 0}));
}

TEST(BenchCpu, RejectsTextWithoutCpuLines) {
    EXPECT_FALSE(parse_proc_stat("intr 1 2 3\n"));
    EXPECT_FALSE(parse_proc_stat("cpu0 1 2\n"));
}

TEST(BenchScenarios, KnownAvailableAndUnknown) {
    for (const char* name : {"drop", "pass", "tx"}) {
        auto s = find_bench_scenario(name);
        ASSERT_TRUE(s) << s.error().message;
        EXPECT_EQ((*s)->name, name);
        EXPECT_EQ((*s)->dut.family, "drop");
    }
    EXPECT_TRUE((*find_bench_scenario("tx"))->gen) << "tx needs a program on gen0";
    EXPECT_FALSE((*find_bench_scenario("drop"))->gen);
    EXPECT_TRUE((*find_bench_scenario("pass"))->dut_has_address);

    auto unknown = find_bench_scenario("nosuch");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().message,
              "unknown bench scenario 'nosuch'; known: drop, pass, tx, redirect");

    auto redirect = find_bench_scenario("redirect");
    ASSERT_FALSE(redirect);
    EXPECT_NE(redirect.error().message.find("not available yet"), std::string::npos);
    EXPECT_NE(redirect.error().message.find("redirect family"), std::string::npos);
}

TEST(BenchReportJson, ShapeAsDocumented) {
    BenchReport r;
    r.scenario = "tx";
    r.size = 64;
    r.threads = 1;
    r.measured_seconds = 4;
    r.sent_pps = 10e6;
    r.received_pps = {9e6, 8e6, 9.5e6};
    r.returned_pps = Spread{8.9e6, 7.9e6, 9.4e6};
    r.cpu_busy_percent = {100, 5};
    const Json j = to_json(r);
    EXPECT_EQ(j.dump(),
              R"({"scenario":"tx","size":64,"threads":1,"measured_seconds":4.0,"sent_mpps":10.0,)"
              R"("received_mpps":{"median":9.0,"min":8.0,"max":9.5},)"
              R"("returned_mpps":{"median":8.9,"min":7.9,"max":9.4},)"
              R"("cpu_busy_percent":[100.0,5.0],"interrupted":false})");
    r.returned_pps.reset();
    EXPECT_TRUE(to_json(r).at("returned_mpps").is_null());
    const std::string text = format_bench(r);
    EXPECT_NE(text.find("received  9.00 Mpps median (min 8.00 Mpps, max 9.50 Mpps)"),
              std::string::npos)
        << text;
}

}  // namespace
}  // namespace xdpkit
