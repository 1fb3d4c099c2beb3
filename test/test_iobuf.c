/* SPDX-License-Identifier: BSD-3-Clause */

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "wgc_iobuf.h"
#include "wgc_test.h"

#define POOL_N 127

static struct rte_mempool *pool_a, *pool_b;
static struct wgc_recycler rc_a, rc_b, rc_ext;

/* external backings: an array of slots; recycling marks them free */
#define EXT_N 8
static uint8_t ext_mem[EXT_N][256];
static unsigned int ext_out;
static unsigned int ext_calls;

static void
ext_recycle(struct wgc_recycler *r, void * const *b, unsigned int n)
{
	unsigned int *out = r->ctx;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uintptr_t p = (uintptr_t)b[i];

		if (p >= (uintptr_t)ext_mem &&
				p < (uintptr_t)ext_mem + sizeof(ext_mem))
			(*out)--;
	}
	ext_calls++;
}

static int
iobuf_setup(void)
{
	pool_a = rte_pktmbuf_pool_create("t_iobuf_a", POOL_N, 16, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	pool_b = rte_pktmbuf_pool_create("t_iobuf_b", POOL_N, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool_a == NULL || pool_b == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc_a, pool_a);
	wgc_recycler_mempool_init(&rc_b, pool_b);
	wgc_recycler_ext_init(&rc_ext, "ext", ext_recycle, &ext_out);
	ext_out = 0;
	ext_calls = 0;
	return TEST_SUCCESS;
}

static void
iobuf_teardown(void)
{
	rte_mempool_free(pool_a);
	rte_mempool_free(pool_b);
	pool_a = pool_b = NULL;
}

static int
test_iobuf_claim_release(void)
{
	struct wgc_view a, b, empty;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(pool_a);
	TEST_ASSERT_NOT_NULL(m, "alloc");
	TEST_ASSERT_NOT_NULL(rte_pktmbuf_append(m, 100), "append");
	wgc_view_from_mbuf(&a, m, &rc_a);
	TEST_ASSERT_EQUAL(a.len, 100u, "len");
	TEST_ASSERT_EQUAL(a.data, rte_pktmbuf_mtod(m, uint8_t *), "data");
	TEST_ASSERT_EQUAL(a.headroom, RTE_PKTMBUF_HEADROOM, "headroom");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), 1u, "in use");

	memset(&b, 0, sizeof(b));
	wgc_view_claim(&b, &a);
	TEST_ASSERT(wgc_view_is_empty(&a), "source not empty after claim");
	TEST_ASSERT_NULL(a.backing, "source keeps backing");
	TEST_ASSERT_EQUAL(b.backing, (void *)m, "claim lost the backing");
	TEST_ASSERT_EQUAL(b.len, 100u, "claim lost the length");

	/* releasing the empty source must not touch the pool */
	wgc_view_release(&a);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), 1u,
		"empty release freed something");
	memset(&empty, 0, sizeof(empty));
	wgc_view_release_all(&empty, 1);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), 1u,
		"empty release_all freed something");

	wgc_view_release(&b);
	TEST_ASSERT(wgc_view_is_empty(&b), "released view not empty");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), 0u,
		"release did not return the mbuf");
	/* double release is harmless: the view is empty */
	wgc_view_release(&b);
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(pool_a), (unsigned)POOL_N,
		"double release");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(iobuf_claim_release_autotest, fast, iobuf_setup,
	test_iobuf_claim_release, iobuf_teardown);

static int
test_iobuf_mixed_burst(void)
{
	struct wgc_view v[3 * 40];
	struct rte_mbuf *m;
	unsigned int i, n = 0, want_a = 0, want_b = 0;

	/* interleave pool a, pool b and external backings */
	for (i = 0; i < RTE_DIM(v); i++) {
		switch (i % 3) {
		case 0:
			m = rte_pktmbuf_alloc(pool_a);
			TEST_ASSERT_NOT_NULL(m, "alloc a");
			wgc_view_from_mbuf(&v[n++], m, &rc_a);
			want_a++;
			break;
		case 1:
			m = rte_pktmbuf_alloc(pool_b);
			TEST_ASSERT_NOT_NULL(m, "alloc b");
			wgc_view_from_mbuf(&v[n++], m, &rc_b);
			want_b++;
			break;
		default:
			if (ext_out < EXT_N) {
				wgc_view_from_ext(&v[n++], ext_mem[ext_out],
					ext_mem[ext_out], 10, 0, 246, &rc_ext);
				ext_out++;
			} else {
				memset(&v[n++], 0, sizeof(v[0]));
			}
		}
	}
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), want_a, "a out");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_b), want_b, "b out");
	TEST_ASSERT_EQUAL(ext_out, (unsigned)EXT_N, "ext out");

	wgc_view_release_all(v, n);

	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), 0u,
		"pool a not full");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_b), 0u,
		"pool b not full");
	TEST_ASSERT_EQUAL(ext_out, 0u, "external backings not recycled");
	TEST_ASSERT_EQUAL(ext_calls, 1u,
		"external recycler called %u times for one burst", ext_calls);
	for (i = 0; i < n; i++)
		TEST_ASSERT(wgc_view_is_empty(&v[i]), "view %u not empty", i);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(iobuf_mixed_burst_autotest, fast, iobuf_setup,
	test_iobuf_mixed_burst, iobuf_teardown);

