// Captures in and out of pcap files: what xdpkit run reads, and the one-line errors for the
// files it cannot (missing, not a capture, cut short, not Ethernet).
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <fstream>

#include "core/packets/pcap_file.h"
#include "support/packet.h"
#include "support/temp_dir.h"

namespace xdpkit {
namespace {

using test::Packet;

std::vector<CapturedFrame> three_frames(uint32_t nsec_step = 1000) {
    const std::vector<std::vector<uint8_t>> bytes = {
        Packet().eth().ipv4().udp().payload(18).bytes(),
        Packet().eth().vlan(7).ipv6().tcp().bytes(),
        Packet().eth().ethertype(0x0806).payload(28).bytes(),
    };
    std::vector<CapturedFrame> frames;
    for (uint32_t i = 0; i < bytes.size(); ++i)
        frames.push_back({1700000000 + i, 123000 + i * nsec_step,
                          static_cast<uint32_t>(bytes[i].size()), bytes[i]});
    return frames;
}

void expect_same(const std::vector<CapturedFrame>& got, const std::vector<CapturedFrame>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(got[i].data, want[i].data);
        EXPECT_EQ(got[i].wire_len, want[i].wire_len);
        EXPECT_EQ(got[i].sec, want[i].sec);
        EXPECT_EQ(got[i].nsec, want[i].nsec);
    }
}

uint32_t magic_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    uint32_t magic = 0;
    in.read(reinterpret_cast<char*>(&magic), sizeof(magic));
    return magic;
}

std::string error_reading(const std::string& path) {
    auto r = read_pcap(path);
    return r ? std::string("(no error)") : r.error().message;
}

TEST(PcapFile, ThreeEthernetFramesRoundTrip) {
    test::TempDir dir;
    const auto frames = three_frames();
    ASSERT_TRUE(write_pcap(dir.file("a.pcap"), frames));
    auto back = read_pcap(dir.file("a.pcap"));
    ASSERT_TRUE(back) << back.error().message;
    expect_same(*back, frames);
    EXPECT_EQ(magic_of(dir.file("a.pcap")), 0xa1b2c3d4u) << "whole microseconds: classic pcap";
}

TEST(PcapFile, NanosecondTimestampsAreKept) {
    test::TempDir dir;
    const auto frames = three_frames(1);  // 123000, 123001, ...: needs nanoseconds
    ASSERT_TRUE(write_pcap(dir.file("ns.pcap"), frames));
    auto back = read_pcap(dir.file("ns.pcap"));
    ASSERT_TRUE(back) << back.error().message;
    expect_same(*back, frames);
    EXPECT_EQ(magic_of(dir.file("ns.pcap")), 0xa1b23c4du);
}

TEST(PcapFile, SnaplenCutFrameKeepsItsWireLength) {
    test::TempDir dir;
    auto frames = three_frames();
    frames[1].wire_len = 1500;  // captured 62 bytes of a 1500-byte frame
    ASSERT_TRUE(write_pcap(dir.file("cut.pcap"), frames));
    auto back = read_pcap(dir.file("cut.pcap"));
    ASSERT_TRUE(back) << back.error().message;
    expect_same(*back, frames);
}

TEST(PcapFile, HeaderOnlyCaptureHasNoFrames) {
    test::TempDir dir;
    ASSERT_TRUE(write_pcap(dir.file("empty.pcap"), {}));
    auto back = read_pcap(dir.file("empty.pcap"));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_TRUE(back->empty());
}

TEST(PcapFile, MissingFileIsNamed) {
    test::TempDir dir;
    const std::string path = dir.file("missing.pcap");
    const std::string msg = error_reading(path);
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

TEST(PcapFile, NotAPcapIsRefused) {
    test::TempDir dir;
    std::ofstream(dir.file("notes.txt")) << "these are not the packets you are looking for\n";
    const std::string msg = error_reading(dir.file("notes.txt"));
    EXPECT_NE(msg.find(dir.file("notes.txt")), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown file format (expected pcap or pcapng)"), std::string::npos) << msg;
}

TEST(PcapFile, CaptureCutInsideARecordNamesFileAndPacket) {
    test::TempDir dir;
    const std::string path = dir.file("cut.pcap");
    ASSERT_TRUE(write_pcap(path, three_frames()));
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
    const std::string msg = error_reading(path);
    EXPECT_NE(msg.find(path + ": packet 3: truncated"), std::string::npos) << msg;
}

TEST(PcapFile, CaptureCutInsideARecordHeaderNamesThePacket) {
    test::TempDir dir;
    const std::string path = dir.file("cut.pcap");
    ASSERT_TRUE(write_pcap(path, three_frames()));
    std::filesystem::resize_file(path, 24 + 5);  // file header, then 5 of 16 record-header bytes
    const std::string msg = error_reading(path);
    EXPECT_NE(msg.find(path + ": packet 1: truncated"), std::string::npos) << msg;
}

TEST(PcapFile, OtherLinkTypeIsNamed) {
    test::TempDir dir;
    const std::string path = dir.file("raw.pcap");
    pcap_t* dead = pcap_open_dead(DLT_RAW, 65535);
    ASSERT_NE(dead, nullptr);
    pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
    ASSERT_NE(d, nullptr) << pcap_geterr(dead);
    const auto ip = Packet().ipv4().udp().bytes();  // no Ethernet header: raw IP
    pcap_pkthdr hdr{};
    hdr.caplen = hdr.len = static_cast<uint32_t>(ip.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &hdr, ip.data());
    pcap_dump_close(d);
    pcap_close(dead);

    const std::string msg = error_reading(path);
    EXPECT_NE(msg.find("link type RAW"), std::string::npos) << msg;
    EXPECT_NE(msg.find("needs Ethernet"), std::string::npos) << msg;
}

}  // namespace
}  // namespace xdpkit
