#include "core/bench/bench_accel.h"

#include "core/kernel/netns.h"

namespace xdpkit {

Result<SecurityAssociation> bench_ipsec_sa(const std::string& alg) {
    SaFields f;
    f.spi = "0x1000";
    f.dst = BenchLab::kDutIp4;
    f.action = "xsk:0";
    f.key = "000102030405060708090a0b0c0d0e0f";
    f.replay_window = "0";
    if (alg == "cbc-sha1") {
        f.cipher = "aes-cbc-128";
        f.auth = "hmac-sha1-96";
        f.auth_key = "101112131415161718191a1b1c1d1e1f20212223";
    } else if (alg == "gcm") {
        f.cipher = "aes-gcm-128";
        f.salt = "cafef00d";
    } else {
        return make_error(EINVAL, "--alg '{}': expected cbc-sha1 or gcm", alg);
    }
    return make_sa(f);
}

Result<std::unique_ptr<BenchAccelEngine>> BenchAccelEngine::start(const BenchIpsecOptions& what,
                                                                  const BenchLab& lab,
                                                                  const Family& ipsec,
                                                                  const Family* post) {
    auto sa = bench_ipsec_sa(what.alg);
    if (!sa) return sa.error();
    auto inside = NetnsGuard::enter(lab.dut_ns());
    if (!inside) return inside.error();
    AccelRequest req;
    req.ifname = BenchLab::kDutIf;
    req.backend = what.backend;
    req.pattern = what.pattern;
    req.after = {what.after};
    req.copy = true;  // veth has no zero-copy; auto would only add a note
    req.xdp_mode = "native";
    if (what.pattern == 1) {
        req.rx_cpu = 1;
    } else {
        req.rx_cpu = 0;
        req.crypto_cpu = 1;
    }
    auto plan = plan_accel(req);
    if (!plan) return plan.error();
    XDPKIT_TRY(check_engine_sa(*sa, what.backend));
    plan->file_sas = {*sa};
    plan->sa_file = "bench";
    auto session = AccelSession::start(ipsec, post, *plan);
    if (!session) return session.error();
    return std::unique_ptr<BenchAccelEngine>(
        new BenchAccelEngine(lab.dut_ns(), std::move(*session)));
}

BenchAccelEngine::~BenchAccelEngine() {
    auto inside = NetnsGuard::enter(dut_ns_);
    // Without the namespace the detach would look for dut0 where it is not ours: leave the
    // program to the lab, whose namespace deletion detaches it.
    if (!inside) {
        (void)session_.release();
        return;
    }
    (void)session_->stop();
}

Result<FrameTally> BenchAccelEngine::verdicts() const {
    return verdicts_of(session_->setup().attached);
}

FrameTally BenchAccelEngine::decrypted() const {
    return FrameTally::counted_by([s = session_.get()] {
        return s->sample().loop.results[static_cast<size_t>(EspResult::ok)];
    });
}

BenchXskFrames BenchAccelEngine::frames() const {
    const AccelSample now = session_->sample();
    BenchXskFrames f;
    f.to_socket = now.loop.rx_packets + now.xdp.rx_dropped + now.xdp.rx_ring_full;
    f.rx_dropped = now.xdp.rx_dropped;
    f.rx_fill_ring_empty_descs = now.xdp.rx_fill_ring_empty_descs;
    f.rx_ring_full = now.xdp.rx_ring_full;
    return f;
}

}  // namespace xdpkit
