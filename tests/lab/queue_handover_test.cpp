// An AF_XDP queue is free for the next command the moment the last one exits. The kernel
// releases a closed socket's buffer pool a little after close (15-40 ms here), so a command
// started at once used to find the queue busy and refuse; now every AF_XDP command waits for
// a release in progress (bounded), and decides its refusals before it opens a socket at all.
// Each pair runs back to back 20 times, as a user's script or a supervisor restarting it would.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "lab/lab.h"
#include "lab/lab_asserts.h"
#include "support/temp_dir.h"

namespace xdpkit::test {
namespace {

constexpr int kRounds = 20;

// Fixed test keys: never for real traffic. Steered to queue 0's socket: the engine's own.
constexpr const char* kSaLine =
    "--spi 0x1000 --dst 198.18.0.1 --action xsk:0 --cipher aes-cbc-128 --auth hmac-sha1-96 "
    "--key 000102030405060708090a0b0c0d0e0f --auth-key 101112131415161718191a1b1c1d1e1f20212223";

class QueueHandover : public ::testing::Test {
protected:
    void SetUp() override { std::ofstream(dir.file("sa.txt")) << kSaLine << "\n"; }

    // Each runs one short report interval on queue 0 and exits; it must succeed.
    void afxdp(const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args{"afxdp", "veth0", "--count", "1", "--interval", "0.05"};
        args.insert(args.end(), extra.begin(), extra.end());
        ok(args);
    }
    void hints_qualify() { ok({"hints", "veth0", "--qualify"}); }
    void accel() {
        ok({"accel", "veth0", "--backend", "openssl", "--sa-file", dir.file("sa.txt"), "--count",
            "1", "--interval", "0.05"});
    }
    void ok(const std::vector<std::string>& args) {
        const auto r = lab.xdpkit(args);
        ASSERT_EQ(r.status, 0) << args[0] << ": " << r.err;
    }

    TempDir dir;
    Lab lab;
};

TEST_F(QueueHandover, AfxdpAfterAfxdp) {
    for (int i = 0; i < kRounds; ++i) {
        SCOPED_TRACE(i);
        afxdp();
        afxdp();
    }
    expect_nothing_attached(lab.dut_ns(), "veth0");
}

TEST_F(QueueHandover, AfxdpAfterARefusedAfxdp) {
    for (int i = 0; i < kRounds; ++i) {
        SCOPED_TRACE(i);
        attach_ok(lab, {"pass", "veth0"});
        // Refused (a chain is there and neither --chain nor --replace was given): it must
        // refuse before it opens a socket, so the queue is free at once.
        const auto refused = lab.xdpkit({"afxdp", "veth0", "--count", "1"});
        ASSERT_EQ(refused.status, 1) << refused.err;
        ASSERT_NE(refused.err.find("--replace"), std::string::npos) << refused.err;
        afxdp({"--replace"});
    }
    expect_nothing_attached(lab.dut_ns(), "veth0");
}

TEST_F(QueueHandover, HintsQualifyAfterAfxdp) {
    for (int i = 0; i < kRounds; ++i) {
        SCOPED_TRACE(i);
        afxdp();
        hints_qualify();
    }
    expect_nothing_attached(lab.dut_ns(), "veth0");
}

TEST_F(QueueHandover, AfxdpAfterHintsQualify) {
    for (int i = 0; i < kRounds; ++i) {
        SCOPED_TRACE(i);
        hints_qualify();
        afxdp();
    }
    expect_nothing_attached(lab.dut_ns(), "veth0");
}

TEST_F(QueueHandover, AfxdpAfterAccel) {
    for (int i = 0; i < kRounds; ++i) {
        SCOPED_TRACE(i);
        accel();
        afxdp();
    }
    expect_nothing_attached(lab.dut_ns(), "veth0");
}

// A queue that a running process really holds is named, with the process, at once.
TEST_F(QueueHandover, AQueueHeldByARunningCommandNamesItsProcess) {
    const auto holder = spawn_command({xdpkit_path(), "-n", lab.dut_ns(), "afxdp", "veth0",
                                       "--filter", "udp:9", "--json"},
                                      dir.file("out"), dir.file("err"));
    ASSERT_GT(holder, 0);
    // Started: its "started" event is out (the socket is bound before it is printed).
    bool started = false;
    for (int i = 0; i < 1000 && !started; ++i) {
        std::ifstream in(dir.file("out"));
        std::string first;
        started = std::getline(in, first) && first.find("\"started\"") != std::string::npos;
        if (!started) usleep(10 * 1000);  // poll period of the 10 s deadline
    }
    ASSERT_TRUE(started);
    // A second process on the same queue, its program chained after afxdp's (--chain): no
    // attach conflict, the bind is what refuses.
    const auto r = lab.xdpkit({"accel", "veth0", "--chain", "--backend", "openssl", "--sa-file",
                               dir.file("sa.txt"), "--count", "1"});
    ::kill(holder, SIGINT);
    int st = 0;
    ::waitpid(holder, &st, 0);
    EXPECT_EQ(r.status, 1);
    expect_one_error_line(r);
    EXPECT_NE(r.err.find("pid " + std::to_string(holder) + " (xdpkit)"), std::string::npos)
        << r.err;
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

}  // namespace
}  // namespace xdpkit::test
