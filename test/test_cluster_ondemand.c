/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Peers on demand (lib/cluster/cluster_ondemand.c) against a real etcd:
 * a kept initiation of a key etcd holds is installed and handed back (the
 * newest message of its key); a key etcd does not hold, or holds a bad
 * value for, goes to the negative cache; the kept table's bounds (total,
 * per source) hold while lookups are stuck; an unreachable etcd is a
 * counted error with a short negative entry; idle peers installed on
 * demand are removed, active ones stay.
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <netinet/in.h>

#include "wgc_cluster.h"
#include "wgc_conf.h"
#include "wgc_net.h"
#include "wgc_test.h"
#include "etcd_rig.h"

#define PREFIX "/od/"

/* etcd on loopback ports 27000 + 2 x (pid mod 400) */
static int
etcd_setup(void)
{
	return etcd_rig_setup(27000);
}

/* what the callbacks saw; install may be held back by a gate */
struct od_rec {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool gate_closed;
	unsigned int waiting;         /* installs that reached the gate */
	unsigned int installs;
	uint8_t installed_key[WGC_KEY_LEN];
	uint32_t installed_ips;
	unsigned int reinjects;
	uint8_t msg[148];
	size_t msg_len;
	struct wgc_endpoint src;
	/* eviction */
	uint64_t activity[4];
	uint8_t keys[4][WGC_KEY_LEN];
	bool gone[4];
	unsigned int removes;
};

static struct od_rec rec = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

