// State belongs to a namespace's identity, not its name: after `ip netns del N; ip netns add N`
// the new N inherits nothing of the old one — no SA database, no keys, no chain — `status`
// names the old folder as stale, `prune` removes it (and only changes something without
// --dry-run), and folders made before identities existed are adopted or stale by the rule in
// docs/prune.md.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "core/kernel/bpffs.h"
#include "core/base/fd.h"
#include "lab/lab.h"
#include "lab/lab_asserts.h"

namespace xdpkit::test {
namespace {

using nlohmann::json;

// Key material no other test uses, so finding its bytes in a map means finding these SAs.
constexpr const char* kOldKey = "5a1e5a1e0bad0bad5a1e5a1e0bad0bad";
constexpr const char* kOldAuthKey = "0bad5a1e0bad5a1e0bad5a1e0bad5a1e0bad5a1e";
constexpr const char* kNewKey = "feedf00dfeedf00dfeedf00dfeedf00d";
constexpr const char* kNewAuthKey = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed";

std::vector<uint8_t> from_hex(const std::string& hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

bool is_map(int fd) {
    std::ifstream info("/proc/self/fdinfo/" + std::to_string(fd));
    for (std::string line; std::getline(info, line);)
        if (line.rfind("map_type:", 0) == 0) return true;
    return false;
}

bool contains(const std::vector<uint8_t>& hay, const std::vector<uint8_t>& needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

bool map_holds(int fd, const std::vector<uint8_t>& needle) {
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 || !info.key_size) return false;
    const size_t cpus = static_cast<size_t>(std::max(libbpf_num_possible_cpus(), 1));
    // Per-CPU values come one per possible CPU, each rounded up to 8 bytes.
    std::vector<uint8_t> value(((info.value_size + 7) / 8) * 8 * cpus + 64);
    std::vector<uint8_t> key(info.key_size), next(info.key_size);
    const void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
        if (bpf_map_lookup_elem(fd, next.data(), value.data()) == 0 && contains(value, needle))
            return true;
        key = next;
        prev = key.data();
    }
    return false;
}

// Every map pinned anywhere under bpffs, read entry by entry: where needle's bytes are. What
// "reachable through a pin" means — any process with the right to open a pin gets them so.
std::vector<std::string> pins_holding(const std::vector<uint8_t>& needle,
                                      const std::string& dir = kBpffsRoot) {
    std::vector<std::string> found;
    for (const auto& name : list_dir(dir)) {
        const std::string path = dir + "/" + name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            auto below = pins_holding(needle, path);
            found.insert(found.end(), below.begin(), below.end());
            continue;
        }
        Fd fd(bpf_obj_get(path.c_str()));
        if (fd.valid() && is_map(fd.get()) && map_holds(fd.get(), needle)) found.push_back(path);
    }
    return found;
}

// Every path under dir (directories with a trailing '/'), for before/after comparisons.
std::vector<std::string> tree(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& name : list_dir(dir)) {
        const std::string path = dir + "/" + name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            out.push_back(path + "/");
            auto below = tree(path);
            out.insert(out.end(), below.begin(), below.end());
        } else {
            out.push_back(path);
        }
    }
    return out;
}

