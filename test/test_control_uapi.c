/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * UAPI: the set=1 parser (every key, hostile lines), the get=1 output, and
 * the server through its real socket (all or nothing, errno replies).
 */

#include <poll.h>
#include <time.h>

#include "control_priv.h"
#include "control_test_client.h"
#include "wgc_test.h"

#define HEX_A "186468a8aaeaeeb12fd15064f9aaa9857adb8c31fa6ab668cc53e7b4ac77fc63"
#define HEX_B "04fedac5874206c90937ba32d314472ac8c7bf986de433fe2b96b9910aab2d13"
#define HEX_C "2fe57da347cd62431528daac5fbb290730fff684afc4cfc2ed90995f58cb3b74"

static int
parse(const char *text, struct wgc_changeset *cs, struct wgc_conf_error *err)
{
	memset(err, 0, sizeof(*err));
	return wgc_uapi_parse_set(text, strlen(text), cs, err);
}

static int
test_uapi_parse(void)
{
	static const struct {
		const char *text;
		const char *needle;
	} bad[] = {
		{ "private_key=00", "private_key" },
		{ "listen_port=65536", "listen_port" },
		{ "listen_port=-1", "listen_port" },
		{ "listen_port=", "listen_port" },
		{ "fwmark=4294967296", "fwmark" },
		{ "replace_peers=false", "replace_peers" },
		{ "bogus=1", "unknown device key" },
		{ "novalue", "expected key=value" },
		{ "=x", "expected key=value" },
		{ "public_key=" HEX_A "\nremove=yes", "line 2: remove" },
		{ "public_key=" HEX_A "\nupdate_only=1", "update_only" },
		{ "public_key=" HEX_A "\npreshared_key=zz", "preshared_key" },
		{ "public_key=" HEX_A "\nendpoint=1.2.3.4", "endpoint" },
		{ "public_key=" HEX_A "\nendpoint=[::1]:0", "endpoint" },
		{ "public_key=" HEX_A "\npersistent_keepalive_interval=70000",
		  "persistent_keepalive_interval" },
		{ "public_key=" HEX_A "\nallowed_ip=10.0.0.0", "allowed_ip" },
		{ "public_key=" HEX_A "\nallowed_ip=10.0.0.0/40", "allowed_ip" },
		{ "public_key=" HEX_A "\nreplace_allowed_ips=false",
		  "replace_allowed_ips" },
		{ "public_key=" HEX_A "\nprotocol_version=2", "protocol_version" },
		{ "public_key=" HEX_A "\nlisten_port=1", "unknown peer key" },
		{ "public_key=" HEX_A "\nrx_bytes=1", "unknown peer key" },
		{ "public_key=xyz", "public_key" },
		{ "public_key=" HEX_A "0", "public_key" },
	};
	struct wgc_conf_error err;
	struct wgc_changeset cs;
	char buf[WGC_ADDR_STR_LEN];
	char *longline;
	unsigned int i;

	TEST_ASSERT_SUCCESS(parse(
		"private_key=" HEX_A "\n"
		"listen_port=51820\n"
		"fwmark=7\n"
		"replace_peers=true\n"
		"public_key=" HEX_B "\n"
		"preshared_key=" HEX_C "\n"
		"endpoint=[2001:db8::1]:51820\n"
		"persistent_keepalive_interval=25\n"
		"replace_allowed_ips=true\n"
		"allowed_ip=10.0.0.1/24\n"
		"allowed_ip=10.0.0.0/24\n"
		"allowed_ip=fd00::/64\n"
		"protocol_version=1\n"
		"public_key=" HEX_C "\n"
		"update_only=true\n"
		"allowed_ip=10.9.0.0/16\n"
		"public_key=" HEX_A "\n"
		"remove=true\n", &cs, &err), "full set: %s", err.msg);
	TEST_ASSERT_EQUAL(cs.iface_fields, WGC_IFACE_F_PRIVATE_KEY |
		WGC_IFACE_F_LISTEN_PORT | WGC_IFACE_F_FWMARK, "iface fields");
	TEST_ASSERT_EQUAL(cs.iface.listen_port, 51820, "port");
	TEST_ASSERT_EQUAL(cs.iface.fwmark, 7u, "fwmark");
	TEST_ASSERT(cs.replace_peers && cs.steal_allowed_ips &&
		cs.remove_absent_ok, "flags");
	TEST_ASSERT_EQUAL(cs.n, 3u, "3 peers");
	TEST_ASSERT_EQUAL(cs.peers[0].op, WGC_PEER_OP_UPSERT, "upsert");
	TEST_ASSERT_EQUAL(cs.peers[0].fields, WGC_PEER_F_ALL, "all fields");
	TEST_ASSERT(!cs.peers[0].append_allowed_ips, "replace_allowed_ips");
	TEST_ASSERT_EQUAL(cs.peers[0].conf.n_allowed_ips, 2u, "dedup");
	TEST_ASSERT(strcmp(wgc_endpoint_format(&cs.peers[0].conf.endpoint, buf,
		sizeof(buf)), "[2001:db8::1]:51820") == 0, "endpoint");
	TEST_ASSERT_EQUAL(cs.peers[0].conf.persistent_keepalive, 25, "ka");
	TEST_ASSERT_EQUAL(cs.peers[1].op, WGC_PEER_OP_UPDATE_ONLY, "upd only");
	TEST_ASSERT(cs.peers[1].append_allowed_ips, "append by default");
	TEST_ASSERT_EQUAL(cs.peers[2].op, WGC_PEER_OP_REMOVE, "remove");
	wgc_changeset_free(&cs);

	TEST_ASSERT_SUCCESS(parse("", &cs, &err), "empty set");
	TEST_ASSERT_EQUAL(cs.n, 0u, "nothing");
	wgc_changeset_free(&cs);
	TEST_ASSERT_SUCCESS(parse("public_key=" HEX_A "\nreplace_allowed_ips="
		"true\n", &cs, &err), "clear allowed ips");
	TEST_ASSERT(cs.peers[0].fields == WGC_PEER_F_ALLOWED_IPS &&
		cs.peers[0].conf.n_allowed_ips == 0, "cleared");
	wgc_changeset_free(&cs);

	for (i = 0; i < RTE_DIM(bad); i++) {
		TEST_ASSERT_FAIL(parse(bad[i].text, &cs, &err), "bad[%u] '%s'",
			i, bad[i].text);
		TEST_ASSERT(strstr(err.msg, bad[i].needle) != NULL,
			"bad[%u] '%s' lacks '%s'", i, err.msg, bad[i].needle);
		TEST_ASSERT_NULL(cs.peers, "freed");
	}
	/* a NUL byte and an overlong line */
	/* listen_port=0 (wg setconf without ListenPort) keeps the port */
	TEST_ASSERT_SUCCESS(wgc_uapi_parse_set("listen_port=0", 13, &cs, &err),
		"port 0: %s", err.msg);
	TEST_ASSERT(!(cs.iface_fields & WGC_IFACE_F_LISTEN_PORT), "port 0 "
		"changes nothing");
	wgc_changeset_free(&cs);
	TEST_ASSERT_FAIL(wgc_uapi_parse_set("listen_port=1\0", 14, &cs, &err),
		"NUL");
	longline = malloc(10000);
	memset(longline, 'a', 9999);
	longline[9999] = '\0';
	memcpy(longline, "endpoint=", 9);
	TEST_ASSERT_FAIL(parse(longline, &cs, &err), "long line");
	TEST_ASSERT(strstr(err.msg, "longer than") != NULL, "%s", err.msg);
	free(longline);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_uapi_parse_autotest, fast, test_uapi_parse);

