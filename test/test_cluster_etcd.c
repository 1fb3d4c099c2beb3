/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * lib/cluster's etcd client against a real etcd (Debian's etcd-server,
 * installed by devtools/install-deps.sh) started by the test on loopback
 * ports of its own, with a data directory removed afterwards: round trips
 * of binary values, conditional puts, a paged snapshot read, leases, a
 * watch that follows puts and deletes, survives an etcd restart and
 * reports compaction, endpoints that do not answer, and bad arguments.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wgc_cluster.h"
#include "wgc_test.h"
#include "etcd_rig.h"

/* loopback ports of this test: 24000 + 2 x (pid mod 400) */
static int
etcd_setup(void)
{
	return etcd_rig_setup(24000);
}

/* what a callback saw */
struct seen {
	unsigned int n;
	char key[512][32];
	uint8_t val[64];
	size_t val_len;
	int64_t rev;
	unsigned int deletes;
	struct wgc_etcd *writer;   /* put a key under the prefix at n == 100 */
};

static int
seen_cb(void *ctx, const struct wgc_etcd_kv *kv)
{
	struct seen *s = ctx;

	if (s->n < RTE_DIM(s->key))
		snprintf(s->key[s->n], sizeof(s->key[0]), "%.*s",
			(int)kv->key_len, (const char *)kv->key);
	if (kv->value != NULL && kv->value_len <= sizeof(s->val)) {
		memcpy(s->val, kv->value, kv->value_len);
		s->val_len = kv->value_len;
	}
	s->rev = kv->mod_revision;
	s->deletes += kv->deleted;
	s->n++;
	if (s->writer != NULL && s->n == 100 &&
			wgc_etcd_put(s->writer, "/t/p/zz-late", 12, "x", 1, -1,
				0, NULL) != 0)
		return -EIO;
	return 0;
}

static int
test_etcd_kv(void)
{
	const char *const ep[] = { etcd_url };
	const uint8_t bin[6] = { 0, 1, 0xff, '"', '\\', 0 };
	static struct seen s;
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 0);
	int64_t rev, rev2, lease, n;
	unsigned int i;
	char k[32];

	TEST_ASSERT_NOT_NULL(e, "client");
	/* binary round trip */
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/t/bin", 6, bin, sizeof(bin), -1,
		0, &rev), "put");
	memset(&s, 0, sizeof(s));
	TEST_ASSERT_EQUAL(wgc_etcd_get(e, "/t/bin", 6, seen_cb, &s), 1, "get");
	TEST_ASSERT(s.val_len == sizeof(bin) &&
		memcmp(s.val, bin, sizeof(bin)) == 0, "bytes intact");
	TEST_ASSERT_EQUAL(s.rev, rev, "mod revision");
	TEST_ASSERT_EQUAL(wgc_etcd_get(e, "/t/none", 7, seen_cb, &s), 0,
		"missing key");
	/* conditional puts */
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/t/c", 4, "1", 1, 0, 0, &rev),
		"create-only on a new key");
	TEST_ASSERT_EQUAL(wgc_etcd_put(e, "/t/c", 4, "2", 1, 0, 0, NULL),
		-ECANCELED, "create-only on an existing key");
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/t/c", 4, "3", 1, rev, 0, &rev2),
		"compare-and-swap");
	TEST_ASSERT_EQUAL(wgc_etcd_put(e, "/t/c", 4, "4", 1, rev, 0, NULL),
		-ECANCELED, "stale mod_revision");
	TEST_ASSERT(rev2 > rev, "revisions grow");
	TEST_ASSERT_EQUAL(wgc_etcd_delete(e, "/t/c", 4, NULL), 1, "delete");
	TEST_ASSERT_EQUAL(wgc_etcd_delete(e, "/t/c", 4, NULL), 0,
		"delete a missing key");
	/* a paged snapshot: 250 keys, pages of 32, a key written during
	 * the walk not seen, a key beside the prefix not seen */
	for (i = 0; i < 250; i++) {
		snprintf(k, sizeof(k), "/t/p/%03u", i);
		TEST_ASSERT_SUCCESS(wgc_etcd_put(e, k, strlen(k), k,
			strlen(k), -1, 0, NULL), "put %u", i);
	}
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/t/pz", 5, "x", 1, -1, 0, NULL),
		"beside");
	memset(&s, 0, sizeof(s));
	s.writer = wgc_etcd_create(ep, 1, 0);
	TEST_ASSERT_NOT_NULL(s.writer, "writer");
	n = wgc_etcd_range_prefix(e, "/t/p/", 5, 0, 32, seen_cb, &s, &rev);
	wgc_etcd_free(s.writer);
	TEST_ASSERT_EQUAL(n, 250, "every key once, one snapshot (%lld)",
		(long long)n);
	for (i = 0; i < 250; i++) {
		snprintf(k, sizeof(k), "/t/p/%03u", i);
		TEST_ASSERT(strcmp(s.key[i], k) == 0, "key order at %u", i);
	}
	n = wgc_etcd_range_prefix(e, "/t/p/", 5, 0, 1000, NULL, NULL, &rev2);
	TEST_ASSERT(n == 251 && rev2 > rev, "the late key after the snapshot");
	/* leases */
	TEST_ASSERT_SUCCESS(wgc_etcd_lease_grant(e, 30, &lease), "lease");
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/t/node", 7, "n", 1, -1, lease,
		NULL), "put with lease");
	TEST_ASSERT_SUCCESS(wgc_etcd_lease_keepalive(e, lease), "keepalive");
	TEST_ASSERT_EQUAL(wgc_etcd_lease_keepalive(e, 12345), -ENOENT,
		"unknown lease");
	/* bounds and bad arguments */
	{
		static uint8_t big[WGC_ETCD_VALUE_MAX + 1];
		const char *const bad[] = { "ftp://x", "http://h/p",
			"http://" };

		TEST_ASSERT_EQUAL(wgc_etcd_put(e, "/t/big", 6, big,
			sizeof(big), -1, 0, NULL), -E2BIG, "too big");
		for (i = 0; i < RTE_DIM(bad); i++) {
			errno = 0;
			TEST_ASSERT_NULL(wgc_etcd_create(&bad[i], 1, 0),
				"bad url %s", bad[i]);
			TEST_ASSERT_EQUAL(errno, EINVAL, "EINVAL");
		}
	}
	wgc_etcd_free(e);
	return TEST_SUCCESS;
}

