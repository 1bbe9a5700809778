// bench's pure parts: the spread of interval rates, CPU use from /proc/stat, the scenario
// table, and the JSON shape docs/bench.md documents.
#include <gtest/gtest.h>

#include <set>

#include "core/bench/bench_accel.h"
#include "core/bench/bench_measure.h"
#include "core/ipsec/crypto_backend.h"
#include "core/bench/bench_report.h"
#include "core/bench/bench_scenarios.h"

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
        ASSERT_TRUE(std::holds_alternative<BenchAttach>((*s)->dut));
        EXPECT_EQ(std::get<BenchAttach>((*s)->dut).family, "drop");
    }
    EXPECT_EQ((*find_bench_scenario("tx"))->arrival, BenchArrival::Gen)
        << "tx needs a program on gen0";
    EXPECT_EQ((*find_bench_scenario("drop"))->arrival, BenchArrival::None);
    EXPECT_TRUE((*find_bench_scenario("pass"))->dut_has_address());
    EXPECT_FALSE((*find_bench_scenario("drop"))->dut_has_address());

    auto unknown = find_bench_scenario("nosuch");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().message,
              "unknown bench scenario 'nosuch'; known: drop, pass, tx, redirect, redirect-cpu, "
              "redirect-cpu-devmap, afxdp, afxdp-busy-poll, ipsec");

    auto ipsec = find_bench_scenario("ipsec");
    ASSERT_TRUE(ipsec) << ipsec.error().message;
    EXPECT_TRUE(std::holds_alternative<BenchAccel>((*ipsec)->dut));
    EXPECT_EQ((*ipsec)->arrival, BenchArrival::Engine);
    EXPECT_EQ(bench_arrival_point(BenchArrival::Engine), "engine");
}

// The SA bench ipsec encrypts and decrypts with: keys for the algorithms, no replay window
// (the generator's set repeats its sequence numbers), steered to queue 0.
TEST(BenchScenarios, IpsecSaHasKeysAndNoWindow) {
    for (const char* alg : {"cbc-sha1", "gcm"}) {
        auto sa = bench_ipsec_sa(alg);
        ASSERT_TRUE(sa) << sa.error().message;
        EXPECT_TRUE(sa->has_keys());
        EXPECT_EQ(sa->replay_window, 0u);
        EXPECT_EQ(sa->action, IPSEC_ACTION_XSK);
        EXPECT_EQ(sa->target, 0u);
        EXPECT_TRUE(check_engine_sa(*sa, "ipsec-mb")) << alg;
    }
    EXPECT_EQ(bench_ipsec_sa("cbc-md5").error().message, "--alg 'cbc-md5': expected cbc-sha1 or gcm");
}

TEST(BenchScenarios, AfxdpCountsWhatTheSocketsReceive) {
    for (const auto& [name, busy_poll] : {std::pair{"afxdp", false}, {"afxdp-busy-poll", true}}) {
        SCOPED_TRACE(name);
        auto s = find_bench_scenario(name);
        ASSERT_TRUE(s) << s.error().message;
        const auto* x = std::get_if<BenchAfxdp>(&(*s)->dut);
        ASSERT_NE(x, nullptr);
        EXPECT_EQ(x->busy_poll, busy_poll);
        EXPECT_EQ((*s)->arrival, BenchArrival::Socket);
        EXPECT_FALSE((*s)->dut_has_address());
        EXPECT_FALSE((*s)->needs_sink());
    }
    EXPECT_EQ(BenchAfxdp::kLoopCpu, 1) << "the second CPU, as af_xdp_user's 8.6 Mpps";
}

TEST(BenchScenarios, RedirectsGoWhereXdpBenchSendsThem) {
    struct Want {
        const char* name;
        const char* via;
        const char* cpus;
        BenchArrival arrival;
    };
    for (const Want& w : {Want{"redirect", "devmap", "", BenchArrival::Sink},
                          Want{"redirect-cpu", "cpumap", "1", BenchArrival::Stack},
                          Want{"redirect-cpu-devmap", "cpumap", "1", BenchArrival::Sink}}) {
        SCOPED_TRACE(w.name);
        auto s = find_bench_scenario(w.name);
        ASSERT_TRUE(s) << s.error().message;
        const auto* r = std::get_if<BenchRedirect>(&(*s)->dut);
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(r->via, w.via);
        EXPECT_EQ(r->cpus, w.cpus);
        EXPECT_EQ((*s)->arrival, w.arrival);
    }
    EXPECT_TRUE((*find_bench_scenario("redirect"))->needs_sink());
    EXPECT_FALSE((*find_bench_scenario("redirect-cpu"))->needs_sink());
    EXPECT_TRUE((*find_bench_scenario("redirect-cpu"))->dut_has_address())
        << "the stack on CPU 1 takes only frames for an address it has";
}