static struct ctl_fixture fx;

static int
uapi_setup(void)
{
	return fixture_init(&fx, true, true) == 0 ? TEST_SUCCESS : TEST_FAILED;
}

static void
uapi_teardown(void)
{
	fixture_fini(&fx);
}

/* One UAPI exchange: send @p req, read until "\n\n" after errno=. */
static char *
uapi_call(const char *sock, const char *req)
{
	size_t len;
	char *out;
	int fd = unix_connect(sock);

	if (fd < 0)
		return NULL;
	if (write_full(fd, req, strlen(req)) != 0) {
		close(fd);
		return NULL;
	}
	shutdown(fd, SHUT_WR);
	out = read_all(fd, &len);
	close(fd);
	return out;
}

static int
test_uapi_server(void)
{
	uint8_t b[WGC_KEY_LEN], c[WGC_KEY_LEN];
	struct wgc_device_peer_stats st = { .last_handshake_sec = 1700000000,
		.last_handshake_nsec = 5, .rx_bytes = 10, .tx_bytes = 20 };
	struct wgc_peer_conf pc;
	uint64_t sess;
	char *out;

	wgc_key_from_hex(b, HEX_B);
	wgc_key_from_hex(c, HEX_C);

	out = uapi_call(fx.uapi, "set=1\nlisten_port=4242\npublic_key=" HEX_B
		"\nendpoint=192.0.2.9:51820\nallowed_ip=10.7.0.0/24\n"
		"persistent_keepalive_interval=15\n\n");
	TEST_ASSERT_NOT_NULL(out, "set reply");
	TEST_ASSERT(strcmp(out, "errno=0\n\n") == 0, "reply '%s'", out);
	free(out);
	sess = wgc_mem_backend_session(fx.mb, b);
	TEST_ASSERT(sess != 0, "peer added");
	wgc_mem_backend_set_stats(fx.mb, b, &st);

	out = uapi_call(fx.uapi, "get=1\n\n");
	TEST_ASSERT_NOT_NULL(out, "get reply");
	TEST_ASSERT(strstr(out, "private_key=" HEX_A "\n") != NULL, "%s", out);
	TEST_ASSERT(strstr(out, "listen_port=4242\n") != NULL, "%s", out);
	TEST_ASSERT(strstr(out, "public_key=" HEX_B "\n") != NULL, "%s", out);
	TEST_ASSERT(strstr(out, "endpoint=192.0.2.9:51820\n") != NULL, "%s",
		out);
	TEST_ASSERT(strstr(out, "allowed_ip=10.7.0.0/24\n") != NULL, "%s", out);
	TEST_ASSERT(strstr(out, "last_handshake_time_sec=1700000000\n") != NULL,
		"%s", out);
	TEST_ASSERT(strstr(out, "rx_bytes=10\ntx_bytes") == NULL &&
		strstr(out, "tx_bytes=20\nrx_bytes=10\n") != NULL, "%s", out);
	TEST_ASSERT(strstr(out, "persistent_keepalive_interval=15\n") != NULL,
		"%s", out);
	TEST_ASSERT(strlen(out) > 10 && strcmp(out + strlen(out) - 10,
		"\nerrno=0\n\n") == 0, "ends with errno=0: %s", out);
	free(out);

	/* a bad line: errno=-22 and nothing applied (not even line 1) */
	out = uapi_call(fx.uapi, "set=1\nlisten_port=1\npublic_key=" HEX_C
		"\nallowed_ip=10.8.0.0/99\n\n");
	TEST_ASSERT(out != NULL && strcmp(out, "errno=-22\n\n") == 0,
		"reply '%s'", out);
	free(out);
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, c), 0u, "not added");
	out = uapi_call(fx.uapi, "get=1\n\n");
	TEST_ASSERT(strstr(out, "listen_port=4242\n") != NULL, "port kept");
	free(out);

	/* steal: C takes B's prefix (WireGuard semantics) */
	out = uapi_call(fx.uapi, "set=1\npublic_key=" HEX_C
		"\nallowed_ip=10.7.0.0/24\n\n");
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0, "steal");
	free(out);
	TEST_ASSERT_SUCCESS(wgc_mem_backend_ops.peer_get(fx.mb, b, &pc, NULL),
		"b");
	TEST_ASSERT_EQUAL(pc.n_allowed_ips, 0u, "moved away from B");
	wgc_peer_conf_free(&pc);

	/* replace_peers naming B: C goes, B keeps its session */
	out = uapi_call(fx.uapi, "set=1\nreplace_peers=true\npublic_key=" HEX_B
		"\nreplace_allowed_ips=true\nallowed_ip=10.7.0.0/24\n\n");
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0, "replace");
	free(out);
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, b), sess,
		"session kept");
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, c), 0u, "C removed");

	/* update_only of an absent peer is skipped; remove of absent: ok */
	out = uapi_call(fx.uapi, "set=1\npublic_key=" HEX_C "\nupdate_only=true"
		"\nallowed_ip=10.9.0.0/24\npublic_key=" HEX_A "\nremove=true\n\n");
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0, "'%s'",
		out);
	free(out);
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, c), 0u,
		"update_only did not create");

	/* two requests on one connection, then an unknown operation */
	out = uapi_call(fx.uapi, "get=1\n\nset=1\npublic_key=" HEX_B
		"\nremove=true\n\nbogus=1\n\n");
	TEST_ASSERT(out != NULL && strstr(out, "errno=0\n\n") != NULL &&
		strstr(strstr(out, "errno=0\n\n") + 9, "errno=0\n\n") != NULL,
		"two replies: '%s'", out);
	free(out);
	TEST_ASSERT_EQUAL(wgc_mem_backend_session(fx.mb, b), 0u, "B removed");

	/* the server still serves after garbage */
	out = uapi_call(fx.uapi, "\x01\x02garbage");
	free(out);
	out = uapi_call(fx.uapi, "get=1\n\n");
	TEST_ASSERT(out != NULL && strstr(out, "errno=0") != NULL, "alive");
	free(out);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_uapi_server_autotest, fast, uapi_setup,
	test_uapi_server, uapi_teardown);

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* 1 if the server closed @p fd within @p ms, 0 if it is still open */
static int
closed_within(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[256];

	while (poll(&pfd, 1, ms) == 1) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			return 1;
	}
	return 0;
}

