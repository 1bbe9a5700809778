// A command that runs in the foreground until stopped stops cleanly on SIGINT or SIGTERM sent
// twice in quick succession, as coreutils timeout(1) and many supervisors do (to the child,
// then to its process group): exit 0, its summary printed whole, and what it attached gone.
// The second signal once killed it mid-cleanup (exit 130/143) whenever it landed after the
// first had been taken.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "lab/lab.h"
#include "lab/lab_asserts.h"
#include "support/temp_dir.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Fixed test keys: never for real traffic.
constexpr const char* kSaLine =
    "--spi 0x1000 --dst 198.18.0.1 --action xsk:0 --cipher aes-cbc-128 --auth hmac-sha1-96 "
    "--key 000102030405060708090a0b0c0d0e0f --auth-key 101112131415161718191a1b1c1d1e1f20212223";

struct Stopped {
    int status = -1;  // exit status, -1 when killed by a signal
    int signal = 0;   // the signal that killed it
    std::vector<json> lines;
    std::string err;
};

class ForegroundSignals : public ::testing::Test {
protected:
    void SetUp() override { std::ofstream(dir.file("sa.txt")) << kSaLine << "\n"; }

    // Runs `xdpkit --json -n dut args...` until it has printed `ready_lines` whole lines,
    // then sends sig twice, `gap` apart, and waits (deadline 20 s) for it to end.
    Stopped run_and_signal_twice(const std::vector<std::string>& args, int sig,
                                 std::chrono::milliseconds gap, size_t ready_lines = 1) {
        std::vector<std::string> argv{xdpkit_path(), "--json", "-n", lab.dut_ns()};
        argv.insert(argv.end(), args.begin(), args.end());
        const pid_t pid = spawn_command(argv, dir.file("out"), dir.file("err"));
        Stopped s;
        if (pid <= 0) return s;
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        int st = 0;
        bool ended = false;
        while (Clock::now() < deadline && read_lines().size() < ready_lines) {
            if (::waitpid(pid, &st, WNOHANG) == pid) {
                ended = true;  // ended by itself: the assertions below say how
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll period
        }
        if (!ended) {
            ::kill(pid, sig);
            // The stimulus itself, not a wait for a condition: the second signal as timeout(1)
            // sends it, a moment after the first.
            if (gap.count()) std::this_thread::sleep_for(gap);
            ::kill(pid, sig);
            while (Clock::now() < deadline && ::waitpid(pid, &st, WNOHANG) != pid)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll period
            if (Clock::now() >= deadline) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &st, 0);
            }
        }
        s.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        s.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        s.lines = read_lines();
        std::ifstream in(dir.file("err"));
        std::stringstream ss;
        ss << in.rdbuf();
        s.err = ss.str();
        return s;
    }

    // Every whole line of stdout, parsed (a cut last line would not parse: it is a failure).
    std::vector<json> read_lines() {
        std::ifstream in(dir.file("out"));
        std::vector<json> lines;
        for (std::string l; std::getline(in, l);) {
            if (in.eof()) break;  // no newline yet: still being written
            lines.push_back(json::parse(l));
        }
        return lines;
    }

    static bool has_event(const Stopped& s, const std::string& name) {
        for (const json& l : s.lines)
            if (l.contains("event") && l.at("event") == name) return true;
        return false;
    }

    void expect_clean(const Stopped& s) {
        EXPECT_EQ(s.signal, 0) << "killed by signal " << s.signal;
        EXPECT_EQ(s.status, 0) << s.err;
        EXPECT_TRUE(s.err.empty()) << s.err;
    }

    TempDir dir;
    Lab lab;
};

constexpr std::chrono::milliseconds kGaps[] = {std::chrono::milliseconds(0),
                                               std::chrono::milliseconds(3),
                                               std::chrono::milliseconds(30)};

TEST_F(ForegroundSignals, Stats) {
    attach_ok(lab, {"pass", "veth0"});
    for (int sig : {SIGINT, SIGTERM})
        for (auto gap : kGaps) {
            SCOPED_TRACE(testing::Message() << "signal " << sig << " gap " << gap.count());
            const Stopped s = run_and_signal_twice({"stats", "veth0", "--interval", "0.1"}, sig, gap);
            expect_clean(s);
            EXPECT_GE(s.lines.size(), 1u);
            EXPECT_EQ(lab.status().at("chain").size(), 1u) << "stats changes nothing";
        }
}

TEST_F(ForegroundSignals, Afxdp) {
    for (int sig : {SIGINT, SIGTERM})
        for (auto gap : kGaps) {
            SCOPED_TRACE(testing::Message() << "signal " << sig << " gap " << gap.count());
            const Stopped s =
                run_and_signal_twice({"afxdp", "veth0", "--filter", "udp:9", "--interval", "0.1"},
                                     sig, gap);
            expect_clean(s);
            EXPECT_TRUE(has_event(s, "started"));
            EXPECT_TRUE(has_event(s, "stopped")) << "the summary";
            expect_nothing_attached(lab.dut_ns(), "veth0");
        }
}

TEST_F(ForegroundSignals, Hints) {
    for (int sig : {SIGINT, SIGTERM})
        for (auto gap : kGaps) {
            SCOPED_TRACE(testing::Message() << "signal " << sig << " gap " << gap.count());
            const Stopped s = run_and_signal_twice({"hints", "veth0"}, sig, gap);
            expect_clean(s);
            EXPECT_TRUE(has_event(s, "started"));
            EXPECT_TRUE(has_event(s, "stopped")) << "the summary";
            expect_nothing_attached(lab.dut_ns(), "veth0");
        }
}

TEST_F(ForegroundSignals, Accel) {
    for (int sig : {SIGINT, SIGTERM})
        for (auto gap : kGaps) {
            SCOPED_TRACE(testing::Message() << "signal " << sig << " gap " << gap.count());
            const Stopped s = run_and_signal_twice({"accel", "veth0", "--backend", "openssl",
                                                    "--sa-file", dir.file("sa.txt"), "--interval",
                                                    "0.1"},
                                                   sig, gap);
            expect_clean(s);
            EXPECT_TRUE(has_event(s, "started"));
            EXPECT_TRUE(has_event(s, "stopped")) << "the summary";
            expect_nothing_attached(lab.dut_ns(), "veth0");
        }
}

TEST_F(ForegroundSignals, Trafficgen) {
    ASSERT_EQ(lab.peer_xdpkit({"attach", "pass", "veth1"}).status, 0);
    ASSERT_TRUE(lab.ping4(1));  // the DUT learns the peer's MAC: trafficgen's destination
    for (int sig : {SIGINT, SIGTERM})
        for (auto gap : kGaps) {
            SCOPED_TRACE(testing::Message() << "signal " << sig << " gap " << gap.count());
            const std::vector<std::string> args{"trafficgen", "veth0", "--dst", Lab::kPeerIp4,
                                                "--interval", "0.1", "--rate", "10000"};
            // Out of veth0 to the peer, whose pass program lets veth1 take XDP frames.
            const Stopped s = run_and_signal_twice(args, sig, gap);
            expect_clean(s);
            ASSERT_FALSE(s.lines.empty());
            EXPECT_TRUE(s.lines.back().value("total", false)) << "the summary: " << s.lines.back();
        }
}

}  // namespace
}  // namespace xdpkit::test
