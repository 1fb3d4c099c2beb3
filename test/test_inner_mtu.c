/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The tunnel MTU on the inner side (lib/pipeline pl_inner.c) and ICMP
 * errors on the outer side, through two pipelines back to back (the rig):
 * - a packet above the MTU from an Ethernet inner edge (as drivers/ethdev
 *   delivers it) gets ICMP "fragmentation needed" (IPv4 with DF) or
 *   ICMPv6 "packet too big" back on the inner edge: every byte of the
 *   reply checked (addresses, MTU field, quote, checksums against a
 *   reference sum), the drop and the reply counted; IPv4 without DF and
 *   packets no error may be sent about are counted drops with no reply;
 *   the token bucket (burst 50, 1000/s) holds on an injected clock;
 * - TCP MSS clamping: SYN and SYN-ACK, IPv4 and IPv6, clamped before
 *   sealing and after opening; non-SYNs, smaller MSS, fragments and
 *   malformed options untouched; 20 000 random mutations never break a
 *   checksum or change anything but the MSS;
 * - ICMP errors arriving on the outer port are counted, never forwarded;
 * - the inner.mss_clamp and inner.port_mtu keys: values and errors.
 */

#include <stdlib.h>
#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "pl_private.h"
#include "wgc_conf.h"
#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_pipeline.h"
#include "wgc_test.h"
#include "test_ref.h"
#include "pipeline_rig.h"

#define MTU 1420
#define MSS4 1380
#define MSS6 1360

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct rte_ring *wire_ab, *wire_ba;
static struct dev A, B;
static struct ring_edge l2e;            /* A's inner edge: Ethernet */
static struct wgc_pipeline_edge l2edge = { ring_rx, ring_tx, &l2e };
static uint64_t fake_ns;

static const uint8_t router_mac[6] = { 0x02, 0xaa, 0, 0, 0, 0x01 };
static const uint8_t a_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };  /* rig: A */
static const uint8_t icmp_src4[4] = { 10, 0, 1, 254 };
static const uint8_t h1[16] = { 0xfd, 0x01, [15] = 5 };     /* A side */
static const uint8_t h2[16] = { 0xfd, 0x02, [15] = 9 };     /* B side */

static uint64_t
fake_clock(void)
{
	return fake_ns;
}

static uint64_t
fake_wall_clock(void)
{
	return 1767225600ULL * WGC_NSEC_PER_SEC + fake_ns;
}

/* A: MSS clamping on, an IPv4 ICMP source; IPv6 errors come from the
 * offending packet's destination */
static void
conf_a(struct wgc_pipeline_conf *pc)
{
	pc->mss4 = MSS4;
	pc->mss6 = MSS6;
	pc->icmp_src4.family = AF_INET;
	memcpy(&pc->icmp_src4.ip4, icmp_src4, 4);
}

static int
add_prefix6(struct dev *d, struct wgc_peer *p, uint8_t net)
{
	struct wgc_prefix pf = { .addr.family = AF_INET6, .len = 64,
		.addr.bytes = { 0xfd, net } };
	int r;

	wgc_peers_lock(d->peers);
	r = wgc_peers_prefix_add(d->peers, p, &pf);
	wgc_peers_unlock(d->peers);
	return r;
}

static int
im_setup(void)
{
	struct wgc_peer *pa, *pb;

	pool = rte_pktmbuf_pool_create("t_im_pool", 2047, 32, 0,
		wgc_iobuf_data_room(1600), SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	wire_ab = rte_ring_create("t_im_ab", RING_SZ, SOCKET_ID_ANY, 0);
	wire_ba = rte_ring_create("t_im_ba", RING_SZ, SOCKET_ID_ANY, 0);
	if (wire_ab == NULL || wire_ba == NULL)
		return TEST_FAILED;
	fake_ns = 1000 * WGC_NSEC_PER_SEC;
	rig_clock = fake_clock;
	rig_wall_clock = fake_wall_clock;
	rig_inner = &l2edge;
	rig_inner_l2 = true;
	rig_conf = conf_a;
	TEST_CHECK(dev_init(&A, "t_ima", 0x11, 1, wire_ba, wire_ab, pool, &rc));
	rig_inner = NULL;
	rig_inner_l2 = false;
	rig_conf = NULL;
	TEST_CHECK(dev_init(&B, "t_imb", 0x22, 2, wire_ab, wire_ba, pool, &rc));
	rig_clock = NULL;
	rig_wall_clock = NULL;
	l2e.rx = A.inner_in;
	l2e.tx = A.inner_out;
	l2e.rc = &rc;
	pa = add_peer(&A, B.pub, 2, 2);
	pb = add_peer(&B, A.pub, 1, 0);
	if (pa == NULL || pb == NULL || add_prefix6(&A, pa, 2) != 0 ||
			add_prefix6(&B, pb, 1) != 0)
		return TEST_FAILED;
	return TEST_SUCCESS;
}

static void
im_teardown(void)
{
	dev_fini(&A);
	dev_fini(&B);
	ring_drain(wire_ab);
	ring_drain(wire_ba);
	rte_ring_free(wire_ab);
	rte_ring_free(wire_ba);
	rte_mempool_free(pool);
	wire_ab = wire_ba = NULL;
	pool = NULL;
}

/* ---- reference checksums and packet builders ---- */

/* the L4 checksum of an IPv4 or IPv6 packet, pseudo-header included:
 * 0 when the stored checksum is right */
static uint16_t
ref_l4(const uint8_t *ip)
{
	uint32_t s, l4, len;

	if ((ip[0] >> 4) == 4) {
		l4 = (ip[0] & 0xfu) * 4;
		len = get16(ip + 2) - l4;
		s = ref_sum(ip + 12, 8, 0) + ip[9] + len;
	} else {
		l4 = 40;
		len = get16(ip + 4);
		s = ref_sum(ip + 8, 32, 0) + ip[6] + len;
	}
	return ref_fold(ref_sum(ip + l4, len, s));
}

/* an IPv4 header; total length tot, DF if df */
static void
mk_ip4(uint8_t *ip, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		uint16_t tot, bool df)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, tot);
	put16(ip + 4, 0x1234);
	if (df)
		ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, ref_fold(ref_sum(ip, 20, 0)));
}