/*
 * Slow and stuck UAPI clients hold only their own connection: others are
 * served at once; a client that stops sending, or drips a request slower
 * than the request budget, is cut off; stopping the control plane cuts
 * the ones still connected.
 */
static int
test_uapi_slow_clients(void)
{
	char hexa[WGC_KEY_HEX_LEN + 1], req[256], *out;
	uint8_t a[WGC_KEY_LEN];
	int stuck[3], drip, i;
	double t0;

	test_key(1, a);
	wgc_key_to_hex(a, hexa);
	/* three clients that never finish: silent, half a set, half a get */
	for (i = 0; i < 3; i++) {
		stuck[i] = unix_connect(fx.uapi);
		TEST_ASSERT(stuck[i] >= 0, "connect");
	}
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\n", hexa);
	write_full(stuck[1], req, strlen(req));
	write_full(stuck[2], "get=1\n", 6);
	usleep(100 * 1000);
	/* others are served meanwhile, at once */
	t0 = now_ms();
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\n"
		"allowed_ip=10.9.0.0/24\n\n", hexa);
	out = uapi_call(fx.uapi, req);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0, "set: %s",
		out);
	free(out);
	out = uapi_call(fx.uapi, "get=1\n\n");
	TEST_ASSERT(out != NULL && strstr(out, "allowed_ip=10.9.0.0/24\n") !=
		NULL, "get: %s", out);
	free(out);
	TEST_ASSERT(now_ms() - t0 < 500, "served in %.0f ms beside three "
		"stuck clients", now_ms() - t0);
	/* the stuck ones are cut off: silent after the timeout (1 s), the
	 * others after the request budget (3 s) */
	for (i = 0; i < 3; i++)
		TEST_ASSERT(closed_within(stuck[i], 4000), "stuck client %d "
			"cut off", i);
	/* a client dripping its first line, a byte per 300 ms, never
	 * finishes it within the timeout: cut off (a per-read timeout
	 * alone would wait forever) */
	drip = unix_connect(fx.uapi);
	TEST_ASSERT(drip >= 0, "connect");
	t0 = now_ms();
	for (i = 0; i < 20; i++) {
		if (send(drip, "g", 1, MSG_NOSIGNAL) != 1)
			break;
		if (closed_within(drip, 300))
			break;
	}
	TEST_ASSERT(i < 20 && now_ms() - t0 < 2500, "drip cut off after "
		"%.0f ms", now_ms() - t0);
	for (i = 0; i < 3; i++)
		close(stuck[i]);
	close(drip);
	/* stopping with a client connected does not wait for it */
	stuck[0] = unix_connect(fx.uapi);
	TEST_ASSERT(stuck[0] >= 0, "connect");
	write_full(stuck[0], "get=1\n", 6);
	usleep(50 * 1000);
	t0 = now_ms();
	wgc_control_destroy(fx.ctl);
	fx.ctl = NULL;
	TEST_ASSERT(now_ms() - t0 < 500, "stopped in %.0f ms", now_ms() - t0);
	TEST_ASSERT(closed_within(stuck[0], 100), "client cut by the stop");
	close(stuck[0]);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_uapi_slow_clients_autotest, fast, uapi_setup,
	test_uapi_slow_clients, uapi_teardown);

