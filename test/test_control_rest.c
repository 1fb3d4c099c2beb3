/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * REST API through the real AF_UNIX socket: every route, happy paths and
 * each error status; bad input leaves the state unchanged; a non-root uid
 * is refused; slow clients time out; every route is in doc/openapi.yaml.
 */

#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "control_priv.h"
#include "control_test_client.h"
#include "wgc_test.h"

static struct ctl_fixture fx;

static int
rest_setup(void)
{
	return fixture_init(&fx, true, true) == 0 ? TEST_SUCCESS : TEST_FAILED;
}

static void
rest_teardown(void)
{
	fixture_fini(&fx);
}

#define REQ(method, url, body) do { \
	http_resp_free(&r); \
	TEST_ASSERT_SUCCESS(http_json(fx.rest, method, url, body, &r), \
		"%s %s: no response", method, url); \
} while (0)

static int
expect_code(const struct http_resp *r, const char *code)
{
	if (code == NULL)
		return TEST_SUCCESS;
	TEST_ASSERT(strcmp(json_error_code(r), code) == 0,
		"error code '%s' (want %s): %s", json_error_code(r), code,
		r->body);
	return TEST_SUCCESS;
}

#define EXPECT(st, code) do { \
	TEST_ASSERT_EQUAL(r.status, st, "status %d (want %d): %s", r.status, \
		st, r.body); \
	TEST_CHECK(expect_code(&r, code)); \
} while (0)

static int
test_rest_interface(void)
{
	struct http_resp r = { 0 };
	const cJSON *pk;

	REQ("GET", "/v1/interface", NULL);
	EXPECT(200, NULL);
	TEST_ASSERT(strcmp(cJSON_GetObjectItem(r.json, "name")->valuestring,
		"wgcctl0") == 0, "name");
	pk = cJSON_GetObjectItem(r.json, "public_key");
	TEST_ASSERT(cJSON_IsString(pk) && strcmp(pk->valuestring,
		"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=") == 0,
		"public key: %s", r.body);
	TEST_ASSERT(strstr(r.body, "private") == NULL, "no private key: %s",
		r.body);
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(r.json, "peers")->valueint, 0,
		"peers");

	/* new key: public key follows, private never returned */
	REQ("PATCH", "/v1/interface", "{\"private_key\": "
		"\"//////////////////////////////////////////8=\", "
		"\"listen_port\": 51999}");
	EXPECT(200, NULL);
	TEST_ASSERT(strcmp(cJSON_GetObjectItem(r.json,
		"public_key")->valuestring,
		"hHwNLDdSNPNl5mCVUYejc1oPdhPRYJ06ak2MU66qWiI=") == 0,
		"derived: %s", r.body);
	TEST_ASSERT(strstr(r.body, "//////") == NULL, "key leaked");
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(r.json,
		"listen_port")->valueint, 51999, "port");

	REQ("PATCH", "/v1/interface", "{\"private_key\": \"nope\"}");
	EXPECT(422, "invalid_value");
	REQ("PATCH", "/v1/interface", "{\"listen_port\": 70000}");
	EXPECT(422, "invalid_value");
	REQ("PATCH", "/v1/interface", "{\"listen_port\": \"1\"}");
	EXPECT(400, "bad_request");
	REQ("PATCH", "/v1/interface", "{\"name\": \"x\"}");
	EXPECT(400, "bad_request");
	REQ("PATCH", "/v1/interface", "{\"colour\": 1}");
	EXPECT(400, "bad_request");
	REQ("PATCH", "/v1/interface", "{\"listen_port\": ");
	EXPECT(400, "invalid_json");
	REQ("PATCH", "/v1/interface", "[]");
	EXPECT(400, "bad_request");
	REQ("DELETE", "/v1/interface", NULL);
	EXPECT(405, "method_not_allowed");
	TEST_ASSERT(strstr(r.headers, "Allow: GET,PATCH") != NULL, "Allow: %s",
		r.headers);
	REQ("GET", "/v1/interface", NULL);
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(r.json,
		"listen_port")->valueint, 51999, "unchanged by bad requests");
	http_resp_free(&r);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_rest_interface_autotest, fast, rest_setup,
	test_rest_interface, rest_teardown);

