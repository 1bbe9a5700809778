// SPDX-License-Identifier: GPL-2.0
/* The sender side of `xdpkit hints --qualify`: tc egress on the interface the test frames
 * leave from. Frames marked HINTS_SENDER_VLAN_MARK get an 802.1Q tag with bpf_skb_vlan_push,
 * which puts it into the skb (hardware-accelerated tag), not into the bytes: the receiver's
 * driver then reports it through bpf_xdp_metadata_rx_vlan_tag the way a NIC that strips tags
 * does. This kernel has no 8021q module, so a VLAN device is not an option. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "lib/consts.bpf.h"
#include "xdpkit/hints.h"

const volatile __u32 vlan_tci = 100;

SEC("tc")
int xdpkit_hints_vlan_push(struct __sk_buff *skb)
{
	if (skb->mark != HINTS_SENDER_VLAN_MARK)
		return TC_ACT_OK;
	skb->mark = 0;
	bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), (__u16)vlan_tci);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
