// SPDX-License-Identifier: GPL-2.0
/* filter: the XDP paper's DDoS filter — drop by address and port at line rate, by ordered
 * rules user space changes while it runs (include/xdpkit/filter.h says how the rules are laid
 * out; docs/programs/filter.md says what wins). A frame that matches no rule gets the default.
 * Frames that are not IP pass: no rule can name them. A frame whose headers cannot be walked
 * to its ports is unparsed: dropped while any rule denies or the default does (fail closed),
 * passed with unparsed=pass. frags-aware: headers are walked into a frame's fragments. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "lib/chain.bpf.h"
#include "lib/parse.bpf.h"
#include "xdpkit/filter.h"

const volatile __u32 default_action = FILTER_DEFAULT_ALLOW;
const volatile __u32 unparsed = XDPKIT_UNPARSED_ACT;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FILTER_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct filter_lpm4_key);
	__type(value, struct filter_prefix_value);
} filter_src4 SEC(".maps"), filter_dst4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FILTER_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct filter_lpm6_key);
	__type(value, struct filter_prefix_value);
} filter_src6 SEC(".maps"), filter_dst6 SEC(".maps");

/* Rule masks by IP protocol, and by TCP/UDP port. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} filter_proto SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} filter_sport SEC(".maps"), filter_dport SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_config);
} filter_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FILTER_MAX_RULES);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} filter_rule_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FILTER_EV_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} filter_events SEC(".maps");

static __always_inline __u64 prefix_rules(void *map, const void *key)
{
	const struct filter_prefix_value *v = bpf_map_lookup_elem(map, key);

	return v ? v->matches : 0;
}

static __always_inline __u64 rules_of_v4(void *map, __be32 addr)
{
	struct filter_lpm4_key k = { .prefixlen = 32 };

	__builtin_memcpy(k.addr, &addr, 4);
	return prefix_rules(map, &k);
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) is the IPv4 address too:
 * the IPv4 rules see it, so it is no way around them. */
static __always_inline __u64 rules_of_v6(void *map6, void *map4, const struct in6_addr *addr)
{
	struct filter_lpm6_key k = { .prefixlen = 128 };
	__u64 rules;

	__builtin_memcpy(k.addr, addr, 16);
	rules = prefix_rules(map6, &k);
	if (addr->in6_u.u6_addr32[0] == 0 && addr->in6_u.u6_addr32[1] == 0 &&
	    addr->in6_u.u6_addr32[2] == bpf_htonl(0xffff))
		rules |= rules_of_v4(map4, addr->in6_u.u6_addr32[3]);
	return rules;
}

static __always_inline __u64 array_rules(void *map, __u32 index)
{
	const __u64 *v = bpf_map_lookup_elem(map, &index);

	return v ? *v : 0;
}

/* The lowest set bit's index: the rule of the lowest priority number. m is not 0. */
static __always_inline __u32 first_rule(__u64 m)
{
	__u32 i = 0;

	if (!(m & 0xffffffffULL)) {
		i += 32;
		m >>= 32;
	}
	if (!(m & 0xffff)) {
		i += 16;
		m >>= 16;
	}
	if (!(m & 0xff)) {
		i += 8;
		m >>= 8;
	}
	if (!(m & 0xf)) {
		i += 4;
		m >>= 4;
	}
	if (!(m & 0x3)) {
		i += 2;
		m >>= 2;
	}
	if (!(m & 0x1))
		i += 1;
	return i;
}

/* TCP's and UDP's first four bytes, both ports: at the cursor when the first buffer holds
 * them, else copied from wherever they are (ipv6: at w_off). NULL when the frame ends first. */
static __always_inline __be16 *read_ports(struct xdp_md *ctx, const struct hdr_cursor *c,
					  int ipv6, __u32 w_off, __be16 *copy)
{
	__be16 *p = c->pos;

	if (!ipv6 && (void *)(p + 2) <= c->end)
		return p;
	if (ipv6)
		return parse_peek(ctx, c, w_off, copy, 2 * sizeof(*copy));
	if (bpf_xdp_load_bytes(ctx, (__u32)(c->pos - c->start), copy, 2 * sizeof(*copy)))
		return NULL;
	return copy;
}

