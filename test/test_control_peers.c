/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The control plane bound to the live peer table (lib/peers): REST and
 * UAPI changes reach the table, a changed peer stays the same live object
 * (its session survives), refused changes leave the table untouched.
 */

#include <arpa/inet.h>

#include "control_priv.h"
#include "control_test_client.h"
#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_proto.h"
#include "wgc_test.h"

static struct wgc_peer *
route4(struct wgc_peers *t, const char *ip)
{
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	return wgc_peers_route4(wgc_peers_fast(t), a.s_addr);
}

static int
test_control_peers_binding(void)
{
	struct wgc_peers_params prm = {
		.name = "t_ctlpeers", .max_peers = 64, .max_routes4 = 256,
		.max_routes6 = 256, .socket_id = SOCKET_ID_ANY,
	};
	struct wgc_control_params cp;
	struct wgc_conf_error err;
	struct wgc_iface_conf ic = fixture_iface(
		"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=");
	struct wgc_device_params dp = { 0 };
	struct wgc_peer_conf start = { 0 };
	struct wgc_prefix start_ip;
	struct wgc_device *dev;
	struct wgc_identity *id;
	struct wgc_peers *t;
	struct ctl_fixture f;
	struct http_resp r = { 0 };
	struct wgc_peer *pa, *p;
	struct wgc_endpoint ep;
	uint8_t a[WGC_KEY_LEN], b[WGC_KEY_LEN], pub[WGC_KEY_LEN];
	char url_a[160], url_b[160], ka[WGC_KEY_B64URL_LEN + 1];
	char kb[WGC_KEY_B64URL_LEN + 1], hexb[WGC_KEY_HEX_LEN + 1], req[256];
	char *out;
	int fd;
	size_t len;

	dp.iface = &ic;
	dp.peers = &prm;
	dp.socket_id = SOCKET_ID_ANY;
	dev = wgc_device_create(&dp);
	TEST_ASSERT_NOT_NULL(dev, "device");
	id = wgc_device_identity(dev);
	t = wgc_device_peers(dev);
	/* one peer from the "startup config", before the control plane */
	test_key(1, a);
	test_key(2, b);
	memcpy(start.public_key, a, WGC_KEY_LEN);
	TEST_ASSERT_SUCCESS(wgc_prefix_parse(&start_ip, "10.1.0.0/24",
		WGC_PREFIX_ROUTE, NULL), "cidr");
	start.allowed_ips = &start_ip;
	start.n_allowed_ips = 1;
	TEST_ASSERT_SUCCESS(wgc_device_load(dev, &start, 1, &err), "load: %s",
		err.msg);
	wgc_peers_lock(t);
	pa = wgc_peers_lookup(t, a);
	wgc_peers_unlock(t);
	TEST_ASSERT_NOT_NULL(pa, "start-up peer live");
	TEST_ASSERT(route4(t, "10.1.0.9") == pa, "start-up prefix routed");
	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/wgc-ctl-test-XXXXXX");
	TEST_ASSERT_NOT_NULL(mkdtemp(f.dir), "dir");
	snprintf(f.conf.socket, sizeof(f.conf.socket), "%s/rest.sock", f.dir);
	snprintf(f.conf.uapi_dir, sizeof(f.conf.uapi_dir), "%s", f.dir);
	snprintf(f.conf.state_dir, sizeof(f.conf.state_dir), "%s/state", f.dir);
	f.conf.state_wins = true;
	f.conf.max_body = 65536;
	f.conf.timeout = 2;
	snprintf(f.uapi, sizeof(f.uapi), "%s/wgcctl0.sock", f.dir);
	memset(&cp, 0, sizeof(cp));
	cp.conf = &f.conf;
	cp.ifname = "wgcctl0";
	cp.ops = &wgc_device_ops;
	cp.ctx = dev;
	f.ctl = wgc_control_create(&cp, &err);
	TEST_ASSERT_NOT_NULL(f.ctl, "control: %s", err.msg);

	test_key_url(1, ka);
	test_key_url(2, kb);
	snprintf(url_a, sizeof(url_a), "/v1/peers/%s", ka);
	snprintf(url_b, sizeof(url_b), "/v1/peers/%s", kb);

	/* the imported peer is visible */
	TEST_ASSERT_SUCCESS(http_json(f.conf.socket, "GET", url_a, NULL, &r),
		"get");
	TEST_ASSERT_EQUAL(r.status, 200, "imported: %s", r.body);
	TEST_ASSERT(strstr(r.body, "10.1.0.0/24") != NULL, "%s", r.body);
	http_resp_free(&r);

	/* PATCH: same live object, new endpoint and prefixes */
	TEST_ASSERT_SUCCESS(http_json(f.conf.socket, "PATCH", url_a,
		"{\"endpoint\": \"192.0.2.1:5000\", \"allowed_ips\": "
		"[\"10.1.0.0/24\", \"10.2.0.0/16\"], \"persistent_keepalive\": 7}",
		&r), "patch");
	TEST_ASSERT_EQUAL(r.status, 200, "patch: %s", r.body);
	http_resp_free(&r);
	wgc_peers_lock(t);
	p = wgc_peers_lookup(t, a);
	wgc_peers_unlock(t);
	TEST_ASSERT(p == pa, "the same live peer (session kept)");
	wgc_peer_endpoint_get(p, &ep);
	TEST_ASSERT(ep.addr.family == AF_INET && ep.port == 5000 &&
		ep.addr.bytes[0] == 192,
		"live endpoint");
	TEST_ASSERT_EQUAL(p->persistent_keepalive, 7, "keepalive");
	TEST_ASSERT(route4(t, "10.2.3.4") == pa, "new prefix routed");
	TEST_ASSERT(route4(t, "10.1.0.9") == pa, "old prefix kept");

	/* PUT B with A's prefix: 409, the live table is untouched */
	TEST_ASSERT_SUCCESS(http_json(f.conf.socket, "PUT", url_b,
		"{\"allowed_ips\": [\"10.2.0.0/16\"]}", &r), "put b");
	TEST_ASSERT_EQUAL(r.status, 409, "conflict: %s", r.body);
	http_resp_free(&r);
	wgc_peers_lock(t);
	TEST_ASSERT_NULL(wgc_peers_lookup(t, b), "B not live");
	wgc_peers_unlock(t);
	TEST_ASSERT(route4(t, "10.2.3.4") == pa, "route unchanged");

	/* UAPI: B takes 10.2.0.0/16 from A (steal), with a PSK */
	wgc_key_to_hex(b, hexb);
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\npreshared_key=%064d"
		"\nallowed_ip=10.2.0.0/16\n\n", hexb, 7);
	fd = unix_connect(f.uapi);
	TEST_ASSERT(fd >= 0, "uapi");
	write_full(fd, req, strlen(req));
	shutdown(fd, SHUT_WR);
	out = read_all(fd, &len);
	close(fd);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0, "uapi %s",
		out);
	free(out);
	wgc_peers_lock(t);
	p = wgc_peers_lookup(t, b);
	wgc_peers_unlock(t);
	TEST_ASSERT_NOT_NULL(p, "B live");
	TEST_ASSERT(route4(t, "10.2.3.4") == p, "prefix moved to B");
	TEST_ASSERT(route4(t, "10.1.0.9") == pa, "A keeps 10.1/24");
	TEST_ASSERT(!wgc_key_is_zero(p->proto.preshared_key), "psk live");

	/* private key change reaches the identity */
	TEST_ASSERT_SUCCESS(http_json(f.conf.socket, "PATCH", "/v1/interface",
		"{\"private_key\": \"//////////////////////////////////////////8=\"}",
		&r), "patch iface");
	TEST_ASSERT_EQUAL(r.status, 200, "iface: %s", r.body);
	http_resp_free(&r);
	TEST_ASSERT_SUCCESS(wgc_identity_public_key(id, pub), "pub");
	{
		char b64[WGC_KEY_B64_LEN + 1];

		wgc_key_to_base64(pub, b64);
		TEST_ASSERT(strcmp(b64,
			"hHwNLDdSNPNl5mCVUYejc1oPdhPRYJ06ak2MU66qWiI=") == 0,
			"identity key %s", b64);
	}
	/* without host stacks the listen port cannot change live */
	TEST_ASSERT_SUCCESS(http_json(f.conf.socket, "PATCH", "/v1/interface",
		"{\"listen_port\": 1}", &r), "port");
	TEST_ASSERT_EQUAL(r.status, 422, "port: %s", r.body);
	http_resp_free(&r);

	/* DELETE A: gone from the table and its routes */
	TEST_ASSERT_SUCCESS(http_json(f.conf.socket, "DELETE", url_a, NULL, &r),
		"delete");
	TEST_ASSERT_EQUAL(r.status, 204, "delete");
	http_resp_free(&r);
	wgc_peers_lock(t);
	TEST_ASSERT_NULL(wgc_peers_lookup(t, a), "A gone");
	wgc_peers_unlock(t);
	TEST_ASSERT(route4(t, "10.1.0.9") == NULL, "A's route gone");
	TEST_ASSERT_EQUAL(wgc_peers_count(t), 1u, "one live peer");

	wgc_control_destroy(f.ctl);
	wgc_device_destroy(dev);
	wgc_iface_conf_free(&ic);
	rm_rf(f.dir);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_peers_binding_autotest, fast,
	test_control_peers_binding);

