/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Cost of outer fragments per datagram, beside the plain path: a 1420 B
 * inner packet is a 1456 B WireGuard message (16 header + 1424 padded +
 * 16 tag), which a 1400 B outer MTU cuts in two.
 *
 *   receive:  wgc_net_rx() + AEAD open of the message, for whole frames,
 *             then for the two fragments of each (reassembly, linearize);
 *   send:     AEAD seal + wgc_net_encap() at MTU 1600, then seal +
 *             wgc_net_encap_frag() at MTU 1400 (two frames per message);
 *   replay:   wgc_replay_check() alone and under the window's lock
 *             (wgc_replay_check_shared(), the lock taken per packet: the
 *             worst case; the pipeline takes it once per run of a
 *             keypair in a burst).
 *
 * Frames are copied into fresh mbufs before each timed burst, out of the
 * timing. Figures are medians of the rounds; the benchmark fails only if
 * a datagram is lost.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_crypto.h"
#include "wgc_iobuf.h"
#include "wgc_net.h"
#include "wgc_proto.h"
#include "wgc_test.h"

#define B 32
#define MSG 1456                /* WireGuard message of a 1420 B packet */
#define SEALED (MSG - 16 - 16)  /* bytes under the AEAD */
#define ROUNDS 7
#define BURSTS 300

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct wgc_net_port *tx1500, *tx1400, *rx;
static struct wgc_aead_engine *eng;
static uint8_t key[32];

/* frame templates: [family][0] whole, [family][1..2] fragments */
static uint8_t tmpl[2][3][1600];
static uint16_t tmpl_len[2][3];

static const struct rte_ether_addr mac_tx = {
	{ 0x02, 0x00, 0x00, 0x00, 0x0b, 0x01 } };
static const struct rte_ether_addr mac_rx = {
	{ 0x02, 0x00, 0x00, 0x00, 0x0b, 0x02 } };

static struct wgc_net_port *
port(const char *name, const struct rte_ether_addr *mac, uint16_t mtu,
		const char *a4, const char *a6)
{
	struct wgc_net_port_conf c;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.mac = *mac;
	c.listen_port = 51820;
	c.mtu = mtu;
	c.nb_ip4 = 1;
	wgc_addr_parse(&c.ip4[0].addr, a4);
	c.ip4[0].len = 24;
	c.nb_ip6 = 1;
	wgc_addr_parse(&c.ip6[0].addr, a6);
	c.ip6[0].len = 64;
	c.no_link_local = true;
	c.pool = pool;
	c.socket_id = SOCKET_ID_ANY;
	return wgc_net_port_create(&c);
}

static void
perf_down(void)
{
	wgc_aead_engine_free(eng);
	eng = NULL;
	wgc_net_port_free(tx1500);
	wgc_net_port_free(tx1400);
	wgc_net_port_free(rx);
	tx1500 = tx1400 = rx = NULL;
	rte_mempool_free(pool);
	pool = NULL;
}

/* a sealed message in v (counter c) */
static int
message(struct wgc_view *v, uint64_t c)
{
	struct wgc_aead_op op;
	uint8_t *d;

	if (wgc_view_alloc_bulk(&rc, v, 1) != 1)
		return -1;
	d = wgc_view_append(v, MSG);
	if (d == NULL)
		return -1;
	memset(d, 0, 16);
	d[0] = 4;
	memcpy(d + 8, &c, 8);
	memset(d + 16, 0x5a, SEALED);
	memset(&op, 0, sizeof(op));
	op.data = d + 16;
	op.tag = d + 16 + SEALED;
	op.key = key;
	op.counter = c;
	op.len = SEALED;
	return wgc_aead_seal_burst(eng, &op, 1) == 1 ? 0 : -1;
}

