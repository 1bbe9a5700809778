// SIGKILL at any moment: `detach` and `attach --replace` killed 0-50 ms in leave a state that
// `status` describes truthfully — exit 0, the program it names is the one the kernel runs, no
// guessing at causes — and the next command completes.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "lab/lab.h"
#include "lab/lab_asserts.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

constexpr int kKills = 32;
constexpr auto kLatestKill = std::chrono::milliseconds(50);

// What the kernel runs on the interface, as iproute2 (not xdpkit) reports it: 0 for nothing.
uint32_t kernel_prog_id(const std::string& ns, const std::string& dev) {
    const auto r = run_command({"ip", "-n", ns, "-j", "link", "show", "dev", dev});
    if (r.status != 0) throw std::runtime_error("ip link show failed: " + r.err);
    const json link = json::parse(r.out).at(0);
    if (!link.contains("xdp")) return 0;
    return link.at("xdp").at("prog").at("id").get<uint32_t>();
}

struct Tally {
    int untouched = 0, interrupted = 0, completed = 0;
};

class KilledMidway : public ::testing::Test {
protected:
    // The i-th of n kill delays: one in each of n equal slices of 0..kLatestKill, at a random
    // place within it (seeded from the clock and printed, so a failing run can be replayed).
    std::chrono::microseconds delay(int i) {
        std::uniform_real_distribution<double> within(0.0, 1.0);
        const double slice = static_cast<double>(
                                 std::chrono::duration_cast<std::chrono::microseconds>(kLatestKill)
                                     .count()) /
                             kKills;
        return std::chrono::microseconds(static_cast<int64_t>(slice * (i + within(rng_))));
    }

    // Starts `xdpkit -n <dut> args...`, lets it run for `after`, then SIGKILLs it. The wait is
    // the experiment itself (when the kill lands), not a wait for a condition.
    void kill_after(const std::vector<std::string>& args, std::chrono::microseconds after) {
        std::vector<std::string> argv{xdpkit_path(), "-n", lab.dut_ns()};
        argv.insert(argv.end(), args.begin(), args.end());
        const pid_t pid = spawn_command(argv, "/dev/null", "/dev/null");
        ASSERT_GT(pid, 0);
        std::this_thread::sleep_for(after);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }

    // status must exit 0, name the program the kernel runs, and guess at nothing; returns
    // whether it reports an interrupted detach. only_interrupted: the one problem status may
    // report is an interrupted detach, with the command that finishes it.
    bool expect_coherent_status(const std::string& context, bool only_interrupted = true) {
        SCOPED_TRACE(context);
        const auto text = lab.xdpkit({"status", "veth0"});
        EXPECT_EQ(text.status, 0) << text.err;
        EXPECT_EQ(text.out.find("recreated"), std::string::npos) << text.out;
        const auto r = lab.xdpkit({"--json", "status", "veth0"});
        EXPECT_EQ(r.status, 0) << r.err;
        if (r.status != 0) return false;
        const json s = json::parse(r.out).at(0);
        const uint32_t kernel = kernel_prog_id(lab.dut_ns(), "veth0");
        EXPECT_EQ(s.at("prog_id").get<uint32_t>(), kernel) << s;
        // xdpkit's chain is what runs exactly when the kernel runs something (only xdpkit
        // attaches here), and then every stage status lists is really in the chain or named
        // by the interrupted detach.
        EXPECT_EQ(s.at("xdpkit").get<bool>(), kernel != 0) << s;
        bool interrupted = false;
        for (const auto& p : s.at("problems")) {
            const std::string problem = p.get<std::string>();
            EXPECT_EQ(problem.find('?'), std::string::npos) << "a guess: " << problem;
            const bool names_detach = problem.find("was interrupted") != std::string::npos &&
                                      problem.find("run 'xdpkit detach veth0 ") != std::string::npos;
            if (only_interrupted) {
                EXPECT_TRUE(names_detach) << "unexpected problem: " << problem;
            }
            interrupted = interrupted || names_detach;
        }
        return interrupted;
    }

    Lab lab;
    std::mt19937 rng_{static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count())};
};

