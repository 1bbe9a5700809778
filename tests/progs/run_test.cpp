// xdpkit run's engine (core/attach/capture_run.h, what the CLI calls) over captures written with
// the packet builder: verdicts per packet, counters, --out, --repeat.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <xdpkit/drop.h>

#include "core/families/families.h"
#include "core/attach/capture_run.h"
#include "core/attach/counters.h"
#include "core/packets/pcap_file.h"
#include "support/packet.h"
#include "support/temp_dir.h"

namespace xdpkit {
namespace {

using test::Packet;

constexpr uint32_t XDP_DROP_ = 1, XDP_PASS_ = 2;

struct Frame {
    std::vector<uint8_t> bytes;
    uint32_t proto_slot;  // drop's proto_counters index for it
};

Packet behind_dst_opts(size_t n) {
    Packet p;
    p.eth().ipv6();
    for (size_t i = 0; i < n; ++i) p.ipv6_ext(60);
    return p;
}

std::vector<Frame> mixed_frames() {
    return {
        {Packet().eth().ipv4().udp().payload(18).bytes(), 17},
        {Packet().eth().vlan(100).ipv6().tcp().bytes(), 6},
        {Packet().eth().ipv4().icmp_echo().payload(56).bytes(), 1},
        {Packet().eth().ethertype(0x0806).payload(28).bytes(), DROP_PROTO_NON_IP},
        {Packet().eth().ipv4("198.18.0.3", "198.18.0.4").udp(53, 53).payload(100).bytes(), 17},
        {behind_dst_opts(XDPKIT_IPV6_EXT_MAX + 1).udp().bytes(), DROP_PROTO_UNPARSED},
    };
}

class RunCapture : public ::testing::Test {
protected:
    void SetUp() override {
        std::vector<CapturedFrame> cap;
        for (uint32_t i = 0; i < frames_.size(); ++i) {
            const auto& b = frames_[i].bytes;
            cap.push_back({1700000000 + i, i * 1000, static_cast<uint32_t>(b.size()), b});
        }
        ASSERT_TRUE(write_pcap(in_, cap));
    }

    CaptureRunReport run(const Family& f, ParamValues params, uint32_t repeat = 1,
                         const std::string& out = "") {
        auto r = run_capture({&f, std::move(params), in_, out, repeat});
        if (!r) throw std::runtime_error(r.error().message);
        return std::move(r).value();
    }

    // Packets and bytes per index that the frames should leave in drop's proto_counters
    // (`unparsed` is always there, zero or not).
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> expected_protos(uint64_t runs) const {
        std::map<uint32_t, std::pair<uint64_t, uint64_t>> m{{DROP_PROTO_UNPARSED, {0, 0}}};
        for (const auto& f : frames_) {
            m[f.proto_slot].first += runs;
            m[f.proto_slot].second += runs * f.bytes.size();
        }
        return m;
    }

    uint64_t total_bytes() const {
        uint64_t n = 0;
        for (const auto& f : frames_) n += f.bytes.size();
        return n;
    }

