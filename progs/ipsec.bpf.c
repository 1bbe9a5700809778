// SPDX-License-Identifier: GPL-2.0
/* ipsec: ESP pre-parse. Finds ESP before the stack does — directly over IPv4 (RFC 4303),
 * over IPv6 after its extension headers (RFC 8200), or in UDP 4500 (NAT-T, RFC 3948) —
 * reads SPI and sequence number, looks the SA up by (SPI, destination, family), drops what
 * is certainly malformed or a replay, and acts as the SA says: pass, drop, a CPU through
 * the cpumap, the AF_XDP socket of the crypto engine, or decrypt it right here with the BPF
 * crypto kfuncs (the inline action: tunnel mode, aes-cbc-128, no integrity check). Everything
 * that is not ESP passes untouched; fragments pass too (reassembly is the stack's job). A frame
 * whose headers cannot be walked to its protocol may be ESP of any SA: it is dropped while an
 * SA would not simply pass its ESP, unless unparsed=pass. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "lib/chain.bpf.h"
#include "lib/ipsec_crypto.bpf.h"
#include "lib/parse.bpf.h"
#include "xdpkit/ipsec_replay.h"

const volatile __u32 unknown_spi = IPSEC_UNKNOWN_SPI_DROP;
const volatile __u32 unparsed = XDPKIT_UNPARSED_ACT;
/* Set by the loader when vmlinux BTF has the crypto and dynptr kfuncs (lib/ipsec_crypto.bpf.h):
 * otherwise the inline code is dead, the verifier removes it, and the weak calls go with it. */
const volatile __u32 inline_kfuncs = 0;

/* The SA database. `xdpkit attach/ipsec` pins these in one directory per network namespace
 * and every ipsec program there reuses them (as xdp-filter shares its maps), so an SA added
 * once applies on every interface; `xdpkit run` gives a run its own private set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IPSEC_MAX_SAS);
	__type(key, struct ipsec_sa_key);
	__type(value, struct ipsec_sa);
} sa_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IPSEC_MAX_SAS);
	__type(key, __u32);
	__type(value, struct ipsec_replay);
} sa_replay SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IPSEC_MAX_SAS);
	__type(key, __u32);
	__type(value, struct ipsec_sa_stats);
} sa_stats SEC(".maps");

/* Part of the shared SA database: what the table holds, for frames no SA can be found for. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipsec_sa_summary);
} sa_summary SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} ipsec_cpu_map SEC(".maps");

/* Keyed by RX queue: a socket only takes frames of the queue it is bound to. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} ipsec_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IPSEC_EV_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} esp_events SEC(".maps");

/* The inline action's per-CPU scratch: bpf_crypto_decrypt overwrites the IV it is given (the
 * next CBC chaining value), so it gets a copy; the Ethernet header and tags wait here while
 * the outer headers are cut from under them; the padding is read here to be checked. */
struct inline_scratch {
	__u8 iv[IPSEC_AES_BLOCK];
	__u8 l2[24];
	__u8 pad[256];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct inline_scratch);
} inline_scratch SEC(".maps");

/* Where the ESP of a frame is, once found: offsets from ctx->data, the length the IP (or
 * UDP) header says it has, and the lookup key. */
struct esp_found {
	__u32 l2_len;		/* Ethernet and VLAN tags: where the outer IP header starts */
	__u32 esp_off;
	__u32 esp_len;
	__u32 event;		/* IPSEC_EV_ESP_IPV4/IPV6/UDP */
	struct ipsec_sa_key key;
	__u8 src[16];
};

/* Outcomes of looking for ESP that end the program early. */
enum find_result {
	FIND_ESP = 0,
	FIND_PASS = 1,		/* event says why: not ESP, IKE, keepalive, fragment */
	FIND_MALFORMED = 2,
	FIND_UNPARSED = 3,	/* headers not walkable to the protocol */
};

/* udp_off: where the UDP header starts, from ctx->data (a multi-buffer frame's chain may put
 * it past the first buffer: parse_peek reads it either way). */