static int
test_rest_peer_crud(void)
{
	struct http_resp r = { 0 };
	char url[128], a_b64[WGC_KEY_B64_LEN + 1], a_url[WGC_KEY_B64URL_LEN + 1];
	char b_url[WGC_KEY_B64URL_LEN + 1], body[512];
	uint8_t a[WGC_KEY_LEN], b[WGC_KEY_LEN];
	struct wgc_device_peer_stats st = { 0 };
	uint64_t session;
	const cJSON *s;

	test_key(1, a);
	test_key(2, b);
	test_key_b64(1, a_b64);
	test_key_url(1, a_url);
	test_key_url(2, b_url);
	snprintf(url, sizeof(url), "/v1/peers/%s", a_url);

	REQ("GET", url, NULL);
	EXPECT(404, "not_found");
	REQ("PUT", url, "{\"allowed_ips\": [\"10.1.0.0/24\"], "
		"\"endpoint\": \"192.0.2.7:51820\", \"preshared_key\": "
		"\"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=\"}");
	EXPECT(201, NULL);
	TEST_ASSERT(strcmp(cJSON_GetObjectItem(r.json,
		"public_key")->valuestring, a_b64) == 0, "key %s", r.body);
	TEST_ASSERT(strstr(r.body, "GGRoqKrq") == NULL, "psk leaked");
	TEST_ASSERT(strstr(r.body, "\"has_preshared_key\":true") != NULL,
		"%s", r.body);
	session = wgc_mem_backend_session(fx.mb, a);
	TEST_ASSERT(session != 0, "session");

	/* fake a handshake; later changes must keep it */
	st.last_handshake_sec = 1700000000;
	st.rx_bytes = 1234;
	TEST_ASSERT_SUCCESS(wgc_mem_backend_set_stats(fx.mb, a, &st), "stats");

	REQ("PATCH", url, "{\"endpoint\": \"[2001:db8::7]:4242\", "
		"\"persistent_keepalive\": 25}");
	EXPECT(200, NULL);
	TEST_ASSERT(strcmp(cJSON_GetObjectItem(r.json, "endpoint")->valuestring,
		"[2001:db8::7]:4242") == 0, "endpoint %s", r.body);
	s = cJSON_GetObjectItem(r.json, "stats");
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(s, "last_handshake")->valuedouble,
		1700000000.0, "handshake kept: %s", r.body);
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(s, "rx_bytes")->valueint, 1234,
		"rx kept");
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(r.json,
		"allowed_ips")->child != NULL, 1, "PATCH keeps allowed_ips");
	REQ("PATCH", url, "{\"allowed_ips\": [\"10.1.0.0/24\", "
		"\"fd00:1::/64\"]}");
	EXPECT(200, NULL);
	TEST_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
		"allowed_ips")), 2, "two ips");
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, a), session,
		"session kept across PATCH");

	/* PUT replaces every field, keeps the session */
	REQ("PUT", url, "{\"allowed_ips\": [\"10.1.0.0/24\"]}");
	EXPECT(200, NULL);
	TEST_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(r.json, "endpoint")),
		"endpoint reset by PUT: %s", r.body);
	TEST_ASSERT(strstr(r.body, "\"has_preshared_key\":false") != NULL,
		"psk reset by PUT");
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, a), session,
		"session kept across PUT");

	/* percent-encoded standard base64 in the path */
	{
		char enc[160], *o = enc;
		const char *p;

		o += sprintf(o, "/v1/peers/");
		for (p = a_b64; *p != '\0'; p++) {
			if (*p == '+' || *p == '/' || *p == '=')
				o += sprintf(o, "%%%02X", *p);
			else
				*o++ = *p;
		}
		*o = '\0';
		REQ("GET", enc, NULL);
		EXPECT(200, NULL);
	}

	/* 422: bad key in URL, body key mismatch, bad values */
	REQ("GET", "/v1/peers/notakey", NULL);
	EXPECT(422, "invalid_key");
	snprintf(body, sizeof(body), "{\"public_key\": \"%s\"}", a_b64);
	snprintf(url, sizeof(url), "/v1/peers/%s", b_url);
	REQ("PUT", url, body);
	EXPECT(422, "invalid_value");
	REQ("PUT", url, "{\"allowed_ips\": [\"10.1.0.0/33\"]}");
	EXPECT(422, "invalid_value");
	TEST_ASSERT(strstr(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json,
		"error"), "message")->valuestring, "allowed_ips[0]") != NULL,
		"path in message: %s", r.body);
	REQ("PUT", url, "{\"endpoint\": \"host.example:1\"}");
	EXPECT(422, "invalid_value");
	REQ("PUT", url, "{\"persistent_keepalive\": true}");
	EXPECT(400, "bad_request");
	REQ("PUT", url, "{\"allowed_ips\": [], \"extra\": 1}");
	EXPECT(400, "bad_request");
	REQ("PUT", url, "{\"allowed_ips\": [");
	EXPECT(400, "invalid_json");
	REQ("PUT", url, "");
	EXPECT(400, "invalid_json");

	/* 409: B wants A's allowed IP; nothing changes */
	REQ("PUT", url, "{\"allowed_ips\": [\"10.1.0.7/24\"]}");
	EXPECT(409, "conflict");
	REQ("GET", url, NULL);
	EXPECT(404, "not_found");
	REQ("PATCH", url, "{\"persistent_keepalive\": 5}");
	EXPECT(404, "not_found");
	REQ("DELETE", url, NULL);
	EXPECT(404, "not_found");

	/* 415 */
	http_resp_free(&r);
	TEST_ASSERT_SUCCESS(http_req(fx.rest, "PUT", url, "text/plain", "{}", 2,
		&r), "415 req");
	EXPECT(415, "unsupported_media_type");
	http_resp_free(&r);
	TEST_ASSERT_SUCCESS(http_req(fx.rest, "PUT", url,
		"application/json; charset=utf-8", "{}", 2, &r), "json+charset");
	EXPECT(201, NULL);

	/* DELETE */
	snprintf(url, sizeof(url), "/v1/peers/%s", a_url);
	REQ("DELETE", url, NULL);
	EXPECT(204, NULL);
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, a), 0u, "gone");
	REQ("GET", url, NULL);
	EXPECT(404, "not_found");
	REQ("POST", url, "{}");
	EXPECT(405, "method_not_allowed");
	http_resp_free(&r);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_rest_peer_crud_autotest, fast, rest_setup,
	test_rest_peer_crud, rest_teardown);

