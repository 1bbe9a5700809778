#include "core/attach/chain.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <xdpkit/chain.h>

#include "core/kernel/bpffs.h"
#include "chain_root.skel.h"
#include "core/kernel/error_hints.h"
#include "core/kernel/interface.h"
#include "core/kernel/netns.h"
#include "core/attach/pin_folder.h"
#include "core/kernel/probe.h"
#include "core/attach/program.h"

namespace xdpkit {
namespace {

const Family& root_family() {
    static const Family f{"chain-root", "enters the chain of stages", "xdpkit_root", {}, false,
                          skeleton_opener<chain_root_bpf>()};
    return f;
}

// Pins a loaded stage (program + maps, except the shared chain map) into dir.
Result<void> pin_stage(const LoadedProgram& p, const std::string& dir) {
    XDPKIT_TRY(make_dirs(dir));
    XDPKIT_TRY(pin_fd(p.prog_fd(), dir + "/prog"));
    bpf_map* map;
    bpf_object__for_each_map(map, p.obj()) {
        if (std::strcmp(bpf_map__name(map), XDPKIT_CHAIN_MAP) == 0) continue;
        XDPKIT_TRY(pin_fd(bpf_map__fd(map), dir + "/" + map_pin_name(map)));
    }
    return {};
}

// Loads a stage for the chain map chain_fd, slot, and lets the request configure it.
Result<LoadedProgram> load_stage(const AttachRequest& req, int chain_fd, uint32_t slot) {
    auto stage = load_program(*req.family, {req.params, chain_fd, slot, /*share_maps=*/true});
    if (!stage) return stage.error();
    if (req.configure) XDPKIT_TRY(req.configure(*stage));
    return stage;
}

Result<void> set_slot(int chain_fd, uint32_t slot, int prog_fd, const std::string& family) {
    if (bpf_map_update_elem(chain_fd, &slot, &prog_fd, BPF_ANY) != 0) {
        const int e = errno;
        return make_error(e, "cannot put '{}' into chain slot {}: {}", family, slot,
                          describe_errno(Operation::MapUpdate, e));
    }
    return {};
}


int chain_fd_of(const LoadedProgram& root) { return bpf_map__fd(root.map(XDPKIT_CHAIN_MAP)); }

std::string attached_by_other(const XdpState& s) {
    auto info = prog_info_by_id(s.prog_id);
    return fmt::format("XDP program '{}' (id {}, {} mode) is attached by another tool",
                       info ? info->name : "?", s.prog_id, s.mode);
}

Result<void> check_mode(const XdpState& s, XdpMode want, const std::string& ifname) {
    if (want == XdpMode::Auto || s.mode == xdp_mode_name(want)) return {};
    return make_error(EINVAL,
                      "{}: the xdpkit chain runs in {} mode; --mode {} cannot join it (use --mode "
                      "{} or detach the chain first)",
                      ifname, s.mode, xdp_mode_name(want), s.mode);
}

std::string stage_list(const ChainState& c) {
    std::string s;
    for (const auto& st : c.stages) s += (s.empty() ? "" : ", ") + st.family;
    return s.empty() ? "none" : s;
}

// Brand-new chain: root + stage in slot 0, linked, then pinned. Nothing is pinned until
// the link works, and if pinning fails the link fd closes here, which detaches it again.
Result<AttachResult> attach_new(const AttachRequest& req, const Interface& iface,
                                const std::string& dir) {
    auto root = load_chain_root();
    if (!root) return root.error();
    auto stage = load_stage(req, chain_fd_of(*root), 0);
    if (!stage) return stage.error();
    XDPKIT_TRY(set_slot(chain_fd_of(*root), 0, stage->prog_fd(), req.family->name));

    XdpMode used = req.mode;
    auto link = create_xdp_link(root->prog_fd(), iface.ifindex, req.mode, &used, iface.name);
    if (!link) return link.error();

    AttachResult r{iface.name, req.family->name, "attached", xdp_mode_name(used), 0, 0, 0, dir,
                   {}};
    if (req.mode == XdpMode::Auto && used == XdpMode::Skb)
        r.notes.push_back("native XDP is not supported by this driver; attached in skb mode");

    auto pinned = [&]() -> Result<void> {
        XDPKIT_TRY(make_dirs(dir));
        XDPKIT_TRY(pin_fd(link->get(), dir + "/link"));
        XDPKIT_TRY(pin_fd(root->prog_fd(), dir + "/root"));
        XDPKIT_TRY(pin_fd(chain_fd_of(*root), dir + "/chain"));
        return pin_stage(*stage, dir + "/" + req.family->name);
    }();
    if (!pinned) {
        (void)remove_tree(dir);
        return pinned.error();
    }
    auto p = prog_info(stage->prog_fd());
    auto l = link_info(link->get());
    r.prog_id = p ? p->id : 0;
    r.link_id = l ? l->id : 0;
    return r;
}

// Same family again with --replace: load it into the same slot; the prog array update is
// atomic, so every packet sees either the old or the new program.
Result<AttachResult> replace_stage(const AttachRequest& req, const Interface& iface,
                                   ChainState& c, const StagePin& old, const XdpState& s) {
    auto stage = load_stage(req, c.chain.get(), old.slot);
    if (!stage) return stage.error();
    // bpffs refuses '.' in names; '@' cannot occur in a family name.
    const std::string staging = old.dir + "@new";
    (void)remove_tree(staging);
    auto pinned = pin_stage(*stage, staging);
    if (!pinned) {
        (void)remove_tree(staging);
        return pinned.error();
    }
    auto swapped = set_slot(c.chain.get(), old.slot, stage->prog_fd(), req.family->name);
    if (!swapped) {
        (void)remove_tree(staging);
        return swapped.error();
    }
    XDPKIT_TRY(remove_tree(old.dir));
    if (std::rename(staging.c_str(), old.dir.c_str()) != 0)
        return make_error(errno, "cannot move pins {} to {}: {}", staging, old.dir,
                          std::strerror(errno));
    auto p = prog_info(stage->prog_fd());
    return AttachResult{iface.name, req.family->name, "replaced", s.mode, old.slot,
                        p ? p->id : 0, c.link_info.id, c.dir, {}};
}

Result<AttachResult> append_stage(const AttachRequest& req, const Interface& iface,
                                  ChainState& c, const XdpState& s) {
    uint32_t slot = 0;
    for (const auto& st : c.stages)
        if (st.in_chain) slot = std::max(slot, st.slot + 1);
    if (slot >= XDPKIT_CHAIN_MAX_STAGES)
        return make_error(ENOSPC, "{}: the chain is full ({} stages); detach one first",
                          iface.name, XDPKIT_CHAIN_MAX_STAGES);
    auto stage = load_stage(req, c.chain.get(), slot);
    if (!stage) return stage.error();
    const std::string dir = c.dir + "/" + req.family->name;
    auto pinned = pin_stage(*stage, dir);
    if (pinned) pinned = set_slot(c.chain.get(), slot, stage->prog_fd(), req.family->name);
    if (!pinned) {
        (void)remove_tree(dir);
        return pinned.error();
    }
    auto p = prog_info(stage->prog_fd());
    return AttachResult{iface.name, req.family->name, "chained", s.mode, slot, p ? p->id : 0,
                        c.link_info.id, c.dir, {}};
}

// A different family with --replace: a new root and chain, swapped in with one
// bpf_link update (BPF_F_REPLACE guards against a concurrent change of the root).
Result<AttachResult> replace_chain(const AttachRequest& req, const Interface& iface,
                                   ChainState& c, const XdpState& s) {
    auto root = load_chain_root();
    if (!root) return root.error();
    auto stage = load_stage(req, chain_fd_of(*root), 0);
    if (!stage) return stage.error();
    XDPKIT_TRY(set_slot(chain_fd_of(*root), 0, stage->prog_fd(), req.family->name));

    LIBBPF_OPTS(bpf_link_update_opts, up);
    up.flags = BPF_F_REPLACE;
    up.old_prog_fd = c.root.get();
    if (bpf_link_update(c.link.get(), root->prog_fd(), &up) != 0)
        return make_error(errno, "{}: cannot swap the chain: {}", iface.name,
                          std::strerror(errno));

    std::vector<std::string> replaced;
    for (const auto& st : c.stages) {
        replaced.push_back(st.family);
        XDPKIT_TRY(remove_tree(st.dir));
    }
    XDPKIT_TRY(pin_fd(root->prog_fd(), c.dir + "/root"));
    XDPKIT_TRY(pin_fd(chain_fd_of(*root), c.dir + "/chain"));
    XDPKIT_TRY(pin_stage(*stage, c.dir + "/" + req.family->name));
    auto p = prog_info(stage->prog_fd());
    AttachResult r{iface.name, req.family->name, "replaced chain", s.mode, 0, p ? p->id : 0,
                   c.link_info.id, c.dir, {}};
    std::string list;
    for (const auto& f : replaced) list += (list.empty() ? "" : ", ") + f;
    r.notes.push_back("replaced: " + list);
    return r;
}

// ---- device-bound families: attached directly, never a chain stage (chain.h) ----

// Loads a device-bound family for iface and lets the request configure it.
Result<LoadedProgram> load_bound(const AttachRequest& req, const Interface& iface) {
    LoadOptions opts{req.params};
    opts.ifindex = iface.ifindex;
    auto prog = load_program(*req.family, opts);
    // The kernel binds a program only to a device with native XDP (ndo_bpf): lo, for one, has
    // none, and the load fails with a bare EOPNOTSUPP.
    if (!prog && prog.error().err == EOPNOTSUPP)
        return make_error(EOPNOTSUPP,
                          "{}: cannot load '{}' bound to it: the device takes no device-bound "
                          "programs (no native XDP driver), and they cannot run in skb mode",
                          iface.name, req.family->name);
    if (!prog) return prog.error();
    if (req.configure) XDPKIT_TRY(req.configure(*prog));
    return prog;
}

Result<void> pin_direct(const LoadedProgram& p, const std::string& dir, const std::string& name) {
    XDPKIT_TRY(pin_fd(p.prog_fd(), dir + "/root"));
    return pin_stage(p, dir + "/" + name);
}

Result<AttachResult> attach_direct_new(const AttachRequest& req, const Interface& iface,
                                       const std::string& dir) {
    auto prog = load_bound(req, iface);
    if (!prog) return prog.error();
    XdpMode used = XdpMode::Native;
    auto link = create_xdp_link(prog->prog_fd(), iface.ifindex, XdpMode::Native, &used, iface.name);
    if (!link && link.error().err == EOPNOTSUPP)
        return make_error(EOPNOTSUPP,
                          "{}: the driver has no native XDP, and '{}' is device-bound: it cannot "
                          "run in skb mode either",
                          iface.name, req.family->name);
    if (!link) return link.error();
    auto pinned = [&]() -> Result<void> {
        XDPKIT_TRY(make_dirs(dir));
        XDPKIT_TRY(pin_fd(link->get(), dir + "/link"));
        return pin_direct(*prog, dir, req.family->name);
    }();
    if (!pinned) {
        (void)remove_tree(dir);
        return pinned.error();
    }
    auto p = prog_info(prog->prog_fd());
    auto l = link_info(link->get());
    AttachResult r{iface.name, req.family->name, "attached", "native", 0, p ? p->id : 0,
                   l ? l->id : 0, dir, {}};
    r.notes.push_back("device-bound: attached directly, not through the chain (a device-bound "
                      "program cannot be tail-called)");
    return r;
}

// Swaps whatever xdpkit runs on the interface (a chain, or another direct program) for the
// device-bound one, with one bpf_link update.
Result<AttachResult> replace_with_direct(const AttachRequest& req, const Interface& iface,
                                         ChainState& c) {
    auto prog = load_bound(req, iface);
    if (!prog) return prog.error();
    LIBBPF_OPTS(bpf_link_update_opts, up);
    up.flags = BPF_F_REPLACE;
    up.old_prog_fd = c.root.get();
    if (bpf_link_update(c.link.get(), prog->prog_fd(), &up) != 0)
        return make_error(errno, "{}: cannot swap in '{}': {}", iface.name, req.family->name,
                          std::strerror(errno));
    std::string replaced;
    for (const auto& st : c.stages) {
        replaced += (replaced.empty() ? "" : ", ") + st.family;
        XDPKIT_TRY(remove_tree(st.dir));
    }
    if (path_exists(c.dir + "/chain")) XDPKIT_TRY(remove_tree(c.dir + "/chain"));
    XDPKIT_TRY(pin_direct(*prog, c.dir, req.family->name));
    auto p = prog_info(prog->prog_fd());
    AttachResult r{iface.name, req.family->name, "replaced", "native", 0, p ? p->id : 0,
                   c.link_info.id, c.dir, {}};
    if (!replaced.empty()) r.notes.push_back("replaced: " + replaced);
    return r;
}

Result<void> require_kfuncs(const Family& f) {
    if (f.kfuncs.empty()) return {};
    auto missing = missing_kfuncs(f.kfuncs);
    if (!missing) return missing.error();
    if (missing->empty()) return {};
    std::string names;
    for (const auto& n : *missing) names += (names.empty() ? "" : ", ") + n;
    return make_error(EOPNOTSUPP,
                      "cannot attach '{}': this kernel lacks the kfuncs it calls ({} not in "
                      "vmlinux BTF); 'xdpkit probe' shows what the kernel has",
                      f.name, names);
}

// ---- detaching: every prefix of a detach is a state status names and the next command ends ----
//
// A detach first writes a marker, <iface>/detaching/, holding one empty directory per stage it
// removes (made beside it and renamed into place, so it appears whole). Then, per stage: its
// prog-array slot is cleared (it stops running) and its pins go. When no stage is left, the
// link is detached, link/root/chain are unpinned, and the marker goes last of all. Killed
// anywhere on the way, the marker is still there: status says a detach was interrupted (not
// "stale pins"), and the next attach or detach on the interface finishes it first.
constexpr const char* kDetachingMarker = "detaching";

Result<void> mark_detaching(const ChainState& c, const std::vector<const StagePin*>& stages) {
    const std::string marker = c.dir + "/" + kDetachingMarker;
    const std::string staging = marker + "@new";
    (void)remove_tree(staging);  // a detach killed while writing its marker
    XDPKIT_TRY(make_dirs(staging));
    for (const StagePin* st : stages) XDPKIT_TRY(make_dirs(staging + "/" + st->family));
    if (std::rename(staging.c_str(), marker.c_str()) != 0)
        return make_error(errno, "cannot mark {} as detaching: {}", c.dir, std::strerror(errno));
    return {};
}

struct Finished {
    std::vector<std::string> detached;
    bool chain_removed = false;
};

// Carries out the detach the marker describes (all of it, from wherever it stopped).
Result<Finished> finish_detach(const ChainState& c, const Interface& iface) {
    const auto& listed = *c.detaching;
    Finished done;
    size_t left = 0;
    for (const auto& st : c.stages) {
        if (std::find(listed.begin(), listed.end(), st.family) == listed.end()) {
            ++left;
            continue;
        }
        // Out of the chain first: from then on no frame reaches it; then its pins.
        if (st.in_chain && c.chain.valid()) {
            const uint32_t slot = st.slot;
            if (bpf_map_delete_elem(c.chain.get(), &slot) != 0 && errno != ENOENT)
                return make_error(errno, "{}: cannot remove '{}' from the chain: {}", iface.name,
                                  st.family, std::strerror(errno));
        }
        XDPKIT_TRY(remove_tree(st.dir));
        done.detached.push_back(st.family);
    }
    const std::string marker = c.dir + "/" + kDetachingMarker;
    if (left) {
        XDPKIT_TRY(remove_tree(marker));
        return done;
    }
    // Nothing of ours left: take the root off explicitly (a pinned link would keep it) rather
    // than relying on the last reference going away.
    if (c.link.valid() && c.link_info.ifindex == iface.ifindex &&
        bpf_link_detach(c.link.get()) != 0)
        return make_error(errno, "{}: cannot detach the chain root: {}", iface.name,
                          std::strerror(errno));
    for (const auto& name : list_dir(c.dir))
        if (name != kDetachingMarker) XDPKIT_TRY(remove_tree(c.dir + "/" + name));
    XDPKIT_TRY(remove_tree(marker));
    XDPKIT_TRY(remove_tree(c.dir));
    done.chain_removed = true;
    return done;
}

// An interface as attach and detach need it: what the kernel runs there, and our pins. A
// detach that was interrupted is finished first (finished says what it took).
struct InterfaceView {
    Interface iface;
    XdpState state;
    std::optional<ChainState> chain;
    Finished finished;
};

Result<InterfaceView> look_at(const std::string& ifname) {
    auto iface = find_interface(ifname);
    if (!iface) return iface.error();
    auto chain = read_chain(iface->name, iface->ifindex);
    if (!chain) return chain.error();
    Finished finished;
    if (chain->has_value() && (*chain)->detaching) {
        auto done = finish_detach(**chain, *iface);
        if (!done) return done.error();
        finished = std::move(*done);
        chain = read_chain(iface->name, iface->ifindex);
        if (!chain) return chain.error();
    }
    auto state = query_xdp(iface->ifindex);
    if (!state) return state.error();
    return InterfaceView{*iface, *state, std::move(*chain), std::move(finished)};
}

}  // namespace

bool chain_is_attached(const ChainState& c, int ifindex, uint32_t attached_prog_id) {
    return attached_prog_id != 0 && c.link.valid() && c.link_info.ifindex == ifindex &&
           c.link_info.prog_id == attached_prog_id;
}

Result<LoadedProgram> load_chain_root() { return load_program(root_family(), {}); }

namespace {

// What status says about an interrupted detach, and the command that finishes it.
std::string interrupted_detach(const ChainState& c, const std::string& ifname) {
    const auto& listed = *c.detaching;
    const bool whole = std::all_of(c.stages.begin(), c.stages.end(), [&](const StagePin& st) {
        return std::find(listed.begin(), listed.end(), st.family) != listed.end();
    });
    // One stage of several (detach takes one program or all of them).
    if (!whole && listed.size() == 1)
        return fmt::format("a detach of '{}' was interrupted; run 'xdpkit detach {} {}' to "
                           "finish it",
                           listed.front(), ifname, listed.front());
    const char* where = !c.link.valid()           ? "the link is already unpinned"
                        : c.link_info.ifindex == 0 ? "the chain is already off the interface"
                                                   : "the chain is still attached";
    return fmt::format("a detach was interrupted ({}); run 'xdpkit detach {} --all' to finish "
                       "it",
                       where, ifname);
}

}  // namespace

Result<std::optional<ChainState>> read_chain(const std::string& ifname, int ifindex) {
    ChainState c;
    // The one way to this namespace's pins: a folder of another namespace (stale) is never
    // read here; status lists it on its own (pin_folder.h).
    auto folder = namespace_folder(FolderUse::Read);
    if (!folder) return folder.error();
    if (!folder->ours) return std::optional<ChainState>{};
    c.dir = folder->pin_path(ifname);
    if (path_exists(c.dir + "/" + kDetachingMarker))
        c.detaching = list_dir(c.dir + "/" + kDetachingMarker);
    if (!path_exists(c.dir + "/link")) {
        // An empty directory is what a detach killed just before its very last step leaves.
        if (list_dir(c.dir).empty()) return std::optional<ChainState>{};
        if (c.detaching) {
            c.problems.push_back(interrupted_detach(c, ifname));
        } else {
            c.problems.push_back("pins without a link in " + c.dir);
        }
        return std::optional<ChainState>{std::move(c)};
    }
    auto link = open_pin(c.dir + "/link");
    if (!link) return link.error();
    c.link = std::move(*link);
    auto li = link_info(c.link.get());
    if (!li) return li.error();
    c.link_info = *li;
    if (c.detaching) {
        // Said once all is read (below): which stages are left decides the wording.
    } else if (c.link_info.ifindex == 0) {
        c.problems.push_back("the pinned link no longer attaches any interface (" + ifname +
                             " was deleted, or the link was detached outside xdpkit)");
    } else if (c.link_info.ifindex != ifindex) {
        c.problems.push_back(fmt::format("the pinned link attaches ifindex {}, not {} (ifindex "
                                         "{})",
                                         c.link_info.ifindex, ifname, ifindex));
    }
    if (auto root = open_pin(c.dir + "/root")) c.root = std::move(*root);
    // No chain pin is right for a device-bound program attached directly (chain.h).
    if (auto chain = open_pin(c.dir + "/chain")) c.chain = std::move(*chain);

    // Slot -> program id, from the prog array itself (a lookup returns the program's id).
    std::vector<uint32_t> slot_ids(XDPKIT_CHAIN_MAX_STAGES, 0);
    if (c.chain.valid())
        for (uint32_t i = 0; i < XDPKIT_CHAIN_MAX_STAGES; ++i)
            (void)bpf_map_lookup_elem(c.chain.get(), &i, &slot_ids[i]);

    for (const auto& name : list_dir(c.dir)) {
        const std::string dir = c.dir + "/" + name;
        if (name.find('@') != std::string::npos || !path_exists(dir + "/prog")) continue;
        StagePin st{name, dir, XDPKIT_CHAIN_MAX_STAGES, 0, false};
        if (auto fd = open_pin(dir + "/prog"))
            if (auto info = prog_info(fd->get())) st.prog_id = info->id;
        if (!c.chain.valid() && st.prog_id && st.prog_id == c.link_info.prog_id) {
            st.slot = 0;
            st.in_chain = true;  // runs: the link attaches it directly
            c.direct = true;
        }
        for (uint32_t i = 0; i < XDPKIT_CHAIN_MAX_STAGES; ++i)
            if (st.prog_id && slot_ids[i] == st.prog_id) {
                st.slot = i;
                st.in_chain = true;
                slot_ids[i] = 0;
            }
        const bool going = c.detaching && std::find(c.detaching->begin(), c.detaching->end(),
                                                    name) != c.detaching->end();
        if (!st.in_chain && !going)
            c.problems.push_back("stage '" + name + "' is pinned but not in the chain");
        c.stages.push_back(st);
    }
    if (c.detaching)
        c.problems.push_back(interrupted_detach(c, ifname));
    else if (!c.chain.valid() && !c.direct)
        c.problems.push_back("the chain map pin is missing: stages cannot run");
    for (uint32_t i = 0; i < XDPKIT_CHAIN_MAX_STAGES; ++i)
        if (slot_ids[i])
            c.problems.push_back(fmt::format("slot {} holds program id {} that xdpkit did not pin",
                                             i, slot_ids[i]));
    std::stable_sort(c.stages.begin(), c.stages.end(),
                     [](const StagePin& a, const StagePin& b) { return a.slot < b.slot; });
    return std::optional<ChainState>{std::move(c)};
}

namespace {

// What attach_program will do on this interface, decided from the request and what is
// attached, before anything is loaded or opened.
enum class AttachStep { New, NewDirect, ReplaceWithDirect, ReplaceChain, ReplaceStage, Append };

struct AttachDecision {
    AttachStep step = AttachStep::New;
    InterfaceView view;
    size_t same = 0;  // ReplaceStage: the index in view.chain->stages of the stage it swaps
};

Result<AttachDecision> decide_attach(const AttachRequest& req) {
    if (req.replace && req.append)
        return make_error(EINVAL, "--replace and --chain exclude each other");
    if (!req.family->set_up_with.empty() && !req.configure)
        return make_error(EINVAL, "'{}' needs its maps filled before it is attached: use '{}'",
                          req.family->name, req.family->set_up_with);
    const bool bound = req.family->device_bound;
    if (bound && req.mode == XdpMode::Skb)
        return make_error(EINVAL, "'{}' is device-bound: it runs only in the driver's native "
                                  "XDP, never in skb mode (leave out --mode skb)",
                          req.family->name);
    if (bound && req.append)
        return make_error(EINVAL, "'{}' is device-bound and cannot join a chain: the kernel "
                                  "refuses device-bound programs in the prog array tail calls "
                                  "go through; it runs alone (--replace swaps it in)",
                          req.family->name);
    XDPKIT_TRY(require_kfuncs(*req.family));
    XDPKIT_TRY(ensure_bpffs());
    auto view = look_at(req.ifname);
    if (!view) return view.error();
    AttachDecision d{AttachStep::New, std::move(*view), 0};
    const Interface& iface = d.view.iface;
    const XdpState& state = d.view.state;
    std::optional<ChainState>& chain = d.view.chain;
    const bool ours = chain.has_value() && chain_is_attached(*chain, iface.ifindex, state.prog_id);

    if (!ours) {
        if (state.prog_id != 0)
            return make_error(EBUSY, "{}: {}; xdpkit leaves it alone: detach it first "
                              "('ip link set dev {} xdp off')",
                              iface.name, attached_by_other(state), iface.name);
        d.step = bound ? AttachStep::NewDirect : AttachStep::New;
        return d;
    }

    ChainState& c = *chain;
    if (!bound) XDPKIT_TRY(check_mode(state, req.mode, iface.name));
    if (bound || c.direct) {
        if (!req.replace)
            return make_error(EEXIST,
                              "{}: '{}' is already attached{}; --replace swaps it for '{}'",
                              iface.name, stage_list(c),
                              c.direct ? " directly (device-bound: nothing can chain after it)"
                                       : "",
                              req.family->name);
        // With a direct program there, c.root is that program: replace_chain swaps it.
        d.step = bound ? AttachStep::ReplaceWithDirect : AttachStep::ReplaceChain;
        return d;
    }
    const auto same = std::find_if(c.stages.begin(), c.stages.end(), [&](const StagePin& s) {
        return s.family == req.family->name;
    });
    if (same != c.stages.end()) {
        if (!req.replace)
            return make_error(EEXIST,
                              "{}: '{}' is already attached (prog id {}, chain slot {}); use "
                              "--replace to swap it",
                              iface.name, req.family->name, same->prog_id, same->slot);
        d.step = AttachStep::ReplaceStage;
        d.same = static_cast<size_t>(same - c.stages.begin());
        return d;
    }
    if (req.append) {
        d.step = AttachStep::Append;
        return d;
    }
    if (req.replace) {
        d.step = AttachStep::ReplaceChain;
        return d;
    }
    return make_error(EEXIST,
                      "{}: xdpkit program(s) already attached: {}; add --chain to run '{}' after "
                      "them, or --replace to swap them for it",
                      iface.name, stage_list(c), req.family->name);
}

}  // namespace

Result<void> check_attach(const AttachRequest& req) {
    auto d = decide_attach(req);
    if (!d) return d.error();
    return {};
}

Result<AttachResult> attach_program(const AttachRequest& req) {
    auto decided = decide_attach(req);
    if (!decided) return decided.error();
    AttachDecision& d = *decided;
    const Interface& iface = d.view.iface;
    switch (d.step) {
    case AttachStep::New:
    case AttachStep::NewDirect: {
        std::vector<std::string> notes;
        if (d.view.chain.has_value()) {
            // Pins of a chain that is no longer attached (interface recreated, or detached
            // behind our back): clear them so the new chain starts clean.
            XDPKIT_TRY(remove_tree(d.view.chain->dir));
            notes.push_back("removed stale pins in " + d.view.chain->dir);
        }
        auto folder = namespace_folder(FolderUse::Create);
        if (!folder) return folder.error();
        notes.insert(notes.end(), folder->notes.begin(), folder->notes.end());
        const std::string dir = folder->pin_path(iface.name);
        auto r = d.step == AttachStep::NewDirect ? attach_direct_new(req, iface, dir)
                                                 : attach_new(req, iface, dir);
        if (r) r->notes.insert(r->notes.begin(), notes.begin(), notes.end());
        return r;
    }
    case AttachStep::ReplaceWithDirect:
        return replace_with_direct(req, iface, *d.view.chain);
    case AttachStep::ReplaceChain:
        return replace_chain(req, iface, *d.view.chain, d.view.state);
    case AttachStep::ReplaceStage:
        return replace_stage(req, iface, *d.view.chain, d.view.chain->stages[d.same],
                             d.view.state);
    case AttachStep::Append:
        return append_stage(req, iface, *d.view.chain, d.view.state);
    }
    return make_error(EINVAL, "unknown attach step");
}

Result<DetachResult> detach_program(const DetachRequest& req) {
    auto view = look_at(req.ifname);
    if (!view) return view.error();
    const Interface* iface = &view->iface;
    const XdpState* state = &view->state;
    std::optional<ChainState>* chain = &view->chain;
    DetachResult r{iface->name, view->finished.detached, view->finished.chain_removed, {}};
    const bool finished = !r.detached.empty() || r.chain_removed;
    if (finished) r.notes.push_back("finished a detach that was interrupted");
    const auto took = [&](const std::string& family) {
        return std::find(r.detached.begin(), r.detached.end(), family) != r.detached.end();
    };

    if (!chain->has_value()) {
        if (finished) return r;  // the interrupted detach took everything
        if (state->prog_id)
            return make_error(ENOENT, "{}: no xdpkit program attached ({}; left alone)",
                              iface->name, attached_by_other(*state));
        return make_error(ENOENT, "{}: no XDP program attached", iface->name);
    }
    ChainState& c = **chain;

    std::vector<const StagePin*> remove;
    if (req.all) {
        for (const auto& st : c.stages) remove.push_back(&st);
    } else if (!req.family.empty()) {
        const auto it = std::find_if(c.stages.begin(), c.stages.end(),
                                     [&](const StagePin& s) { return s.family == req.family; });
        if (it == c.stages.end()) {
            if (took(req.family)) return r;
            return make_error(ENOENT, "{}: '{}' is not attached (attached: {})", iface->name,
                              req.family, stage_list(c));
        }
        remove.push_back(&*it);
    } else if (c.stages.size() > 1) {
        return make_error(EINVAL, "{}: {} programs are attached ({}); name one or use --all",
                          iface->name, c.stages.size(), stage_list(c));
    } else {
        for (const auto& st : c.stages) remove.push_back(&st);
    }

    XDPKIT_TRY(mark_detaching(c, remove));
    std::vector<std::string> families;
    for (const StagePin* st : remove) families.push_back(st->family);
    c.detaching = families;
    auto done = finish_detach(c, *iface);
    if (!done) return done.error();
    r.detached.insert(r.detached.end(), done->detached.begin(), done->detached.end());
    r.chain_removed = r.chain_removed || done->chain_removed;
    // The namespace's folder goes too once nothing but its identity is left in it.
    if (r.chain_removed) XDPKIT_TRY(remove_namespace_folder_if_empty());
    return r;
}

}  // namespace xdpkit