static int
rec_install(void *ctx, const struct wgc_peer_conf *c)
{
	struct od_rec *r = ctx;

	pthread_mutex_lock(&r->mu);
	r->waiting++;
	while (r->gate_closed)
		pthread_cond_wait(&r->cv, &r->mu);
	r->installs++;
	memcpy(r->installed_key, c->public_key, WGC_KEY_LEN);
	r->installed_ips = c->n_allowed_ips;
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static int
rec_reinject(void *ctx, const uint8_t *msg, size_t len,
		const struct wgc_endpoint *src)
{
	struct od_rec *r = ctx;

	pthread_mutex_lock(&r->mu);
	r->reinjects++;
	memcpy(r->msg, msg, len);
	r->msg_len = len;
	r->src = *src;
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static int
rec_activity(void *ctx, const uint8_t key[32], uint64_t *v)
{
	struct od_rec *r = ctx;
	unsigned int i;
	int rc = -ENOENT;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < RTE_DIM(r->keys); i++)
		if (!r->gone[i] && memcmp(r->keys[i], key, 32) == 0) {
			*v = r->activity[i];
			rc = 0;
		}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int
rec_remove(void *ctx, const uint8_t (*keys)[32], unsigned int n)
{
	struct od_rec *r = ctx;
	unsigned int i, k;

	pthread_mutex_lock(&r->mu);
	for (k = 0; k < n; k++)
		for (i = 0; i < RTE_DIM(r->keys); i++)
			if (memcmp(r->keys[i], keys[k], 32) == 0)
				r->gone[i] = true;
	r->removes += n;
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static void
gate(bool closed)
{
	pthread_mutex_lock(&rec.mu);
	rec.gate_closed = closed;
	pthread_cond_broadcast(&rec.cv);
	pthread_mutex_unlock(&rec.mu);
}

static unsigned int
rec_get(const unsigned int *f)
{
	unsigned int v;

	pthread_mutex_lock(&rec.mu);
	v = *f;
	pthread_mutex_unlock(&rec.mu);
	return v;
}

static void
mk_key(uint8_t k[WGC_KEY_LEN], uint8_t tag)
{
	unsigned int i;

	for (i = 0; i < WGC_KEY_LEN; i++)
		k[i] = (uint8_t)(tag * 7 + i);
}

static void
mk_src(struct wgc_endpoint *s, uint8_t last, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->addr.family = AF_INET;
	s->addr.ip4 = rte_cpu_to_be_32(WGC_TEST_IPV4(198, 51, 100, last));
	s->port = port;
}

/* put <prefix>peers/<key> = value (a peer's JSON unless raw given) */
static int
put_peer(struct wgc_etcd *e, const uint8_t key[WGC_KEY_LEN], const char *raw)
{
	char path[128], u[WGC_KEY_B64URL_LEN + 1], b[WGC_KEY_B64_LEN + 1];
	char val[256];

	wgc_key_to_base64url(key, u);
	wgc_key_to_base64(key, b);
	snprintf(path, sizeof(path), PREFIX "peers/%s", u);
	if (raw == NULL)
		snprintf(val, sizeof(val), "{\"public_key\": \"%s\", "
			"\"allowed_ips\": [\"10.9.0.1/32\", \"fd00::1/128\"]}",
			b);
	else
		snprintf(val, sizeof(val), "%s", raw);
	return wgc_etcd_put(e, path, strlen(path), val, strlen(val), -1, 0,
		NULL);
}

static struct wgc_ondemand *
od_new(const char *url, unsigned int lookups, unsigned int kept,
		unsigned int per_source, unsigned int idle)
{
	const char *const ep[] = { url };
	struct wgc_ondemand_params p = {
		.endpoints = ep, .nb_endpoints = 1, .prefix = PREFIX,
		.timeout_ms = 500, .lookups = lookups, .kept = kept,
		.per_source = per_source, .negative_ttl_ms = 60000,
		.error_ttl_ms = 300, .idle_evict_s = idle,
		.install = rec_install, .reinject = rec_reinject,
		.activity = rec_activity, .remove = rec_remove, .ctx = &rec,
	};

	return wgc_ondemand_create(&p);
}

static void
rec_reset(void)
{
	pthread_mutex_lock(&rec.mu);
	rec.gate_closed = false;
	rec.installs = rec.reinjects = rec.removes = rec.waiting = 0;
	memset(rec.gone, 0, sizeof(rec.gone));
	memset(rec.activity, 0, sizeof(rec.activity));
	pthread_mutex_unlock(&rec.mu);
}

static int
test_ondemand_lookup(void)
{
	const char *const ep[] = { etcd_url };
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 0);
	struct wgc_ondemand_stats st;
	struct wgc_endpoint src;
	struct wgc_ondemand *od;
	uint8_t k1[32], k2[32], k3[32], k4[32], msg[148];

	TEST_ASSERT_NOT_NULL(e, "client");
	rec_reset();
	mk_key(k1, 1);
	mk_key(k2, 2);
	mk_key(k3, 3);
	mk_key(k4, 4);
	TEST_ASSERT_SUCCESS(put_peer(e, k1, NULL), "put k1");
	TEST_ASSERT_SUCCESS(put_peer(e, k3, "{not json"), "put k3");
	{
		/* k4's key holds the value of another peer (k1's) */
		char u[WGC_KEY_B64URL_LEN + 1], b[WGC_KEY_B64_LEN + 1];
		char path[128], val[128];

		wgc_key_to_base64url(k4, u);
		wgc_key_to_base64(k1, b);
		snprintf(path, sizeof(path), PREFIX "peers/%s", u);
		snprintf(val, sizeof(val), "{\"public_key\": \"%s\"}", b);
		TEST_ASSERT_SUCCESS(wgc_etcd_put(e, path, strlen(path), val,
			strlen(val), -1, 0, NULL), "put k4");
	}
	od = od_new(etcd_url, 1, 16, 4, 0);
	TEST_ASSERT_NOT_NULL(od, "create");

	/* found: installed, and the newest initiation of the key handed
	 * back (a second one arrives while the lookup is under way) */
	gate(true);
	mk_src(&src, 1, 4000);
	memset(msg, 0xa1, sizeof(msg));
	TEST_ASSERT_SUCCESS(wgc_ondemand_offer(od, k1, msg, sizeof(msg), &src),
		"offer k1");
	WAIT_FOR(rec_get(&rec.waiting) > 0, 3000);
	TEST_ASSERT_EQUAL(rec.waiting, 1u, "k1 found, its install under way");
	memset(msg, 0xb2, sizeof(msg));
	mk_src(&src, 1, 4001);
	TEST_ASSERT_SUCCESS(wgc_ondemand_offer(od, k1, msg, sizeof(msg), &src),
		"offer k1 again");
	gate(false);
	WAIT_FOR(rec_get(&rec.reinjects) > 0, 3000);
	TEST_ASSERT_EQUAL(rec.installs, 1u, "installed once");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(rec.installed_key, k1, 32, "its key");
	TEST_ASSERT_EQUAL(rec.installed_ips, 2u, "its allowed IPs");
	TEST_ASSERT_EQUAL(rec.reinjects, 1u, "handed back once");
	TEST_ASSERT(rec.msg_len == 148 && rec.msg[0] == 0xb2 &&
		rec.msg[147] == 0xb2, "the newest initiation");
	TEST_ASSERT_EQUAL(rec.src.port, 4001, "its source");
	wgc_ondemand_stats_get(od, &st);
	TEST_ASSERT(st.offered == 2 && st.queued == 1 && st.coalesced == 1 &&
		st.found == 1 && st.installed == 1 && st.reinjected == 1 &&
		st.pending == 0, "counted: offered %" PRIu64 " queued %" PRIu64
		" coalesced %" PRIu64, st.offered, st.queued, st.coalesced);
	TEST_ASSERT(st.lookup_ns_max > 0 && st.lookup_ns_sum >= st.lookup_ns_max,
		"latency measured");

	/* not found: negative cache until forgotten */
	TEST_ASSERT_SUCCESS(wgc_ondemand_offer(od, k2, msg, sizeof(msg), &src),
		"offer k2");
	WAIT_FOR((wgc_ondemand_stats_get(od, &st), st.not_found == 1), 3000);
	TEST_ASSERT_EQUAL(st.not_found, 1u, "k2 not found");
	TEST_ASSERT_EQUAL(wgc_ondemand_offer(od, k2, msg, sizeof(msg), &src),
		-ENOENT, "k2 in the negative cache");
	wgc_ondemand_stats_get(od, &st);
	TEST_ASSERT(st.negative_hit == 1 && st.negative == 1,
		"negative hit counted");
	TEST_ASSERT_SUCCESS(put_peer(e, k2, NULL), "put k2");
	wgc_ondemand_forget(od, k2);
	TEST_ASSERT_SUCCESS(wgc_ondemand_offer(od, k2, msg, sizeof(msg), &src),
		"k2 forgotten: looked up again");
	WAIT_FOR(rec_get(&rec.reinjects) == 2, 3000);
	TEST_ASSERT_EQUAL(rec.reinjects, 2u, "k2 installed and answered");

	/* bad values: not JSON, another peer's value; nothing installed */
	TEST_ASSERT_SUCCESS(wgc_ondemand_offer(od, k3, msg, sizeof(msg), &src),
		"offer k3");
	TEST_ASSERT_SUCCESS(wgc_ondemand_offer(od, k4, msg, sizeof(msg), &src),
		"offer k4");
	WAIT_FOR((wgc_ondemand_stats_get(od, &st), st.bad_values == 2), 3000);
	TEST_ASSERT_EQUAL(st.bad_values, 2u, "two bad values");
	TEST_ASSERT_EQUAL(rec.installs, 2u, "neither installed");
	TEST_ASSERT_EQUAL(wgc_ondemand_offer(od, k3, msg, sizeof(msg), &src),
		-ENOENT, "a bad value is cached as absent");

	/* malformed offers */
	TEST_ASSERT_EQUAL(wgc_ondemand_offer(od, k1, msg, 149, &src), -EINVAL,
		"too long");
	TEST_ASSERT_EQUAL(wgc_ondemand_offer(od, k1, msg, 0, &src), -EINVAL,
		"empty");
	wgc_ondemand_stats_get(od, &st);
	TEST_ASSERT_EQUAL(st.drop_bad, 2u, "counted");
	wgc_ondemand_free(od);
	wgc_etcd_free(e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(cluster_ondemand_lookup_autotest, fast, etcd_setup,
	test_ondemand_lookup, etcd_teardown);

/*
 * Lookups stuck (install gated): the table holds at most `kept`
 * initiations and `per_source` of one source address; everything else is
 * dropped and counted; once lookups go on, every kept one is answered.
 */
static int
test_ondemand_bounds(void)
{
	const char *const ep[] = { etcd_url };
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 0);
	struct wgc_ondemand_stats st;
	struct wgc_endpoint src;
	struct wgc_ondemand *od;
	uint8_t k[32], msg[148] = { 1 };
	unsigned int i, kept = 0, busy = 0, full = 0;
	int rc;

	TEST_ASSERT_NOT_NULL(e, "client");
	rec_reset();
	for (i = 0; i < 40; i++) {
		mk_key(k, (uint8_t)(100 + i));
		TEST_ASSERT_SUCCESS(put_peer(e, k, NULL), "put");
	}
	od = od_new(etcd_url, 1, 8, 2, 0);
	TEST_ASSERT_NOT_NULL(od, "create");
	gate(true);
	/* one source, 5 keys: 2 kept (the one being looked up counts) */
	mk_src(&src, 7, 5000);
	for (i = 0; i < 5; i++) {
		mk_key(k, (uint8_t)(100 + i));
		rc = wgc_ondemand_offer(od, k, msg, sizeof(msg), &src);
		kept += rc == 0;
		busy += rc == -EBUSY;
	}
	TEST_ASSERT(kept == 2 && busy == 3, "per source: kept %u busy %u",
		kept, busy);
	/* many sources: the table fills at 8 */
	for (i = 5; i < 40; i++) {
		mk_key(k, (uint8_t)(100 + i));
		mk_src(&src, (uint8_t)(10 + i), 5000);
		rc = wgc_ondemand_offer(od, k, msg, sizeof(msg), &src);
		kept += rc == 0;
		full += rc == -ENOSPC;
	}
	TEST_ASSERT(kept == 8 && full == 29, "table: kept %u full %u", kept,
		full);
	wgc_ondemand_stats_get(od, &st);
	TEST_ASSERT(st.pending == 8 && st.drop_full == 29 &&
		st.drop_source == 3 && st.offered == 40, "counted: pending %u",
		st.pending);
	gate(false);
	WAIT_FOR(rec_get(&rec.reinjects) == 8, 5000);
	TEST_ASSERT_EQUAL(rec.reinjects, 8u, "every kept initiation answered");
	wgc_ondemand_stats_get(od, &st);
	TEST_ASSERT_EQUAL(st.pending, 0u, "table empty");
	wgc_ondemand_free(od);

	/* an etcd that does not answer: counted, short negative entry */
	od = od_new("http://127.0.0.1:9", 2, 8, 2, 0);
	TEST_ASSERT_NOT_NULL(od, "create (dead endpoint)");
	mk_key(k, 1);
	TEST_ASSERT_SUCCESS(wgc_ondemand_offer(od, k, msg, sizeof(msg), &src),
		"offer");
	WAIT_FOR((wgc_ondemand_stats_get(od, &st), st.lookup_errors == 1), 3000);
	TEST_ASSERT_EQUAL(st.lookup_errors, 1u, "lookup error");
	TEST_ASSERT_EQUAL(wgc_ondemand_offer(od, k, msg, sizeof(msg), &src),
		-ENOENT, "briefly cached");
	sleep_ms(400);
	TEST_ASSERT_SUCCESS(wgc_ondemand_offer(od, k, msg, sizeof(msg), &src),
		"retried after the error TTL");
	wgc_ondemand_free(od);
	wgc_etcd_free(e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(cluster_ondemand_bounds_autotest, fast, etcd_setup,
	test_ondemand_bounds, etcd_teardown);

/* idle_evict 1 s: an idle peer installed on demand is removed, an
 * active one stays; a peer adopted (held from an earlier run) is watched
 * the same way */
static int
test_ondemand_evict(void)
{
	const char *const ep[] = { etcd_url };
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 0);
	struct wgc_ondemand_stats st;
	struct wgc_endpoint src;
	struct wgc_ondemand *od;
	uint8_t msg[148] = { 1 };
	uint64_t t0;
	unsigned int i;

	TEST_ASSERT_NOT_NULL(e, "client");
	rec_reset();
	for (i = 0; i < 2; i++) {
		mk_key(rec.keys[i], (uint8_t)(50 + i));
		TEST_ASSERT_SUCCESS(put_peer(e, rec.keys[i], NULL), "put");
	}
	od = od_new(etcd_url, 1, 8, 4, 1);
	TEST_ASSERT_NOT_NULL(od, "create");
	mk_src(&src, 3, 6000);
	for (i = 0; i < 2; i++)
		TEST_ASSERT_SUCCESS(wgc_ondemand_offer(od, rec.keys[i], msg,
			sizeof(msg), &src), "offer");
	WAIT_FOR(rec_get(&rec.reinjects) == 2, 3000);
	pthread_mutex_lock(&rec.mu);
	mk_key(rec.keys[2], 60);
	pthread_mutex_unlock(&rec.mu);
	wgc_ondemand_adopt(od, rec.keys[2]);
	wgc_ondemand_stats_get(od, &st);
	TEST_ASSERT_EQUAL(st.held, 3u, "two installed and one adopted held");
	/* peer 0 moves every 200 ms for 3 s; peer 1 does not */
	t0 = ms_now();
	while (ms_now() - t0 < 3000) {
		pthread_mutex_lock(&rec.mu);
		rec.activity[0]++;
		pthread_mutex_unlock(&rec.mu);
		sleep_ms(200);
	}
	pthread_mutex_lock(&rec.mu);
	TEST_ASSERT(rec.gone[1] && !rec.gone[0], "idle removed, active kept");
	TEST_ASSERT(rec.gone[2], "the adopted idle peer removed");
	pthread_mutex_unlock(&rec.mu);
	wgc_ondemand_stats_get(od, &st);
	TEST_ASSERT(st.evicted == 2 && st.held == 1, "counted: evicted %"
		PRIu64 " held %" PRIu64, st.evicted, st.held);
	/* peer 0 idle now: removed too */
	WAIT_FOR(rec_get(&rec.removes) == 3, 4000);
	TEST_ASSERT_EQUAL(rec.removes, 3u, "all removed once idle");
	wgc_ondemand_free(od);
	wgc_etcd_free(e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(cluster_ondemand_evict_autotest, fast, etcd_setup,
	test_ondemand_evict, etcd_teardown);

/*
 * The whole path in one process: device B does not hold client A; A's
 * initiation reaches B's handshake stage, whose hook offers it to the
 * module; the peer is read from etcd, installed in B's table and the kept
 * initiation handed back; B answers it and A's staged packet arrives at
 * B, with A having sent a single initiation (no 5 s retransmit).
 */
#include "pipeline_rig.h"

static struct rte_mempool *pl_pool;
static struct wgc_recycler pl_rc;
static struct rte_ring *pl_ab, *pl_ba;
static struct dev dA, dB;
static struct wgc_ondemand *pl_od;

static void
pl_hook(void *ctx, const uint8_t key[WGC_KEY_LEN], const uint8_t *msg,
		uint32_t len, const struct wgc_endpoint *src)
{
	struct wgc_ondemand *od = __atomic_load_n(&pl_od, __ATOMIC_ACQUIRE);

	RTE_SET_USED(ctx);
	if (od != NULL)
		wgc_ondemand_offer(od, key, msg, len, src);
}

static void
pl_hook_conf(struct wgc_pipeline_conf *pc)
{
	pc->unknown_initiator = pl_hook;
}

/* install into B's table: the peer and its allowed IPs (IPv4 here) */
static int
pl_install(void *ctx, const struct wgc_peer_conf *c)
{
	struct dev *d = ctx;
	struct wgc_peer *p;
	uint32_t i;
	int rc = 0;

	wgc_peers_lock(d->peers);
	p = wgc_peers_add(d->peers, c->public_key, NULL);
	for (i = 0; p != NULL && i < c->n_allowed_ips; i++) {
		struct wgc_prefix pf = { .addr.family = AF_INET,
			.len = c->allowed_ips[i].len };

		memcpy(pf.addr.bytes, &c->allowed_ips[i].addr.v4, 4);
		rc |= wgc_peers_prefix_add(d->peers, p, &pf);
	}
	wgc_peers_unlock(d->peers);
	return p == NULL || rc != 0 ? -ENOMEM : 0;
}

static int
pl_reinject(void *ctx, const uint8_t *msg, size_t len,
		const struct wgc_endpoint *src)
{
	struct dev *d = ctx;

	return wgc_pipeline_handshake_inject(d->pl, msg, (uint32_t)len, src);
}

static void od_pl_teardown(void);

/* the rig; on failure everything is undone here (no teardown follows a
 * failed setup), etcd included */
static int
od_pl_setup(void)
{
	int rc = etcd_setup();

	if (rc != TEST_SUCCESS)
		return rc;
	rc = TEST_FAILED;
	pl_pool = rte_pktmbuf_pool_create("t_odpl_pool", 1023, 32, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	if (pl_pool == NULL)
		goto fail;
	wgc_recycler_mempool_init(&pl_rc, pl_pool);
	pl_ab = rte_ring_create("t_odpl_ab", RING_SZ, SOCKET_ID_ANY, 0);
	pl_ba = rte_ring_create("t_odpl_ba", RING_SZ, SOCKET_ID_ANY, 0);
	if (pl_ab == NULL || pl_ba == NULL ||
			dev_init(&dA, "t_oda", 0x31, 1, pl_ba, pl_ab, pl_pool,
				&pl_rc) != TEST_SUCCESS)
		goto fail;
	rig_conf = pl_hook_conf;
	rc = dev_init(&dB, "t_odb", 0x32, 2, pl_ab, pl_ba, pl_pool, &pl_rc);
	rig_conf = NULL;
	if (rc == TEST_SUCCESS)
		return rc;
fail:
	od_pl_teardown();
	return TEST_FAILED;
}

static void
od_pl_teardown(void)
{
	wgc_ondemand_free(pl_od);
	pl_od = NULL;
	dev_fini(&dA);
	dev_fini(&dB);
	ring_drain(pl_ab);
	ring_drain(pl_ba);
	rte_ring_free(pl_ab);
	rte_ring_free(pl_ba);
	if (pl_pool != NULL && rte_mempool_in_use_count(pl_pool) != 0)
		printf("pool: %u buffers not back\n",
			rte_mempool_in_use_count(pl_pool));
	rte_mempool_free(pl_pool);
	pl_ab = pl_ba = NULL;
	pl_pool = NULL;
	etcd_teardown();
}

static int
test_ondemand_pipeline(void)
{
	const char *const ep[] = { etcd_url };
	struct wgc_ondemand_params p = {
		.endpoints = ep, .nb_endpoints = 1, .prefix = PREFIX,
		.install = pl_install, .reinject = pl_reinject, .ctx = &dB,
	};
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 0);
	uint32_t a = WGC_TEST_IPV4(10, 0, 1, 1), b = WGC_TEST_IPV4(10, 0, 2, 1);
	struct wgc_pipeline_stats sa;
	struct wgc_ondemand_stats st;
	char u[WGC_KEY_B64URL_LEN + 1], k64[WGC_KEY_B64_LEN + 1];
	char path[128], val[160];
	struct rte_mbuf *m;
	uint64_t t0, t;
	void *o;

	TEST_ASSERT_NOT_NULL(e, "client");
	TEST_ASSERT_NOT_NULL(add_peer(&dA, dB.pub, 2, 2), "B on A");
	wgc_key_to_base64url(dA.pub, u);
	wgc_key_to_base64(dA.pub, k64);
	snprintf(path, sizeof(path), PREFIX "peers/%s", u);
	snprintf(val, sizeof(val), "{\"public_key\": \"%s\", \"allowed_ips\": "
		"[\"10.0.1.0/24\"]}", k64);
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, path, strlen(path), val,
		strlen(val), -1, 0, NULL), "A in etcd");
	wgc_etcd_free(e);
	pl_od = wgc_ondemand_create(&p);
	TEST_ASSERT_NOT_NULL(pl_od, "on demand");
	TEST_ASSERT_NULL(wgc_peers_lookup(dB.peers, dA.pub), "B lacks A");

	m = make_packet(pl_pool, a, b, 64, 0);
	TEST_ASSERT_NOT_NULL(m, "alloc");
	TEST_ASSERT_SUCCESS(rte_ring_enqueue(dA.inner_in, m), "inject");
	t0 = ms_now();
	while (rte_ring_count(dB.inner_out) == 0 && ms_now() - t0 < 4000) {
		wgc_pipeline_worker_poll(dA.pl, 0);
		wgc_pipeline_main_poll(dA.pl);
		wgc_pipeline_worker_poll(dB.pl, 0);
		wgc_pipeline_main_poll(dB.pl);
	}
	t = ms_now() - t0;
	TEST_ASSERT_EQUAL(rte_ring_count(dB.inner_out), 1u,
		"A's packet reached B after an on-demand install");
	while (rte_ring_dequeue(dB.inner_out, &o) == 0)
		rte_pktmbuf_free(o);
	wgc_pipeline_stats_get(dA.pl, 1, &sa);
	TEST_ASSERT_EQUAL(sa.handshake_tx, 1u, "A sent one initiation");
	TEST_ASSERT_NOT_NULL(wgc_peers_lookup(dB.peers, dA.pub), "B holds A");
	wgc_ondemand_stats_get(pl_od, &st);
	TEST_ASSERT(st.offered >= 1 && st.installed == 1 &&
		st.reinjected == 1, "counted");
	printf("first packet A -> B through an on-demand handshake: %" PRIu64
		" ms (offer -> hand-back %.2f ms)\n", t,
		(double)st.lookup_ns_max / 1e6);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(cluster_ondemand_pipeline_autotest, fast, od_pl_setup,
	test_ondemand_pipeline, od_pl_teardown);
