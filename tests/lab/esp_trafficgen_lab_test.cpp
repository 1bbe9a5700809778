// trafficgen --sa-file live: the peer sends real ESP under an SA's keys, the ipsec program on
// the DUT's veth0 counts it per SA with sequence numbers 1..N, and what crossed the wire
// decrypts with the same SA file in the crypto engine.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <future>

#include "lab/lab.h"
#include "lab/lab_asserts.h"
#include "support/temp_dir.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

class EspTrafficgenLab : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(lab.ping4());  // the peer's neighbour entry for the SA's destination
    }
    // One CBC + HMAC-SHA1-96 SA to the DUT with the default replay window, in the DUT's
    // database and in the file the peer sends with.
    void add_sa(const std::string& action) {
        std::ofstream(sa_file) << "--spi 0x100 --dst " << Lab::kDutIp4 << " --action " << action
                               << " --cipher aes-cbc-128 --auth hmac-sha1-96"
                                  " --key 00112233445566778899aabbccddeeff"
                                  " --auth-key 0102030405060708090a0b0c0d0e0f1011121314\n";
        auto r = lab.xdpkit({"ipsec", "sa", "add", "--sa-file", sa_file});
        ASSERT_EQ(r.status, 0) << r.err;
        attach_ok(lab, {"ipsec", "veth0"});
    }
    json sa_counters() {
        const auto r = lab.xdpkit({"--json", "ipsec", "sa", "list"});
        EXPECT_EQ(r.status, 0) << r.err;
        return json::parse(r.out).at("sas").at(0).at("counters");
    }
    TempDir dir;
    const std::string sa_file = dir.file("sa.txt");
    Lab lab;
};

TEST_F(EspTrafficgenLab, EveryFrameIsCountedWithSequenceNumbersOneToN) {
    add_sa("drop");
    const auto r = lab.peer_xdpkit({"trafficgen", "veth1", "--sa-file", sa_file, "--count", "3000",
                                    "--payload", "1386"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find("note:"), std::string::npos) << "3000 frames fit one set: " << r.out;
    const json c = sa_counters();
    EXPECT_EQ(c.at("packets"), 3000);
    EXPECT_EQ(c.at("replay"), 0);
    EXPECT_EQ(c.at("too_old"), 0);
    EXPECT_EQ(c.at("malformed"), 0);
    EXPECT_EQ(c.at("highest_seq"), 3000);
}

TEST_F(EspTrafficgenLab, GcmOverIpv6IsCountedToo) {
    ASSERT_TRUE(lab.ping6());
    std::ofstream(sa_file) << "--spi 0x200 --dst " << Lab::kDutIp6
                           << " --action drop --cipher aes-gcm-128 --auth none"
                              " --key 00112233445566778899aabbccddeeff --salt cafebabe\n";
    auto r = lab.xdpkit({"ipsec", "sa", "add", "--sa-file", sa_file});
    ASSERT_EQ(r.status, 0) << r.err;
    attach_ok(lab, {"ipsec", "veth0"});
    r = lab.peer_xdpkit({"trafficgen", "veth1", "--sa-file", sa_file, "--count", "2000",
                         "--seq-start", "101"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json c = sa_counters();
    EXPECT_EQ(c.at("packets"), 2000);
    EXPECT_EQ(c.at("malformed"), 0);
    EXPECT_EQ(c.at("highest_seq"), 2100);
}

// The program's counter is shared, not per thread: two threads still number 1..N once each
// (a counter per thread would give each half the numbers, and the top would be N/2). Paced:
// the lab's veth has one RX queue, a 256-frame ring both sending CPUs fill at once, and at full
// speed the veth drops what does not fit; 10000 frames/s per thread is 100 frames per system
// call, so both threads' chunks together fit the ring.
TEST_F(EspTrafficgenLab, TwoThreadsShareOneNumbering) {
    add_sa("drop");
    const auto r = lab.peer_xdpkit({"trafficgen", "veth1", "--sa-file", sa_file, "--count", "3000",
                                    "--threads", "2", "--rate", "20000"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json c = sa_counters();
    EXPECT_EQ(c.at("packets"), 3000);
    EXPECT_EQ(c.at("highest_seq"), 3000);
}

TEST_F(EspTrafficgenLab, WithoutCountTheRepeatIsNoted) {
    add_sa("drop");
    // 1 s at 50000/s: far more than the set's 4096 frames even when the pacing falls short of
    // the rate on a loaded host (0.2 s once sent only 2500).
    const auto r = lab.peer_xdpkit({"trafficgen", "veth1", "--sa-file", sa_file, "--duration",
                                    "1", "--rate", "50000"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("note: SPI 0x100: 4096 frames pre-encrypted (sequence numbers 1..4096)"),
              std::string::npos) << r.out;
    EXPECT_EQ(sa_counters().at("highest_seq"), 4096) << "more than 4096 frames went round the set";
}

// What the peer sent, captured on the DUT, decrypts with the SA file: valid ICVs, sequence
// numbers 1..N in order.
TEST_F(EspTrafficgenLab, WhatCrossesTheWireDecrypts) {
    add_sa("pass");  // passed on to the stack, so tcpdump sees the frames
    const std::string cap = dir.file("esp.pcap");
    auto tcpdump = std::async(std::launch::async, [&] {
        return run_command({"timeout", "20", "ip", "netns", "exec", lab.dut_ns(), "tcpdump", "-i",
                            "veth0", "-U", "-c", "300", "-w", cap, "esp"});
    });
    // tcpdump writes the file header once it captures: from then on nothing is missed.
    struct stat st {};
    for (int i = 0; i < 100 && (stat(cap.c_str(), &st) != 0 || st.st_size < 24); ++i) usleep(50000);
    ASSERT_GE(st.st_size, 24) << "tcpdump did not start";
    const auto r = lab.peer_xdpkit({"trafficgen", "veth1", "--sa-file", sa_file, "--count", "300",
                                    "--rate", "100000"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto dump = tcpdump.get();
    ASSERT_EQ(dump.status, 0) << dump.err;

    const auto a = run_command({xdpkit_path(), "--json", "accel", "--backend", "openssl",
                                "--sa-file", sa_file, "--pcap", cap});
    ASSERT_EQ(a.status, 0) << a.err;
    const json report = json::parse(a.out);
    EXPECT_EQ(report.at("counters").at("results").at("ok"), 300);
    const json& packets = report.at("packets");
    ASSERT_EQ(packets.size(), 300u);
    for (size_t i = 0; i < packets.size(); ++i) EXPECT_EQ(packets[i].at("seq"), i + 1) << i;
}

TEST_F(EspTrafficgenLab, AFrameOverTheMtuIsRefusedNamingTheLargestPayload) {
    add_sa("drop");
    const auto r = lab.peer_xdpkit({"trafficgen", "veth1", "--sa-file", sa_file, "--count", "10",
                                    "--payload", "1500"});
    EXPECT_EQ(r.status, 1);
    expect_one_error_line(r);
    // Ethernet, IPv4, ESP header, IV and ICV take 70 of the 1514 bytes; CBC pads inner
    // IPv4 + UDP + payload + 2 to a multiple of 16, at most 1440: a payload of 1410.
    EXPECT_NE(r.err.find("would be 1606 bytes"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("MTU 1500: 1514 bytes"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--payload is at most 1410"), std::string::npos) << r.err;
    EXPECT_EQ(sa_counters().at("packets"), 0);
}

}  // namespace
}  // namespace xdpkit::test