/* count bulk calls per recycler to check grouping */
static unsigned int grp_calls;
static void
grp_recycle(struct wgc_recycler *r, void * const *b, unsigned int n)
{
	grp_calls++;
	rte_pktmbuf_free_bulk((struct rte_mbuf **)(uintptr_t)b, n);
}

static int
test_iobuf_release_grouping(void)
{
	struct wgc_recycler ga, gb;
	struct wgc_view v[64];
	struct rte_mbuf *m;
	unsigned int i;

	wgc_recycler_ext_init(&ga, "ga", grp_recycle, NULL);
	wgc_recycler_ext_init(&gb, "gb", grp_recycle, NULL);
	grp_calls = 0;
	for (i = 0; i < RTE_DIM(v); i++) {
		m = rte_pktmbuf_alloc(i & 1 ? pool_b : pool_a);
		TEST_ASSERT_NOT_NULL(m, "alloc");
		wgc_view_from_mbuf(&v[i], m, i & 1 ? &gb : &ga);
	}
	wgc_view_release_all(v, RTE_DIM(v));
	TEST_ASSERT_EQUAL(grp_calls, 2u,
		"64 alternating views took %u bulk calls, want 2", grp_calls);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a) +
		rte_mempool_in_use_count(pool_b), 0u, "pools not full");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(iobuf_release_grouping_autotest, fast, iobuf_setup,
	test_iobuf_release_grouping, iobuf_teardown);

static int
test_iobuf_headroom(void)
{
	/* outer headers: WireGuard 16 + UDP 8 + IPv4 20 / IPv6 40 + Ether 14 */
	static const uint16_t outer[] = { 16, 8, 40, 14 };
	struct wgc_view v;
	uint8_t *inner, *p;
	unsigned int i, total = 0;

	TEST_ASSERT_NOT_NULL(wgc_iobuf_default_pool_create(1420, 255,
		SOCKET_ID_ANY), "default pool");
	TEST_ASSERT_NULL(wgc_iobuf_default_pool_create(1420, 255,
		SOCKET_ID_ANY), "second default pool");
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_iobuf_default_recycler(),
		&v, 1), 1u, "alloc view");
	/* an inner packet of full MTU */
	TEST_ASSERT_NOT_NULL(wgc_view_append(&v, 1420), "MTU fits");
	inner = v.data;
	memset(inner, 0xab, 1420);
	for (i = 0; i < RTE_DIM(outer); i++) {
		p = wgc_view_prepend(&v, outer[i]);
		TEST_ASSERT_NOT_NULL(p, "prepend %u failed", outer[i]);
		total += outer[i];
	}
	TEST_ASSERT_EQUAL(v.data + total, inner, "data moved");
	TEST_ASSERT_EQUAL(v.len, 1420u + total, "len");
	/* padding to 16 and the tag fit in the tailroom */
	TEST_ASSERT_NOT_NULL(wgc_view_append(&v, 4 + 16), "pad + tag");
	/* the inner bytes were not copied or touched */
	for (i = 0; i < 1420; i++)
		TEST_ASSERT_EQUAL(inner[i], 0xab, "inner byte %u", i);
	/* a prepend past the headroom fails and changes nothing */
	TEST_ASSERT_NULL(wgc_view_prepend(&v, v.headroom + 1), "overflow");
	TEST_ASSERT_EQUAL(v.data + total, inner, "failed prepend moved data");
	/* the mbuf agrees with the view when handed to a driver */
	{
		struct wgc_view w = v;
		struct rte_mbuf *m = wgc_view_to_mbuf(&w);

		TEST_ASSERT_EQUAL(rte_pktmbuf_mtod(m, uint8_t *), v.data,
			"mbuf data");
		TEST_ASSERT_EQUAL(m->pkt_len, v.len, "mbuf len");
		TEST_ASSERT(wgc_view_is_empty(&w), "view kept ownership");
		rte_pktmbuf_free(m);
	}
	/* buffers are right-sized: no 64 KiB blobs */
	TEST_ASSERT(rte_pktmbuf_data_room_size(wgc_iobuf_default_pool()) <
		2048 + RTE_PKTMBUF_HEADROOM, "default pool buffers oversized");
	wgc_iobuf_default_pool_free();
	TEST_ASSERT_NULL(wgc_iobuf_default_pool(), "pool still set");
	TEST_ASSERT_NULL(wgc_iobuf_default_pool_create(100, 0, SOCKET_ID_ANY),
		"MTU 100 accepted");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(iobuf_headroom_autotest, fast, test_iobuf_headroom);

