/* How every xdpkit program ends (include/xdpkit/chain.h explains the chain).
 *
 * A tail call never returns to its caller, so "run the next program" cannot live in the
 * root: each stage continues the chain itself, through xdpkit_exit(). That makes every
 * family chain-aware by construction, and a stage run on its own (BPF_PROG_RUN, or the
 * last slot) simply finds no next slot and returns its verdict. */
#ifndef XDPKIT_CHAIN_BPF_H
#define XDPKIT_CHAIN_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpkit/chain.h"
#include "counters.bpf.h"

/* Shared by the root and every stage: the loader points each object's map at the one the
 * root owns (bpf_map__reuse_fd), so the declaration must match in every object. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, XDPKIT_CHAIN_MAX_STAGES);
	__type(key, __u32);
	__type(value, __u32);
} xdpkit_chain SEC(".maps");

/* This program's slot in the chain; the loader sets it before load. */
const volatile __u32 xdpkit_chain_slot = 0;
/* Verdicts that continue to the next stage, as a bit mask of enum xdp_action; like libxdp's
 * chain_call_actions, only XDP_PASS by default. */
const volatile __u32 xdpkit_chain_actions = 1U << XDP_PASS;

/* Tail-calls the first occupied slot at or after `first`. A tail call into an empty slot
 * fails and falls through to the next iteration; returns only when no slot is occupied.
 * A plain bounded loop: clang cannot unroll around a tail call, and the verifier walks it. */
static __always_inline void xdpkit_chain_from(struct xdp_md *ctx, __u32 first)
{
	for (__u32 i = 0; i < XDPKIT_CHAIN_MAX_STAGES; i++) {
		if (i >= first)
			bpf_tail_call(ctx, &xdpkit_chain, i);
	}
}

/* Counts the verdict (len: the frame length the caller already has), then hands the frame
 * to the next stage if the verdict chains. */
static __always_inline int xdpkit_exit_len(struct xdp_md *ctx, int verdict, __u64 len)
{
	if (verdict < 0 || verdict >= XDPKIT_ACTION_SLOTS)
		verdict = XDP_ABORTED;
	datarec_add(&action_counters, verdict, len);
	if (xdpkit_chain_actions & (1U << verdict))
		xdpkit_chain_from(ctx, xdpkit_chain_slot + 1);
	return verdict;
}

static __always_inline int xdpkit_exit(struct xdp_md *ctx, int verdict)
{
	return xdpkit_exit_len(ctx, verdict, frame_len(ctx));
}

#endif