/* set=1 text of @p n peers, each with one allowed IP (no final blank line) */
static char *
peers_text(unsigned int n)
{
	struct sbuf b = { 0 };
	unsigned int i;

	sbuf_printf(&b, "set=1\n");
	for (i = 0; i < n; i++) {
		uint8_t k[WGC_KEY_LEN];
		char hex[WGC_KEY_HEX_LEN + 1];

		test_key(i + 1, k);
		wgc_key_to_hex(k, hex);
		sbuf_printf(&b, "public_key=%s\nallowed_ip=10.1.%u.%u/32\n",
			hex, (i >> 8) & 255, i & 255);
	}
	return b.oom ? NULL : b.p;
}

/*
 * Request memory is bounded: one set=1 larger than uapi_set_max gets
 * errno=-EMSGSIZE, and the requests of all clients together may hold at
 * most uapi_budget (errno=-ENOMEM beyond); nothing is applied, and the
 * budget is whole again afterwards.
 */
static int
test_uapi_bounds(void)
{
	char *big, *out, *mid;
	size_t len;
	int a;

	fx.ctl->uapi_set_max = 8192;
	big = peers_text(200);           /* about 20 kB */
	TEST_ASSERT_NOT_NULL(big, "text");
	len = strlen(big);
	big = realloc(big, len + 2);
	memcpy(big + len, "\n", 2);
	out = uapi_call(fx.uapi, big);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=-90\n\n") == 0,
		"too big: '%s'", out != NULL ? out : "(none)");
	free(out);
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(fx.mb), 0u,
		"nothing applied");
	/* within the bound: applied */
	fx.ctl->uapi_set_max = 1u << 20;
	out = uapi_call(fx.uapi, big);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0,
		"within the bound: '%s'", out != NULL ? out : "(none)");
	free(out);
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(fx.mb), 200u,
		"applied");

	/* two clients: the first holds 64 KiB of the 100 kB budget */
	fx.ctl->uapi_budget = 100000;
	mid = peers_text(400);           /* about 40 kB, request open */
	TEST_ASSERT_NOT_NULL(mid, "text");
	a = unix_connect(fx.uapi);
	TEST_ASSERT(a >= 0, "connect");
	TEST_ASSERT_SUCCESS(write_full(a, mid, strlen(mid)), "write");
	usleep(300000);
	out = uapi_call(fx.uapi, big);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=-12\n\n") == 0,
		"over the budget: '%s'", out != NULL ? out : "(none)");
	free(out);
	/* the first client completes its request */
	TEST_ASSERT_SUCCESS(write_full(a, "\n", 1), "end");
	shutdown(a, SHUT_WR);
	out = read_all(a, &len);
	close(a);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0,
		"first client: '%s'", out != NULL ? out : "(none)");
	free(out);
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(fx.mb), 400u,
		"first client applied");
	pthread_mutex_lock(&fx.ctl->uapi_mu);
	len = fx.ctl->uapi_held;
	pthread_mutex_unlock(&fx.ctl->uapi_mu);
	TEST_ASSERT_EQUAL(len, 0u, "budget returned");
	free(mid);
	free(big);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_uapi_bounds_autotest, fast, uapi_setup,
	test_uapi_bounds, uapi_teardown);
