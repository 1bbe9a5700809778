// The inline action's crypto contexts: one cbc(aes) bpf_crypto_ctx per inline SA, kept as a
// kptr in the SA database's sa_crypto map. Only a SEC("syscall") program may create one
// (bpf_crypto_ctx_create is sleepable), so this loads progs/ipsec_crypto.bpf.c over the
// database's map and runs it with the key in ctx_in: the key never sits in a map.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/base/result.h"

struct ipsec_crypto_bpf;
struct bpf_object;

namespace xdpkit {

// One line when this kernel cannot do the inline action (no crypto kfuncs in vmlinux BTF).
Result<void> require_crypto_kfuncs();

// ipsec's Family::before_load: the program declares the inline action's kfuncs weak and
// leaves that code dead unless told they exist (rodata inline_kfuncs), so it loads — every
// other action working — on a kernel without them.
Result<void> set_inline_kfuncs(bpf_object* ipsec_obj);

class CryptoContexts {
public:
    // The object loaded with its sa_crypto pointed at sa_crypto_fd. bench_slot/bench_offset
    // set the raw-cost program (ipsec_crypto_bench): whose context, where cipher text starts.
    static Result<CryptoContexts> over(int sa_crypto_fd, uint32_t bench_slot = 0,
                                       uint32_t bench_offset = 0);

    // Creates the slot's context from a 16-byte aes-cbc-128 key, replacing (and releasing)
    // any context the slot had.
    Result<void> create(uint32_t slot, std::span<const uint8_t> key) const;
    // ipsec_crypto_bench: decrypts in place from bench_offset, nothing else.
    int bench_fd() const;

    // The skeleton type is bpftool's, seen by ipsec_crypto.cpp only.
    struct Destroy {
        void operator()(ipsec_crypto_bpf* s) const;
    };
    using Skel = std::unique_ptr<ipsec_crypto_bpf, Destroy>;

private:
    explicit CryptoContexts(Skel s) : skel_(std::move(s)) {}
    Skel skel_;
};

// Releases the slot's context, if any: overwriting an array element frees the kptrs in it.
Result<void> release_crypto_context(int sa_crypto_fd, uint32_t slot);

}  // namespace xdpkit
