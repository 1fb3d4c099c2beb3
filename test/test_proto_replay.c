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

/*
 * Two threads race over one window, as two workers decapsulating for one
 * keypair (a peer's outer fragments and its whole datagrams hashed to
 * different queues). Each is offered every counter once, in blocks of
 * RACE_BLOCK shuffled differently per thread, and neither runs more than
 * RACE_SKEW blocks ahead of the other, so every counter is inside the
 * window when offered: the single-owner model accepts each exactly once,
 * whatever the interleaving. Checked: no counter accepted twice, none
 * rejected by both.
 */
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <rte_pause.h>

#define RACE_N (1u << 19)
#define RACE_BLOCK 64u
#define RACE_SKEW 2u

struct race {
	struct wgc_replay *r;
	uint8_t *accepted;          /* per counter: times accepted */
	volatile uint32_t done[2];  /* blocks finished per thread */
	uint64_t acc[2];
	unsigned int dup;           /* a counter accepted twice */
};

struct race_arg {
	struct race *rc;
	unsigned int t;
	cpu_set_t cpus;
};

static void *
race_thread(void *arg)
{
	struct race_arg *a = arg;
	struct race *rc = a->rc;
	uint64_t s = 0x9e3779b97f4a7c15ULL * (a->t + 1);
	uint32_t perm[RACE_BLOCK];
	uint32_t b, i, j, tmp;

	pthread_setaffinity_np(pthread_self(), sizeof(a->cpus), &a->cpus);
	for (b = 0; b < RACE_N / RACE_BLOCK; b++) {
		while (b > __atomic_load_n(&rc->done[!a->t], __ATOMIC_ACQUIRE) +
				RACE_SKEW)
			sched_yield();
		for (i = 0; i < RACE_BLOCK; i++)
			perm[i] = i;
		/* every other block in the same order for both: collisions */
		for (i = RACE_BLOCK - 1; (b & 1) && i > 0; i--) {
			j = (uint32_t)(test_rand(&s) % (i + 1));
			tmp = perm[i];
			perm[i] = perm[j];
			perm[j] = tmp;
		}
		for (i = 0; i < RACE_BLOCK; i++) {
			uint64_t c = (uint64_t)b * RACE_BLOCK + perm[i];

			if (!wgc_replay_check_shared(rc->r, c))
				continue;
			rc->acc[a->t]++;
			if (__atomic_fetch_add(&rc->accepted[c], 1,
					__ATOMIC_RELAXED) != 0)
				__atomic_fetch_add(&rc->dup, 1,
					__ATOMIC_RELAXED);
		}
		__atomic_store_n(&rc->done[a->t], b + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int
test_replay_race(void)
{
	struct race rc;
	struct race_arg args[2];
	pthread_t th[2];
	cpu_set_t cpus;
	unsigned int t, missed = 0;
	uint32_t c;

	memset(&rc, 0, sizeof(rc));
	rc.r = aligned_alloc(64, RTE_ALIGN_CEIL(sizeof(*rc.r), 64));
	rc.accepted = calloc(RACE_N, 1);
	TEST_ASSERT(rc.r != NULL && rc.accepted != NULL, "alloc");
	wgc_replay_init(rc.r);
	/* EAL pinned this thread to one CPU: the racers get every CPU */
	CPU_ZERO(&cpus);
	for (t = 0; t < CPU_SETSIZE && t < (unsigned int)sysconf(
			_SC_NPROCESSORS_ONLN); t++)
		CPU_SET(t, &cpus);
	for (t = 0; t < 2; t++) {
		args[t].rc = &rc;
		args[t].t = t;
		args[t].cpus = cpus;
		TEST_ASSERT_SUCCESS(pthread_create(&th[t], NULL, race_thread,
			&args[t]), "thread");
	}
	for (t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	for (c = 0; c < RACE_N; c++)
		missed += rc.accepted[c] == 0;
	printf("replay race: %u counters offered twice, accepted %" PRIu64
		" + %" PRIu64 ", %u twice, %u never\n", RACE_N, rc.acc[0],
		rc.acc[1], rc.dup, missed);
	free(rc.accepted);
	free(rc.r);
	TEST_ASSERT_EQUAL(rc.dup, 0u, "counters accepted twice");
	TEST_ASSERT_EQUAL(missed, 0u, "counters in the window rejected");
	TEST_ASSERT_EQUAL(rc.acc[0] + rc.acc[1], (uint64_t)RACE_N, "total");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_replay_race_autotest, fast, test_replay_race);
