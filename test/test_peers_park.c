/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The parking lot of lib/peers against a model: every bound drops the
 * oldest packet concerned, counts it, and pools are full once the parked
 * packets are taken, purged or expired.
 */

#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "wgc_peers.h"
#include "wgc_test.h"

#define NS 1000000000ull

struct park_rig {
	struct wgc_identity *id;
	struct wgc_peers *t;
	struct rte_mempool *mp;
	struct wgc_recycler rc;
	struct wgc_peer *p[4];
};

static int
rig_init(struct park_rig *r, const char *name, unsigned int pool_size,
		uint32_t capacity)
{
	struct wgc_peers_params prm = {
		.name = name,
		.max_peers = 8,
		.max_routes4 = 64,
		.max_routes6 = 64,
		.socket_id = SOCKET_ID_ANY,
		.park_capacity = capacity,
	};
	uint8_t key[WGC_KEY_LEN];
	unsigned int i;

	memset(r, 0, sizeof(*r));
	memset(key, 0x11, sizeof(key));
	r->id = wgc_identity_create(name, key, SOCKET_ID_ANY);
	if (r->id == NULL)
		return -1;
	prm.identity = r->id;
	r->t = wgc_peers_create(&prm);
	r->mp = rte_pktmbuf_pool_create(name, pool_size, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (r->t == NULL || r->mp == NULL)
		return -1;
	wgc_recycler_mempool_init(&r->rc, r->mp);
	wgc_peers_lock(r->t);
	for (i = 0; i < RTE_DIM(r->p); i++) {
		key[0] = (uint8_t)(0x40 + i);
		r->p[i] = wgc_peers_add(r->t, key, NULL);
	}
	wgc_peers_unlock(r->t);
	for (i = 0; i < RTE_DIM(r->p); i++)
		if (r->p[i] == NULL)
			return -1;
	return 0;
}

static void
rig_fini(struct park_rig *r)
{
	wgc_peers_free(r->t);
	rte_mempool_free(r->mp);
	wgc_identity_free(r->id);
}

/* park one packet carrying tag for peer k at time now; drops returned */
static int
park_one(struct park_rig *r, unsigned int k, uint32_t tag, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->mp);
	struct wgc_view v;

	if (m == NULL)
		return -1;
	*rte_pktmbuf_mtod(m, uint32_t *) = tag;
	m->data_len = m->pkt_len = 4;
	wgc_view_from_mbuf(&v, m, &r->rc);
	return (int)wgc_peer_stage(r->t, r->p[k], &v, now);
}

/* take every packet of peer k; their tags in tags[], count returned */
static unsigned int
take_all(struct park_rig *r, unsigned int k, uint32_t *tags,
		unsigned int max)
{
	struct rte_mbuf *m[64];
	unsigned int n, i, got = 0;

	while ((n = wgc_peer_unstage(r->t, r->p[k], m, RTE_DIM(m))) != 0) {
		for (i = 0; i < n; i++) {
			if (got < max)
				tags[got] = *rte_pktmbuf_mtod(m[i], uint32_t *);
			got++;
		}
		rte_pktmbuf_free_bulk(m, n);
	}
	return got;
}

/*
 * A pool's share (1/8) is never exceeded, and what survives is the newest
 * share of the whole device: the oldest packets go first, whoever's they
 * are.
 */
