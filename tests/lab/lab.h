// The lab tier's fixture: two namespaces created by the test with both veth ends inside
// them (DESIGN.md lab rules), the xdpkit binary run against them, and ping as traffic.
// Addresses can be the same in every lab: each lab is its own pair of namespaces.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xdpkit::test {

struct CommandResult {
    int status = -1;  // exit status, or -1 when it did not exit normally
    std::string out, err;
};

// Runs argv (no shell) and captures both streams.
CommandResult run_command(const std::vector<std::string>& argv);
// Starts argv (no shell) in the background, stdout and stderr to these files (created or
// truncated); the pid, or -1 when it could not start.
pid_t spawn_command(const std::vector<std::string>& argv, const std::string& out_path,
                    const std::string& err_path);
// The xdpkit binary under test ($XDPKIT, which meson test sets).
std::string xdpkit_path();

// "xkt<pid>-<n>": a prefix no other lab of this or another test process uses. scripts/test.sh
// removes namespaces named so whose process is gone.
std::string unique_lab_prefix();
// `ip args...`; throws std::runtime_error with ip's message when it fails (lab setup).
void ip_or_throw(const std::vector<std::string>& args);
// `xdpkit -n ns args...`
CommandResult xdpkit_in(const std::string& ns, const std::vector<std::string>& args);
// Deletes the namespace and the pins xdpkit left for it.
void remove_lab_netns(const std::string& ns);
// `ip netns add ns` with lo up, and IPv6 told to keep quiet on the links made in it later: no
// duplicate address detection, no router solicitations, MLD reports sent at once instead of
// spread over seconds. A slow host otherwise sees them arrive mid-test and move counters a
// test asserts exactly (seen on Debian 6.1 under qemu).
void add_lab_netns(const std::string& ns);
// Waits (deadline 5 s) until the namespaces have sent no IPv6 multicast of their own (the MLD
// reports of new addresses) for 100 ms: from then on, only a test's own traffic moves the
// counters of an attached program. Throws when they never settle.
void wait_until_quiet(const std::vector<std::string>& namespaces);
// One counter of a namespace's IPv6 stack (/proc/net/snmp6: "Ip6OutForwDatagrams"); 0 when
// it has no such counter.
uint64_t snmp6_counter(const std::string& ns, const std::string& name);
// One counter of a namespace's IPv4 stack (/proc/net/snmp: group "Ip", name "ForwDatagrams");
// throws when it cannot be read.
uint64_t snmp_counter(const std::string& ns, const std::string& group, const std::string& name);

class Lab {
public:
    static constexpr const char* kDutIp4 = "198.18.0.1";
    static constexpr const char* kPeerIp4 = "198.18.0.2";
    static constexpr const char* kDutIp6 = "fc00:dead:cafe::1";
    static constexpr const char* kPeerIp6 = "fc00:dead:cafe::2";

    // Pair: veth0 (DUT namespace) and veth1 (peer namespace), addressed and up. None: the two
    // namespaces with only lo up, for tests that make their own links.
    enum class Veths { Pair, None };

    explicit Lab(Veths veths = Veths::Pair);  // throws std::runtime_error when it cannot be built
    ~Lab();  // always tears down: namespaces and the pins under them
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;

    const std::string& dut_ns() const { return dut_ns_; }    // holds veth0
    const std::string& peer_ns() const { return peer_ns_; }  // holds veth1

    // `xdpkit -n <dut_ns> args...`
    CommandResult xdpkit(const std::vector<std::string>& args) const;
    // `xdpkit -n <peer_ns> args...`
    CommandResult peer_xdpkit(const std::vector<std::string>& args) const;
    // status --json of veth0 (veth1 with peer), parsed (the array's only element)
    nlohmann::json status(bool peer = false) const;
    // count UDP datagrams from the peer to the DUT's port (bash's /dev/udp: no extra tool)
    bool send_udp4(int count, int port = 9) const;
    // ping from the peer to the DUT; true when every echo got a reply
    bool ping4(int count = 2) const;
    bool ping6(int count = 2) const;

private:
    std::string dut_ns_, peer_ns_;
};

}  // namespace xdpkit::test
