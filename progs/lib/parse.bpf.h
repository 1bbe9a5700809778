/* Packet parsing with every bounds check written once. Each parser advances the cursor
 * past the header it returns and returns a negative value when the frame is too short, so
 * callers never touch packet memory themselves. */
#ifndef XDPKIT_PARSE_BPF_H
#define XDPKIT_PARSE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "consts.bpf.h"
#include "xdpkit/common.h"

#define PARSE_MAX_VLANS 2	/* 802.1ad outer + 802.1Q inner (QinQ) */
/* Hop-by-hop, routing and destination-options headers read in place from the first buffer,
 * unrolled: a shift and a mask or two per header. A longer chain, another kind of header, or a
 * chain that runs on past the first buffer (a multi-buffer frame) is walked on by
 * parse_ipv6_walk_deep. */
#define PARSE_IPV6_EXT_DIRECT 6
/* Extension headers walked at most, in all (include/xdpkit/common.h). The bound is not the
 * verifier's (bpf_loop checks its step once, whatever the count): it caps what a crafted frame
 * can make the walk cost, one bpf_xdp_load_bytes per header past the direct part. A chain
 * longer than this is unparsed. */
#define PARSE_IPV6_EXT_MAX XDPKIT_IPV6_EXT_MAX
/* Offsets up to this are read in place when the first buffer holds them; the verifier takes
 * a packet pointer plus a variable offset only below 64 KiB, and must see the bound. */
#define PARSE_DIRECT_OFF_MAX 0x3fff

struct hdr_cursor {
	void *start;	/* ctx->data: offsets are from here */
	void *pos;
	void *end;	/* ctx->data_end: the end of the first buffer, not of the frame */
};

