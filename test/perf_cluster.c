/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * A node's sync with a real etcd (perf suite; prints figures, never fails
 * on them): N peers (100 000; WGC_PERF_CLUSTER_PEERS to change) written
 * to etcd in transactions of 128, then read by a starting node (paged
 * full read, diff, apply into the in-memory backend with persistence on)
 * with its time and RSS; then M changes (20 000) written while the node
 * is stopped and replayed by the watch when it resumes from its kept
 * revision: the watch-apply rate. etcd on ports 26000 + 2 x (pid mod 400).
 *
 *   build/test/wgc-test cluster_sync_perf
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control_test_client.h"
#include "etcd_rig.h"

#define TXN 128

static struct ctl_fixture fx;

static int
perf_setup(void)
{
	int rc = etcd_rig_setup(26000);

	if (rc != TEST_SUCCESS)
		return rc;
	if (fixture_init(&fx, false, true) != 0) {
		etcd_teardown();
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static void
perf_teardown(void)
{
	fixture_fini(&fx);
	etcd_teardown();
}

/* seconds, monotonic */
static double
now_s(void)
{
	return (double)ms_now() / 1e3;
}

/* VmRSS or VmHWM of this process, KiB */
static uint64_t
status_kib(const char *field)
{
	char line[128];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");
	size_t n = strlen(field);

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 &&
				sscanf(line + n, ": %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* peers [first, first + n) with keepalive ka, in transactions of 128 */
static int
write_peers(struct wgc_etcd *e, unsigned int first, unsigned int n,
		unsigned int ka, int64_t *rev)
{
	static char keys[TXN][96], vals[TXN][160];
	struct wgc_etcd_op ops[TXN];
	unsigned int i, k;

	for (i = 0; i < n; i += k) {
		for (k = 0; k < TXN && i + k < n; k++) {
			unsigned int s = first + i + k;
			char name[WGC_KEY_B64URL_LEN + 1];
			char b64[WGC_KEY_B64_LEN + 1];
			uint8_t key[WGC_KEY_LEN];

			test_key(s, key);
			wgc_key_to_base64url(key, name);
			wgc_key_to_base64(key, b64);
			snprintf(keys[k], sizeof(keys[k]), "/cs/p/peers/%s",
				name);
			snprintf(vals[k], sizeof(vals[k]), "{\"public_key\":"
				"\"%s\",\"allowed_ips\":[\"10.%u.%u.%u/32\"],"
				"\"persistent_keepalive\":%u}", b64,
				(s >> 16) & 255, (s >> 8) & 255, s & 255, ka);
			ops[k] = (struct wgc_etcd_op){
				.type = WGC_ETCD_OP_PUT, .key = keys[k],
				.key_len = strlen(keys[k]), .value = vals[k],
				.value_len = strlen(vals[k]), .expect_rev = -1 };
		}
		if (wgc_etcd_txn(e, ops, k, NULL, NULL, rev) != 0)
			return -1;
	}
	return 0;
}

static struct wgc_cluster *
start(void)
{
	static struct wgc_cluster_conf cc;
	struct wgc_cluster_params p;

	memset(&cc, 0, sizeof(cc));
	cc.enabled = true;
	cc.n_etcd = 1;
	snprintf(cc.etcd[0], sizeof(cc.etcd[0]), "%s", etcd_url);
	snprintf(cc.prefix, sizeof(cc.prefix), "/cs/p/");
	snprintf(cc.node, sizeof(cc.node), "cs-perf");
	memset(&p, 0, sizeof(p));
	p.conf = &cc;
	p.ctl = fx.ctl;
	p.state_dir = fx.conf.state_dir;
	p.timeout_ms = 30000;
	return wgc_cluster_start(&p);
}

static int
test_cluster_perf(void)
{
	const char *const ep[] = { etcd_url };
	const char *env = getenv("WGC_PERF_CLUSTER_PEERS");
	unsigned int n = env != NULL ? (unsigned int)atoi(env) : 100000;
	unsigned int m = n < 20000 ? n : 20000;
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 30000);
	struct wgc_cluster_stats st;
	struct wgc_cluster *c;
	uint64_t rss0, rss1, hwm;
	double t0, t1;
	int64_t rev;

	TEST_ASSERT_NOT_NULL(e, "client");
	TEST_ASSERT(n > 0, "WGC_PERF_CLUSTER_PEERS");
	t0 = now_s();
	TEST_ASSERT_SUCCESS(write_peers(e, 1, n, 0, &rev), "load etcd");
	t1 = now_s();
	printf("cluster_sync_perf: %u peers written to etcd in %.1f s "
		"(%.0f peers/s, transactions of %u)\n", n, t1 - t0,
		n / (t1 - t0), TXN);

	rss0 = status_kib("VmRSS");
	t0 = now_s();
	c = start();
	TEST_ASSERT_NOT_NULL(c, "start");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, rev, 600000),
		"initial sync");
	t1 = now_s();
	rss1 = status_kib("VmRSS");
	hwm = status_kib("VmHWM");
	wgc_cluster_stats_get(c, &st);
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(fx.mb), (uint64_t)n,
		"all peers");
	printf("cluster_sync_perf: initial sync of %u peers (paged read, "
		"diff, apply, journal): %.2f s; RSS %" PRIu64 " -> %" PRIu64
		" MiB (+%.0f B/peer), peak RSS %" PRIu64 " MiB\n", n, t1 - t0,
		rss0 / 1024, rss1 / 1024,
		(double)(rss1 - rss0) * 1024 / n, hwm / 1024);
	wgc_cluster_stop(c);

	/* M changes while the node is down, replayed by the watch */
	TEST_ASSERT_SUCCESS(write_peers(e, 1, m, 25, &rev), "changes");
	t0 = now_s();
	c = start();
	TEST_ASSERT_NOT_NULL(c, "restart");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, rev, 600000),
		"watch replay");
	t1 = now_s();
	wgc_cluster_stats_get(c, &st);
	TEST_ASSERT_EQUAL(st.full_syncs, 0u, "resumed");
	TEST_ASSERT_EQUAL(st.events, (uint64_t)m, "every change once");
	printf("cluster_sync_perf: watch apply: %u changes (%" PRIu64
		" batches) in %.2f s: %.0f peers/s\n", m, st.batches,
		t1 - t0, m / (t1 - t0));
	wgc_cluster_stop(c);
	wgc_etcd_free(e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(cluster_sync_perf, perf, perf_setup,
	test_cluster_perf, perf_teardown);