static int
test_park_pool_share(void)
{
	struct park_rig r;
	struct wgc_park_stats s;
	uint32_t tags[64];
	unsigned int i, k, n, dropped = 0, total = 0;
	const unsigned int limit = 255 / WGC_PARK_POOL_SHARE; /* 31 */

	TEST_ASSERT_SUCCESS(rig_init(&r, "tpk_share", 255, 0), "rig");
	for (i = 0; i < 100; i++) {
		int d = park_one(&r, i % 3, i, i);

		TEST_ASSERT(d >= 0, "alloc %u", i);
		dropped += (unsigned int)d;
		TEST_ASSERT(rte_mempool_in_use_count(r.mp) <= limit,
			"pool share held at %u", i);
	}
	TEST_ASSERT_EQUAL(dropped, 100 - limit, "drops returned");
	wgc_peers_park_stats(r.t, &s);
	TEST_ASSERT_EQUAL(s.parked, (uint64_t)limit, "parked now");
	TEST_ASSERT_EQUAL(s.parked_max, (uint64_t)limit, "parked max");
	TEST_ASSERT_EQUAL(s.drop[WGC_PARK_DROP_POOL_SHARE],
		(uint64_t)(100 - limit), "counted as pool share");
	TEST_ASSERT_EQUAL(s.nb_pools, 1u, "one pool");
	TEST_ASSERT_EQUAL(s.pool[0].limit, limit, "limit");
	TEST_ASSERT_EQUAL(s.pool[0].parked, limit, "pool parked");
	/* survivors: tags 100-limit .. 99, each peer's in order */
	for (k = 0; k < 3; k++) {
		uint32_t prev = 0;

		n = take_all(&r, k, tags, RTE_DIM(tags));
		total += n;
		for (i = 0; i < n; i++) {
			TEST_ASSERT(tags[i] >= 100 - limit, "newest kept");
			TEST_ASSERT_EQUAL(tags[i] % 3, k, "own packets");
			TEST_ASSERT(i == 0 || tags[i] > prev, "fifo");
			prev = tags[i];
		}
		TEST_ASSERT_EQUAL(wgc_peer_staged(r.p[k]), 0u, "taken");
	}
	TEST_ASSERT_EQUAL(total, limit, "all survivors taken");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(r.mp), 0u, "pool full");
	rig_fini(&r);
	return TEST_SUCCESS;
}

/* a peer keeps its newest WGC_PEER_STAGED_MAX, others are untouched */
static int
test_park_peer_cap(void)
{
	struct park_rig r;
	struct wgc_park_stats s;
	uint32_t tags[WGC_PEER_STAGED_MAX];
	unsigned int i, n;

	TEST_ASSERT_SUCCESS(rig_init(&r, "tpk_cap", 4095, 0), "rig");
	TEST_ASSERT_EQUAL(park_one(&r, 1, 7, 0), 0, "other peer");
	for (i = 0; i < WGC_PEER_STAGED_MAX + 10; i++)
		TEST_ASSERT_EQUAL(park_one(&r, 0, i, 1),
			i < WGC_PEER_STAGED_MAX ? 0 : 1, "cap %u", i);
	wgc_peers_park_stats(r.t, &s);
	TEST_ASSERT_EQUAL(s.drop[WGC_PARK_DROP_PEER_CAP], 10u, "counted");
	n = take_all(&r, 0, tags, RTE_DIM(tags));
	TEST_ASSERT_EQUAL(n, WGC_PEER_STAGED_MAX, "capped");
	for (i = 0; i < n; i++)
		TEST_ASSERT_EQUAL(tags[i], i + 10, "newest kept, in order");
	n = take_all(&r, 1, tags, RTE_DIM(tags));
	TEST_ASSERT(n == 1 && tags[0] == 7, "other peer untouched");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(r.mp), 0u, "pool full");
	rig_fini(&r);
	return TEST_SUCCESS;
}

/*
 * Holes left by taken packets are skipped; a lot whose entries are all
 * taken drops its oldest live packet; the age bound empties the lot with
 * no handshake at all.
 */
static int
test_park_lot_and_age(void)
{
	struct park_rig r;
	struct wgc_park_stats s;
	uint32_t tags[256];
	unsigned int i, n;

	/* capacity 128 (the smallest), pool share 511 */
	TEST_ASSERT_SUCCESS(rig_init(&r, "tpk_lot", 4095, 128), "rig");
	for (i = 0; i < 100; i++)
		TEST_ASSERT_EQUAL(park_one(&r, i % 2, i, 0), 0, "park %u", i);
	/* peer 0's 50 leave holes between peer 1's */
	TEST_ASSERT_EQUAL(take_all(&r, 0, tags, RTE_DIM(tags)), 50u, "take");
	for (i = 100; i < 200; i++)
		TEST_ASSERT(park_one(&r, 2, i, 5 * NS) >= 0, "park %u", i);
	wgc_peers_park_stats(r.t, &s);
	TEST_ASSERT(s.parked <= 128, "lot bounded: %" PRIu64, s.parked);
	TEST_ASSERT(s.drop[WGC_PARK_DROP_LOT_FULL] > 0, "lot full counted");
	/* the oldest (peer 1's, parked at 0) went first */
	n = take_all(&r, 1, tags, RTE_DIM(tags));
	for (i = 0; i < n; i++)
		TEST_ASSERT(tags[i] >= 100 - 2 * n, "oldest dropped first");
	TEST_ASSERT_EQUAL(wgc_peers_park_expire(r.t, 5 * NS +
		WGC_PARK_MAX_AGE_NS), 0u, "not yet");
	n = wgc_peers_park_expire(r.t, 5 * NS + WGC_PARK_MAX_AGE_NS + 1);
	TEST_ASSERT(n > 0, "expired");
	wgc_peers_park_stats(r.t, &s);
	TEST_ASSERT_EQUAL(s.parked, 0u, "lot empty");
	TEST_ASSERT_EQUAL(s.drop[WGC_PARK_DROP_EXPIRED], (uint64_t)n,
		"counted");
	TEST_ASSERT_EQUAL(wgc_peer_staged(r.p[2]), 0u, "peer empty");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(r.mp), 0u, "pool full");
	/* and the lot works again after wrapping */
	for (i = 0; i < 300; i++)
		TEST_ASSERT(park_one(&r, i % 4, i, 100 * NS) >= 0, "refill");
	wgc_peer_stage_purge(r.t, r.p[3]);
	TEST_ASSERT_EQUAL(wgc_peer_staged(r.p[3]), 0u, "purged");
	wgc_peers_free(r.t);
	r.t = NULL;
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(r.mp), 0u,
		"table free empties the lot");
	rig_fini(&r);
	return TEST_SUCCESS;
}

