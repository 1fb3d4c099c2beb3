/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The control plane bound to the live peer table (lib/peers): REST and
 * UAPI changes reach the table, a changed peer stays the same live object
 * (its session survives), refused changes leave the table untouched.
 */

#include <arpa/inet.h>

#include "control_priv.h"
#include "control_test_client.h"
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
	struct wgc_peers_backend *pb;
	struct wgc_identity *id;
	struct wgc_peers *t;
	struct ctl_fixture f;
	struct http_resp r = { 0 };
	struct wgc_peer *pa, *p;
	struct wgc_peer_endpoint ep;
	uint8_t a[WGC_KEY_LEN], b[WGC_KEY_LEN], pub[WGC_KEY_LEN];
	char url_a[160], url_b[160], ka[WGC_KEY_B64URL_LEN + 1];
	char kb[WGC_KEY_B64URL_LEN + 1], hexb[WGC_KEY_HEX_LEN + 1], req[256];
	char *out;
	int fd;
	size_t len;

	id = wgc_identity_create("t_ctlpeers", ic.private_key, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(id, "identity");
	prm.identity = id;
	t = wgc_peers_create(&prm);
	TEST_ASSERT_NOT_NULL(t, "table");
	/* one peer from the "startup config" before the binding exists */
	test_key(1, a);
	test_key(2, b);
	wgc_peers_lock(t);
	pa = wgc_peers_add(t, a, NULL);
	{
		struct wgc_prefix pf = { .family = 4, .len = 24,
			.addr = { 10, 1, 0, 0 } };

		wgc_peers_prefix_add(t, pa, &pf);
	}
	wgc_peers_unlock(t);

	pb = wgc_peers_backend_create(t, id, &ic);
	TEST_ASSERT_NOT_NULL(pb, "binding");
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
	cp.ops = &wgc_peers_backend_ops;
	cp.ctx = pb;
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
	TEST_ASSERT(ep.family == 4 && ep.port == 5000 && ep.addr[0] == 192,
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
	/* listen port cannot change live */
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
	wgc_peers_backend_destroy(pb);
	wgc_peers_reclaim(t);
	wgc_peers_free(t);
	wgc_identity_free(id);
	wgc_iface_conf_free(&ic);
	rm_rf(f.dir);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_peers_binding_autotest, fast,
	test_control_peers_binding);
