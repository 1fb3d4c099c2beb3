/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Health and observability of the control plane: the monitor's pool
 * pressure, worker heartbeats and links in /v1/health, /v1/stats and
 * /metrics; health and metrics answered while a change is being applied;
 * the bounds on UAPI request memory; one audit line per accepted change
 * (uid, operation, public key, never a secret); `promtool check metrics`
 * clean on /metrics?peers=1.
 */

#include <pthread.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "control_priv.h"
#include "control_test_client.h"
#include "wgc_test.h"

static struct ctl_fixture fx;
static struct wgc_monitor *mon;

/* the fixture with a monitor and a body limit for bulk requests */
static int
start_with_monitor(const struct wgc_device_ops *ops,
		const struct wgc_monitor_params *mp)
{
	struct wgc_iface_conf i =
		fixture_iface("GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=");
	struct wgc_control_params p;
	struct wgc_conf_error err;

	memset(&fx, 0, sizeof(fx));
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/wo-health-XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	snprintf(fx.conf.socket, sizeof(fx.conf.socket), "%s/rest.sock",
		fx.dir);
	snprintf(fx.conf.uapi_dir, sizeof(fx.conf.uapi_dir), "%s", fx.dir);
	fx.conf.max_body = 64u << 20;
	fx.conf.timeout = 5;
	snprintf(fx.rest, sizeof(fx.rest), "%s", fx.conf.socket);
	snprintf(fx.uapi, sizeof(fx.uapi), "%s/wgcctl0.sock", fx.dir);
	fx.mb = wgc_mem_backend_create(&i);
	wgc_iface_conf_free(&i);
	mon = wgc_monitor_create(mp);
	if (fx.mb == NULL || mon == NULL)
		return -1;
	memset(&p, 0, sizeof(p));
	p.conf = &fx.conf;
	p.ifname = "wgcctl0";
	p.ops = ops != NULL ? ops : &wgc_mem_backend_ops;
	p.ctx = fx.mb;
	p.monitor = mon;
	fx.ctl = wgc_control_create(&p, &err);
	if (fx.ctl == NULL)
		printf("wgc_control_create: %s\n", err.msg);
	return fx.ctl != NULL ? 0 : -1;
}

/* also each test's teardown: idempotent, so that a failed assertion
 * (an early return) still stops the servers and removes the directory */
static void
stop_with_monitor(void)
{
	fixture_fini(&fx);
	memset(&fx, 0, sizeof(fx));
	wgc_monitor_free(mon);
	mon = NULL;
	rte_openlog_stream(NULL); /* the audit test's capture */
}

#define REQ(method, url, body) do { \
	http_resp_free(&r); \
	TEST_ASSERT_SUCCESS(http_json(fx.rest, method, url, body, &r), \
		"%s %s: no response", method, url); \
} while (0)

static const char *
health_reason(const struct http_resp *r)
{
	const cJSON *s = cJSON_GetObjectItem(r->json, "reason");

	return cJSON_IsString(s) ? s->valuestring : "";
}

/* ------------------------------------------------------ pool pressure */

