#include "core/attach/status.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "core/attach/chain.h"
#include "core/attach/counters.h"
#include "core/attach/rodata.h"
#include "core/kernel/xdp.h"

namespace xdpkit {
namespace {

// Reads the stage's parameters back from its pinned .rodata map, through the map's BTF.
std::vector<std::pair<std::string, std::string>> read_params(const std::string& dir,
                                                             const Family& f) {
    std::vector<std::pair<std::string, std::string>> out;
    if (f.params.empty()) return out;
    Fd map(bpf_obj_get((dir + "/rodata").c_str()));
    if (!map.valid()) return out;
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(map.get(), &info, &len) != 0 || !info.btf_id) return out;
    btf* b = btf__load_from_kernel_by_id(info.btf_id);
    if (!b) return out;
    std::vector<uint8_t> image(info.value_size);
    const uint32_t key = 0;
    if (bpf_map_lookup_elem(map.get(), &key, image.data()) == 0) {
        const RodataLayout layout = rodata_layout(b, info.btf_value_type_id);
        for (const auto& spec : f.params)
            if (auto v = read_rodata(layout, image, spec.rodata_var))
                out.emplace_back(spec.key, decode_param(spec, *v));
    }
    btf__free(b);
    return out;
}

}  // namespace

Result<InterfaceStatus> interface_status(const Interface& iface, const FamilyLookup& lookup) {
    InterfaceStatus s;
    s.name = iface.name;
    s.ifindex = iface.ifindex;
    auto state = query_xdp(iface.ifindex);
    if (!state) return state.error();
    s.mode = state->mode;
    s.prog_id = state->prog_id;
    if (s.prog_id)
        if (auto info = prog_info_by_id(s.prog_id)) s.prog_name = info->name;

    auto chain = read_chain(iface.name, iface.ifindex);
    if (!chain) return chain.error();
    if (!chain->has_value()) return s;
    ChainState& c = **chain;
    s.pin_dir = c.dir;
    s.problems = c.problems;
    s.xdpkit = chain_is_attached(c, iface.ifindex, s.prog_id);
    if (!s.xdpkit) {
        // An interrupted detach has said so already, naming the command that finishes it.
        if (!c.detaching)
            s.problems.push_back("pins in " + c.dir + " are stale: the chain is not attached; "
                                 "'xdpkit detach " + iface.name + " --all' removes them");
        return s;
    }
    s.mechanism = c.direct ? "direct" : "tail-call chain";
    s.link_id = c.link_info.id;
    for (const auto& st : c.stages) {
        StageStatus out{st.slot, st.family, st.prog_id, st.dir, st.in_chain, {}, {}, {}, {}};
        if (const Family* f = lookup(st.family)) {
            out.params = read_params(st.dir, *f);
            if (f->map_state) out.state = f->map_state(st.dir);
            for (const auto& t : f->counters) {
                if (t.always_shown.empty()) continue;
                auto recs = read_pinned_datarecs(st.dir + "/" + t.map);
                if (!recs) continue;
                for (uint32_t i : t.always_shown)
                    if (i < recs->size())
                        out.counters.push_back({t.map, t.key_name(i), (*recs)[i]});
            }
        }
        if (auto v = read_pinned_datarecs(st.dir + "/" XDPKIT_ACTION_COUNTERS_MAP)) out.verdicts = *v;
        s.stages.push_back(std::move(out));
    }
    return s;
}

Json to_json(const InterfaceStatus& s) {
    Json j;
    j["ifname"] = s.name;
    j["ifindex"] = s.ifindex;
    j["mode"] = s.mode;
    j["prog_id"] = s.prog_id;
    j["prog_name"] = s.prog_name;
    j["xdpkit"] = s.xdpkit;
    if (s.xdpkit) {
        j["mechanism"] = s.mechanism;
        j["link_id"] = s.link_id;
        j["pin_dir"] = s.pin_dir;
        Json stages = Json::array();
        for (const auto& st : s.stages) {
            Json params = Json::object();
            for (const auto& [k, v] : st.params) params[k] = v;
            Json state = Json::object();
            for (const auto& [k, v] : st.state) state[k] = v;
            Json counters = Json::object();
            for (const auto& c : st.counters)
                counters[c.map][c.name] = {{"packets", c.total.packets}, {"bytes", c.total.bytes}};
            stages.push_back({{"slot", st.slot},
                              {"program", st.family},
                              {"prog_id", st.prog_id},
                              {"in_chain", st.in_chain},
                              {"pin_dir", st.pin_dir},
                              {"params", params},
                              {"state", state},
                              {"verdicts", action_counters_json(st.verdicts)},
                              {"counters", counters}});
        }
        j["chain"] = stages;
    }
    j["problems"] = s.problems;
    return j;
}

namespace {

std::string holdings_text(const std::vector<std::string>& holds) {
    if (holds.empty()) return "nothing but its identity";
    std::string s;
    for (const auto& h : holds) s += (s.empty() ? "" : ", ") + h;
    return s;
}

}  // namespace

Json to_json(const StaleFolder& f) {
    return {{"stale_pins",
             {{"pin_dir", f.dir},
              {"netns", f.netns},
              {"reason", f.reason},
              {"identity", f.identity.empty() ? Json(nullptr) : Json(f.identity)},
              {"holds", f.holds},
              {"hint", "run 'xdpkit prune' to remove them"}}}};
}

std::string stale_line(const StaleFolder& f) {
    return fmt::format("{}: {}; holds {}, which no namespace uses; run 'xdpkit prune' to "
                       "remove it",
                       f.dir, f.reason, holdings_text(f.holds));
}

}  // namespace xdpkit
