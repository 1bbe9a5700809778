// Runs a loaded program once over a packet through BPF_PROG_RUN.
#pragma once

#include <bpf/bpf.h>

#include <cstdint>
#include <vector>

namespace xdpkit::test {

struct RunResult {
    int err = 0;           // bpf_prog_test_run_opts' errno, 0 on success
    uint32_t verdict = 0;  // enum xdp_action
    std::vector<uint8_t> data_out;
};

inline RunResult run_xdp(int prog_fd, const std::vector<uint8_t>& pkt) {
    RunResult r;
    r.data_out.resize(pkt.size() + 256);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt.data(),
                .data_out = r.data_out.data(), .data_size_in = static_cast<uint32_t>(pkt.size()),
                .data_size_out = static_cast<uint32_t>(r.data_out.size()), .repeat = 1);
    if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
        r.err = errno;
        r.data_out.clear();
        return r;
    }
    r.verdict = opts.retval;
    r.data_out.resize(opts.data_size_out);
    return r;
}

}  // namespace xdpkit::test