static int
perf_up(void)
{
	struct wgc_endpoint dst;
	struct wgc_addr a;
	struct wgc_view v, out[4];
	unsigned int f, i;

	memset(key, 9, sizeof(key));
	pool = rte_pktmbuf_pool_create("wf_fperf", 8191, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(pool, "pool");
	wgc_recycler_mempool_init(&rc, pool);
	tx1500 = port("wf_t15", &mac_tx, 1600, "10.1.0.1", "fd01::1");
	tx1400 = port("wf_t14", &mac_tx, 1400, "10.1.0.1", "fd01::1");
	rx = port("wf_r", &mac_rx, 1600, "10.1.0.2", "fd01::2");
	eng = wgc_aead_engine_create(WGC_AEAD_ENGINE_AUTO, SOCKET_ID_ANY);
	TEST_ASSERT(tx1500 != NULL && tx1400 != NULL && rx != NULL &&
		eng != NULL, "setup");
	memset(&a, 0, sizeof(a));
	for (f = 0; f < 2; f++) {
		a.family = f ? AF_INET6 : AF_INET;
		inet_pton(a.family, f ? "fd01::2" : "10.1.0.2",
			f ? (void *)a.bytes : (void *)&a.ip4);
		TEST_ASSERT_SUCCESS(wgc_net_neigh_add(tx1500, &a, &mac_rx, 0),
			"neigh");
		TEST_ASSERT_SUCCESS(wgc_net_neigh_add(tx1400, &a, &mac_rx, 0),
			"neigh");
		wgc_net_endpoint_parse(f ? "[fd01::2]:51820" :
			"10.1.0.2:51820", true, &dst);
		TEST_ASSERT_SUCCESS(message(&v, 0), "message");
		TEST_ASSERT_EQUAL(wgc_net_encap(tx1500, &v, &dst, 1), 1,
			"whole");
		tmpl_len[f][0] = (uint16_t)v.len;
		memcpy(tmpl[f][0], v.data, v.len);
		wgc_view_release(&v);
		TEST_ASSERT_SUCCESS(message(&v, 0), "message");
		TEST_ASSERT_EQUAL(wgc_net_encap_frag(tx1400, &v, &dst, 1, out,
			4), 2, "two fragments");
		for (i = 0; i < 2; i++) {
			tmpl_len[f][i + 1] = (uint16_t)out[i].len;
			memcpy(tmpl[f][i + 1], out[i].data, out[i].len);
		}
		wgc_view_release_all(out, 2);
	}
	return TEST_SUCCESS;
}

/* frames of B messages (whole or fragments) into fresh views; one
 * datagram's fragments complete before the next one's start, so they may
 * share the IP id */
static int
frames(unsigned int f, bool frag, struct wgc_view *v, unsigned int *n)
{
	unsigned int i, j, k = 0;

	for (i = 0; i < B; i++) {
		for (j = frag ? 1 : 0; j < (frag ? 3u : 1u); j++) {
			uint8_t *d;

			if (wgc_view_alloc_bulk(&rc, &v[k], 1) != 1)
				return -1;
			d = wgc_view_append(&v[k], tmpl_len[f][j]);
			memcpy(d, tmpl[f][j], tmpl_len[f][j]);
			k++;
		}
	}
	*n = k;
	return 0;
}

static int
rx_round(unsigned int f, bool frag, double *cyc)
{
	struct wgc_view v[3 * B];
	struct wgc_net_meta meta[3 * B];
	struct wgc_aead_op ops[B];
	unsigned int b, i, n;
	uint64_t t0, total = 0;
	uint16_t nwg;

	for (b = 0; b < BURSTS; b++) {
		TEST_ASSERT_SUCCESS(frames(f, frag, v, &n), "frames");
		t0 = rte_rdtsc_precise();
		nwg = wgc_net_rx(rx, v, meta, (uint16_t)n);
		for (i = 0; i < nwg; i++) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].data = v[i].data + 16;
			ops[i].tag = v[i].data + 16 + SEALED;
			ops[i].key = key;
			ops[i].counter = 0;
			ops[i].len = SEALED;
		}
		TEST_ASSERT_EQUAL(wgc_aead_open_burst(eng, ops, nwg), nwg,
			"opened");
		total += rte_rdtsc_precise() - t0;
		TEST_ASSERT_EQUAL(nwg, B, "every datagram (%u)", nwg);
		wgc_view_release_all(v, nwg);
	}
	*cyc = (double)total / (BURSTS * B);
	return TEST_SUCCESS;
}

