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
 * extension headers); frames whose EtherType is not IPv4/IPv6 count in slot 256, and frames
 * whose headers could not be walked to the upper-layer protocol (enum xdpkit_unparsed) in
 * slot 257. The numbering up to 256 indexes the protos=LIST bitmap as well; unparsed frames
 * follow the unparsed parameter instead. */
#define DROP_PROTO_NON_IP XDPKIT_PROTO_NON_IP
#define DROP_PROTO_UNPARSED (XDPKIT_PROTO_NON_IP + 1)
#define DROP_PROTO_SLOTS (DROP_PROTO_UNPARSED + 1)

#endif
