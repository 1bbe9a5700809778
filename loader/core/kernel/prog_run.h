// One frame through BPF_PROG_RUN (bpf_prog_test_run_opts): what `xdpkit run` and the progs
// tests both use.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

struct ProgRunResult {
    uint32_t verdict = 0;      // the program's return value (enum xdp_action)
    uint32_t duration_ns = 0;  // the kernel's mean time per run, whole ns rounded down
    std::vector<uint8_t> data_out;  // the frame as the program left it
};

// Runs the program `repeat` times on one frame. The kernel reuses one buffer for all the
// runs, so data_out is the frame after the last of them (a rewrite is applied repeat times).
// Errors say what about the frame the kernel refused (too short, too long, ...).
Result<ProgRunResult> prog_run_xdp(int prog_fd, std::span<const uint8_t> frame,
                                   uint32_t repeat = 1);

// The same into a buffer the caller keeps: out is resized (within its capacity once it has
// grown, so a loop that reuses it allocates nothing) to the frame as the program left it.
// Returns the verdict.
Result<uint32_t> prog_run_xdp_into(int prog_fd, std::span<const uint8_t> frame,
                                   std::vector<uint8_t>& out, uint32_t repeat = 1,
                                   uint32_t* duration_ns = nullptr);

}  // namespace xdpkit
