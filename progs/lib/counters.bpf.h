/* Per-CPU counters: no atomics on the hot path; user space sums the CPUs. */
#ifndef XDPKIT_COUNTERS_BPF_H
#define XDPKIT_COUNTERS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpkit/common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPKIT_ACTION_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} action_counters SEC(".maps");

/* Whole frame length, fragments included (data_end - data only covers the first buffer). */
static __always_inline __u64 frame_len(struct xdp_md *ctx)
{
	return bpf_xdp_get_buff_len(ctx);
}

static __always_inline void datarec_add(void *map, __u32 key, __u64 bytes)
{
	struct xdpkit_datarec *rec = bpf_map_lookup_elem(map, &key);

	if (!rec)
		return;
	rec->packets++;
	rec->bytes += bytes;
}

#endif