static int
tx_round(unsigned int f, bool frag, double *cyc)
{
	struct wgc_endpoint dst[B];
	struct wgc_view v[B], out[2 * B];
	struct wgc_aead_op ops[B];
	unsigned int b, i;
	uint64_t t0, total = 0;
	uint16_t n;

	wgc_net_endpoint_parse(f ? "[fd01::2]:51820" : "10.1.0.2:51820",
		true, &dst[0]);
	for (i = 1; i < B; i++)
		dst[i] = dst[0];
	for (b = 0; b < BURSTS; b++) {
		TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, v, B), (unsigned)B,
			"alloc");
		for (i = 0; i < B; i++) {
			uint8_t *d = wgc_view_append(&v[i], MSG);

			memset(d, 0x33, MSG);
		}
		t0 = rte_rdtsc_precise();
		for (i = 0; i < B; i++) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].data = v[i].data + 16;
			ops[i].tag = v[i].data + 16 + SEALED;
			ops[i].key = key;
			ops[i].counter = b * B + i;
			ops[i].len = SEALED;
		}
		wgc_aead_seal_burst(eng, ops, B);
		n = frag ? wgc_net_encap_frag(tx1400, v, dst, B, out, 2 * B) :
			wgc_net_encap(tx1500, v, dst, B);
		total += rte_rdtsc_precise() - t0;
		TEST_ASSERT_EQUAL(n, frag ? 2 * B : B, "frames (%u)", n);
		wgc_view_release_all(frag ? out : v, n);
	}
	*cyc = (double)total / (BURSTS * B);
	return TEST_SUCCESS;
}

static double
replay_round(bool shared)
{
	static struct wgc_replay r __rte_cache_aligned;
	uint64_t c, t0, n = 1 << 20, ok = 0;

	wgc_replay_init(&r);
	t0 = rte_rdtsc_precise();
	for (c = 0; c < n; c++)
		ok += shared ? wgc_replay_check_shared(&r, c) :
			wgc_replay_check(&r, c);
	return ok == n ? (double)(rte_rdtsc_precise() - t0) / n : -1;
}

static int
test_perf_frag(void)
{
	static const char *const fam[] = { "IPv4", "IPv6" };
	double m[2][4][ROUNDS], rp[2][ROUNDS];
	unsigned int f, r, k;

	TEST_CHECK(perf_up());
	printf("frag_perf: one lcore, engine %s, %s, TSC %.2f GHz; a 1420 B "
		"inner packet = %u B message; %u rounds of %u bursts of %u; "
		"medians, cycles per datagram\n", wgc_aead_engine_name(eng),
		rte_eal_has_hugepages() ? "hugepages" : "no hugepages",
		rte_get_tsc_hz() / 1e9, MSG, ROUNDS, BURSTS, B);
	printf("command: build/test/wgc-test frag_perf (EAL flags from "
		"WGC_TEST_EAL)\n");
	for (r = 0; r < ROUNDS; r++) {
		for (f = 0; f < 2; f++) {
			TEST_CHECK(rx_round(f, false, &m[f][0][r]));
			TEST_CHECK(rx_round(f, true, &m[f][1][r]));
			TEST_CHECK(tx_round(f, false, &m[f][2][r]));
			TEST_CHECK(tx_round(f, true, &m[f][3][r]));
		}
		rp[0][r] = replay_round(false);
		rp[1][r] = replay_round(true);
	}
	for (f = 0; f < 2; f++) {
		double x[4];

		for (k = 0; k < 4; k++)
			x[k] = wgc_test_median(m[f][k], ROUNDS);
		printf("  %s: net_rx + decrypt %5.0f cyc | 2 fragments: "
			"reassembly + decrypt %5.0f cyc (%+.0f)\n", fam[f],
			x[0], x[1], x[1] - x[0]);
		printf("  %s: encrypt + encap  %5.0f cyc | MTU 1400: encrypt "
			"+ fragmentation %5.0f cyc (%+.0f)\n", fam[f], x[2],
			x[3], x[3] - x[2]);
	}
	printf("  replay window: check %.1f cyc, under its lock (per "
		"packet) %.1f cyc\n", wgc_test_median(rp[0], ROUNDS),
		wgc_test_median(rp[1], ROUNDS));
	perf_down();
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(frag_perf, perf, NULL, test_perf_frag, perf_down);
