/* forward: a router on the kernel's FIB (the XDP paper's router, xdp-tools' xdp-forward).
 * IPv4 and IPv6 frames are looked up with bpf_fib_lookup, their TTL / hop limit decremented,
 * their MACs rewritten from the lookup, and sent out through the forward_ports devmap, which
 * `xdpkit forward` fills with exactly the interfaces it attached to. Every frame the program
 * leaves to the stack is counted by why (enum forward_pass_reason). */
#ifndef XDPKIT_FORWARD_H
#define XDPKIT_FORWARD_H
#include "common.h"

/* How the FIB is asked (the fib-mode parameter). */
enum forward_fib_mode {
	FORWARD_FIB_FULL = 0,	/* policy rules, then the table they pick (ip rule; VRFs) */
	FORWARD_FIB_DIRECT = 1,	/* BPF_FIB_LOOKUP_DIRECT: the ingress VRF's table, else main;
				 * no rules — faster, and wrong where rules matter */
};

/* pass_reasons index: why a frame went to the stack (XDP_PASS) instead of being forwarded. */
enum forward_pass_reason {
	FORWARD_PASS_NO_NEIGH = 0,	/* BPF_FIB_LKUP_RET_NO_NEIGH: the stack resolves it */
	FORWARD_PASS_NO_ROUTE = 1,	/* blackhole, unreachable, prohibit, not forwarded */
	FORWARD_PASS_TTL = 2,		/* TTL / hop limit <= 1: the stack sends time exceeded */
	FORWARD_PASS_LOCAL = 3,		/* multicast or broadcast, IPv6 link-local: for the host */
	FORWARD_PASS_FRAGMENT = 4,	/* IPv4 MF or offset, an IPv6 fragment header */
	FORWARD_PASS_NON_IP = 5,	/* EtherType neither IPv4 nor IPv6 (ARP, LLDP, ...) */
	FORWARD_PASS_UNPARSED = 6,	/* headers that cannot be walked (fail closed: the stack,
					 * which checks everything, decides) */
	FORWARD_PASS_VLAN = 7,		/* a VLAN-tagged frame: its VLAN device routes it */
	FORWARD_PASS_NOT_FORWARDED_PORT = 8, /* the route leaves through a device that is not in
					       * forward_ports */
	FORWARD_PASS_OPTIONS = 9,	/* IPv4 options, an IPv6 hop-by-hop header: routers
					 * process them (RFC 791, RFC 8200 §4.3) */
	FORWARD_PASS_FWD_DISABLED = 10,	/* forwarding is off on the ingress device (sysctl) */
	FORWARD_PASS_MTU = 11,		/* BPF_FIB_LKUP_RET_FRAG_NEEDED: larger than the egress
					 * MTU; the stack fragments or says so (ICMP) */
	FORWARD_PASS_FIB_OTHER = 12,	/* any other answer of the FIB (an lwt encap route) */
	FORWARD_PASS_BAD_HEADER = 13,	/* fails the checks a router makes (RFC 1812 §5.2.2):
					 * IPv4 checksum, lengths against the frame */
	FORWARD_PASS_SLOTS = 14,
};

/* egress_counters is indexed by ifindex (as redirect's target_counters): forwarded frames
 * per egress device. A device at or above this has no row (the command says so). */
#define FORWARD_MAX_IFINDEX 1024
/* forward_ports holds at most this many devices. */
#define FORWARD_MAX_PORTS 64

/* Map names user space fills and reads (also their pin names). */
#define FORWARD_PORTS_MAP "forward_ports"
#define FORWARD_PASS_REASONS_MAP "pass_reasons"
#define FORWARD_EGRESS_COUNTERS_MAP "egress_counters"

#endif
