/* trafficgen: the program BPF_PROG_RUN runs in live-frame mode to transmit a template frame
 * over and over, rewriting what has to differ between frames. */
#ifndef XDPKIT_TRAFFICGEN_H
#define XDPKIT_TRAFFICGEN_H
#include "common.h"

enum trafficgen_rewrite {
	TRAFFICGEN_AS_IS = 0,	   /* send the frame untouched (pcap replay) */
	TRAFFICGEN_UDP_FLOWS = 1,  /* rotate the UDP source port over `flows` values */
	TRAFFICGEN_ESP_SEQ = 2,	   /* write an incrementing ESP sequence number */
	TRAFFICGEN_FRAME_SET = 3,  /* copy the next frame of a pre-built set (frame_set map) */
};

/* Live frames are page-pool pages: the frame, the XDP headroom and skb_shared_info share one
 * page, so a frame may be at most this long (net/bpf/test_run.c). Also the frame_set map's
 * value size until user space sets it to the set's frame length. */
#define TRAFFICGEN_MAX_FRAME 3520

#endif