    test::TempDir dir_;
    std::string in_ = dir_.file("in.pcap");
    std::vector<Frame> frames_ = mixed_frames();
};

const CounterRows& table(const CaptureRunReport& r, const std::string& map) {
    for (const auto& t : r.counters)
        if (t.map == map) return t;
    throw std::runtime_error("no counter table " + map);
}

std::map<uint32_t, std::pair<uint64_t, uint64_t>> rows_of(const CounterRows& t) {
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> m;
    for (const auto& row : t.rows) m[row.index] = {row.packets, row.bytes};
    return m;
}

void expect_verdicts(const CaptureRunReport& r, uint32_t verdict, size_t count) {
    ASSERT_EQ(r.frames.size(), count);
    for (uint32_t i = 0; i < count; ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(r.frames[i].index, i + 1);
        EXPECT_EQ(r.frames[i].verdict, verdict);
        EXPECT_EQ(r.frames[i].len_out, r.frames[i].len_in) << "drop does not resize frames";
    }
}

TEST_F(RunCapture, DropDropsEveryPacketAndCountsEachProtocol) {
    const auto r = run(drop_family(), {{"action", "drop"}});
    expect_verdicts(r, XDP_DROP_, frames_.size());
    for (size_t i = 0; i < frames_.size(); ++i) EXPECT_EQ(r.frames[i].len_in, frames_[i].bytes.size());
    EXPECT_EQ(rows_of(table(r, "action_counters")),
              (std::map<uint32_t, std::pair<uint64_t, uint64_t>>{
                  {XDP_DROP_, {frames_.size(), total_bytes()}}}));
    EXPECT_EQ(rows_of(table(r, "proto_counters")), expected_protos(1));
    EXPECT_EQ(table(r, "proto_counters").rows.back().name, "unparsed");
    EXPECT_EQ(r.params.at("action"), "drop");
}

TEST_F(RunCapture, DropWithActionPassPassesEveryPacket) {
    const auto r = run(drop_family(), {{"action", "pass"}});
    expect_verdicts(r, XDP_PASS_, frames_.size());
    EXPECT_EQ(rows_of(table(r, "action_counters")),
              (std::map<uint32_t, std::pair<uint64_t, uint64_t>>{
                  {XDP_PASS_, {frames_.size(), total_bytes()}}}));
}

// Every packet is written, dropped ones too, as the program left it: for drop, unchanged.
TEST_F(RunCapture, OutHoldsEveryPacketAsTheProgramLeftIt) {
    for (const char* action : {"drop", "pass"}) {
        SCOPED_TRACE(action);
        const std::string out = dir_.file(std::string("out-") + action + ".pcap");
        const auto r = run(drop_family(), {{"action", action}}, 1, out);
        EXPECT_EQ(r.out, out);
        auto in = read_pcap(in_);
        auto got = read_pcap(out);
        ASSERT_TRUE(in && got);
        ASSERT_EQ(got->size(), in->size());
        for (size_t i = 0; i < in->size(); ++i) {
            SCOPED_TRACE(i);
            EXPECT_EQ((*got)[i].data, (*in)[i].data);
            EXPECT_EQ((*got)[i].sec, (*in)[i].sec);
            EXPECT_EQ((*got)[i].nsec, (*in)[i].nsec);
            EXPECT_EQ((*got)[i].wire_len, (*in)[i].wire_len);
        }
    }
}

TEST_F(RunCapture, RepeatTimesEveryPacketAndCountsEveryRun) {
    constexpr uint32_t kRepeat = 1000;
    const auto r = run(drop_family(), {{"action", "drop"}}, kRepeat);
    expect_verdicts(r, XDP_DROP_, frames_.size());
    for (const auto& f : r.frames) EXPECT_GT(f.duration_ns, 0u) << "packet " << f.index;
    EXPECT_GT(r.mean_ns(), 0.0);
    EXPECT_EQ(rows_of(table(r, "action_counters")),
              (std::map<uint32_t, std::pair<uint64_t, uint64_t>>{
                  {XDP_DROP_, {kRepeat * frames_.size(), kRepeat * total_bytes()}}}));
    EXPECT_EQ(rows_of(table(r, "proto_counters")), expected_protos(kRepeat));
}

TEST_F(RunCapture, BaselineReturnsItsVerdictAndKeepsNoCounters) {
    const auto pass = run(baseline_family(), {{"verdict", "pass"}});
    expect_verdicts(pass, XDP_PASS_, frames_.size());
    EXPECT_TRUE(pass.counters.empty());
    const auto tx = run(baseline_family(), {{"verdict", "tx"}});
    EXPECT_EQ(verdict_name(tx.frames.front().verdict), "tx");
}

TEST_F(RunCapture, SnaplenCutPacketRunsWhatWasCapturedAndStaysMarkedCut) {
    auto full = Packet().eth().ipv4().udp().payload(1400).bytes();
    const auto wire = static_cast<uint32_t>(full.size());
    full.resize(64);
    ASSERT_TRUE(write_pcap(in_, {{1, 0, wire, full}}));
    const std::string out = dir_.file("out.pcap");
    const auto r = run(drop_family(), {{"action", "drop"}}, 1, out);
    ASSERT_EQ(r.frames.size(), 1u);
    EXPECT_EQ(r.frames[0].len_in, 64u);
    EXPECT_EQ(r.frames[0].wire_len, wire);
    EXPECT_EQ(rows_of(table(r, "proto_counters")),
              (std::map<uint32_t, std::pair<uint64_t, uint64_t>>{{17, {1, 64}},
                                                                 {DROP_PROTO_UNPARSED, {0, 0}}}));
    auto got = read_pcap(out);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->at(0).wire_len, wire);
    EXPECT_EQ(got->at(0).data, full);
}

TEST_F(RunCapture, PacketTooLargeForBpfProgRunNamesItsNumber) {
    const auto ok = Packet().eth().ipv4().udp().bytes();
    const std::vector<uint8_t> huge(80000, 0);
    ASSERT_TRUE(write_pcap(in_, {{1, 0, static_cast<uint32_t>(ok.size()), ok},
                                 {2, 0, static_cast<uint32_t>(huge.size()), huge}}));
    auto r = run_capture({&drop_family(), {}, in_, "", 1});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(in_ + ": packet 2: 80000 bytes is more than BPF_PROG_RUN"),
              std::string::npos)
        << r.error().message;
}

