// The progs tests' view of core's BPF_PROG_RUN wrapper (loader/core/kernel/prog_run.h): the errno
// as a plain field, so a table of cases can ASSERT_EQ(r.err, 0) and carry on.
#pragma once

#include <bpf/bpf.h>  // the tests fill maps with bpf_map_update_elem

#include <cstdint>
#include <vector>

#include "core/kernel/prog_run.h"

namespace xdpkit::test {

struct RunResult {
    int err = 0;           // bpf_prog_test_run_opts' errno, 0 on success
    uint32_t verdict = 0;  // enum xdp_action
    std::vector<uint8_t> data_out;
};

inline RunResult run_xdp(int prog_fd, const std::vector<uint8_t>& pkt) {
    auto r = prog_run_xdp(prog_fd, pkt);
    if (!r) return {r.error().err, 0, {}};
    return {0, r->verdict, std::move(r->data_out)};
}

}  // namespace xdpkit::test