TEST(BenchScenarios, TableIsConsistent) {
    std::set<std::string> names;
    for (const auto& s : bench_scenarios()) {
        SCOPED_TRACE(s.name);
        EXPECT_TRUE(names.insert(s.name).second) << "listed twice";
        EXPECT_FALSE(s.description.empty());
        if (!s.unavailable.empty()) continue;
        // Only XDP_REDIRECT reaches dut1, so a scenario counting at the sink redirects.
        if (s.needs_sink()) {
            EXPECT_TRUE(std::holds_alternative<BenchRedirect>(s.dut));
        }
        if (const auto* a = std::get_if<BenchAttach>(&s.dut)) {
            EXPECT_FALSE(a->family.empty());
        }
    }
}

TEST(BenchScenarios, ArrivalPointsAreTheLabsNames) {
    EXPECT_EQ(bench_arrival_point(BenchArrival::None), "");
    EXPECT_EQ(bench_arrival_point(BenchArrival::Gen), "gen0");
    EXPECT_EQ(bench_arrival_point(BenchArrival::Sink), "sink1");
    EXPECT_EQ(bench_arrival_point(BenchArrival::Stack), "stack");
    EXPECT_EQ(bench_arrival_point(BenchArrival::Socket), "xsk");
    EXPECT_EQ(bench_counting_sink().family, "drop");
    EXPECT_EQ(bench_counting_sink().params, std::vector<std::string>{"action=drop"});
}

TEST(BenchReportJson, ShapeAsDocumented) {
    BenchReport r;
    r.scenario = "redirect";
    r.size = 64;
    r.threads = 1;
    r.measured_seconds = 4;
    r.sent_pps = 10e6;
    r.received_pps = {9e6, 8e6, 9.5e6};
    r.arrived_at = "sink1";
    r.arrived_pps = Spread{8.9e6, 7.9e6, 9.4e6};
    r.frames = {50000000, 45000000, 44100000, std::nullopt};
    r.cpu_busy_percent = {100, 5};
    const Json j = to_json(r);
    EXPECT_EQ(j.dump(),
              R"({"scenario":"redirect","size":64,"threads":1,"measured_seconds":4.0,)"
              R"("sent_mpps":10.0,"received_mpps":{"median":9.0,"min":8.0,"max":9.5},)"
              R"("arrived_at":"sink1","arrived_mpps":{"median":8.9,"min":7.9,"max":9.4},)"
              R"("frames":{"sent":50000000,"received":45000000,"arrived":44100000,"xsk":null},)"
              R"("cpu_busy_percent":[100.0,5.0],"payload":null,"arrived_payload_gbps":null,)"
              R"("interrupted":false,"generator":{"calls":0,"frames":0,"threads_seconds":0.0,)"
              R"("in_calls_seconds":0.0,"frame_loop_seconds":0.0,"waited_for_cpu_seconds":0.0,)"
              R"("dispatcher_held":false,"hold_error":null},"note":null})");
    const std::string text = format_bench(r);
    EXPECT_NE(text.find("received  9.00 Mpps median (min 8.00 Mpps, max 9.50 Mpps)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("arrived   8.90 Mpps median (min 7.90 Mpps, max 9.40 Mpps) at sink1: "
                        "98.0 % of received"),
              std::string::npos)
        << text;

    r.arrived_at.clear();
    r.arrived_pps.reset();
    r.frames.arrived.reset();
    const Json none = to_json(r);
    EXPECT_TRUE(none.at("arrived_at").is_null());
    EXPECT_TRUE(none.at("arrived_mpps").is_null());
    EXPECT_TRUE(none.at("frames").at("arrived").is_null());
    EXPECT_EQ(format_bench(r).find("arrived"), std::string::npos);
}

TEST(BenchReportJson, AfxdpSaysWhereTheFramesUserSpaceMissedWent) {
    BenchReport r;
    r.scenario = "afxdp";
    r.arrived_at = "xsk";
    r.arrived_pps = Spread{3e6, 2.9e6, 3.1e6};
    r.frames = {10000, 9000, 8700, BenchXskFrames{9000, 300, 300, 25}};
    const Json j = to_json(r);
    EXPECT_EQ(j.at("frames").at("xsk").dump(),
              R"({"to_socket":9000,"rx_dropped":300,"rx_fill_ring_empty_descs":300,)"
              R"("rx_ring_full":25})");
    EXPECT_NE(format_bench(r).find("AF_XDP    9000 frames to the sockets; kernel drops: "
                                   "rx_dropped 300, rx_ring_full 25, fill ring empty 300 times"),
              std::string::npos)
        << format_bench(r);
}

}  // namespace
}  // namespace xdpkit