static void
mk_ip6(uint8_t *ip, const uint8_t *src, const uint8_t *dst, uint8_t nh,
		uint16_t plen)
{
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, plen);
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/* fill the L4 part (after the header) with a pattern and, for UDP,
 * a header with a valid checksum */
static void
fill_udp(uint8_t *ip)
{
	uint32_t l4 = (ip[0] >> 4) == 4 ? (ip[0] & 0xfu) * 4 : 40;
	uint32_t len = (ip[0] >> 4) == 4 ? get16(ip + 2) - l4 : get16(ip + 4);
	uint8_t *u = ip + l4;
	uint32_t i;

	put16(u, 1000);
	put16(u + 2, 2000);
	put16(u + 4, (uint16_t)len);
	put16(u + 6, 0);
	for (i = 8; i < len; i++)
		u[i] = (uint8_t)(i * 7 + 3);
	put16(u + 6, ref_l4(ip));
}

/* a frame for A's Ethernet inner edge holding an IP packet of len bytes;
 * returns the IP header to fill in */
static uint8_t *
frame(struct rte_mbuf **mp, uint16_t len, bool v6)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d;

	*mp = m;
	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + len));
	if (d == NULL)
		return NULL;
	memcpy(d, a_mac, 6);
	memcpy(d + 6, router_mac, 6);
	put16(d + 12, v6 ? 0x86dd : 0x0800);
	return d + 14;
}

static int
inject(struct rte_ring *r, struct rte_mbuf *m)
{
	TEST_ASSERT_NOT_NULL(m, "alloc");
	TEST_ASSERT_SUCCESS(rte_ring_enqueue(r, m), "inject");
	return TEST_SUCCESS;
}

static struct wgc_pipeline_stats
stats(struct dev *d)
{
	struct wgc_pipeline_stats st;

	wgc_pipeline_stats_get(d->pl, 0, &st);
	return st;
}

/* ---- too big: ICMP errors back to the sender ---- */

/* check the fragmentation-needed frame in m about the packet orig */
static int
check_frag_needed(struct rte_mbuf *m, const uint8_t *orig,
		const uint8_t *src)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = d + 14, *ic = ip + 20;

	TEST_ASSERT_EQUAL(m->data_len, 14u + 576, "frame length");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(d, router_mac, 6, "to the router");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(d + 6, a_mac, 6, "from our port");
	TEST_ASSERT_EQUAL(get16(d + 12), 0x0800, "ethertype");
	TEST_ASSERT_EQUAL(ip[0], 0x45, "version, IHL");
	TEST_ASSERT_EQUAL(get16(ip + 2), 576, "total length (RFC 1812)");
	TEST_ASSERT_EQUAL(ip[9], 1, "ICMP");
	TEST_ASSERT(ip[8] > 0, "TTL");
	TEST_ASSERT_EQUAL(ref_fold(ref_sum(ip, 20, 0)), 0, "IP checksum");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 12, src, 4, "source");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 16, orig + 12, 4,
		"to the sender");
	TEST_ASSERT_EQUAL(ic[0], 3, "destination unreachable");
	TEST_ASSERT_EQUAL(ic[1], 4, "fragmentation needed");
	TEST_ASSERT_EQUAL(get16(ic + 4), 0, "unused");
	TEST_ASSERT_EQUAL(get16(ic + 6), MTU, "next-hop MTU");
	TEST_ASSERT_EQUAL(ref_fold(ref_sum(ic, 556, 0)), 0, "ICMP checksum");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ic + 8, orig, 548, "quote");
	return TEST_SUCCESS;
}