static char *
bulk_body(unsigned int first, unsigned int n, const char *extra_last)
{
	struct sbuf b = { 0 };
	char k[WGC_KEY_B64_LEN + 1];
	unsigned int i;

	sbuf_printf(&b, "[");
	for (i = 0; i < n; i++) {
		test_key_b64(first + i, k);
		bool last = i == n - 1;

		if (last && extra_last != NULL && strncmp(extra_last, "ip:",
				3) == 0)
			sbuf_printf(&b, "%s{\"public_key\": \"%s\", "
				"\"allowed_ips\": [\"%s\"]}", i ? "," : "", k,
				extra_last + 3);
		else
			sbuf_printf(&b, "%s{\"public_key\": \"%s\", "
				"\"allowed_ips\": [\"10.%u.%u.0/24\"]%s}",
				i ? "," : "", k, ((first + i) >> 8) & 0xff,
				(first + i) & 0xff, last && extra_last != NULL ?
				extra_last : "");
	}
	sbuf_printf(&b, "]");
	return b.p;
}

static int
test_rest_bulk(void)
{
	struct http_resp r = { 0 };
	struct wgc_device_peer_stats st = { .last_handshake_sec = 42 };
	uint8_t k5[WGC_KEY_LEN], k7[WGC_KEY_LEN];
	uint64_t s5;
	char *b;

	b = bulk_body(1, 10, NULL);
	REQ("POST", "/v1/peers", b);
	free(b);
	EXPECT(200, NULL);
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(r.json, "peers")->valueint, 10,
		"10 peers");
	test_key(5, k5);
	test_key(7, k7);
	s5 = wgc_mem_backend_session(fx.mb, k5);
	wgc_mem_backend_set_stats(fx.mb, k5, &st);

	/* one bad element: 422 and nothing applied */
	b = bulk_body(100, 20, ", \"endpoint\": \"1.2.3.4:0\"");
	REQ("POST", "/v1/peers", b);
	free(b);
	EXPECT(422, "invalid_value");
	TEST_ASSERT(strstr(r.body, "peers[19].endpoint") != NULL, "%s", r.body);
	REQ("GET", "/v1/interface", NULL);
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(r.json, "peers")->valueint, 10,
		"all or nothing (validation)");

	/* a conflict with an existing peer in the middle: 409, nothing */
	b = bulk_body(200, 5, "ip:10.0.3.0/24");
	REQ("POST", "/v1/peers", b);
	free(b);
	EXPECT(409, "conflict");
	REQ("GET", "/v1/interface", NULL);
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(r.json, "peers")->valueint, 10,
		"all or nothing (conflict)");

	/* duplicate keys, wrong shapes */
	b = bulk_body(1, 2, NULL);
	b[strlen(b) - 1] = '\0';
	{
		char k[WGC_KEY_B64_LEN + 1], *b2;

		test_key_b64(1, k);
		b2 = malloc(strlen(b) + 128);
		TEST_ASSERT_NOT_NULL(b2, "malloc");
		sprintf(b2, "%s, {\"public_key\": \"%s\"}]", b, k);
		REQ("POST", "/v1/peers", b2);
		free(b2);
	}
	free(b);
	EXPECT(422, "invalid_value");
	REQ("POST", "/v1/peers", "{}");
	EXPECT(400, "bad_request");
	REQ("POST", "/v1/peers", "[1]");
	EXPECT(400, "bad_request");
	REQ("POST", "/v1/peers", "[{}]");
	EXPECT(400, "bad_request");

	/* PUT replaces the set: 5..14 stay (5 keeps its session), others go */
	b = bulk_body(5, 10, NULL);
	REQ("PUT", "/v1/peers", b);
	free(b);
	EXPECT(200, NULL);
	TEST_ASSERT_EQUAL(cJSON_GetObjectItem(r.json, "peers")->valueint, 10,
		"replaced");
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, k5), s5,
		"untouched peer keeps its session");
	{
		struct wgc_device_peer_stats got;
		struct wgc_peer_conf pc;

		TEST_ASSERT_SUCCESS(wgc_mem_backend_ops.peer_get(fx.mb, k5, &pc,
			&got), "k5");
		wgc_peer_conf_free(&pc);
		TEST_ASSERT_EQUAL(got.last_handshake_sec, 42, "handshake kept");
	}
	test_key(1, k7);
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, k7), 0u, "1 removed");
	REQ("DELETE", "/v1/peers", NULL);
	EXPECT(405, "method_not_allowed");
	http_resp_free(&r);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_rest_bulk_autotest, fast, rest_setup,
	test_rest_bulk, rest_teardown);