static int
test_pool_pressure(void)
{
	const struct wgc_monitor_params mp = { .pool_samples = 3 };
	struct rte_mbuf *m[100];
	struct http_resp r = { 0 };
	struct rte_mempool *pool;
	const cJSON *pl;
	unsigned int i;
	uint64_t t = 1000000;
	int rc = TEST_FAILED;

	/* no per-lcore cache: the counts are exact */
	pool = rte_pktmbuf_pool_create("wo_pressure", 100, 0, 0, 256,
		SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(pool, "pool");
	if (start_with_monitor(NULL, &mp) != 0 ||
			wgc_monitor_add_pool(mon, pool) != 0 ||
			wgc_monitor_add_pool(mon, pool) != 0)
		goto out;
	TEST_ASSERT_SUCCESS(rte_pktmbuf_alloc_bulk(pool, m, 95), "alloc");
	/* above 90 % for two samples: not yet "stays" */
	wgc_monitor_sample(mon, t);
	wgc_monitor_sample(mon, t += 1000);
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	/* a sample within the same second is ignored */
	wgc_monitor_sample(mon, t + 500);
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	wgc_monitor_sample(mon, t += 1000);
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 503, "%s", r.body);
	TEST_ASSERT(strcmp(cJSON_GetObjectItem(r.json,
		"status")->valuestring, "degraded") == 0, "%s", r.body);
	TEST_ASSERT(strcmp(health_reason(&r), "pool wo_pressure: 95% in use "
		"(95 of 100 buffers) for 3 s") == 0, "reason: %s", r.body);
	/* the figures: /v1/stats, /metrics */
	REQ("GET", "/v1/stats", NULL);
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	pl = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		r.json, "interface"), "pools"), "wo_pressure");
	TEST_ASSERT(pl != NULL, "pools.wo_pressure: %s", r.body);
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(pl, "size")->valueint, 100,
		"size");
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(pl, "in_use")->valueint, 95,
		"in_use");
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(pl, "avail")->valueint, 5,
		"avail");
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(pl,
		"pressure_seconds")->valueint, 3, "pressure_seconds");
	REQ("GET", "/metrics", NULL);
	TEST_ASSERT(strstr(r.body, "# TYPE wgc_pool_in_use gauge\n"
		"wgc_pool_in_use{pool=\"wo_pressure\"} 95\n") != NULL,
		"%s", r.body);
	TEST_ASSERT(strstr(r.body, "\nwgc_healthy 0\n") != NULL, "%s",
		r.body);
	/* back under the bound: healthy at the next sample, peak kept */
	rte_pktmbuf_free_bulk(m, 95);
	wgc_monitor_sample(mon, t += 1000);
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	REQ("GET", "/metrics", NULL);
	TEST_ASSERT(strstr(r.body, "wgc_pool_in_use{pool=\"wo_pressure\"} "
		"0\n") != NULL && strstr(r.body, "wgc_pool_in_use_peak{pool="
		"\"wo_pressure\"} 95\n") != NULL, "%s", r.body);
	/* exactly 90 % is not above the bound */
	TEST_ASSERT_SUCCESS(rte_pktmbuf_alloc_bulk(pool, m, 90), "alloc");
	for (i = 0; i < 4; i++)
		wgc_monitor_sample(mon, t += 1000);
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	rte_pktmbuf_free_bulk(m, 90);
	rc = TEST_SUCCESS;
out:
	http_resp_free(&r);
	stop_with_monitor();
	rte_mempool_free(pool);
	return rc;
}

WGC_TEST_REGISTER_FULL(control_health_pool_pressure_autotest, fast, NULL,
	test_pool_pressure, stop_with_monitor);

/* ---------------------------------------------- workers and links */

static uint64_t beats[2];

static uint64_t
beat(void *ctx, unsigned int w)
{
	(void)ctx;
	return beats[w];
}

static int
test_workers_links(void)
{
	struct rte_eth_conf ec = { 0 };
	struct http_resp r = { 0 };
	struct rte_mempool *pool = NULL;
	uint16_t port;
	uint64_t t = 5000;
	unsigned int i;
	int rc = TEST_FAILED;

	TEST_ASSERT_SUCCESS(start_with_monitor(NULL, NULL), "start");
	TEST_ASSERT_SUCCESS(wgc_monitor_set_workers(mon, 2, beat, NULL),
		"workers");
	for (i = 0; i < 5; i++) {
		beats[0]++;
		beats[1]++;
		wgc_monitor_sample(mon, t += 1000);
	}
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	/* worker 1 stops: degraded after WGC_MONITOR_STALL_SAMPLES */
	for (i = 0; i < WGC_MONITOR_STALL_SAMPLES; i++) {
		REQ("GET", "/v1/health", NULL);
		TEST_ASSERT_EQUAL(r.status, 200, "sample %u: %s", i, r.body);
		beats[0]++;
		wgc_monitor_sample(mon, t += 1000);
	}
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 503, "%s", r.body);
	TEST_ASSERT(strcmp(health_reason(&r), "worker 1: no progress for "
		"3 s") == 0, "%s", r.body);
	REQ("GET", "/v1/stats", NULL);
	TEST_ASSERT(strstr(r.body, "\"stalled\":1") != NULL, "%s", r.body);
	beats[1]++;
	wgc_monitor_sample(mon, t += 1000);
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);

	/* a port whose link is down (net_null is up once started); net_null
	 * (22.11) never frees a dummy packet per queue: the PMD's, not ours */
	wgc_test_heap_check_skip();
	TEST_ASSERT_SUCCESS(rte_eal_hotplug_add("vdev", "net_null_wo0", ""), "vdev");
	if (rte_eth_dev_get_port_by_name("net_null_wo0", &port) != 0)
		goto out;
	pool = rte_pktmbuf_pool_create("wo_link", 511, 0, 0, 2048,
		SOCKET_ID_ANY);
	if (pool == NULL || rte_eth_dev_configure(port, 1, 1, &ec) != 0 ||
			rte_eth_rx_queue_setup(port, 0, 64, SOCKET_ID_ANY, NULL,
				pool) != 0 ||
			rte_eth_tx_queue_setup(port, 0, 64, SOCKET_ID_ANY,
				NULL) != 0)
		goto out;
	TEST_ASSERT_SUCCESS(wgc_monitor_add_port(mon, "wan", port), "port");
	beats[0]++;
	beats[1]++;
	wgc_monitor_sample(mon, t += 1000);
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 503, "%s", r.body);
	TEST_ASSERT(strcmp(health_reason(&r), "port wan: link down") == 0,
		"%s", r.body);
	REQ("GET", "/metrics", NULL);
	TEST_ASSERT(strstr(r.body, "wgc_port_link_up{port=\"wan\"} 0\n") !=
		NULL, "%s", r.body);
	TEST_ASSERT_SUCCESS(rte_eth_dev_start(port), "start");
	beats[0]++;
	beats[1]++;
	wgc_monitor_sample(mon, t += 1000);
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	REQ("GET", "/metrics", NULL);
	TEST_ASSERT(strstr(r.body, "wgc_port_link_up{port=\"wan\"} 1\n") !=
		NULL && strstr(r.body, "# TYPE wgc_port_rx_nombuf_total "
		"counter\n") != NULL, "%s", r.body);
	rte_eth_dev_stop(port);
	rc = TEST_SUCCESS;
