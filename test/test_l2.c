/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * drivers/l2, the Ethernet adapter of an inner edge, over a scripted lower
 * edge: IPv4/IPv6 frames come out as IP packets at their IP header, in
 * order; ARP, a VLAN-tagged frame, a runt and an empty frame are counted
 * (not_ip) and their buffers are back in the pool at once; the unicast
 * source of IP frames is learnt (not a multicast source, not a non-IP
 * frame's), broadcast until then, and shared by every queue; TX prepends
 * the learnt MAC, the adapter's own and the type of the IP version; a
 * packet without headroom is counted and released, the others still go
 * down.
 */

#include <errno.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_iobuf.h"
#include "wgc_l2.h"
#include "wgc_test.h"
#include "l2_lower.h"

#define NB L2_LOWER_MAX

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct l2_lower lower;
static struct wgc_l2 *l2;

static const struct rte_ether_addr our_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr router = {
	{ 0x02, 0xaa, 0x00, 0x00, 0x00, 0x07 } };
static const struct rte_ether_addr router2 = {
	{ 0x02, 0xbb, 0x00, 0x00, 0x00, 0x08 } };
static const struct rte_ether_addr other = {
	{ 0x02, 0xcc, 0x00, 0x00, 0x00, 0x09 } };
static const struct rte_ether_addr mcast = {
	{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } };

/* the lower edge's tx keeps what it gets (and the queue it came on) */
static uint16_t
fake_tx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	struct l2_lower *f = ctx;
	uint16_t i;

	for (i = 0; i < n && f->nout < NB; i++)
		wgc_view_claim(&f->out[f->nout++], &v[i]);
	f->out_q = q;
	wgc_view_release_all(v + i, n - i);
	return i;
}

/* a frame: Ethernet src, type, then len bytes of payload; the payload
 * starts with the IP version nibble for IPv4/IPv6 types */
static int
queue_frame(const struct rte_ether_addr *src, uint16_t type,
		uint16_t len, uint8_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	uint8_t *p;
	uint16_t i;

	TEST_ASSERT_NOT_NULL(m, "alloc");
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eh) + len);
	TEST_ASSERT_NOT_NULL(eh, "append");
	eh->dst_addr = our_mac;
	eh->src_addr = *src;
	eh->ether_type = rte_cpu_to_be_16(type);
	p = (uint8_t *)(eh + 1);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(tag + i);
	if (len > 0)
		p[0] = type == RTE_ETHER_TYPE_IPV6 ? 0x60 : 0x45;
	wgc_view_from_mbuf(&lower.in[lower.nin++], m, &rc);
	return TEST_SUCCESS;
}

/* raw bytes as a frame (a runt, or nothing at all) */
static int
queue_raw(uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	TEST_ASSERT_NOT_NULL(m, "alloc");
	if (len > 0)
		memset(rte_pktmbuf_append(m, len), 0x08, len);
	wgc_view_from_mbuf(&lower.in[lower.nin++], m, &rc);
	return TEST_SUCCESS;
}

/* an IP packet of len bytes (first byte: version) with headroom room */
static int
make_ip(struct wgc_view *v, uint8_t version, uint16_t len, uint16_t room)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	TEST_ASSERT_NOT_NULL(m, "alloc");
	m->data_off = room;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	TEST_ASSERT_NOT_NULL(p, "append");
	memset(p, 0xab, len);
	p[0] = (uint8_t)(version << 4);
	wgc_view_from_mbuf(v, m, &rc);
	return TEST_SUCCESS;
}

static int
mac_is(const struct rte_ether_addr *want)
{
	struct rte_ether_addr m;

	wgc_l2_peer_mac(l2, &m);
	return rte_is_same_ether_addr(&m, want);
}