static int
test_rest_paging(void)
{
	struct http_resp r = { 0 };
	char url[160], prev[WGC_KEY_B64_LEN + 1] = "";
	unsigned int total = 0, pages = 0;
	char *b;

	b = bulk_body(1000, 250, NULL);
	REQ("POST", "/v1/peers", b);
	free(b);
	EXPECT(200, NULL);
	snprintf(url, sizeof(url), "/v1/peers?limit=100");
	for (;;) {
		const cJSON *p, *next;

		REQ("GET", url, NULL);
		EXPECT(200, NULL);
		pages++;
		cJSON_ArrayForEach(p, cJSON_GetObjectItem(r.json, "peers")) {
			uint8_t x[WGC_KEY_LEN], y[WGC_KEY_LEN];
			const char *k = cJSON_GetObjectItem(p,
				"public_key")->valuestring;

			TEST_ASSERT(cJSON_GetObjectItem(p, "stats") != NULL,
				"stats");
			if (prev[0] != '\0') {
				wgc_key_from_base64(x, prev);
				wgc_key_from_base64(y, k);
				TEST_ASSERT(memcmp(x, y, WGC_KEY_LEN) < 0,
					"ordered, no duplicates");
			}
			snprintf(prev, sizeof(prev), "%s", k);
			total++;
		}
		next = cJSON_GetObjectItem(r.json, "next");
		if (cJSON_IsNull(next))
			break;
		TEST_ASSERT(cJSON_IsString(next), "next");
		snprintf(url, sizeof(url), "/v1/peers?limit=100&after=%s",
			next->valuestring);
	}
	TEST_ASSERT_EQUAL(total, 250u, "all listed");
	TEST_ASSERT_EQUAL(pages, 3u, "3 pages");
	REQ("GET", "/v1/peers", NULL);
	TEST_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
		"peers")), 100, "default limit 100");
	REQ("GET", "/v1/peers?limit=0", NULL);
	EXPECT(400, "bad_request");
	REQ("GET", "/v1/peers?limit=10001", NULL);
	EXPECT(400, "bad_request");
	REQ("GET", "/v1/peers?limit=x", NULL);
	EXPECT(400, "bad_request");
	REQ("GET", "/v1/peers?after=zzz", NULL);
	EXPECT(400, "bad_request");
	http_resp_free(&r);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_rest_paging_autotest, fast, rest_setup,
	test_rest_paging, rest_teardown);

