/* SPDX-License-Identifier: BSD-3-Clause */

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include "wgc_peers.h"
#include "wgc_test.h"

static struct wgc_identity *
make_identity(const char *name)
{
	uint8_t sk[WGC_KEY_LEN];

	memset(sk, 0x42, sizeof(sk));
	return wgc_identity_create(name, sk, SOCKET_ID_ANY);
}

static void
make_key(uint8_t key[WGC_KEY_LEN], uint32_t n)
{
	memset(key, 0, WGC_KEY_LEN);
	memcpy(key, &n, sizeof(n));
	key[31] = 0x5a;
}

static struct wgc_peers *
make_table(const char *name, uint32_t max, struct rte_rcu_qsbr *v,
		struct wgc_identity *id)
{
	struct wgc_peers_params prm = {
		.name = name,
		.max_peers = max,
		.max_routes4 = 1024,
		.max_routes6 = 1024,
		.socket_id = SOCKET_ID_ANY,
		.qsbr = v,
		.identity = id,
	};

	return wgc_peers_create(&prm);
}

static struct rte_rcu_qsbr *
make_qsbr(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(4);
	struct rte_rcu_qsbr *v = rte_zmalloc("tp_qsbr", sz,
		RTE_CACHE_LINE_SIZE);

	if (v != NULL)
		rte_rcu_qsbr_init(v, 4);
	return v;
}

static int
test_peers_basic(void)
{
	struct wgc_identity *id = make_identity("tp_basic");
	struct wgc_peers *t;
	struct wgc_peer *p[4], *q;
	uint8_t key[WGC_KEY_LEN];
	uint32_t pos, i, n;

	TEST_ASSERT_NOT_NULL(id, "identity");
	t = make_table("tp_basic", 3, NULL, id);
	TEST_ASSERT_NOT_NULL(t, "create: %s", rte_strerror(rte_errno));
	wgc_peers_lock(t);
	for (i = 0; i < 3; i++) {
		make_key(key, i);
		p[i] = wgc_peers_add(t, key, NULL);
		TEST_ASSERT_NOT_NULL(p[i], "add %u", i);
		TEST_ASSERT_EQUAL(p[i]->id, i, "ids from 0");
		TEST_ASSERT(wgc_peer_from_proto(&p[i]->proto) == p[i], "user");
	}
	make_key(key, 1);
	TEST_ASSERT_NULL(wgc_peers_add(t, key, NULL), "duplicate");
	TEST_ASSERT_EQUAL(rte_errno, EEXIST, "EEXIST");
	make_key(key, 7);
	TEST_ASSERT_NULL(wgc_peers_add(t, key, NULL), "full");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "ENOSPC");
	make_key(key, 2);
	TEST_ASSERT(wgc_peers_lookup(t, key) == p[2], "lookup");
	TEST_ASSERT(wgc_peers_get(wgc_peers_fast(t), 1) == p[1], "get");
	TEST_ASSERT_NULL(wgc_peers_get(wgc_peers_fast(t), 3), "get oob");
	TEST_ASSERT_EQUAL(wgc_peers_count(t), 3u, "count");

	wgc_peers_remove(t, p[1]);
	make_key(key, 1);
	TEST_ASSERT_NULL(wgc_peers_lookup(t, key), "removed");
	TEST_ASSERT_NULL(wgc_peers_get(wgc_peers_fast(t), 1), "slot cleared");
	TEST_ASSERT_EQUAL(wgc_peers_count(t), 2u, "count");
	/* no RCU: the slot is free at once and reused */
	q = wgc_peers_add(t, key, NULL);
	TEST_ASSERT_NOT_NULL(q, "re-add");
	TEST_ASSERT_EQUAL(q->id, 1u, "slot reused");
	for (pos = 0, n = 0; wgc_peers_next(t, &pos) != NULL; n++)
		;
	TEST_ASSERT_EQUAL(n, 3u, "iterate");
	wgc_peers_unlock(t);
	wgc_peers_free(t);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}

/* brute-force model of allowed IPs */
#define MODEL_MAX 512
struct model_route {
	struct wgc_prefix p;
	uint32_t peer;
	bool used;
};

static bool
model_match(const struct wgc_prefix *p, const uint8_t *addr)
{
	unsigned int i;

	for (i = 0; i < p->len; i++) {
		uint8_t bit = 0x80 >> (i % 8);

		if ((p->addr.bytes[i / 8] & bit) != (addr[i / 8] & bit))
			return false;
	}
	return true;
}

static uint32_t
model_lookup(const struct model_route *m, uint8_t family, const uint8_t *a)
{
	int best = -1;
	uint32_t peer = WGC_PEER_ID_NONE;
	unsigned int i;

	for (i = 0; i < MODEL_MAX; i++) {
		if (!m[i].used || m[i].p.addr.family != family)
			continue;
		if (model_match(&m[i].p, a) && (int)m[i].p.len > best) {
			best = m[i].p.len;
			peer = m[i].peer;
		}
	}
	return peer;
}

static void
random_prefix(struct wgc_prefix *p, uint8_t family)
{
	unsigned int i, bits = family == AF_INET ? 32 : 128;

	memset(p, 0, sizeof(*p));
	p->addr.family = family;
	/* few distinct top bytes so that prefixes nest and overlap */
	p->len = (uint8_t)rte_rand_max(bits + 1);
	p->addr.bytes[0] = family == AF_INET ? 10 : 0xfd;
	for (i = 1; i < bits / 8; i++)
		p->addr.bytes[i] = (uint8_t)rte_rand_max(i < 3 ? 4 : 256);
	for (i = p->len; i < bits; i++)
		p->addr.bytes[i / 8] &= ~(0x80 >> (i % 8));
}