/*
 * Random park / take / purge / expire against a model of the lot: a list
 * of (peer, tag, time) in arrival order. Any bound drops the first entry
 * of the model it applies to.
 */
struct model_ent {
	uint32_t tag;
	uint8_t peer;
	uint64_t t;
};

static int
test_park_model(void)
{
	static struct model_ent mdl[4096];
	struct park_rig r;
	uint32_t tags[256];
	unsigned int nm = 0, step, i, j;
	const unsigned int limit = 1023 / WGC_PARK_POOL_SHARE; /* 127 */
	uint64_t now = 0, seed = 12345;

	TEST_ASSERT_SUCCESS(rig_init(&r, "tpk_model", 1023, 0), "rig");
	for (step = 0; step < 20000; step++) {
		unsigned int op, k;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		op = (unsigned int)(seed >> 33) % 100;
		k = (unsigned int)(seed >> 20) % 4;
		now += (seed >> 40) % (200 * 1000 * 1000);
		if (op < 85) {
			unsigned int cnt = 0;

			for (i = 0; i < nm; i++)
				cnt += mdl[i].peer == k;
			/* peer cap, then pool share: drop model's oldest */
			if (cnt >= WGC_PEER_STAGED_MAX) {
				for (i = 0; mdl[i].peer != k; i++)
					;
				memmove(&mdl[i], &mdl[i + 1],
					(nm - i - 1) * sizeof(mdl[0]));
				nm--;
			}
			if (nm >= limit) {
				memmove(&mdl[0], &mdl[1],
					(nm - 1) * sizeof(mdl[0]));
				nm--;
			}
			TEST_ASSERT(park_one(&r, k, step, now) >= 0, "park");
			mdl[nm].tag = step;
			mdl[nm].peer = (uint8_t)k;
			mdl[nm].t = now;
			nm++;
		} else if (op < 95) {
			unsigned int n = take_all(&r, k, tags, RTE_DIM(tags));

			for (i = 0, j = 0; i < nm; i++) {
				if (mdl[i].peer == k) {
					TEST_ASSERT(j < n && tags[j] ==
						mdl[i].tag, "take order");
					j++;
				} else {
					mdl[i - j] = mdl[i];
				}
			}
			TEST_ASSERT_EQUAL(j, n, "take count");
			nm -= j;
		} else {
			wgc_peers_park_expire(r.t, now);
			for (i = 0; i < nm && now - mdl[i].t >
					WGC_PARK_MAX_AGE_NS; i++)
				;
			memmove(&mdl[0], &mdl[i], (nm - i) * sizeof(mdl[0]));
			nm -= i;
		}
		TEST_ASSERT_EQUAL(rte_mempool_in_use_count(r.mp), nm,
			"model size at step %u", step);
	}
	rig_fini(&r);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(park_pool_share_autotest, fast, test_park_pool_share);
WGC_TEST_REGISTER(park_peer_cap_autotest, fast, test_park_peer_cap);
WGC_TEST_REGISTER(park_lot_and_age_autotest, fast, test_park_lot_and_age);
WGC_TEST_REGISTER(park_model_autotest, fast, test_park_model);
