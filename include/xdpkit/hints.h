/* hints: RX metadata ("XDP hints"). The XDP program asks the driver for what it knows about a
 * frame through the RX metadata kfuncs (bpf_xdp_metadata_rx_timestamp, _rx_hash, _rx_vlan_tag,
 * Documentation/networking/xdp-rx-metadata.rst), writes every value and every kfunc's return
 * code into one struct xdpkit_rx_meta placed in front of the frame with bpf_xdp_adjust_meta,
 * then steers the frame to the AF_XDP socket of its RX queue or passes it to the stack. Both
 * consumers read the same struct: the AF_XDP socket at data - sizeof(struct xdpkit_rx_meta),
 * a tc ingress program at skb->data_meta. */
#ifndef XDPKIT_HINTS_H
#define XDPKIT_HINTS_H
#include "common.h"

/* The layout's version. A consumer checks magic and version first: they are the last eight
 * bytes, right before the packet, so they sit at data - 8 whatever the struct's size, and a
 * later version grows the struct at its front without moving them. */
#define XDPKIT_RX_META_MAGIC 0x786d6574U	/* "xmet" */
#define XDPKIT_RX_META_VERSION 1

struct xdpkit_rx_meta {
	__u64 rx_timestamp;	/* ns of the device's clock; valid when timestamp_err == 0 */
	__u64 xdp_tai_ns;	/* bpf_ktime_get_tai_ns() when the XDP program ran */
	__u32 rx_hash;		/* valid when hash_err == 0 */
	__u32 rx_hash_type;	/* enum xdp_rss_hash_type: XDPKIT_RSS_* bits */
	__s32 timestamp_err;	/* return code of each kfunc: 0, -ENODATA, -EOPNOTSUPP */
	__s32 hash_err;
	__s32 vlan_err;
	__u16 vlan_proto;	/* TPID in network byte order (0x8100, 0x88a8); valid when vlan_err == 0 */
	__u16 vlan_tci;		/* PCP, DEI and VID, host order */
	__u32 magic;		/* XDPKIT_RX_META_MAGIC */
	__u16 size;		/* sizeof(struct xdpkit_rx_meta) of the writer */
	__u16 version;		/* XDPKIT_RX_META_VERSION */
};

/* enum xdp_rss_hash_type (include/net/xdp.h): kernel-internal, so its bits are repeated
 * here for user space; the BPF side takes them from vmlinux.h. */
#define XDPKIT_RSS_L3_IPV4 (1U << 0)
#define XDPKIT_RSS_L3_IPV6 (1U << 1)
#define XDPKIT_RSS_L3_DYNHDR (1U << 2)
#define XDPKIT_RSS_L4 (1U << 3)
#define XDPKIT_RSS_L4_TCP (1U << 4)
#define XDPKIT_RSS_L4_UDP (1U << 5)
#define XDPKIT_RSS_L4_SCTP (1U << 6)
#define XDPKIT_RSS_L4_IPSEC (1U << 7)
#define XDPKIT_RSS_L4_ICMP (1U << 8)

/* Where the hints program sends a frame once its metadata is in place. */
enum hints_steer {
	HINTS_STEER_STACK = 0,		/* every frame to the stack (`attach hints`) */
	HINTS_STEER_SOCKET = 1,		/* every frame to its RX queue's socket; stack if none */
	HINTS_STEER_EVERY_OTHER = 2,	/* 1st, 3rd, ... of each RX queue to the socket */
};

#define HINTS_MAX_QUEUES 64

/* hints_counters index. */
enum hints_outcome {
	HINTS_TO_SOCKET = 0,
	HINTS_TO_STACK = 1,
	HINTS_NO_ROOM = 2,	/* bpf_xdp_adjust_meta refused: passed without metadata */
	HINTS_OUTCOME_SLOTS = 3,
};

/* What the tc ingress consumer saw of one frame the stack got: the metadata as found at
 * skb->data_meta, the skb's own hash, and the frame's first bytes (for the flow). */
#define HINTS_STACK_HEAD_BYTES 128
struct xdpkit_hints_stack_event {
	struct xdpkit_rx_meta meta;
	__u32 has_meta;		/* 1: data_meta held a struct of this magic and version */
	__u32 skb_hash;		/* skb->hash as the stack has it (computed if it was not yet) */
	__u32 len;		/* skb->len */
	__u32 head_len;		/* bytes of head[] that are the frame's */
	__u8 head[HINTS_STACK_HEAD_BYTES];
};

/* tc egress on the sender of `hints --qualify`: frames whose skb->mark is vlan_mark leave with
 * an 802.1Q tag in the skb (bpf_skb_vlan_push), as a NIC that strips tags delivers them. */
#define HINTS_SENDER_VLAN_MARK 0x78680001U

/* Map names (also their pin names). */
#define HINTS_XSKS_MAP "xsks_map"
#define HINTS_COUNTERS_MAP "hints_counters"
#define HINTS_STACK_EVENTS_MAP "stack_events"

#endif