/* ------------------------------------------------ all or nothing */

/* the rig's host stacks: two ports (as the daemon's outer[]), sharing
 * one pool; the device owns them */
#define RIG_PORTS 2

static struct rte_mempool *rig_pool;

static int
rig_add_ports(struct wgc_device *dev, uint16_t listen_port)
{
	static const char *const names[RIG_PORTS] = { "outer", "outer1" };
	struct wgc_net_port_conf nc;
	char nname[16], a[32];
	unsigned int k;

	if (rig_pool == NULL)
		rig_pool = rte_pktmbuf_pool_create("t_ctlaon_mp", 63, 0, 0,
			2048, SOCKET_ID_ANY);
	if (rig_pool == NULL)
		return -1;
	for (k = 0; k < RIG_PORTS; k++) {
		memset(&nc, 0, sizeof(nc));
		snprintf(nname, sizeof(nname), "t_ctlaon%u", k);
		snprintf(a, sizeof(a), "192.0.2.%u/24", k + 1);
		nc.name = nname;
		nc.nb_ip4 = 1;
		if (wgc_prefix_parse(&nc.ip4[0], a, WGC_PREFIX_IFADDR,
				NULL) != 0)
			return -1;
		nc.mac.addr_bytes[0] = 0x02;
		nc.mac.addr_bytes[5] = (uint8_t)(k + 1);
		nc.listen_port = listen_port;
		nc.pool = rig_pool;
		nc.socket_id = SOCKET_ID_ANY;
		if (wgc_device_add_port(dev, wgc_net_port_create(&nc),
				names[k]) != 0)
			return -1;
	}
	return 0;
}