template <typename Cond>
bool wait_until(Cond cond, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!cond()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

bool prog_loaded(uint32_t id) {
    Fd fd(bpf_prog_get_fd_by_id(id));
    return fd.valid() || errno != ENOENT;
}

class StalePins : public ::testing::Test {
protected:
    std::string folder() const { return std::string(kBpffsRoot) + "/xdpkit/" + lab.dut_ns(); }
    CommandResult add_sa(const char* key, const char* auth_key) {
        return lab.xdpkit({"ipsec", "sa", "add", "--spi", "0x4242", "--dst", Lab::kDutIp4,
                           "--action", "drop", "--key", key, "--auth-key", auth_key});
    }
    // The namespace made again under its name: the same name, a new namespace.
    void recreate_dut_ns() {
        ip_or_throw({"netns", "del", lab.dut_ns()});
        ip_or_throw({"netns", "add", lab.dut_ns()});
    }
    // status --json's stale entries for dir (any namespace may run it: they are global).
    std::vector<json> stale_entries(const CommandResult& r, const std::string& dir) {
        std::vector<json> out;
        for (const auto& e : json::parse(r.out))
            if (e.contains("stale_pins") && e.at("stale_pins").at("pin_dir") == dir)
                out.push_back(e.at("stale_pins"));
        return out;
    }
    Lab lab;
};

TEST_F(StalePins, ANamespaceMadeAgainUnderItsNameInheritsNoSaNorKey) {
    auto r = add_sa(kOldKey, kOldAuthKey);
    ASSERT_EQ(r.status, 0) << r.err;
    attach_ok(lab, {"ipsec", "veth0"});
    // The scan finds the key while the SA is the namespace's own (or the test proves nothing).
    ASSERT_FALSE(pins_holding(from_hex(kOldKey)).empty());

    recreate_dut_ns();

    r = lab.xdpkit({"ipsec", "sa", "list"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("no SAs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("stale"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("xdpkit prune"), std::string::npos) << r.out;
    r = lab.xdpkit({"--json", "ipsec", "sa", "list"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(json::parse(r.out).at("sas").empty()) << r.out;
    EXPECT_TRUE(json::parse(r.out).at("sa_database").is_null()) << r.out;
    r = lab.xdpkit({"ipsec", "sa", "del", "--spi", "0x4242", "--dst", Lab::kDutIp4});
    EXPECT_EQ(r.status, 1) << r.out;

    // status, in the namespace and anywhere else, names the old folder as stale.
    r = lab.xdpkit({"status"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("stale pins       " + folder() + ": it was made for an earlier namespace"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("run 'xdpkit prune'"), std::string::npos) << r.out;
    r = lab.peer_xdpkit({"--json", "status"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto stale = stale_entries(r, folder());
    ASSERT_EQ(stale.size(), 1u) << r.out;
    EXPECT_EQ(stale[0].at("netns"), lab.dut_ns());
    EXPECT_EQ(stale[0].at("holds"), json::array({"ipsec:sad", "veth0"}));
    EXPECT_EQ(stale[0].at("identity").get<std::string>().rfind("cookie ", 0), 0u);

    // The same SPI is free in the new namespace; adding it removes the old folder first.
    r = add_sa(kNewKey, kNewAuthKey);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("note: removed the stale pins in " + folder()), std::string::npos)
        << r.out;
    r = lab.xdpkit({"--json", "ipsec", "sa", "list"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(json::parse(r.out).at("sas").size(), 1u) << r.out;

    EXPECT_EQ(pins_holding(from_hex(kOldKey)), std::vector<std::string>{});
    EXPECT_EQ(pins_holding(from_hex(kOldAuthKey)), std::vector<std::string>{});
    EXPECT_FALSE(pins_holding(from_hex(kNewKey)).empty());
    EXPECT_FALSE(path_exists(folder() + "/veth0"));  // the old chain went with it
    EXPECT_TRUE(stale_entries(lab.peer_xdpkit({"--json", "status"}), folder()).empty());
}

TEST_F(StalePins, AttachInTheNamespaceMadeAgainStartsClean) {
    ASSERT_EQ(add_sa(kOldKey, kOldAuthKey).status, 0);
    recreate_dut_ns();
    ip_or_throw({"-n", lab.dut_ns(), "link", "add", "veth0", "type", "veth", "peer", "name",
                 "veth9"});
    ip_or_throw({"-n", lab.dut_ns(), "link", "set", "veth0", "up"});
    auto r = lab.xdpkit({"attach", "ipsec", "veth0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("removed the stale pins"), std::string::npos) << r.out;
    // The program steers by a database of this namespace's own: empty.
    const json s = lab.status();
    EXPECT_EQ(s.at("chain").at(0).at("state").at("sas"), "0") << s;
    EXPECT_EQ(pins_holding(from_hex(kOldKey)), std::vector<std::string>{});
}

// Every prune here names the lab's namespaces: bpffs is shared with whatever else runs on the
// host, and a test prunes only what it made.
TEST_F(StalePins, PruneRemovesEverythingOfAGoneNamespaceAndDryRunNothing) {
    ASSERT_EQ(add_sa(kOldKey, kOldAuthKey).status, 0);
    attach_ok(lab, {"ipsec", "veth0"});
    const json before = lab.status();
    const auto root_id = before.at("prog_id").get<uint32_t>();
    const auto stage_id = before.at("chain").at(0).at("prog_id").get<uint32_t>();
    // A second stale folder, of the peer namespace, which a prune naming only the DUT's leaves.
    ASSERT_EQ(lab.peer_xdpkit({"ipsec", "sa", "add", "--spi", "0x4343", "--dst", Lab::kPeerIp4,
                               "--action", "pass"})
                  .status,
              0);
    const std::string peer_folder = std::string(kBpffsRoot) + "/xdpkit/" + lab.peer_ns();
    ip_or_throw({"netns", "del", lab.dut_ns()});
    ip_or_throw({"netns", "del", lab.peer_ns()});

    const auto listed = tree(folder());
    ASSERT_FALSE(listed.empty());
    auto r = run_command({xdpkit_path(), "--json", "prune", "--dry-run", lab.dut_ns()});
    ASSERT_EQ(r.status, 0) << r.err;
    json out = json::parse(r.out);
    EXPECT_TRUE(out.at("dry_run").get<bool>());
    auto mine = [&](const json& o) {
        for (const auto& f : o.at("folders"))
            if (f.at("pin_dir") == folder()) return f;
        return json();
    };
    ASSERT_FALSE(mine(out).is_null()) << r.out;
    EXPECT_FALSE(mine(out).at("removed").get<bool>());
    EXPECT_EQ(mine(out).at("reason"), "no namespace is named '" + lab.dut_ns() + "' any more");
    EXPECT_EQ(tree(folder()), listed);  // --dry-run changed nothing
    EXPECT_FALSE(pins_holding(from_hex(kOldKey)).empty());

    r = run_command({xdpkit_path(), "prune", lab.dut_ns()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("removed " + folder() + ": no namespace is named"), std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find(peer_folder), std::string::npos) << r.out;
    EXPECT_TRUE(path_exists(peer_folder + "/ipsec:sad/sa_table"));  // not named: left
    EXPECT_NE(r.out.find("ipsec:sad: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sa_keys"), std::string::npos) << r.out;
    // Nothing of that namespace is left under bpffs, and the kernel lets its programs go.
    for (const auto& name : list_dir(std::string(kBpffsRoot) + "/xdpkit"))
        EXPECT_TRUE(name != lab.dut_ns() && name.rfind(lab.dut_ns() + "@", 0) != 0) << name;
    EXPECT_EQ(pins_holding(from_hex(kOldKey)), std::vector<std::string>{});
    EXPECT_TRUE(wait_until([&] { return !prog_loaded(root_id) && !prog_loaded(stage_id); }));

    r = run_command({xdpkit_path(), "prune", lab.dut_ns(), lab.peer_ns()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find(folder() + ":"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("removed " + peer_folder + ": "), std::string::npos) << r.out;
    EXPECT_FALSE(path_exists(peer_folder));
}

// `ip netns del` takes the name; a process still in the namespace keeps it (and its veth, and
// the XDP link on it) alive. Its folder is stale — no command can reach it by name — and
// prune detaches the link before unpinning.
TEST_F(StalePins, PruneDetachesALinkStillAttachedInANamelessNamespace) {
    attach_ok(lab, {"drop", "veth0"});
    const auto link_id = lab.status().at("link_id").get<uint32_t>();
    const pid_t holder = spawn_command({"ip", "netns", "exec", lab.dut_ns(), "sleep", "60"},
                                       "/dev/null", "/dev/null");
    ASSERT_GT(holder, 0);
    const std::string holder_ns = "/proc/" + std::to_string(holder) + "/ns/net";
    struct stat dut {};
    ASSERT_EQ(::stat(("/run/netns/" + lab.dut_ns()).c_str(), &dut), 0);
    ASSERT_TRUE(wait_until([&] {
        struct stat st {};
        return ::stat(holder_ns.c_str(), &st) == 0 && st.st_ino == dut.st_ino;
    }));
    ip_or_throw({"netns", "del", lab.dut_ns()});

    const auto r = lab.peer_xdpkit({"--json", "prune", lab.dut_ns()});
    ::kill(holder, SIGKILL);
    ::waitpid(holder, nullptr, 0);
    ASSERT_EQ(r.status, 0) << r.err;
    bool seen = false;
    const json out = json::parse(r.out);
    for (const auto& f : out.at("folders"))
        if (f.at("pin_dir") == folder()) {
            seen = true;
            EXPECT_EQ(f.at("links_detached"), json::array({link_id})) << f;
            EXPECT_TRUE(f.at("removed").get<bool>());
        }
    EXPECT_TRUE(seen) << r.out;
    EXPECT_FALSE(path_exists(folder()));
}

// A folder an older xdpkit made has no identity. The namespace of its name adopts it when
// nothing in it is older than the namespace...
TEST_F(StalePins, AnOldLayoutFolderOfALiveNamespaceIsAdoptedOnce) {
    ASSERT_EQ(add_sa(kOldKey, kOldAuthKey).status, 0);
    ASSERT_EQ(::unlink((folder() + "/netns:id").c_str()), 0);
    auto r = lab.xdpkit({"--json", "ipsec", "sa", "list"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(json::parse(r.out).at("sas").size(), 1u) << r.out;
    EXPECT_TRUE(path_exists(folder() + "/netns:id"));  // recorded: adopted once, for good
    EXPECT_TRUE(stale_entries(lab.peer_xdpkit({"--json", "status"}), folder()).empty());
}

// ...and it is stale when the name's namespace was made after its pins.
TEST_F(StalePins, AnOldLayoutFolderOlderThanItsNamespaceIsStale) {
    ASSERT_EQ(add_sa(kOldKey, kOldAuthKey).status, 0);
    ASSERT_EQ(::unlink((folder() + "/netns:id").c_str()), 0);
    recreate_dut_ns();
    auto r = lab.peer_xdpkit({"--json", "status"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto stale = stale_entries(r, folder());
    ASSERT_EQ(stale.size(), 1u) << r.out;
    EXPECT_TRUE(stale[0].at("identity").is_null());
    EXPECT_NE(stale[0].at("reason").get<std::string>().find("older than namespace"),
              std::string::npos);
    r = lab.xdpkit({"--json", "ipsec", "sa", "list"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(json::parse(r.out).at("sas").empty()) << r.out;
    EXPECT_FALSE(path_exists(folder() + "/netns:id"));  // never adopted
}

}  // namespace
}  // namespace xdpkit::test
