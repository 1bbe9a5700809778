/* pass: counts and passes. What `veth prepare` loads on a peer, and a chain stage in tests.
 * It has only the shared per-verdict counters (include/xdpkit/common.h). */
#ifndef XDPKIT_PASS_H
#define XDPKIT_PASS_H
#include "common.h"
#endif
