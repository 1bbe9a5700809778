/* A hash of the 5-tuple (addresses, protocol, ports) that keeps every frame of one flow on
 * the same CPU or queue. Frames that are not IP, or are cut short, hash to 0. */
#ifndef XDPKIT_FLOW_HASH_BPF_H
#define XDPKIT_FLOW_HASH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "parse.bpf.h"

/* murmur3's 32-bit finaliser: every input bit reaches every output bit, so flows that
 * differ only in a port still spread over all buckets of a modulo. */
static __always_inline __u32 flow_mix(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* The first 4 bytes of TCP/UDP/SCTP/UDP-Lite are the ports; other protocols have none. */
static __always_inline __u32 l4_ports(struct hdr_cursor *c, int proto)
{
	__u32 *ports = c->pos;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != 132 && proto != 136)
		return 0;
	if ((void *)(ports + 1) > c->end)
		return 0;
	return *ports;
}

static __always_inline __u32 flow_hash(struct xdp_md *ctx)
{
	struct hdr_cursor c = cursor_of(ctx);
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	int eth_type, proto;
	__u32 h;

	eth_type = parse_ethhdr(&c, NULL);
	if (eth_type == bpf_htons(ETH_P_IP)) {
		proto = parse_iphdr(&c, &iph);
		if (proto < 0)
			return 0;
		h = iph->saddr ^ flow_mix(iph->daddr);
	} else if (eth_type == bpf_htons(ETH_P_IPV6)) {
		proto = parse_ip6hdr(&c, &ip6h);
		if (proto < 0)
			return 0;
		h = 0;
#pragma unroll
		for (int i = 0; i < 4; i++)
			h = flow_mix(h ^ ip6h->saddr.in6_u.u6_addr32[i] ^
				     (ip6h->daddr.in6_u.u6_addr32[i] << 1));
	} else {
		return 0;
	}
	return flow_mix(h ^ flow_mix(l4_ports(&c, proto) ^ (__u32)proto));
}

#endif
