// SPDX-License-Identifier: GPL-2.0
/* forward: the XDP paper's router. An IPv4 or IPv6 frame is looked up in the kernel's FIB
 * (bpf_fib_lookup, from the device it came in on, so the ingress VRF's table is the one
 * asked), its TTL or hop limit decremented (IPv4: the header checksum updated incrementally,
 * RFC 1624), its MACs rewritten from the lookup's neighbour, and sent out through the
 * forward_ports devmap, which `xdpkit forward` fills with exactly the devices it attached to.
 *
 * Everything else goes to the stack (XDP_PASS), counted by why in pass_reasons: no neighbour
 * yet (the stack resolves it and the next frame is forwarded), no route, TTL <= 1 (the stack
 * sends time exceeded), for the host (multicast, broadcast, link-local), fragments, options,
 * frames that are not IP, VLAN-tagged frames (their VLAN device routes them), headers a router
 * must refuse (RFC 1812 §5.2.2), a route out of a device that is not a forward port, frames
 * larger than the egress MTU. Fail closed: a frame whose headers cannot be walked (cut short,
 * an IPv6 extension chain too long) is never forwarded — it goes to the stack, which checks
 * everything, counted unparsed. frags-aware. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "lib/chain.bpf.h"
#include "lib/parse.bpf.h"
#include "xdpkit/forward.h"

const volatile __u32 fib_mode = FORWARD_FIB_FULL;

/* Keyed by ifindex (a devmap-hash: any ifindex, no slot numbering to keep in sync): the only
 * devices a frame is forwarded to. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, FORWARD_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} forward_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FORWARD_PASS_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} pass_reasons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FORWARD_MAX_IFINDEX);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} egress_counters SEC(".maps");

/* A negative value: pass, for the reason -value - 1. */
#define PASS(reason) (-(int)(reason) - 1)

/* Where a routed frame's hop count is: the byte to decrement, and for IPv4 the header
 * checksum that covers it (IPv6 has none). */
struct hop_count {
	__u8 *ttl;
	__sum16 *check;
};

/* RFC 1624 eqn. 3 for a TTL decrement: the 16-bit word holding the TTL drops by 0x0100, so
 * the checksum rises by it, end-around carry folded (the kernel's ip_decrease_ttl). */
static __always_inline void decrease_hop_count(const struct hop_count *h)
{
	__u32 check;

	if (h->check) {
		check = (__u32)*h->check + (__u32)bpf_htons(0x0100);
		*h->check = (__sum16)(check + (check >= 0xFFFF));
	}
	(*h->ttl)--;
}

/* What the FIB said, as a verdict (PASS(...) or 0 for "send it"). */
static __always_inline int fib_result(long rc)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		return 0;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		return PASS(FORWARD_PASS_NO_NEIGH);
	/* NOT_FWDED is also the answer for no route at all (fib_lookup's -ENETUNREACH) and for
	 * a local route (the host's own unicast address): the FIB does not tell them apart. */
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		return PASS(FORWARD_PASS_NO_ROUTE);
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		return PASS(FORWARD_PASS_FWD_DISABLED);
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return PASS(FORWARD_PASS_MTU);
	default:
		return PASS(FORWARD_PASS_FIB_OTHER);
	}
}

static __always_inline __u32 fib_flags(void)
{
	return fib_mode == FORWARD_FIB_DIRECT ? BPF_FIB_LOOKUP_DIRECT : 0;
}

/* The checks RFC 1812 §5.2.2 asks of a router before it forwards an IPv4 packet, for a
 * 20-byte header: version 4, the header checksum right, the total length at least the header
 * and at most what the frame holds from the header on (len: the whole frame). */