/* endpoints that do not answer: bounded failure, and failover */
static int
test_etcd_unreachable(void)
{
	const char *const dead[] = { "http://127.0.0.1:1" };
	const char *const both[] = { "http://127.0.0.1:1", etcd_url };
	struct wgc_etcd *e = wgc_etcd_create(dead, 1, 300);
	uint64_t t0 = ms_now();

	TEST_ASSERT_NOT_NULL(e, "client");
	TEST_ASSERT_EQUAL(wgc_etcd_put(e, "/t/u", 4, "x", 1, -1, 0, NULL),
		-EHOSTUNREACH, "no endpoint");
	TEST_ASSERT(ms_now() - t0 < 2000, "bounded");
	wgc_etcd_free(e);
	e = wgc_etcd_create(both, 2, 300);
	TEST_ASSERT_NOT_NULL(e, "client");
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/t/u", 4, "x", 1, -1, 0, NULL),
		"failover to the second endpoint");
	wgc_etcd_free(e);
	return TEST_SUCCESS;
}

#define WB_VALUE (60u * 1024)
#define WB_KEYS 300u

struct wstate {
	struct seen s;
	volatile int up, down, compacted;
};

static int
w_event(void *ctx, const struct wgc_etcd_kv *kv)
{
	return seen_cb(&((struct wstate *)ctx)->s, kv);
}

static void
w_state(void *ctx, enum wgc_etcd_watch_state st, int64_t rev)
{
	struct wstate *w = ctx;

	if (st == WGC_ETCD_WATCH_UP)
		w->up++;
	else if (st == WGC_ETCD_WATCH_DOWN)
		w->down++;
	else
		w->compacted++;
}


static int
test_etcd_watch(void)
{
	const char *const ep[] = { etcd_url };
	const struct wgc_etcd_watch_ops ops = { w_event, w_state };
	static struct wstate ws, wc;
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 0);
	struct wgc_etcd_watch *w, *w2;
	int64_t rev, rev0;
	char cmd[256];
	unsigned int i;

	TEST_ASSERT_NOT_NULL(e, "client");
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/w/a", 4, "0", 1, -1, 0, &rev0),
		"put");
	memset(&ws, 0, sizeof(ws));
	w = wgc_etcd_watch_start(ep, 1, "/w/", 3, rev0 + 1, &ops, &ws);
	TEST_ASSERT_NOT_NULL(w, "watch");
	WAIT_FOR(ws.up > 0, 3000);
	TEST_ASSERT(ws.up > 0, "stream up");
	for (i = 0; i < 20; i++)
		TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/w/a", 4, "1", 1, -1, 0,
			&rev), "put %u", i);
	TEST_ASSERT_EQUAL(wgc_etcd_delete(e, "/w/a", 4, &rev), 1, "delete");
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/x/outside", 10, "1", 1, -1, 0,
		NULL), "outside the prefix");
	WAIT_FOR(ws.s.n >= 21, 3000);
	TEST_ASSERT_EQUAL(ws.s.n, 21u, "every event once");
	TEST_ASSERT_EQUAL(ws.s.deletes, 1u, "the delete");
	TEST_ASSERT_EQUAL(ws.s.rev, rev, "last revision");
	/* etcd restarts: the watch reconnects from where it was */
	etcd_stop();
	WAIT_FOR(ws.down > 0, 5000);
	TEST_ASSERT(ws.down > 0, "stream down seen");
	TEST_ASSERT_SUCCESS(etcd_start(), "etcd back");
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/w/b", 4, "2", 1, -1, 0, &rev),
		"put after restart");
	WAIT_FOR(ws.s.n >= 22, 8000);
	TEST_ASSERT_EQUAL(ws.s.n, 22u, "change after restart, once");
	TEST_ASSERT_EQUAL(ws.s.rev, rev, "its revision");
	wgc_etcd_watch_stop(w);
	/* compaction: old revisions are gone for reads and watches */
	snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints=%s "
		"compact %lld >/dev/null", etcd_url, (long long)rev);
	TEST_ASSERT_SUCCESS(system(cmd), "compact");
	TEST_ASSERT_EQUAL(wgc_etcd_range_prefix(e, "/w/", 3, rev0, 10, NULL,
		NULL, NULL), -ESTALE, "compacted read");
	memset(&wc, 0, sizeof(wc));
	w2 = wgc_etcd_watch_start(ep, 1, "/w/", 3, rev0, &ops, &wc);
	TEST_ASSERT_NOT_NULL(w2, "watch");
	WAIT_FOR(wc.compacted > 0, 3000);
	TEST_ASSERT(wc.compacted == 1 && wc.s.n == 0, "compaction reported");
	wgc_etcd_watch_stop(w2);
	wgc_etcd_free(e);
	return TEST_SUCCESS;
}

