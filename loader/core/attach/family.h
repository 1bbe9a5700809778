// A program family as the loader sees it: which skeleton, which entry program, which
// --params and how they map onto the program's const volatile globals. Core does the
// opening, loading, attaching and pinning for every family from this descriptor.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

enum class ParamKind {
    Choice,  // one of named values, stored as __u32
    U32,     // a number within [min, max]
    Bool,    // true/false, yes/no, on/off, 1/0; stored as __u32
    ProtoSet,  // "all" or a list of IP protocols (+ "non-ip"); a __u8[XDPKIT_PROTO_SET_BYTES]
};

struct ParamChoice {
    std::string name;
    uint32_t value;
};

struct ParamSpec {
    std::string key;         // what the user writes: --param KEY=VALUE
    std::string rodata_var;  // the const volatile global it sets
    ParamKind kind = ParamKind::U32;
    std::string default_text;
    std::string help;
    std::vector<ParamChoice> choices;  // Choice only
    uint32_t min = 0, max = UINT32_MAX;  // U32 only
};

// An opened (and later loaded) skeleton, type-erased so core handles every family alike.
class Skeleton {
public:
    Skeleton(void* skel, bpf_object* obj, int (*load)(void*), void (*destroy)(void*))
        : skel_(skel), obj_(obj), load_(load), destroy_(destroy) {}
    Skeleton(const Skeleton&) = delete;
    Skeleton& operator=(const Skeleton&) = delete;
    ~Skeleton() {
        if (skel_) destroy_(skel_);
    }
    bpf_object* obj() const { return obj_; }
    int load() { return load_(skel_); }
    void* raw() const { return skel_; }

private:
    void* skel_;
    bpf_object* obj_;
    int (*load_)(void*);
    void (*destroy_)(void*);
};

// A per-CPU array of xdpkit_datarec a family keeps besides action_counters (drop's
// per-protocol counts, say). status, stats and run show it with every index named.
struct CounterTable {
    std::string map;        // map name, which is also its pin name
    std::string key_title;  // what an index is: "protocol"
    std::function<std::string(uint32_t)> key_name;
    // Indexes shown even at zero (elsewhere a row that never counted is left out), and by
    // `status` too: drop's and ipsec's `unparsed`, a filter's blind spot, reads 0 rather than
    // nothing.
    std::vector<uint32_t> always_shown = {};
};

struct Family {
    std::string name;        // `xdpkit attach NAME`, and the pin directory
    std::string summary;     // one line for `xdpkit list`
    std::string entry_prog;  // BPF function name of the XDP program to attach
    std::vector<ParamSpec> params;
    bool listed = true;      // false for internal programs (the chain root)
    std::function<std::unique_ptr<Skeleton>()> open;
    std::vector<CounterTable> counters = {};
    // Loaded bound to one netdev (RX metadata kfuncs need it): BPF_PROG_RUN cannot run
    // such a program, so `xdpkit run` refuses it by name.
    bool device_bound = false;
    // Set for a family whose maps must be filled before it sees a frame (redirect): the
    // command that does it. Plain `attach` and `run` refuse the family and name it.
    std::string set_up_with = {};
    // What the stage's pinned maps say it does, as key/value pairs for `status` (redirect:
    // its targets and CPUs, which live in maps, not in .rodata). Gets the stage's pin dir.
    std::function<std::vector<std::pair<std::string, std::string>>(const std::string&)>
        map_state = {};
    // For a family whose attachments share maps (ipsec's SA database): before an attached
    // stage loads, points those maps at their pins so every stage uses the same ones.
    // `xdpkit run` and the tests leave it out and get private maps.
    std::function<Result<void>(bpf_object*)> share_maps = {};
    // Kfuncs the program calls: attach checks vmlinux BTF for them before loading and names
    // the missing ones (libbpf's own failure says only "extern ... not found").
    std::vector<std::string> kfuncs = {};
    // Before every load (attach, run, tests), after the params: for rodata the family derives
    // from the kernel rather than from the user (ipsec: whether its optional kfuncs exist).
    std::function<Result<void>(bpf_object*)> before_load = {};
    // Why `xdpkit run` cannot run a family that is set up with its own command, when empty maps
    // are not the whole story (forward: the FIB it asks is the namespace's, not the capture's).
    std::string run_refusal = {};
};

// Builds Family::open for a bpftool skeleton type (the C++ statics bpftool generates).
template <typename Skel>
std::function<std::unique_ptr<Skeleton>()> skeleton_opener() {
    return []() -> std::unique_ptr<Skeleton> {
        Skel* s = Skel::open();
        if (!s) return nullptr;
        return std::make_unique<Skeleton>(
            s, s->obj, [](void* p) { return Skel::load(static_cast<Skel*>(p)); },
            [](void* p) { Skel::destroy(static_cast<Skel*>(p)); });
    };
}

using ParamValues = std::map<std::string, std::string>;
// A parameter as it sits in the program's .rodata: 4 bytes for the scalar kinds, the bitmap
// for ProtoSet.
using ParamBytes = std::vector<uint8_t>;

// Parses "K=V" items into a map, rejecting duplicates and keys the family does not have.
Result<ParamValues> parse_param_args(const Family& f, const std::vector<std::string>& args);
// Validates and encodes one value; the error names the accepted values.
Result<ParamBytes> encode_param(const ParamSpec& p, const std::string& value);
// The text a stored value reads as (choice name, true/false, the number, the protocol list).
std::string decode_param(const ParamSpec& p, const ParamBytes& value);
// The image of a __u32 parameter.
ParamBytes u32_param(uint32_t value);

}  // namespace xdpkit
