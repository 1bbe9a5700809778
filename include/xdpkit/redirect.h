/* redirect: XDP_REDIRECT through a devmap, a devmap-hash, a cpumap, or to every port of a
 * broadcast set (xdp-bench redirect-map / redirect-cpu / redirect-multi), with programs on
 * the map entries. `xdpkit redirect` fills the maps before the program sees a frame. */
#ifndef XDPKIT_REDIRECT_H
#define XDPKIT_REDIRECT_H
#include "common.h"

enum redirect_via {
	REDIRECT_VIA_DEVMAP = 0,	/* tx_port[0] */
	REDIRECT_VIA_DEVMAP_HASH = 1,	/* tx_port_by_ifindex[to_ifindex] */
	REDIRECT_VIA_CPUMAP = 2,	/* cpu_map[cpus_in_use[flow hash % cpu_count]] */
	REDIRECT_VIA_BROADCAST = 3,	/* every port of broadcast_ports but the ingress one */
};

/* What the devmap entry program (BPF_XDP_DEVMAP) does to each frame before it is sent. */
enum redirect_egress {
	REDIRECT_EGRESS_NONE = 0,
	REDIRECT_EGRESS_MAC_REWRITE = 1,	/* source: the egress device's MAC; dest: a neighbour */
};

/* What the cpumap entry program (BPF_XDP_CPUMAP) does on the remote CPU. */
enum redirect_cpumap_then {
	REDIRECT_CPUMAP_STACK = 0,	/* no entry program: the frame becomes an skb there */
	REDIRECT_CPUMAP_DEVMAP = 1,	/* redirected on through tx_port[0] */
};

/* Bounds of the maps (user space refuses more before anything is loaded). */
#define REDIRECT_MAX_PORTS 64		/* broadcast set, devmap-hash */
#define REDIRECT_MAX_CPUS 64		/* cpumap entries and the CPU list */
#define REDIRECT_MAX_IFINDEX 1024	/* target_counters is indexed by ifindex */

/* egress_macs value: what mac-rewrite writes for frames leaving through one device. */
struct redirect_macs {
	__u8 src[6];
	__u8 dst[6];
};

/* Map names user space fills and reads (also their pin names). */
#define REDIRECT_TX_PORT_MAP "tx_port"
#define REDIRECT_TX_PORT_HASH_MAP "tx_port_by_ifindex"
#define REDIRECT_BROADCAST_MAP "broadcast_ports"
#define REDIRECT_CPU_MAP "cpu_map"
#define REDIRECT_CPUS_MAP "cpus_in_use"
#define REDIRECT_EGRESS_MACS_MAP "egress_macs"
#define REDIRECT_TARGET_COUNTERS_MAP "target_counters"
#define REDIRECT_CPU_COUNTERS_MAP "cpu_counters"
#define REDIRECT_CPUMAP_VERDICTS_MAP "cpumap_verdicts"
#define REDIRECT_ERRORS_MAP "redirect_errors"

/* redirect_errors index: why bpf_redirect_map returned something else than XDP_REDIRECT. */
enum redirect_error {
	REDIRECT_ERR_NO_TARGET = 0,	/* the entry the frame was meant for is empty */
	REDIRECT_ERR_NO_CPU = 1,	/* cpumap: no CPU configured */
	REDIRECT_ERR_SLOTS = 2,
};

/* The programs besides the XDP entry point. */
#define REDIRECT_EGRESS_PROG "xdpkit_redirect_egress"
#define REDIRECT_CPUMAP_PROG "xdpkit_redirect_cpumap"

#endif