// A pcap file written byte by byte, so a record can say what write_pcap never would: more
// bytes captured than were on the wire.
void write_raw_pcap(const std::string& path,
                    const std::vector<std::pair<std::vector<uint8_t>, uint32_t>>& records) {
    std::ofstream f(path, std::ios::binary);
    auto u32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
    auto u16 = [&](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
    u32(0xa1b2c3d4);  // microsecond pcap, host order
    u16(2);
    u16(4);
    u32(0);
    u32(0);
    u32(65535);  // snaplen
    u32(1);      // DLT_EN10MB
    for (const auto& [data, wire] : records) {
        u32(1);
        u32(0);
        u32(static_cast<uint32_t>(data.size()));
        u32(wire);
        f.write(reinterpret_cast<const char*>(data.data()), static_cast<long>(data.size()));
    }
}

TEST_F(RunCapture, ARuntAndABrokenRecordGetTheirOwnEntryAndTheRunGoesOn) {
    const auto ok = Packet().eth().ipv4().udp().payload(18).bytes();
    const std::vector<uint8_t> runt(10, 0xab);
    const auto ok_len = static_cast<uint32_t>(ok.size());
    write_raw_pcap(in_, {{ok, ok_len}, {runt, 10}, {ok, ok_len}, {ok, ok_len - 20}});
    const std::string out = dir_.file("out.pcap");
    const auto r = run(drop_family(), {{"action", "drop"}}, 1, out);
    ASSERT_EQ(r.frames.size(), 4u);
    EXPECT_TRUE(r.frames[0].not_run.empty());
    EXPECT_EQ(r.frames[1].index, 2u);
    EXPECT_EQ(r.frames[1].not_run, "10 bytes is shorter than an Ethernet header (14)");
    EXPECT_TRUE(r.frames[2].not_run.empty());
    EXPECT_EQ(r.frames[3].not_run,
              fmt::format("the record holds {} bytes but says {} were on the wire (a capture "
                          "holds at most what was on the wire)",
                          ok_len, ok_len - 20));
    EXPECT_EQ(r.not_run(), 2u);
    // Only the two that ran were counted, and dropped.
    EXPECT_EQ(rows_of(table(r, "action_counters")),
              (std::map<uint32_t, std::pair<uint64_t, uint64_t>>{{XDP_DROP, {2, 2 * ok_len}}}));
    const Json j = to_json(r);
    EXPECT_EQ(j.at("not_run"), 2);
    EXPECT_TRUE(j.at("packets").at(1).at("verdict").is_null());
    EXPECT_EQ(j.at("packets").at(1).at("not_run"), r.frames[1].not_run);
    EXPECT_EQ(j.at("packets").at(2).at("verdict"), "drop");
    // --out holds every packet, the ones not run untouched.
    auto got = read_pcap(out);
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_EQ(got->size(), 4u);
    EXPECT_EQ(got->at(1).data, runt);
}

}  // namespace
}  // namespace xdpkit
