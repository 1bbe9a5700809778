/* The tail-call chain that runs several xdpkit programs on one interface.
 *
 * The kernel here refuses freplace (EPERM), so libxdp's multiprog dispatcher cannot work.
 * Instead a root program is attached and tail-calls slot 0.. of a prog array; every stage
 * ends through xdpkit_exit() (progs/lib/chain.bpf.h), which tail-calls the next occupied
 * slot when its verdict is a chain action. Empty slots are skipped, so removing a stage
 * never renumbers the others. */
#ifndef XDPKIT_CHAIN_H
#define XDPKIT_CHAIN_H

#define XDPKIT_CHAIN_MAX_STAGES 8
#define XDPKIT_CHAIN_MAP "xdpkit_chain"

/* Rodata knobs every chainable program has; the loader sets them before load. */
#define XDPKIT_CHAIN_SLOT_VAR "xdpkit_chain_slot"
#define XDPKIT_CHAIN_ACTIONS_VAR "xdpkit_chain_actions"

#endif