static __always_inline int find_in_udp(struct xdp_md *ctx, const struct hdr_cursor *c,
				       __u32 udp_off, __u32 l4_end, struct esp_found *f,
				       __u32 *event)
{
	struct udphdr udp_copy, *udp;
	__u32 udp_len, marker_copy, *marker;
	__u8 keepalive_copy, *keepalive;

	udp = parse_peek(ctx, c, udp_off, &udp_copy, sizeof(udp_copy));
	if (!udp) {
		*event = IPSEC_EV_NOT_ESP;	/* cut before the port: cannot tell it is NAT-T */
		return FIND_PASS;
	}
	if (udp->dest != bpf_htons(IPSEC_NATT_PORT)) {
		*event = IPSEC_EV_NOT_ESP;
		return FIND_PASS;
	}
	udp_len = bpf_ntohs(udp->len);
	if (udp_len < sizeof(*udp) || udp_off + udp_len > l4_end)
		return FIND_MALFORMED;
	/* RFC 3948 §2.3: a NAT-keepalive is one byte, 0xFF. */
	if (udp_len == sizeof(*udp) + 1) {
		keepalive = parse_peek(ctx, c, udp_off + sizeof(*udp), &keepalive_copy, 1);
		if (keepalive && *keepalive == 0xFF) {
			*event = IPSEC_EV_KEEPALIVE;
			return FIND_PASS;
		}
	}
	/* RFC 3948 §2.2: IKE begins with the 4-byte non-ESP marker, zero where an SPI would be
	 * (SPI 0 is never valid, which is what makes the two tell apart). */
	if (udp_len >= sizeof(*udp) + 4) {
		marker = parse_peek(ctx, c, udp_off + sizeof(*udp), &marker_copy, 4);
		if (marker && *marker == 0) {
			*event = IPSEC_EV_IKE;
			return FIND_PASS;
		}
	}
	f->esp_off = udp_off + sizeof(*udp);
	f->esp_len = udp_len - sizeof(*udp);
	f->event = IPSEC_EV_ESP_UDP;
	return FIND_ESP;
}

static __always_inline int find_in_ipv4(struct xdp_md *ctx, struct hdr_cursor *c, __u64 len,
					struct esp_found *f, __u32 *event)
{
	struct iphdr *iph = c->pos;
	void *data = c->start;
	__u32 l3_off, hdr_len, l4_end;

	*event = IPSEC_EV_NOT_ESP;
	if ((void *)(iph + 1) > c->end) {
		*event = IPSEC_EV_UNPARSED;	/* cut before the protocol is known */
		return FIND_UNPARSED;
	}
	if (iph->protocol != IPPROTO_ESP && iph->protocol != IPPROTO_UDP)
		return FIND_PASS;
	hdr_len = iph->ihl * 4;
	l3_off = (void *)iph - data;
	if (hdr_len < sizeof(*iph) || bpf_ntohs(iph->tot_len) < hdr_len ||
	    l3_off + bpf_ntohs(iph->tot_len) > len)
		return FIND_MALFORMED;	/* bad IHL, or lengths the frame does not hold */
	/* Any fragment, first or not: ESP is only ever decrypted whole (RFC 4303 §3.4.1). */
	if (bpf_ntohs(iph->frag_off) & (IP_MF | IP_OFFSET)) {
		*event = IPSEC_EV_FRAGMENT;
		return FIND_PASS;
	}
	if ((void *)iph + hdr_len > c->end)
		return FIND_MALFORMED;
	c->pos = (void *)iph + hdr_len;
	l4_end = l3_off + bpf_ntohs(iph->tot_len);

	f->key.family = 4;
	__builtin_memcpy(f->key.dst, &iph->daddr, 4);
	__builtin_memcpy(f->src, &iph->saddr, 4);
	if (iph->protocol == IPPROTO_UDP)
		return find_in_udp(ctx, c, l3_off + hdr_len, l4_end, f, event);
	f->esp_off = l3_off + hdr_len;
	f->esp_len = l4_end - f->esp_off;
	f->event = IPSEC_EV_ESP_IPV4;
	return FIND_ESP;
}

static __always_inline int find_in_ipv6(struct xdp_md *ctx, struct hdr_cursor *c, __u64 len,
					struct esp_found *f, __u32 *event)
{
	struct ipv6hdr *ip6h;
	struct ipv6_walk w;
	__u32 l3_off, l4_end;
	int proto;

	*event = IPSEC_EV_NOT_ESP;
	proto = parse_ip6hdr_walk(ctx, c, &ip6h, &w);
	if (proto < 0) {
		*event = IPSEC_EV_UNPARSED;	/* cannot tell it is not ESP */
		return FIND_UNPARSED;
	}
	if (w.fragment) {
		*event = IPSEC_EV_FRAGMENT;
		return FIND_PASS;
	}
	if (proto != IPPROTO_ESP && proto != IPPROTO_UDP)
		return FIND_PASS;
	l3_off = (void *)ip6h - c->start;
	l4_end = l3_off + sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
	if (l4_end > len || w.off > l4_end)
		return FIND_MALFORMED;

