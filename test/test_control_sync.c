/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgc_control_sync() (the SIGHUP reload's write path) on the in-memory
 * backend: only the differences are applied, unchanged and changed peers
 * keep their sessions (session id and fake handshake time), peers not in
 * the file are removed, a peer without an endpoint keeps its own, a file
 * without peers leaves them alone. A sync the live table refuses:
 * control_peers_sync_full_autotest (test_control_peers.c).
 */

#include "control_priv.h"
#include "control_test_client.h"
#include "wgc_test.h"

static void
peer(struct wgc_peer_conf *p, unsigned int seed, const char *ip,
		uint16_t keepalive)
{
	memset(p, 0, sizeof(*p));
	test_key(seed, p->public_key);
	p->allowed_ips = calloc(1, sizeof(*p->allowed_ips));
	p->n_allowed_ips = 1;
	wgc_prefix_parse(&p->allowed_ips[0], ip, WGC_PREFIX_ROUTE, NULL);
	p->persistent_keepalive = keepalive;
}

static void
peers_free(struct wgc_peer_conf *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		wgc_peer_conf_free(&p[i]);
}

static uint64_t
session(struct wgc_mem_backend *mb, unsigned int seed)
{
	uint8_t k[WGC_KEY_LEN];

	test_key(seed, k);
	return wgc_mem_backend_session(mb, k);
}

static int
handshake(struct wgc_mem_backend *mb, unsigned int seed, int64_t *t)
{
	struct wgc_device_peer_stats st;
	struct wgc_peer_conf pc;
	uint8_t k[WGC_KEY_LEN];
	int rc;

	test_key(seed, k);
	rc = wgc_mem_backend_ops.peer_get(mb, k, &pc, &st);
	if (rc == 0) {
		*t = st.last_handshake_sec;
		wgc_peer_conf_free(&pc);
	}
	return rc;
}

static int
test_control_sync(void)
{
	struct wgc_control_conf cc = { 0 };
	struct wgc_control_params p = { 0 };
	struct wgc_conf_error err = { 0 };
	struct wgc_control_sync_stats st;
	struct wgc_iface_conf iface = { 0 };
	struct wgc_peer_conf want[3];
	struct wgc_mem_backend *mb;
	struct wgc_control *ctl;
	uint64_t s1, s2;
	int64_t hs1, hs2, t;

	mb = wgc_mem_backend_create(NULL);
	TEST_ASSERT_NOT_NULL(mb, "backend");
	wgc_mem_backend_fake_handshakes(mb, true);
	p.conf = &cc;
	p.ifname = "wgcsync0";
	p.ops = &wgc_mem_backend_ops;
	p.ctx = mb;
	p.no_threads = true;
	ctl = wgc_control_create(&p, &err);
	TEST_ASSERT_NOT_NULL(ctl, "control: %s", err.msg);

	/* first sync: two peers added, listen port set */
	iface.listen_port = 51820;
	peer(&want[0], 1, "10.0.0.1/32", 0);
	peer(&want[1], 2, "10.0.0.2/32", 0);
	wgc_endpoint_parse(&want[1].endpoint, "192.0.2.7:51820", NULL);
	TEST_ASSERT_SUCCESS(wgc_control_sync(ctl, &iface, want, 2, true, &st,
		&err), "sync 1: %s", err.msg);
	TEST_ASSERT(st.added == 2 && st.changed == 0 && st.removed == 0 &&
		st.iface_fields == WGC_IFACE_F_LISTEN_PORT, "sync 1 stats");
	s1 = session(mb, 1);
	s2 = session(mb, 2);
	TEST_ASSERT(s1 != 0 && s2 != 0, "sessions");
	TEST_ASSERT_SUCCESS(handshake(mb, 1, &hs1), "peer 1");
	TEST_ASSERT_SUCCESS(handshake(mb, 2, &hs2), "peer 2");

	/* the same again: nothing to do */
	TEST_ASSERT_SUCCESS(wgc_control_sync(ctl, &iface, want, 2, true, &st,
		&err), "sync 2: %s", err.msg);
	TEST_ASSERT(st.unchanged == 2 && st.added + st.changed +
		st.removed == 0 && st.iface_fields == 0, "sync 2 stats");

	/* peer 1 changed (keepalive, allowed IPs), peer 2 without its
	 * endpoint (kept), peer 3 new */
	peers_free(want, 2);
	peer(&want[0], 1, "10.0.1.0/24", 25);
	peer(&want[1], 2, "10.0.0.2/32", 0);
	peer(&want[2], 3, "10.0.0.3/32", 0);
	TEST_ASSERT_SUCCESS(wgc_control_sync(ctl, &iface, want, 3, true, &st,
		&err), "sync 3: %s", err.msg);
	TEST_ASSERT(st.added == 1 && st.changed == 1 && st.unchanged == 1 &&
		st.removed == 0, "sync 3 stats %u %u %u %u", st.added,
		st.changed, st.unchanged, st.removed);
	TEST_ASSERT_EQUAL(session(mb, 1), s1, "changed peer kept its session");
	TEST_ASSERT_EQUAL(session(mb, 2), s2, "unchanged peer kept its session");
	TEST_ASSERT(handshake(mb, 1, &t) == 0 && t == hs1, "handshake kept");
	{
		struct wgc_peer_conf pc;
		uint8_t k[WGC_KEY_LEN];

		test_key(2, k);
		TEST_ASSERT_SUCCESS(wgc_mem_backend_ops.peer_get(mb, k, &pc,
			NULL), "peer 2");
		TEST_ASSERT(pc.endpoint.addr.family == AF_INET &&
			pc.endpoint.port == 51820, "endpoint kept");
		wgc_peer_conf_free(&pc);
	}

	/* no peers in the file: they stay */
	TEST_ASSERT_SUCCESS(wgc_control_sync(ctl, &iface, NULL, 0, false, &st,
		&err), "sync 4: %s", err.msg);
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(mb), 3u, "kept");

	/* peer 1 dropped, peer 3 takes its prefix: removals go first */
	TEST_ASSERT_SUCCESS(wgc_control_sync(ctl, &iface, want + 1, 2, true,
		&st, &err), "sync 5: %s", err.msg);
	TEST_ASSERT(st.removed == 1 && st.unchanged == 2, "sync 5 stats");
	TEST_ASSERT_EQUAL(session(mb, 1), 0u, "peer 1 removed");
	peers_free(want, 3);
	peer(&want[0], 2, "10.0.0.2/32", 0);
	peer(&want[1], 3, "10.0.1.0/24", 0);
	TEST_ASSERT_SUCCESS(wgc_control_sync(ctl, &iface, want, 2, true, &st,
		&err), "sync 6: %s", err.msg);
	TEST_ASSERT(st.changed == 1, "sync 6: peer 3 changed");

	peers_free(want, 2);
	wgc_control_destroy(ctl);
	wgc_mem_backend_destroy(mb);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(control_sync_autotest, fast, test_control_sync);
