/* The anti-replay window (RFC 4303 §3.4.3 and Appendix A) written once, in plain C, for the
 * XDP pre-check, the inline decryption path and the user-space crypto engine, so the three
 * can never disagree about what "in the window" means. 32-bit sequence numbers (no ESN).
 *
 * The bitmap covers the last IPSEC_REPLAY_MAX_WINDOW sequence numbers circularly: the bit of
 * sequence number s is s % 1024. When the top moves, the bits of the numbers it passes are
 * cleared (they still hold numbers 1024 older); only `window` of them count. */
#ifndef XDPKIT_IPSEC_REPLAY_H
#define XDPKIT_IPSEC_REPLAY_H
#include "ipsec.h"

enum ipsec_replay_verdict {
	IPSEC_REPLAY_NEW = 0,		/* not seen, in or right of the window */
	IPSEC_REPLAY_SEEN = 1,		/* in the window and already verified: a replay */
	IPSEC_REPLAY_TOO_OLD = 2,	/* left of the window: cannot be told apart from a replay */
};

static inline __u64 ipsec_replay_bit(__u32 seq)
{
	return 1ULL << (seq % 64);
}

static inline __u32 ipsec_replay_word(__u32 seq)
{
	return (seq % IPSEC_REPLAY_MAX_WINDOW) / 64;
}

/* Sequence number 0 is never sent (RFC 4303 §3.3.3: the first packet carries 1); callers
 * reject it before asking. A window of 0 turns the check off. */
static inline int ipsec_replay_check(const struct ipsec_replay *r, __u32 seq)
{
	if (r->window == 0 || seq > r->top)
		return IPSEC_REPLAY_NEW;
	if (r->top - seq >= r->window)
		return IPSEC_REPLAY_TOO_OLD;
	return r->bitmap[ipsec_replay_word(seq)] & ipsec_replay_bit(seq) ? IPSEC_REPLAY_SEEN
									 : IPSEC_REPLAY_NEW;
}

/* Marks seq verified, sliding the window when seq is new on the right. Only after the ICV
 * verified (RFC 4303 Appendix A2.2): a forged packet must never move the window. Call it only
 * for a sequence number ipsec_replay_check() said is new.
 *
 * Written for the verifier as much as for the CPU: the inline path runs it under the SA's
 * spin lock. A jump of a whole bitmap or more clears every word (a fixed loop); a shorter one
 * clears the bits of top+1 .. seq-1 one by one, a loop without branches in its body, so the
 * verifier walks it once per trip count (a word-at-a-time loop with a branch per word cost
 * half a million verified instructions). In-order traffic (seq == top + 1) clears nothing. */
static inline void ipsec_replay_advance(struct ipsec_replay *r, __u32 seq)
{
	if (seq > r->top) {
		__u32 count = seq - r->top, from = r->top + 1;

		if (count >= IPSEC_REPLAY_MAX_WINDOW) {
			for (int w = 0; w < IPSEC_REPLAY_WORDS; w++)
				r->bitmap[w] = 0;
		} else {
			for (__u32 i = 0; i < IPSEC_REPLAY_MAX_WINDOW; i++) {
				__u32 s = from + i;

				if (i + 1 >= count)
					break;
				r->bitmap[ipsec_replay_word(s)] &= ~ipsec_replay_bit(s);
			}
		}
		r->top = seq;
	}
	r->bitmap[ipsec_replay_word(seq)] |= ipsec_replay_bit(seq);
}

#endif
