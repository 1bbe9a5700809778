/* afxdp: the steering program in front of AF_XDP sockets (xdp-tutorial advanced03). It
 * sends the frames it picks to the socket bound to the frame's RX queue (an XSKMAP keyed by
 * rx_queue_index) and passes the rest to the stack. `xdpkit afxdp` creates the sockets and
 * puts them into the map before the program sees a frame. */
#ifndef XDPKIT_AFXDP_H
#define XDPKIT_AFXDP_H
#include "common.h"

/* Which of the frames that pass the filter go to the socket. */
enum afxdp_steer {
	AFXDP_STEER_ALL = 0,
	AFXDP_STEER_EVERY_OTHER = 1,	/* the 1st, 3rd, 5th, ... of each RX queue */
	AFXDP_STEER_ONE_IN_N = 2,	/* the 1st, (N+1)th, (2N+1)th, ... of each RX queue */
};

/* Which frames are candidates at all; the others pass untouched and do not move the
 * steering count (neighbour discovery must not shift "every other echo request"). */
enum afxdp_filter {
	AFXDP_FILTER_NONE = 0,
	AFXDP_FILTER_ICMPV6_ECHO = 1,	/* ICMPv6 echo requests (type 128) only */
	AFXDP_FILTER_UDP_PORT = 2,	/* UDP (over IPv4 or IPv6) to udp_port only */
};

/* RX queues the XSKMAP and the per-queue maps cover (user space refuses higher queues). */
#define AFXDP_MAX_QUEUES 64

/* afxdp_counters index: what happened to a frame. */
enum afxdp_outcome {
	AFXDP_TO_SOCKET = 0,	/* redirected into the queue's socket */
	AFXDP_PASSED = 1,	/* a candidate the steering left to the stack */
	AFXDP_FILTERED_OUT = 2,	/* not a candidate: passed, count not moved */
	AFXDP_NO_SOCKET = 3,	/* picked, but the queue has no socket: passed to the stack */
	AFXDP_OUTCOME_SLOTS = 4,
};

/* Map names user space fills and reads (also their pin names). */
#define AFXDP_XSKS_MAP "xsks_map"
#define AFXDP_COUNTERS_MAP "afxdp_counters"
#define AFXDP_QUEUE_COUNTERS_MAP "rx_queue_counters"
#define AFXDP_STEER_POSITION_MAP "steer_position"

#endif