	f->key.family = 6;
	__builtin_memcpy(f->key.dst, &ip6h->daddr, 16);
	__builtin_memcpy(f->src, &ip6h->saddr, 16);
	if (proto == IPPROTO_UDP)
		return find_in_udp(ctx, c, w.off, l4_end, f, event);
	f->esp_off = w.off;
	f->esp_len = l4_end - f->esp_off;
	f->event = IPSEC_EV_ESP_IPV6;
	return FIND_ESP;
}

/* An unparsed frame may be ESP of any SA, or of none. Passing it loses nothing only when every
 * SA passes its ESP and ESP of no SA passes too; otherwise it is dropped (fail closed), unless
 * the user chose unparsed=pass. */
static __always_inline int unparsed_verdict(void)
{
	struct ipsec_sa_summary *summary;
	__u32 zero = 0;

	if (unparsed == XDPKIT_UNPARSED_PASS)
		return XDP_PASS;
	if (unknown_spi != IPSEC_UNKNOWN_SPI_PASS)
		return XDP_DROP;
	summary = bpf_map_lookup_elem(&sa_summary, &zero);
	return summary && summary->not_pass == 0 ? XDP_PASS : XDP_DROP;
}

static __always_inline int source_matches(const struct ipsec_sa *sa, const struct esp_found *f)
{
	if (!sa->has_src)
		return 1;
	if (f->key.family == 4)
		return __builtin_memcmp(sa->src, f->src, 4) == 0;
	return __builtin_memcmp(sa->src, f->src, 16) == 0;
}

/* The anti-replay pre-check (RFC 4303 §3.4.3): only what is certainly a replay or too old is
 * dropped. The window itself moves in the crypto engine, after the ICV verified: moving it
 * here would let one forged packet with a high sequence number shut the SA out. */
static __always_inline int replay_verdict(__u32 slot, __u32 seq)
{
	struct ipsec_replay *r = bpf_map_lookup_elem(&sa_replay, &slot);
	int verdict;

	if (!r)
		return IPSEC_REPLAY_NEW;
	/* In-order traffic, the common case, is right of the window: decided without the lock.
	 * The engine only ever raises top (a slot's reset to 0 aside), so a racing read sees a
	 * top that is at most too low and errs towards "new" — which the engine's own check,
	 * after the ICV, still catches. Only a drop needs the consistent view the lock gives. */
	if (seq > *(volatile __u32 *)&r->top)
		return IPSEC_REPLAY_NEW;
	bpf_spin_lock(&r->lock);
	verdict = ipsec_replay_check(r, seq);
	bpf_spin_unlock(&r->lock);
	return verdict;
}

/* RFC 4303 §2.4: the padding is 1, 2, 3, ... pad_len. Read into scratch (it may be in a
 * fragment), then compared byte by byte. A global function: the verifier walks its loop once,
 * not once per parse path that reaches it (inlined, that was 70 times the program's cost). */
__attribute__((noinline)) int padding_ok(struct xdp_md *ctx, __u32 off, __u32 pad_len)
{
	__u32 zero = 0;
	struct inline_scratch *s = bpf_map_lookup_elem(&inline_scratch, &zero);

	pad_len &= 0xff;
	if (pad_len == 0)
		return 1;
	if (!s || bpf_xdp_load_bytes(ctx, off, s->pad, pad_len))
		return 0;
	for (__u32 i = 0; i < 255; i++) {
		if (i >= pad_len)
			break;
		if (s->pad[i] != (__u8)(i + 1))
			return 0;
	}
	return 1;
}

/* The window moves only here, after decryption and a good trailer, under the lock: checked
 * again because another CPU may have taken the same sequence number since the pre-check.
 * Without an ICV this is all the protection there is (an --unverified or --auth none SA).
 * Global, like padding_ok: the window's bounded loop is verified once. */
__attribute__((noinline)) int replay_advance(__u32 slot, __u32 seq)
{
	struct ipsec_replay *r = bpf_map_lookup_elem(&sa_replay, &slot);
	int verdict;

	if (!r)
		return IPSEC_REPLAY_NEW;
	bpf_spin_lock(&r->lock);
	verdict = ipsec_replay_check(r, seq);
	if (verdict == IPSEC_REPLAY_NEW)
		ipsec_replay_advance(r, seq);
	bpf_spin_unlock(&r->lock);
	return verdict;
}