static __always_inline int ipv4_header_ok(const struct hdr_cursor *c, struct iphdr *iph,
					  __u64 len)
{
	const __u16 *word = (const __u16 *)iph;
	__u64 off = (void *)iph - c->start;
	__u32 sum = 0;
	__u16 tot_len = bpf_ntohs(iph->tot_len);

#pragma unroll
	for (int i = 0; i < (int)sizeof(*iph) / 2; i++)
		sum += word[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return iph->version == 4 && sum == 0xffff && tot_len >= sizeof(*iph) &&
	       off + tot_len <= len;
}

/* Looks an IPv4 frame up; 0 with fib and h filled when the FIB gives a next hop. */
static __always_inline int route_ipv4(struct xdp_md *ctx, struct hdr_cursor *c, __u64 len,
				      struct bpf_fib_lookup *fib, struct hop_count *h)
{
	struct iphdr *iph;
	__u32 daddr;

	if (parse_iphdr(c, &iph) < 0)
		return PASS(FORWARD_PASS_UNPARSED);
	if (iph->ihl != 5)
		return PASS(FORWARD_PASS_OPTIONS);
	if (!ipv4_header_ok(c, iph, len))
		return PASS(FORWARD_PASS_BAD_HEADER);
	if (bpf_ntohs(iph->frag_off) & (IP_MF | IP_OFFSET))
		return PASS(FORWARD_PASS_FRAGMENT);
	daddr = bpf_ntohl(iph->daddr);
	/* 224.0.0.0/4 multicast, 255.255.255.255: the stack's (a subnet broadcast is a local
	 * route, which the FIB answers "not forwarded" for). */
	if ((daddr & 0xf0000000) == 0xe0000000 || daddr == 0xffffffff)
		return PASS(FORWARD_PASS_LOCAL);
	if (iph->ttl <= 1)
		return PASS(FORWARD_PASS_TTL);

	fib->family = AF_INET;
	fib->tos = iph->tos;
	fib->l4_protocol = iph->protocol;
	fib->tot_len = bpf_ntohs(iph->tot_len);
	fib->ipv4_src = iph->saddr;
	fib->ipv4_dst = iph->daddr;
	fib->ifindex = ctx->ingress_ifindex;
	h->ttl = &iph->ttl;
	h->check = &iph->check;
	return fib_result(bpf_fib_lookup(ctx, fib, sizeof(*fib), fib_flags()));
}

static __always_inline int route_ipv6(struct xdp_md *ctx, struct hdr_cursor *c, __u64 len,
				      struct bpf_fib_lookup *fib, struct hop_count *h)
{
	struct ipv6hdr *ip6h = NULL;
	struct ipv6_walk w;
	__u8 dst0, dst1;

	if (parse_ip6hdr_walk(ctx, c, &ip6h, &w) < 0 || !ip6h)
		return PASS(FORWARD_PASS_UNPARSED);
	/* A hop-by-hop header first: a payload length of 0 is a jumbogram's (RFC 2675). */
	if (ip6h->nexthdr == IPPROTO_HOPOPTS)
		return PASS(FORWARD_PASS_OPTIONS);
	if (ip6h->version != 6 ||
	    (void *)ip6h - c->start + sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len) > len)
		return PASS(FORWARD_PASS_BAD_HEADER);
	if (w.fragment)
		return PASS(FORWARD_PASS_FRAGMENT);
	/* ff00::/8 multicast, fe80::/10 link-local: never forwarded (RFC 4291 §2.5.6). */
	dst0 = ip6h->daddr.in6_u.u6_addr8[0];
	dst1 = ip6h->daddr.in6_u.u6_addr8[1];
	if (dst0 == 0xff || (dst0 == 0xfe && (dst1 & 0xc0) == 0x80))
		return PASS(FORWARD_PASS_LOCAL);
	if (ip6h->hop_limit <= 1)
		return PASS(FORWARD_PASS_TTL);

	fib->family = AF_INET6;
	/* The flow label and traffic class: the first word less the version. */
	fib->flowinfo = *(__be32 *)ip6h & bpf_htonl(0x0FFFFFFF);
	fib->l4_protocol = w.nexthdr;
	fib->tot_len = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
	__builtin_memcpy(fib->ipv6_src, &ip6h->saddr, sizeof(fib->ipv6_src));
	__builtin_memcpy(fib->ipv6_dst, &ip6h->daddr, sizeof(fib->ipv6_dst));
	fib->ifindex = ctx->ingress_ifindex;
	h->ttl = &ip6h->hop_limit;
	h->check = NULL;
	return fib_result(bpf_fib_lookup(ctx, fib, sizeof(*fib), fib_flags()));
}

SEC("xdp.frags")
int xdpkit_forward(struct xdp_md *ctx)
{
	__u64 len = frame_len(ctx);
	struct bpf_fib_lookup fib = {};
	struct hdr_cursor c = cursor_of(ctx);
	struct hop_count h = {};
	struct ethhdr *eth = NULL;
	__u32 egress, reason;
	int eth_type, routed;

	eth_type = parse_ethhdr(&c, &eth);
	if (eth_type < 0 || !eth)
		routed = PASS(FORWARD_PASS_UNPARSED);
	else if (is_vlan_proto(eth->h_proto))
		routed = PASS(FORWARD_PASS_VLAN);
	else if (eth_type != bpf_htons(ETH_P_IP) && eth_type != bpf_htons(ETH_P_IPV6))
		routed = PASS(FORWARD_PASS_NON_IP);
	else if (eth->h_dest[0] & 1)	/* group address: broadcast or multicast */
		routed = PASS(FORWARD_PASS_LOCAL);
	else if (eth_type == bpf_htons(ETH_P_IP))
		routed = route_ipv4(ctx, &c, len, &fib, &h);
	else
		routed = route_ipv6(ctx, &c, len, &fib, &h);

	if (routed == 0) {
		egress = fib.ifindex;
		/* The route leaves through a device the user did not give: the stack's, frame
		 * untouched. */
		if (!bpf_map_lookup_elem(&forward_ports, &egress) || !h.ttl) {
			routed = PASS(FORWARD_PASS_NOT_FORWARDED_PORT);
		} else {
			decrease_hop_count(&h);
			__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
			__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
			datarec_add(&egress_counters, egress, len);
			return xdpkit_exit_len(ctx, bpf_redirect_map(&forward_ports, egress, 0), len);
		}
	}
	reason = (__u32)(-routed - 1);
	datarec_add(&pass_reasons, reason, len);
	return xdpkit_exit_len(ctx, XDP_PASS, len);
}

char LICENSE[] SEC("license") = "GPL";
