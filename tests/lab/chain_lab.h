// A lab for redirect and service chaining: namespace b is the host in the middle, with one
// veth to each of a, c and d (the "containers"). b has no bridge and no forwarding, so frames
// get from a to c only if XDP in b redirects them.
//
//   a: a0 198.18.0.1 ── b0 │ b │ b1 ── c1 198.18.0.3     (b0 gets 198.18.0.2 when a test
//                          │   │ b2 ── d2 198.18.0.4      needs b's own stack)
//
// IPv6 is off in every namespace of this lab: the stack's own router solicitations and MLD
// reports would add frames to counts a test wants exact.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/lab.h"

namespace xdpkit::test {

class ChainLab {
public:
    static constexpr const char* kIpA = "198.18.0.1";
    static constexpr const char* kIpB = "198.18.0.2";
    static constexpr const char* kIpC = "198.18.0.3";
    static constexpr const char* kIpD = "198.18.0.4";

    ChainLab();   // throws std::runtime_error when the lab cannot be built
    ~ChainLab();  // always tears down
    ChainLab(const ChainLab&) = delete;
    ChainLab& operator=(const ChainLab&) = delete;

    // The namespace of 'a', 'b', 'c' or 'd'.
    std::string ns(char which) const;
    CommandResult xdpkit(char which, const std::vector<std::string>& args) const;
    // ping from a namespace; true when every echo got a reply.
    bool ping(char from, const char* dst, int count = 3) const;
    // count UDP datagrams (bash's /dev/udp) from a namespace to dst's discard port.
    bool send_udp(char from, const char* dst, int count) const;
    // The first stage of dev's chain from `stats --json`: "verdicts" and "counters" totals.
    nlohmann::json stage_counters(char which, const std::string& dev) const;
    std::string mac(char which, const std::string& dev) const;
    // The first stage of dev's chain from `status --json` (params, state, verdicts).
    nlohmann::json stage_status(char which, const std::string& dev) const;
    // Gives b0 an address, so b's own stack answers (cpumap to the stack).
    void address_b0() const;

private:
    std::string prefix_;
};

// Packets of one row of a stats counter table (0 when the row is absent: never counted).
uint64_t row_packets(const nlohmann::json& stage, const std::string& table, const std::string& row);

}  // namespace xdpkit::test
