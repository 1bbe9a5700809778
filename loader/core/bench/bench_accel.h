// The DUT of `xdpkit bench ipsec`: the ipsec program on dut0 steering one SA's ESP to the live
// crypto engine (accel_live.h), run in-process the way `xdpkit accel dut0 --backend B
// --pattern P --after drop --copy` runs it, with the SA and its fixed test keys the generator
// encrypts with. Threads are pinned: pattern 1's one thread on CPU 1 (the generator and
// dut0's NAPI run on CPU 0, as in the afxdp scenarios); pattern 2's crypto thread on CPU 1 and
// its RX thread on CPU 0, beside the generator — on a two-core machine there is no third core.
#pragma once

#include <memory>
#include <string>

#include "core/ipsec/accel_live.h"
#include "core/bench/bench_lab.h"
#include "core/bench/bench_report.h"
#include "core/bench/bench_stages.h"

namespace xdpkit {

// What bench ipsec takes from the command line.
struct BenchIpsecOptions {
    std::string backend = "ipsec-mb";
    uint32_t pattern = 1;
    std::string after = "drop";
    std::string alg = "cbc-sha1";  // or gcm
    size_t payload = 1386;         // inner UDP payload bytes (the seed's figure)
};

// The SA both ends use: SPI 0x1000 to dut0's address, action xsk:0, fixed test keys (never
// for real traffic), and no anti-replay window — the generator's frame set repeats its
// sequence numbers, and with a window every repeat would be dropped before the engine.
Result<SecurityAssociation> bench_ipsec_sa(const std::string& alg);

class BenchAccelEngine {
public:
    static Result<std::unique_ptr<BenchAccelEngine>> start(const BenchIpsecOptions& what,
                                                           const BenchLab& lab,
                                                           const Family& ipsec,
                                                           const Family* post);
    // Stops the session inside the DUT namespace (its detach looks dut0 up by name).
    ~BenchAccelEngine();
    BenchAccelEngine(const BenchAccelEngine&) = delete;
    BenchAccelEngine& operator=(const BenchAccelEngine&) = delete;

    // The ipsec program's verdicts: every frame it saw.
    Result<FrameTally> verdicts() const;
    // Packets the engine decrypted (result ok): the arrived count.
    FrameTally decrypted() const;
    // The socket's kernel drop counters; to_socket: what the engine's thread received.
    BenchXskFrames frames() const;

private:
    BenchAccelEngine(std::string dut_ns, std::unique_ptr<AccelSession> s)
        : dut_ns_(std::move(dut_ns)), session_(std::move(s)) {}
    std::string dut_ns_;
    std::unique_ptr<AccelSession> session_;
};

}  // namespace xdpkit
