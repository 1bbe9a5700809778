// `xdpkit accel --backend kfunc --pcap`: a capture through the kernel's inline path — the
// ipsec program with a private SA database (as `xdpkit run ipsec --sa-file`), every SA made
// an inline one with its cbc(aes) context, each frame through BPF_PROG_RUN. The user-space
// backends' offline mode (accel_offline.h) with the XDP program in the engine's place.
// Needs root (it loads BPF); needs the crypto kfuncs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/attach/family.h"
#include "core/base/output.h"
#include "core/base/result.h"

namespace xdpkit {

struct AccelKfuncRequest {
    const Family* ipsec = nullptr;  // the ipsec family (its descriptor lives with the commands)
    std::string sa_file, pcap, out;
    uint32_t repeat = 1;  // > 1: timed passes (see AccelKfuncReport)
};

struct AccelKfuncPacket {
    uint32_t index = 0;  // 1-based, as tcpdump counts
    uint32_t len_in = 0, len_out = 0;
    std::string result;  // ok, bad-padding, replay, too-old, unknown-sa, malformed,
                         // not-tunnel, crypto-error, not-esp
    uint32_t spi = 0, seq = 0;
    uint32_t verdict = 0;      // the program's XDP verdict
    uint32_t duration_ns = 0;  // this one run, by the kernel's clock
};

struct AccelKfuncReport {
    std::string sa_file, pcap, out;
    uint32_t sas = 0;
    uint32_t repeat = 1;
    std::vector<AccelKfuncPacket> packets;  // the first pass
    std::vector<std::pair<std::string, uint64_t>> results;  // count per result, first pass
    uint64_t inner_bytes = 0;                                // of the ok packets' frames out
    // --repeat N: N more passes through an instance whose windows are off (each run must
    // decrypt: BPF_PROG_RUN's own repeat would run the already decrypted frame again), the
    // kernel's time per run summed; and the raw cost: bpf_crypto_decrypt alone over the first
    // ok packet's cipher text, N runs (ipsec_crypto_bench).
    uint64_t timed_runs = 0;
    double timed_ns = 0;
    uint32_t raw_bytes = 0;  // cipher text bytes the raw runs decrypt
    double raw_ns = 0;       // mean per raw run

    double ns_per_packet() const { return timed_runs ? timed_ns / timed_runs : 0; }
};

Result<AccelKfuncReport> run_accel_kfunc(const AccelKfuncRequest& req);

Json to_json(const AccelKfuncReport& r);
std::string accel_kfunc_text(const AccelKfuncReport& r);

}  // namespace xdpkit
