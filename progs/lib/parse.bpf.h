/* Packet parsing with every bounds check written once. Each parser advances the cursor
 * past the header it returns and returns a negative value when the frame is too short, so
 * callers never touch packet memory themselves. */
#ifndef XDPKIT_PARSE_BPF_H
#define XDPKIT_PARSE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "consts.bpf.h"

#define PARSE_MAX_VLANS 2	/* 802.1ad outer + 802.1Q inner (QinQ) */
#define PARSE_MAX_IPV6_EXT 6	/* bounded: the verifier needs a fixed trip count */

struct hdr_cursor {
	void *pos;
	void *end;
};

static __always_inline struct hdr_cursor cursor_of(struct xdp_md *ctx)
{
	struct hdr_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	return c;
}

static __always_inline int is_vlan_proto(__u16 h_proto)
{
	return h_proto == bpf_htons(ETH_P_8021Q) || h_proto == bpf_htons(ETH_P_8021AD);
}

/* Ethernet plus up to two VLAN tags. Returns the inner EtherType (network order) or -1. */
static __always_inline int parse_ethhdr(struct hdr_cursor *c, struct ethhdr **eth_out)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr *vlh;
	__u16 proto;

	if ((void *)(eth + 1) > c->end)
		return -1;
	c->pos = eth + 1;
	proto = eth->h_proto;
	if (eth_out)
		*eth_out = eth;

#pragma unroll
	for (int i = 0; i < PARSE_MAX_VLANS; i++) {
		if (!is_vlan_proto(proto))
			break;
		vlh = c->pos;
		if ((void *)(vlh + 1) > c->end)
			return -1;
		proto = vlh->h_vlan_encapsulated_proto;
		c->pos = vlh + 1;
	}
	return proto;
}

/* IPv4 header including options. Returns the protocol or -1. */
static __always_inline int parse_iphdr(struct hdr_cursor *c, struct iphdr **ip_out)
{
	struct iphdr *iph = c->pos;
	int hdrsize;

	if ((void *)(iph + 1) > c->end)
		return -1;
	hdrsize = iph->ihl * 4;
	if (hdrsize < (int)sizeof(*iph))
		return -1;
	if (c->pos + hdrsize > c->end)
		return -1;
	c->pos += hdrsize;
	if (ip_out)
		*ip_out = iph;
	return iph->protocol;
}

static __always_inline int is_ipv6_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT;
}

/* IPv6 header, then hop-by-hop, routing, destination-options and fragment headers skipped
 * (RFC 8200 §4) up to PARSE_MAX_IPV6_EXT of them. Returns the upper-layer protocol, or -1
 * when the frame ends inside the chain or the chain is longer than the bound. When
 * fragment is given, it is set to 1 if the chain holds a fragment header (the protocol
 * is then that of the fragment's payload, which only the first fragment begins with). */
static __always_inline int parse_ip6hdr_frag(struct hdr_cursor *c, struct ipv6hdr **ip6_out,
					     int *fragment)
{
	struct ipv6hdr *ip6h = c->pos;
	struct ipv6_opt_hdr *opt;
	__u8 nexthdr;
	int len;

	if ((void *)(ip6h + 1) > c->end)
		return -1;
	c->pos = ip6h + 1;
	nexthdr = ip6h->nexthdr;
	if (ip6_out)
		*ip6_out = ip6h;
	if (fragment)
		*fragment = 0;

#pragma unroll
	for (int i = 0; i < PARSE_MAX_IPV6_EXT; i++) {
		if (!is_ipv6_ext(nexthdr))
			return nexthdr;
		if (nexthdr == IPPROTO_FRAGMENT && fragment)
			*fragment = 1;
		opt = c->pos;
		if ((void *)(opt + 1) > c->end)
			return -1;
		/* The fragment header is a fixed 8 bytes (its second byte is reserved); the
		 * others say their length in 8-octet units, not counting the first 8. */
		len = nexthdr == IPPROTO_FRAGMENT ? 8 : (opt->hdrlen + 1) * 8;
		nexthdr = opt->nexthdr;
		if (c->pos + len > c->end)
			return -1;
		c->pos += len;
	}
	return is_ipv6_ext(nexthdr) ? -1 : nexthdr;
}

static __always_inline int parse_ip6hdr(struct hdr_cursor *c, struct ipv6hdr **ip6_out)
{
	return parse_ip6hdr_frag(c, ip6_out, NULL);
}

/* UDP header. Returns 0, or -1 when the frame ends inside it. */
static __always_inline int parse_udphdr(struct hdr_cursor *c, struct udphdr **udp_out)
{
	struct udphdr *udp = c->pos;

	if ((void *)(udp + 1) > c->end)
		return -1;
	c->pos = udp + 1;
	*udp_out = udp;
	return 0;
}

/* The fixed ICMPv6 header (type, code, checksum, 4 bytes of body). Returns the type, or -1
 * when the frame ends inside it. */
static __always_inline int parse_icmp6hdr(struct hdr_cursor *c, struct icmp6hdr **icmp6_out)
{
	struct icmp6hdr *icmp6 = c->pos;

	if ((void *)(icmp6 + 1) > c->end)
		return -1;
	c->pos = icmp6 + 1;
	if (icmp6_out)
		*icmp6_out = icmp6;
	return icmp6->icmp6_type;
}

#endif
