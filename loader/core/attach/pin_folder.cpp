#include "core/attach/pin_folder.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/kernel/bpffs.h"
#include "core/base/fd.h"
#include "core/kernel/netns.h"
#include "core/kernel/xdp.h"

namespace xdpkit {
namespace {

constexpr const char* kIdentityMapName = "netns_id";  // the kernel keeps 15 characters
constexpr const char* kStagingMark = "@new";          // <name>@new<pid>: a folder being made
constexpr const char* kNetnsRunDir = "/run/netns";
static_assert(sizeof(NetnsIdentity) == 3 * sizeof(uint64_t), "netns:id holds three u64s");

std::string folders_root() { return std::string(kBpffsRoot) + "/xdpkit"; }

std::string root_hint(int e) {
    return e == EACCES || e == EPERM ? "; run as root (xdpkit's pins are root's)" : "";
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// ---- the identity pin ----

// nullopt: the folder has none (the layout before identities). A pin that is not a
// readable identity gives all zeros, which matches no namespace: the folder is then stale.
Result<std::optional<NetnsIdentity>> read_identity(const std::string& dir) {
    const std::string path = dir + "/" + kNetnsIdentityPin;
    Fd map(bpf_obj_get(path.c_str()));
    if (!map.valid()) {
        const int e = errno;
        if (e == ENOENT) return std::optional<NetnsIdentity>{};
        return make_error(e, "cannot read the namespace identity {}: {}{}", path,
                          std::strerror(e), root_hint(e));
    }
    NetnsIdentity id{};
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    const uint32_t key = 0;
    NetnsIdentity value{};
    if (bpf_obj_get_info_by_fd(map.get(), &info, &len) == 0 && info.value_size == sizeof(value) &&
        bpf_map_lookup_elem(map.get(), &key, &value) == 0)
        id = value;
    return std::optional<NetnsIdentity>(id);
}

Result<void> record_identity(const std::string& dir, const NetnsIdentity& id) {
    LIBBPF_OPTS(bpf_map_create_opts, opts);
    opts.map_flags = BPF_F_RDONLY_PROG;  // no program has any business with it
    Fd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, kIdentityMapName, sizeof(uint32_t), sizeof(id), 1,
                          &opts));
    if (!map.valid())
        return make_error(errno, "cannot create the namespace identity map: {}",
                          std::strerror(errno));
    const uint32_t key = 0;
    if (bpf_map_update_elem(map.get(), &key, &id, BPF_ANY) != 0)
        return make_error(errno, "cannot write the namespace identity: {}", std::strerror(errno));
    // Frozen: from here on no one can rewrite which namespace the folder belongs to.
    if (bpf_map_freeze(map.get()) != 0)
        return make_error(errno, "cannot freeze the namespace identity map: {}",
                          std::strerror(errno));
    const std::string path = dir + "/" + kNetnsIdentityPin;
    if (bpf_obj_pin(map.get(), path.c_str()) != 0)
        return make_error(errno, "cannot pin {}: {}", path, std::strerror(errno));
    return {};
}

// ---- what a folder holds ----

// Every pin (not directory) under dir, as paths relative to it, in name order.
void collect_pins(const std::string& dir, const std::string& rel, std::vector<std::string>& out) {
    for (const auto& name : list_dir(dir + (rel.empty() ? "" : "/" + rel))) {
        const std::string sub = rel.empty() ? name : rel + "/" + name;
        if (is_dir(dir + "/" + sub))
            collect_pins(dir, sub, out);
        else
            out.push_back(sub);
    }
}

std::vector<std::string> holdings(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& name : list_dir(dir))
        if (name != kNetnsIdentityPin) out.push_back(name);
    return out;
}

bool is_link(int fd) {
    std::ifstream info("/proc/self/fdinfo/" + std::to_string(fd));
    for (std::string line; std::getline(info, line);)
        if (line.rfind("link_type:", 0) == 0) return true;
    return false;
}

struct PinnedLink {
    Fd fd;
    uint32_t id = 0, prog_id = 0;
    int ifindex = 0;  // XDP links: 0 once detached
    bool attached = false;
};

