// `xdpkit --json -n NS args...` running in the background (a command that runs until it is
// stopped: afxdp, hints), its NDJSON output in files the test reads while it runs.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/lab.h"
#include "support/temp_dir.h"

namespace xdpkit::test {

class BackgroundRun {
public:
    BackgroundRun(const std::string& ns, const std::vector<std::string>& args) {
        std::vector<std::string> argv{xdpkit_path(), "--json", "-n", ns};
        argv.insert(argv.end(), args.begin(), args.end());
        pid_ = spawn_command(argv, out_, err_);
    }
    ~BackgroundRun() {
        if (pid_ > 0) (void)stop(SIGKILL);
    }
    BackgroundRun(const BackgroundRun&) = delete;
    BackgroundRun& operator=(const BackgroundRun&) = delete;

    // Waits (up to 10 s) for an event of this name; false when the process ended first.
    bool wait_for(const std::string& event) {
        for (int i = 0; i < 1000; ++i) {
            for (const auto& e : events())
                if (e.at("event") == event) return true;
            if (pid_ <= 0 || ::waitpid(pid_, &status_, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }
    // Sends sig and waits; the exit status, -1 when it did not exit normally.
    int stop(int sig = SIGTERM) {
        if (pid_ > 0) {
            ::kill(pid_, sig);
            ::waitpid(pid_, &status_, 0);
            pid_ = -1;
        }
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    }
    std::vector<nlohmann::json> events() const {
        std::vector<nlohmann::json> out;
        std::ifstream in(out_);
        for (std::string line; std::getline(in, line);)
            if (!line.empty() && line.back() == '}') out.push_back(nlohmann::json::parse(line));
        return out;
    }
    nlohmann::json last(const std::string& event) const {
        nlohmann::json found;
        for (const auto& e : events())
            if (e.at("event") == event) found = e;
        return found;
    }
    std::string err() const {
        std::ifstream in(err_);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

private:
    TempDir dir_;
    std::string out_ = dir_.file("out"), err_ = dir_.file("err");
    pid_t pid_ = -1;
    int status_ = 0;
};

}  // namespace xdpkit::test