/* Prometheus text format: every family's samples form one group, one
 * TYPE line per family, each sample "name[{labels}] value". */
static int
check_exposition(const char *text)
{
	char seen[64][80], cur[80] = "", help[80] = "", type[80] = "";
	unsigned int n_seen = 0, i;
	const char *line = text;
	int labelled = -1;

	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		char name[80];
		size_t k = 0;

		TEST_ASSERT(nl != NULL, "unterminated line");
		if (strncmp(line, "# HELP ", 7) == 0)
			sscanf(line + 7, "%79s", help);
		if (strncmp(line, "# TYPE ", 7) == 0)
			sscanf(line + 7, "%79s", type);
		if (line[0] != '#') {
			while (k < len && k < sizeof(name) - 1 &&
					line[k] != '{' && line[k] != ' ') {
				name[k] = line[k];
				k++;
			}
			name[k] = '\0';
			TEST_ASSERT(strchr(line, ' ') != NULL &&
				strchr(line, ' ') < line + len, "no value: %.*s",
				(int)len, line);
			if (strcmp(name, cur) != 0) {
				for (i = 0; i < n_seen; i++)
					TEST_ASSERT(strcmp(seen[i], name) != 0,
						"family %s split in two groups",
						name);
				if (n_seen < RTE_DIM(seen))
					snprintf(seen[n_seen++], sizeof(seen[0]),
						"%s", cur);
				snprintf(cur, sizeof(cur), "%s", name);
				TEST_ASSERT(strcmp(help, name) == 0 &&
					strcmp(type, name) == 0,
					"family %s without HELP and TYPE", name);
				labelled = -1;
			}
			/* no unlabelled total beside labelled series */
			if (labelled < 0)
				labelled = line[k] == '{';
			TEST_ASSERT(labelled == (line[k] == '{'),
				"family %s mixes labelled and unlabelled "
				"series", name);
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return TEST_SUCCESS;
}

static int
test_rest_misc(void)
{
	struct http_resp r = { 0 };
	char *big;
	size_t n = 100000;

	REQ("GET", "/v1/health", NULL);
	EXPECT(200, NULL);
	TEST_ASSERT(strcmp(cJSON_GetObjectItem(r.json, "status")->valuestring,
		"ok") == 0, "ok");
	REQ("GET", "/v1/stats", NULL);
	EXPECT(200, NULL);
	TEST_ASSERT(cJSON_GetObjectItem(r.json, "interface") != NULL &&
		cJSON_GetObjectItem(r.json, "drops") != NULL &&
		cJSON_GetObjectItem(r.json, "workers") != NULL &&
		cJSON_GetObjectItem(r.json, "control") != NULL, "%s", r.body);
	REQ("POST", "/v1/peers", "[{\"public_key\": "
		"\"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\"}]");
	EXPECT(200, NULL);
	REQ("GET", "/metrics", NULL);
	EXPECT(200, NULL);
	TEST_ASSERT(strstr(r.headers, "text/plain; version=0.0.4") != NULL,
		"content type");
	TEST_ASSERT(strstr(r.body, "\nwgc_peers 1\n") != NULL, "%s", r.body);
	TEST_ASSERT(strstr(r.body, "wgc_control_http_responses_total{class="
		"\"2xx\"}") != NULL, "control counters");
	TEST_ASSERT(strstr(r.body, "wgc_peer_rx_bytes_total") == NULL,
		"no per-peer series by default");
	TEST_CHECK(check_exposition(r.body));
	/* a device total and per-worker series never share a family */
	TEST_ASSERT(strstr(r.body, "# TYPE wgc_rx_packets_total counter\n"
		"wgc_rx_packets_total 0\n# HELP") != NULL,
		"device total alone: %s", r.body);
	TEST_ASSERT(strstr(r.body, "# TYPE wgc_worker_rx_packets_total "
		"counter\nwgc_worker_rx_packets_total{worker=\"0\"} 0\n")
		!= NULL, "per-worker family: %s", r.body);
	REQ("POST", "/v1/peers", "[{\"public_key\": "
		"\"L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q=\"}]");
	EXPECT(200, NULL);
	REQ("GET", "/metrics?peers=1", NULL);
	EXPECT(200, NULL);
	TEST_ASSERT(strstr(r.body, "wgc_peer_rx_bytes_total{public_key=\""
		"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\"} 0") != NULL,
		"%s", r.body);
	TEST_CHECK(check_exposition(r.body));
	TEST_ASSERT(strstr(r.body, "GGRoqKrq") == NULL, "private key leaked");
	REQ("POST", "/metrics", "{}");
	EXPECT(405, "method_not_allowed");
	REQ("GET", "/v2/nothing", NULL);
	EXPECT(404, "not_found");
	REQ("GET", "/", NULL);
	EXPECT(404, "not_found");

	/* 413: declared too large, and a body above the limit */
	big = malloc(n + 1);
	memset(big, ' ', n);
	big[0] = '[';
	big[n - 1] = ']';
	big[n] = '\0';
	REQ("POST", "/v1/peers", big);
	free(big);
	EXPECT(413, "payload_too_large");
	REQ("GET", "/v1/health", NULL);
	EXPECT(200, NULL);
	REQ("GET", "/v1/stats", NULL);
	TEST_ASSERT(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "control"),
		"http_4xx")->valueint >= 4, "4xx counted: %s", r.body);
	http_resp_free(&r);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_rest_misc_autotest, fast, rest_setup,
	test_rest_misc, rest_teardown);

