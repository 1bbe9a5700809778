// SPDX-License-Identifier: GPL-2.0
/* probe: the smallest XDP program that exercises what `xdpkit probe` asks the kernel about.
 * xdpkit_probe is attached (skb mode, bpf_link) and run with live frames in a throwaway
 * namespace; probe_target is the global function a freplace program tries to replace, the
 * mechanism libxdp's multiprog dispatcher is built on. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Global and not inlined: the verifier checks it on its own, it keeps its BTF FUNC record,
 * and only such a function can be an freplace target. */
__noinline int probe_target(struct xdp_md *ctx)
{
	/* Touch ctx so the argument is not optimised away: the freplace program's signature
	 * is checked against this one. */
	return ctx ? XDP_PASS : XDP_ABORTED;
}

SEC("xdp")
int xdpkit_probe(struct xdp_md *ctx)
{
	return probe_target(ctx);
}

char LICENSE[] SEC("license") = "GPL";
