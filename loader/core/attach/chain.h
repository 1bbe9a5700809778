// Attaching, replacing, chaining and detaching xdpkit programs on one interface.
//
// What is pinned, under /sys/fs/bpf/xdpkit/<netns>/<ifname>/ (the namespace's folder,
// pin_folder.h):
//   link        the bpf_link attaching the chain root (keeps it attached after we exit)
//   root        the root program
//   chain       the prog array of stages (its pin keeps the stages in it: a prog array is
//               emptied when its last user reference goes)
//   <family>/   one directory per stage: prog, and each of its maps (rodata included, so
//               status can show the parameters it was loaded with)
//   detaching/  only while a detach runs, or after one was interrupted (chain.cpp)
//
// A device-bound family (Family::device_bound: hints) cannot be a stage: the kernel keeps
// device-bound programs out of prog arrays (EINVAL: a tail call could run them on another
// device). It is attached directly instead: `link` attaches it, `root` is the program
// itself, there is no `chain`, and its stage directory is the same. It runs alone on the
// interface; --replace swaps it for a chain or a chain for it. (A bound program may itself
// hold a prog array — it loads — so it could become a root that enters the chain after
// itself; not done: nothing needs a stage after hints yet.)
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/attach/family.h"
#include "core/base/fd.h"
#include "core/base/result.h"
#include "core/kernel/xdp.h"

namespace xdpkit {

class LoadedProgram;

struct AttachRequest {
    const Family* family = nullptr;
    std::string ifname;
    XdpMode mode = XdpMode::Auto;
    bool replace = false;  // swap: the same family's stage, or the whole chain
    bool append = false;   // add to an existing chain (--chain)
    ParamValues params;
    // Runs on the freshly loaded stage before it is put where frames reach it: fills maps a
    // family cannot work without (Family::set_up_with). An error leaves everything as it was.
    std::function<Result<void>(const LoadedProgram&)> configure = {};
};

struct AttachResult {
    std::string ifname;
    std::string family;
    std::string action;  // "attached", "replaced", "chained", "replaced chain"
    std::string mode;
    uint32_t slot = 0;
    uint32_t prog_id = 0;
    uint32_t link_id = 0;
    std::string pin_dir;
    std::vector<std::string> notes;
};

Result<AttachResult> attach_program(const AttachRequest& req);

// Every refusal attach_program would give for req as things stand (conflicting options, a
// program of another tool, a stage already there, a missing kfunc), without loading or
// changing anything: commands that open sockets or start threads before they attach call it
// first, so a refused run leaves nothing behind.
Result<void> check_attach(const AttachRequest& req);

struct DetachRequest {
    std::string ifname;
    std::string family;  // empty: the only stage (or everything with all)
    bool all = false;
};

struct DetachResult {
    std::string ifname;
    std::vector<std::string> detached;  // families removed
    bool chain_removed = false;         // the root is gone: nothing of ours is left
    std::vector<std::string> notes;
};

Result<DetachResult> detach_program(const DetachRequest& req);

// A fresh chain root with its own empty prog array (tests build chains by hand with it).
Result<LoadedProgram> load_chain_root();

// The chain as found through its pins, checked against what the kernel says is attached.
struct StagePin {
    std::string family;
    std::string dir;
    uint32_t slot = 0;
    uint32_t prog_id = 0;
    bool in_chain = false;  // the prog array holds it
};

struct ChainState {
    std::string dir;
    Fd link, chain, root;
    LinkInfo link_info;
    std::vector<StagePin> stages;  // in slot order; pinned stages not in the array last
    std::vector<std::string> problems;
    bool direct = false;  // a device-bound program attached by the link itself, no chain
    // A detach was interrupted (its <iface>/detaching marker is there): the stages it was
    // removing. The next attach or detach on the interface finishes it (chain.cpp).
    std::optional<std::vector<std::string>> detaching;
};

// Reads the pins for ifname in the current namespace. nullopt: nothing pinned.
Result<std::optional<ChainState>> read_chain(const std::string& ifname, int ifindex);

// True when the pinned link still attaches the program the kernel runs on ifindex: only
// then are the pins a description of what is running, rather than stale leftovers.
bool chain_is_attached(const ChainState& c, int ifindex, uint32_t attached_prog_id);

}  // namespace xdpkit