/* the listen port of every host stack of @p dev if they agree, else 0 */
static uint16_t
rig_port(const struct wgc_device *dev)
{
	uint16_t port = wgc_net_port_listen_port(wgc_device_port(dev, 0));
	uint16_t k;

	for (k = 1; k < wgc_device_nb_ports(dev); k++)
		if (wgc_net_port_listen_port(wgc_device_port(dev, k)) != port)
			return 0;
	return wgc_device_nb_ports(dev) == RIG_PORTS ? port : 0;
}

/* the state directory's files, concatenated (to see it did not change) */
static char *
state_read(const char *dir)
{
	static const char * const names[] = { "snapshot", "journal" };
	struct sbuf b = { 0 };
	unsigned int i;

	for (i = 0; i < RTE_DIM(names); i++) {
		char path[600], buf[4096];
		size_t n;
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		sbuf_printf(&b, "== %s\n", names[i]);
		fp = fopen(path, "r");
		if (fp == NULL)
			continue;
		while ((n = fread(buf, 1, sizeof(buf) - 1, fp)) > 0) {
			buf[n] = '\0';
			sbuf_printf(&b, "%s", buf);
		}
		fclose(fp);
	}
	return b.p;
}

static char *
uapi_set(const char *path, const char *req)
{
	size_t len;
	char *out;
	int fd = unix_connect(path);

	if (fd < 0)
		return NULL;
	write_full(fd, req, strlen(req));
	shutdown(fd, SHUT_WR);
	out = read_all(fd, &len);
	close(fd);
	return out;
}

struct live_rig {
	struct wgc_device *dev;
	struct wgc_peers *t;
	struct ctl_fixture f;
};

/* a table with room for 8 peers and 4 IPv4 LPM rules (/32s go to their
 * own hash: these tests use shorter prefixes) */
