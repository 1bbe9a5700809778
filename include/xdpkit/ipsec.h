/* ipsec: ESP pre-parse in front of the stack. Finds ESP (IPv4, IPv6 after extension headers,
 * NAT-T UDP 4500), looks the SA up by (SPI, destination, family), rejects certain replays
 * early, and acts per SA: pass, drop, a CPU (cpumap), an AF_XDP queue (the user-space crypto
 * engine) or inline decryption. `xdpkit ipsec sa add|del|list` keeps the SA database, which
 * every ipsec program of a network namespace shares (pinned maps, like xdp-filter's). */
#ifndef XDPKIT_IPSEC_H
#define XDPKIT_IPSEC_H
#include "common.h"
#ifndef __VMLINUX_H__
#include <linux/bpf.h>	/* struct bpf_spin_lock */
#endif

/* What the program does with an SA's packets once the pre-checks passed. */
enum ipsec_action {
	IPSEC_ACTION_PASS = 0,		/* to the stack: its xfrm decrypts */
	IPSEC_ACTION_DROP = 1,
	IPSEC_ACTION_CPU = 2,		/* cpumap entry `target`: one SA stays on one CPU */
	IPSEC_ACTION_XSK = 3,		/* AF_XDP socket of RX queue `target`: the crypto engine */
	IPSEC_ACTION_INLINE = 4,	/* decrypt in XDP with the BPF crypto kfuncs */
};

/* ESP with an SPI no SA has (parameter unknown_spi). */
enum ipsec_unknown_spi {
	IPSEC_UNKNOWN_SPI_DROP = 0,
	IPSEC_UNKNOWN_SPI_PASS = 1,
};

enum ipsec_cipher {
	IPSEC_CIPHER_NULL = 0,		/* RFC 2410 */
	IPSEC_CIPHER_AES_CBC_128 = 1,	/* RFC 3602: 16-byte IV, 16-byte blocks */
	IPSEC_CIPHER_AES_GCM_128 = 2,	/* RFC 4106: 8-byte IV, 16-byte ICV, 4-byte salt */
};

enum ipsec_auth {
	IPSEC_AUTH_NONE = 0,		/* GCM (its own ICV), or null integrity */
	IPSEC_AUTH_HMAC_SHA1_96 = 1,	/* RFC 2404: 20-byte key, 12-byte ICV */
	IPSEC_AUTH_HMAC_SHA256_128 = 2,	/* RFC 4868: 32-byte key, 16-byte ICV */
};

#define IPSEC_MAX_SAS 1024		/* SA slots: per-SA state and counters are indexed by slot */
#define IPSEC_NATT_PORT 4500		/* RFC 3948 */
#define IPSEC_REPLAY_MAX_WINDOW 1024	/* bits; a window is a multiple of 32 up to this */
#define IPSEC_REPLAY_DEFAULT_WINDOW 64	/* RFC 4303 §3.4.3: 32 minimum, 64 default */
#define IPSEC_REPLAY_WORDS (IPSEC_REPLAY_MAX_WINDOW / 64)

/* sa_table key. The SPI as on the wire (network order), so the program never swaps it. */
struct ipsec_sa_key {
	__u32 spi;
	__u32 family;		/* 4 or 6 */
	__u8 dst[16];		/* IPv4 in the first 4 bytes, the rest zero */
};

/* sa_table value: what the program needs to steer one SA (no key material). */
struct ipsec_sa {
	__u32 action;		/* enum ipsec_action */
	__u32 target;		/* CPU of IPSEC_ACTION_CPU, RX queue of IPSEC_ACTION_XSK */
	__u32 slot;		/* index into sa_replay and sa_stats */
	__u8 cipher;		/* enum ipsec_cipher */
	__u8 auth;		/* enum ipsec_auth */
	__u8 iv_len;		/* bytes after the sequence number */
	__u8 icv_len;		/* bytes at the end of the packet */
	__u16 replay_window;	/* bits, 0: no anti-replay check */
	__u8 has_src;		/* src must match the outer source address */
	__u8 flags;		/* IPSEC_SA_F_* */
	__u8 src[16];
};

#define IPSEC_SA_F_UNVERIFIED 1	/* inline decryption without integrity (--unverified) */

/* sa_replay value: the anti-replay window of one SA (RFC 4303 Appendix A), a bitmap over the
 * last 1024 sequence numbers of which `window` count. The crypto engine advances it after the
 * ICV verified; the XDP program only reads it (a pre-check). The lock keeps the program from
 * reading a half-written window: user space updates it with BPF_F_LOCK. */
struct ipsec_replay {
	struct bpf_spin_lock lock;
	__u32 window;		/* bits in use; 0: the check is off */
	__u32 top;		/* highest verified sequence number; 0: none yet */
	__u32 pad;
	__u64 bitmap[IPSEC_REPLAY_WORDS];	/* bit (seq % 1024): seq verified */
};

/* sa_stats value (per CPU, indexed by slot). packets/bytes: every ESP frame of the SA;
 * the others count the frames dropped for that reason. */
