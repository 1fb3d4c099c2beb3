/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * A node's sync with a real etcd (etcd_rig.h, ports 25000 + 2 x (pid mod
 * 400)), on the in-memory backend behind a real control plane: the full
 * read and diff (malformed values skipped and counted, keys outside the
 * layout ignored, untouched peers keep their sessions), watch batches,
 * the applied revision kept in the state directory and resumed, a
 * compacted revision resynced by diff; writes through REST with
 * read-your-writes, 503 while etcd is stopped (nothing applied locally),
 * health degraded, and convergence once etcd is back.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <inttypes.h>

#include "cluster_private.h"
#include "control_priv.h"
#include "control_test_client.h"
#include "etcd_rig.h"

#define PFX "/cs/t/"
#define PEERS PFX "peers/"

static struct ctl_fixture fx;
static struct wgc_cluster *cur;  /* stopped by the teardown */

static int
sync_setup(void)
{
	int rc = etcd_rig_setup(25000);

	if (rc != TEST_SUCCESS)
		return rc;
	if (fixture_init(&fx, true, true) != 0) {
		etcd_teardown();
		return TEST_FAILED;
	}
	wgc_mem_backend_fake_handshakes(fx.mb, true);
	return TEST_SUCCESS;
}

static void
sync_teardown(void)
{
	wgc_cluster_stop(cur);
	cur = NULL;
	fixture_fini(&fx);
	etcd_teardown();
}

static void
cluster_conf(struct wgc_cluster_conf *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->enabled = true;
	cc->n_etcd = 1;
	snprintf(cc->etcd[0], sizeof(cc->etcd[0]), "%s", etcd_url);
	snprintf(cc->prefix, sizeof(cc->prefix), PFX);
	snprintf(cc->node, sizeof(cc->node), "cs-a");
}

static struct wgc_cluster *
start(void)
{
	static struct wgc_cluster_conf cc;
	struct wgc_cluster_params p;

	cluster_conf(&cc);
	memset(&p, 0, sizeof(p));
	p.conf = &cc;
	p.ctl = fx.ctl;
	p.state_dir = fx.conf.state_dir;
	p.address = "192.0.2.1:51820";
	p.version = "test";
	p.page = 64;
	p.node_ttl = 3;
	p.timeout_ms = 1000;
	p.apply_wait_ms = 3000;
	wgc_cluster_stop(cur);
	cur = wgc_cluster_start(&p);
	return cur;
}

/* the etcd key of test peer seed */
static size_t
peer_key(unsigned int seed, char *out, size_t cap)
{
	char name[WGC_KEY_B64URL_LEN + 1];
	uint8_t k[WGC_KEY_LEN];

	test_key(seed, k);
	wgc_key_to_base64url(k, name);
	return (size_t)snprintf(out, cap, PEERS "%s", name);
}

/* put test peer seed with allowed IP 10.<seed>/32 and a keepalive */
static int
put_peer(struct wgc_etcd *e, unsigned int seed, unsigned int keepalive,
		int64_t *rev)
{
	char key[128], val[256], b64[WGC_KEY_B64_LEN + 1];
	uint8_t k[WGC_KEY_LEN];
	size_t kl = peer_key(seed, key, sizeof(key));
	int n;

	test_key(seed, k);
	wgc_key_to_base64(k, b64);
	n = snprintf(val, sizeof(val), "{\"public_key\":\"%s\",\"allowed_ips\":"
		"[\"10.%u.%u.%u/32\"],\"persistent_keepalive\":%u}", b64,
		(seed >> 16) & 255, (seed >> 8) & 255, seed & 255, keepalive);
	return wgc_etcd_put(e, key, kl, val, (size_t)n, -1, 0, rev);
}

static int
local(unsigned int seed, struct wgc_peer_conf *pc)
{
	uint8_t k[WGC_KEY_LEN];
	int rc;

	test_key(seed, k);
	pthread_mutex_lock(&fx.ctl->lock);
	rc = wgc_mem_backend_ops.peer_get(fx.mb, k, pc, NULL);
	pthread_mutex_unlock(&fx.ctl->lock);
	return rc;
}

static uint16_t
keepalive_of(unsigned int seed)
{
	struct wgc_peer_conf pc;
	uint16_t ka;

	if (local(seed, &pc) != 0)
		return 0xffff;
	ka = pc.persistent_keepalive;
	wgc_peer_conf_free(&pc);
	return ka;
}

