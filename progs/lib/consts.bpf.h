/* Constants vmlinux.h lacks: bpftool 7.1 emits types only, no #defines. */
#ifndef XDPKIT_CONSTS_BPF_H
#define XDPKIT_CONSTS_BPF_H

#define ETH_ALEN 6
#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#define IPPROTO_HOPOPTS 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_ESP 50
#define IPPROTO_AH 51
#define IPPROTO_ICMPV6 58
#define IPPROTO_NONE 59
#define IPPROTO_DSTOPTS 60
#define IPPROTO_MH 135		/* Mobility Header, RFC 6275 */
#define IPPROTO_HIP 139		/* Host Identity Protocol, RFC 7401 */
#define IPPROTO_SHIM6 140	/* RFC 5533 */

/* IPv4 frag_off (host order after bpf_ntohs): more-fragments flag and offset bits. */
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF
/* IPv6 fragment header, bytes 2-3 (host order): offset in 8-octet units << 3, M flag
 * (RFC 8200 §4.5). */
#define IP6_OFFSET 0xFFF8
#define IP6_MF 0x0001

#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

#define TC_ACT_OK 0

#endif