struct ipsec_sa_stats {
	__u64 packets;
	__u64 bytes;
	__u64 replay;		/* in the window and already verified */
	__u64 too_old;		/* left of the window */
	__u64 malformed;	/* shorter than this SA's IV + trailer + ICV */
	__u64 steer_failed;	/* cpu/xsk target missing or wrong RX queue: passed instead */
	__u64 highest_seq;	/* highest sequence number seen (not verified) on this CPU */
	/* The inline action (IPSEC_ACTION_INLINE), decrypting in XDP: */
	__u64 decrypted;	/* decrypted, padding good, window advanced, passed on as plaintext */
	__u64 bad_padding;	/* decrypted, but the padding is not 1, 2, 3, ...: dropped */
	__u64 crypto_error;	/* the kfunc failed, or no crypto context for the slot: dropped */
};

/* sa_keys value (user space only, pinned 0600: never in a map the programs read). */
struct ipsec_sa_keys {
	__u32 in_use;
	__u8 key_len;
	__u8 auth_key_len;
	__u8 salt_len;
	__u8 pad;
	__u8 key[32];
	__u8 auth_key[64];
	__u8 salt[4];
};

/* esp_events index. The first nine say what the parser found, exactly one per frame; the
 * rest say what then happened to ESP frames with a valid header (at most one each). */
enum ipsec_event {
	IPSEC_EV_ESP_IPV4 = 0,		/* ESP directly over IPv4 */
	IPSEC_EV_ESP_IPV6 = 1,		/* ESP over IPv6 (after any extension headers) */
	IPSEC_EV_ESP_UDP = 2,		/* ESP in UDP 4500 (NAT-T) */
	IPSEC_EV_IKE = 3,		/* UDP 4500 with the non-ESP marker: passed */
	IPSEC_EV_KEEPALIVE = 4,		/* UDP 4500 one-byte 0xFF: passed */
	IPSEC_EV_FRAGMENT = 5,		/* IPv4 fragment or IPv6 fragment header: passed */
	IPSEC_EV_NOT_ESP = 6,		/* anything else: passed untouched */
	IPSEC_EV_MALFORMED = 7,		/* bad IHL, lengths that lie, ESP header cut: dropped */
	IPSEC_EV_UNPARSED = 8,		/* headers not walkable to the protocol: the unparsed rule */
	IPSEC_EV_FOUND_SLOTS = 9,
	IPSEC_EV_INVALID_SPI = 9,	/* SPI 0-255 (RFC 4303 §2.1) or sequence number 0: dropped */
	IPSEC_EV_UNKNOWN_SPI = 10,	/* no SA (or its source does not match) */
	IPSEC_EV_SA_MALFORMED = 11,	/* shorter than the SA's algorithms allow, or (inline) an
					 * inner IP header whose length lies: dropped */
	IPSEC_EV_REPLAY = 12,		/* dropped by the anti-replay pre-check */
	IPSEC_EV_TOO_OLD = 13,
	IPSEC_EV_STEER_FAILED = 14,	/* cpu/xsk target missing or another RX queue: passed */
	IPSEC_EV_DECRYPTED = 15,	/* inline: decrypted and stripped to the inner packet */
	IPSEC_EV_BAD_PADDING = 16,	/* inline: padding not 1, 2, 3, ... after decryption: dropped */
	IPSEC_EV_CRYPTO_ERROR = 17,	/* inline: no context, or the kfunc failed: dropped */
	IPSEC_EV_NOT_TUNNEL = 18,	/* inline: next header not IPv4/IPv6 (transport mode): dropped */
	IPSEC_EV_SLOTS = 19,
};

/* sa_summary value (one entry): what the program needs to know about the whole SA table to
 * decide an unparsed frame, which might be ESP of any SA. User space (SaDatabase) recounts it
 * after every change, and raises it before an SA that is not `pass` appears. */
struct ipsec_sa_summary {
	__u32 not_pass;		/* SAs whose action is not pass: then unparsed frames are dropped */
	__u32 sas;
};

/* sa_crypto value: the slot's cbc(aes) context for the inline action, a referenced kptr the
 * SEC("syscall") program ipsec_crypto_setup stores. Declared in BPF only (progs/lib/
 * ipsec_crypto.bpf.h): user space never reads it, it writes an empty value to release it. */
#define IPSEC_SA_CRYPTO_VALUE_SIZE 8

/* ctx_in of ipsec_crypto_setup (BPF_PROG_RUN of a syscall program): the key goes to the
 * kernel this way only, never into a map. err comes back in ctx_out. */
struct ipsec_crypto_setup {
	__u32 slot;
	__u32 key_len;		/* 16: aes-cbc-128 */
	__u8 key[32];
	__s32 err;		/* 0, or the negative errno of bpf_crypto_ctx_create */
	__u32 pad;
};

/* Map names user space fills and reads (also their pin names). */
#define IPSEC_SA_TABLE_MAP "sa_table"
#define IPSEC_SA_REPLAY_MAP "sa_replay"
#define IPSEC_SA_STATS_MAP "sa_stats"
#define IPSEC_CPU_MAP "ipsec_cpu_map"
#define IPSEC_XSKS_MAP "ipsec_xsks"
#define IPSEC_EVENTS_MAP "esp_events"
#define IPSEC_SA_KEYS_MAP "sa_keys"
#define IPSEC_SA_CRYPTO_MAP "sa_crypto"
#define IPSEC_SA_SUMMARY_MAP "sa_summary"

#endif
