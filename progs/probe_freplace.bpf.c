// SPDX-License-Identifier: GPL-2.0
/* probe_freplace: replaces probe_target in probe.bpf.c. If the kernel loads and attaches it,
 * libxdp's multiprog dispatcher (which is freplace programs on a dispatcher's global
 * functions) can work; the loader sets the target program before load. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("freplace/probe_target")
int probe_replacement(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
