// SPDX-License-Identifier: GPL-2.0
/* drop: the XDP paper's xdp1 and xdp2. Counts packets and bytes per IP protocol, then, for
 * the protocols it acts on (protos=LIST, all by default), drops, passes, or — tx-udp —
 * swaps the MAC addresses of UDP frames and sends them back out with XDP_TX. Frames of
 * other protocols pass; frames it cannot parse to their protocol get the action too, unless
 * unparsed=pass (a filter must not be bypassed by headers it cannot walk). frags-aware, so
 * it attaches to a veth with a 9000-byte MTU and walks headers into a frame's fragments. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/chain.bpf.h"
#include "lib/parse.bpf.h"
#include "xdpkit/drop.h"

const volatile __u32 action = DROP_ACTION_DROP;
/* Bit N: act on protocol N (bit DROP_PROTO_NON_IP: on frames that are not IP). */
const volatile __u8 act_on[XDPKIT_PROTO_SET_BYTES] = {
	[0 ... XDPKIT_PROTO_SET_BYTES - 1] = 0xff,
};
const volatile __u32 unparsed = XDPKIT_UNPARSED_ACT;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_PROTO_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} proto_counters SEC(".maps");

/* The upper-layer protocol; DROP_PROTO_NON_IP for a frame whose EtherType is not IPv4/IPv6;
 * DROP_PROTO_UNPARSED for one whose headers could not be walked that far (cut short inside
 * them, or an IPv6 chain parse_ip6hdr_walk gives up on). */
static __always_inline __u32 classify(struct xdp_md *ctx, struct ethhdr **eth)
{
	struct hdr_cursor c = cursor_of(ctx);
	struct ipv6_walk w;
	int eth_type, proto;

	eth_type = parse_ethhdr(&c, eth);
	if (eth_type == bpf_htons(ETH_P_IP))
		proto = parse_iphdr(&c, NULL);
	else if (eth_type == bpf_htons(ETH_P_IPV6))
		proto = parse_ip6hdr_walk(ctx, &c, NULL, &w);
	else
		return eth_type < 0 ? DROP_PROTO_UNPARSED : DROP_PROTO_NON_IP;
	return proto < 0 ? DROP_PROTO_UNPARSED : (__u32)proto & 0xff;
}

static __always_inline int acts_on(__u32 slot)
{
	if (slot == DROP_PROTO_UNPARSED)
		return unparsed == XDPKIT_UNPARSED_ACT;
	if (slot >= DROP_PROTO_SLOTS)
		return 0;
	return (act_on[slot / 8] >> (slot % 8)) & 1;
}

/* xdp2's swap: the frame goes back out of the port it came in on, addressed to its
 * sender. Byte-wise so nothing assumes the MACs are aligned (after a VLAN tag, say). */
static __always_inline void swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

SEC("xdp.frags")
int xdpkit_drop(struct xdp_md *ctx)
{
	/* Read once: for a multi-buffer frame it is a helper call, not a subtraction. */
	__u64 len = frame_len(ctx);
	struct ethhdr *eth = NULL;
	__u32 slot = classify(ctx, &eth);
	int verdict;

	datarec_add(&proto_counters, slot, len);
	if (!acts_on(slot))
		verdict = XDP_PASS;
	else if (action == DROP_ACTION_PASS)
		verdict = XDP_PASS;
	else if (action == DROP_ACTION_TX_UDP && slot == IPPROTO_UDP && eth) {
		swap_macs(eth);
		verdict = XDP_TX;
	} else
		verdict = XDP_DROP;
	return xdpkit_exit_len(ctx, verdict, len);
}

char LICENSE[] SEC("license") = "GPL";
