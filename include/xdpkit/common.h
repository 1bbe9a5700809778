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

/* Name of the per-verdict counter map every family has (progs/lib/counters.bpf.h). */
#define XDPKIT_ACTION_COUNTERS_MAP "action_counters"

#endif