TEST_F(KilledMidway, DetachKilledAtAnyMomentIsNamedByStatusAndFinishedByTheNextCommand) {
    Tally tally;
    for (int i = 0; i < kKills; ++i) {
        // Two stages, so a kill can land between them, between the stages and the link, and
        // between the link and the pins.
        attach_ok(lab, {"drop", "veth0", "--replace", "--param", "action=pass"});
        attach_ok(lab, {"pass", "veth0", "--chain"});
        const auto after = delay(i);
        kill_after({"detach", "veth0", "--all"}, after);
        const std::string context = "killed " + std::to_string(after.count()) + " us into detach";
        const bool running = kernel_prog_id(lab.dut_ns(), "veth0") != 0;
        const bool interrupted = expect_coherent_status(context);
        if (interrupted)
            ++tally.interrupted;
        else if (running)
            ++tally.untouched;
        else
            ++tally.completed;
        // The next command completes whatever state the kill left.
        const auto next = lab.xdpkit({"detach", "veth0", "--all"});
        if (running || interrupted) {
            EXPECT_EQ(next.status, 0) << context << ": " << next.err;
        } else {
            EXPECT_EQ(next.err, "xdpkit: veth0: no XDP program attached\n") << context;
        }
        EXPECT_EQ(kernel_prog_id(lab.dut_ns(), "veth0"), 0u) << context;
        const json after_next = lab.status();
        EXPECT_FALSE(after_next.at("xdpkit").get<bool>()) << context << after_next;
        EXPECT_TRUE(after_next.at("problems").empty()) << context << after_next;
        if (HasFailure()) break;
    }
    std::cout << "detach killed " << kKills << " times: " << tally.untouched << " before it began, "
              << tally.interrupted << " part way, " << tally.completed << " after it ended\n";
}

TEST_F(KilledMidway, AnInterruptedDetachIsFinishedByTheNextAttach) {
    Tally tally;
    for (int i = 0; i < kKills / 4; ++i) {
        attach_ok(lab, {"drop", "veth0", "--replace", "--param", "action=pass"});
        kill_after({"detach", "veth0"}, delay(i * 4));
        expect_coherent_status("attach after a killed detach");
        // attach without --replace: refused while drop still runs, fine once the detach
        // (finished by attach itself) took it away.
        const auto next = lab.xdpkit({"attach", "pass", "veth0"});
        const json s = lab.status();
        EXPECT_TRUE(s.at("problems").empty()) << s;
        EXPECT_TRUE(s.at("xdpkit").get<bool>()) << s;
        if (next.status == 0) {
            EXPECT_EQ(s.at("chain").at(0).at("program"), "pass");
            ++tally.completed;
        } else {
            EXPECT_NE(next.err.find("already attached"), std::string::npos) << next.err;
            EXPECT_EQ(s.at("chain").at(0).at("program"), "drop");
            ++tally.untouched;
        }
        ASSERT_EQ(lab.xdpkit({"detach", "veth0", "--all"}).status, 0);
    }
    std::cout << "attach after a killed detach: " << tally.completed << " attached, "
              << tally.untouched << " refused (the detach had not begun)\n";
}

TEST_F(KilledMidway, AttachReplaceKilledAtAnyMomentLeavesOneCoherentChain) {
    attach_ok(lab, {"drop", "veth0", "--param", "action=pass"});
    for (int i = 0; i < kKills; ++i) {
        // Alternately the same program (its stage swapped in the prog array) and another one
        // (the whole chain swapped with a bpf_link update).
        const std::vector<std::string> replace =
            i % 2 ? std::vector<std::string>{"attach", "drop", "veth0", "--replace", "--param",
                                             "action=pass"}
                  : std::vector<std::string>{"attach", "pass", "veth0", "--replace"};
        const auto after = delay(i);
        kill_after(replace, after);
        const std::string context =
            "killed " + std::to_string(after.count()) + " us into " + replace[1] + " --replace";
        expect_coherent_status(context, /*only_interrupted=*/false);
        EXPECT_NE(kernel_prog_id(lab.dut_ns(), "veth0"), 0u) << context;  // never left bare
        const auto next = lab.xdpkit({"attach", "drop", "veth0", "--replace", "--param",
                                      "action=pass"});
        EXPECT_EQ(next.status, 0) << context << ": " << next.err;
        const json s = lab.status();
        EXPECT_TRUE(s.at("xdpkit").get<bool>()) << context << s;
        EXPECT_EQ(s.at("chain").at(0).at("program"), "drop") << context << s;
        if (HasFailure()) break;
    }
}

}  // namespace
}  // namespace xdpkit::test