/* A chunked upload larger than the limit (no Content-Length). */
static int
test_rest_chunked_too_big(void)
{
	struct http_resp r = { 0 };
	char chunk[8192 + 16];
	size_t len;
	char *raw;
	int fd, i;

	fd = unix_connect(fx.rest);
	TEST_ASSERT(fd >= 0, "connect");
	dprintf(fd, "POST /v1/peers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		"Content-Type: application/json\r\n"
		"Transfer-Encoding: chunked\r\n\r\n");
	memset(chunk, ' ', sizeof(chunk));
	for (i = 0; i < 10; i++) {
		int h = sprintf(chunk, "2000\r\n");

		chunk[h + 8192] = '\r';
		chunk[h + 8193] = '\n';
		chunk[h] = i == 0 ? '[' : ' ';
		if (write_full(fd, chunk, (size_t)h + 8194) != 0)
			break;
	}
	dprintf(fd, "0\r\n\r\n");
	raw = read_all(fd, &len);
	close(fd);
	TEST_ASSERT_NOT_NULL(raw, "reply");
	TEST_ASSERT_SUCCESS(http_parse(raw, len, &r), "parse: %s", raw);
	free(raw);
	EXPECT(413, "payload_too_large");
	http_resp_free(&r);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_rest_chunked_too_big_autotest, fast,
	rest_setup, test_rest_chunked_too_big, rest_teardown);

