// A program every kernel's verifier refuses: it reads the packet's first byte without the
// bounds check against data_end the verifier demands (EACCES, "... outside of the packet").
// Test-only, never embedded in xdpkit: the progs tier loads it through load_program to check
// what the user is told when the verifier says no.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int reads_past_the_end(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;

	return data[0] == 0 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
