// SPDX-License-Identifier: GPL-2.0
/* hints: RX metadata in front of every frame (include/xdpkit/hints.h), then to AF_XDP or the
 * stack. Two programs: xdpkit_hints, the XDP program, loaded bound to one device (the RX
 * metadata kfuncs are resolved to that driver's implementation at load time), and
 * xdpkit_hints_stack, a tc ingress program that reads the struct back at skb->data_meta and
 * reports what the stack got through a ring buffer.
 *
 * The XDP program is not a chain stage: the kernel refuses a device-bound program in a prog
 * array (EINVAL), since a tail call could run it on another device. So it has no
 * xdpkit_exit(); the loader attaches it directly and alone (core/attach/chain.h). */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "lib/consts.bpf.h"
#include "lib/counters.bpf.h"
#include "xdpkit/hints.h"

/* Kfuncs: bpftool 7.1's vmlinux.h has no prototypes. Not __weak: `attach hints` checks that
 * vmlinux has them before loading, and says so when it does not. */
extern int bpf_xdp_metadata_rx_timestamp(const struct xdp_md *ctx, __u64 *timestamp) __ksym;
extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, __u32 *hash,
				    enum xdp_rss_hash_type *rss_type) __ksym;
extern int bpf_xdp_metadata_rx_vlan_tag(const struct xdp_md *ctx, __be16 *vlan_proto,
					__u16 *vlan_tci) __ksym;

const volatile __u32 steer = HINTS_STEER_STACK;

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, HINTS_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HINTS_OUTCOME_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} hints_counters SEC(".maps");

/* Frames seen so far per RX queue, for "every other" (progs/afxdp.bpf.c explains why one
 * shared counter per queue, incremented atomically). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HINTS_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u64);
} steer_position SEC(".maps");

/* What the tc consumer saw, frame by frame, for `xdpkit hints`. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} stack_events SEC(".maps");

static __always_inline int to_socket(__u32 queue)
{
	__u64 *position;

	if (steer == HINTS_STEER_SOCKET)
		return 1;
	if (steer != HINTS_STEER_EVERY_OTHER)
		return 0;
	position = bpf_map_lookup_elem(&steer_position, &queue);
	return !position || __sync_fetch_and_add(position, 1) % 2 == 0;
}

static __always_inline int done(struct xdp_md *ctx, int verdict, __u32 outcome, __u64 len)
{
	datarec_add(&hints_counters, outcome, len);
	datarec_add(&action_counters, verdict, len);
	return verdict;
}

SEC("xdp.frags")
int xdpkit_hints(struct xdp_md *ctx)
{
	__u64 len = frame_len(ctx);
	__u32 queue = ctx->rx_queue_index;
	struct xdpkit_rx_meta *m;
	void *data;
	int verdict;

	/* Fails only when the driver left less headroom than the struct needs. */
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)) != 0)
		return done(ctx, XDP_PASS, HINTS_NO_ROOM, len);
	data = (void *)(long)ctx->data;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > data)
		return done(ctx, XDP_PASS, HINTS_NO_ROOM, len);	/* for the verifier */

	/* A kfunc that fails leaves its outputs alone: zero them first. */
	__builtin_memset(m, 0, sizeof(*m));
	m->timestamp_err = bpf_xdp_metadata_rx_timestamp(ctx, &m->rx_timestamp);
	m->hash_err = bpf_xdp_metadata_rx_hash(ctx, &m->rx_hash,
					       (enum xdp_rss_hash_type *)&m->rx_hash_type);
	m->vlan_err = bpf_xdp_metadata_rx_vlan_tag(ctx, &m->vlan_proto, &m->vlan_tci);
	m->xdp_tai_ns = bpf_ktime_get_tai_ns();
	m->magic = XDPKIT_RX_META_MAGIC;
	m->size = sizeof(*m);
	m->version = XDPKIT_RX_META_VERSION;

	if (!to_socket(queue))
		return done(ctx, XDP_PASS, HINTS_TO_STACK, len);
	/* XDP_PASS when the queue has no socket: the stack still gets the frame, with its
	 * metadata. */
	verdict = bpf_redirect_map(&xsks_map, queue, XDP_PASS);
	return done(ctx, verdict, verdict == XDP_REDIRECT ? HINTS_TO_SOCKET : HINTS_TO_STACK, len);
}

/* tc ingress (clsact): the stack's consumer. The skb carries the metadata XDP left (veth and
 * drivers call skb_metadata_set on XDP_PASS); the frame itself is never changed. */
SEC("tc")
int xdpkit_hints_stack(struct __sk_buff *skb)
{
	struct xdpkit_hints_stack_event *ev;
	void *data = (void *)(long)skb->data;
	struct xdpkit_rx_meta *m = (void *)(long)skb->data_meta;
	__u32 metalen = skb->data - skb->data_meta;
	__u32 n = skb->len;

	ev = bpf_ringbuf_reserve(&stack_events, sizeof(*ev), 0);
	if (!ev)
		return TC_ACT_OK;
	__builtin_memset(ev, 0, sizeof(*ev));
	if ((void *)(m + 1) <= data && metalen == sizeof(*m) && m->magic == XDPKIT_RX_META_MAGIC &&
	    m->version == XDPKIT_RX_META_VERSION) {
		__builtin_memcpy(&ev->meta, m, sizeof(*m));
		ev->has_meta = 1;
	}
	ev->skb_hash = bpf_get_hash_recalc(skb);
	ev->len = skb->len;
	if (n > HINTS_STACK_HEAD_BYTES)
		n = HINTS_STACK_HEAD_BYTES;
	if (n > 0 && bpf_skb_load_bytes(skb, 0, ev->head, n) == 0)
		ev->head_len = n;
	bpf_ringbuf_submit(ev, 0);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