static int
rig_start(struct live_rig *g, const char *dir, const struct wgc_iface_conf *ic)
{
	struct wgc_peers_params prm = {
		.name = "t_ctlaon", .max_peers = 8, .max_routes4 = 4,
		.max_routes6 = 4, .socket_id = SOCKET_ID_ANY,
	};
	struct wgc_control_params cp;
	struct wgc_conf_error err;

	struct wgc_device_params dp = {
		.iface = ic, .peers = &prm, .socket_id = SOCKET_ID_ANY,
	};

	g->dev = wgc_device_create(&dp);
	if (g->dev == NULL || rig_add_ports(g->dev, ic->listen_port) != 0)
		return -1;
	g->t = wgc_device_peers(g->dev);
	memset(&g->f, 0, sizeof(g->f));
	snprintf(g->f.dir, sizeof(g->f.dir), "%s", dir);
	snprintf(g->f.conf.socket, sizeof(g->f.conf.socket), "%s/rest.sock",
		dir);
	snprintf(g->f.conf.uapi_dir, sizeof(g->f.conf.uapi_dir), "%s", dir);
	snprintf(g->f.conf.state_dir, sizeof(g->f.conf.state_dir), "%s/state",
		dir);
	g->f.conf.state_wins = true;
	g->f.conf.max_body = 65536;
	g->f.conf.timeout = 2;
	snprintf(g->f.uapi, sizeof(g->f.uapi), "%s/wgcctl2a.sock", dir);
	memset(&cp, 0, sizeof(cp));
	cp.conf = &g->f.conf;
	cp.ifname = "wgcctl2a";
	cp.ops = &wgc_device_ops;
	cp.ctx = g->dev;
	g->f.ctl = wgc_control_create(&cp, &err);
	if (g->f.ctl == NULL) {
		printf("control: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void
rig_stop(struct live_rig *g)
{
	wgc_control_destroy(g->f.ctl);
	wgc_device_destroy(g->dev);
	memset(g, 0, sizeof(*g));
	/* the device freed its host stacks: nothing holds the pool */
	rte_mempool_free(rig_pool);
	rig_pool = NULL;
}

static int
test_control_peers_all_or_nothing(void)
{
	struct wgc_iface_conf ic = fixture_iface(
		"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=");
	struct live_rig g;
	struct http_resp r = { 0 };
	struct wgc_peer *pa, *p;
	uint8_t a[WGC_KEY_LEN], b[WGC_KEY_LEN];
	char dir[64], url_a[160], url_b[160], ka[WGC_KEY_B64_LEN + 1];
	char kb[WGC_KEY_B64_LEN + 1], hexb[WGC_KEY_HEX_LEN + 1], body[512];
	char req[512], *before, *after, *out, *list_before;

	memset(&g, 0, sizeof(g));
	snprintf(dir, sizeof(dir), "/tmp/wgcctl2-aon-XXXXXX");
	TEST_ASSERT_NOT_NULL(mkdtemp(dir), "dir");
	TEST_ASSERT_SUCCESS(rig_start(&g, dir, &ic), "rig");
	test_key(1, a);
	test_key(2, b);
	test_key_b64(1, ka);
	test_key_b64(2, kb);
	{
		char u[WGC_KEY_B64URL_LEN + 1];

		test_key_url(1, u);
		snprintf(url_a, sizeof(url_a), "/v1/peers/%s", u);
		test_key_url(2, u);
		snprintf(url_b, sizeof(url_b), "/v1/peers/%s", u);
	}

	/* A: two /24 (2 of the 4 LPM rules) */
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "PUT", url_a,
		"{\"allowed_ips\": [\"10.1.0.0/24\", \"10.1.1.0/24\"], "
		"\"endpoint\": \"192.0.2.1:1000\"}", &r), "put a");
	TEST_ASSERT_EQUAL(r.status, 201, "put a: %s", r.body);
	http_resp_free(&r);
	wgc_peers_lock(g.t);
	pa = wgc_peers_lookup(g.t, a);
	wgc_peers_unlock(g.t);
	TEST_ASSERT_NOT_NULL(pa, "A live");
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET", "/v1/peers",
		NULL, &r), "list");
	list_before = strdup(r.body);
	http_resp_free(&r);
	before = state_read(g.f.conf.state_dir);
	TEST_ASSERT_NOT_NULL(before, "state");

	/* bulk: B with three /16 needs 5 rules: refused (507) after the
	 * configuration took it; nothing changes anywhere */
	snprintf(body, sizeof(body), "[{\"public_key\": \"%s\", "
		"\"allowed_ips\": [\"10.5.0.0/16\", \"10.6.0.0/16\", "
		"\"10.7.0.0/16\"]}, {\"public_key\": \"%s\", "
		"\"persistent_keepalive\": 9, \"allowed_ips\": "
		"[\"10.1.0.0/24\", \"10.1.1.0/24\"]}]", kb, ka);
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "POST", "/v1/peers",
		body, &r), "bulk");
	TEST_ASSERT_EQUAL(r.status, 507, "bulk: %s", r.body);
	TEST_ASSERT(strcmp(json_error_code(&r), "table_full") == 0, "%s",
		r.body);
	http_resp_free(&r);
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET", "/v1/peers",
		NULL, &r), "list");
	TEST_ASSERT(strcmp(r.body, list_before) == 0, "REST view unchanged:"
		" %s\nwas %s", r.body, list_before);
	http_resp_free(&r);
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET", url_b, NULL, &r),
		"get b");
	TEST_ASSERT_EQUAL(r.status, 404, "B absent: %s", r.body);
	http_resp_free(&r);
	wgc_peers_lock(g.t);
	TEST_ASSERT_NULL(wgc_peers_lookup(g.t, b), "B not live");
	TEST_ASSERT(wgc_peers_lookup(g.t, a) == pa, "A the same object");
	wgc_peers_unlock(g.t);
	TEST_ASSERT_EQUAL(pa->persistent_keepalive, 0, "A's keepalive kept");
	TEST_ASSERT(route4(g.t, "10.5.0.1") == NULL, "no 10.5/16 route");
	TEST_ASSERT(route4(g.t, "10.1.1.1") == pa, "A's routes kept");
	after = state_read(g.f.conf.state_dir);
	TEST_ASSERT(after != NULL && strcmp(before, after) == 0,
		"state directory unchanged:\n%s\nwas\n%s", after, before);
	free(after);

	/* UAPI: B steals A's 10.1.0.0/24 and wants three /16 more: the
	 * live table refuses the last; A gets its prefix back */
	wgc_key_to_hex(b, hexb);
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\n"
		"allowed_ip=10.1.0.0/24\nallowed_ip=10.5.0.0/16\n"
		"allowed_ip=10.6.0.0/16\nallowed_ip=10.7.0.0/16\n\n", hexb);
	out = uapi_set(g.f.uapi, req);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=-28\n\n") == 0,
		"uapi: %s", out);
	free(out);
	TEST_ASSERT(route4(g.t, "10.1.0.9") == pa, "stolen prefix back");
	TEST_ASSERT(route4(g.t, "10.5.0.1") == NULL, "no 10.5/16 route");
	wgc_peers_lock(g.t);
	TEST_ASSERT_NULL(wgc_peers_lookup(g.t, b), "B not live");
	wgc_peers_unlock(g.t);
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET", "/v1/peers",
		NULL, &r), "list");
	TEST_ASSERT(strcmp(r.body, list_before) == 0, "REST view unchanged:"
		" %s", r.body);
	http_resp_free(&r);

	/* the same with room: B gets 10.1.0.0/24 and one /16 */
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\n"
		"allowed_ip=10.1.0.0/24\nallowed_ip=10.5.0.0/16\n\n", hexb);
	out = uapi_set(g.f.uapi, req);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0,
		"uapi: %s", out);
	free(out);
	wgc_peers_lock(g.t);
	p = wgc_peers_lookup(g.t, b);
	wgc_peers_unlock(g.t);
	TEST_ASSERT_NOT_NULL(p, "B live");
	TEST_ASSERT(route4(g.t, "10.1.0.9") == p, "prefix moved to B");
	TEST_ASSERT(route4(g.t, "10.5.0.1") == p, "10.5/16 to B");
	TEST_ASSERT(route4(g.t, "10.1.1.1") == pa, "A keeps 10.1.1/24");

	/* removed and named again in one request: one change, B live with
	 * the new prefixes only */
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\nremove=true\n"
		"public_key=%s\nallowed_ip=10.1.0.0/24\n"
		"allowed_ip=10.6.0.0/16\n\n", hexb, hexb);
	out = uapi_set(g.f.uapi, req);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0,
		"uapi: %s", out);
	free(out);
	wgc_peers_lock(g.t);
	p = wgc_peers_lookup(g.t, b);
	wgc_peers_unlock(g.t);
	TEST_ASSERT_NOT_NULL(p, "B live");
	TEST_ASSERT(route4(g.t, "10.6.0.1") == p, "10.6/16 to B");
	TEST_ASSERT(route4(g.t, "10.5.0.1") == NULL, "10.5/16 gone");
	TEST_ASSERT(route4(g.t, "10.1.0.9") == p, "10.1.0/24 still B's");
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET", url_b, NULL, &r),
		"get b");
	TEST_ASSERT(r.status == 200 && strstr(r.body, "10.6.0.0/16") != NULL &&
		strstr(r.body, "10.5.0.0/16") == NULL, "%s", r.body);
	http_resp_free(&r);
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\nremove=true\n"
		"public_key=%s\nallowed_ip=10.1.0.0/24\n"
		"allowed_ip=10.5.0.0/16\n\n", hexb, hexb);
	out = uapi_set(g.f.uapi, req);
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0,
		"uapi: %s", out);
	free(out);
	wgc_peers_lock(g.t);
	p = wgc_peers_lookup(g.t, b);
	wgc_peers_unlock(g.t);

	/* listen port: live on every host stack, through REST and UAPI */
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "PATCH",
		"/v1/interface", "{\"listen_port\": 51999}", &r), "port");
	TEST_ASSERT_EQUAL(r.status, 200, "port: %s", r.body);
	TEST_ASSERT(strstr(r.body, "\"listen_port\":51999") != NULL, "%s",
		r.body);
	http_resp_free(&r);
	TEST_ASSERT_EQUAL(rig_port(g.dev), 51999, "host stacks' port");
	out = uapi_set(g.f.uapi, "set=1\nlisten_port=4242\n\n");
	TEST_ASSERT(out != NULL && strcmp(out, "errno=0\n\n") == 0,
		"uapi: %s", out);
	free(out);
	TEST_ASSERT_EQUAL(rig_port(g.dev), 4242, "host stacks' port (UAPI)");
	/* port 0 (random) is refused, with another field in the same
	 * request: nothing changes (host stacks, REST, UAPI, state) */
	before = (free(before), state_read(g.f.conf.state_dir));
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "PATCH",
		"/v1/interface", "{\"listen_port\": 0, \"fwmark\": 3}", &r),
		"port 0");
	TEST_ASSERT_EQUAL(r.status, 422, "port 0: %s", r.body);
	http_resp_free(&r);
	TEST_ASSERT_EQUAL(rig_port(g.dev), 4242, "host stacks unchanged");
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET",
		"/v1/interface", NULL, &r), "iface");
	TEST_ASSERT(strstr(r.body, "\"listen_port\":4242") != NULL, "%s",
		r.body);
	http_resp_free(&r);
	out = uapi_set(g.f.uapi, "get=1\n\n");
	TEST_ASSERT(out != NULL && strstr(out, "listen_port=4242\n") != NULL &&
		strstr(out, "fwmark") == NULL, "uapi get: %s", out);
	free(out);
	after = state_read(g.f.conf.state_dir);
	TEST_ASSERT(after != NULL && strcmp(before, after) == 0,
		"state directory unchanged");
	free(after);
	free(before);

	/* restart on the same state: what was acknowledged, nothing else,
	 * and the saved port reaches the data plane */
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET", "/v1/peers",
		NULL, &r), "list");
	free(list_before);
	list_before = strdup(r.body);
	http_resp_free(&r);
	rig_stop(&g);
	TEST_ASSERT_SUCCESS(rig_start(&g, dir, &ic), "restart");
	TEST_ASSERT_EQUAL(rig_port(g.dev), 4242, "saved port applied at start");
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET", "/v1/peers",
		NULL, &r), "list");
	TEST_ASSERT(strcmp(r.body, list_before) == 0, "after restart: %s\n"
		"was %s", r.body, list_before);
	http_resp_free(&r);
	TEST_ASSERT_EQUAL(wgc_peers_count(g.t), 2u, "two live peers");
	wgc_peers_lock(g.t);
	p = wgc_peers_lookup(g.t, b);
	wgc_peers_unlock(g.t);
	TEST_ASSERT(p != NULL && route4(g.t, "10.1.0.9") == p &&
		route4(g.t, "10.5.0.1") == p, "B's routes after restart");
	free(list_before);
	rig_stop(&g);
	wgc_iface_conf_free(&ic);
	rm_rf(dir);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_peers_all_or_nothing_autotest, fast,
	test_control_peers_all_or_nothing);

