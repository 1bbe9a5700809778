// SPDX-License-Identifier: GPL-2.0
/* afxdp: steers frames to AF_XDP sockets (xdp-tutorial advanced03, assignments 1-3). A frame
 * that passes the filter is a candidate; the steering picks all candidates, every other one,
 * or one in N, counted per RX queue; a picked frame is redirected to the socket bound to its
 * RX queue through the XSKMAP, everything else goes on to the stack (and the next chain
 * stage). `xdpkit afxdp` creates the sockets and fills the map before attaching. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "lib/chain.bpf.h"
#include "lib/parse.bpf.h"
#include "xdpkit/afxdp.h"

const volatile __u32 steer = AFXDP_STEER_ALL;
const volatile __u32 one_in = 2;	/* N of AFXDP_STEER_ONE_IN_N */
const volatile __u32 filter = AFXDP_FILTER_NONE;
const volatile __u32 udp_port = 0;	/* AFXDP_FILTER_UDP_PORT, host order */

/* Keyed by RX queue: an AF_XDP socket only takes frames of the device and queue it is
 * bound to (xsk_rcv_check), so the queue a frame arrived on is the only key that works. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, AFXDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AFXDP_OUTCOME_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} afxdp_counters SEC(".maps");

/* Every frame per RX queue: what the "no packets on your queue" hint shows. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AFXDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, struct xdpkit_datarec);
} rx_queue_counters SEC(".maps");

/* Candidates seen so far per RX queue, which decides "every other" and "1 in N". One shared
 * counter per queue, not a per-CPU one: a queue's NAPI instance runs on one CPU at a time,
 * but not always the same one (IRQ affinity changes, threaded NAPI, busy polling from the
 * application's CPU), and per-CPU counters would then restart the pattern on every CPU the
 * queue visits. Incremented atomically: in skb mode (or on a device without NAPI-per-queue)
 * two CPUs can run the program for one queue at once, and the pattern must stay exact. The
 * line is written by one queue, so the atomic costs no contention in the normal case. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AFXDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u64);
} steer_position SEC(".maps");

static __always_inline int is_candidate(struct xdp_md *ctx)
{
	struct hdr_cursor c = cursor_of(ctx);
	struct icmp6hdr *icmp6;
	struct udphdr *udp;
	int eth_type, proto = -1;

	if (filter == AFXDP_FILTER_NONE)
		return 1;
	eth_type = parse_ethhdr(&c, NULL);
	if (eth_type == bpf_htons(ETH_P_IPV6))
		proto = parse_ip6hdr(&c, NULL);
	else if (eth_type == bpf_htons(ETH_P_IP) && filter == AFXDP_FILTER_UDP_PORT)
		proto = parse_iphdr(&c, NULL);

	if (filter == AFXDP_FILTER_ICMPV6_ECHO)
		return proto == IPPROTO_ICMPV6 &&
		       parse_icmp6hdr(&c, &icmp6) == ICMPV6_ECHO_REQUEST;
	return proto == IPPROTO_UDP && parse_udphdr(&c, &udp) == 0 &&
	       udp->dest == bpf_htons((__u16)udp_port);
}

static __always_inline int picked(__u32 queue)
{
	__u64 *position, n;

	if (steer == AFXDP_STEER_ALL)
		return 1;
	position = bpf_map_lookup_elem(&steer_position, &queue);
	if (!position)
		return 1;	/* beyond the map: the XSKMAP has no slot either (no-socket) */
	n = steer == AFXDP_STEER_EVERY_OTHER ? 2 : one_in;
	return __sync_fetch_and_add(position, 1) % n == 0;
}

SEC("xdp.frags")
int xdpkit_afxdp(struct xdp_md *ctx)
{
	__u64 len = frame_len(ctx);
	__u32 queue = ctx->rx_queue_index;
	int verdict;

	datarec_add(&rx_queue_counters, queue, len);
	if (!is_candidate(ctx)) {
		datarec_add(&afxdp_counters, AFXDP_FILTERED_OUT, len);
		return xdpkit_exit_len(ctx, XDP_PASS, len);
	}
	if (!picked(queue)) {
		datarec_add(&afxdp_counters, AFXDP_PASSED, len);
		return xdpkit_exit_len(ctx, XDP_PASS, len);
	}
	/* XDP_PASS as the fallback: a queue without a socket (another queue than the one bound,
	 * the moment before the sockets are in the map, or a program left attached after its
	 * process died: closing a socket removes it from the map) then keeps working through
	 * the stack instead of dropping everything it receives. */
	verdict = bpf_redirect_map(&xsks_map, queue, XDP_PASS);
	datarec_add(&afxdp_counters, verdict == XDP_REDIRECT ? AFXDP_TO_SOCKET : AFXDP_NO_SOCKET,
		    len);
	return xdpkit_exit_len(ctx, verdict, len);
}

char LICENSE[] SEC("license") = "GPL";
