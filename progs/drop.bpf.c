// SPDX-License-Identifier: GPL-2.0
/* drop: the XDP paper's xdp1. Counts packets and bytes per IP protocol, then drops or
 * passes every frame. frags-aware so it attaches to a veth with a 9000-byte MTU. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/chain.bpf.h"
#include "lib/parse.bpf.h"
#include "xdpkit/drop.h"

const volatile __u32 action = DROP_ACTION_DROP;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_PROTO_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} proto_counters SEC(".maps");

/* The upper-layer protocol, or DROP_PROTO_NON_IP for frames that are not IP or are cut
 * short inside their headers (counted, never dereferenced past the end). */
static __always_inline __u32 classify(struct xdp_md *ctx)
{
	struct hdr_cursor c = cursor_of(ctx);
	int eth_type, proto = -1;

	eth_type = parse_ethhdr(&c, NULL);
	if (eth_type == bpf_htons(ETH_P_IP))
		proto = parse_iphdr(&c, NULL);
	else if (eth_type == bpf_htons(ETH_P_IPV6))
		proto = parse_ip6hdr(&c, NULL);
	return proto < 0 ? DROP_PROTO_NON_IP : (__u32)proto;
}

SEC("xdp.frags")
int xdpkit_drop(struct xdp_md *ctx)
{
	/* Read once: for a multi-buffer frame it is a helper call, not a subtraction. */
	__u64 len = frame_len(ctx);

	datarec_add(&proto_counters, classify(ctx), len);
	return xdpkit_exit_len(ctx, action == DROP_ACTION_PASS ? XDP_PASS : XDP_DROP, len);
}

char LICENSE[] SEC("license") = "GPL";