static __always_inline int event(struct xdp_md *ctx, __u32 ev, int verdict, __u64 len)
{
	datarec_add(&filter_events, ev, len);
	return xdpkit_exit_len(ctx, verdict, len);
}

SEC("xdp.frags")
int xdpkit_filter(struct xdp_md *ctx)
{
	/* Read once: for a multi-buffer frame it is a helper call, not a subtraction. */
	__u64 len = frame_len(ctx);
	struct hdr_cursor c = cursor_of(ctx);
	const struct filter_config *cfg;
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	struct ipv6_walk w;
	__u32 zero = 0, rule, w_off = 0;
	__be16 ports_copy[2], *ports;
	int eth_type, proto, later_fragment, ipv6 = 0;
	__u64 m;

	cfg = bpf_map_lookup_elem(&filter_config, &zero);
	if (!cfg)
		return xdpkit_exit_len(ctx, XDP_ABORTED, len);
	m = cfg->active;

	eth_type = parse_ethhdr(&c, NULL);
	if (eth_type == bpf_htons(ETH_P_IP)) {
		proto = parse_iphdr(&c, &iph);
		if (proto < 0)
			goto unparsed;
		if (m & ~cfg->any_src)
			m &= cfg->any_src | rules_of_v4(&filter_src4, iph->saddr);
		if (m & ~cfg->any_dst)
			m &= cfg->any_dst | rules_of_v4(&filter_dst4, iph->daddr);
		later_fragment = (iph->frag_off & bpf_htons(IP_OFFSET)) != 0;
	} else if (eth_type == bpf_htons(ETH_P_IPV6)) {
		proto = parse_ip6hdr_walk(ctx, &c, &ip6h, &w);
		if (proto < 0 || !ip6h)
			goto unparsed;
		if (m & ~cfg->any_src)
			m &= cfg->any_src | rules_of_v6(&filter_src6, &filter_src4, &ip6h->saddr);
		if (m & ~cfg->any_dst)
			m &= cfg->any_dst | rules_of_v6(&filter_dst6, &filter_dst4, &ip6h->daddr);
		later_fragment = w.fragment == IPV6_LATER_FRAGMENT;
		ipv6 = 1;
		w_off = w.off;
	} else if (eth_type < 0) {
		goto unparsed;	/* cut inside the VLAN tags */
	} else {
		return event(ctx, FILTER_EV_NON_IP, XDP_PASS, len);
	}

	if (m & ~cfg->any_proto)
		m &= cfg->any_proto | array_rules(&filter_proto, (__u32)proto & 0xff);
	if (m & ~(cfg->any_sport & cfg->any_dport)) {
		if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && !later_fragment) {
			/* Both ports are the first four bytes of TCP and UDP alike. */
			ports = read_ports(ctx, &c, ipv6, w_off, ports_copy);
			if (!ports)
				goto unparsed;
			if (m & ~cfg->any_sport)
				m &= cfg->any_sport | array_rules(&filter_sport, bpf_ntohs(ports[0]));
			if (m & ~cfg->any_dport)
				m &= cfg->any_dport | array_rules(&filter_dport, bpf_ntohs(ports[1]));
		} else {
			/* No ports to read: a rule that names ports cannot match. */
			m &= cfg->any_sport & cfg->any_dport;
			if (later_fragment)
				datarec_add(&filter_events, FILTER_EV_NO_PORTS, len);
		}
	}

	if (!m) {
		if (default_action == FILTER_DEFAULT_DENY)
			return event(ctx, FILTER_EV_DEFAULT_DENY, XDP_DROP, len);
		return event(ctx, FILTER_EV_DEFAULT_ALLOW, XDP_PASS, len);
	}
	rule = first_rule(m);
	datarec_add(&filter_rule_counters, rule, len);
	return xdpkit_exit_len(ctx, (cfg->deny >> rule) & 1 ? XDP_DROP : XDP_PASS, len);

unparsed:
	/* It may be anything a rule denies: dropped while some rule or the default denies. */
	if (unparsed == XDPKIT_UNPARSED_PASS ||
	    (!(cfg->active & cfg->deny) && default_action != FILTER_DEFAULT_DENY))
		return event(ctx, FILTER_EV_UNPARSED, XDP_PASS, len);
	return event(ctx, FILTER_EV_UNPARSED, XDP_DROP, len);
}

char LICENSE[] SEC("license") = "GPL";