// The bpf_links pinned anywhere in dir (xdpkit pins them as <iface>/link; any other found
// is taken too).
std::vector<PinnedLink> pinned_links(const std::string& dir) {
    std::vector<std::string> pins;
    collect_pins(dir, "", pins);
    std::vector<PinnedLink> links;
    for (const auto& rel : pins) {
        Fd fd(bpf_obj_get((dir + "/" + rel).c_str()));
        if (!fd.valid() || !is_link(fd.get())) continue;
        bpf_link_info info{};
        uint32_t len = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) continue;
        PinnedLink l;
        l.id = info.id;
        l.prog_id = info.prog_id;
        l.ifindex = info.type == BPF_LINK_TYPE_XDP ? static_cast<int>(info.xdp.ifindex) : 0;
        l.attached = info.type != BPF_LINK_TYPE_XDP || l.ifindex != 0;
        l.fd = std::move(fd);
        links.push_back(std::move(l));
    }
    return links;
}

// Detaches every link of dir still attached, then unpins all of it. The links first: an
// unpinned link whose last fd goes would detach too, but only when nothing else holds it.
Result<std::vector<uint32_t>> remove_folder(const std::string& dir, bool dry_run) {
    std::vector<uint32_t> detached;
    for (auto& l : pinned_links(dir)) {
        if (!l.attached) continue;
        if (!dry_run && bpf_link_detach(l.fd.get()) != 0 && errno != EOPNOTSUPP &&
            errno != EINVAL)
            return make_error(errno, "cannot detach link id {} pinned in {}: {}", l.id, dir,
                              std::strerror(errno));
        detached.push_back(l.id);
    }
    if (!dry_run) XDPKIT_TRY(remove_tree(dir));
    return detached;
}

// ---- the old layout ----

enum class Judgement { Ours, Adopt, Stale };

struct Verdict {
    Judgement kind;
    std::string reason;  // Stale: why
};

bool any_pin_older_than(const std::string& dir, const timespec& t) {
    std::vector<std::string> pins;
    collect_pins(dir, "", pins);
    for (const auto& rel : pins) {
        struct stat st {};
        if (::lstat((dir + "/" + rel).c_str(), &st) != 0) continue;
        if (st.st_ctim.tv_sec < t.tv_sec ||
            (st.st_ctim.tv_sec == t.tv_sec && st.st_ctim.tv_nsec < t.tv_nsec))
            return true;
    }
    return false;
}

// True when one of dir's links attaches, inside the namespace ns_fd, an interface with the
// very program the link holds.
Result<bool> a_link_runs_in(const std::string& dir, int ns_fd) {
    std::vector<std::pair<int, uint32_t>> attached;  // ifindex, prog id
    for (const auto& l : pinned_links(dir))
        if (l.ifindex) attached.emplace_back(l.ifindex, l.prog_id);
    if (attached.empty()) return false;
    return in_netns_fd(ns_fd, [&]() -> Result<bool> {
        for (const auto& [ifindex, prog_id] : attached)
            if (auto s = query_xdp(ifindex); s && s->prog_id == prog_id) return true;
        return false;
    });
}

// A folder without an identity (made before xdpkit recorded them), judged once against the
// namespace that has its name now (ns_fd), then adopted or stale:
//  - "init": adopted; the initial namespace is never made again.
//  - a /run/netns name: adopted unless a pin in it is older than the namespace. The bind
//    mount at /run/netns/NAME keeps the namespace's nsfs inode from the moment `ip netns add`
//    made it, so that inode's ctime is the namespace's birth; a pin older than that was left
//    by an earlier namespace of the name.
//  - "ns-<inode>" (no name): nsfs inode numbers are reused, and an unnamed namespace's nsfs
//    inode is dropped when unused and made anew (its times say nothing), so only positive
//    evidence counts: adopted when one of its links attaches an interface of the namespace
//    with the program it holds, stale otherwise.
Result<Verdict> judge_old_layout(const std::string& dir, const std::string& name, int ns_fd) {
    if (name == "init") return Verdict{Judgement::Adopt, ""};
    struct stat named {};
    if (::stat((std::string(kNetnsRunDir) + "/" + name).c_str(), &named) == 0) {
        if (any_pin_older_than(dir, named.st_ctim))
            return Verdict{Judgement::Stale,
                           fmt::format("it has no namespace identity (made by an older xdpkit) "
                                       "and holds pins older than namespace '{}': an earlier "
                                       "namespace of that name left them",
                                       name)};
        return Verdict{Judgement::Adopt, ""};
    }
    auto runs = a_link_runs_in(dir, ns_fd);
    if (!runs) return runs.error();
    if (*runs) return Verdict{Judgement::Adopt, ""};
    return Verdict{Judgement::Stale,
                   fmt::format("it has no namespace identity (made by an older xdpkit), and "
                               "nothing in it runs in the unnamed namespace now called '{}' "
                               "(unnamed namespaces reuse inode numbers)",
                               name)};
}

