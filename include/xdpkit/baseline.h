/* baseline: returns one fixed verdict and does nothing else — the floor every other
 * program's cost is measured against (`xdpkit run baseline --repeat N`). */
#ifndef XDPKIT_BASELINE_H
#define XDPKIT_BASELINE_H

/* The values are enum xdp_action's, so the program returns the parameter as it is. */
enum baseline_verdict {
	BASELINE_ABORTED = 0,
	BASELINE_DROP = 1,
	BASELINE_PASS = 2,
	BASELINE_TX = 3,
};

#endif
