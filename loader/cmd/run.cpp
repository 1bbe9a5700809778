// xdpkit run: every packet of a capture through a program with BPF_PROG_RUN.
#include <fmt/format.h>

#include "command.h"
#include "core/filter/filter_rules_db.h"
#include "core/attach/capture_run.h"
#include "core/attach/counters.h"
#include "core/ipsec/ipsec_report.h"
#include "core/ipsec/ipsec_sad.h"
#include "core/families/families.h"

namespace xdpkit {
namespace {

struct RunArgs {
    std::string program, pcap, out, sa_file, rules;
    std::vector<std::string> params;
    uint32_t repeat = 1;
    bool strict = false;  // a frame that cannot be run fails the command (after the report)
};

void print_frames(const CaptureRunReport& r) {
    const bool timed = r.repeat > 1;
    fmt::print("{:>7}  {:>7}  {:>7}  {}\n", "packet", "len in", "len out",
               timed ? "verdict     ns/run" : "verdict");
    for (const auto& f : r.frames) {
        if (!f.not_run.empty()) {
            fmt::print("{:>7}  {:>7}  {:>7}  not run: {}\n", f.index, f.len_in, "-", f.not_run);
            continue;
        }
        std::string rest = verdict_name(f.verdict);
        if (timed) rest = fmt::format("{:<9} {:>8}", rest, f.duration_ns);
        if (f.wire_len > f.len_in)
            rest += fmt::format("  (snaplen cut: {} bytes on the wire)", f.wire_len);
        fmt::print("{:>7}  {:>7}  {:>7}  {}\n", f.index, f.len_in, f.len_out, rest);
    }
    if (timed)
        fmt::print("mean {:.1f} ns/packet over {} packets, {} runs each (kernel timing)\n",
                   r.mean_ns(), r.frames.size() - r.not_run(), r.repeat);
    if (r.not_run())
        fmt::print("{} of {} packets not run (each says why above)\n", r.not_run(),
                   r.frames.size());
}

void print_counters(const CaptureRunReport& r) {
    if (r.counters.empty()) fmt::print("\n'{}' keeps no counters\n", r.program);
    for (const auto& t : r.counters) {
        fmt::print("\n{:<28} {:>14} {:>16}\n", fmt::format("{} ({})", t.key_title, t.map),
                   "packets", "bytes");
        if (t.rows.empty()) fmt::print("  (all zero)\n");
        for (const auto& row : t.rows)
            fmt::print("  {:<26} {:>14} {:>16}\n", row.name, row.packets, row.bytes);
    }
}

void print_text(const CaptureRunReport& r) {
    print_frames(r);
    print_counters(r);
    if (r.state) fmt::print("\n{}", r.state->text);
    if (!r.out.empty()) fmt::print("\nwrote {} packets to {}\n", r.frames.size(), r.out);
}

Result<void> handle_run(const RunArgs& a, const GlobalOptions& g) {
    auto family = find_family(a.program);
    if (!family) return family.error();
    auto params = parse_param_args(**family, a.params);
    if (!params) return params.error();
    CaptureRunRequest req{*family, *params, a.pcap, a.out, a.repeat};
    if (!a.sa_file.empty()) {
        if ((*family)->name != "ipsec")
            return make_error(EINVAL, "--sa-file is for the ipsec program, not '{}'",
                              (*family)->name);
        auto sas = read_sa_file(a.sa_file);
        if (!sas) return sas.error();
        // Into this run's own SA table: nothing attached, nothing pinned is touched.
        req.configure = [sas = *sas](const LoadedProgram& p) -> Result<void> {
            auto db = SaDatabase::of_program(p);
            if (!db) return db.error();
            return db->add(sas);
        };
        req.inspect = [sas = *sas](const LoadedProgram& p) -> Result<FamilyState> {
            auto db = SaDatabase::of_program(p);
            if (!db) return db.error();
            auto entries = db->list();
            if (!entries) return entries.error();
            // The run keeps no key map: the fingerprints come from the file.
            for (auto& e : *entries)
                for (const auto& sa : sas)
                    if (sa.spi == e.sa.spi && to_string(sa.dst) == to_string(e.sa.dst))
                        e.sa = sa;
            return FamilyState{Json{{"sas", sa_entries_json(*entries)}}, sa_table_text(*entries)};
        };
    }
    if (!a.rules.empty()) {
        if ((*family)->name != "filter")
            return make_error(EINVAL, "--rules is for the filter program, not '{}'",
                              (*family)->name);
        auto rules = read_rule_file(a.rules);
        if (!rules) return rules.error();
        // Into this run's own rule maps: nothing attached, nothing pinned is touched.
        req.configure = [rules = *rules](const LoadedProgram& p) -> Result<void> {
            auto db = FilterRules::of_program(p);
            if (!db) return db.error();
            return db->add(rules);
        };
        req.inspect = [](const LoadedProgram& p) -> Result<FamilyState> {
            auto db = FilterRules::of_program(p);
            if (!db) return db.error();
            auto entries = db->list();
            if (!entries) return entries.error();
            Json all = Json::array();
            std::string text = "rules:\n";
            for (const auto& e : *entries) {
                all.push_back(to_json(e));
                text += fmt::format("  {:<58} {:>12} packets\n", rule_text(e.rule),
                                    e.counters.packets);
            }
            return FamilyState{Json{{"rules", all}}, text};
        };
    }
    auto r = run_capture(req);
    if (!r) return r.error();
    if (g.json)
        print_json(to_json(*r));
    else
        print_text(*r);
    if (a.strict && r->not_run())
        return make_error(EINVAL, "{}: {} of {} packets not run (--strict)", a.pcap, r->not_run(),
                          r->frames.size());
    return {};
}

}  // namespace

void register_run(CommandTable& t, CLI::App& app) {
    auto a = std::make_shared<RunArgs>();
    CLI::App* cmd = t.add(app, "run", "Run every packet of a capture through a program (BPF_PROG_RUN)",
                          [a](const GlobalOptions& g) { return handle_run(*a, g); },
                          // It touches no interface or pin; a refused load names the privilege.
                          Needs::Nothing);
    cmd->add_option("program", a->program, "Program to run (see 'xdpkit list')")->required();
    cmd->add_option("--pcap", a->pcap, "Capture to read (pcap or pcapng, Ethernet)")->required();
    cmd->add_option("--param", a->params, "Program parameter KEY=VALUE (repeatable)");
    cmd->add_option("--out", a->out, "Write the packets as the program left them to this pcap");
    cmd->add_option("--sa-file", a->sa_file,
                    "ipsec: load these SAs into the run's own SA table (JSON or one per line)");
    cmd->add_option("--rules", a->rules,
                    "filter: load this rule file into the run's own rule maps (as 'xdpkit "
                    "filter add --file')");
    cmd->add_option("--repeat", a->repeat, "Runs per packet, timed by the kernel")
        ->check(CLI::Range(1u, static_cast<uint32_t>(INT32_MAX)))  // libbpf passes an int
        ->capture_default_str();
    cmd->add_flag("--strict", a->strict,
                  "Exit 1 when a packet cannot be run (a runt, a broken record); the report "
                  "still lists every packet");
}

}  // namespace xdpkit