// The folder at dir judged from inside the namespace (here) whose name it has.
Result<Verdict> judge_here(const std::string& dir, const std::string& name,
                           const NetnsIdentity& here) {
    auto recorded = read_identity(dir);
    if (!recorded) return recorded.error();
    if (*recorded) {
        if (same_netns(**recorded, here)) return Verdict{Judgement::Ours, ""};
        return Verdict{Judgement::Stale,
                       fmt::format("it was made for an earlier namespace named '{}' ({}); this "
                                   "one is {}",
                                   name, describe(**recorded), describe(here))};
    }
    Fd self(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!self.valid())
        return make_error(errno, "cannot open this thread's network namespace: {}",
                          std::strerror(errno));
    return judge_old_layout(dir, name, self.get());
}

StaleFolder stale_folder(const std::string& dir, const std::string& name,
                         const std::string& reason) {
    StaleFolder s{dir, name, reason, "", holdings(dir)};
    if (auto recorded = read_identity(dir); recorded && *recorded)
        s.identity = describe(**recorded);
    return s;
}

// Serialises what makes, adopts and removes folders (namespace_folder's Create, prune), so a
// folder judged stale is gone before anyone makes a new one at its path, and two commands
// never make one at once. Readers take no lock: a folder appears whole (renamed into place).
class FolderLock {
public:
    static Result<FolderLock> take() {
        XDPKIT_TRY(make_dirs(folders_root()));
        FolderLock l;
        l.fd_ = Fd(::open(folders_root().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!l.fd_.valid())
            return make_error(errno, "cannot open {}: {}{}", folders_root(), std::strerror(errno),
                              root_hint(errno));
        while (::flock(l.fd_.get(), LOCK_EX) != 0)
            if (errno != EINTR)
                return make_error(errno, "cannot lock {}: {}", folders_root(),
                                  std::strerror(errno));
        return l;
    }

private:
    FolderLock() = default;
    Fd fd_;  // the lock goes with it
};

// Makes dir with the identity in it, whole: built beside it and renamed into place.
Result<void> make_folder(const std::string& dir, const NetnsIdentity& id) {
    const std::string staging = dir + kStagingMark + std::to_string(::getpid());
    (void)remove_tree(staging);
    if (::mkdir(staging.c_str(), 0700) != 0)
        return make_error(errno, "cannot create {}: {}{}", staging, std::strerror(errno),
                          root_hint(errno));
    auto recorded = record_identity(staging, id);
    if (recorded && ::rename(staging.c_str(), dir.c_str()) != 0)
        recorded = make_error(errno, "cannot move {} to {}: {}", staging, dir,
                              std::strerror(errno));
    if (!recorded) (void)remove_tree(staging);
    return recorded;
}

// ---- finding the namespace that has a name now ----

struct NamedNamespace {
    enum { Found, Gone, Unknown } state = Gone;
    Fd fd;
};

bool same_inode_at(const std::string& path, ino_t ino, Fd* out) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || st.st_ino != ino) return false;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return false;
    *out = std::move(fd);
    return true;
}