out:
	http_resp_free(&r);
	stop_with_monitor();
	if (rte_eth_dev_get_port_by_name("net_null_wo0", &port) == 0)
		rte_eal_hotplug_remove("vdev", "net_null_wo0");
	rte_mempool_free(pool);
	return rc;
}

WGC_TEST_REGISTER_FULL(control_health_workers_links_autotest, fast, NULL,
	test_workers_links, stop_with_monitor);

/* ------------------------------------ health while a change applies */

struct bulk_arg {
	char *body;
	size_t len;
	int status;
	bool done;
};

static void *
bulk_thread(void *arg)
{
	struct bulk_arg *a = arg;
	struct http_resp r = { 0 };

	if (http_req(fx.rest, "PUT", "/v1/peers", NULL, a->body, a->len,
			&r) == 0)
		a->status = r.status;
	http_resp_free(&r);
	__atomic_store_n(&a->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define BULK_PEERS 20000

/* GET with a 3 s receive timeout: a blocked server fails the test, never
 * hangs it. 0 and @p r filled, or -1. */
static int
get_bounded(const char *url, struct http_resp *r)
{
	struct timeval tv = { .tv_sec = 3 };
	char head[256], *raw;
	size_t len;
	int fd, n, rc;

	memset(r, 0, sizeof(*r));
	fd = unix_connect(fx.rest);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\nHost: wgc\r\n"
		"Connection: close\r\n\r\n", url);
	if (write_full(fd, head, (size_t)n) != 0) {
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	raw = read_all(fd, &len);
	close(fd);
	if (raw == NULL)
		return -1;
	rc = http_parse(raw, len, r);
	free(raw);
	return rc;
}

static int
test_health_during_bulk(void)
{
	/* the mem backend's totals walk the peers: leave them out, so that
	 * /metrics needs nothing the apply holds */
	static struct wgc_device_ops ops;
	struct bulk_arg a = { 0 };
	struct http_resp r = { 0 };
	struct sbuf b = { 0 };
	pthread_t th;
	double t0, worst = 0;
	bool early;
	unsigned int i;
	int rc = TEST_FAILED;

	ops = wgc_mem_backend_ops;
	ops.stats_read = NULL;
	TEST_ASSERT_SUCCESS(start_with_monitor(&ops, NULL), "start");
	sbuf_printf(&b, "[");
	for (i = 0; i < BULK_PEERS; i++) {
		char k[WGC_KEY_B64_LEN + 1];

		test_key_b64(i + 1, k);
		sbuf_printf(&b, "%s{\"public_key\":\"%s\",\"allowed_ips\":"
			"[\"10.%u.%u.%u/32\"]}", i > 0 ? "," : "", k,
			(i >> 16) & 255, (i >> 8) & 255, i & 255);
	}
	sbuf_printf(&b, "]");
	TEST_ASSERT(!b.oom, "body");
	a.body = b.p;
	a.len = b.len;
	/*
	 * Hold the control lock as a long apply does: the PUT is received,
	 * parsed and validated, then waits for the lock. Health and metrics
	 * must answer meanwhile (one server thread used to serve all).
	 */
	pthread_mutex_lock(&fx.ctl->lock);
	if (pthread_create(&th, NULL, bulk_thread, &a) != 0) {
		pthread_mutex_unlock(&fx.ctl->lock);
		goto out;
	}
	usleep(300000);
	for (i = 0; i < 10; i++) {
		t0 = now_ms();
		http_resp_free(&r);
		if (get_bounded(i % 2 ? "/metrics" : "/v1/health",
				&r) != 0 || r.status != 200)
			break;
		worst = RTE_MAX(worst, now_ms() - t0);
	}
	early = __atomic_load_n(&a.done, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&fx.ctl->lock);
	pthread_join(th, NULL);
	TEST_ASSERT(!early, "the PUT finished without the lock");
	printf("health/metrics during a held apply: %u of 10 answered, "
		"slowest %.1f ms\n", i, worst);
	TEST_ASSERT_EQUAL(i, 10u, "health/metrics blocked behind the apply: "
		"%d %s", r.status, r.body != NULL ? r.body : "");
	TEST_ASSERT(worst < 2000, "slowest answer %.0f ms", worst);
	TEST_ASSERT_EQUAL(a.status, 200, "bulk PUT");
	REQ("GET", "/v1/health", NULL);
	TEST_ASSERT_EQUAL((int)cJSON_GetObjectItem(r.json,
		"peers")->valuedouble, BULK_PEERS, "%s", r.body);
	rc = TEST_SUCCESS;
out:
	http_resp_free(&r);
	sbuf_free(&b);
	stop_with_monitor();
	return rc;
}

WGC_TEST_REGISTER_FULL(control_health_during_bulk_autotest, fast, NULL,
	test_health_during_bulk, stop_with_monitor);

/* ------------------------------------------------------------- audit */

static char *
read_file_all(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	n = ftell(f);
	if (n < 0 || (s = calloc(1, (size_t)n + 1)) == NULL)
		return NULL;
	rewind(f);
	if (fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		return NULL;
	}
	return s;
}

static unsigned int
count_lines(const char *s, const char *needle)
{
	unsigned int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s++;
	}
	return n;
}

#define PSK "SZt1Nj6fkIy9U3SpZ8d6VWBvH+BdoHFnJBUxzrhWeOY="
#define PSK_HEX "499b75363e9f908cbd5374a967c77a55606f1fe05da07167241531ceb85678e6"
#define PUB "BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM="
#define PUB_URL "BP7axYdCBskJN7oy0xRHKsjHv5ht5DP-K5a5kQqrLRM="
#define PUB_HEX "04fedac5874206c90937ba32d314472ac8c7bf986de433fe2b96b9910aab2d13"

/*
 * One audit line per accepted change, with the uid of the client (from
 * SO_PEERCRED), the operation and the peer's key; refused changes write
 * none; no secret ever appears.
 */
static int
test_audit(void)
{
	struct http_resp r = { 0 };
	char want[256], *log = NULL, *out;
	FILE *f = tmpfile();
	int rc = TEST_FAILED, fd;

	TEST_ASSERT_NOT_NULL(f, "tmpfile");
	if (start_with_monitor(NULL, NULL) != 0)
		goto out;
	rte_openlog_stream(f);
	REQ("PUT", "/v1/peers/" PUB_URL, "{\"allowed_ips\": [\"10.7.0.2/32\"],"
		" \"preshared_key\": \"" PSK "\"}");
	TEST_ASSERT_EQUAL(r.status, 201, "%s", r.body);
	REQ("PATCH", "/v1/interface", "{\"private_key\": "
		"\"//////////////////////////////////////////8=\", "
		"\"listen_port\": 51999}");
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	/* refused: conflict, bad JSON */
	REQ("POST", "/v1/peers", "[{\"public_key\": \"L+V9o0fNYkMVKNqsX7spBzD/"
		"9oSvxM/C7ZCZX1jLO3Q=\", \"allowed_ips\": [\"10.7.0.2/32\"]}]");
	TEST_ASSERT_EQUAL(r.status, 409, "%s", r.body);
	REQ("POST", "/v1/peers", "[{");
	TEST_ASSERT_EQUAL(r.status, 400, "%s", r.body);
	/* UAPI */
	fd = unix_connect(fx.uapi);
	TEST_ASSERT(fd >= 0, "uapi");
	TEST_ASSERT_SUCCESS(write_full(fd, "set=1\npublic_key=" PUB_HEX
		"\npreshared_key=" PSK_HEX "\n\n", strlen("set=1\npublic_key="
		PUB_HEX "\npreshared_key=" PSK_HEX "\n\n")), "write");
	shutdown(fd, SHUT_WR);
	{
		size_t len;

		out = read_all(fd, &len);
	}
	close(fd);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0, "%s",
		out != NULL ? out : "");
	free(out);
	REQ("DELETE", "/v1/peers/" PUB_URL, NULL);
	TEST_ASSERT_EQUAL(r.status, 204, "%s", r.body);
	rte_openlog_stream(NULL);
	log = read_file_all(f);
	TEST_ASSERT_NOT_NULL(log, "log");
	printf("%s", log);
	TEST_ASSERT_EQUAL(count_lines(log, "wgc.audit: "), 4u, "one line per "
		"accepted change: %s", log);
	snprintf(want, sizeof(want), "wgc.audit: uid=%u via=rest op=replace "
		"peer=" PUB "\n", (unsigned int)getuid());
	TEST_ASSERT(strstr(log, want) != NULL, "PUT: want %s in %s", want,
		log);
	snprintf(want, sizeof(want), "wgc.audit: uid=%u via=rest "
		"interface=private_key,listen_port listen_port=51999\n",
		(unsigned int)getuid());
	TEST_ASSERT(strstr(log, want) != NULL, "PATCH: want %s in %s", want,
		log);
	snprintf(want, sizeof(want), "wgc.audit: uid=%u via=uapi op=upsert "
		"peer=" PUB "\n", (unsigned int)getuid());
	TEST_ASSERT(strstr(log, want) != NULL, "UAPI: want %s in %s", want,
		log);
	snprintf(want, sizeof(want), "wgc.audit: uid=%u via=rest op=remove "
		"peer=" PUB "\n", (unsigned int)getuid());
	TEST_ASSERT(strstr(log, want) != NULL, "DELETE: want %s in %s", want,
		log);
	TEST_ASSERT(strstr(log, PSK) == NULL && strcasestr(log, PSK_HEX) ==
		NULL && strstr(log, "//////////") == NULL, "a secret in the "
		"log: %s", log);
	rc = TEST_SUCCESS;
out:
	rte_openlog_stream(NULL);
	free(log);
	fclose(f);
	http_resp_free(&r);
	stop_with_monitor();
	return rc;
}

