// `xdpkit run` and offline `accel` as a user runs them, on captures with a runt among good
// frames: one bad frame does not sink the capture — it is listed with its reason, the exit
// status stays 0, and --strict makes it 1 after the whole report.
#include <gtest/gtest.h>

#include <fstream>

#include "core/packets/pcap_file.h"
#include "lab/lab.h"
#include "lab/lab_asserts.h"
#include "support/packet.h"
#include "support/temp_dir.h"

namespace xdpkit::test {
namespace {

class RunCli : public ::testing::Test {
protected:
    void SetUp() override {
        const auto ok = Packet().eth().ipv4().udp().payload(18).bytes();
        const std::vector<uint8_t> runt(10, 0xab);
        ASSERT_TRUE(write_pcap(pcap, {{1, 0, uint32_t(ok.size()), ok},
                                      {2, 0, uint32_t(runt.size()), runt},
                                      {3, 0, uint32_t(ok.size()), ok}}));
    }
    CommandResult xdpkit(std::vector<std::string> args) {
        args.insert(args.begin(), xdpkit_path());
        return run_command(args);
    }
    TempDir dir;
    std::string pcap = dir.file("runt.pcap");
};

TEST_F(RunCli, ARuntIsListedWithItsReasonAndTheRunGoesOn) {
    const auto r = xdpkit({"run", "drop", "--pcap", pcap});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_NE(r.out.find("not run: 10 bytes is shorter than an Ethernet header (14)"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("1 of 3 packets not run"), std::string::npos) << r.out;

    const auto j = xdpkit({"--json", "run", "drop", "--pcap", pcap});
    ASSERT_EQ(j.status, 0) << j.err;
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc.at("not_run"), 1);
    EXPECT_EQ(doc.at("packets").size(), 3u);
    EXPECT_EQ(doc.at("packets").at(2).at("verdict"), "drop");
}

TEST_F(RunCli, StrictFailsAfterTheWholeReport) {
    const auto r = xdpkit({"run", "drop", "--pcap", pcap, "--strict"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "xdpkit: " + pcap + ": 1 of 3 packets not run (--strict)\n");
    EXPECT_NE(r.out.find("not run: 10 bytes"), std::string::npos) << "the report still comes";
}

// Offline nothing steers, so an SA file without --action is enough for accel.
TEST_F(RunCli, OfflineAccelTakesSasWithoutAnAction) {
    const std::string sa = dir.file("sa.txt");
    std::ofstream(sa) << "--spi 0x100 --dst 198.18.0.1 --cipher aes-cbc-128 --auth hmac-sha1-96 "
                         "--key 000102030405060708090a0b0c0d0e0f "
                         "--auth-key 101112131415161718191a1b1c1d1e1f20212223\n";
    const auto r = xdpkit({"--json", "accel", "--backend", "openssl", "--sa-file", sa, "--pcap",
                           pcap});
    ASSERT_EQ(r.status, 0) << r.err;
    // The runt is its own result, and the run goes on over the other two.
    EXPECT_NE(r.out.find("malformed"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace xdpkit::test

namespace xdpkit::test {
namespace {

// `run filter --rules`: a capture against a rule set, in the run's own maps; the rule that
// decided counts it, and --rules is refused for another program.
TEST_F(RunCli, FilterRunsACaptureAgainstARuleFile) {
    const std::string rules = dir.file("rules.txt");
    std::ofstream(rules) << "--priority 4 --proto udp --dport 9 --action deny\n";
    auto r = xdpkit({"--json", "run", "filter", "--pcap", pcap, "--rules", rules});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto& listed = j.at("state").at("rules");
    ASSERT_EQ(listed.size(), 1u) << r.out;
    EXPECT_EQ(listed.at(0).at("counters").at("packets"), 2) << "the two UDP frames, not the runt";
    r = xdpkit({"run", "drop", "--pcap", pcap, "--rules", rules});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "xdpkit: --rules is for the filter program, not 'drop'\n");
}

}  // namespace
}  // namespace xdpkit::test