static int
check_lookups(struct wgc_peers *t, const struct model_route *m, int rounds)
{
	const struct wgc_peers_fast *f = wgc_peers_fast(t);
	struct wgc_prefix a;
	int r;

	for (r = 0; r < rounds; r++) {
		uint8_t family = (r & 1) ? AF_INET6 : AF_INET;
		struct wgc_peer *got;
		uint32_t want, v4;

		random_prefix(&a, family);
		/* a random host, sometimes exactly a prefix's first address */
		if (r % 3 != 0) {
			unsigned int i;

			for (i = 1; i < (family == AF_INET ? 4u : 16u); i++)
				a.addr.bytes[i] = (uint8_t)rte_rand_max(
					i < 3 ? 4 : 256);
		}
		want = model_lookup(m, family, a.addr.bytes);
		if (family == AF_INET) {
			memcpy(&v4, a.addr.bytes, 4);
			got = wgc_peers_route4(f, v4);
		} else {
			got = wgc_peers_route6(f, a.addr.bytes);
		}
		TEST_ASSERT_EQUAL(got == NULL ? WGC_PEER_ID_NONE : got->id,
			want, "lookup round %d family %u", r, family);
	}
	return TEST_SUCCESS;
}

static int
test_peers_lpm_model(void)
{
	struct wgc_identity *id = make_identity("tp_lpm");
	struct model_route *m;
	struct wgc_peer *p[16];
	struct wgc_peers *t;
	uint8_t key[WGC_KEY_LEN];
	unsigned int i, step;

	m = calloc(MODEL_MAX, sizeof(*m));
	TEST_ASSERT_NOT_NULL(m, "model");
	t = make_table("tp_lpm", RTE_DIM(p), NULL, id);
	TEST_ASSERT_NOT_NULL(t, "create");
	wgc_peers_lock(t);
	for (i = 0; i < RTE_DIM(p); i++) {
		make_key(key, i + 100);
		p[i] = wgc_peers_add(t, key, NULL);
		TEST_ASSERT_NOT_NULL(p[i], "add");
	}
	for (step = 0; step < 2000; step++) {
		unsigned int slot = rte_rand_max(MODEL_MAX);
		unsigned int who = rte_rand_max(RTE_DIM(p));
		unsigned int j;

		if (m[slot].used && rte_rand_max(3) == 0) {
			TEST_ASSERT_SUCCESS(wgc_peers_prefix_del(t,
				p[m[slot].peer], &m[slot].p), "del");
			TEST_ASSERT_EQUAL(wgc_peers_prefix_del(t,
				p[m[slot].peer], &m[slot].p), -ENOENT,
				"del twice");
			m[slot].used = false;
			continue;
		}
		if (m[slot].used)
			continue;
		random_prefix(&m[slot].p,
			rte_rand_max(2) ? AF_INET : AF_INET6);
		{
			int rc = wgc_peers_prefix_add(t, p[who], &m[slot].p);

			TEST_ASSERT_SUCCESS(rc, "add prefix %u/%u: %d",
				m[slot].p.addr.family, m[slot].p.len, rc);
		}
		/* the same prefix owned elsewhere moves to `who` */
		for (j = 0; j < MODEL_MAX; j++)
			if (m[j].used &&
					m[j].p.addr.family == m[slot].p.addr.family &&
					m[j].p.len == m[slot].p.len &&
					memcmp(m[j].p.addr.bytes, m[slot].p.addr.bytes,
						16) == 0)
				m[j].used = false;
		m[slot].used = true;
		m[slot].peer = who;
		if (step % 50 == 0)
			TEST_CHECK(check_lookups(t, m, 200));
	}
	TEST_CHECK(check_lookups(t, m, 4000));
	/* removing a peer removes its routes */
	wgc_peers_remove(t, p[3]);
	for (i = 0; i < MODEL_MAX; i++)
		if (m[i].used && m[i].peer == 3)
			m[i].used = false;
	TEST_CHECK(check_lookups(t, m, 2000));
	wgc_peers_unlock(t);
	wgc_peers_free(t);
	wgc_identity_free(id);
	free(m);
	return TEST_SUCCESS;
}

/*
 * IPv4 /32s live in an exact-match table in front of the LPM (rte_lpm's
 * rule list is linear per depth); when that table is full they go to the
 * LPM. Lookups, owner moves and deletes must not care where a /32 is.
 */
#define H4_ROUTES 300   /* > the exact-match capacity of a 4-peer table */

static uint32_t
h4_addr(unsigned int i)
{
	return rte_cpu_to_be_32(0x0a640000u | i);  /* 10.100.x.y */
}

static int
h4_check(const struct wgc_peers_fast *f, const int *owner,
		struct wgc_peer **p)
{
	unsigned int i;

	for (i = 0; i < H4_ROUTES; i++) {
		struct wgc_peer *got = wgc_peers_route4(f, h4_addr(i));

		if (owner[i] < 0)
			TEST_ASSERT(got == NULL || got == p[3],
				"/32 %u: removed route still routes", i);
		else
			TEST_ASSERT_EQUAL(got, p[owner[i]],
				"/32 %u: wrong peer", i);
	}
	return TEST_SUCCESS;
}

static int
test_peers_host_routes(void)
{
	struct wgc_identity *id = make_identity("tp_h4");
	const struct wgc_peers_fast *f;
	struct wgc_prefix pf = { .addr.family = AF_INET, .len = 32 };
	struct wgc_prefix net = { .addr.family = AF_INET, .len = 16,
		.addr.bytes = { 10, 100 } };
	int owner[H4_ROUTES];
	struct wgc_peer *p[4];
	uint8_t key[WGC_KEY_LEN];
	struct wgc_peers *t;
	unsigned int i;
	uint32_t a;

	t = make_table("tp_h4", RTE_DIM(p), NULL, id);
	TEST_ASSERT_NOT_NULL(t, "create");
	f = wgc_peers_fast(t);
	wgc_peers_lock(t);
	for (i = 0; i < RTE_DIM(p); i++) {
		make_key(key, i + 200);
		p[i] = wgc_peers_add(t, key, NULL);
		TEST_ASSERT_NOT_NULL(p[i], "add");
	}
	/* a covering /16 on peer 3: a /32 must beat it */
	TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p[3], &net), "/16");
	for (i = 0; i < H4_ROUTES; i++) {
		a = h4_addr(i);
		memcpy(pf.addr.bytes, &a, 4);
		owner[i] = i % 3;
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p[owner[i]], &pf),
			"add /32 %u", i);
	}
	TEST_CHECK(h4_check(f, owner, p));
	/* move every fifth to another peer (in the table and in the LPM) */
	for (i = 0; i < H4_ROUTES; i += 5) {
		a = h4_addr(i);
		memcpy(pf.addr.bytes, &a, 4);
		owner[i] = (owner[i] + 1) % 3;
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p[owner[i]], &pf),
			"move /32 %u", i);
		TEST_ASSERT_EQUAL(wgc_peers_prefix_del(t,
			p[(owner[i] + 2) % 3], &pf), -ENOENT,
			"/32 %u still listed on its old owner", i);
	}
	TEST_CHECK(h4_check(f, owner, p));
	/* delete every other one: the /16 shows through */
	for (i = 0; i < H4_ROUTES; i += 2) {
		a = h4_addr(i);
		memcpy(pf.addr.bytes, &a, 4);
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_del(t, p[owner[i]], &pf),
			"del /32 %u", i);
		owner[i] = -1;
	}
	TEST_CHECK(h4_check(f, owner, p));
	for (i = 0; i < H4_ROUTES; i += 2)
		TEST_ASSERT_EQUAL(wgc_peers_route4(f, h4_addr(i)), p[3],
			"deleted /32 %u does not fall back to the /16", i);
	/* removing a peer removes its /32s */
	wgc_peers_remove(t, p[1]);
	for (i = 0; i < H4_ROUTES; i++)
		if (owner[i] == 1)
			TEST_ASSERT_EQUAL(wgc_peers_route4(f, h4_addr(i)),
				p[3], "/32 %u of a removed peer", i);
	wgc_peers_unlock(t);
	wgc_peers_free(t);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(peers_host_routes_autotest, fast, test_peers_host_routes);