/* a bulk body: peers seed0..seed0+n-1, each with 10.NET.i.1/32 (the
 * exact-match table), except the one at index @p big: five /16 (five LPM
 * rules) */
static char *
bulk_body(unsigned int seed0, unsigned int n, unsigned int net, int big)
{
	struct sbuf b = { 0 };
	char k[WGC_KEY_B64_LEN + 1];
	unsigned int i;

	sbuf_printf(&b, "[");
	for (i = 0; i < n; i++) {
		test_key_b64(seed0 + i, k);
		if ((int)i == big)
			sbuf_printf(&b, "%s{\"public_key\": \"%s\", "
				"\"allowed_ips\": [\"10.200.0.0/16\", "
				"\"10.201.0.0/16\", \"10.202.0.0/16\", "
				"\"10.203.0.0/16\", \"10.204.0.0/16\"]}",
				i ? "," : "", k);
		else
			sbuf_printf(&b, "%s{\"public_key\": \"%s\", "
				"\"allowed_ips\": [\"10.%u.%u.1/32\"]}",
				i ? "," : "", k, net, i);
	}
	sbuf_printf(&b, "]");
	return b.p;
}

static int
put_all(struct live_rig *g, char *body, struct http_resp *r)
{
	int rc = http_json(g->f.conf.socket, "PUT", "/v1/peers", body, r);

	free(body);
	return rc;
}