static __always_inline int inline_drop(struct ipsec_sa_stats *stats, __u64 *counter, __u32 event,
				       __u64 len)
{
	(*counter)++;
	datarec_add(&esp_events, event, len);
	return XDP_DROP;
}

/* The inner packet's length from its own IP header, or 0 when the header is not IP of the
 * version the trailer names or claims more than the payload holds. RFC 4303 §2.7: traffic-flow
 * confidentiality padding may follow the inner packet inside the payload; only the inner
 * header says where the packet ends, as the user-space engine reads it (esp_decap.cpp). */
static __always_inline __u32 inner_ip_len(struct xdp_md *ctx, __u32 off, __u8 next_header,
					  __u32 payload_len)
{
	__u8 h[6];
	__u32 n;

	if (payload_len < (next_header == 4 ? 20 : 40) || bpf_xdp_load_bytes(ctx, off, h, sizeof(h)))
		return 0;
	if (next_header == 4) {
		n = (__u32)h[2] << 8 | h[3];
		if (h[0] >> 4 != 4 || n < 20)
			return 0;
	} else {
		n = 40 + ((__u32)h[4] << 8 | h[5]);
		if (h[0] >> 4 != 6)
			return 0;
	}
	return n <= payload_len ? n : 0;
}

/* The inline action: decrypt the cipher text in place over a packet dynptr, check the
 * trailer, advance the window, and cut the frame down to Ethernet + the inner packet
 * (tunnel mode, RFC 4303 §3.1.2). The ICV of an --unverified SA is cut unchecked. *len is
 * the frame length, updated to the inner frame's. Global: verified once, not once for every
 * parse path that reaches it (inlined, it multiplied the program's verification 70 times). */