/* the same for IPv6 /128s (host6 in front of rte_lpm6) */
static void
h6_addr(unsigned int i, struct wgc_prefix *pf)
{
	memset(pf, 0, sizeof(*pf));
	pf->addr.family = AF_INET6;
	pf->len = 128;
	pf->addr.bytes[0] = 0xfd;
	pf->addr.bytes[1] = 0x64;
	pf->addr.bytes[14] = (uint8_t)(i >> 8);
	pf->addr.bytes[15] = (uint8_t)i;
}

static int
h6_check(const struct wgc_peers_fast *f, const int *owner,
		struct wgc_peer **p)
{
	struct wgc_prefix pf;
	unsigned int i;

	for (i = 0; i < H4_ROUTES; i++) {
		struct wgc_peer *got;

		h6_addr(i, &pf);
		got = wgc_peers_route6(f, pf.addr.bytes);
		if (owner[i] < 0)
			TEST_ASSERT_EQUAL(got, p[3], "/128 %u: deleted route "
				"does not fall back to the /48", i);
		else
			TEST_ASSERT_EQUAL(got, p[owner[i]],
				"/128 %u: wrong peer", i);
	}
	return TEST_SUCCESS;
}

static int
test_peers_host6_routes(void)
{
	struct wgc_identity *id = make_identity("tp_h6");
	struct rte_rcu_qsbr *v = make_qsbr();
	const struct wgc_peers_fast *f;
	struct wgc_prefix pf;
	struct wgc_prefix net = { .addr.family = AF_INET6, .len = 48,
		.addr.bytes = { 0xfd, 0x64 } };
	int owner[H4_ROUTES];
	struct wgc_peer *p[4];
	uint8_t key[WGC_KEY_LEN];
	struct wgc_peers *t;
	unsigned int i;

	/* with RCU (no reader online): host6 defers key reuse */
	t = make_table("tp_h6", RTE_DIM(p), v, id);
	TEST_ASSERT_NOT_NULL(t, "create");
	f = wgc_peers_fast(t);
	wgc_peers_lock(t);
	for (i = 0; i < RTE_DIM(p); i++) {
		make_key(key, i + 300);
		p[i] = wgc_peers_add(t, key, NULL);
		TEST_ASSERT_NOT_NULL(p[i], "add");
	}
	TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p[3], &net), "/48");
	for (i = 0; i < H4_ROUTES; i++) {
		h6_addr(i, &pf);
		owner[i] = i % 3;
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p[owner[i]], &pf),
			"add /128 %u", i);
	}
	TEST_ASSERT(f->nb_host6 > 0 && f->nb_host6 < H4_ROUTES,
		"/128s in the hash (%u) and in the LPM", f->nb_host6);
	TEST_CHECK(h6_check(f, owner, p));
	for (i = 0; i < H4_ROUTES; i += 5) {
		h6_addr(i, &pf);
		owner[i] = (owner[i] + 1) % 3;
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p[owner[i]], &pf),
			"move /128 %u", i);
		TEST_ASSERT_EQUAL(wgc_peers_prefix_del(t,
			p[(owner[i] + 2) % 3], &pf), -ENOENT,
			"/128 %u still listed on its old owner", i);
	}
	TEST_CHECK(h6_check(f, owner, p));
	for (i = 0; i < H4_ROUTES; i += 2) {
		h6_addr(i, &pf);
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_del(t, p[owner[i]], &pf),
			"del /128 %u", i);
		owner[i] = -1;
	}
	TEST_CHECK(h6_check(f, owner, p));
	/* re-adding fills the hash again (deleted keys reclaimed) */
	for (i = 0; i < H4_ROUTES; i += 2) {
		h6_addr(i, &pf);
		owner[i] = 2;
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p[2], &pf),
			"re-add /128 %u", i);
	}
	TEST_CHECK(h6_check(f, owner, p));
	wgc_peers_remove(t, p[1]);
	for (i = 0; i < H4_ROUTES; i++)
		if (owner[i] == 1)
			owner[i] = -1;
	TEST_CHECK(h6_check(f, owner, p));
	wgc_peers_unlock(t);
	wgc_peers_free(t);
	rte_free(v);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(peers_host6_routes_autotest, fast, test_peers_host6_routes);

/* a worker: looks 10.x/16 routes up, checks what it finds, reports QS */
struct reader {
	struct wgc_peers *t;
	struct rte_rcu_qsbr *v;
	unsigned int thread_id;
	volatile bool stop;
	uint64_t lookups;
	uint64_t found;
	uint64_t bad;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	const struct wgc_peers_fast *f = wgc_peers_fast(r->t);