WGC_TEST_REGISTER_FULL(control_audit_autotest, fast, NULL,
	test_audit, stop_with_monitor);

/* ---------------------------------------------------------- promtool */

/*
 * `promtool check metrics` (Debian's prometheus package, installed by
 * devtools/install-deps.sh) finds no problem in /metrics?peers=1.
 */
static int
test_promtool(void)
{
	struct http_resp r = { 0 };
	char path[128], cmd[256], buf[512];
	unsigned int problems = 0;
	FILE *f, *p;
	int rc = TEST_FAILED, st;

	TEST_ASSERT(system("command -v promtool >/dev/null") == 0,
		"promtool missing: run devtools/install-deps.sh "
		"(Debian package prometheus)");
	TEST_ASSERT_SUCCESS(start_with_monitor(NULL, NULL), "start");
	TEST_ASSERT_SUCCESS(wgc_monitor_set_workers(mon, 2, beat, NULL),
		"workers");
	REQ("PUT", "/v1/peers", "[{\"public_key\": \"" PUB "\", "
		"\"allowed_ips\": [\"10.7.0.2/32\", \"fd00::2/128\"]}, "
		"{\"public_key\": \"L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q="
		"\"}]");
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	REQ("GET", "/metrics?peers=1", NULL);
	TEST_ASSERT_EQUAL(r.status, 200, "%s", r.body);
	TEST_ASSERT(strstr(r.body, "wireguard_sent_bytes_total{interface="
		"\"wgcctl0\",public_key=\"" PUB "\",allowed_ips=\"10.7.0.2/32,"
		"fd00::2/128\"} 0\n") != NULL, "exporter names: %s", r.body);
	TEST_ASSERT(strstr(r.body, "# TYPE wireguard_latest_handshake_seconds "
		"gauge\n") != NULL, "%s", r.body);
	snprintf(path, sizeof(path), "%s/metrics.txt", fx.dir);
	f = fopen(path, "w");
	if (f == NULL || fwrite(r.body, 1, r.body_len, f) != r.body_len) {
		if (f != NULL)
			fclose(f);
		goto out;
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	if (p == NULL)
		goto out;
	while (fgets(buf, sizeof(buf), p) != NULL) {
		printf("promtool: %s", buf);
		problems++;
	}
	st = pclose(p);
	printf("promtool check metrics: %u problems, exit %d\n", problems,
		WEXITSTATUS(st));
	TEST_ASSERT(problems == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"promtool found %u problems", problems);
	rc = TEST_SUCCESS;
out:
	http_resp_free(&r);
	stop_with_monitor();
	return rc;
}

WGC_TEST_REGISTER_FULL(control_metrics_promtool_autotest, fast, NULL,
	test_promtool, stop_with_monitor);
