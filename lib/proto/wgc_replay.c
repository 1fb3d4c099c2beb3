/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Replay window (RFC 6479): a ring of 128 64-bit words. The word holding
 * the highest counter seen is "current"; moving forward clears the words
 * skipped over, so the cost of a jump is bounded by the ring size. The
 * window is WGC_REPLAY_BITS - 64 = 8128 counters: one word is always the
 * partially used current word.
 *
 * Callers serialise on r->lock (wgc_replay_check_shared(), or one lock
 * per run of a keypair's packets in wgc_transport_accept_burst()).
 *
 * Counters are stored shifted by one (r->next = highest + 1) so that an
 * all-zero window means "nothing seen" and counter 0 is accepted once.
 */

#include <string.h>

#include "wgc_proto_private.h"

void
wgc_replay_init(struct wgc_replay *r)
{
	memset(r, 0, sizeof(*r));
	rte_spinlock_init(&r->lock);
}

bool
wgc_replay_check_shared(struct wgc_replay *r, uint64_t counter)
{
	bool ok;

	rte_spinlock_lock(&r->lock);
	ok = wgc_replay_check(r, counter);
	rte_spinlock_unlock(&r->lock);
	return ok;
}

bool
wgc_replay_check(struct wgc_replay *r, uint64_t counter)
{
	uint64_t c, word, cur, i, gap, bit;

	if (unlikely(counter >= WGC_REJECT_AFTER_MESSAGES))
		return false;
	c = counter + 1;
	if (unlikely(c + WGC_REPLAY_WINDOW < r->next))
		return false;          /* too old */
	word = c >> 6;
	if (c > r->next) {
		cur = r->next >> 6;
		gap = RTE_MIN(word - cur, (uint64_t)WGC_REPLAY_WORDS);
		for (i = 1; i <= gap; i++)
			r->bitmap[(cur + i) & (WGC_REPLAY_WORDS - 1)] = 0;
		r->next = c;
	}
	word &= WGC_REPLAY_WORDS - 1;
	bit = 1ULL << (c & 63);
	if (r->bitmap[word] & bit)
		return false;
	r->bitmap[word] |= bit;
	return true;
}
