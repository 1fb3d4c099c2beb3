/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Control-plane scale (scale suite; prints figures, never fails on them):
 * load 100 000 and 1 000 000 peers through POST /v1/peers (chunks of
 * 100 000, persistence on: journal fsync + compaction) into the in-memory
 * backend, RSS after each, list them all through the paged GET, and load
 * 100 000 through the UAPI (the bytes `wg setconf` sends), then reload the
 * 1 M state from disk.
 *
 *   build/test/wgc-test control_scale
 */

#include <inttypes.h>
#include <time.h>

#include "control_priv.h"
#include "control_test_client.h"
#include "wgc_test.h"

#define CHUNK 100000

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
rss_kib(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

static char *
chunk_body(unsigned int first, unsigned int n)
{
	struct sbuf b = { 0 };
	char k[WGC_KEY_B64_LEN + 1];
	unsigned int i;

	sbuf_printf(&b, "[");
	for (i = 0; i < n; i++) {
		unsigned int s = first + i;

		test_key_b64(s + 1, k);
		sbuf_printf(&b, "%s{\"public_key\":\"%s\",\"allowed_ips\":"
			"[\"10.%u.%u.%u/32\"]}", i ? "," : "", k, (s >> 16) & 0xff,
			(s >> 8) & 0xff, s & 0xff);
	}
	sbuf_printf(&b, "]");
	return b.p;
}

static int
load_rest(struct ctl_fixture *f, unsigned int from, unsigned int to,
		double *gen_s)
{
	struct http_resp r;
	unsigned int at;

	*gen_s = 0;
	for (at = from; at < to; at += CHUNK) {
		unsigned int n = to - at < CHUNK ? to - at : CHUNK;
		double t0 = now_s();
		char *b = chunk_body(at, n);

		*gen_s += now_s() - t0;
		TEST_ASSERT_NOT_NULL(b, "body");
		TEST_ASSERT_SUCCESS(http_json(f->rest, "POST", "/v1/peers", b,
			&r), "POST");
		free(b);
		TEST_ASSERT_EQUAL(r.status, 200, "status %d: %.200s", r.status,
			r.body);
		http_resp_free(&r);
	}
	return TEST_SUCCESS;
}

static int
list_all(struct ctl_fixture *f, uint64_t *count)
{
	char url[128] = "/v1/peers?limit=10000";
	struct http_resp r;

	*count = 0;
	for (;;) {
		const cJSON *next;

		TEST_ASSERT_SUCCESS(http_json(f->rest, "GET", url, NULL, &r),
			"GET");
		TEST_ASSERT_EQUAL(r.status, 200, "list");
		*count += (uint64_t)cJSON_GetArraySize(cJSON_GetObjectItem(
			r.json, "peers"));
		next = cJSON_GetObjectItem(r.json, "next");
		if (!cJSON_IsString(next)) {
			http_resp_free(&r);
			break;
		}
		snprintf(url, sizeof(url), "/v1/peers?limit=10000&after=%s",
			next->valuestring);
		http_resp_free(&r);
	}
	return TEST_SUCCESS;
}

static int
test_control_scale(void)
{
	struct ctl_fixture f;
	uint64_t rss0, rss1, rss2, listed;
	double t0, t1, gen, gen2, tl, tu, tr, mb;
	struct sbuf u = { 0 };
	unsigned int i;
	char *reply;
	size_t len;
	int fd;

	TEST_ASSERT_SUCCESS(fixture_init(&f, true, true), "fixture");
	f.conf.max_body = 64u << 20;
	/* restart with a 64 MiB body limit */
	wgc_control_destroy(f.ctl);
	TEST_ASSERT_SUCCESS(fixture_start(&f, true), "restart");
	rss0 = rss_kib();

	t0 = now_s();
	TEST_CHECK(load_rest(&f, 0, 100000, &gen));
	t1 = now_s();
	rss1 = rss_kib();
	printf("control_scale: 100000 peers via POST /v1/peers (1 x 100k, "
		"journal fsync): %.2f s (client JSON generation %.2f s of it), "
		"RSS +%" PRIu64 " KiB (%.0f B/peer)\n", t1 - t0, gen,
		rss1 - rss0, (double)(rss1 - rss0) * 1024 / 100000);

	t0 = now_s();
	TEST_CHECK(load_rest(&f, 100000, 1000000, &gen2));
	t1 = now_s();
	rss2 = rss_kib();
	printf("control_scale: 1000000 peers (900k more in 9 x 100k): %.2f s "
		"(client JSON generation %.2f s of it), %.0f peers/s server "
		"side; RSS +%" PRIu64 " KiB over start (%.0f B/peer, incl. "
		"allowed-IP index and journal buffers)\n", t1 - t0, gen2,
		900000 / (t1 - t0 - gen2), rss2 - rss0,
		(double)(rss2 - rss0) * 1024 / 1000000);
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(f.mb), 1000000u,
		"count");

	t0 = now_s();
	TEST_CHECK(list_all(&f, &listed));
	tl = now_s() - t0;
	TEST_ASSERT_EQUAL(listed, 1000000u, "listed all");
	printf("control_scale: listed 1000000 peers in 100 pages of 10000: "
		"%.2f s\n", tl);

	/* the same bytes wg setconf sends: 100 000 more peers over UAPI */
	sbuf_printf(&u, "set=1\n");
	for (i = 0; i < 100000; i++) {
		uint8_t k[WGC_KEY_LEN];
		char hex[WGC_KEY_HEX_LEN + 1];
		unsigned int s = 2000000 + i;

		test_key(s, k);
		wgc_key_to_hex(k, hex);
		sbuf_printf(&u, "public_key=%s\nreplace_allowed_ips=true\n"
			"allowed_ip=10.%u.%u.%u/32\n", hex, 100 + ((s >> 16) & 0x7f),
			(s >> 8) & 0xff, s & 0xff);
	}
	sbuf_printf(&u, "\n");
	TEST_ASSERT(!u.oom, "uapi text");
	mb = (double)u.len / 1e6;
	t0 = now_s();
	fd = unix_connect(f.uapi);
	TEST_ASSERT(fd >= 0, "uapi connect");
	TEST_ASSERT_SUCCESS(write_full(fd, u.p, u.len), "send");
	shutdown(fd, SHUT_WR);
	reply = read_all(fd, &len);
	close(fd);
	tu = now_s() - t0;
	TEST_ASSERT(reply != NULL && strcmp(reply, "errno=0\n\n") == 0,
		"uapi reply %s", reply);
	free(reply);
	sbuf_free(&u);
	printf("control_scale: 100000 peers via UAPI set=1 (wg setconf bytes, "
		"%.1f MB) onto 1000000: %.2f s\n", mb, tu);
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(f.mb), 1100000u,
		"count after uapi");

	/* crash-restart: reload 1.1 M peers from the state directory */
	t0 = now_s();
	wgc_control_destroy(f.ctl);
	wgc_mem_backend_destroy(f.mb);
	f.mb = wgc_mem_backend_create(NULL);
	TEST_ASSERT_SUCCESS(fixture_start(&f, false), "reload");
	tr = now_s() - t0;
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(f.mb), 1100000u,
		"reloaded");
	printf("control_scale: reload of 1100000 peers from disk (snapshot + "
		"journal, then a fresh snapshot): %.2f s\n", tr);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_scale, scale, test_control_scale);
