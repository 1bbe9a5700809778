/* Contracts every xdpkit program family shares with user space. Plain C, __u32-style types:
 * included both by progs/ (through vmlinux.h) and by the C++ loader (through linux/types.h). */
#ifndef XDPKIT_COMMON_H
#define XDPKIT_COMMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* One packets/bytes pair. Counters are per-CPU arrays of these, summed in user space. */
struct xdpkit_datarec {
	__u64 packets;
	__u64 bytes;
};

/* Every program counts the verdict it returned, indexed by enum xdp_action
 * (ABORTED, DROP, PASS, TX, REDIRECT). */
#define XDPKIT_ACTION_SLOTS 5

/* A set of IP protocols as a program parameter (drop's protos=LIST): bit N of byte N/8 is
 * protocol N, and bit XDPKIT_PROTO_NON_IP stands for frames that are not IP at all (or end
 * inside their headers). Bytes, not words, so the layout does not depend on endianness. */
#define XDPKIT_PROTO_NON_IP 256
#define XDPKIT_PROTO_SET_BYTES ((XDPKIT_PROTO_NON_IP + 1 + 7) / 8)

/* The most IPv6 extension headers drop and ipsec walk to find the upper-layer protocol
 * (progs/lib/parse.bpf.h; docs and tests quote it). RFC 8200 §4.1 allows each kind once
 * (destination options twice), so a conforming chain is under ten long; the kernel's flow
 * dissector stops at 15 headers (MAX_FLOW_DISSECT_HDRS), and its stack here discards UDP behind
 * more than 12 destination-options headers. Past the direct part a header costs a helper call
 * (about 50 ns on the 2-vCPU test host, docs/performance.md), so this caps what one crafted
 * frame can cost. */
#define XDPKIT_IPV6_EXT_MAX 16

/* What a program that acts on some protocols does with an unparsed frame: one whose headers it
 * could not walk to the upper-layer protocol (too many IPv6 extension headers, a chain the
 * frame ends inside, a later fragment naming an extension header). Such a frame may be any
 * protocol, so by default it gets the action (fail closed); `unparsed=pass` passes it. */
enum xdpkit_unparsed {
	XDPKIT_UNPARSED_ACT = 0,
	XDPKIT_UNPARSED_PASS = 1,
};

/* Name of the per-verdict counter map every family has (progs/lib/counters.bpf.h). */
#define XDPKIT_ACTION_COUNTERS_MAP "action_counters"

#endif
