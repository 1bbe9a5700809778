/* drop: the XDP paper's xdp1 and xdp2 — count per IP protocol, then drop, pass, or bounce
 * UDP back out with the MAC addresses swapped. */
#ifndef XDPKIT_DROP_H
#define XDPKIT_DROP_H
#include "common.h"

enum drop_action {
	DROP_ACTION_DROP = 0,	/* xdp1 */
	DROP_ACTION_PASS = 1,
	DROP_ACTION_TX_UDP = 2,	/* xdp2: UDP gets its MACs swapped and XDP_TX, the rest dropped */
};

/* proto_counters is indexed by the IP protocol number (IPv6: the upper-layer protocol after
 * extension headers); frames that are not IPv4/IPv6, or end inside their headers, count in
 * the extra last slot. The same numbering indexes the protos=LIST bitmap. */
#define DROP_PROTO_NON_IP XDPKIT_PROTO_NON_IP
#define DROP_PROTO_SLOTS (XDPKIT_PROTO_NON_IP + 1)

#endif
