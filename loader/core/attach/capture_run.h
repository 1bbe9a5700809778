// `xdpkit run`'s engine: every frame of a capture through one freshly loaded program with
// BPF_PROG_RUN, then the program's counters. The CLI and the progs tests both call it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/attach/family.h"
#include "core/packets/pcap_file.h"
#include "core/base/output.h"
#include "core/base/result.h"

namespace xdpkit {

class LoadedProgram;

// A family's own report section: JSON under "state", and the text table that shows it.
struct FamilyState {
    Json json;
    std::string text;
};

struct CaptureRunRequest {
    const Family* family = nullptr;
    ParamValues params;
    std::string pcap;
    std::string out;      // write the frames as the program left them here; empty: don't
    uint32_t repeat = 1;  // runs per frame (BPF_PROG_RUN's repeat), for timing
    // Fills the run's own maps before the first frame (ipsec's --sa-file): a run never
    // touches anything attached.
    std::function<Result<void>(const LoadedProgram&)> configure = {};
    // What the family keeps besides counter tables (ipsec's per-SA counters), read after
    // the last frame.
    std::function<Result<FamilyState>(const LoadedProgram&)> inspect = {};
};

struct FrameRun {
    uint32_t index = 0;     // 1-based, as tcpdump and Wireshark number packets
    uint32_t len_in = 0;    // bytes run: what the capture holds
    uint32_t wire_len = 0;  // the capture's original length; > len_in when snaplen cut it
    uint32_t len_out = 0;
    uint32_t verdict = 0;      // of the last run
    uint32_t duration_ns = 0;  // kernel's mean per run
    std::string not_run;  // why the frame was not run (empty: it was); len_out etc. are 0 then
};

struct CounterRow {
    uint32_t index = 0;
    std::string name;
    uint64_t packets = 0, bytes = 0;
};

// One counter map after the run, only its non-zero rows.
struct CounterRows {
    std::string map;        // "action_counters", "proto_counters"
    std::string key_title;  // "verdict", "protocol"
    std::vector<CounterRow> rows;
};

struct CaptureRunReport {
    std::string program;
    ParamValues params;  // every parameter, defaults included
    std::string pcap, out;
    uint32_t repeat = 1;
    std::vector<FrameRun> frames;
    std::vector<CounterRows> counters;  // action_counters first (if the program has it)
    std::optional<FamilyState> state;     // from CaptureRunRequest::inspect

    // Mean of the frames' ns per run, each frame that ran weighing the same.
    double mean_ns() const;
    // Frames that were not run (FrameRun::not_run).
    uint32_t not_run() const;
};

// Why a captured frame cannot be run, or an empty string. Real captures hold runts and
// records from broken writers; such a frame gets its own entry and the run goes on.
std::string why_not_run(const CapturedFrame& f);

Result<CaptureRunReport> run_capture(const CaptureRunRequest& req);

Json to_json(const CaptureRunReport& r);

}  // namespace xdpkit