/*
 * A full table replaced by as many new peers (PUT /v1/peers): the new ones
 * need the removed ones' slots, which go first; when a later step fails,
 * the removed peers come back as they were configured.
 */
static int
test_control_peers_replace_full(void)
{
	struct wgc_iface_conf ic = fixture_iface(
		"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=");
	struct live_rig g;
	struct http_resp r = { 0 };
	uint8_t k[WGC_KEY_LEN];
	char dir[64], ip[32], *list_before;
	unsigned int i;

	memset(&g, 0, sizeof(g));
	snprintf(dir, sizeof(dir), "/tmp/wgcctl2-full-XXXXXX");
	TEST_ASSERT_NOT_NULL(mkdtemp(dir), "dir");
	TEST_ASSERT_SUCCESS(rig_start(&g, dir, &ic), "rig");
	/* 8 of 8 slots */
	TEST_ASSERT_SUCCESS(put_all(&g, bulk_body(100, 8, 1, -1), &r), "fill");
	TEST_ASSERT_EQUAL(r.status, 200, "fill: %s", r.body);
	http_resp_free(&r);
	TEST_ASSERT_EQUAL(wgc_peers_count(g.t), 8u, "full");
	/* replaced by 8 others: their slots come from the removed ones */
	TEST_ASSERT_SUCCESS(put_all(&g, bulk_body(200, 8, 2, -1), &r),
		"replace");
	TEST_ASSERT_EQUAL(r.status, 200, "replace: %s", r.body);
	http_resp_free(&r);
	TEST_ASSERT_EQUAL(wgc_peers_count(g.t), 8u, "8 live");
	for (i = 0; i < 8; i++) {
		test_key(200 + i, k);
		wgc_peers_lock(g.t);
		TEST_ASSERT_NOT_NULL(wgc_peers_lookup(g.t, k), "new %u", i);
		wgc_peers_unlock(g.t);
		snprintf(ip, sizeof(ip), "10.2.%u.1", i);
		TEST_ASSERT(route4(g.t, ip) != NULL, "%s routed", ip);
		snprintf(ip, sizeof(ip), "10.1.%u.1", i);
		TEST_ASSERT(route4(g.t, ip) == NULL, "%s gone", ip);
	}
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET",
		"/v1/peers?limit=100", NULL, &r), "list");
	list_before = strdup(r.body);
	http_resp_free(&r);
	/* replaced by 8 others of which one needs five LPM rules (4): 507,
	 * and the second set is back, live and in the configuration */
	TEST_ASSERT_SUCCESS(put_all(&g, bulk_body(300, 8, 3, 7), &r),
		"replace fails");
	TEST_ASSERT_EQUAL(r.status, 507, "replace fails: %s", r.body);
	http_resp_free(&r);
	TEST_ASSERT_EQUAL(wgc_peers_count(g.t), 8u, "8 live");
	for (i = 0; i < 8; i++) {
		test_key(200 + i, k);
		wgc_peers_lock(g.t);
		TEST_ASSERT_NOT_NULL(wgc_peers_lookup(g.t, k), "back %u", i);
		wgc_peers_unlock(g.t);
		snprintf(ip, sizeof(ip), "10.2.%u.1", i);
		TEST_ASSERT(route4(g.t, ip) != NULL, "%s routed again", ip);
		snprintf(ip, sizeof(ip), "10.3.%u.1", i);
		TEST_ASSERT(route4(g.t, ip) == NULL, "%s not routed", ip);
	}
	TEST_ASSERT(route4(g.t, "10.200.1.1") == NULL, "no /16");
	TEST_ASSERT_SUCCESS(http_json(g.f.conf.socket, "GET",
		"/v1/peers?limit=100", NULL, &r), "list");
	TEST_ASSERT(strcmp(r.body, list_before) == 0, "configuration back: "
		"%s", r.body);
	http_resp_free(&r);
	free(list_before);
	rig_stop(&g);
	wgc_iface_conf_free(&ic);
	rm_rf(dir);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_peers_replace_full_autotest, fast,
	test_control_peers_replace_full);