__attribute__((noinline)) int decrypt_inline(struct xdp_md *ctx, const struct ipsec_sa *sa,
					     const struct esp_found *f, __u32 seq, __u64 *len)
{
	__u32 zero = 0, slot, iv_off, ct_off, ct_len, end, pad_len, inner_len, l2_len;
	struct ipsec_crypto_slot *cs;
	struct inline_scratch *s;
	struct ipsec_sa_stats *stats;
	struct bpf_dynptr pkt, iv;
	struct bpf_crypto_ctx *cctx;
	__u8 trailer[2];
	__be16 proto;
	int replay;

	if (!sa || !f || !len)
		return XDP_ABORTED;
	slot = sa->slot;
	stats = bpf_map_lookup_elem(&sa_stats, &slot);
	if (!stats)
		return XDP_ABORTED;
	cs = bpf_map_lookup_elem(&sa_crypto, &slot);
	s = bpf_map_lookup_elem(&inline_scratch, &zero);
	if (!cs || !s || sa->iv_len != IPSEC_AES_BLOCK)
		return inline_drop(stats, &stats->crypto_error, IPSEC_EV_CRYPTO_ERROR, *len);
	cctx = cs->ctx;
	if (!cctx)	/* an SA added without its context: `sa add` never leaves one so */
		return inline_drop(stats, &stats->crypto_error, IPSEC_EV_CRYPTO_ERROR, *len);

	/* ESP header (8), IV, cipher text, ICV; the pre-check made the cipher text a non-empty
	 * multiple of the block. */
	iv_off = f->esp_off + 8;
	ct_off = iv_off + IPSEC_AES_BLOCK;
	ct_len = f->esp_len - 8 - IPSEC_AES_BLOCK - sa->icv_len;
	end = ct_off + ct_len;
	if (bpf_xdp_load_bytes(ctx, iv_off, s->iv, IPSEC_AES_BLOCK) ||
	    bpf_dynptr_from_mem(s->iv, IPSEC_AES_BLOCK, 0, &iv) ||
	    bpf_dynptr_from_xdp(ctx, 0, &pkt) || bpf_dynptr_adjust(&pkt, ct_off, end) ||
	    bpf_crypto_decrypt(cctx, &pkt, &pkt, &iv))
		return inline_drop(stats, &stats->crypto_error, IPSEC_EV_CRYPTO_ERROR, *len);

	if (bpf_xdp_load_bytes(ctx, end - 2, trailer, 2))
		return inline_drop(stats, &stats->crypto_error, IPSEC_EV_CRYPTO_ERROR, *len);
	pad_len = trailer[0];
	if (pad_len + 2 > ct_len || !padding_ok(ctx, end - 2 - pad_len, pad_len))
		return inline_drop(stats, &stats->bad_padding, IPSEC_EV_BAD_PADDING, *len);

	/* Transport mode would need the outer IP header rebuilt around the payload (and, for
	 * IPv6, the last extension header's next header found again); the inline path does not
	 * do that: dropped and counted, the xsk engine does it. 59 (RFC 4303 §2.6 dummy packet)
	 * lands here too. */
	if (trailer[1] == 4)
		proto = bpf_htons(ETH_P_IP);
	else if (trailer[1] == 41)
		proto = bpf_htons(ETH_P_IPV6);
	else
		return inline_drop(stats, &stats->malformed, IPSEC_EV_NOT_TUNNEL, *len);
	/* Before the window moves: a packet dropped here was never delivered. */
	inner_len = inner_ip_len(ctx, ct_off, trailer[1], ct_len - 2 - pad_len);
	if (!inner_len)
		return inline_drop(stats, &stats->malformed, IPSEC_EV_SA_MALFORMED, *len);

	if (sa->replay_window) {
		replay = replay_advance(slot, seq);
		if (replay == IPSEC_REPLAY_SEEN)
			return inline_drop(stats, &stats->replay, IPSEC_EV_REPLAY, *len);
		if (replay == IPSEC_REPLAY_TOO_OLD)
			return inline_drop(stats, &stats->too_old, IPSEC_EV_TOO_OLD, *len);
	}

	/* Ethernet header and VLAN tags kept as they came (only the last EtherType changes):
	 * saved, the tail cut to the end of the inner packet, the head moved to just before it,
	 * and the saved header written there. */
	l2_len = f->l2_len;
	if (l2_len < sizeof(struct ethhdr) || l2_len > sizeof(s->l2))
		return inline_drop(stats, &stats->crypto_error, IPSEC_EV_CRYPTO_ERROR, *len);
	if (bpf_xdp_load_bytes(ctx, 0, s->l2, l2_len) ||
	    bpf_xdp_adjust_tail(ctx, (int)(ct_off + inner_len) - (int)*len) ||
	    bpf_xdp_adjust_head(ctx, (int)(ct_off - l2_len)) ||
	    bpf_xdp_store_bytes(ctx, 0, s->l2, l2_len) ||
	    bpf_xdp_store_bytes(ctx, l2_len - 2, &proto, sizeof(proto)))
		return inline_drop(stats, &stats->crypto_error, IPSEC_EV_CRYPTO_ERROR, *len);

	stats->decrypted++;
	*len = l2_len + inner_len;
	datarec_add(&esp_events, IPSEC_EV_DECRYPTED, *len);
	return XDP_PASS;
}

static __always_inline int steer(struct xdp_md *ctx, const struct ipsec_sa *sa,
				 struct ipsec_sa_stats *stats, __u64 len)
{
	int verdict = XDP_PASS;

	switch (sa->action) {
	case IPSEC_ACTION_DROP:
		return XDP_DROP;
	case IPSEC_ACTION_CPU:
		verdict = bpf_redirect_map(&ipsec_cpu_map, sa->target, XDP_PASS);
		break;
	case IPSEC_ACTION_XSK:
		/* The socket of queue Q only takes frames that arrived on queue Q: hardware
		 * flow steering (ethtool -N ... flow-type esp4 spi S action Q) puts them there. */
		if (ctx->rx_queue_index == sa->target)
			verdict = bpf_redirect_map(&ipsec_xsks, sa->target, XDP_PASS);
		break;
	case IPSEC_ACTION_PASS:
		return XDP_PASS;
	default:
		break;
	}
	/* A missing target passes the frame on: the stack's xfrm may still know the SA, and a
	 * crypto engine that is not running must not black-hole its SAs. */
	if (verdict != XDP_REDIRECT) {
		stats->steer_failed++;
		datarec_add(&esp_events, IPSEC_EV_STEER_FAILED, len);
		return XDP_PASS;
	}
	return verdict;
}

