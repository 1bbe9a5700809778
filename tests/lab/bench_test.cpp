// xdpkit bench end to end: it builds its own lab, measures, and leaves no namespace and no
// pin behind — also when stopped with SIGINT halfway.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "core/bpffs.h"
#include "lab/lab.h"

extern char** environ;

namespace xdpkit::test {
namespace {

using nlohmann::json;

std::string xdpkit() { return std::getenv("XDPKIT"); }

// The bench namespaces and pin directories of the run with this pid still present.
std::vector<std::string> leftovers(pid_t pid) {
    const std::string prefix = "xkb" + std::to_string(pid) + "-";
    std::vector<std::string> found;
    const auto ns = run_command({"ip", "netns", "list"});
    for (size_t at = ns.out.find(prefix); at != std::string::npos; at = ns.out.find(prefix, at + 1))
        found.push_back(ns.out.substr(at, ns.out.find_first_of(" \n", at) - at));
    for (const auto& dir : list_dir(std::string(kBpffsRoot) + "/xdpkit"))
        if (dir.rfind("xkb", 0) == 0) found.push_back("/sys/fs/bpf/xdpkit/" + dir);
    return found;
}

// Spawns bench with stdout/stderr to /dev/null and returns its pid (the run's lab prefix).
pid_t spawn_bench(const std::vector<std::string>& args) {
    std::vector<std::string> argv{xdpkit(), "bench"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    posix_spawn(&pid, raw[0], &fa, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

int wait_status(pid_t pid) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(BenchLab, DropMeasuresTrafficAndLeavesNothingBehind) {
    // Through /bin/sh so the run's pid (its lab prefix) is known: exec keeps it.
    const auto r = run_command({"sh", "-c", "echo $$; exec \"$0\" --json bench drop --duration 2",
                                xdpkit()});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto newline = r.out.find('\n');
    const pid_t pid = std::stoi(r.out.substr(0, newline));
    const json j = json::parse(r.out.substr(newline + 1));
    EXPECT_EQ(j.at("scenario"), "drop");
    EXPECT_EQ(j.at("size"), 64);
    EXPECT_GT(j.at("sent_mpps").get<double>(), 0);
    EXPECT_GT(j.at("received_mpps").at("median").get<double>(), 0);
    EXPECT_LE(j.at("received_mpps").at("min").get<double>(),
              j.at("received_mpps").at("max").get<double>());
    EXPECT_TRUE(j.at("returned_mpps").is_null());
    EXPECT_FALSE(j.at("cpu_busy_percent").empty());
    EXPECT_FALSE(j.at("interrupted").get<bool>());
    EXPECT_EQ(leftovers(pid), std::vector<std::string>{});
}

TEST(BenchLab, UnknownAndUnavailableScenariosAreOneLine) {
    const auto unknown = run_command({xdpkit(), "bench", "nosuch"});
    EXPECT_EQ(unknown.status, 1);
    EXPECT_EQ(unknown.err, "xdpkit: unknown bench scenario 'nosuch'; known: drop, pass, tx, redirect\n");
    const auto redirect = run_command({xdpkit(), "bench", "redirect"});
    EXPECT_EQ(redirect.status, 1);
    EXPECT_NE(redirect.err.find("redirect family"), std::string::npos) << redirect.err;
    EXPECT_EQ(std::count(redirect.err.begin(), redirect.err.end(), '\n'), 1) << redirect.err;
}

TEST(BenchLab, SigintTearsTheLabDown) {
    const pid_t pid = spawn_bench({"drop", "--duration", "10"});
    ASSERT_GT(pid, 0);
    // Long enough for the lab to exist and traffic to run.
    usleep(1500 * 1000);
    EXPECT_FALSE(leftovers(pid).empty()) << "the lab should exist while bench runs";
    ASSERT_EQ(::kill(pid, SIGINT), 0);
    const int status = wait_status(pid);
    EXPECT_TRUE(status == 0 || status == 1) << "exited normally, not killed: " << status;
    EXPECT_EQ(leftovers(pid), std::vector<std::string>{});
}

}  // namespace
}  // namespace xdpkit::test