/*
 * wgc_control_sync() (SIGHUP reload) against a live table with room for 8
 * peers: a file of 9 is refused as a whole (507 class), the 4 live peers
 * and the port stay; a file of 8 that keeps 2 of them replaces the rest.
 */
static int
test_control_peers_sync_full(void)
{
	struct wgc_iface_conf ic = fixture_iface(
		"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=");
	struct wgc_control_sync_stats st;
	struct wgc_conf_error err = { 0 };
	struct wgc_peer_conf want[9];
	struct wgc_iface_conf file = { 0 };
	struct live_rig g;
	struct http_resp r = { 0 };
	uint8_t k[WGC_KEY_LEN];
	char dir[64];
	unsigned int i;

	memset(&g, 0, sizeof(g));
	snprintf(dir, sizeof(dir), "/tmp/wgcctl2-sync-XXXXXX");
	TEST_ASSERT_NOT_NULL(mkdtemp(dir), "dir");
	TEST_ASSERT_SUCCESS(rig_start(&g, dir, &ic), "rig");
	TEST_ASSERT_SUCCESS(put_all(&g, bulk_body(100, 4, 1, -1), &r), "fill");
	TEST_ASSERT_EQUAL(r.status, 200, "fill: %s", r.body);
	http_resp_free(&r);
	memset(want, 0, sizeof(want));
	for (i = 0; i < 9; i++) {
		char ip[32];

		test_key(i < 2 ? 100 + i : 400 + i, want[i].public_key);
		want[i].allowed_ips = calloc(1, sizeof(struct wgc_prefix));
		want[i].n_allowed_ips = 1;
		snprintf(ip, sizeof(ip), "10.%u.%u.1/32", i < 2 ? 1 : 4, i);
		wgc_prefix_parse(&want[i].allowed_ips[0], ip, WGC_PREFIX_ROUTE,
			NULL);
	}
	TEST_ASSERT_FAIL(wgc_control_sync(g.f.ctl, &file, want, 9, true, &st,
		&err), "9 peers in a table of 8");
	TEST_ASSERT_EQUAL(err.kind, WGC_CONF_ENOSPC, "%s", err.msg);
	TEST_ASSERT_EQUAL(wgc_peers_count(g.t), 4u, "the 4 are still there");
	for (i = 0; i < 4; i++) {
		test_key(100 + i, k);
		wgc_peers_lock(g.t);
		TEST_ASSERT_NOT_NULL(wgc_peers_lookup(g.t, k), "peer %u", i);
		wgc_peers_unlock(g.t);
	}
	TEST_ASSERT_SUCCESS(wgc_control_sync(g.f.ctl, &file, want, 8, true,
		&st, &err), "8 peers: %s", err.msg);
	TEST_ASSERT(st.removed == 2 && st.unchanged == 2 && st.added == 6,
		"stats %u %u %u", st.removed, st.unchanged, st.added);
	TEST_ASSERT_EQUAL(wgc_peers_count(g.t), 8u, "8 live");
	for (i = 0; i < 9; i++)
		wgc_peer_conf_free(&want[i]);
	rig_stop(&g);
	wgc_iface_conf_free(&ic);
	rm_rf(dir);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_peers_sync_full_autotest, fast,
	test_control_peers_sync_full);

/* ---------------------------------------- ordered index against a model */

static int
model_cmp(const void *a, const void *b)
{
	return memcmp(a, b, WGC_KEY_LEN);
}

/*
 * The in-memory backend's ordered index (blocks of sorted keys searched on
 * 8-byte prefixes) against a sorted array: keys that share their first 8
 * bytes (ties resolved on the full key), block splits, blocks emptied by
 * removals, resuming after absent keys.
 */