static uint64_t
count(void)
{
	uint64_t n;

	pthread_mutex_lock(&fx.ctl->lock);
	n = wgc_mem_backend_ops.peer_count(fx.mb);
	pthread_mutex_unlock(&fx.ctl->lock);
	return n;
}

static uint64_t
session(unsigned int seed)
{
	uint8_t k[WGC_KEY_LEN];

	test_key(seed, k);
	return wgc_mem_backend_session(fx.mb, k);
}

/* add peer seed locally (as if from an earlier run) */
static int
local_add(unsigned int seed)
{
	struct wgc_changeset cs = { 0 };
	struct wgc_peer_change *c = wgc_changeset_add(&cs);
	struct wgc_conf_error err;
	int rc;

	if (c == NULL)
		return -1;
	test_key(seed, c->conf.public_key);
	c->conf.allowed_ips = calloc(1, sizeof(*c->conf.allowed_ips));
	c->conf.n_allowed_ips = 1;
	wgc_prefix_parse(&c->conf.allowed_ips[0], seed == 9000 ?
		"10.0.35.40/32" : "10.250.0.1/32", WGC_PREFIX_ROUTE, NULL);
	c->op = WGC_PEER_OP_UPSERT;
	c->fields = WGC_PEER_F_ALL & ~WGC_PEER_F_ENDPOINT;
	rc = wgc_control_apply(fx.ctl, &cs, &err);
	wgc_changeset_free(&cs);
	return rc;
}

