#include "lab.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "core/kernel/bpffs.h"
#include "core/kernel/netns.h"
#include "core/kernel/snmp.h"

extern char** environ;

namespace xdpkit::test {
namespace {

std::string read_all(int fd) {
    std::string s;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) s.append(buf, static_cast<size_t>(n));
    return s;
}

}  // namespace

std::string xdpkit_path() {
    const char* p = std::getenv("XDPKIT");
    if (!p || !*p) throw std::runtime_error("XDPKIT is not set (meson test sets it)");
    return p;
}

pid_t spawn_command(const std::vector<std::string>& argv, const std::string& out_path,
                    const std::string& err_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

std::string unique_lab_prefix() {
    static std::atomic<int> n{0};
    // Short: the peer namespace adds "-peer"; per process and per lab, so parallel runs and
    // several labs in one run never collide.
    return "xkt" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

CommandResult run_command(const std::vector<std::string>& argv) {
    // Both streams go to files: no pipe can fill up while we wait.
    char out_path[] = "/tmp/xdpkit-lab-outXXXXXX", err_path[] = "/tmp/xdpkit-lab-errXXXXXX";
    const int out_fd = ::mkstemp(out_path), err_fd = ::mkstemp(err_path);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    CommandResult r;
    pid_t pid;
    if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) == 0) {
        int st = 0;
        ::waitpid(pid, &st, 0);
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    ::lseek(out_fd, 0, SEEK_SET);
    ::lseek(err_fd, 0, SEEK_SET);
    r.out = read_all(out_fd);
    r.err = read_all(err_fd);
    ::close(out_fd);
    ::close(err_fd);
    ::unlink(out_path);
    ::unlink(err_path);
    return r;
}

void ip_or_throw(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_command(argv);
    if (r.status != 0) {
        std::string cmd;
        for (const auto& a : argv) cmd += a + " ";
        throw std::runtime_error("lab setup failed: " + cmd + ": " + r.err);
    }
}

Lab::Lab(Veths veths) {
    const std::string prefix = unique_lab_prefix();
    dut_ns_ = prefix;
    peer_ns_ = prefix + "-peer";
    try {
        add_lab_netns(dut_ns_);
        add_lab_netns(peer_ns_);
        if (veths == Veths::None) return;
        // Created inside the DUT namespace with the peer end moved straight into the other:
        // the root namespace never holds either end.
        ip_or_throw({"-n", dut_ns_, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
                     "netns", peer_ns_});
        ip_or_throw({"-n", dut_ns_, "addr", "add", std::string(kDutIp4) + "/24", "dev", "veth0"});
        ip_or_throw({"-n", peer_ns_, "addr", "add", std::string(kPeerIp4) + "/24", "dev", "veth1"});
        ip_or_throw({"-n", dut_ns_, "addr", "add", std::string(kDutIp6) + "/64", "dev", "veth0", "nodad"});
        ip_or_throw({"-n", peer_ns_, "addr", "add", std::string(kPeerIp6) + "/64", "dev", "veth1", "nodad"});
        ip_or_throw({"-n", dut_ns_, "link", "set", "veth0", "up"});
        ip_or_throw({"-n", peer_ns_, "link", "set", "veth1", "up"});
        wait_until_quiet({dut_ns_, peer_ns_});
    } catch (...) {
        this->~Lab();
        throw;
    }
}

void add_lab_netns(const std::string& ns) {
    ip_or_throw({"netns", "add", ns});
    ip_or_throw({"-n", ns, "link", "set", "lo", "up"});
    // A namespace's own sysctls: the root namespace is not touched. `all` and `default`: the
    // links made later take `default`; `all` covers what is decided per namespace.
    std::vector<std::string> argv{"ip", "netns", "exec", ns, "sysctl", "-q", "-w"};
    for (const char* conf : {"all", "default"})
        for (const char* setting : {"accept_dad=0", "router_solicitations=0",
                                    "mldv1_unsolicited_report_interval=0",
                                    "mldv2_unsolicited_report_interval=0"})
            argv.push_back(std::string("net.ipv6.conf.") + conf + "." + setting);
    const auto r = run_command(argv);
    if (r.status != 0) throw std::runtime_error("lab setup failed: sysctl in " + ns + ": " + r.err);
}

uint64_t snmp6_counter(const std::string& ns, const std::string& counter) {
    uint64_t count = 0;
    std::thread([&] {
        auto inside = NetnsGuard::enter(ns);
        if (!inside) return;
        std::ifstream in("/proc/net/snmp6");
        for (std::string name; in >> name;) {
            uint64_t value = 0;
            in >> value;
            if (name == counter) count = value;
        }
    }).join();
    return count;
}

uint64_t snmp_counter(const std::string& ns, const std::string& group, const std::string& name) {
    Result<uint64_t> value = make_error(ENOENT, "no namespace {}", ns);
    std::thread([&] {
        auto inside = NetnsGuard::enter(ns);
        if (!inside) return;
        auto counters = SnmpCounters::open_here();
        value = counters ? counters->read(group, name) : Result<uint64_t>(counters.error());
    }).join();
    if (!value) throw std::runtime_error("snmp " + group + " " + name + ": " + value.error().message);
    return *value;
}

namespace {

// The namespace's count of IPv6 multicast packets it sent: MLD reports, router and neighbour
// solicitations all count there.
uint64_t ipv6_multicast_sent(const std::string& ns) { return snmp6_counter(ns, "Ip6OutMcastPkts"); }

}  // namespace

void wait_until_quiet(const std::vector<std::string>& namespaces) {
    using Clock = std::chrono::steady_clock;
    auto sent = [&] {
        uint64_t total = 0;
        for (const auto& ns : namespaces) total += ipv6_multicast_sent(ns);
        return total;
    };
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    uint64_t last = sent();
    auto quiet_since = Clock::now();
    while (Clock::now() - quiet_since < std::chrono::milliseconds(100)) {
        if (Clock::now() > deadline)
            throw std::runtime_error("lab setup failed: the namespaces kept sending IPv6 "
                                     "multicast for 5 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the poll period
        const uint64_t now = sent();
        if (now != last) quiet_since = Clock::now();
        last = now;
    }
}

void remove_lab_netns(const std::string& ns) {
    if (ns.empty()) return;
    (void)run_command({"ip", "netns", "del", ns});
    // Deleting the namespace detaches everything; the pins would stay behind.
    (void)remove_tree(std::string(kBpffsRoot) + "/xdpkit/" + ns);
}

Lab::~Lab() {
    for (const auto& ns : {dut_ns_, peer_ns_}) remove_lab_netns(ns);
}

CommandResult xdpkit_in(const std::string& ns, const std::vector<std::string>& args) {
    std::vector<std::string> argv{xdpkit_path(), "-n", ns};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
}

CommandResult Lab::xdpkit(const std::vector<std::string>& args) const {
    return xdpkit_in(dut_ns_, args);
}

CommandResult Lab::peer_xdpkit(const std::vector<std::string>& args) const {
    return xdpkit_in(peer_ns_, args);
}

nlohmann::json Lab::status(bool peer) const {
    const auto r = peer ? peer_xdpkit({"status", "veth1", "--json"})
                        : xdpkit({"status", "veth0", "--json"});
    if (r.status != 0) throw std::runtime_error("status failed: " + r.err);
    return nlohmann::json::parse(r.out).at(0);
}

bool Lab::ping4(int count) const {
    return run_command({"ip", "netns", "exec", peer_ns_, "ping", "-q", "-c", std::to_string(count),
                        "-i", "0.2", "-W", "1", kDutIp4})
               .status == 0;
}

bool Lab::send_udp4(int count, int port) const {
    const std::string loop = "for i in $(seq " + std::to_string(count) + "); do echo xdpkit > /dev/udp/" +
                             kDutIp4 + "/" + std::to_string(port) + "; done";
    return run_command({"ip", "netns", "exec", peer_ns_, "bash", "-c", loop}).status == 0;
}

bool Lab::ping6(int count) const {
    return run_command({"ip", "netns", "exec", peer_ns_, "ping", "-6", "-q", "-c",
                        std::to_string(count), "-i", "0.2", "-W", "1", kDutIp6})
               .status == 0;
}

}  // namespace xdpkit::test