static __always_inline struct hdr_cursor cursor_of(struct xdp_md *ctx)
{
	struct hdr_cursor c = {
		.start = (void *)(long)ctx->data,
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	return c;
}

/* len bytes at offset off of the frame: in place when the first buffer holds them (no copy),
 * else copied into buf with bpf_xdp_load_bytes, which reads across the fragments of a
 * multi-buffer frame. NULL when the frame is shorter. len must be a constant. */
static __always_inline void *parse_peek(struct xdp_md *ctx, const struct hdr_cursor *c, __u32 off,
					void *buf, __u32 len)
{
	void *p;

	if (off <= PARSE_DIRECT_OFF_MAX) {
		p = c->start + off;
		if (p + len <= c->end)
			return p;
	}
	if (bpf_xdp_load_bytes(ctx, off, buf, len))
		return NULL;
	return buf;
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

/* The extension headers the walk skips (RFC 8200 §4, and IANA's list, RFC 7045 §2.2): the four
 * of RFC 8200, AH (RFC 4302), and Mobility, HIP and Shim6, which share the generic format of
 * RFC 6564. A bit mask for the ones below 64, so UDP or TCP costs one shift. */
#define IPV6_EXT_BELOW_64                                                                    \
	((1ULL << IPPROTO_HOPOPTS) | (1ULL << IPPROTO_ROUTING) | (1ULL << IPPROTO_FRAGMENT) |    \
	 (1ULL << IPPROTO_AH) | (1ULL << IPPROTO_DSTOPTS))

static __always_inline int is_ipv6_ext(__u8 nexthdr)
{
	if (nexthdr < 64)
		return (IPV6_EXT_BELOW_64 >> nexthdr) & 1;
	return nexthdr == IPPROTO_MH || nexthdr == IPPROTO_HIP || nexthdr == IPPROTO_SHIM6;
}

/* Hop-by-hop, routing and destination options: always (hdrlen + 1) * 8 bytes, never the end
 * of the chain themselves — the ones the direct walk reads in place. */
#define IPV6_EXT_PLAIN_BELOW_64                                                              \
	((1ULL << IPPROTO_HOPOPTS) | (1ULL << IPPROTO_ROUTING) | (1ULL << IPPROTO_DSTOPTS))

enum ipv6_ext_kind {
	IPV6_UPPER = 0,		/* not an extension header: the chain ends here */
	IPV6_EXT_PLAIN = 1,	/* hop-by-hop, routing, destination options */
	IPV6_EXT_OTHER = 2,	/* fragment, AH, Mobility, HIP, Shim6 */
};

/* One shift and two masks for the common case, whatever the answer. */
static __always_inline enum ipv6_ext_kind ipv6_ext_kind(__u8 nexthdr)
{
	__u64 bit;

	if (nexthdr >= 64)
		return is_ipv6_ext(nexthdr) ? IPV6_EXT_OTHER : IPV6_UPPER;
	bit = 1ULL << nexthdr;
	if (bit & IPV6_EXT_PLAIN_BELOW_64)
		return IPV6_EXT_PLAIN;
	return bit & IPV6_EXT_BELOW_64 ? IPV6_EXT_OTHER : IPV6_UPPER;
}

/* Where a walk along an IPv6 header chain stands. */
/* ipv6_walk.fragment: the first fragment carries the upper-layer header (its ports); a later
 * one carries data from the middle of the packet. */
#define IPV6_FIRST_FRAGMENT 1
#define IPV6_LATER_FRAGMENT 2

struct ipv6_walk {
	__u32 off;	/* from ctx->data: the header nexthdr names (when the walk ends: the
			 * upper-layer header; for a later fragment, its fragment header) */
	__u32 count;	/* extension headers walked */
	__u8 nexthdr;
	__u8 fragment;	/* a fragment header made the packet a fragment (an atomic fragment,
			 * offset 0 and no M flag, does not: RFC 6946 §4, it is processed whole):
			 * IPV6_FIRST_FRAGMENT or IPV6_LATER_FRAGMENT, 0 when not one */
	__u8 pad[2];
};

/* One extension header, of type *nexthdr, from its first four bytes (next header, length, and
 * a fragment header's offset and M flag). Returns its length, with *nexthdr what follows it;
 * 0 when the chain ends at it, with *nexthdr the upper-layer protocol; -1 when what follows
 * cannot be walked. The deep walk's step; the direct walk reads only the plain kinds. */
static __always_inline int ipv6_ext_step(__u8 *nexthdr, __u8 *fragment, const __u8 *hdr)
{
	__u8 type = *nexthdr, next = hdr[0];
	__u16 frag;

	if (type == IPPROTO_HOPOPTS || type == IPPROTO_DSTOPTS || type == IPPROTO_ROUTING) {
		*nexthdr = next;
		return ((int)hdr[1] + 1) * 8;	/* RFC 8200 §4.3: 8-octet units, less the first */
	}
	if (type == IPPROTO_FRAGMENT) {
		frag = ((__u16)hdr[2] << 8) | hdr[3];
		*nexthdr = next;
		if (frag & IP6_OFFSET) {
			/* A later fragment: what follows its header is data from the middle of the
			 * packet, not headers (RFC 8200 §4.5). Its protocol is the one the fragment
			 * header names — unless that is an extension header, whose end only the
			 * first fragment shows. */
			*fragment = IPV6_LATER_FRAGMENT;
			return is_ipv6_ext(next) ? -1 : 0;
		}
		if (frag & IP6_MF)
			*fragment = IPV6_FIRST_FRAGMENT;
		return 8;	/* fixed; its second byte is reserved, not a length */
	}
	if (type == IPPROTO_AH) {
		*nexthdr = next;
		return ((int)hdr[1] + 2) * 4;	/* RFC 4302 §2.2: 4-octet units, minus 2 */
	}
	/* Mobility, HIP and Shim6 normally end the chain (next header 59, "no next header": RFC
	 * 6275 §6.1.1, RFC 7401 §5.1): then they are the upper layer, as the kernel counts them
	 * (ipv6_ext_hdr() leaves them out). Only with something behind them are they skipped. */
	if (next == IPPROTO_NONE)
		return 0;
	*nexthdr = next;
	return ((int)hdr[1] + 1) * 8;		/* RFC 6564 §4: the same format */
}

/* The deep walk: one header per bpf_loop round, read with bpf_xdp_load_bytes wherever it is
 * (first buffer or a fragment of a multi-buffer frame). bpf_loop, not a bounded loop: the
 * verifier checks the step once, whatever PARSE_IPV6_EXT_MAX is. */
struct ipv6_deep_walk {
	struct xdp_md *ctx;
	struct ipv6_walk w;
	int proto;	/* the result: -1 until the chain ends */
};

static long ipv6_deep_step(__u32 round, void *data)
{
	struct ipv6_deep_walk *d = data;
	__u8 hdr[4];
	int len;

	if (!is_ipv6_ext(d->w.nexthdr)) {
		d->proto = d->w.nexthdr;
		return 1;
	}
	if (d->w.count >= PARSE_IPV6_EXT_MAX)
		return 1;
	if (bpf_xdp_load_bytes(d->ctx, d->w.off, hdr, sizeof(hdr)))
		return 1;	/* the frame ends inside the chain */
	d->w.count++;
	len = ipv6_ext_step(&d->w.nexthdr, &d->w.fragment, hdr);
	if (len > 0) {
		d->w.off += len;
		return 0;
	}
	if (len == 0)
		d->proto = d->w.nexthdr;
	return 1;
}

/* Walks on from *w (a header the direct walk could not read in place, or the first past its
 * unrolled part) and returns the upper-layer protocol with w->off at its header, or -1. A
 * global function: verified once, on its own, not once per parse path that reaches it. */
__attribute__((noinline)) int parse_ipv6_walk_deep(struct xdp_md *ctx, struct ipv6_walk *w)
{
	struct ipv6_deep_walk d = { .ctx = ctx, .proto = -1 };

	if (!w)
		return -1;
	d.w = *w;
	/* One round per header and one to see what follows the last. */
	bpf_loop(PARSE_IPV6_EXT_MAX + 1, ipv6_deep_step, &d, 0);
	*w = d.w;
	/* Each round read only a header's first bytes: the last one must end in the frame too,
	 * or the frame ends inside the chain. */
	if (d.proto >= 0 && d.w.off > bpf_xdp_get_buff_len(ctx))
		return -1;
	return d.proto;
}

/* The IPv6 header, then its extension headers (RFC 8200 §4) to the upper-layer protocol:
 * hop-by-hop, routing, destination options, fragment, AH, Mobility, HIP, Shim6. Up to
 * PARSE_IPV6_EXT_DIRECT hop-by-hop, routing and destination-options headers (the common chains)
 * are read in place from the first buffer, as cheaply as a walk can be; with ctx, the walk goes
 * on in parse_ipv6_walk_deep from the first header that is another kind (fragment, AH, ...),
 * lies past them or past the first buffer, up to PARSE_IPV6_EXT_MAX headers in all; with ctx
 * NULL it stops there.
 *
 * Returns the upper-layer protocol, with w->off where its header starts; or -1 when the
 * chain cannot be walked to it: the frame ends inside it, it is longer than the bound, or a
 * later fragment names an extension header. c->pos is left at the upper-layer header when
 * the first buffer holds its start, else at c->end (read it with parse_peek at w->off). */
static __always_inline int parse_ip6hdr_walk(struct xdp_md *ctx, struct hdr_cursor *c,
					     struct ipv6hdr **ip6_out, struct ipv6_walk *w)
{
	struct ipv6hdr *ip6h = c->pos;
	struct ipv6_opt_hdr *opt;
	enum ipv6_ext_kind kind;
	__u32 off, count;
	__u8 nexthdr;
	int len;

	if ((void *)(ip6h + 1) > c->end)
		return -1;
	c->pos = ip6h + 1;
	if (ip6_out)
		*ip6_out = ip6h;
	nexthdr = ip6h->nexthdr;

#pragma unroll
	for (int i = 0; i < PARSE_IPV6_EXT_DIRECT; i++) {
		kind = ipv6_ext_kind(nexthdr);
		if (kind == IPV6_UPPER)
			goto upper;
		opt = c->pos;
		if (kind != IPV6_EXT_PLAIN || (void *)(opt + 1) > c->end) {
			off = c->pos - c->start;
			count = i;
			goto deep;
		}
		len = (opt->hdrlen + 1) * 8;	/* RFC 8200 §4.3: 8-octet units, less the first */
		nexthdr = opt->nexthdr;
		if (c->pos + len > c->end) {
			off = c->pos - c->start + len;
			count = i + 1;
			goto deep;
		}
		c->pos += len;
	}
	if (ipv6_ext_kind(nexthdr) == IPV6_UPPER)
		goto upper;
	off = c->pos - c->start;
	count = PARSE_IPV6_EXT_DIRECT;
deep:
	if (!ctx)
		return -1;
	w->off = off;
	w->count = count;
	w->nexthdr = nexthdr;
	w->fragment = 0;
	c->pos = c->end;
	return parse_ipv6_walk_deep(ctx, w);
upper:
	w->off = c->pos - c->start;
	w->nexthdr = nexthdr;
	w->fragment = 0;	/* a fragment header always goes to the deep walk */
	return nexthdr;
}

/* parse_ip6hdr_walk in the first buffer only, for the programs whose choice only ever
 * steers (afxdp's filter, redirect's flow hash): a chain it cannot walk is -1. */
static __always_inline int parse_ip6hdr(struct hdr_cursor *c, struct ipv6hdr **ip6_out)
{
	struct ipv6_walk w;

	return parse_ip6hdr_walk(NULL, c, ip6_out, &w);
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