	/* registered by the test (so that it can check the offline state
	 * after this thread has gone) */
	rte_rcu_qsbr_thread_online(r->v, r->thread_id);
	while (!r->stop) {
		uint32_t k;

		for (k = 0; k < 64; k++) {
			uint32_t n = (uint32_t)rte_rand_max(64);
			uint32_t a = rte_cpu_to_be_32(0x0a000000u | (n << 16) | 1);
			struct wgc_peer *p = wgc_peers_route4(f, a);

			__atomic_fetch_add(&r->lookups, 1, __ATOMIC_RELAXED);
			if (p == NULL)
				continue;
			r->found++;
			/* peer n has key n and the prefix 10.n/16 */
			if (memcmp(p->proto.remote_static, &n, 4) != 0 ||
					p->proto.remote_static[31] != 0x5a)
				r->bad++;
		}
		rte_rcu_qsbr_quiescent(r->v, r->thread_id);
	}
	rte_rcu_qsbr_thread_offline(r->v, r->thread_id);
	return NULL;
}

/* wait (sleeping) until every online reader has passed a quiescent state
 * started now; false after 5 s */
static bool
wait_grace_period(struct rte_rcu_qsbr *v)
{
	uint64_t token = rte_rcu_qsbr_start(v);
	uint64_t deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();

	while (rte_rcu_qsbr_check(v, token, false) != 1) {
		if (rte_get_timer_cycles() > deadline)
			return false;
		rte_delay_us_sleep(100);
	}
	return true;
}

/*
 * Peers added and removed (64 slots, 64 keys) while two readers look
 * their routes up. Reader 0 shares the writer's CPU: a pthread inherits
 * the EAL main thread's affinity (one CPU), so it runs only when the
 * writer sleeps or is preempted. Reader 1 may run on any CPU, in parallel.
 * Checks: no reader ever sees a wrong peer; every add succeeds (a slot
 * whose peer was removed comes back after a grace period: the add waits
 * for it instead of failing with ENOSPC); once the readers have passed a
 * quiescent state every slot is free again and all 64 peers fit; a reader
 * that went offline does not hold grace periods back.
 */
