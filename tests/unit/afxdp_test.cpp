// xdpkit afxdp without a device: the options, the program's parameters, the RX-queue hint
// and the NDJSON shapes.
#include <gtest/gtest.h>

#include "core/afxdp/afxdp.h"
#include "core/afxdp/afxdp_report.h"

namespace xdpkit {
namespace {

TEST(AfxdpOptions, SteerAcceptsAllEveryOtherAndOneInN) {
    EXPECT_EQ(parse_steer("all")->steer, AFXDP_STEER_ALL);
    EXPECT_EQ(parse_steer("every-other")->steer, AFXDP_STEER_EVERY_OTHER);
    EXPECT_EQ(parse_steer("every-other")->one_in, 2u);
    auto n = parse_steer("1-in-5");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->steer, AFXDP_STEER_ONE_IN_N);
    EXPECT_EQ(n->one_in, 5u);
    EXPECT_EQ(steer_text(*n), "1-in-5");
    for (const char* bad : {"", "1-in-0", "1-in-", "1-in-x", "1-in-5x", "2-in-5", "odd", "ALL",
                            "1-in-1000001"}) {
        auto r = parse_steer(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.rfind("--steer '", 0), 0u) << r.error().message;
    }
}

TEST(AfxdpOptions, FilterAcceptsIcmpv6EchoAndUdpPort) {
    Steering s;
    ASSERT_TRUE(parse_filter("icmpv6-echo", s));
    EXPECT_EQ(s.filter, AFXDP_FILTER_ICMPV6_ECHO);
    ASSERT_TRUE(parse_filter("udp:4789", s));
    EXPECT_EQ(s.filter, AFXDP_FILTER_UDP_PORT);
    EXPECT_EQ(s.udp_port, 4789);
    EXPECT_EQ(filter_text(s), "udp:4789");
    ASSERT_TRUE(parse_filter("", s));
    EXPECT_EQ(filter_text(s), "none");
    for (const char* bad : {"udp:", "udp:0", "udp:65536", "udp:53,54", "tcp:80", "icmp"})
        EXPECT_FALSE(parse_filter(bad, s)) << bad;
    EXPECT_EQ(parse_filter("udp:0", s).error().message,
              "--filter 'udp:0': expected icmpv6-echo or udp:PORT (PORT 1-65535)");
}

TEST(AfxdpOptions, ContradictionsAndBadSizesAreRefusedBeforeAnythingIsOpened) {
    auto refused = [](auto change) {
        AfxdpRequest r;
        r.ifname = "veth0";
        change(r);
        auto c = check_afxdp_request(r);
        return c ? std::string() : c.error().message;
    };
    EXPECT_EQ(refused([](AfxdpRequest&) {}), "");
    EXPECT_NE(refused([](AfxdpRequest& r) { r.copy = r.zerocopy = true; }).find("exclude"),
              std::string::npos);
    EXPECT_EQ(refused([](AfxdpRequest& r) { r.replace = r.append = true; }),
              "--replace and --chain exclude each other");
    EXPECT_NE(refused([](AfxdpRequest& r) {
                  r.queue = 1;
                  r.all_queues = true;
              }).find("exclude"),
              std::string::npos);
    EXPECT_EQ(refused([](AfxdpRequest& r) { r.mode = "echo"; }),
              "--mode 'echo': expected drop or pong");
    EXPECT_NE(refused([](AfxdpRequest& r) { r.batch = 0; }).find("--batch"), std::string::npos);
    EXPECT_NE(refused([](AfxdpRequest& r) { r.frame_size = 3000; }).find("--frame-size 3000"),
              std::string::npos);
    EXPECT_NE(refused([](AfxdpRequest& r) { r.frames = 0; }).find("--frames"), std::string::npos);
    EXPECT_NE(refused([](AfxdpRequest& r) { r.xdp_mode = "fast"; }), "");
}

TEST(AfxdpOptions, PlanBecomesTheProgramsParameters) {
    AfxdpPlan plan;
    plan.steering = *parse_steer("1-in-3");
    ASSERT_TRUE(parse_filter("udp:53", plan.steering));
    EXPECT_EQ(afxdp_params(plan), (ParamValues{{"steer", "1-in-n"},
                                               {"one-in", "3"},
                                               {"filter", "udp"},
                                               {"udp-port", "53"}}));
}

AfxdpPlan plan_on(std::vector<uint32_t> queues) {
    AfxdpPlan plan;
    plan.iface = {"veth0", 4};
    plan.queues = std::move(queues);
    plan.device_queues = 3;
    return plan;
}

TEST(AfxdpHint, FramesOnlyOnOtherQueuesNameTheBusiestOne) {
    AfxdpSample s;
    s.rx_queue_frames = {0, 0, 0};
    EXPECT_EQ(queue_hint(plan_on({1}), s), "");  // no traffic at all: nothing to say
    s.rx_queue_frames = {2, 0, 12};
    EXPECT_EQ(queue_hint(plan_on({1}), s),
              "no frames on veth0 queue 1, where the socket is, while 14 arrived on other queues "
              "(queue 0: 2, queue 1: 0, queue 2: 12): the sender's hash or the NIC's RSS picks "
              "the RX queue, not the socket; bind --queue 2 or --all-queues ('ethtool -S "
              "veth0' shows the driver's per-queue counts)");
    s.rx_queue_frames = {2, 1, 12};
    EXPECT_EQ(queue_hint(plan_on({1}), s), "");  // the socket's queue gets some
    s.rx_queue_frames = {0, 0, 12};
    EXPECT_NE(queue_hint(plan_on({0, 1}), s).find("queue 0,1, where the sockets are"),
              std::string::npos);
}

TEST(AfxdpJson, IntervalHasRatesPerQueueAndTheProgramsOutcomes) {
    AfxdpSample a, b;
    a.seconds = 1;
    b.seconds = 3;
    AfxdpQueueSample q;
    q.queue = 2;
    a.queues = {q};
    q.loop.rx_packets = 10;
    q.loop.rx_bytes = 1000;
    q.xdp.rx_ring_full = 7;
    b.queues = {q};
    b.outcomes[AFXDP_TO_SOCKET] = 10;
    b.outcomes[AFXDP_FILTERED_OUT] = 4;
    b.rx_queue_frames = {0, 0, 14};
    const Json j = afxdp_interval_json(a, b);
    EXPECT_EQ(j["event"], "interval");
    EXPECT_EQ(j["period"], 2.0);
    EXPECT_EQ(j["queues"][0]["queue"], 2);
    EXPECT_EQ(j["queues"][0]["rx_packets"], 10);
    EXPECT_EQ(j["queues"][0]["rx_pps"], 5.0);
    EXPECT_EQ(j["queues"][0]["rx_bps"], 4000.0);
    EXPECT_EQ(j["queues"][0]["xdp_statistics"]["rx_ring_full"], 7);
    EXPECT_EQ(j["queues"][0]["frames"].size(), 4u);
    EXPECT_EQ(j["program"].dump(),
              R"({"to-socket":10,"passed":0,"filtered-out":4,"no-socket":0})");
    EXPECT_EQ(j["rx_queue_frames"]["2"], 14);
}

TEST(AfxdpJson, StoppedSumsTheQueuesAndSaysWhatWasDetached) {
    AfxdpSample s;
    AfxdpQueueSample q;
    q.loop.rx_packets = 3;
    q.loop.tx_packets = 2;
    q.xdp.rx_dropped = 1;
    s.queues = {q, q};
    DetachResult d{"veth0", {"afxdp"}, true, {}};
    const Json j = afxdp_stopped_json(s, d, true);
    EXPECT_EQ(j["event"], "stopped");
    EXPECT_EQ(j["rx_packets"], 6);
    EXPECT_EQ(j["tx_packets"], 4);
    EXPECT_EQ(j["xdp_statistics"]["rx_dropped"], 2);
    EXPECT_EQ(j["accounting"]["audit"], true);
    EXPECT_EQ(j["detached"][0], "afxdp");
    EXPECT_EQ(j["chain_removed"], true);
    EXPECT_EQ(j["queues"].size(), 2u);
}

}  // namespace
}  // namespace xdpkit