static int
test_control_mem_order(void)
{
	enum { N = 6000 };
	struct wgc_mem_backend *mb = wgc_mem_backend_create(NULL);
	static uint8_t keys[N][WGC_KEY_LEN], live[N][WGC_KEY_LEN];
	struct wgc_conf_error err;
	struct wgc_changeset cs;
	struct wgc_peer_conf pc;
	uint8_t last[WGC_KEY_LEN];
	uint64_t rng = 42;
	unsigned int i, n = 0, round;

	TEST_ASSERT_NOT_NULL(mb, "backend");
	for (i = 0; i < N; i++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		memcpy(keys[i], &rng, sizeof(rng));
		/* one key in three shares its first 8 bytes with another */
		if (i % 3 == 2)
			memcpy(keys[i], keys[i - 1], 8);
		keys[i][8] = (uint8_t)(i >> 8);
		keys[i][31] = (uint8_t)i;
		keys[i][9] = 1;
	}
	for (round = 0; round < 3; round++) {
		/* round 0 adds all (in batches), 1 removes two in three,
		 * 2 adds them back and removes a run (emptied blocks) */
		for (i = 0; i < N; i += 500) {
			unsigned int k;

			memset(&cs, 0, sizeof(cs));
			for (k = i; k < i + 500 && k < N; k++) {
				struct wgc_peer_change *c;
				bool rm = (round == 1 && k % 3 != 0) ||
					(round == 2 && k >= 1000 && k < 3000);

				if (round == 1 && !rm)
					continue;
				c = wgc_changeset_add(&cs);
				TEST_ASSERT_NOT_NULL(c, "add");
				c->op = rm ? WGC_PEER_OP_REMOVE :
					WGC_PEER_OP_UPSERT;
				memcpy(c->conf.public_key, keys[k],
					WGC_KEY_LEN);
			}
			cs.remove_absent_ok = true;
			TEST_ASSERT_SUCCESS(wgc_mem_backend_ops.apply(mb, &cs,
				&err), "apply: %s", err.msg);
			wgc_changeset_free(&cs);
		}
		/* the model */
		n = 0;
		for (i = 0; i < N; i++) {
			bool in = round == 0 || (round == 1 && i % 3 == 0) ||
				(round == 2 && (i < 1000 || i >= 3000));

			if (in)
				memcpy(live[n++], keys[i], WGC_KEY_LEN);
		}
		qsort(live, n, WGC_KEY_LEN, model_cmp);
		TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(mb),
			(uint64_t)n, "count round %u", round);
		for (i = 0; i < n; i++) {
			TEST_ASSERT_SUCCESS(wgc_mem_backend_ops.peer_next(mb,
				i == 0 ? NULL : last, &pc, NULL),
				"next %u round %u", i, round);
			TEST_ASSERT(memcmp(pc.public_key, live[i],
				WGC_KEY_LEN) == 0, "order %u round %u", i,
				round);
			memcpy(last, pc.public_key, WGC_KEY_LEN);
			wgc_peer_conf_free(&pc);
			TEST_ASSERT_SUCCESS(wgc_mem_backend_ops.peer_get(mb,
				live[i], NULL, NULL), "get %u", i);
		}
		TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_next(mb, last, &pc,
			NULL), -ENOENT, "end round %u", round);
		/* resume after an absent key: the next greater one */
		for (i = 0; i < N; i += 7) {
			uint8_t *hit;
			size_t lo = 0, hi = n;

			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (memcmp(live[mid], keys[i],
						WGC_KEY_LEN) <= 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			hit = lo < n ? live[lo] : NULL;
			if (wgc_mem_backend_ops.peer_next(mb, keys[i], &pc,
					NULL) != 0) {
				TEST_ASSERT_NULL(hit, "resume %u: end", i);
				continue;
			}
			TEST_ASSERT(hit != NULL && memcmp(pc.public_key, hit,
				WGC_KEY_LEN) == 0, "resume after %u", i);
			wgc_peer_conf_free(&pc);
		}
	}
	/* remove the lower half in key order (whole blocks empty), then all */
	memset(&cs, 0, sizeof(cs));
	for (i = 0; i < n / 2; i++) {
		struct wgc_peer_change *c = wgc_changeset_add(&cs);

		TEST_ASSERT_NOT_NULL(c, "add");
		c->op = WGC_PEER_OP_REMOVE;
		memcpy(c->conf.public_key, live[i], WGC_KEY_LEN);
	}
	TEST_ASSERT_SUCCESS(wgc_mem_backend_ops.apply(mb, &cs, &err), "%s",
		err.msg);
	wgc_changeset_free(&cs);
	TEST_ASSERT_SUCCESS(wgc_mem_backend_ops.peer_next(mb, NULL, &pc, NULL),
		"first");
	TEST_ASSERT(memcmp(pc.public_key, live[n / 2], WGC_KEY_LEN) == 0,
		"first after the emptied blocks");
	wgc_peer_conf_free(&pc);
	memset(&cs, 0, sizeof(cs));
	cs.replace_peers = true;
	TEST_ASSERT_SUCCESS(wgc_mem_backend_ops.apply(mb, &cs, &err), "%s",
		err.msg);
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(mb), 0ull, "empty");
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_next(mb, NULL, &pc, NULL),
		-ENOENT, "nothing");
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_next(mb, keys[0], &pc,
		NULL), -ENOENT, "nothing after");
	wgc_mem_backend_destroy(mb);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_mem_order_autotest, fast, test_control_mem_order);