static int
test_cluster_sync(void)
{
	static const unsigned int edge[] = { 248u << 16, 252u << 16,
		204u << 16 };
	const char *const ep[] = { etcd_url };
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 0);
	struct wgc_etcd_op ops[100];
	struct wgc_cluster_stats st;
	struct wgc_cluster *c;
	char keys[100][128], path[300], buf[256], cmd[256];
	uint64_t s9000;
	int64_t rev, rev2;
	unsigned int i;
	FILE *f;

	TEST_ASSERT_NOT_NULL(e, "client");
	/* 300 peers in etcd, two malformed values, two foreign keys */
	for (i = 1; i <= 300; i++)
		TEST_ASSERT_SUCCESS(put_peer(e, i, 0, &rev), "put %u", i);
	/* names starting with '-', '_' and 'z': the first and the last
	 * slices of the full read (the others start with 'A') */
	for (i = 0; i < RTE_DIM(edge); i++)
		TEST_ASSERT_SUCCESS(put_peer(e, edge[i], 0, NULL), "put edge");
	peer_key(301, keys[0], sizeof(keys[0]));
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, keys[0], strlen(keys[0]),
		"not json", 8, -1, 0, NULL), "malformed 1");
	peer_key(302, keys[0], sizeof(keys[0]));
	{
		/* the value of peer 1 under peer 302's name */
		char v[200], b64[WGC_KEY_B64_LEN + 1];
		uint8_t k[WGC_KEY_LEN];
		int n;

		test_key(1, k);
		wgc_key_to_base64(k, b64);
		n = snprintf(v, sizeof(v), "{\"public_key\":\"%s\"}", b64);
		TEST_ASSERT_SUCCESS(wgc_etcd_put(e, keys[0], strlen(keys[0]),
			v, (size_t)n, -1, 0, NULL), "malformed 2");
	}
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, PEERS "not-a-key", 19, "{}", 2,
		-1, 0, NULL), "foreign 1");
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, PFX "other", 11, "x", 1, -1, 0,
		NULL), "foreign 2");
	/* locally: peer 9000 (not in etcd: goes) and peer 5 (kept, same
	 * configuration as in etcd: its session stays) */
	TEST_ASSERT_SUCCESS(local_add(9000), "local 9000");
	TEST_ASSERT_SUCCESS(put_peer(e, 5, 0, &rev), "put 5");
	TEST_ASSERT_SUCCESS(local_add(5), "local 5");
	s9000 = session(5);
	TEST_ASSERT(s9000 != 0, "session of 5");

	c = start();
	TEST_ASSERT_NOT_NULL(c, "cluster start");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, rev, 10000),
		"full read applied");
	wgc_cluster_stats_get(c, &st);
	TEST_ASSERT_EQUAL(count(), 303u, "303 peers");
	for (i = 0; i < RTE_DIM(edge); i++)
		TEST_ASSERT_EQUAL(keepalive_of(edge[i]), 0u, "edge peer %u", i);
	TEST_ASSERT_EQUAL(st.skipped_malformed, 2u, "2 malformed");
	TEST_ASSERT_EQUAL(st.full_syncs, 1u, "one full read");
	TEST_ASSERT_EQUAL(session(9000), 0u, "a peer not in etcd removed");
	TEST_ASSERT_EQUAL(session(5), s9000, "peer 5 kept its session");
	TEST_ASSERT_EQUAL(keepalive_of(7), 0u, "peer 7 there");

	/* watch: 2 deletes, 3 transactions of 100 (keepalive 25), 10
	 * deletes */
	for (i = 0; i < 100; i++) {
		peer_key(301 + i, keys[i], sizeof(keys[i]));
		ops[i] = (struct wgc_etcd_op){ .type = WGC_ETCD_OP_DELETE,
			.key = keys[i], .key_len = strlen(keys[i]),
			.expect_rev = -1 };
	}
	TEST_ASSERT_SUCCESS(wgc_etcd_txn(e, ops, 2, NULL, NULL, NULL),
		"malformed ones deleted");
	{
		static char vals[100][256];
		unsigned int b;

		for (b = 0; b < 3; b++) {
			for (i = 0; i < 100; i++) {
				unsigned int seed = 1 + b * 100 + i;
				char b64[WGC_KEY_B64_LEN + 1];
				uint8_t k[WGC_KEY_LEN];

				test_key(seed, k);
				wgc_key_to_base64(k, b64);
				peer_key(seed, keys[i], sizeof(keys[i]));
				snprintf(vals[i], sizeof(vals[i]),
					"{\"public_key\":\"%s\",\"allowed_ips\""
					":[\"10.%u.%u.%u/32\"],"
					"\"persistent_keepalive\":25}", b64,
					(seed >> 16) & 255, (seed >> 8) & 255,
					seed & 255);
				ops[i] = (struct wgc_etcd_op){
					.type = WGC_ETCD_OP_PUT,
					.key = keys[i],
					.key_len = strlen(keys[i]),
					.value = vals[i],
					.value_len = strlen(vals[i]),
					.expect_rev = -1 };
			}
			TEST_ASSERT_SUCCESS(wgc_etcd_txn(e, ops, 100, NULL,
				NULL, &rev), "txn %u", b);
		}
	}
	for (i = 291; i <= 300; i++)
		TEST_ASSERT_EQUAL(wgc_etcd_delete(e, keys[0], peer_key(i,
			keys[0], sizeof(keys[0])), &rev), 1, "delete %u", i);
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, rev, 5000),
		"watch applied");
	TEST_ASSERT_EQUAL(count(), 293u, "293 peers");
	TEST_ASSERT_EQUAL(keepalive_of(1), 25u, "peer 1 changed");
	TEST_ASSERT_EQUAL(keepalive_of(290), 25u, "peer 290 changed");
	TEST_ASSERT_EQUAL(session(5), s9000, "changed peer kept its session");
	wgc_cluster_stats_get(c, &st);
	TEST_ASSERT_EQUAL(st.events, 312u, "312 events");
	TEST_ASSERT(st.batches >= 1 && st.batches <= 310, "batches %" PRIu64,
		st.batches);
	/* a malformed value through the watch: skipped, peer 2 unchanged */
	peer_key(2, keys[0], sizeof(keys[0]));
	TEST_ASSERT_SUCCESS(wgc_etcd_put(e, keys[0], strlen(keys[0]),
		"{\"public_key\":1}", 16, -1, 0, &rev), "bad value");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, rev, 5000), "seen");
	wgc_cluster_stats_get(c, &st);
	TEST_ASSERT_EQUAL(st.skipped_malformed, 3u, "3 malformed");
	TEST_ASSERT_EQUAL(keepalive_of(2), 25u, "peer 2 kept");
	TEST_ASSERT_SUCCESS(put_peer(e, 2, 25, &rev), "peer 2 repaired");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, rev, 5000), "seen");

	/* the revision is kept in the state directory */
	wgc_cluster_stop(c);
	cur = NULL;
	snprintf(path, sizeof(path), "%s/cluster.revision",
		fx.conf.state_dir);
	f = fopen(path, "r");
	TEST_ASSERT_NOT_NULL(f, "%s", path);
	TEST_ASSERT(fgets(buf, sizeof(buf), f) != NULL &&
		strtoll(buf, NULL, 10) == rev, "revision %lld kept",
		(long long)rev);
	fclose(f);
	/* changes while the node is down; a restart resumes the watch */
	TEST_ASSERT_SUCCESS(put_peer(e, 3, 7, NULL), "put 3");
	TEST_ASSERT_EQUAL(wgc_etcd_delete(e, keys[0], peer_key(4, keys[0],
		sizeof(keys[0])), &rev2), 1, "delete 4");
	c = start();
	TEST_ASSERT_NOT_NULL(c, "restart");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, rev2, 5000),
		"resumed");
	wgc_cluster_stats_get(c, &st);
	TEST_ASSERT_EQUAL(st.full_syncs, 0u, "resumed, no full read");
	TEST_ASSERT_EQUAL(st.events, 2u, "the two changes");
	TEST_ASSERT_EQUAL(keepalive_of(3), 7u, "peer 3 changed");
	TEST_ASSERT_EQUAL(session(4), 0u, "peer 4 removed");
	wgc_cluster_stop(c);
	cur = NULL;

	/* down again; changes; etcd compacts past the kept revision */
	TEST_ASSERT_SUCCESS(put_peer(e, 3, 9, NULL), "put 3");
	TEST_ASSERT_SUCCESS(put_peer(e, 4, 9, NULL), "put 4");
	TEST_ASSERT_SUCCESS(put_peer(e, 1000, 9, &rev), "put 1000");
	snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints=%s "
		"compact %lld >/dev/null", etcd_url, (long long)rev);
	TEST_ASSERT_SUCCESS(system(cmd), "compact");
	c = start();
	TEST_ASSERT_NOT_NULL(c, "restart");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, rev, 8000),
		"resynced");
	WAIT_FOR(count() == 294, 3000);
	wgc_cluster_stats_get(c, &st);
	TEST_ASSERT_EQUAL(st.compactions, 1u, "compaction seen");
	TEST_ASSERT_EQUAL(st.full_syncs, 1u, "one full read");
	TEST_ASSERT_EQUAL(count(), 294u, "294 peers");
	TEST_ASSERT_EQUAL(keepalive_of(3), 9u, "peer 3");
	TEST_ASSERT_EQUAL(keepalive_of(1000), 9u, "peer 1000");
	TEST_ASSERT_EQUAL(session(5), s9000, "peer 5 kept its session");
	wgc_cluster_stop(c);
	cur = NULL;
	wgc_etcd_free(e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(cluster_sync_autotest, fast, sync_setup,
	test_cluster_sync, sync_teardown);

/* test peer seed's key in hex (UAPI) */
static void
key_hex(unsigned int seed, char hex[2 * WGC_KEY_LEN + 1])
{
	uint8_t k[WGC_KEY_LEN];
	unsigned int i;

	test_key(seed, k);
	for (i = 0; i < WGC_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
}

/* one UAPI set=1 request; the errno it answers, or -1 */
static int
uapi_set(const char *body)
{
	char req[512], ans[256];
	size_t len = 0;
	ssize_t n;
	int fd = unix_connect(fx.uapi), e = -1;

	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req), "set=1\n%s\n", body);
	if (write_full(fd, req, strlen(req)) == 0) {
		while (len < sizeof(ans) - 1 && (n = read(fd, ans + len,
				sizeof(ans) - 1 - len)) > 0) {
			len += (size_t)n;
			ans[len] = '\0';
			if (strstr(ans, "\n\n") != NULL)
				break;
		}
		ans[len] = '\0';
		if (strncmp(ans, "errno=", 6) == 0)
			e = atoi(ans + 6);
	}
	close(fd);
	return e;
}