struct wbehind {
	volatile unsigned int n, ends;
	volatile int64_t last_end;
	volatile int up;
};

static int
wb_event(void *ctx, const struct wgc_etcd_kv *kv)
{
	struct wbehind *b = ctx;

	if (kv->value_len == WB_VALUE)
		b->n++;
	return 0;
}

static void
wb_state(void *ctx, enum wgc_etcd_watch_state st, int64_t rev)
{
	RTE_SET_USED(rev);
	if (st == WGC_ETCD_WATCH_UP)
		((struct wbehind *)ctx)->up++;
}

static void
wb_end(void *ctx, int64_t rev)
{
	struct wbehind *b = ctx;

	b->ends++;
	b->last_end = rev;
}

/*
 * A watcher far behind: 300 values of 60 KiB (about 24 MiB of JSON, more
 * than a client's answer may hold) written before the watch starts from
 * the revision before them. etcd fragments the catch-up message; every
 * event arrives once and the last revision is reported as the end.
 */
static int
test_etcd_watch_behind(void)
{
	const char *const ep[] = { etcd_url };
	const struct wgc_etcd_watch_ops ops = {
		.event = wb_event, .state = wb_state, .end = wb_end,
	};
	static struct wbehind b;
	static char val[WB_VALUE];
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 0);
	struct wgc_etcd_watch *w;
	int64_t rev0, rev = 0;
	char key[32];
	unsigned int i;

	TEST_ASSERT_NOT_NULL(e, "client");
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, "/b/0", 4, "0", 1, -1, 0, &rev0),
		"put");
	for (i = 0; i < WB_KEYS; i++) {
		int kl = snprintf(key, sizeof(key), "/b/k%u", i);

		memset(val, 'a' + i % 26, sizeof(val));
		TEST_ASSERT_SUCCESS(wgc_etcd_put(e, key, kl, val, sizeof(val),
			-1, 0, &rev), "put %u", i);
	}
	memset(&b, 0, sizeof(b));
	w = wgc_etcd_watch_start(ep, 1, "/b/", 3, rev0 + 1, &ops, &b);
	TEST_ASSERT_NOT_NULL(w, "watch");
	WAIT_FOR(b.n >= WB_KEYS && b.last_end == rev, 20000);
	wgc_etcd_watch_stop(w);
	wgc_etcd_free(e);
	printf("watch behind by %u revisions: %u events, %u ends, last %lld\n",
		WB_KEYS, b.n, b.ends, (long long)b.last_end);
	TEST_ASSERT_EQUAL(b.n, WB_KEYS, "every event once");
	TEST_ASSERT_EQUAL(b.last_end, rev, "the last revision ended");
	TEST_ASSERT(b.ends >= 1, "ends reported");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(cluster_etcd_kv_autotest, fast, etcd_setup,
	test_etcd_kv, etcd_teardown);
WGC_TEST_REGISTER_FULL(cluster_etcd_unreachable_autotest, fast, etcd_setup,
	test_etcd_unreachable, etcd_teardown);
WGC_TEST_REGISTER_FULL(cluster_etcd_watch_autotest, fast, etcd_setup,
	test_etcd_watch, etcd_teardown);
WGC_TEST_REGISTER_FULL(cluster_etcd_watch_behind_autotest, fast, etcd_setup,
	test_etcd_watch_behind, etcd_teardown);