static int
l2_setup(void)
{
	struct wgc_l2_conf c = { .mac = our_mac, .socket_id = SOCKET_ID_ANY };

	/* no cache: in-use counts are exact */
	pool = rte_pktmbuf_pool_create("t_l2_pool", 63, 0, 0,
		RTE_PKTMBUF_HEADROOM + 2048, SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	memset(&lower, 0, sizeof(lower));
	c.lower = (struct wgc_pipeline_edge){ l2_lower_rx, fake_tx, &lower };
	l2 = wgc_l2_create(&c);
	return l2 != NULL ? TEST_SUCCESS : TEST_FAILED;
}

static void
l2_teardown(void)
{
	wgc_view_release_all(lower.in, NB);
	wgc_view_release_all(lower.out, NB);
	wgc_l2_free(l2);
	l2 = NULL;
	rte_mempool_free(pool);
	pool = NULL;
}

static int
test_l2_rx(void)
{
	struct wgc_pipeline_edge e = wgc_l2_edge(l2);
	struct rte_ether_addr bcast;
	struct wgc_l2_stats st, q1;
	struct wgc_view v[NB];
	uint16_t n;

	memset(&bcast, 0xff, sizeof(bcast));
	TEST_ASSERT(mac_is(&bcast), "broadcast until learnt");

	/* a burst of everything: only the IP frames come out, in order */
	TEST_CHECK(queue_frame(&other, RTE_ETHER_TYPE_ARP, 28, 1));
	TEST_CHECK(queue_frame(&mcast, RTE_ETHER_TYPE_IPV6, 60, 2));
	TEST_CHECK(queue_frame(&router, RTE_ETHER_TYPE_IPV4, 40, 3));
	TEST_CHECK(queue_raw(RTE_ETHER_HDR_LEN - 1));   /* a runt */
	TEST_CHECK(queue_frame(&other, RTE_ETHER_TYPE_VLAN, 44, 4));
	TEST_CHECK(queue_raw(0));
	TEST_CHECK(queue_frame(&router, RTE_ETHER_TYPE_IPV6, 48, 5));
	n = e.rx(e.ctx, 0, v, NB);
	TEST_ASSERT_EQUAL(n, 3, "three IP frames, got %u", n);
	TEST_ASSERT(v[0].len == 60 && v[0].data[0] == 0x60 &&
		v[0].data[1] == 3, "IPv6 from a multicast source, stripped");
	TEST_ASSERT(v[1].len == 40 && v[1].data[0] == 0x45 &&
		v[1].data[1] == 4, "IPv4, stripped");
	TEST_ASSERT(v[2].len == 48 && v[2].data[0] == 0x60 &&
		v[2].data[1] == 6, "IPv6, stripped");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 3u,
		"the four non-IP buffers are back in the pool");
	TEST_ASSERT(mac_is(&router), "learnt from the IP frames only");
	wgc_l2_stats(l2, &st);
	TEST_ASSERT_EQUAL(st.not_ip, 4u, "not_ip %" PRIu64, st.not_ip);
	TEST_ASSERT_EQUAL(st.learnt, 1u, "learnt once: %" PRIu64, st.learnt);
	wgc_view_release_all(v, n);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u, "pool full");

	/* another queue: its own counters, the same learnt MAC */
	TEST_CHECK(queue_frame(&other, RTE_ETHER_TYPE_ARP, 28, 7));
	TEST_CHECK(queue_frame(&router2, RTE_ETHER_TYPE_IPV4, 20, 8));
	n = e.rx(e.ctx, 1, v, NB);
	TEST_ASSERT_EQUAL(n, 1, "one IP frame on queue 1");
	wgc_view_release_all(v, n);
	TEST_ASSERT(mac_is(&router2), "the router moved: learnt again");
	TEST_ASSERT_SUCCESS(wgc_l2_queue_stats(l2, 1, &q1), "queue 1");
	TEST_ASSERT(q1.not_ip == 1 && q1.learnt == 1, "queue 1 counts");
	TEST_ASSERT_SUCCESS(wgc_l2_queue_stats(l2, 0, &q1), "queue 0");
	TEST_ASSERT(q1.not_ip == 4 && q1.learnt == 1, "queue 0 unchanged");
	TEST_ASSERT_EQUAL(wgc_l2_queue_stats(l2, WGC_L2_QUEUES_MAX, &q1),
		-EINVAL, "no such queue");
	wgc_l2_stats(l2, &st);
	TEST_ASSERT_EQUAL(st.not_ip, 5u, "sum over queues");

	/* a burst of nothing but junk gives nothing */
	TEST_CHECK(queue_raw(3));
	TEST_CHECK(queue_frame(&router, RTE_ETHER_TYPE_ARP, 28, 9));
	TEST_ASSERT_EQUAL(e.rx(e.ctx, 0, v, NB), 0, "no IP frame");
	TEST_ASSERT(mac_is(&router2), "an ARP source is not learnt");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u, "pool full");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(l2_rx_autotest, fast, l2_setup, test_l2_rx,
	l2_teardown);

