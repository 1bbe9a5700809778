/* drop: the XDP paper's xdp1 — count per IP protocol, then drop or pass. */
#ifndef XDPKIT_DROP_H
#define XDPKIT_DROP_H
#include "common.h"

enum drop_action {
	DROP_ACTION_DROP = 0,
	DROP_ACTION_PASS = 1,
};

/* proto_counters is indexed by the IP protocol number (IPv6: the upper-layer protocol after
 * extension headers); frames that are not IPv4/IPv6 count in the extra last slot. */
#define DROP_PROTO_NON_IP 256
#define DROP_PROTO_SLOTS 257

#endif