static int
test_peers_rcu_reader(void)
{
	struct wgc_identity *id = make_identity("tp_rcu");
	struct rte_rcu_qsbr *v = make_qsbr();
	struct wgc_peer *p[64] = { 0 };
	struct reader r[2];
	struct wgc_peers *t;
	pthread_t th[2];
	unsigned int round, i, adds = 0, add_fail = 0, removes = 0;
	uint64_t deadline, lookups = 0, found = 0, bad = 0;
	uint8_t key[WGC_KEY_LEN];
	bool seen[64] = { false };
	cpu_set_t all;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	TEST_ASSERT_NOT_NULL(v, "qsbr");
	t = make_table("tp_rcu", 64, v, id);
	TEST_ASSERT_NOT_NULL(t, "create");
	memset(r, 0, sizeof(r));
	for (i = 0; i < RTE_DIM(r); i++) {
		r[i].t = t;
		r[i].v = v;
		r[i].thread_id = i;
		TEST_ASSERT_SUCCESS(rte_rcu_qsbr_thread_register(v, i),
			"register");
		TEST_ASSERT_SUCCESS(pthread_create(&th[i], NULL, reader_main,
			&r[i]), "thread");
	}
	CPU_ZERO(&all);
	for (i = 0; i < (unsigned int)ncpu && i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	pthread_setaffinity_np(th[1], sizeof(all), &all);
	/*
	 * The writer must overlap the readers: wait until they look up, then
	 * write for at least 3000 rounds and until they have done 100 000
	 * lookups (adding a peer is a few microseconds). Bounded: 5 s.
	 */
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while ((__atomic_load_n(&r[0].lookups, __ATOMIC_RELAXED) == 0 ||
			__atomic_load_n(&r[1].lookups, __ATOMIC_RELAXED) == 0) &&
			rte_get_timer_cycles() < deadline)
		rte_delay_us_sleep(100);
	for (round = 0; round < 3000 ||
			(__atomic_load_n(&r[1].lookups, __ATOMIC_RELAXED) < 100000 &&
			rte_get_timer_cycles() < deadline); round++) {
		uint32_t n = (uint32_t)rte_rand_max(64);

		wgc_peers_lock(t);
		if (p[n] != NULL) {
			wgc_peers_remove(t, p[n]);
			p[n] = NULL;
			removes++;
		} else {
			struct wgc_prefix pf = { .addr.family = AF_INET,
				.len = 16, .addr.bytes = { 10, (uint8_t)n } };

			make_key(key, n);
			p[n] = wgc_peers_add(t, key, NULL);
			adds++;
			/* at most 63 peers are present: a slot is free or
			 * held by a removed peer in its grace period */
			if (p[n] == NULL)
				add_fail++;
			else if (wgc_peers_prefix_add(t, p[n], &pf) != 0)
				bad++;
		}
		wgc_peers_unlock(t);
	}
	printf("peers rcu: %u rounds, %u adds (%u failed), %u removes\n",
		round, adds, add_fail, removes);
	TEST_ASSERT_EQUAL(add_fail, 0u, "%u of %u adds failed: removed "
		"peers' slots did not come back", add_fail, adds);

	/* every slot comes back once the readers pass a quiescent state */
	wgc_peers_lock(t);
	for (i = 0; i < 64; i++)
		if (p[i] != NULL) {
			wgc_peers_remove(t, p[i]);
			p[i] = NULL;
		}
	wgc_peers_unlock(t);
	TEST_ASSERT(wait_grace_period(v), "readers passed no quiescent state "
		"in 5 s");
	wgc_peers_lock(t);
	TEST_ASSERT_EQUAL(wgc_peers_reclaim(t), 0u, "removed peers still "
		"wait after a grace period");
	for (i = 0; i < 64; i++) {
		make_key(key, i);
		p[i] = wgc_peers_add(t, key, NULL);
		TEST_ASSERT_NOT_NULL(p[i], "re-add %u of 64: %s", i,
			rte_strerror(rte_errno));
		TEST_ASSERT(p[i]->id < 64 && !seen[p[i]->id], "slot %u",
			p[i]->id);
		seen[p[i]->id] = true;
	}
	wgc_peers_unlock(t);

	for (i = 0; i < RTE_DIM(r); i++) {
		r[i].stop = true;
		pthread_join(th[i], NULL);
		lookups += r[i].lookups;
		found += r[i].found;
		bad += r[i].bad;
	}
	printf("peers rcu: %" PRIu64 " lookups, %" PRIu64 " found, %" PRIu64
		" bad\n", lookups, found, bad);
	TEST_ASSERT_EQUAL(bad, 0u, "a reader saw a wrong peer");
	TEST_ASSERT(r[0].lookups > 0 && r[1].lookups > 0, "readers ran");
	TEST_ASSERT(found > 0, "readers never overlapped with present peers");

	/* registered but offline readers do not hold grace periods back */
	wgc_peers_lock(t);
	wgc_peers_remove(t, p[5]);
	TEST_ASSERT_EQUAL(wgc_peers_reclaim(t), 0u, "offline readers block");
	make_key(key, 5);
	TEST_ASSERT_NOT_NULL(wgc_peers_add(t, key, NULL), "slot back at once");
	wgc_peers_unlock(t);
	for (i = 0; i < RTE_DIM(r); i++)
		rte_rcu_qsbr_thread_unregister(v, i);
	wgc_peers_free(t);
	rte_free(v);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}

/* reports reader 1's quiescent state after 20 ms, from its own thread */
struct late_qs {
	struct rte_rcu_qsbr *v;
	bool done;
};

static void *
late_quiescent(void *arg)
{
	struct late_qs *l = arg;

	rte_delay_us_sleep(20 * 1000);
	__atomic_store_n(&l->done, true, __ATOMIC_RELEASE);
	rte_rcu_qsbr_quiescent(l->v, 1);
	return NULL;
}

static int
test_peers_rcu_deferred(void)
{
	struct wgc_identity *id = make_identity("tp_dq");
	struct rte_rcu_qsbr *v = make_qsbr();
	struct late_qs ql = { 0 };
	struct wgc_peers *t;
	struct wgc_peer *p, *q;
	uint8_t key[WGC_KEY_LEN];
	uint64_t t0, ms;
	pthread_t th;

	TEST_ASSERT_NOT_NULL(v, "qsbr");
	t = make_table("tp_dq", 2, v, id);
	TEST_ASSERT_NOT_NULL(t, "create");
	/* a reader that is online and has not reported since */
	TEST_ASSERT_SUCCESS(rte_rcu_qsbr_thread_register(v, 1), "register");
	rte_rcu_qsbr_thread_online(v, 1);

	wgc_peers_lock(t);
	make_key(key, 1);
	p = wgc_peers_add(t, key, NULL);
	make_key(key, 2);
	q = wgc_peers_add(t, key, NULL);
	TEST_ASSERT(p != NULL && q != NULL, "add");
	wgc_peers_remove(t, p);
	TEST_ASSERT_EQUAL(wgc_peers_reclaim(t), 1u, "waits for the reader");
	/* the slot is not free yet and the reader never reports: the add
	 * waits a bounded time, then the table is full */
	make_key(key, 3);
	t0 = rte_get_timer_cycles();
	TEST_ASSERT_NULL(wgc_peers_add(t, key, NULL), "slot still held");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "ENOSPC");
	ms = (rte_get_timer_cycles() - t0) * 1000 / rte_get_timer_hz();
	TEST_ASSERT(ms >= WGC_PEERS_GRACE_WAIT_MS &&
		ms < 4 * WGC_PEERS_GRACE_WAIT_MS, "waited %" PRIu64 " ms", ms);
	/* the reader passes a quiescent state: the peer goes */
	rte_rcu_qsbr_quiescent(v, 1);
	TEST_ASSERT_EQUAL(wgc_peers_reclaim(t), 0u, "freed after QS");
	q = wgc_peers_add(t, key, NULL);
	TEST_ASSERT_NOT_NULL(q, "slot reused after grace period");
	TEST_ASSERT_EQUAL(q->id, 0u, "same slot");
	/* full again; remove one and add at once: the add waits for the
	 * reader, which reports 20 ms later from another thread */
	wgc_peers_remove(t, q);
	ql.v = v;
	TEST_ASSERT_SUCCESS(pthread_create(&th, NULL, late_quiescent, &ql),
		"thread");
	make_key(key, 4);
	q = wgc_peers_add(t, key, NULL);
	TEST_ASSERT_NOT_NULL(q, "add waits for the grace period: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(q->id, 0u, "same slot");
	TEST_ASSERT(__atomic_load_n(&ql.done, __ATOMIC_ACQUIRE),
		"slot reused before the reader's quiescent state");
	pthread_join(th, NULL);
	wgc_peers_unlock(t);

	rte_rcu_qsbr_thread_offline(v, 1);
	rte_rcu_qsbr_thread_unregister(v, 1);
	wgc_peers_free(t);
	rte_free(v);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}

/*
 * IPv6 allowed IPs changed under a concurrent reader. Every prefix of the
 * universe may only ever belong to two peers (it moves between them), so
 * a lookup that returns any other peer read a prefix that never covered
 * the address: e.g. a tbl8 group of rte_lpm6 freed by a delete and
 * refilled by the next add while the reader was inside it.
 */
#define L6_PEERS 16
#define L6_LENS 12      /* prefix lengths per region */
#define L6_PREFIXES (8 * L6_LENS)

struct l6_shared {
	struct wgc_peers *t;
	struct rte_rcu_qsbr *v;
	struct wgc_prefix pfx[L6_PREFIXES];
	uint32_t ever[L6_PREFIXES];   /* peers that ever owned it (bits) */
	volatile bool stop;
	uint64_t lookups;
	uint64_t found;
	uint64_t bad;
	char bad_msg[160];
};

static unsigned int
l6_owner(unsigned int i, unsigned int which)
{
	return which == 0 ? i % L6_PEERS : (i * 7 + 3) % L6_PEERS;
}

static void *
l6_reader(void *arg)
{
	struct l6_shared *sh = arg;
	const struct wgc_peers_fast *f = wgc_peers_fast(sh->t);

	rte_rcu_qsbr_thread_online(sh->v, 0);
	while (!sh->stop) {
		unsigned int k;

		for (k = 0; k < 64; k++) {
			unsigned int i = rte_rand_max(L6_PREFIXES), j, b;
			const struct wgc_prefix *pf = &sh->pfx[i];
			uint8_t a[16];
			struct wgc_peer *p;
			bool ok = false;
			uint32_t id;

			/* an address inside prefix i, random host bits */
			memcpy(a, pf->addr.bytes, 16);
			for (b = pf->len / 8; b < 16; b++) {
				uint8_t r = (uint8_t)rte_rand();

				if (b == pf->len / 8)
					r &= 0xff >> (pf->len % 8);
				a[b] |= r;
			}
			p = wgc_peers_route6(f, a);
			sh->lookups++;
			if (p == NULL)
				continue;
			sh->found++;
			id = p->id;
			/* only prefixes of the same region can cover it */
			for (j = i - i % L6_LENS; j < i - i % L6_LENS + L6_LENS &&
					!ok; j++)
				if (model_match(&sh->pfx[j], a) &&
						(__atomic_load_n(&sh->ever[j],
						__ATOMIC_ACQUIRE) >> id) & 1)
					ok = true;
			if (!ok && sh->bad++ == 0)
				snprintf(sh->bad_msg, sizeof(sh->bad_msg),
					"peer %u for an address in prefix %u "
					"(/%u, owners %u or %u)", id, i,
					pf->len, l6_owner(i, 0),
					l6_owner(i, 1));
		}
		rte_rcu_qsbr_quiescent(sh->v, 0);
	}
	rte_rcu_qsbr_thread_offline(sh->v, 0);
	return NULL;
}

static void
l6_universe(struct l6_shared *sh)
{
	static const uint8_t lens[L6_LENS] = { 16, 25, 33, 41, 47, 57, 64,
		65, 97, 113, 127, 128 };
	unsigned int i, b;

	for (i = 0; i < L6_PREFIXES; i++) {
		struct wgc_prefix *pf = &sh->pfx[i];

		memset(pf, 0, sizeof(*pf));
		pf->addr.family = AF_INET6;
		pf->len = lens[i % L6_LENS];
		pf->addr.bytes[0] = 0xfd;
		/* 8 regions of 24 bits, prefixes nest inside a region */
		pf->addr.bytes[1] = (uint8_t)(i / L6_LENS);
		for (b = 2; b < 16; b++)
			pf->addr.bytes[b] = (uint8_t)rte_rand();
		for (b = pf->len; b < 128; b++)
			pf->addr.bytes[b / 8] &= ~(0x80 >> (b % 8));
	}
}

static int
test_peers_lpm6_rcu(void)
{
	struct wgc_identity *id = make_identity("tp_l6");
	struct rte_rcu_qsbr *v = make_qsbr();
	struct wgc_peer *p[L6_PEERS];
	int owner[L6_PREFIXES];
	struct l6_shared *sh;
	struct wgc_peers *t;
	uint8_t key[WGC_KEY_LEN];
	unsigned int i, round, adds = 0, dels = 0, moves = 0, busy = 0;
	uint64_t deadline;
	pthread_t th;
	cpu_set_t all;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	sh = calloc(1, sizeof(*sh));
	TEST_ASSERT(sh != NULL && v != NULL && id != NULL, "alloc");
	t = make_table("tp_l6", L6_PEERS, v, id);
	TEST_ASSERT_NOT_NULL(t, "create");
	sh->t = t;
	sh->v = v;
	l6_universe(sh);
	wgc_peers_lock(t);
	for (i = 0; i < L6_PEERS; i++) {
		make_key(key, 600 + i);
		p[i] = wgc_peers_add(t, key, NULL);
		TEST_ASSERT_NOT_NULL(p[i], "add");
	}
	wgc_peers_unlock(t);
	for (i = 0; i < L6_PREFIXES; i++)
		owner[i] = -1;
	TEST_ASSERT_SUCCESS(rte_rcu_qsbr_thread_register(v, 0), "register");
	TEST_ASSERT_SUCCESS(pthread_create(&th, NULL, l6_reader, sh),
		"thread");
	CPU_ZERO(&all);
	for (i = 0; i < (unsigned int)ncpu && i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	pthread_setaffinity_np(th, sizeof(all), &all);
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (__atomic_load_n(&sh->lookups, __ATOMIC_RELAXED) == 0 &&
			rte_get_timer_cycles() < deadline)
		rte_delay_us_sleep(100);
	/* at least 20 000 changes and 1 s, bounded by 5 s */
	deadline = rte_get_timer_cycles() + rte_get_timer_hz();
	for (round = 0; round < 20000 || rte_get_timer_cycles() < deadline;
			round++) {
		unsigned int n = rte_rand_max(L6_PREFIXES);
		unsigned int to = l6_owner(n, rte_rand_max(2));
		int rc;

		if (round > 200000)
			break;
		wgc_peers_lock(t);
		if (owner[n] >= 0 && rte_rand_max(2) == 0) {
			rc = wgc_peers_prefix_del(t, p[owner[n]], &sh->pfx[n]);
			TEST_ASSERT_SUCCESS(rc, "del %u: %d", n, rc);
			owner[n] = -1;
			dels++;
		} else if (owner[n] != (int)to) {
			/* published as a possible owner before the table
			 * can return it */
			__atomic_fetch_or(&sh->ever[n], 1u << p[to]->id,
				__ATOMIC_RELEASE);
			rc = wgc_peers_prefix_add(t, p[to], &sh->pfx[n]);
			if (rc == -EBUSY) {
				/* the reader was descheduled for the whole
				 * bounded wait: nothing changed */
				busy++;
				wgc_peers_unlock(t);
				continue;
			}
			TEST_ASSERT_SUCCESS(rc, "add %u: %d", n, rc);
			if (owner[n] >= 0)
				moves++;
			else
				adds++;
			owner[n] = (int)to;
		}
		wgc_peers_unlock(t);
	}
	sh->stop = true;
	pthread_join(th, NULL);
	rte_rcu_qsbr_thread_unregister(v, 0);
	printf("peers lpm6 rcu: %u rounds (%u adds, %u moves, %u deletes, "
		"%u busy); reader: %" PRIu64 " lookups, %" PRIu64 " found, %"
		PRIu64 " wrong\n", round, adds, moves, dels, busy, sh->lookups,
		sh->found, sh->bad);
	TEST_ASSERT_EQUAL(sh->bad, 0u, "%" PRIu64 " lookups returned a peer "
		"that never owned a covering prefix, first: %s", sh->bad,
		sh->bad_msg);
	TEST_ASSERT(sh->found > 0, "the reader never found a route");
	/* the final state is exact */
	wgc_peers_lock(t);
	{
		struct model_route *m = calloc(MODEL_MAX, sizeof(*m));

		TEST_ASSERT_NOT_NULL(m, "model");
		for (i = 0; i < L6_PREFIXES; i++)
			if (owner[i] >= 0) {
				m[i].used = true;
				m[i].p = sh->pfx[i];
				m[i].peer = p[owner[i]]->id;
			}
		for (i = 0; i < L6_PREFIXES; i++) {
			uint32_t want = model_lookup(m, AF_INET6,
				sh->pfx[i].addr.bytes);
			struct wgc_peer *got = wgc_peers_route6(
				wgc_peers_fast(t), sh->pfx[i].addr.bytes);

			TEST_ASSERT_EQUAL(got == NULL ? WGC_PEER_ID_NONE :
				got->id, want, "final lookup %u", i);
		}
		free(m);
	}
	wgc_peers_unlock(t);
	wgc_peers_free(t);
	rte_free(v);
	wgc_identity_free(id);
	free(sh);
	return TEST_SUCCESS;
}

/*
 * The rte_lpm6 fence, deterministically: after a delete that may free tbl8
 * groups, an add that may take one waits for the readers; with a reader
 * that never reports it fails (-EBUSY) and changes nothing. Shorter
 * prefixes and /128s are not held back.
 */
static int
test_peers_lpm6_fence(void)
{
	struct wgc_identity *id = make_identity("tp_l6f");
	struct rte_rcu_qsbr *v = make_qsbr();
	struct wgc_prefix x = { .addr.family = AF_INET6, .len = 57,
		.addr.bytes = { 0xfd, 1, 2, 3, 4, 5, 6, 0x80 } };
	struct wgc_prefix y = { .addr.family = AF_INET6, .len = 64,
		.addr.bytes = { 0xfd, 9, 9, 9, 9, 9, 9, 9 } };
	struct wgc_prefix z = { .addr.family = AF_INET6, .len = 16,
		.addr.bytes = { 0xfd, 7 } };
	struct wgc_prefix w = { .addr.family = AF_INET6, .len = 128,
		.addr.bytes = { 0xfd, 8, [15] = 1 } };
	const struct wgc_peers_fast *f;
	struct wgc_peers *t;
	struct wgc_peer *p;
	uint8_t key[WGC_KEY_LEN];
	uint64_t t0, ms;

	TEST_ASSERT_NOT_NULL(v, "qsbr");
	t = make_table("tp_l6f", 2, v, id);
	TEST_ASSERT_NOT_NULL(t, "create");
	f = wgc_peers_fast(t);
	TEST_ASSERT_SUCCESS(rte_rcu_qsbr_thread_register(v, 1), "register");
	rte_rcu_qsbr_thread_online(v, 1);
	wgc_peers_lock(t);
	make_key(key, 1);
	p = wgc_peers_add(t, key, NULL);
	TEST_ASSERT_NOT_NULL(p, "add");
	TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p, &x), "first add");
	TEST_ASSERT_SUCCESS(wgc_peers_prefix_del(t, p, &x), "del");
	t0 = rte_get_timer_cycles();
	TEST_ASSERT_EQUAL(wgc_peers_prefix_add(t, p, &y), -EBUSY,
		"a /64 added while a reader may be in freed tbl8 groups");
	ms = (rte_get_timer_cycles() - t0) * 1000 / rte_get_timer_hz();
	TEST_ASSERT(ms >= WGC_PEERS_GRACE_WAIT_MS &&
		ms < 4 * WGC_PEERS_GRACE_WAIT_MS, "waited %" PRIu64 " ms", ms);
	TEST_ASSERT_NULL(wgc_peers_route6(f, y.addr.bytes), "nothing added");
	TEST_ASSERT_EQUAL(wgc_peers_prefix_del(t, p, &y), -ENOENT,
		"not listed either");
	TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p, &z), "/16: no tbl8");
	TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p, &w), "/128: host6");
	TEST_ASSERT_EQUAL(wgc_peers_route6(f, w.addr.bytes), p, "/128 routes");
	rte_rcu_qsbr_quiescent(v, 1);
	TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p, &y), "after QS");
	TEST_ASSERT_EQUAL(wgc_peers_route6(f, y.addr.bytes), p, "/64 routes");
	/* no delete since: no wait */
	x.addr.bytes[1] = 3;
	TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p, &x), "no fence");
	wgc_peers_unlock(t);
	rte_rcu_qsbr_thread_offline(v, 1);
	rte_rcu_qsbr_thread_unregister(v, 1);
	wgc_peers_free(t);
	rte_free(v);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}

