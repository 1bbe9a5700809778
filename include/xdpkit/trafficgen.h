/* trafficgen: the program BPF_PROG_RUN runs in live-frame mode to transmit a template frame
 * over and over, rewriting what has to differ between frames. */
#ifndef XDPKIT_TRAFFICGEN_H
#define XDPKIT_TRAFFICGEN_H
#include "common.h"

enum trafficgen_rewrite {
	TRAFFICGEN_AS_IS = 0,	   /* send the frame untouched (pcap replay) */
	TRAFFICGEN_UDP_FLOWS = 1,  /* rotate the UDP source port over `flows` values */
	TRAFFICGEN_ESP_SEQ = 2,	   /* write an incrementing ESP sequence number */
};

#endif