static int
rest(const char *method, const char *url, const char *body, int want,
		struct http_resp *r)
{
	if (http_json(fx.rest, method, url, body, r) != 0)
		return -1;
	if (r->status != want)
		printf("%s %s: %d %s\n", method, url, r->status,
			r->body != NULL ? r->body : "");
	return r->status == want ? 0 : -1;
}

/* GET url's status; 0 if its body does not hold @p has */
static int
get_has(const char *url, const char *has)
{
	struct http_resp r;
	int st;

	if (http_json(fx.rest, "GET", url, NULL, &r) != 0)
		return -1;
	st = r.body != NULL && strstr(r.body, has) != NULL ? r.status : 0;
	http_resp_free(&r);
	return st;
}

static int64_t
etcd_count(struct wgc_etcd *e)
{
	return wgc_etcd_range_prefix(e, PEERS, strlen(PEERS), 0, 1000, NULL,
		NULL, NULL);
}

static int
test_cluster_write(void)
{
	const char *const ep[] = { etcd_url };
	struct wgc_etcd *e = wgc_etcd_create(ep, 1, 0);
	char url[128], b64[WGC_KEY_B64_LEN + 1], hex[80], body[256];
	struct wgc_cluster_stats st;
	struct http_resp r;
	struct wgc_cluster *c;
	struct wgc_peer_conf pc;
	uint8_t k[WGC_KEY_LEN];
	struct sbuf b = { 0 };
	unsigned int i;
	int rc;

	TEST_ASSERT_NOT_NULL(e, "client");
	c = start();
	TEST_ASSERT_NOT_NULL(c, "cluster start");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, 0, 5000), "synced");

	/* bulk of 300: three transactions, applied before the reply */
	sbuf_printf(&b, "[");
	for (i = 1; i <= 300; i++) {
		test_key(i, k);
		wgc_key_to_base64(k, b64);
		sbuf_printf(&b, "%s{\"public_key\":\"%s\",\"allowed_ips\":"
			"[\"10.1.%u.%u/32\"]}", i > 1 ? "," : "", b64, i >> 8,
			i & 255);
	}
	sbuf_printf(&b, "]");
	TEST_ASSERT_SUCCESS(rest("POST", "/v1/peers", b.p, 200, &r), "bulk");
	http_resp_free(&r);
	sbuf_free(&b);
	TEST_ASSERT_EQUAL(count(), 300u, "read-your-writes: 300 peers");
	TEST_ASSERT_EQUAL(etcd_count(e), 300, "300 peers in etcd");

	/* one peer: PUT, PATCH (mod_revision compared), DELETE */
	test_key(1000, k);
	wgc_key_to_base64(k, b64);
	wgc_key_to_base64url(k, hex);
	snprintf(url, sizeof(url), "/v1/peers/%s", hex);
	TEST_ASSERT_SUCCESS(rest("PUT", url, "{\"allowed_ips\":"
		"[\"10.2.0.1/32\"],\"endpoint\":\"192.0.2.9:51820\"}", 201, &r),
		"put");
	http_resp_free(&r);
	TEST_ASSERT_SUCCESS(local(1000, &pc), "applied before the reply");
	TEST_ASSERT(pc.endpoint.port == 51820 && pc.n_allowed_ips == 1,
		"as written");
	wgc_peer_conf_free(&pc);
	TEST_ASSERT_SUCCESS(rest("PATCH", url, "{\"persistent_keepalive\":15}",
		200, &r), "patch");
	http_resp_free(&r);
	TEST_ASSERT_SUCCESS(local(1000, &pc), "patched peer");
	TEST_ASSERT(pc.persistent_keepalive == 15 && pc.n_allowed_ips == 1 &&
		pc.endpoint.port == 51820, "patch merged with the stored peer");
	wgc_peer_conf_free(&pc);
	{
		struct wgc_etcd_op op = { .type = WGC_ETCD_OP_GET };
		char key[128];

		op.key = key;
		op.key_len = peer_key(1000, key, sizeof(key));
		op.expect_rev = -1;
		TEST_ASSERT_SUCCESS(wgc_etcd_txn(e, &op, 1, NULL, NULL, NULL),
			"read");
	}
	test_key(1001, k);
	wgc_key_to_base64url(k, hex);
	snprintf(body, sizeof(body), "/v1/peers/%s", hex);
	TEST_ASSERT_SUCCESS(rest("PATCH", body, "{\"persistent_keepalive\":1}",
		404, &r), "patch of an absent peer");
	http_resp_free(&r);
	TEST_ASSERT_SUCCESS(rest("DELETE", url, NULL, 204, &r), "delete");
	http_resp_free(&r);
	TEST_ASSERT(local(1000, &pc) == -ENOENT, "deleted before the reply");
	TEST_ASSERT_EQUAL(etcd_count(e), 300, "deleted in etcd");

	/* UAPI: wg set */
	key_hex(1002, hex);
	snprintf(body, sizeof(body), "public_key=%s\nallowed_ip=10.3.0.1/32\n",
		hex);
	TEST_ASSERT_EQUAL(uapi_set(body), 0, "uapi set");
	TEST_ASSERT_SUCCESS(local(1002, &pc), "uapi change applied");
	wgc_peer_conf_free(&pc);
	TEST_ASSERT_EQUAL(etcd_count(e), 301, "uapi change in etcd");
	/* the same peer twice in one set: in order, on etcd's value */
	snprintf(body, sizeof(body), "public_key=%s\nallowed_ip=10.3.0.2/32\n"
		"public_key=%s\npersistent_keepalive_interval=5\n", hex, hex);
	TEST_ASSERT_EQUAL(uapi_set(body), 0, "uapi set of one peer twice");
	TEST_ASSERT_SUCCESS(local(1002, &pc), "peer 1002");
	TEST_ASSERT(pc.persistent_keepalive == 5 && pc.n_allowed_ips == 2,
		"both changes, allowed IPs appended (%u)", pc.n_allowed_ips);
	wgc_peer_conf_free(&pc);

	/* GET /v1/cluster: this node and its record */
	TEST_ASSERT_SUCCESS(rest("GET", "/v1/cluster", NULL, 200, &r), "get");
	TEST_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "enabled")) &&
		cJSON_IsTrue(cJSON_GetObjectItem(r.json, "etcd_reachable")),
		"reachable");
	TEST_ASSERT(strstr(r.body, "\"node\":\"cs-a\"") != NULL, "node");
	http_resp_free(&r);
	WAIT_FOR(get_has("/v1/cluster", "192.0.2.1:51820") == 200, 3000);
	TEST_ASSERT_EQUAL(get_has("/v1/cluster", "192.0.2.1:51820"), 200,
		"node record read back");
	TEST_ASSERT_SUCCESS(rest("GET", "/metrics", NULL, 200, &r), "metrics");
	TEST_ASSERT(strstr(r.body, "cluster_applied_revision") != NULL &&
		strstr(r.body, "cluster_write_unavailable") != NULL,
		"cluster counters in /metrics");
	http_resp_free(&r);
	TEST_ASSERT_EQUAL(get_has("/v1/stats", "\"cluster_writes\":6"), 200,
		"writes counted in /v1/stats");

	/* etcd stopped: writes 503, nothing applied, health degraded */
	etcd_stop();
	TEST_ASSERT_SUCCESS(rest("PUT", url, "{\"allowed_ips\":"
		"[\"10.2.0.2/32\"]}", 503, &r), "put while etcd is down");
	TEST_ASSERT(strcmp(json_error_code(&r), "unavailable") == 0 &&
		strstr(r.body, "etcd unreachable") != NULL, "clear message");
	http_resp_free(&r);
	TEST_ASSERT(local(1000, &pc) == -ENOENT, "nothing applied locally");
	TEST_ASSERT_EQUAL(uapi_set(body), -EHOSTUNREACH, "uapi errno");
	WAIT_FOR(get_has("/v1/health", "cluster: etcd unreachable") == 503,
		8000);
	rc = get_has("/v1/health", "cluster: etcd unreachable");
	TEST_ASSERT_EQUAL(rc, 503, "health degraded");
	TEST_ASSERT_EQUAL(count(), 301u, "peers kept while etcd is down");
	wgc_cluster_stats_get(c, &st);
	TEST_ASSERT(st.write_unavailable >= 2, "503s counted");

	/* etcd back: a change made meanwhile reaches the node */
	TEST_ASSERT_SUCCESS(etcd_start(), "etcd restarted");
	TEST_ASSERT_SUCCESS(put_peer(e, 2000, 3, NULL), "put through etcd");
	WAIT_FOR(keepalive_of(2000) == 3, 10000);
	TEST_ASSERT_EQUAL(keepalive_of(2000), 3u, "converged");
	WAIT_FOR(get_has("/v1/health", "\"ok\"") == 200, 8000);
	rc = get_has("/v1/health", "\"ok\"");
	TEST_ASSERT_EQUAL(rc, 200, "healthy again");
	TEST_ASSERT_SUCCESS(rest("PUT", url, "{\"allowed_ips\":"
		"[\"10.2.0.2/32\"]}", 201, &r), "writes again");
	http_resp_free(&r);
	wgc_cluster_stop(c);
	cur = NULL;
	wgc_etcd_free(e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(cluster_write_autotest, fast, sync_setup,
	test_cluster_write, sync_teardown);

/* another writer of peer 3000: adds 10.6.0.<i>/32, read-modify-write
 * with a compare of the mod_revision read */
struct racer {
	struct wgc_etcd *e;
	int64_t rev;
	int rc;
};

struct racer_read {
	int64_t mod;
	cJSON *j;
};

static int
racer_kv(void *ctx, const struct wgc_etcd_kv *kv)
{
	struct racer_read *r = ctx;

	r->mod = kv->mod_revision;
	r->j = cJSON_ParseWithLength((const char *)kv->value, kv->value_len);
	return 0;
}

#define RACE_N 40

static void *
racer_main(void *arg)
{
	struct racer *rc = arg;
	char key[128], ip[32];
	size_t kl = peer_key(3000, key, sizeof(key));
	unsigned int i, tries;

	for (i = 1; i <= RACE_N && rc->rc == 0; i++) {
		for (tries = 0; tries < 1000; tries++) {
			struct racer_read r = { 0, NULL };
			cJSON *a;
			char *v;
			int x;

			if (wgc_etcd_get(rc->e, key, kl, racer_kv, &r) != 1 ||
					r.j == NULL) {
				cJSON_Delete(r.j);
				rc->rc = -EIO;
				break;
			}
			snprintf(ip, sizeof(ip), "10.6.0.%u/32", i);
			a = cJSON_GetObjectItem(r.j, "allowed_ips");
			cJSON_AddItemToArray(a, cJSON_CreateString(ip));
			v = cJSON_PrintUnformatted(r.j);
			cJSON_Delete(r.j);
			x = v == NULL ? -ENOMEM : wgc_etcd_put(rc->e, key, kl,
				v, strlen(v), r.mod, 0, &rc->rev);
			cJSON_free(v);
			if (x == 0)
				break;
			if (x != -ECANCELED) {
				rc->rc = x;
				break;
			}
		}
	}
	return NULL;
}

/*
 * Writes compare the stored peer's mod_revision: this node's UAPI
 * changes (each adds an allowed IP to the stored peer) and another
 * writer's (each adds another), interleaved, lose none.
 */
static int
test_cluster_write_race(void)
{
	const char *const ep[] = { etcd_url };
	struct racer rc = { wgc_etcd_create(ep, 1, 0), 0, 0 };
	struct wgc_cluster_stats st;
	struct wgc_peer_conf pc;
	struct wgc_cluster *c;
	char hex[80], body[200];
	pthread_t t;
	unsigned int i;
	int e = 0;

	TEST_ASSERT_NOT_NULL(rc.e, "client");
	c = start();
	TEST_ASSERT_NOT_NULL(c, "cluster start");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, 0, 5000), "synced");
	key_hex(3000, hex);
	snprintf(body, sizeof(body), "public_key=%s\nallowed_ip=10.4.0.1/32\n",
		hex);
	TEST_ASSERT_EQUAL(uapi_set(body), 0, "create");
	TEST_ASSERT_SUCCESS(pthread_create(&t, NULL, racer_main, &rc),
		"racer");
	for (i = 1; i <= RACE_N && e == 0; i++) {
		snprintf(body, sizeof(body), "public_key=%s\n"
			"allowed_ip=10.5.0.%u/32\n", hex, i);
		e = uapi_set(body);
	}
	pthread_join(t, NULL);
	TEST_ASSERT_EQUAL(e, 0, "every set answered errno=0");
	TEST_ASSERT_SUCCESS(rc.rc, "the other writer");
	TEST_ASSERT_SUCCESS(wgc_cluster_wait_applied(c, rc.rev, 5000),
		"applied");
	TEST_ASSERT_SUCCESS(local(3000, &pc), "peer");
	TEST_ASSERT_EQUAL(pc.n_allowed_ips, 1u + 2 * RACE_N,
		"no change lost");
	wgc_peer_conf_free(&pc);
	wgc_cluster_stats_get(c, &st);
	printf("write conflicts retried: %" PRIu64 "\n", st.write_conflicts);
	wgc_cluster_stop(c);
	cur = NULL;
	wgc_etcd_free(rc.e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(cluster_write_race_autotest, fast, sync_setup,
	test_cluster_write_race, sync_teardown);