SEC("xdp.frags")
int xdpkit_ipsec(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = cursor_of(ctx);
	struct esp_found f = {};
	struct ipsec_sa_stats *stats;
	struct ipsec_sa *sa;
	__u32 event = IPSEC_EV_NOT_ESP, spi, seq, need;
	__u64 len = frame_len(ctx);
	int eth_type, found = FIND_PASS, replay, verdict;
	__be32 esp_copy[2], *esp;

	eth_type = parse_ethhdr(&c, NULL);
	f.l2_len = c.pos - data;
	if (eth_type == bpf_htons(ETH_P_IP))
		found = find_in_ipv4(ctx, &c, len, &f, &event);
	else if (eth_type == bpf_htons(ETH_P_IPV6))
		found = find_in_ipv6(ctx, &c, len, &f, &event);
	else if (eth_type < 0)
		found = FIND_UNPARSED;	/* cut inside the VLAN tags */
	if (found == FIND_PASS) {
		datarec_add(&esp_events, event, len);
		return xdpkit_exit_len(ctx, XDP_PASS, len);
	}
	if (found == FIND_UNPARSED) {
		datarec_add(&esp_events, IPSEC_EV_UNPARSED, len);
		return xdpkit_exit_len(ctx, unparsed_verdict(), len);
	}
	if (found == FIND_MALFORMED)
		goto malformed;

	/* SPI and sequence number: the 8 bytes every ESP packet starts with (RFC 4303 §2). */
	if (f.esp_len < 8)
		goto malformed;
	esp = parse_peek(ctx, &c, f.esp_off, esp_copy, sizeof(esp_copy));
	if (!esp)
		goto malformed;
	spi = esp[0];
	seq = bpf_ntohl(esp[1]);
	datarec_add(&esp_events, f.event, len);
	if (bpf_ntohl(spi) < 256 || seq == 0) {
		datarec_add(&esp_events, IPSEC_EV_INVALID_SPI, len);
		return xdpkit_exit_len(ctx, XDP_DROP, len);
	}

	f.key.spi = spi;
	sa = bpf_map_lookup_elem(&sa_table, &f.key);
	if (!sa || !source_matches(sa, &f)) {
		datarec_add(&esp_events, IPSEC_EV_UNKNOWN_SPI, len);
		return xdpkit_exit_len(ctx, unknown_spi == IPSEC_UNKNOWN_SPI_PASS ? XDP_PASS : XDP_DROP,
				       len);
	}
	stats = bpf_map_lookup_elem(&sa_stats, &sa->slot);
	if (!stats)
		return xdpkit_exit_len(ctx, XDP_ABORTED, len);	/* slot beyond the map: a bad SA */
	stats->packets++;
	stats->bytes += len;
	if (seq > stats->highest_seq)
		stats->highest_seq = seq;

	/* RFC 4303 §2: header, IV, then at least the 2-byte trailer, then the ICV; the cipher
	 * text (payload + padding + trailer) fills whole blocks (§2.4). */
	need = 8 + sa->iv_len + 2 + sa->icv_len;
	if (f.esp_len < need ||
	    (f.esp_len - 8 - sa->iv_len - sa->icv_len) %
		    (sa->cipher == IPSEC_CIPHER_AES_CBC_128 ? 16 : 4)) {
		stats->malformed++;
		datarec_add(&esp_events, IPSEC_EV_SA_MALFORMED, len);
		return xdpkit_exit_len(ctx, XDP_DROP, len);
	}

	replay = sa->replay_window ? replay_verdict(sa->slot, seq) : IPSEC_REPLAY_NEW;
	if (replay == IPSEC_REPLAY_SEEN) {
		stats->replay++;
		datarec_add(&esp_events, IPSEC_EV_REPLAY, len);
		return xdpkit_exit_len(ctx, XDP_DROP, len);
	}
	if (replay == IPSEC_REPLAY_TOO_OLD) {
		stats->too_old++;
		datarec_add(&esp_events, IPSEC_EV_TOO_OLD, len);
		return xdpkit_exit_len(ctx, XDP_DROP, len);
	}
	if (sa->action == IPSEC_ACTION_INLINE) {
		/* Without the kfuncs `sa add` refuses inline SAs; one that got in anyway is dropped. */
		verdict = inline_kfuncs ? decrypt_inline(ctx, sa, &f, seq, &len) : XDP_DROP;
		return xdpkit_exit_len(ctx, verdict, len);
	}
	return xdpkit_exit_len(ctx, steer(ctx, sa, stats, len), len);

malformed:
	datarec_add(&esp_events, IPSEC_EV_MALFORMED, len);
	return xdpkit_exit_len(ctx, XDP_DROP, len);
}

char LICENSE[] SEC("license") = "GPL";