/* A client that stops mid-request is dropped after the timeout, and the
 * server keeps serving others meanwhile. */
static int
test_rest_slow_client(void)
{
	struct http_resp r = { 0 };
	struct pollfd pfd;
	char buf[256];
	ssize_t n;
	int fd;

	fd = unix_connect(fx.rest);
	TEST_ASSERT(fd >= 0, "connect");
	dprintf(fd, "GET /v1/health HTTP/1.1\r\nHost: x\r\n");
	REQ("GET", "/v1/health", NULL);
	EXPECT(200, NULL);
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* timeout is 1 s: the server must close within a few seconds */
	TEST_ASSERT(poll(&pfd, 1, 5000) == 1, "server did not drop the client");
	n = read(fd, buf, sizeof(buf));
	TEST_ASSERT(n <= 0, "no answer to a half request (got %zd)", n);
	close(fd);
	http_resp_free(&r);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_rest_slow_client_autotest, fast, rest_setup,
	test_rest_slow_client, rest_teardown);

/* fork + setuid(65534): refused by file mode, then by SO_PEERCRED */
static int
child_status_as(const char *sock, gid_t gid)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct http_resp r;
		int code;

		alarm(10);
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 ||
				setuid(65534) != 0)
			_exit(90);
		if (http_json(sock, "GET", "/v1/interface", NULL, &r) != 0)
			_exit(errno == EACCES ? 91 : 92);
		code = r.status == 403 ? 93 : r.status == 200 ? 94 : 95;
		_exit(code);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int
child_status(const char *sock)
{
	return child_status_as(sock, 65534);
}

static int
test_rest_non_root(void)
{
	struct http_resp r = { 0 };
	struct stat sb;
	int rc;

	if (getuid() != 0) {
		printf("not root: skipped\n");
		return TEST_SKIPPED;
	}
	TEST_ASSERT_SUCCESS(stat(fx.rest, &sb), "stat");
	TEST_ASSERT_EQUAL(sb.st_mode & 0777, 0660u, "socket mode %o",
		sb.st_mode & 0777);
	chmod(fx.dir, 0755);
	rc = child_status(fx.rest);
	TEST_ASSERT_EQUAL(rc, 91, "file mode refuses uid 65534 (rc %d)", rc);
	/* open the file mode: the credential check must still refuse */
	chmod(fx.rest, 0666);
	rc = child_status(fx.rest);
	TEST_ASSERT_EQUAL(rc, 93, "SO_PEERCRED refuses uid 65534 (rc %d)", rc);
	REQ("GET", "/v1/stats", NULL);
	TEST_ASSERT(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "control"),
		"http_refused")->valueint == 1, "counted: %s", r.body);
	http_resp_free(&r);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_rest_non_root_autotest, fast, rest_setup,
	test_rest_non_root, rest_teardown);