static int
check_ptb(struct rte_mbuf *m, const uint8_t *orig)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = d + 14, *ic = ip + 40;

	TEST_ASSERT_EQUAL(m->data_len, 14u + 1280, "frame length");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(d, router_mac, 6, "to the router");
	TEST_ASSERT_EQUAL(get16(d + 12), 0x86dd, "ethertype");
	TEST_ASSERT_EQUAL(ip[0] >> 4, 6, "version");
	TEST_ASSERT_EQUAL(get16(ip + 4), 1240, "payload length (RFC 4443)");
	TEST_ASSERT_EQUAL(ip[6], 58, "ICMPv6");
	TEST_ASSERT(ip[7] > 0, "hop limit");
	/* no inner IPv6 address configured: from the packet's destination */
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 8, orig + 24, 16, "source");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 24, orig + 8, 16, "to the sender");
	TEST_ASSERT_EQUAL(ic[0], 2, "packet too big");
	TEST_ASSERT_EQUAL(ic[1], 0, "code");
	TEST_ASSERT_EQUAL((uint32_t)get16(ic + 4) << 16 | get16(ic + 6),
		(uint32_t)MTU, "MTU");
	TEST_ASSERT_EQUAL(ref_l4(ip), 0, "ICMPv6 checksum");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ic + 8, orig, 1232, "quote");
	return TEST_SUCCESS;
}

/* inject m on A's inner side, poll A's worker once, take what came back */
static unsigned int
poll_back(struct rte_mbuf **out, unsigned int max)
{
	wgc_pipeline_worker_poll(A.pl, 0);
	wgc_pipeline_worker_poll(A.pl, 0);
	return rte_ring_dequeue_burst(A.inner_out, (void **)out, max, NULL);
}