static int
test_peers_staging(void)
{
	struct wgc_identity *id = make_identity("tp_stage");
	struct rte_mempool *mp;
	struct wgc_recycler rc;
	struct rte_mbuf *out[WGC_PEER_STAGED_MAX + 8];
	struct wgc_peers *t;
	struct wgc_peer *p;
	struct wgc_peer_stats st;
	uint8_t key[WGC_KEY_LEN];
	unsigned int i, n, dropped = 0;

	/* large enough that its parking share (1/8) exceeds one peer's cap */
	mp = rte_pktmbuf_pool_create("tp_stage", 2047, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(mp, "pool");
	wgc_recycler_mempool_init(&rc, mp);
	t = make_table("tp_stage", 4, NULL, id);
	TEST_ASSERT_NOT_NULL(t, "create");
	make_key(key, 9);
	wgc_peers_lock(t);
	p = wgc_peers_add(t, key, NULL);
	wgc_peers_unlock(t);
	TEST_ASSERT_NOT_NULL(p, "add");
	for (i = 0; i < WGC_PEER_STAGED_MAX + 5; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		struct wgc_view v;

		TEST_ASSERT_NOT_NULL(m, "alloc");
		*rte_pktmbuf_mtod(m, uint32_t *) = i;
		m->data_len = m->pkt_len = 4;
		wgc_view_from_mbuf(&v, m, &rc);
		dropped += wgc_peer_stage(t, p, &v, 0);
		TEST_ASSERT(wgc_view_is_empty(&v), "view consumed");
	}
	TEST_ASSERT_EQUAL(dropped, 5u, "oldest dropped");
	TEST_ASSERT_EQUAL(wgc_peer_staged(p), WGC_PEER_STAGED_MAX, "bounded");
	n = wgc_peer_unstage(t, p, out, 10);
	TEST_ASSERT_EQUAL(n, 10u, "unstage 10");
	for (i = 0; i < n; i++)
		TEST_ASSERT_EQUAL(*rte_pktmbuf_mtod(out[i], uint32_t *), i + 5,
			"fifo order");
	rte_pktmbuf_free_bulk(out, n);
	wgc_peer_stats_get(p, &st);
	TEST_ASSERT_EQUAL(st.staged_dropped, 5u, "counted");
	TEST_ASSERT(rte_mempool_in_use_count(mp) == WGC_PEER_STAGED_MAX - 10,
		"held by the stage");
	/* removing the peer frees what it staged */
	wgc_peers_free(t);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 0u, "pool full");
	rte_mempool_free(mp);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}

