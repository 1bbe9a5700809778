#include "core/kernel/prog_run.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

namespace xdpkit {
namespace {

// An XDP program can move the head into the 256-byte headroom (bpf_xdp_adjust_head) and
// the tail up to the end of its page (bpf_xdp_adjust_tail). Room for both means the kernel
// never answers ENOSPC, which it would only do after running (and counting) the frame.
constexpr size_t kHeadroom = 256;
constexpr size_t kPage = 4096;
// The kernel's test buffer: one page holding headroom, the frame and skb_shared_info, so a
// frame longer than this continues in fragment pages (up to MAX_SKB_FRAGS of them).
constexpr size_t kLinearMax = kPage - kHeadroom - 320;
constexpr size_t kEthHeader = 14;

Error describe_failure(int err, size_t len) {
    if (err == ENOMEM && len > kLinearMax)
        return make_error(err, "{} bytes is more than BPF_PROG_RUN takes (a {}-byte buffer "
                               "plus MAX_SKB_FRAGS pages: 73152 bytes with the default 17)",
                          len, kLinearMax);
    if (err == EINTR) return make_error(err, "interrupted");
    return make_error(err, "BPF_PROG_RUN failed: {}", std::strerror(err));
}

}  // namespace

Result<uint32_t> prog_run_xdp_into(int prog_fd, std::span<const uint8_t> frame,
                                   std::vector<uint8_t>& out, uint32_t repeat,
                                   uint32_t* duration_ns) {
    if (frame.size() < kEthHeader)
        return make_error(EINVAL, "{} bytes is shorter than an Ethernet header; BPF_PROG_RUN "
                                  "refuses it",
                          frame.size());
    out.resize(frame.size() + kHeadroom + kPage);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = static_cast<uint32_t>(frame.size()),
                .data_size_out = static_cast<uint32_t>(out.size()),
                .repeat = static_cast<int>(repeat));
    if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) return describe_failure(errno, frame.size());
    out.resize(opts.data_size_out);
    if (duration_ns) *duration_ns = opts.duration;
    return opts.retval;
}

Result<ProgRunResult> prog_run_xdp(int prog_fd, std::span<const uint8_t> frame,
                                   uint32_t repeat) {
    ProgRunResult r;
    auto verdict = prog_run_xdp_into(prog_fd, frame, r.data_out, repeat, &r.duration_ns);
    if (!verdict) return verdict.error();
    r.verdict = *verdict;
    return r;
}

}  // namespace xdpkit
