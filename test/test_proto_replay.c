/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Replay window against a brute-force model: the model remembers every
 * accepted counter in a plain hash set and accepts a counter iff it is
 * below REJECT_AFTER_MESSAGES, not older than the highest accepted minus
 * WGC_REPLAY_WINDOW, and never accepted before.
 */

#include <stdlib.h>
#include <string.h>

#include "wgc_proto.h"
#include "wgc_test.h"
#include "test_proto_util.h"

/* Open-addressing set of uint64_t (key + 1 stored; 0 = empty). */
struct model {
	uint64_t *slot;
	uint64_t cap;
	uint64_t used;
	uint64_t max;
	bool any;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static int
model_init(struct model *m, uint64_t cap)
{
	memset(m, 0, sizeof(*m));
	m->cap = cap;
	m->slot = calloc(cap, sizeof(uint64_t));
	return m->slot == NULL ? -1 : 0;
}

static void
model_reset(struct model *m)
{
	memset(m->slot, 0, m->cap * sizeof(uint64_t));
	m->used = 0;
	m->max = 0;
	m->any = false;
}

/* true if c was inserted (not present before). */
static bool
model_insert(struct model *m, uint64_t c)
{
	uint64_t h = mix64(c) & (m->cap - 1);

	while (m->slot[h] != 0) {
		if (m->slot[h] == c + 1)
			return false;
		h = (h + 1) & (m->cap - 1);
	}
	m->slot[h] = c + 1;
	m->used++;
	return true;
}

static bool
model_present(const struct model *m, uint64_t c)
{
	uint64_t h = mix64(c) & (m->cap - 1);

	while (m->slot[h] != 0) {
		if (m->slot[h] == c + 1)
			return true;
		h = (h + 1) & (m->cap - 1);
	}
	return false;
}

static bool
model_check(struct model *m, uint64_t c)
{
	if (c >= WGC_REJECT_AFTER_MESSAGES)
		return false;
	if (m->any && c + WGC_REPLAY_WINDOW < m->max)
		return false;
	if (model_present(m, c))
		return false;
	model_insert(m, c);
	if (!m->any || c > m->max)
		m->max = c;
	m->any = true;
	return true;
}

#define MODEL_CAP (1ULL << 18)

static int
run(struct model *m, struct wgc_replay *r, const uint64_t *seq, size_t n,
		const char *what, uint64_t *accepted)
{
	size_t i;

	for (i = 0; i < n; i++) {
		bool want = model_check(m, seq[i]);
		bool got = wgc_replay_check(r, seq[i]);

		TEST_ASSERT_EQUAL(got, want, "%s: step %zu counter %" PRIu64
			" (max %" PRIu64 "): window %d, model %d", what, i,
			seq[i], m->max, got, want);
		*accepted += got;
	}
	return TEST_SUCCESS;
}

#define SEQ 100000

static int
test_replay(void)
{
	struct wgc_replay *r = malloc(sizeof(*r));
	uint64_t *seq = malloc(SEQ * sizeof(uint64_t));
	struct model m;
	uint64_t s = 0xabcdef, acc = 0, total = 0, base;
	unsigned int round, i;

	TEST_ASSERT(r != NULL && seq != NULL, "malloc");
	TEST_ASSERT_SUCCESS(model_init(&m, MODEL_CAP), "model");

	/* Fixed cases from the Linux selftest's spirit. */
	wgc_replay_init(r);
	TEST_ASSERT(wgc_replay_check(r, 0), "0");
	TEST_ASSERT(!wgc_replay_check(r, 0), "0 again");
	TEST_ASSERT(wgc_replay_check(r, 1), "1");
	TEST_ASSERT(wgc_replay_check(r, WGC_REPLAY_WINDOW + 1), "W+1");
	TEST_ASSERT(!wgc_replay_check(r, 0), "0 outside");
	TEST_ASSERT(wgc_replay_check(r, 2), "2 = (W+1) - W: inside");
	TEST_ASSERT(!wgc_replay_check(r, 1), "1 outside");
	TEST_ASSERT(wgc_replay_check(r, WGC_REJECT_AFTER_MESSAGES - 1),
		"last valid counter");
	TEST_ASSERT(!wgc_replay_check(r, WGC_REJECT_AFTER_MESSAGES),
		"REJECT_AFTER_MESSAGES");
	TEST_ASSERT(!wgc_replay_check(r, UINT64_MAX), "UINT64_MAX");

	for (round = 0; round < 60; round++) {
		unsigned int kind = round % 6;

		wgc_replay_init(r);
		model_reset(&m);
		base = kind == 5 ? WGC_REJECT_AFTER_MESSAGES - 3 * SEQ :
			test_rand(&s) % 1000;
		for (i = 0; i < SEQ; i++) {
			uint64_t x = test_rand(&s);

			switch (kind) {
			case 0: /* random around a slowly moving front */
				seq[i] = base + i / 2 + x % (2 * WGC_REPLAY_WINDOW);
				if (seq[i] >= WGC_REPLAY_WINDOW)
					seq[i] -= WGC_REPLAY_WINDOW;
				break;
			case 1: /* in order with duplicates and reorders */
				seq[i] = base + i - (x % 4 == 0 ? x % 64 : 0);
				break;
			case 2: /* edges of the window */
				seq[i] = base + (i / 3) * 61 -
					(x % 2 ? WGC_REPLAY_WINDOW : 0) +
					(x >> 8) % 3;
				if ((int64_t)seq[i] < 0)
					seq[i] = x % 7;
				break;
			case 3: /* large jumps, around the ring size */
				base += (x % 5 == 0) ? (x >> 16) % 20000 : 1;
				seq[i] = base - (x >> 40) % 8300;
				if (seq[i] > base)
					seq[i] = base;
				break;
			case 4: /* anything goes, word-boundary heavy */
				seq[i] = base + ((x % 3000) & ~63ULL) +
					((x >> 20) % 3) * 63;
				base += (x >> 50) % 90;
				break;
			default: /* near REJECT_AFTER_MESSAGES */
				seq[i] = base + i * 2 + (x % 9000) - 4500;
				break;
			}
		}
		TEST_CHECK(run(&m, r, seq, SEQ, "replay", &acc));
		total += SEQ;
	}
	printf("replay: %" PRIu64 " counters checked against the model, "
		"%" PRIu64 " accepted\n", total, acc);
	TEST_ASSERT(total >= 6000000, "fewer than millions");
	free(m.slot);
	free(r);
	free(seq);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_replay_autotest, fast, test_replay);