/*
 * Memory of idle peers: the peer itself (chunks of 64, no allocator header
 * per peer) and no heap for the common one IPv4 + one IPv6 address (inline
 * list; the /32 and /128 tables are allocated with the table).
 */
static int
test_peers_memory(void)
{
	struct wgc_identity *id = make_identity("tp_mem");
	struct rte_malloc_socket_stats s0, s1, s2;
	struct wgc_peers *t;
	uint8_t key[WGC_KEY_LEN];
	unsigned int i, n = 1000;
	size_t peer_b, aip_b;

	t = make_table("tp_mem", n, NULL, id);
	TEST_ASSERT_NOT_NULL(t, "create");
	rte_malloc_get_socket_stats(0, &s0);
	wgc_peers_lock(t);
	for (i = 0; i < n; i++) {
		make_key(key, i);
		TEST_ASSERT_NOT_NULL(wgc_peers_add(t, key, NULL), "add");
	}
	rte_malloc_get_socket_stats(0, &s1);
	for (i = 0; i < n; i++) {
		struct wgc_peer *p = wgc_peers_get(wgc_peers_fast(t), i);
		struct wgc_prefix p4 = { .addr.family = AF_INET, .len = 32,
			.addr.bytes = { 10, 1, (uint8_t)(i >> 8),
				(uint8_t)i } };
		struct wgc_prefix p6 = { .addr.family = AF_INET6, .len = 128,
			.addr.bytes = { 0xfd, [14] = (uint8_t)(i >> 8),
				[15] = (uint8_t)i } };

		TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p, &p4), "v4");
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p, &p6), "v6");
	}
	wgc_peers_unlock(t);
	rte_malloc_get_socket_stats(0, &s2);
	peer_b = (s1.heap_allocsz_bytes - s0.heap_allocsz_bytes) / n;
	aip_b = (s2.heap_allocsz_bytes - s1.heap_allocsz_bytes) / n;
	printf("peers: sizeof(struct wgc_peer) = %zu B; %u idle peers took "
		"%zu B of DPDK heap each (incl. allocator overhead), %zu B "
		"more each with a /32 and a /128\n", wgc_peer_size(), n,
		peer_b, aip_b);
	TEST_ASSERT(wgc_peer_size() <= 1024, "idle peer is small");
	TEST_ASSERT(peer_b <= wgc_peer_size() + 16, "%zu B of heap per peer "
		"for a %zu B peer", peer_b, wgc_peer_size());
	TEST_ASSERT(aip_b <= 16, "%zu B of heap per peer for 2 prefixes",
		aip_b);
	/* chunks go with their last peer */
	wgc_peers_lock(t);
	for (i = 0; i < n; i++)
		wgc_peers_remove(t, wgc_peers_get(wgc_peers_fast(t), i));
	wgc_peers_unlock(t);
	rte_malloc_get_socket_stats(0, &s1);
	TEST_ASSERT_EQUAL(s1.heap_allocsz_bytes, s0.heap_allocsz_bytes,
		"heap after removing every peer");
	wgc_peers_free(t);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}

