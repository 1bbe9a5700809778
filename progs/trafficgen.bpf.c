// SPDX-License-Identifier: GPL-2.0
/* trafficgen: run by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES, never attached. The
 * kernel hands it the template frame user space built; what it returns is what happens to
 * the frame for real: XDP_TX sends it out of the device named in the run's context.
 * Everything that must differ between frames is rewritten here, so user space hands the
 * kernel one template and a repeat count rather than one syscall per frame. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "xdpkit/trafficgen.h"

const volatile __u32 rewrite = TRAFFICGEN_AS_IS;
/* Offset of the UDP or ESP header in the template (user space built it, so it knows). */
const volatile __u32 l4_offset = 0;
/* UDP: source ports base_port .. base_port + flows - 1, so RSS hashes spread the flows. */
const volatile __u32 flows = 1;
const volatile __u32 base_port = 1024;

/* Frames sent so far on this CPU: picks the next flow without a shared cache line. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} frames_per_cpu SEC(".maps");

/* ESP sequence numbers must not repeat across generator threads: one shared counter. */
__u32 esp_seq = 0;

/* TRAFFICGEN_FRAME_SET: frames user space built whole (real ESP, whose ICV covers the
 * sequence number, so nothing can be rewritten here), all frame_len bytes long. User space
 * sets the map's value size to frame_len and its size to set_size before load, so the
 * verifier knows every copy stays inside one value. */
const volatile __u32 frame_len = 0;
const volatile __u32 set_size = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, TRAFFICGEN_MAX_FRAME);
} frame_set SEC(".maps");

/* Shared by every generator thread (not per CPU): the set goes out in order, each frame
 * once per round over all threads, so a receiver sees sequence numbers s0 .. s0+n-1. */
__u64 set_next = 0;

/* RFC 1624: the checksum after one 16-bit word changed from old to new (all in network
 * order: the one's complement sum does not care which order, as long as it is one). */
static __always_inline __u16 csum_replace16(__u16 check, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __always_inline int rotate_udp_port(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + l4_offset;
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&frames_per_cpu, &key);
	__u16 port, check;

	if (!n || (void *)(udp + 1) > end)
		return XDP_ABORTED;
	port = bpf_htons(base_port + (__u32)(*n % flows));
	(*n)++;
	/* IPv4 may carry no UDP checksum (0); everything else gets it updated, and a computed
	 * 0 is sent as 0xffff (RFC 768). */
	if (udp->check) {
		check = csum_replace16(udp->check, udp->source, port);
		udp->check = check ? check : 0xffff;
	}
	udp->source = port;
	return XDP_TX;
}

static __always_inline int next_esp_seq(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ip_esp_hdr *esp = data + l4_offset;

	if ((void *)(esp + 1) > end)
		return XDP_ABORTED;
	esp->seq_no = bpf_htonl(__sync_fetch_and_add(&esp_seq, 1) + 1);
	return XDP_TX;
}

static __always_inline int copy_from_set(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 key;
	void *frame;

	/* Every frame of the set is frame_len long and the template is one of them: a frame
	 * of another length means user space and this program disagree. */
	if (frame_len == 0 || frame_len > TRAFFICGEN_MAX_FRAME || set_size == 0 ||
	    data + frame_len != end)
		return XDP_ABORTED;
	key = (__u32)(__sync_fetch_and_add(&set_next, 1) % set_size);
	frame = bpf_map_lookup_elem(&frame_set, &key);
	if (!frame)
		return XDP_ABORTED;
	/* Live frames are recycled without their bytes being reset (bpf_prog_run.rst), so
	 * the whole frame is written every time. */
	if (bpf_xdp_store_bytes(ctx, 0, frame, frame_len))
		return XDP_ABORTED;
	return XDP_TX;
}

SEC("xdp")
int xdpkit_trafficgen(struct xdp_md *ctx)
{
	if (rewrite == TRAFFICGEN_UDP_FLOWS)
		return rotate_udp_port(ctx);
	if (rewrite == TRAFFICGEN_ESP_SEQ)
		return next_esp_seq(ctx);
	if (rewrite == TRAFFICGEN_FRAME_SET)
		return copy_from_set(ctx);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
