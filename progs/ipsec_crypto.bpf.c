// SPDX-License-Identifier: GPL-2.0
/* ipsec_crypto: the control half of the inline action. bpf_crypto_ctx_create is a sleepable
 * kfunc only SEC("syscall") programs may call, so the context of an SA cannot be made by the
 * XDP program that uses it: user space runs ipsec_crypto_setup once per inline SA (BPF_PROG_RUN
 * with the key in ctx_in) and the context lands, as a kptr, in the sa_crypto slot the ipsec
 * program reads. Also the raw-cost probe: ipsec_crypto_bench decrypts and does nothing else. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/ipsec_crypto.bpf.h"

#define EINVAL 22
#define ENOENT 2

SEC("syscall")
int ipsec_crypto_setup(struct ipsec_crypto_setup *in)
{
	/* The SA model allows aes-cbc-128 only; the kernel's "skcipher" type is lskcipher. */
	struct bpf_crypto_params params = {
		.type = "skcipher",
		.algo = "cbc(aes)",
		.key_len = 16,
	};
	struct bpf_crypto_ctx *cctx, *old;
	struct ipsec_crypto_slot *cs;
	__u32 slot = in->slot;
	int err = 0;

	if (in->key_len != 16) {
		in->err = -EINVAL;
		return 0;
	}
	cs = bpf_map_lookup_elem(&sa_crypto, &slot);
	if (!cs) {
		in->err = -ENOENT;
		return 0;
	}
	__builtin_memcpy(params.key, in->key, 16);
	cctx = bpf_crypto_ctx_create(&params, sizeof(params), &err);
	/* The key is on this program's stack only; clear the copy before returning. */
	__builtin_memset(params.key, 0, 16);
	if (!cctx) {
		in->err = err ? err : -EINVAL;
		return 0;
	}
	old = bpf_kptr_xchg(&cs->ctx, cctx);
	if (old)
		bpf_crypto_ctx_release(old);
	in->err = 0;
	return 0;
}

/* The raw kfunc cost next to the ipsec program's (docs/performance.md): the same cbc(aes)
 * decryption of the same bytes, without parsing, SA lookup, replay or stripping. */
const volatile __u32 bench_slot = 0;
const volatile __u32 bench_offset = 0;	/* where the cipher text starts */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[IPSEC_AES_BLOCK]);
} bench_iv SEC(".maps");

SEC("xdp")
int ipsec_crypto_bench(struct xdp_md *ctx)
{
	__u32 slot = bench_slot, zero = 0, len = bpf_xdp_get_buff_len(ctx), n;
	struct ipsec_crypto_slot *cs = bpf_map_lookup_elem(&sa_crypto, &slot);
	__u8 *iv = bpf_map_lookup_elem(&bench_iv, &zero);
	struct bpf_crypto_ctx *cctx;
	struct bpf_dynptr pkt, siv;

	if (!cs || !iv || len <= bench_offset + IPSEC_AES_BLOCK)
		return XDP_ABORTED;
	cctx = cs->ctx;
	if (!cctx)
		return XDP_ABORTED;
	n = (len - bench_offset) & ~(IPSEC_AES_BLOCK - 1);
	bpf_dynptr_from_mem(iv, IPSEC_AES_BLOCK, 0, &siv);
	if (bpf_dynptr_from_xdp(ctx, 0, &pkt) || bpf_dynptr_adjust(&pkt, bench_offset, bench_offset + n))
		return XDP_ABORTED;
	return bpf_crypto_decrypt(cctx, &pkt, &pkt, &siv) ? XDP_ABORTED : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