/*
 * A table takes exactly max_peers random keys: the key hash must not run
 * out of cuckoo room first (a bulk REST load near capacity failed with
 * ENOSPC halfway, found by dts/ctl_live_crash.sh).
 */
static int
test_peers_fill_random(void)
{
	const uint32_t max = 8192;
	struct wgc_identity *id = make_identity("tp_fill");
	struct wgc_peers *t;
	uint8_t key[WGC_KEY_LEN];
	uint32_t i, k;

	TEST_ASSERT_NOT_NULL(id, "identity");
	t = make_table("tp_fill", max, NULL, id);
	TEST_ASSERT_NOT_NULL(t, "create: %s", rte_strerror(rte_errno));
	wgc_peers_lock(t);
	for (i = 0; i < max; i++) {
		for (k = 0; k < WGC_KEY_LEN; k++)
			key[k] = (uint8_t)rte_rand();
		if (wgc_peers_add(t, key, NULL) == NULL)
			break;
	}
	wgc_peers_unlock(t);
	TEST_ASSERT_EQUAL(i, max, "only %u of %u random keys fit (%s)", i,
		max, rte_strerror(rte_errno));
	wgc_peers_lock(t);
	key[0] ^= 1;
	TEST_ASSERT_NULL(wgc_peers_add(t, key, NULL), "full");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "ENOSPC");
	wgc_peers_unlock(t);
	wgc_peers_free(t);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(peers_basic_autotest, fast, test_peers_basic);
WGC_TEST_REGISTER(peers_fill_random_autotest, fast, test_peers_fill_random);
WGC_TEST_REGISTER(peers_lpm_model_autotest, fast, test_peers_lpm_model);
WGC_TEST_REGISTER(peers_rcu_reader_autotest, fast, test_peers_rcu_reader);
WGC_TEST_REGISTER(peers_rcu_deferred_autotest, fast, test_peers_rcu_deferred);
WGC_TEST_REGISTER(peers_lpm6_rcu_autotest, fast, test_peers_lpm6_rcu);
WGC_TEST_REGISTER(peers_lpm6_fence_autotest, fast, test_peers_lpm6_fence);
WGC_TEST_REGISTER(peers_staging_autotest, fast, test_peers_staging);
WGC_TEST_REGISTER(peers_memory_autotest, fast, test_peers_memory);