/* control.group: the socket belongs to the group, its members get in */
static int
test_rest_group(void)
{
	struct group *g = getgrnam("nogroup");
	struct stat sb;
	int rc;

	if (getuid() != 0 || g == NULL) {
		printf("not root or no group nogroup: skipped\n");
		return TEST_SKIPPED;
	}
	wgc_control_destroy(fx.ctl);
	fx.ctl = NULL;
	snprintf(fx.conf.group, sizeof(fx.conf.group), "nogroup");
	TEST_ASSERT_SUCCESS(fixture_start(&fx, true), "restart with group");
	TEST_ASSERT_SUCCESS(stat(fx.rest, &sb), "stat");
	TEST_ASSERT(sb.st_gid == g->gr_gid && (sb.st_mode & 0777) == 0660,
		"socket group %u mode %o", (unsigned int)sb.st_gid,
		sb.st_mode & 0777);
	TEST_ASSERT_SUCCESS(stat(fx.uapi, &sb), "stat uapi");
	TEST_ASSERT(sb.st_gid == g->gr_gid, "uapi socket group");
	chmod(fx.dir, 0755);
	rc = child_status_as(fx.rest, g->gr_gid);
	TEST_ASSERT_EQUAL(rc, 94, "a member of the group is served (rc %d)",
		rc);
	rc = child_status_as(fx.rest, g->gr_gid - 1);
	TEST_ASSERT_EQUAL(rc, 91, "a non-member is refused (rc %d)", rc);
	/* unknown group: the control plane refuses to start */
	wgc_control_destroy(fx.ctl);
	fx.ctl = NULL;
	snprintf(fx.conf.group, sizeof(fx.conf.group), "wgc-no-such-group");
	TEST_ASSERT_FAIL(fixture_start(&fx, true), "unknown group accepted");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_rest_group_autotest, fast, rest_setup,
	test_rest_group, rest_teardown);

/* Every route and method of the code is in doc/openapi.yaml. */
static int
test_rest_openapi_coverage(void)
{
	static const char * const paths[] = {
		"doc/openapi.yaml", "../doc/openapi.yaml",
		"../../doc/openapi.yaml",
	};
	const struct ctl_route *rt;
	char *doc = NULL;
	unsigned int i;
	size_t len = 0;

	for (i = 0; i < RTE_DIM(paths) && doc == NULL; i++) {
		FILE *f = fopen(paths[i], "r");

		if (f == NULL)
			continue;
		doc = malloc(1 << 20);
		len = fread(doc, 1, (1 << 20) - 1, f);
		doc[len] = '\0';
		fclose(f);
	}
	if (doc == NULL) {
		printf("doc/openapi.yaml not found from the working directory\n");
		return TEST_SKIPPED;
	}
	TEST_ASSERT(strstr(doc, "openapi: 3") != NULL, "OpenAPI 3 document");
	for (rt = ctl_routes; rt->path != NULL; rt++) {
		char needle[128], methods[64], *m, *save = NULL;
		const char *start, *end;

		snprintf(needle, sizeof(needle), "\n  %s:\n", rt->path);
		start = strstr(doc, needle);
		if (start == NULL) {
			free(doc);
			TEST_ASSERT(0, "route %s missing in doc/openapi.yaml",
				rt->path);
		}
		start += strlen(needle);
		/* the path's block ends at the next path (2-space indent) */
		end = start;
		while ((end = strchr(end, '\n')) != NULL && end[1] == ' ' &&
				end[2] == ' ' && end[3] == ' ')
			end++;
		if (end == NULL)
			end = doc + len;
		snprintf(methods, sizeof(methods), "%s", rt->methods);
		for (m = strtok_r(methods, " ", &save); m != NULL;
				m = strtok_r(NULL, " ", &save)) {
			char lm[16], mneedle[32];
			const char *hit;
			unsigned int k;

			for (k = 0; m[k] != '\0' && k < sizeof(lm) - 1; k++)
				lm[k] = (char)(m[k] | 0x20);
			lm[k] = '\0';
			snprintf(mneedle, sizeof(mneedle), "\n    %s:", lm);
			hit = strstr(start - 1, mneedle);
			if (hit == NULL || hit > end) {
				free(doc);
				TEST_ASSERT(0, "%s %s missing in "
					"doc/openapi.yaml", m, rt->path);
			}
		}
	}
	free(doc);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_rest_openapi_coverage_autotest, fast,
	test_rest_openapi_coverage);
