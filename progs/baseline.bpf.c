// SPDX-License-Identifier: GPL-2.0
/* baseline: the bare `return XDP_DROP` of every XDP benchmark. No parsing, no counters,
 * no chain: what it costs is what running any XDP program costs, so docs/performance.md
 * reports every other program next to it. It ends a chain (nothing after it runs). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpkit/baseline.h"

const volatile __u32 verdict = BASELINE_DROP;

SEC("xdp.frags")
int xdpkit_baseline(struct xdp_md *ctx)
{
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