// An unnamed namespace ("ns-<inode>") is alive while a process is in it or an nsfs file of it
// is mounted somewhere; look for either.
NamedNamespace find_unnamed(ino_t ino) {
    NamedNamespace n;
    if (DIR* d = ::opendir("/proc")) {
        while (dirent* e = ::readdir(d)) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
            if (same_inode_at(std::string("/proc/") + e->d_name + "/ns/net", ino, &n.fd)) break;
        }
        ::closedir(d);
    }
    if (!n.fd.valid()) {
        std::ifstream mounts("/proc/self/mountinfo");
        for (std::string line; !n.fd.valid() && std::getline(mounts, line);) {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPER
            const auto dash = line.find(" - ");
            if (dash == std::string::npos || line.compare(dash + 3, 5, "nsfs ") != 0) continue;
            size_t pos = 0;
            for (int field = 0; field < 4 && pos != std::string::npos; ++field)
                pos = line.find(' ', pos + 1);
            if (pos == std::string::npos) continue;
            const auto end = line.find(' ', pos + 1);
            (void)same_inode_at(line.substr(pos + 1, end - pos - 1), ino, &n.fd);
        }
    }
    n.state = n.fd.valid() ? NamedNamespace::Found : NamedNamespace::Gone;
    return n;
}

// The namespace current_netns_name() would call name, if there is one now.
NamedNamespace find_named(const std::string& name) {
    NamedNamespace n;
    if (name == "init") {
        n.fd = Fd(::open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC));
        // Not allowed to look at PID 1 (a container): the initial namespace is there all the
        // same, and its identity cannot be checked: never stale.
        n.state = n.fd.valid() ? NamedNamespace::Found : NamedNamespace::Unknown;
        return n;
    }
    const std::string run = std::string(kNetnsRunDir) + "/" + name;
    n.fd = Fd(::open(run.c_str(), O_RDONLY | O_CLOEXEC));
    if (n.fd.valid()) {
        n.state = NamedNamespace::Found;
        return n;
    }
    if (errno != ENOENT) {
        n.state = NamedNamespace::Unknown;
        return n;
    }
    if (name.rfind("ns-", 0) == 0 && name.size() > 3 && name.size() <= 3 + 19 &&
        name.find_first_not_of("0123456789", 3) == std::string::npos)
        return find_unnamed(static_cast<ino_t>(std::stoull(name.substr(3))));
    return n;  // Gone
}

// A folder judged from outside (status, prune): stale or not.
Result<std::optional<StaleFolder>> judge_from_outside(const std::string& dir,
                                                      const std::string& name) {
    auto recorded = read_identity(dir);
    if (!recorded) return recorded.error();
    NamedNamespace live = find_named(name);
    if (live.state == NamedNamespace::Unknown) return std::optional<StaleFolder>{};
    if (live.state == NamedNamespace::Gone) {
        const bool unnamed = name.rfind("ns-", 0) == 0;
        return std::optional<StaleFolder>(stale_folder(
            dir, name,
            unnamed ? fmt::format("the unnamed namespace {} is gone (no process is in it, no "
                                  "nsfs file of it is mounted)",
                                  name)
                    : fmt::format("no namespace is named '{}' any more", name)));
    }
    if (*recorded) {
        auto now = netns_identity_of(live.fd.get());
        if (!now) return now.error();
        if (same_netns(**recorded, *now)) return std::optional<StaleFolder>{};
        return std::optional<StaleFolder>(stale_folder(
            dir, name,
            fmt::format("it was made for an earlier namespace named '{}'; that name is now "
                        "another namespace ({})",
                        name, describe(*now))));
    }
    auto v = judge_old_layout(dir, name, live.fd.get());
    if (!v) return v.error();
    if (v->kind != Judgement::Stale) return std::optional<StaleFolder>{};
    return std::optional<StaleFolder>(stale_folder(dir, name, v->reason));
}

// <name>@new<pid>: a folder a command was making; stale once that command is gone.
std::optional<StaleFolder> judge_staging(const std::string& dir, const std::string& entry) {
    const auto mark = entry.rfind(kStagingMark);
    const std::string pid_text = entry.substr(mark + std::strlen(kStagingMark));
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;  // not ours to judge
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (::kill(pid, 0) == 0 || errno != ESRCH) return std::nullopt;
    return stale_folder(dir, entry.substr(0, mark),
                        fmt::format("a folder half made by a command that is gone (pid {})", pid));
}

}  // namespace

std::string namespace_folder_path() { return folders_root() + "/" + current_netns_name(); }

