// SPDX-License-Identifier: GPL-2.0
/* pass: counts every frame and passes it on (to the next stage, or the stack). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/chain.bpf.h"
#include "xdpkit/pass.h"

SEC("xdp.frags")
int xdpkit_pass(struct xdp_md *ctx)
{
	return xdpkit_exit(ctx, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
