// SPDX-License-Identifier: GPL-2.0
/* redirect: every frame goes out through XDP_REDIRECT — to one device through a devmap or
 * a devmap-hash, to a CPU through a cpumap (a flow stays on one CPU), or to every device of
 * a broadcast set except the one it came in on. The devmap entry program can rewrite the
 * MAC addresses for the egress device; the cpumap entry program can redirect on to a
 * device from the remote CPU. User space (`xdpkit redirect`) fills the maps before the
 * program is attached. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/chain.bpf.h"
#include "lib/flow_hash.bpf.h"
#include "xdpkit/redirect.h"

const volatile __u32 via = REDIRECT_VIA_DEVMAP;
/* devmap-hash: the key of the target; the others: which target_counters row to count in. */
const volatile __u32 to_ifindex = 0;
/* cpumap: how many entries of cpus_in_use are in use. */
const volatile __u32 cpu_count = 0;
const volatile __u32 egress = REDIRECT_EGRESS_NONE;
const volatile __u32 cpumap_then = REDIRECT_CPUMAP_STACK;

/* Values are bpf_devmap_val/bpf_cpumap_val, not a bare ifindex/qsize: only then can an
 * entry carry a program. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, REDIRECT_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_port_by_ifindex SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, REDIRECT_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} broadcast_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, REDIRECT_MAX_CPUS);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpu_map SEC(".maps");

/* The CPUs of --cpus, in order: the flow hash picks an index, this gives the CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, REDIRECT_MAX_CPUS);
	__type(key, __u32);
	__type(value, __u32);
} cpus_in_use SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, REDIRECT_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct redirect_macs);
} egress_macs SEC(".maps");

/* Frames handed to each device, by ifindex (by the egress program for broadcast: only it
 * sees which copy goes where). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REDIRECT_MAX_IFINDEX);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} target_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REDIRECT_MAX_CPUS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} cpu_counters SEC(".maps");

/* Verdicts of the cpumap entry program, counted on the CPU it runs on. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPKIT_ACTION_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} cpumap_verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REDIRECT_ERR_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} redirect_errors SEC(".maps");

/* bpf_redirect_map returns the low bits of flags when the entry is empty: XDP_ABORTED, so
 * a frame with nowhere to go shows in the xdp_exception tracepoint as well as here. */
static __always_inline int counted_redirect(int verdict, __u32 target_row, void *counters,
					    __u64 len)
{
	if (verdict == XDP_REDIRECT)
		datarec_add(counters, target_row, len);
	else
		datarec_add(&redirect_errors, REDIRECT_ERR_NO_TARGET, len);
	return verdict;
}

static __always_inline int to_cpu(struct xdp_md *ctx, __u64 len)
{
	__u32 index, *cpu;

	if (cpu_count == 0) {
		datarec_add(&redirect_errors, REDIRECT_ERR_NO_CPU, len);
		return XDP_ABORTED;
	}
	index = flow_hash(ctx) % cpu_count;
	cpu = bpf_map_lookup_elem(&cpus_in_use, &index);
	if (!cpu) {
		datarec_add(&redirect_errors, REDIRECT_ERR_NO_CPU, len);
		return XDP_ABORTED;
	}
	return counted_redirect(bpf_redirect_map(&cpu_map, *cpu, 0), *cpu, &cpu_counters, len);
}

SEC("xdp.frags")
int xdpkit_redirect(struct xdp_md *ctx)
{
	__u64 len = frame_len(ctx);
	int verdict;

	if (via == REDIRECT_VIA_DEVMAP)
		verdict = counted_redirect(bpf_redirect_map(&tx_port, 0, 0), to_ifindex,
					   &target_counters, len);
	else if (via == REDIRECT_VIA_DEVMAP_HASH)
		verdict = counted_redirect(bpf_redirect_map(&tx_port_by_ifindex, to_ifindex, 0),
					   to_ifindex, &target_counters, len);
	else if (via == REDIRECT_VIA_CPUMAP)
		verdict = to_cpu(ctx, len);
	else
		/* The key is ignored with BPF_F_BROADCAST; the egress program counts per port. */
		verdict = bpf_redirect_map(&broadcast_ports, 0,
					   BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
	return xdpkit_exit_len(ctx, verdict, len);
}

/* Runs once per copy, just before it is sent out of egress_ifindex. */
SEC("xdp.frags/devmap")
int xdpkit_redirect_egress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct redirect_macs *macs;
	__u32 ifindex = ctx->egress_ifindex;

	if (via == REDIRECT_VIA_BROADCAST)
		datarec_add(&target_counters, ifindex, frame_len(ctx));
	if (egress != REDIRECT_EGRESS_MAC_REWRITE)
		return XDP_PASS;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	macs = bpf_map_lookup_elem(&egress_macs, &ifindex);
	if (!macs)
		return XDP_PASS;
	__builtin_memcpy(eth->h_source, macs->src, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, macs->dst, ETH_ALEN);
	return XDP_PASS;
}

/* Runs on the CPU the cpumap sent the frame to, before any skb exists. */
SEC("xdp.frags/cpumap")
int xdpkit_redirect_cpumap(struct xdp_md *ctx)
{
	__u64 len = frame_len(ctx);
	int verdict = XDP_PASS;

	if (cpumap_then == REDIRECT_CPUMAP_DEVMAP)
		verdict = counted_redirect(bpf_redirect_map(&tx_port, 0, 0), to_ifindex,
					   &target_counters, len);
	datarec_add(&cpumap_verdicts, verdict, len);
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