Result<NamespaceFolder> namespace_folder(FolderUse use) {
    NamespaceFolder f;
    const std::string name = current_netns_name();
    f.dir = folders_root() + "/" + name;
    auto here = current_netns_identity();
    if (!here) return here.error();

    if (use == FolderUse::Read) {
        if (!path_exists(f.dir)) return f;
        auto v = judge_here(f.dir, name, *here);
        if (!v) return v.error();
        if (v->kind == Judgement::Ours) {
            f.ours = true;
            return f;
        }
        if (v->kind == Judgement::Stale) {
            f.stale = stale_folder(f.dir, name, v->reason);
            return f;
        }
        // Adopt: below, under the lock.
    } else {
        XDPKIT_TRY(ensure_bpffs());
    }

    auto lock = FolderLock::take();
    if (!lock) return lock.error();
    // Under the lock nothing else makes or removes folders: judge again, then act once.
    if (path_exists(f.dir)) {
        auto v = judge_here(f.dir, name, *here);
        if (!v) return v.error();
        if (v->kind == Judgement::Ours) {
            f.ours = true;
            return f;
        }
        if (v->kind == Judgement::Adopt) {
            XDPKIT_TRY(record_identity(f.dir, *here));
            f.notes.push_back(fmt::format(
                "{} was made by an older xdpkit without a namespace identity; adopted it for "
                "this namespace ({})",
                f.dir, describe(*here)));
            f.ours = true;
            return f;
        }
        StaleFolder stale = stale_folder(f.dir, name, v->reason);
        if (use == FolderUse::Read) {
            f.stale = std::move(stale);
            return f;
        }
        auto detached = remove_folder(f.dir, false);
        if (!detached) return detached.error();
        if (!stale.holds.empty()) {
            std::string held;
            for (const auto& h : stale.holds) held += (held.empty() ? "" : ", ") + h;
            f.notes.push_back(fmt::format("removed the stale pins in {} ({}): {}{}", f.dir, held,
                                          stale.reason,
                                          detached->empty() ? "" : "; its links detached"));
        }
    }
    if (use == FolderUse::Read) return f;
    XDPKIT_TRY(make_folder(f.dir, *here));
    if (!here->cookie)
        f.notes.push_back(
            "this kernel has no network namespace cookie (Linux 5.14+): the pin folder records "
            "the namespace's nsfs inode, which a namespace made later can reuse");
    f.ours = true;
    return f;
}

Result<void> remove_namespace_folder_if_empty() {
    const std::string dir = namespace_folder_path();
    if (!path_exists(dir) || !holdings(dir).empty()) return {};
    auto lock = FolderLock::take();
    if (!lock) return lock.error();
    auto here = current_netns_identity();
    if (!here) return here.error();
    auto v = judge_here(dir, current_netns_name(), *here);
    if (!v) return v.error();
    // Under the lock: a command that resolved the folder meanwhile and is about to pin in it
    // finds it gone and says so (make_dirs), rather than making one without an identity.
    if (v->kind == Judgement::Ours && holdings(dir).empty()) XDPKIT_TRY(remove_tree(dir));
    return {};
}

Result<std::vector<StaleFolder>> stale_folders() {
    std::vector<StaleFolder> out;
    if (!bpffs_mounted()) return out;
    for (const auto& entry : list_dir(folders_root())) {
        const std::string dir = folders_root() + "/" + entry;
        if (!is_dir(dir)) continue;
        if (entry.find(kStagingMark) != std::string::npos) {
            if (auto s = judge_staging(dir, entry)) out.push_back(std::move(*s));
            continue;
        }
        auto s = judge_from_outside(dir, entry);
        if (!s) return s.error();
        if (*s) out.push_back(std::move(**s));
    }
    return out;
}

Result<std::vector<PrunedFolder>> prune_stale_folders(bool dry_run,
                                                      const std::vector<std::string>& only) {
    std::vector<PrunedFolder> out;
    if (!bpffs_mounted() || !path_exists(folders_root())) return out;
    auto lock = FolderLock::take();
    if (!lock) return lock.error();
    auto stale = stale_folders();
    if (!stale) return stale.error();
    for (auto& s : *stale) {
        if (!only.empty() && std::find(only.begin(), only.end(), s.netns) == only.end()) continue;
        PrunedFolder p;
        collect_pins(s.dir, "", p.pins);
        auto detached = remove_folder(s.dir, dry_run);
        if (!detached) return detached.error();
        p.links_detached = std::move(*detached);
        p.removed = !dry_run;
        p.folder = std::move(s);
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace xdpkit