static int
test_too_big(void)
{
	static const uint8_t s4[4] = { 10, 0, 1, 5 }, d4[4] = { 10, 0, 2, 9 };
	static const uint8_t mc4[4] = { 224, 0, 0, 1 };
	uint8_t orig[1500];
	struct wgc_pipeline_stats st0, st;
	struct rte_mbuf *m, *out[64];
	uint8_t *ip;
	unsigned int n, i;

	st0 = stats(&A);

	/* IPv4 with DF, 1500 bytes: fragmentation needed, from inner addr */
	ip = frame(&m, 1500, false);
	TEST_ASSERT_NOT_NULL(ip, "alloc");
	mk_ip4(ip, s4, d4, IPPROTO_UDP, 1500, true);
	fill_udp(ip);
	memcpy(orig, ip, 1500);
	TEST_CHECK(inject(A.inner_in, m));
	n = poll_back(out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(n, 1u, "one ICMP error back");
	TEST_CHECK(check_frag_needed(out[0], orig, icmp_src4));
	rte_pktmbuf_free(out[0]);
	st = stats(&A);
	TEST_ASSERT_EQUAL(st.drop[WGC_PL_DROP_TOO_BIG] -
		st0.drop[WGC_PL_DROP_TOO_BIG], 1u, "too_big");
	TEST_ASSERT_EQUAL(st.icmp_tx - st0.icmp_tx, 1u, "icmp_tx");
	TEST_ASSERT_EQUAL(rte_ring_count(wire_ab), 0u, "nothing sealed");

	/* 1421 bytes is too big; 1420 is not (staged for the handshake) */
	ip = frame(&m, MTU + 1, false);
	TEST_ASSERT_NOT_NULL(ip, "alloc");
	mk_ip4(ip, s4, d4, IPPROTO_UDP, MTU + 1, true);
	fill_udp(ip);
	TEST_CHECK(inject(A.inner_in, m));
	ip = frame(&m, MTU, false);
	TEST_ASSERT_NOT_NULL(ip, "alloc");
	mk_ip4(ip, s4, d4, IPPROTO_UDP, MTU, true);
	fill_udp(ip);
	TEST_CHECK(inject(A.inner_in, m));
	n = poll_back(out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(n, 1u, "one error, for MTU + 1");
	rte_pktmbuf_free(out[0]);
	st = stats(&A);
	TEST_ASSERT_EQUAL(st.staged - st0.staged, 1u, "MTU-sized staged");

	/* IPv4 without DF: a counted drop, no error */
	ip = frame(&m, 1500, false);
	TEST_ASSERT_NOT_NULL(ip, "alloc");
	mk_ip4(ip, s4, d4, IPPROTO_UDP, 1500, false);
	fill_udp(ip);
	TEST_CHECK(inject(A.inner_in, m));
	n = poll_back(out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(n, 0u, "no error without DF");
	st = stats(&A);
	TEST_ASSERT_EQUAL(st.drop[WGC_PL_DROP_TOO_BIG_NO_DF] -
		st0.drop[WGC_PL_DROP_TOO_BIG_NO_DF], 1u, "too_big_no_df");

	/* IPv6, 1500 bytes: packet too big, from the destination */
	ip = frame(&m, 1500, true);
	TEST_ASSERT_NOT_NULL(ip, "alloc");
	mk_ip6(ip, h1, h2, IPPROTO_UDP, 1460);
	fill_udp(ip);
	memcpy(orig, ip, 1500);
	TEST_CHECK(inject(A.inner_in, m));
	n = poll_back(out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(n, 1u, "one ICMPv6 error back");
	TEST_CHECK(check_ptb(out[0], orig));
	rte_pktmbuf_free(out[0]);

	/* no error about an ICMP error, from a multicast source, about a
	 * non-first fragment, or about an ICMPv6 error */
	ip = frame(&m, 1500, false);
	TEST_ASSERT_NOT_NULL(ip, "alloc");
	mk_ip4(ip, s4, d4, IPPROTO_ICMP, 1500, true);
	memset(ip + 20, 0, 8);
	ip[20] = 3;
	TEST_CHECK(inject(A.inner_in, m));
	ip = frame(&m, 1500, false);
	TEST_ASSERT_NOT_NULL(ip, "alloc");
	mk_ip4(ip, mc4, d4, IPPROTO_UDP, 1500, true);
	TEST_CHECK(inject(A.inner_in, m));
	ip = frame(&m, 1500, false);
	TEST_ASSERT_NOT_NULL(ip, "alloc");
	mk_ip4(ip, s4, d4, IPPROTO_UDP, 1500, true);
	put16(ip + 6, 0x4000 | 185);
	TEST_CHECK(inject(A.inner_in, m));
	ip = frame(&m, 1500, true);
	TEST_ASSERT_NOT_NULL(ip, "alloc");
	mk_ip6(ip, h1, h2, 58, 1460);
	ip[40] = 1;
	TEST_CHECK(inject(A.inner_in, m));
	n = poll_back(out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(n, 0u, "no error about those");
	st = stats(&A);
	TEST_ASSERT_EQUAL(st.drop[WGC_PL_DROP_TOO_BIG] -
		st0.drop[WGC_PL_DROP_TOO_BIG], 7u, "all too_big");
	TEST_ASSERT_EQUAL(st.icmp_tx - st0.icmp_tx, 3u, "three errors");

	/* the bucket: refilled after a second, 50 in a burst, then one per
	 * millisecond */
	fake_ns += WGC_NSEC_PER_SEC;
	st0 = stats(&A);
	for (i = 0; i < 60; i++) {
		ip = frame(&m, 1500, false);
		TEST_ASSERT_NOT_NULL(ip, "alloc");
		mk_ip4(ip, s4, d4, IPPROTO_UDP, 1500, true);
		TEST_CHECK(inject(A.inner_in, m));
	}
	n = poll_back(out, RTE_DIM(out));
	rte_pktmbuf_free_bulk(out, n);
	TEST_ASSERT_EQUAL(n, 50u, "a burst of 50");
	st = stats(&A);
	TEST_ASSERT_EQUAL(st.icmp_rate_limited - st0.icmp_rate_limited, 10u,
		"10 over the rate");
	TEST_ASSERT_EQUAL(st.drop[WGC_PL_DROP_TOO_BIG] -
		st0.drop[WGC_PL_DROP_TOO_BIG], 60u, "every one dropped");
	fake_ns += WGC_NSEC_PER_SEC / 1000;
	for (i = 0; i < 3; i++) {
		ip = frame(&m, 1500, false);
		TEST_ASSERT_NOT_NULL(ip, "alloc");
		mk_ip4(ip, s4, d4, IPPROTO_UDP, 1500, true);
		TEST_CHECK(inject(A.inner_in, m));
	}
	n = poll_back(out, RTE_DIM(out));
	rte_pktmbuf_free_bulk(out, n);
	TEST_ASSERT_EQUAL(n, 1u, "one more after 1 ms");

	/* every buffer back once the staged packet goes */
	wgc_peer_stage_purge(A.peers, wgc_peers_route4(wgc_peers_fast(A.peers),
		rte_cpu_to_be_32(WGC_TEST_IPV4(10, 0, 2, 9))));
	TEST_ASSERT(rte_mempool_full(pool), "pool full (%u in use)",
		rte_mempool_in_use_count(pool));
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(inner_too_big_autotest, fast, im_setup, test_too_big,
	im_teardown);

/* ---- outer ICMP errors ---- */

static int
test_outer_icmp(void)
{
	static const uint8_t gw[4] = { 192, 0, 2, 254 };
	static const uint8_t us[4] = { 192, 0, 2, 1 };
	static const uint8_t far[4] = { 198, 51, 100, 7 };
	struct rte_mbuf *m;
	struct wgc_net_stats ns0, ns;
	uint8_t *d, *ip, *ic;
	unsigned int k;

	wgc_net_stats_get(A.net, &ns0);
	for (k = 0; k < 2; k++) {
		m = rte_pktmbuf_alloc(pool);
		TEST_ASSERT_NOT_NULL(m, "alloc");
		d = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8 + 28);
		memcpy(d, a_mac, 6);
		memcpy(d + 6, router_mac, 6);
		put16(d + 12, 0x0800);
		ip = d + 14;
		ic = ip + 20;
		mk_ip4(ip, gw, us, IPPROTO_ICMP, 56, false);
		memset(ic, 0, 8);
		ic[0] = 3;
		ic[1] = 4;
		put16(ic + 6, 1400);
		mk_ip4(ic + 8, us, far, IPPROTO_UDP, 1500, false);
		put16(ic + 28, 51820);
		put16(ic + 30, 51820);
		if (k == 1)
			ic[9] ^= 0x40;  /* a bad checksum */
		put16(ic + 2, ref_fold(ref_sum(ic, 36, 0)));
		if (k == 1)
			ic[9] ^= 0x40;
		TEST_CHECK(inject(wire_ba, m));
	}
	wgc_pipeline_worker_poll(A.pl, 0);
	wgc_pipeline_main_poll(A.pl);
	wgc_net_stats_get(A.net, &ns);
	TEST_ASSERT_EQUAL(ns.rx_icmp_error - ns0.rx_icmp_error, 1u,
		"the error counted");
	TEST_ASSERT_EQUAL(ns.drop[WGC_NET_DROP_ICMP_ERROR] -
		ns0.drop[WGC_NET_DROP_ICMP_ERROR], 1u, "the bad one dropped");
	TEST_ASSERT_EQUAL(rte_ring_count(A.inner_out), 0u, "not forwarded");
	TEST_ASSERT_EQUAL(stats(&A).wg_rx, 0u, "not for WireGuard");
	ring_drain(wire_ab);    /* gateway resolution, if any */
	TEST_ASSERT(rte_mempool_full(pool), "pool full");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(inner_outer_icmp_autotest, fast, im_setup,
	test_outer_icmp, im_teardown);

/* ---- TCP MSS clamping ---- */

/* TCP options: MSS first (even offset), or after a NOP (odd offset) */
static const uint8_t opts_even[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10,
	0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
static const uint8_t opts_odd[8] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 0 };

/*
 * A TCP segment in buf (IPv4 or IPv6 by v6) with the given flags and
 * options and 10 bytes of data, valid checksums. Returns its length.
 */
static uint32_t
mk_tcp(uint8_t *buf, bool v6, const uint8_t *src, const uint8_t *dst,
		uint8_t flags, const uint8_t *opts, uint32_t olen)
{
	uint32_t l3 = v6 ? 40 : 20, thl = 20 + olen, len = l3 + thl + 10;
	uint8_t *t = buf + l3;
	uint32_t i;

	if (v6)
		mk_ip6(buf, src, dst, IPPROTO_TCP, (uint16_t)(thl + 10));
	else
		mk_ip4(buf, src, dst, IPPROTO_TCP, (uint16_t)len, true);
	memset(t, 0, 20);
	put16(t, 40000);
	put16(t + 2, 443);
	put16(t + 4, 0x1234);
	t[12] = (uint8_t)(thl / 4 << 4);
	t[13] = flags;
	put16(t + 14, 64240);
	memcpy(t + 20, opts, olen);
	for (i = 0; i < 10; i++)
		t[thl + i] = (uint8_t)(0x30 + i);
	put16(t + 16, ref_l4(buf));
	return len;
}

/* MSS value in the segment at ip (first MSS option), 0 if none */
static uint16_t
mss_of(const uint8_t *ip)
{
	const uint8_t *t = ip + ((ip[0] >> 4) == 4 ? 20 : 40);
	uint32_t thl = (t[12] >> 4) * 4u, i = 20;

	while (i + 1 < thl) {
		if (t[i] == 0)
			break;
		if (t[i] == 1) {
			i++;
			continue;
		}
		if (t[i] == 2)
			return get16(t + i + 2);
		i += t[i + 1] ? t[i + 1] : 1;
	}
	return 0;
}

/* clamp buf (exactly len bytes on the heap: ASan sees any overread) and
 * return whether it changed; *same: nothing but MSS + checksum changed */
static bool
clamp_copy(const uint8_t *buf, uint32_t len, uint16_t mss4, uint16_t mss6,
		uint8_t *res, bool *same)
{
	uint8_t *h = malloc(len);
	bool r;
	uint32_t i, l4 = (buf[0] >> 4) == 4 ? 20 : 40;

	memcpy(h, buf, len);
	r = pl_mss_clamp(h, len, mss4, mss6);
	*same = true;
	for (i = 0; i < len; i++)
		if (h[i] != buf[i] && i != l4 + 16 && i != l4 + 17 &&
				!(r && i >= l4 + 20 && i < l4 + 40))
			*same = false;
	memcpy(res, h, len);
	free(h);
	return r;
}

static int
test_mss_unit(void)
{
	static const uint8_t s4[4] = { 10, 0, 1, 5 }, d4[4] = { 10, 0, 2, 9 };
	uint8_t buf[128], res[128], bad[20];
	uint32_t len, k, changed = 0;
	bool same;

	/* SYN and SYN-ACK, both option layouts, both families */
	for (k = 0; k < 8; k++) {
		bool v6 = k & 1, odd = k & 2;
		uint8_t flags = (k & 4) ? 0x12 : 0x02;

		len = mk_tcp(buf, v6, v6 ? h1 : s4, v6 ? h2 : d4, flags,
			odd ? opts_odd : opts_even, odd ? 8 : 20);
		TEST_ASSERT_EQUAL(ref_l4(buf), 0, "built valid");
		TEST_ASSERT(clamp_copy(buf, len, MSS4, MSS6, res, &same),
			"case %u clamped", k);
		TEST_ASSERT(same, "case %u: only the MSS changed", k);
		TEST_ASSERT_EQUAL(mss_of(res), v6 ? MSS6 : MSS4, "case %u", k);
		TEST_ASSERT_EQUAL(ref_l4(res), 0, "case %u: checksum", k);
		/* the family not configured is left alone */
		TEST_ASSERT(!clamp_copy(buf, len, v6 ? MSS4 : 0,
			v6 ? 0 : MSS6, res, &same) && memcmp(res, buf, len) == 0,
			"case %u: family off", k);
	}
	/* a smaller MSS stays; a non-SYN is not touched */
	len = mk_tcp(buf, false, s4, d4, 0x02, opts_even, 20);
	TEST_ASSERT(!clamp_copy(buf, len, 1460, 0, res, &same), "1460 stays");
	TEST_ASSERT(!clamp_copy(buf, len, 1600, 0, res, &same), "below");
	len = mk_tcp(buf, false, s4, d4, 0x10, opts_even, 20);
	TEST_ASSERT(!clamp_copy(buf, len, MSS4, 0, res, &same) &&
		memcmp(res, buf, len) == 0, "ACK untouched");
	/* a fragment, IPv6 with an extension header: untouched */
	len = mk_tcp(buf, false, s4, d4, 0x02, opts_even, 20);
	buf[6] |= 0x20;
	TEST_ASSERT(!clamp_copy(buf, len, MSS4, 0, res, &same), "fragment");
	len = mk_tcp(buf, true, h1, h2, 0x02, opts_even, 20);
	buf[6] = 0;
	TEST_ASSERT(!clamp_copy(buf, len, 0, MSS6, res, &same), "hop-by-hop");

	/* malformed options: untouched */
	memcpy(bad, opts_odd, 8);
	bad[2] = 0;     /* MSS length 0 */
	len = mk_tcp(buf, false, s4, d4, 0x02, bad, 8);
	TEST_ASSERT(!clamp_copy(buf, len, MSS4, 0, res, &same) &&
		memcmp(res, buf, len) == 0, "option length 0");
	bad[2] = 3;     /* MSS length 3 */
	len = mk_tcp(buf, false, s4, d4, 0x02, bad, 8);
	TEST_ASSERT(!clamp_copy(buf, len, MSS4, 0, res, &same), "length 3");
	memcpy(bad, opts_even, 20);
	bad[16] = 5;    /* runs past the header */
	bad[17] = 40;
	memmove(bad, bad + 16, 4);
	len = mk_tcp(buf, false, s4, d4, 0x02, bad, 4);
	TEST_ASSERT(!clamp_copy(buf, len, MSS4, 0, res, &same), "overrun");
	/* MSS option cut by the header end, header longer than the packet,
	 * a packet cut inside the TCP header */
	memcpy(bad, (const uint8_t[]){ 1, 1, 2, 4 }, 4);
	len = mk_tcp(buf, false, s4, d4, 0x02, bad, 4);
	TEST_ASSERT(!clamp_copy(buf, len, MSS4, 0, res, &same), "cut MSS");
	len = mk_tcp(buf, false, s4, d4, 0x02, opts_even, 20);
	TEST_ASSERT(!clamp_copy(buf, 20 + 30, MSS4, 0, res, &same),
		"short buffer");
	buf[32] = 0xf0; /* data offset 60 > segment */
	TEST_ASSERT(!clamp_copy(buf, len, MSS4, 0, res, &same), "doff");
	buf[32] = 0x40; /* data offset 16 < 20 */
	TEST_ASSERT(!clamp_copy(buf, len, MSS4, 0, res, &same), "doff 4");

	/* random damage never breaks a checksum nor changes anything but
	 * the MSS (and the checksum) */
	for (k = 0; k < 20000; k++) {
		bool v6 = k & 1;
		uint32_t j, cut;

		len = mk_tcp(buf, v6, v6 ? h1 : s4, v6 ? h2 : d4,
			(uint8_t)(rte_rand() | 0x02),
			(k & 2) ? opts_odd : opts_even, (k & 2) ? 8 : 20);
		for (j = 0; j < 1 + rte_rand_max(4); j++)
			buf[(v6 ? 40 : 20) + 12 + rte_rand_max(28)] =
				(uint8_t)rte_rand();
		if (v6)
			put16(buf + 4, (uint16_t)(len - 40));
		put16(buf + (v6 ? 56 : 36), 0);
		put16(buf + (v6 ? 56 : 36), ref_l4(buf));
		cut = len - (uint32_t)rte_rand_max(2) *
			(uint32_t)rte_rand_max(len);
		if (cut < 20)
			cut = 20;
		if (clamp_copy(buf, cut, MSS4, MSS6, res, &same)) {
			changed++;
			TEST_ASSERT_EQUAL(ref_l4(res), 0, "mutation %u", k);
			TEST_ASSERT(mss_of(res) == (v6 ? MSS6 : MSS4),
				"mutation %u: MSS", k);
		}
		TEST_ASSERT(same, "mutation %u: other bytes changed", k);
	}
	printf("mss: %u of 20000 damaged SYNs still clamped\n", changed);
	TEST_ASSERT(changed > 0, "some damaged SYNs still clamped");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(inner_mss_clamp_autotest, fast, test_mss_unit);

/* run both pipelines until `to` has a packet, which is returned */
static struct rte_mbuf *
through(struct rte_ring *in, struct rte_mbuf *m, struct rte_ring *to)
{
	void *o = NULL;
	unsigned int r;

	if (m == NULL || rte_ring_enqueue(in, m) != 0)
		return NULL;
	for (r = 0; r < 200; r++) {
		wgc_pipeline_worker_poll(A.pl, 0);
		wgc_pipeline_main_poll(A.pl);
		wgc_pipeline_worker_poll(B.pl, 0);
		wgc_pipeline_main_poll(B.pl);
		if (rte_ring_dequeue(to, &o) == 0)
			return o;
	}
	return NULL;
}

/* both directions: A clamps before sealing (A -> B) and after opening
 * (B -> A); B clamps nothing */
static int
test_mss_tunnel(void)
{
	static const uint8_t s4[4] = { 10, 0, 1, 5 }, d4[4] = { 10, 0, 2, 9 };
	static const uint8_t flags[2] = { 0x02, 0x12 };
	uint8_t seg[128];
	struct rte_mbuf *m, *got;
	uint64_t clamped0 = stats(&A).mss_clamped;
	unsigned int k;
	uint32_t len;

	for (k = 0; k < 8; k++) {
		bool v6 = k & 1, a_to_b = (k & 2) == 0;
		const uint8_t *ip;
		uint8_t *p;

		/* from the A side: A inner -> B inner; else the reverse */
		len = mk_tcp(seg, v6,
			a_to_b ? (v6 ? h1 : s4) : (v6 ? h2 : d4),
			a_to_b ? (v6 ? h2 : d4) : (v6 ? h1 : s4),
			flags[(k >> 2) & 1], opts_odd, 8);
		if (a_to_b) {
			p = frame(&m, (uint16_t)len, v6);
			TEST_ASSERT_NOT_NULL(p, "alloc");
			memcpy(p, seg, len);
			got = through(A.inner_in, m, B.inner_out);
		} else {
			m = rte_pktmbuf_alloc(pool);
			TEST_ASSERT_NOT_NULL(m, "alloc");
			p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
			memcpy(p, seg, len);
			got = through(B.inner_in, m, A.inner_out);
		}
		TEST_ASSERT_NOT_NULL(got, "case %u delivered", k);
		ip = rte_pktmbuf_mtod(got, const uint8_t *) + (a_to_b ? 0 : 14);
		TEST_ASSERT_EQUAL(got->data_len, (a_to_b ? 0 : 14) + len,
			"case %u: length", k);
		TEST_ASSERT_EQUAL(mss_of(ip), v6 ? MSS6 : MSS4,
			"case %u: MSS clamped", k);
		TEST_ASSERT_EQUAL(ref_l4(ip), 0, "case %u: checksum", k);
		rte_pktmbuf_free(got);
	}
	TEST_ASSERT_EQUAL(stats(&A).mss_clamped - clamped0, 8u, "counted");
	/* a plain ACK carrying an MSS option goes through untouched */
	len = mk_tcp(seg, false, d4, s4, 0x10, opts_odd, 8);
	m = rte_pktmbuf_alloc(pool);
	TEST_ASSERT_NOT_NULL(m, "alloc");
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), seg, len);
	got = through(B.inner_in, m, A.inner_out);
	TEST_ASSERT_NOT_NULL(got, "ACK delivered");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(rte_pktmbuf_mtod(got, uint8_t *) + 14,
		seg, len, "ACK untouched");
	rte_pktmbuf_free(got);
	TEST_ASSERT_EQUAL(stats(&A).mss_clamped - clamped0, 8u, "not counted");
	ring_drain(wire_ab);
	ring_drain(wire_ba);
	TEST_ASSERT(rte_mempool_full(pool), "pool full (%u in use)",
		rte_mempool_in_use_count(pool));
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(inner_mss_tunnel_autotest, fast, im_setup,
	test_mss_tunnel, im_teardown);

/* ---- configuration: inner.mss_clamp, inner.port_mtu ---- */

static int
conf_ok(const char *json, uint16_t mss_clamp, uint16_t port_mtu)
{
	struct wgc_startup_conf c;
	struct wgc_conf_error err;

	memset(&err, 0, sizeof(err));
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, json, strlen(json),
		&err), "%s: %s", json, err.msg);
	TEST_ASSERT_EQUAL(c.inner.mss_clamp, mss_clamp, "%s: mss_clamp",
		json);
	TEST_ASSERT_EQUAL(c.inner.port_mtu, port_mtu, "%s: port_mtu", json);
	wgc_startup_conf_free(&c);
	return TEST_SUCCESS;
}

static int
conf_bad(const char *json, const char *want)
{
	struct wgc_startup_conf c;
	struct wgc_conf_error err;

	memset(&err, 0, sizeof(err));
	TEST_ASSERT_FAIL(wgc_startup_conf_parse(&c, json, strlen(json), &err),
		"%s accepted", json);
	TEST_ASSERT(strstr(err.msg, want) != NULL, "%s: \"%s\" lacks \"%s\"",
		json, err.msg, want);
	return TEST_SUCCESS;
}

static int
test_conf_keys(void)
{
	TEST_CHECK(conf_ok("{}", WGC_MSS_CLAMP_OFF, 0));
	TEST_CHECK(conf_ok("{\"inner\": {\"mss_clamp\": \"off\"}}",
		WGC_MSS_CLAMP_OFF, 0));
	TEST_CHECK(conf_ok("{\"inner\": {\"mss_clamp\": \"auto\"}}",
		WGC_MSS_CLAMP_AUTO, 0));
	TEST_CHECK(conf_ok("{\"inner\": {\"mss_clamp\": 1300}}", 1300, 0));
	TEST_CHECK(conf_ok("{\"inner\": {\"mss_clamp\": 536, "
		"\"port_mtu\": 9000, \"type\": \"ethdev\"}}", 536, 9000));
	TEST_CHECK(conf_ok("{\"inner\": {\"port_mtu\": 1420, "
		"\"type\": \"virtio_user\", \"name\": \"/tmp/x\"}}",
		WGC_MSS_CLAMP_OFF, 1420));
	TEST_CHECK(conf_bad("{\"inner\": {\"port_mtu\": 1500}}",
		"inner.port_mtu: only for the ethdev and virtio_user"));
	TEST_CHECK(conf_bad("{\"inner\": {\"mss_clamp\": \"on\"}}",
		"inner.mss_clamp: \"on\" is not one of off, auto"));
	TEST_CHECK(conf_bad("{\"inner\": {\"mss_clamp\": 535}}",
		"inner.mss_clamp: 535 out of range 536..9000"));
	TEST_CHECK(conf_bad("{\"inner\": {\"mss_clamp\": 9001}}",
		"out of range"));
	TEST_CHECK(conf_bad("{\"inner\": {\"mss_clamp\": 1300.5}}",
		"expected an integer"));
	TEST_CHECK(conf_bad("{\"inner\": {\"mss_clamp\": true}}",
		"inner.mss_clamp: expected \"off\", \"auto\" or an integer"));
	TEST_CHECK(conf_bad("{\"inner\": {\"mss_clamp\": 1, "
		"\"mss_clamp\": 2}}", "mss_clamp"));
	TEST_CHECK(conf_bad("{\"inner\": {\"port_mtu\": 575}}",
		"inner.port_mtu"));
	TEST_CHECK(conf_bad("{\"inner\": {\"port_mtu\": 1400, "
		"\"type\": \"ethdev\"}}",
		"inner.port_mtu: 1400 is below inner.mtu 1420"));
	TEST_CHECK(conf_bad("{\"inner\": {\"port_mtu\": 1400, "
		"\"mtu\": 1500, \"type\": \"ethdev\"}}",
		"below inner.mtu 1500"));
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(inner_conf_autotest, fast, test_conf_keys);
