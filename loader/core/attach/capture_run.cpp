#include "core/attach/capture_run.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <algorithm>

#include <algorithm>

#include "core/attach/counters.h"
#include "core/packets/pcap_file.h"
#include "core/attach/program.h"
#include "core/kernel/prog_run.h"

namespace xdpkit {
namespace {

ParamValues effective_params(const Family& f, const ParamValues& given) {
    ParamValues all;
    for (const auto& spec : f.params) {
        const auto it = given.find(spec.key);
        all[spec.key] = it != given.end() ? it->second : spec.default_text;
    }
    return all;
}

Result<CounterRows> read_counter_rows(const LoadedProgram& p, const CounterTable& t) {
    bpf_map* map = p.map(t.map.c_str());
    if (!map) return make_error(ENOENT, "program '{}' has no map {}", p.family().name, t.map);
    auto recs = read_datarecs(bpf_map__fd(map));
    if (!recs) return recs.error();
    CounterRows rows{t.map, t.key_title, {}};
    for (uint32_t i = 0; i < recs->size(); ++i) {
        const auto& rec = (*recs)[i];
        const bool shown =
            std::find(t.always_shown.begin(), t.always_shown.end(), i) != t.always_shown.end();
        if (rec.packets || rec.bytes || shown)
            rows.rows.push_back({i, t.key_name(i), rec.packets, rec.bytes});
    }
    return rows;
}

// action_counters, when the program counts verdicts (baseline does not), then the family's
// own tables.
Result<std::vector<CounterRows>> read_counters(const LoadedProgram& p) {
    std::vector<CounterTable> tables;
    if (p.map(XDPKIT_ACTION_COUNTERS_MAP))
        tables.push_back({XDPKIT_ACTION_COUNTERS_MAP, "verdict", verdict_name});
    tables.insert(tables.end(), p.family().counters.begin(), p.family().counters.end());
    std::vector<CounterRows> all;
    for (const auto& t : tables) {
        auto rows = read_counter_rows(p, t);
        if (!rows) return rows.error();
        all.push_back(std::move(*rows));
    }
    return all;
}

}  // namespace

double CaptureRunReport::mean_ns() const {
    double sum = 0;
    size_t ran = 0;
    for (const auto& f : frames)
        if (f.not_run.empty()) {
            sum += f.duration_ns;
            ++ran;
        }
    return ran ? sum / static_cast<double>(ran) : 0;
}

uint32_t CaptureRunReport::not_run() const {
    return static_cast<uint32_t>(std::count_if(frames.begin(), frames.end(),
                                               [](const FrameRun& f) { return !f.not_run.empty(); }));
}

std::string why_not_run(const CapturedFrame& f) {
    // BPF_PROG_RUN refuses an XDP frame shorter than an Ethernet header (EINVAL).
    constexpr size_t kEthHeader = 14;
    if (f.data.size() < kEthHeader)
        return fmt::format("{} bytes is shorter than an Ethernet header ({})", f.data.size(),
                           kEthHeader);
    if (f.recorded_wire_len != 0 && f.data.size() > f.recorded_wire_len)
        return fmt::format("the record holds {} bytes but says {} were on the wire (a capture "
                           "holds at most what was on the wire)",
                           f.data.size(), f.recorded_wire_len);
    return {};
}

Result<CaptureRunReport> run_capture(const CaptureRunRequest& req) {
    const Family& f = *req.family;
    if (f.device_bound)
        return make_error(EINVAL, "'{}' is a device-bound program: BPF_PROG_RUN cannot run a "
                                  "device-bound program; attach it to a device instead", f.name);
    if (!f.run_refusal.empty()) return make_error(EINVAL, "'{}' {}", f.name, f.run_refusal);
    if (!f.set_up_with.empty())
        return make_error(EINVAL, "'{}' does nothing useful with empty maps; set it up with "
                                  "'{}' (the progs tests fill its maps to run it)",
                          f.name, f.set_up_with);
    if (req.repeat < 1) return make_error(EINVAL, "--repeat must be at least 1");
    // The kernel runs every repeat on the same buffer: the frame written would be the one
    // rewritten N times over, which is never what "as the program left it" means.
    if (!req.out.empty() && req.repeat > 1)
        return make_error(EINVAL, "--out with --repeat {} would write each frame as {} runs "
                                  "left it; time with --repeat, write with --out, separately",
                          req.repeat, req.repeat);

    auto frames = read_pcap(req.pcap);
    if (!frames) return frames.error();
    if (frames->empty())
        return make_error(EINVAL, "{}: the capture holds no packets; nothing to run", req.pcap);

    auto prog = load_program(f, LoadOptions{req.params, -1, 0});
    if (!prog) return prog.error();
    if (req.configure) XDPKIT_TRY(req.configure(*prog));

    CaptureRunReport report{f.name, effective_params(f, req.params), req.pcap, req.out,
                            req.repeat, {}, {}, {}};
    std::vector<CapturedFrame> out;
    for (size_t i = 0; i < frames->size(); ++i) {
        CapturedFrame& in = (*frames)[i];
        const auto len_in = static_cast<uint32_t>(in.data.size());
        if (std::string why = why_not_run(in); !why.empty()) {
            report.frames.push_back(
                {static_cast<uint32_t>(i + 1), len_in, in.wire_len, 0, 0, 0, std::move(why)});
            if (!req.out.empty()) out.push_back(std::move(in));  // untouched: nothing ran it
            continue;
        }
        auto r = prog_run_xdp(prog->prog_fd(), in.data, req.repeat);
        if (!r) return make_error(r.error().err, "{}: packet {}: {}", req.pcap, i + 1,
                                  r.error().message);
        const auto len_out = static_cast<uint32_t>(r->data_out.size());
        report.frames.push_back({static_cast<uint32_t>(i + 1), len_in, in.wire_len, len_out,
                                 r->verdict, r->duration_ns, {}});
        if (!req.out.empty()) {
            // A frame the snaplen cut stays marked as cut by as many bytes.
            in.wire_len = len_out + (in.wire_len - len_in);
            in.data = std::move(r->data_out);
            out.push_back(std::move(in));
        }
    }

    auto counters = read_counters(*prog);
    if (!counters) return counters.error();
    report.counters = std::move(*counters);
    if (req.inspect) {
        auto state = req.inspect(*prog);
        if (!state) return state.error();
        report.state = std::move(*state);
    }
    if (!req.out.empty()) XDPKIT_TRY(write_pcap(req.out, out));
    return report;
}

Json to_json(const CaptureRunReport& r) {
    Json params = Json::object();
    for (const auto& [k, v] : r.params) params[k] = v;
    Json frames = Json::array();
    for (const auto& f : r.frames) {
        if (!f.not_run.empty()) {
            frames.push_back({{"index", f.index},
                              {"len_in", f.len_in},
                              {"wire_len", f.wire_len},
                              {"verdict", nullptr},
                              {"not_run", f.not_run}});
            continue;
        }
        frames.push_back({{"index", f.index},
                          {"len_in", f.len_in},
                          {"wire_len", f.wire_len},
                          {"len_out", f.len_out},
                          {"verdict", verdict_name(f.verdict)},
                          {"duration_ns", f.duration_ns}});
    }
    Json counters = Json::object();
    for (const auto& t : r.counters) {
        Json rows = Json::array();
        for (const auto& row : t.rows)
            rows.push_back({{"index", row.index},
                            {t.key_title, row.name},
                            {"packets", row.packets},
                            {"bytes", row.bytes}});
        counters[t.map] = rows;
    }
    Json j = {{"program", r.program},
            {"params", params},
            {"pcap", r.pcap},
            {"out", r.out.empty() ? Json(nullptr) : Json(r.out)},
            {"repeat", r.repeat},
            {"packets", frames},
            {"not_run", r.not_run()},
            {"mean_ns", r.mean_ns()},
            {"counters", counters}};
    if (r.state) j["state"] = r.state->json;  // only families that keep more (ipsec's SAs)
    return j;
}

}  // namespace xdpkit
