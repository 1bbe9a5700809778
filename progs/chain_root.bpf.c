// SPDX-License-Identifier: GPL-2.0
/* The program actually attached to an interface: enters the chain at its first stage.
 * With every slot empty the frame goes to the stack, as if nothing were attached. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/chain.bpf.h"

SEC("xdp.frags")
int xdpkit_root(struct xdp_md *ctx)
{
	xdpkit_chain_from(ctx, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
