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

/* Name of the per-verdict counter map every family has (progs/lib/counters.bpf.h). */
#define XDPKIT_ACTION_COUNTERS_MAP "action_counters"

#endif