static int
test_iobuf_alloc_bulk_all_or_nothing(void)
{
	struct wgc_view v[POOL_N + 1];
	unsigned int got;

	got = wgc_view_alloc_bulk(&rc_a, v, POOL_N + 1);
	TEST_ASSERT_EQUAL(got, 0u, "allocated more than the pool");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), 0u,
		"failed bulk alloc kept buffers");
	got = wgc_view_alloc_bulk(&rc_a, v, 100);
	TEST_ASSERT_EQUAL(got, 100u, "bulk alloc");
	TEST_ASSERT_EQUAL(v[99].len, 0u, "fresh view not empty-length");
	TEST_ASSERT_EQUAL(v[99].recycler, &rc_a, "recycler");
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc_ext, v + 100, 1), 0u,
		"external recycler cannot allocate");
	wgc_view_release_all(v, 100);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(iobuf_alloc_bulk_autotest, fast, iobuf_setup,
	test_iobuf_alloc_bulk_all_or_nothing, iobuf_teardown);

/*
 * A mempool recycler's release hands plain mbufs back to the pool directly:
 * shared, chained, attached and foreign mbufs must still be freed as
 * rte_pktmbuf_free() would, and a reused buffer must come back reset.
 */
static int
test_iobuf_release_odd_mbufs(void)
{
	struct rte_mbuf *shared, *head, *tail, *ind, *foreign, *m;
	struct wgc_view v[6];
	unsigned int i;

	shared = rte_pktmbuf_alloc(pool_a);
	head = rte_pktmbuf_alloc(pool_a);
	tail = rte_pktmbuf_alloc(pool_a);
	ind = rte_pktmbuf_alloc(pool_a);
	foreign = rte_pktmbuf_alloc(pool_b);
	m = rte_pktmbuf_alloc(pool_b);
	TEST_ASSERT(shared != NULL && head != NULL && tail != NULL &&
		ind != NULL && foreign != NULL && m != NULL, "alloc");
	rte_mbuf_refcnt_update(shared, 1);
	TEST_ASSERT_NOT_NULL(rte_pktmbuf_append(tail, 10), "append");
	TEST_ASSERT_SUCCESS(rte_pktmbuf_chain(head, tail), "chain");
	rte_pktmbuf_attach(ind, m);
	rte_pktmbuf_free(m); /* ind holds the last reference */
	wgc_view_from_mbuf(&v[0], shared, &rc_a);
	wgc_view_from_mbuf(&v[1], head, &rc_a);
	wgc_view_from_mbuf(&v[2], ind, &rc_a);
	/* a view naming the wrong recycler still frees to the mbuf's pool */
	wgc_view_from_mbuf(&v[3], foreign, &rc_a);
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc_a, v + 4, 2), 2u, "alloc");
	wgc_view_release_all(v, RTE_DIM(v));
	for (i = 0; i < RTE_DIM(v); i++)
		TEST_ASSERT(wgc_view_is_empty(&v[i]), "view %u not empty", i);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), 1u,
		"a shared mbuf must stay out, everything else back");
	TEST_ASSERT_EQUAL(rte_mbuf_refcnt_read(shared), 1, "refcnt");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_b), 0u,
		"detached and foreign mbufs not back in pool b");
	rte_pktmbuf_free(shared);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), 0u, "pool a");

	/* dirty a buffer, give it back, take it again: it is reset */
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc_a, v, 1), 1u, "alloc");
	m = v[0].backing;
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	m->packet_type = RTE_PTYPE_L3_IPV4;
	m->port = 3;
	m->pkt_len = m->data_len = 77;
	m->data_off = 0;
	wgc_view_release_all(v, 1);
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc_a, v, 1), 1u, "alloc");
	m = v[0].backing;
	TEST_ASSERT_EQUAL(m->ol_flags, 0u, "ol_flags not reset");
	TEST_ASSERT_EQUAL(m->packet_type, 0u, "packet_type not reset");
	TEST_ASSERT_EQUAL(m->port, RTE_MBUF_PORT_INVALID, "port not reset");
	TEST_ASSERT_EQUAL(m->pkt_len + m->data_len, 0u, "length not reset");
	TEST_ASSERT_EQUAL(m->data_off, v[0].headroom, "data_off");
	TEST_ASSERT_EQUAL(v[0].data, rte_pktmbuf_mtod(m, uint8_t *), "data");
	TEST_ASSERT_EQUAL(v[0].tailroom, rte_pktmbuf_tailroom(m), "tailroom");
	wgc_view_release_all(v, 1);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool_a), 0u, "pool a");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(iobuf_release_odd_autotest, fast, iobuf_setup,
	test_iobuf_release_odd_mbufs, iobuf_teardown);
