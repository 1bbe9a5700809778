// Assertions the lab tests share: a command that must succeed, an error that must be one line.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lab/lab.h"

namespace xdpkit::test {

// `xdpkit -n <dut> attach args...` must succeed.
inline void attach_ok(const Lab& lab, const std::vector<std::string>& args) {
    std::vector<std::string> a{"attach"};
    a.insert(a.end(), args.begin(), args.end());
    const auto r = lab.xdpkit(a);
    ASSERT_EQ(r.status, 0) << r.err;
}

// Nothing on stdout, and one "xdpkit: ..." line on stderr.
inline void expect_one_error_line(const CommandResult& r) {
    EXPECT_TRUE(r.out.empty()) << r.out;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
    EXPECT_EQ(r.err.rfind("xdpkit: ", 0), 0u) << r.err;
}

// What a status row says was set up — programs, ids, pins, parameters — without the counters,
// which background traffic (a late neighbour or router solicitation) may move at any moment.
inline nlohmann::json set_up_state(nlohmann::json status) {
    if (status.contains("chain"))
        for (auto& stage : status.at("chain")) {
            stage.erase("verdicts");
            stage.erase("counters");
        }
    return status;
}

// `status dev` in ns: no program at all, xdpkit's or another's.
inline void expect_nothing_attached(const std::string& ns, const std::string& dev) {
    const auto r = xdpkit_in(ns, {"--json", "status", dev});
    ASSERT_EQ(r.status, 0) << r.err;
    const nlohmann::json st = nlohmann::json::parse(r.out).at(0);
    EXPECT_FALSE(st.at("xdpkit").get<bool>()) << r.out;
    EXPECT_EQ(st.at("prog_id"), 0) << r.out;
}

}  // namespace xdpkit::test
