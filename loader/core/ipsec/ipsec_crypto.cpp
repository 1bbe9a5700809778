#include "core/ipsec/ipsec_crypto.h"

#include <bpf/bpf.h>

#include <cstddef>
#include <cstring>

#include <fmt/ranges.h>

#include <xdpkit/ipsec.h>

#include "ipsec_crypto.skel.h"
#include "core/base/libbpf_log.h"
#include "core/kernel/load_failure.h"
#include "core/kernel/probe.h"
#include "core/attach/rodata.h"

namespace xdpkit {

namespace {

// Every kfunc of the inline action, the syscall program's and the XDP program's.
Result<std::vector<std::string>> missing_crypto_kfuncs() {
    // Parsing vmlinux BTF takes tens of ms; the answer does not change while we run.
    static const Result<std::vector<std::string>> missing = missing_kfuncs(
        {"bpf_crypto_ctx_create", "bpf_crypto_ctx_release", "bpf_crypto_decrypt",
         "bpf_dynptr_from_xdp", "bpf_dynptr_adjust"});
    return missing;
}

}  // namespace

Result<void> set_inline_kfuncs(bpf_object* ipsec_obj) {
    auto missing = missing_crypto_kfuncs();
    if (!missing) return missing.error();
    return set_rodata_u32(ipsec_obj, "inline_kfuncs", missing->empty() ? 1 : 0);
}

Result<void> require_crypto_kfuncs() {
    auto missing = missing_crypto_kfuncs();
    if (!missing) return missing.error();
    if (missing->empty()) return {};
    return make_error(EOPNOTSUPP,
                      "--action inline needs the BPF crypto kfuncs, and this kernel lacks {} "
                      "(see 'xdpkit probe', crypto-kfuncs); use xsk:Q for the user-space engine",
                      fmt::join(*missing, ", "));
}

void CryptoContexts::Destroy::operator()(ipsec_crypto_bpf* s) const { ipsec_crypto_bpf::destroy(s); }

Result<CryptoContexts> CryptoContexts::over(int sa_crypto_fd, uint32_t bench_slot,
                                            uint32_t bench_offset) {
    Skel skel(ipsec_crypto_bpf::open());
    if (!skel)
        return make_error(errno, "cannot open the ipsec crypto program: {}", std::strerror(errno));
    skel->rodata->bench_slot = bench_slot;
    skel->rodata->bench_offset = bench_offset;
    if (bpf_map__reuse_fd(skel->maps.sa_crypto, sa_crypto_fd) != 0)
        return make_error(errno, "cannot share the SA crypto map: {}", std::strerror(errno));
    const size_t log_mark = libbpf_log_mark();
    if (ipsec_crypto_bpf::load(skel.get()) != 0) {
        const int e = errno;
        return Error{explain_load_failure("ipsec_crypto", e, log_mark), e};
    }
    return CryptoContexts(std::move(skel));
}

Result<void> CryptoContexts::create(uint32_t slot, std::span<const uint8_t> key) const {
    ipsec_crypto_setup in{};
    if (key.size() != 16)
        return make_error(EINVAL, "the inline action takes a 16-byte aes-cbc-128 key, not {} "
                                  "bytes", key.size());
    in.slot = slot;
    in.key_len = static_cast<uint32_t>(key.size());
    std::memcpy(in.key, key.data(), key.size());
    // A syscall program's ctx is copied back into ctx_in (ctx_out is refused): err comes
    // back there.
    LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in, .ctx_size_in = sizeof(in));
    const int rc = bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.ipsec_crypto_setup), &opts);
    const int e = errno;
    std::memset(in.key, 0, sizeof(in.key));  // this copy of the key is not needed any more
    if (rc != 0)
        return make_error(e, "cannot run the crypto context setup: {}", std::strerror(e));
    if (in.err != 0)
        return make_error(-in.err, "the kernel refused a cbc(aes) context for slot {}: {}", slot,
                          std::strerror(-in.err));
    return {};
}

int CryptoContexts::bench_fd() const { return bpf_program__fd(skel_->progs.ipsec_crypto_bench); }

Result<void> release_crypto_context(int sa_crypto_fd, uint32_t slot) {
    const uint8_t empty[IPSEC_SA_CRYPTO_VALUE_SIZE] = {};
    if (bpf_map_update_elem(sa_crypto_fd, &slot, empty, 0) != 0)
        return make_error(errno, "cannot release the crypto context of slot {}: {}", slot,
                          std::strerror(errno));
    return {};
}

}  // namespace xdpkit