/* the frame the lower edge got at i: header fields and the payload */
static int
check_frame(uint16_t i, const struct rte_ether_addr *dst, uint16_t type,
		uint16_t iplen)
{
	const struct rte_ether_hdr *eh = (const void *)lower.out[i].data;

	TEST_ASSERT_EQUAL(lower.out[i].len, RTE_ETHER_HDR_LEN + (uint32_t)iplen,
		"frame %u length", i);
	TEST_ASSERT(rte_is_same_ether_addr(&eh->dst_addr, dst),
		"frame %u destination", i);
	TEST_ASSERT(rte_is_same_ether_addr(&eh->src_addr, &our_mac),
		"frame %u source", i);
	TEST_ASSERT_EQUAL(rte_be_to_cpu_16(eh->ether_type), type,
		"frame %u type", i);
	TEST_ASSERT(((const uint8_t *)(eh + 1))[1] == 0xab,
		"frame %u payload", i);
	return TEST_SUCCESS;
}

static int
test_l2_tx(void)
{
	struct wgc_pipeline_edge e = wgc_l2_edge(l2);
	struct rte_ether_addr bcast;
	struct wgc_view v[NB], r[1];
	struct wgc_l2_stats st;

	memset(&bcast, 0xff, sizeof(bcast));
	/* before any frame came in: broadcast */
	TEST_CHECK(make_ip(&v[0], 4, 84, RTE_PKTMBUF_HEADROOM));
	TEST_ASSERT_EQUAL(e.tx(e.ctx, 2, v, 1), 1, "sent");
	TEST_ASSERT(lower.nout == 1 && lower.out_q == 2, "on queue 2");
	TEST_CHECK(check_frame(0, &bcast, RTE_ETHER_TYPE_IPV4, 84));

	/* learn on queue 0, send on queue 1: IPv4, no headroom, IPv6 */
	TEST_CHECK(queue_frame(&router, RTE_ETHER_TYPE_IPV4, 20, 0));
	TEST_ASSERT_EQUAL(e.rx(e.ctx, 0, r, 1), 1, "learnt");
	wgc_view_release_all(r, 1);
	TEST_CHECK(make_ip(&v[0], 4, 60, RTE_PKTMBUF_HEADROOM));
	TEST_CHECK(make_ip(&v[1], 6, 80, RTE_ETHER_HDR_LEN - 1));
	TEST_CHECK(make_ip(&v[2], 6, 1280, RTE_ETHER_HDR_LEN));
	TEST_ASSERT_EQUAL(e.tx(e.ctx, 1, v, 3), 2, "two sent");
	TEST_ASSERT(wgc_view_is_empty(&v[0]) && wgc_view_is_empty(&v[1]) &&
		wgc_view_is_empty(&v[2]), "every view taken");
	TEST_ASSERT_EQUAL(lower.nout, 3, "two more frames below");
	TEST_CHECK(check_frame(1, &router, RTE_ETHER_TYPE_IPV4, 60));
	TEST_CHECK(check_frame(2, &router, RTE_ETHER_TYPE_IPV6, 1280));
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 3u,
		"the packet without headroom is back in the pool");
	TEST_ASSERT_SUCCESS(wgc_l2_queue_stats(l2, 1, &st), "queue 1");
	TEST_ASSERT_EQUAL(st.no_headroom, 1u, "no_headroom counted");

	/* nothing with room: nothing reaches the lower edge */
	TEST_CHECK(make_ip(&v[0], 4, 20, 0));
	TEST_ASSERT_EQUAL(e.tx(e.ctx, 1, v, 1), 0, "none sent");
	TEST_ASSERT_EQUAL(lower.nout, 3, "nothing below");
	wgc_l2_stats(l2, &st);
	TEST_ASSERT_EQUAL(st.no_headroom, 2u, "counted");
	wgc_view_release_all(lower.out, NB);
	lower.nout = 0;
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u, "pool full");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(l2_tx_autotest, fast, l2_setup, test_l2_tx,
	l2_teardown);

static int
test_l2_errors(void)
{
	struct wgc_l2_conf c = { .mac = our_mac, .socket_id = SOCKET_ID_ANY };

	TEST_ASSERT_NULL(wgc_l2_create(NULL), "no conf");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	c.lower = (struct wgc_pipeline_edge){ l2_lower_rx, NULL, &lower };
	TEST_ASSERT_NULL(wgc_l2_create(&c), "no tx");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	wgc_l2_free(NULL);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(l2_errors_autotest, fast, test_l2_errors);
