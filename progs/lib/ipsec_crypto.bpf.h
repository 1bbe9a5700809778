/* The inline action's crypto: the kfuncs (vmlinux.h from bpftool 7.1 has no kfunc prototypes)
 * and the per-SA context map. Included by the ipsec program, which decrypts with the
 * contexts, and by ipsec_crypto.bpf.c, whose SEC("syscall") program creates them; the loader
 * points both objects at one map, so the declaration lives here once. */
#ifndef XDPKIT_IPSEC_CRYPTO_BPF_H
#define XDPKIT_IPSEC_CRYPTO_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpkit/ipsec.h"

/* A referenced kptr: the map holds a reference, freed when the element is overwritten or
 * the map goes (BTF tag "kptr"; clang >= 15 keeps it, DESIGN.md). */
#define xdpkit_kptr __attribute__((btf_type_tag("kptr")))

/* Weak: a kernel without them still loads the ipsec program. libbpf leaves an unresolved weak
 * kfunc's call with id 0, which the verifier accepts only in dead code; the ipsec program
 * keeps the calls behind its rodata inline_kfuncs, which the loader sets only when vmlinux BTF
 * has all of them. */
extern struct bpf_crypto_ctx *bpf_crypto_ctx_create(const struct bpf_crypto_params *params,
						    __u32 params__sz, int *err) __ksym __weak;
extern void bpf_crypto_ctx_release(struct bpf_crypto_ctx *ctx) __ksym __weak;
extern int bpf_crypto_decrypt(struct bpf_crypto_ctx *ctx, const struct bpf_dynptr *src,
			      const struct bpf_dynptr *dst, const struct bpf_dynptr *siv) __ksym __weak;
extern int bpf_dynptr_from_xdp(struct xdp_md *xdp, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym __weak;
extern int bpf_dynptr_adjust(const struct bpf_dynptr *ptr, __u32 start, __u32 end) __ksym __weak;

struct ipsec_crypto_slot {
	struct bpf_crypto_ctx xdpkit_kptr *ctx;
};

_Static_assert(sizeof(struct ipsec_crypto_slot) == IPSEC_SA_CRYPTO_VALUE_SIZE,
	       "user space writes values of IPSEC_SA_CRYPTO_VALUE_SIZE to release a context");

/* Indexed by SA slot, like sa_replay and sa_stats; part of the shared SA database. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IPSEC_MAX_SAS);
	__type(key, __u32);
	__type(value, struct ipsec_crypto_slot);
} sa_crypto SEC(".maps");

/* AES block and CBC IV size (RFC 3602). */
#define IPSEC_AES_BLOCK 16

#endif
