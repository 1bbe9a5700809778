// A network namespace's pin folder, /sys/fs/bpf/xdpkit/<netns name>/: one directory per
// interface (chain.h) and the SA database (ipsec:sad, ipsec_sad.h) — and the identity that
// ties the folder to one namespace.
//
// bpffs is one per host while namespaces come and go, and a namespace made later can take a
// dead one's name (and its nsfs inode number). A folder found by name alone would hand the new
// namespace the dead one's programs and SA database, keys included. So a folder records the
// identity of the namespace it was made for (netns.h NetnsIdentity), and namespace_folder() —
// the one place that resolves a namespace's folder; every pin xdpkit opens in a namespace is
// found through it — checks that identity before anything in the folder is used.
//
// Where the identity is kept: bpffs holds only BPF objects and directories, so it is a
// one-entry array map pinned as `netns:id` in the folder, written once and then frozen
// (BPF_MAP_FREEZE: nothing can change it afterwards). Not encoded in a subfolder name
// (xdpkit/<name>/<cookie>/...): that would change every path users, docs and scripts know for
// a number, and the identity kept as data travels with the folder whatever it is called. ':'
// cannot be in an interface name, so `netns:id` never clashes with an interface's directory.
//
// A folder is made whole: built as <name>@new<pid> with its identity, then renamed into place,
// so no other command ever sees a folder without one. A folder is never made any other way:
// make_dirs() refuses to create one (bpffs.h).
//
// Stale: a folder whose namespace is gone, or whose name now belongs to another namespace. It
// is never used (Read treats it as absent), `status` lists it, `prune` removes it, and a
// command that needs to make its namespace's folder (Create: attach, ipsec sa add) removes the
// stale one at that path first — its programs, maps and SA keys can never be used again.
//
// A folder of the layout before identities (no `netns:id`) is judged once by old_layout rules
// (pin_folder.cpp, docs/prune.md) and then adopted (its namespace's identity recorded) or
// stale.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

// The pin holding a folder's namespace identity.
constexpr const char* kNetnsIdentityPin = "netns:id";

enum class FolderUse {
    Read,    // the folder when it exists and is this namespace's; nothing else
    Create,  // make it when missing (a stale folder at its path is pruned first)
};

// A folder under /sys/fs/bpf/xdpkit that belongs to no namespace of its name.
struct StaleFolder {
    std::string dir;
    std::string netns;     // the name it is filed under
    std::string reason;    // why it is stale, one clause
    std::string identity;  // the identity it recorded, described; empty for the old layout
    std::vector<std::string> holds;  // what is in it: interfaces' directories, ipsec:sad
};

// The pin folder of the namespace this thread is in.
struct NamespaceFolder {
    std::string dir;                   // /sys/fs/bpf/xdpkit/<netns name>
    bool ours = false;                 // it exists and is this namespace's: its pins may be used
    std::optional<StaleFolder> stale;  // Read: the folder of another namespace at dir (unused)
    std::vector<std::string> notes;    // what resolving did: a stale folder pruned, one adopted
    std::string pin_path(const std::string& entry) const { return dir + "/" + entry; }
};

Result<NamespaceFolder> namespace_folder(FolderUse use);

// Removes this namespace's folder when nothing but its identity is left in it (after the last
// detach, or an SA flush), so a namespace done with xdpkit leaves nothing under bpffs.
Result<void> remove_namespace_folder_if_empty();

// The path namespace_folder() would resolve, unchecked: for messages and permission checks
// only, never to open a pin.
std::string namespace_folder_path();

// Every stale folder, in name order. A folder whose namespace cannot be checked (not allowed
// to read it) is never called stale.
Result<std::vector<StaleFolder>> stale_folders();

struct PrunedFolder {
    StaleFolder folder;
    std::vector<std::string> pins;         // every pin it held, relative to folder.dir
    std::vector<uint32_t> links_detached;  // links that still attached an interface
    bool removed = false;                  // false: dry run
};

// Detaches every link of every stale folder that still attaches an interface, then unpins
// all of it. only: just the folders filed under these namespace names (empty: all). dry_run:
// finds and describes them, changes nothing.
Result<std::vector<PrunedFolder>> prune_stale_folders(bool dry_run,
                                                      const std::vector<std::string>& only = {});

}  // namespace xdpkit
