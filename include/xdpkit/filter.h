/* filter: drop by address and port — the XDP paper's DDoS filter, as ordered rules. A rule
 * names any of: source and destination prefixes (IPv4 and IPv6, many each), an IP protocol,
 * TCP/UDP source and destination ports; it matches a frame when every part it names does, and
 * allows or denies it. The first matching rule by priority (0 first) decides; no match: the
 * default (rodata). Rules live in maps user space changes while the program runs.
 *
 * How a frame finds its rules in a few lookups: each dimension maps a value to the set of
 * rules it satisfies (a 64-bit mask, bit N = the rule of priority N), the program ANDs the
 * sets, and the lowest bit left is the rule that decides. */
#ifndef XDPKIT_FILTER_H
#define XDPKIT_FILTER_H
#include "common.h"

/* Priorities 0..63: a bit each in the rule masks. */
#define FILTER_MAX_RULES 64
/* Prefixes per LPM map (source/destination, per family): a million, the scale the filter is
 * measured at (docs/performance.md). LPM tries allocate per element, so the bound costs
 * nothing until used. */
#define FILTER_MAX_PREFIXES (1U << 20)

#define FILTER_SRC4_MAP "filter_src4"
#define FILTER_DST4_MAP "filter_dst4"
#define FILTER_SRC6_MAP "filter_src6"
#define FILTER_DST6_MAP "filter_dst6"
#define FILTER_PROTO_MAP "filter_proto"
#define FILTER_SPORT_MAP "filter_sport"
#define FILTER_DPORT_MAP "filter_dport"
#define FILTER_CONFIG_MAP "filter_config"
#define FILTER_RULE_COUNTERS_MAP "filter_rule_counters"
#define FILTER_EVENTS_MAP "filter_events"

struct filter_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct filter_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* The value of every prefix entry. A longest-prefix lookup finds one entry, so the entry holds
 * the rules of every prefix that contains it: any prefix that contains an address and another
 * stored prefix containing it is either that prefix or shorter and around it. */
struct filter_prefix_value {
	__u64 matches;	/* rules whose prefixes contain this one, its own included: the lookup's */
	__u64 own;	/* rules that named exactly this prefix: what matches is recomputed from */
};

/* filter_config, one entry. A rule that names no part of a dimension matches every value of
 * it; its bit is in that dimension's any_ mask. */
struct filter_config {
	__u64 active;		/* rules in force; a rule's other bits are written before this one */
	__u64 deny;		/* of all rules, the ones that deny */
	__u64 any_src;
	__u64 any_dst;
	__u64 any_proto;
	__u64 any_sport;
	__u64 any_dport;
};

enum filter_default {
	FILTER_DEFAULT_ALLOW = 0,
	FILTER_DEFAULT_DENY = 1,
};

/* filter_events index: what decided each frame that no rule did, and how frames were read. */
enum filter_event {
	FILTER_EV_DEFAULT_ALLOW = 0,	/* no rule matched; passed by the default */
	FILTER_EV_DEFAULT_DENY = 1,	/* no rule matched; dropped by the default */
	FILTER_EV_NON_IP = 2,		/* not IPv4/IPv6 (ARP, LLDP, ...): passed, no rule applies */
	FILTER_EV_UNPARSED = 3,		/* headers not walkable to the ports: the unparsed rule */
	FILTER_EV_NO_PORTS = 4,		/* a later fragment: rules naming ports cannot match it */
	FILTER_EV_SLOTS = 5,
};

#endif
