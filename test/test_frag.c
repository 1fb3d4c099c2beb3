/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * lib/net outer fragments: reassembly of IPv4 / IPv6 UDP fragments (in
 * order, reversed, duplicates, overlaps, too many, timeout, table full, a
 * flood) and fragmentation of frames above the MTU (sizes around it, both
 * families), each fragmented datagram reassembled back and compared.
 *
 * Fragments fed to reassembly are built here from scratch with reference
 * checksums; fragments lib/net makes are checked field by field here
 * before they are reassembled.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_iobuf.h"
#include "wgc_net.h"
#include "wgc_test.h"
#include "test_ref.h"

#define LPORT 51820
#define POOL_N 4095

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct wgc_net_port *pa, *pb;    /* sender, receiver */
static uint16_t next_id = 1;

static const struct rte_ether_addr mac_a = {
	{ 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01 } };
static const struct rte_ether_addr mac_b = {
	{ 0x02, 0x00, 0x00, 0x00, 0x0a, 0x02 } };

static uint32_t
ip4(const char *s)
{
	uint32_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void
rig_down(void)
{
	wgc_net_port_free(pa);
	wgc_net_port_free(pb);
	pa = pb = NULL;
	rte_mempool_free(pool);
	pool = NULL;
}

/* sender A (MTU mtu) and receiver B (reassembly as given) */
static int
rig_up(uint16_t mtu, uint32_t entries, uint32_t timeout_ms)
{
	struct wgc_net_port_conf c;
	struct wgc_addr a;

	pool = rte_pktmbuf_pool_create("wf_frag", POOL_N, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(pool, "pool");
	wgc_recycler_mempool_init(&rc, pool);
	memset(&c, 0, sizeof(c));
	c.name = "wf_a";
	c.mac = mac_a;
	c.listen_port = LPORT;
	c.mtu = mtu;
	c.nb_ip4 = 1;
	wgc_prefix_parse(&c.ip4[0], "10.0.0.1/24", WGC_PREFIX_IFADDR, NULL);
	c.nb_ip6 = 1;
	wgc_prefix_parse(&c.ip6[0], "fd00::1/64", WGC_PREFIX_IFADDR, NULL);
	c.no_link_local = true;
	c.pool = pool;
	c.socket_id = SOCKET_ID_ANY;
	pa = wgc_net_port_create(&c);
	TEST_ASSERT_NOT_NULL(pa, "port a");
	c.name = "wf_b";
	c.mac = mac_b;
	c.mtu = 0;
	wgc_addr_parse(&c.ip4[0].addr, "10.0.0.2");
	wgc_addr_parse(&c.ip6[0].addr, "fd00::2");
	c.frag_entries = entries;
	c.frag_timeout_ms = timeout_ms;
	pb = wgc_net_port_create(&c);
	TEST_ASSERT_NOT_NULL(pb, "port b");
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.ip4 = ip4("10.0.0.2");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_add(pa, &a, &mac_b, 0), "neigh");
	a.family = AF_INET6;
	inet_pton(AF_INET6, "fd00::2", a.bytes);
	TEST_ASSERT_SUCCESS(wgc_net_neigh_add(pa, &a, &mac_b, 0), "neigh6");
	return TEST_SUCCESS;
}

/* a UDP datagram from the peer to B, payload byte i = i * 7 + seed */
struct dgram {
	bool v6;
	uint32_t len;               /* UDP length */
	uint8_t d[70000];
};

static struct dgram dg;

static void
dgram_make(bool v6, uint32_t plen, uint8_t seed)
{
	uint8_t src[16], dst[16];
	uint32_t i, s;

	dg.v6 = v6;
	dg.len = plen + 8;
	put16(dg.d, 40000);
	put16(dg.d + 2, LPORT);
	put16(dg.d + 4, (uint16_t)dg.len);
	put16(dg.d + 6, 0);
	for (i = 0; i < plen; i++)
		dg.d[8 + i] = (uint8_t)(i * 7 + seed);
	if (v6) {
		inet_pton(AF_INET6, "fd00::9", src);
		inet_pton(AF_INET6, "fd00::2", dst);
		s = ref_sum(src, 16, 0) + ref_sum(dst, 16, 0) + 17 + dg.len;
	} else {
		uint32_t a = ip4("10.0.0.9"), b = ip4("10.0.0.2");

		s = ref_sum((uint8_t *)&a, 4, 0) + ref_sum((uint8_t *)&b, 4, 0) +
			17 + dg.len;
	}
	put16(dg.d + 6, ref_fold(ref_sum(dg.d, dg.len, s)));
}

/* one fragment of dg: bytes [ofs, ofs + len) of the UDP datagram */
static int
frag_make(struct wgc_view *v, uint16_t id, uint32_t ofs, uint32_t len,
		bool more)
{
	uint16_t l3 = dg.v6 ? 48 : 20;
	uint8_t *d, *ip;

	if (wgc_view_alloc_bulk(&rc, v, 1) != 1)
		return -1;
	d = wgc_view_append(v, (uint16_t)(14 + l3 + len));
	if (d == NULL) {
		wgc_view_release(v);
		return -1;
	}
	memcpy(d, &mac_b, 6);
	memcpy(d + 6, "\x02\x00\x00\x00\x0a\x09", 6);
	ip = d + 14;
	memset(ip, 0, l3);
	if (dg.v6) {
		put16(d + 12, 0x86dd);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(8 + len));
		ip[6] = 44;
		ip[7] = 64;
		inet_pton(AF_INET6, "fd00::9", ip + 8);
		inet_pton(AF_INET6, "fd00::2", ip + 24);
		ip[40] = 17;
		put16(ip + 42, (uint16_t)(ofs | (more ? 1 : 0)));
		put16(ip + 44, 0);
		put16(ip + 46, id);
	} else {
		uint32_t a = ip4("10.0.0.9"), b = ip4("10.0.0.2");

		put16(d + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + len));
		put16(ip + 4, id);
		put16(ip + 6, (uint16_t)((ofs / 8) | (more ? 0x2000 : 0)));
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, &a, 4);
		memcpy(ip + 16, &b, 4);
		put16(ip + 10, ref_fold(ref_sum(ip, 20, 0)));
	}
	memcpy(ip + l3, dg.d + ofs, len);
	return 0;
}

/* fragments of dg per list {ofs, len, more}, in the order given */
struct fspec {
	uint32_t ofs, len;
	bool more;
};

static uint16_t
feed(const struct fspec *fs, unsigned int n, uint16_t id,
		struct wgc_view *got, struct wgc_net_meta *meta)
{
	struct wgc_view v[16];
	unsigned int i;

	for (i = 0; i < n; i++)
		if (frag_make(&v[i], id, fs[i].ofs, fs[i].len,
				fs[i].more) != 0)
			return UINT16_MAX;
	memcpy(got, v, n * sizeof(v[0]));
	return wgc_net_rx(pb, got, meta, (uint16_t)n);
}

/* the view holds dg's payload */
static int
check_payload(const struct wgc_view *v)
{
	TEST_ASSERT_EQUAL(v->len, dg.len - 8, "payload length %u, want %u",
		v->len, dg.len - 8);
	TEST_ASSERT_BUFFERS_ARE_EQUAL(v->data, dg.d + 8, dg.len - 8,
		"payload bytes");
	return TEST_SUCCESS;
}

static struct wgc_net_stats
stats(struct wgc_net_port *p)
{
	struct wgc_net_stats st;

	wgc_net_stats_get(p, &st);
	return st;
}

static int
test_frag_reasm_order(void)
{
	static const unsigned int order[][3] = {
		{ 0, 1, 2 }, { 2, 1, 0 }, { 1, 2, 0 }, { 2, 0, 1 } };
	struct wgc_view got[16];
	struct wgc_net_meta meta[16];
	struct wgc_net_stats st;
	unsigned int fam, o, i;

	TEST_CHECK(rig_up(1400, 0, 0));
	for (fam = 0; fam < 2; fam++) {
		for (o = 0; o < RTE_DIM(order); o++) {
			struct fspec all[3] = {
				{ 0, 800, true }, { 800, 800, true },
				{ 1600, 0, false } };
			struct fspec fs[3];

			dgram_make(fam == 1, 1800 + o, (uint8_t)o);
			all[2].len = dg.len - 1600;
			for (i = 0; i < 3; i++)
				fs[i] = all[order[o][i]];
			TEST_ASSERT_EQUAL(feed(fs, 3, next_id++, got, meta), 1,
				"v%c order %u: one datagram", fam ? '6' : '4',
				o);
			TEST_ASSERT_EQUAL(meta[0].cls, WGC_NET_CLASS_WG, "wg");
			TEST_ASSERT_EQUAL(meta[0].src.port, 40000,
				"source port");
			TEST_CHECK(check_payload(&got[0]));
			wgc_view_release(&got[0]);
		}
	}
	st = stats(pb);
	TEST_ASSERT_EQUAL(st.rx_frag, 24u, "fragments");
	TEST_ASSERT_EQUAL(st.rx_reassembled, 8u, "reassembled");
	TEST_ASSERT_EQUAL(st.rx_wg, 8u, "wg");
	rig_down();
	return TEST_SUCCESS;
}

/* duplicates: before completion the datagram is given up (rte_ip_frag
 * keeps one first and one last fragment), after it the stray times out */
static int
test_frag_reasm_dup(void)
{
	struct wgc_view got[16];
	struct wgc_net_meta meta[16];
	struct wgc_net_stats st;
	struct fspec fs[3] = { { 0, 1000, true }, { 0, 1000, true },
		{ 1000, 0, false } };

	TEST_CHECK(rig_up(1400, 0, 20));
	dgram_make(false, 1500, 1);
	fs[2].len = dg.len - 1000;
	TEST_ASSERT_EQUAL(feed(fs, 3, next_id, got, meta), 0, "dup first");
	st = stats(pb);
	TEST_ASSERT(st.drop[WGC_NET_DROP_FRAG_MALFORMED] >= 2,
		"malformed counted");
	/* the last fragment then stands alone; it times out below */

	fs[1] = fs[2];
	fs[2] = fs[0];
	next_id++;
	TEST_ASSERT_EQUAL(feed(fs, 3, next_id++, got, meta), 1,
		"dup after completion: delivered once");
	TEST_CHECK(check_payload(&got[0]));
	wgc_view_release(&got[0]);
	rte_delay_ms(40);
	wgc_net_frag_poll(pb);
	st = stats(pb);
	TEST_ASSERT(st.drop[WGC_NET_DROP_FRAG_TIMEOUT] >= 1, "stray expired");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u, "all back");
	rig_down();
	return TEST_SUCCESS;
}

static int
test_frag_reasm_overlap(void)
{
	struct wgc_view got[16];
	struct wgc_net_meta meta[16];
	struct wgc_net_stats st;
	unsigned int fam;

	TEST_CHECK(rig_up(1400, 0, 20));
	for (fam = 0; fam < 2; fam++) {
		/* sizes add up, but the middle overlaps the first: a hole */
		struct fspec a[3] = { { 0, 1000, true }, { 992, 16, true },
			{ 1016, 0, false } };
		/* the second overlaps the first: more bytes than the total */
		struct fspec b[2] = { { 0, 1000, true }, { 992, 0, false } };

		dgram_make(fam == 1, 1500, 2);
		a[2].len = dg.len - 1016 + 8;
		TEST_ASSERT_EQUAL(feed(a, 3, next_id++, got, meta), 0,
			"overlap with a hole");

		b[1].len = dg.len - 992;
		TEST_ASSERT_EQUAL(feed(b, 2, next_id++, got, meta), 0,
			"overlap");
	}
	/* both kinds dropped at once with every fragment: 2 x (3 + 2) */
	st = stats(pb);
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_FRAG_MALFORMED], 10u,
		"overlapping datagrams dropped with their fragments");
	TEST_ASSERT_EQUAL(st.rx_reassembled, 0u, "nothing reassembled");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u, "all back");
	rig_down();
	return TEST_SUCCESS;
}

/* more fragments than rte_ip_frag keeps, and a datagram over a buffer */
static int
test_frag_reasm_limits(void)
{
	struct wgc_view got[16];
	struct wgc_net_meta meta[16];
	struct fspec fs[16];
	struct wgc_net_stats st;
	unsigned int i, n = RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1;

	TEST_CHECK(rig_up(1400, 0, 20));
	dgram_make(false, n * 64 - 8, 3);
	for (i = 0; i < n; i++) {
		fs[i].ofs = i * 64;
		fs[i].len = 64;
		fs[i].more = i + 1 < n;
	}
	TEST_ASSERT_EQUAL(feed(fs, n, next_id++, got, meta), 0, "too many");
	st = stats(pb);
	/* the one after the 8th starts a new entry, which expires */
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_FRAG_MALFORMED], n - 1,
		"the datagram dropped with its fragments");

	/* 3000 B does not fit a 2048 B buffer: counted, not delivered */
	dgram_make(true, 2992, 4);
	fs[0] = (struct fspec){ 0, 1400, true };
	fs[1] = (struct fspec){ 1400, 1400, true };
	fs[2] = (struct fspec){ 2800, 200, false };
	TEST_ASSERT_EQUAL(feed(fs, 3, next_id++, got, meta), 0, "no room");
	st = stats(pb);
	TEST_ASSERT_EQUAL(st.rx_reassembled, 1u, "reassembled");
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_FRAG_NO_ROOM], 1u, "no room");
	rte_delay_ms(40);
	wgc_net_frag_poll(pb);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u, "all back");
	rig_down();
	return TEST_SUCCESS;
}

static int
test_frag_reasm_timeout(void)
{
	struct wgc_view got[16];
	struct wgc_net_meta meta[16];
	struct wgc_net_stats st;
	struct fspec fs[2] = { { 0, 800, true }, { 800, 800, true } };

	TEST_CHECK(rig_up(1400, 0, 30));
	dgram_make(false, 1800, 5);
	TEST_ASSERT_EQUAL(feed(fs, 2, next_id++, got, meta), 0, "held");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 2u, "2 held");
	wgc_net_frag_poll(pb);
	st = stats(pb);
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_FRAG_TIMEOUT], 0u, "not yet");
	rte_delay_ms(60);
	wgc_net_frag_poll(pb);
	st = stats(pb);
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_FRAG_TIMEOUT], 2u, "expired");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u, "all back");
	rig_down();
	return TEST_SUCCESS;
}

/* a bounded table: the rest is refused, the pool never drains */
static int
test_frag_reasm_table_full(void)
{
	struct wgc_view got[16];
	struct wgc_net_meta meta[16];
	struct wgc_net_stats st;
	struct fspec first = { 0, 800, true };
	struct fspec last = { 800, 0, false };
	unsigned int i, max_used = 0;

	TEST_CHECK(rig_up(1400, 4, 50));
	dgram_make(false, 1000, 6);
	last.len = dg.len - 800;
	for (i = 0; i < 10; i++)
		TEST_ASSERT_EQUAL(feed(&first, 1, (uint16_t)(100 + i), got,
			meta), 0, "first fragment %u", i);
	st = stats(pb);
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_FRAG_TABLE_FULL], 6u,
		"6 refused");
	/* an entry in the table completes */
	TEST_ASSERT_EQUAL(feed(&last, 1, 101, got, meta), 1, "completes");
	TEST_CHECK(check_payload(&got[0]));
	wgc_view_release(&got[0]);
	/* a flood of first fragments from new datagrams */
	for (i = 0; i < 5000; i++) {
		TEST_ASSERT_EQUAL(feed(&first, 1, (uint16_t)(1000 + i), got,
			meta), 0, "flood");
		max_used = RTE_MAX(max_used,
			rte_mempool_in_use_count(pool));
	}
	TEST_ASSERT(max_used <= 4, "buffers held %u > 4 entries", max_used);
	rte_delay_ms(80);
	wgc_net_frag_poll(pb);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u, "all back");
	rig_down();
	return TEST_SUCCESS;
}

/*
 * Fragmentation by A at MTU 1400 around the MTU, both families; every
 * fragment checked, then reassembled by B and compared.
 */
static int
split_one(bool v6, uint32_t l3len, uint16_t mtu)
{
	uint32_t fs = (mtu - (v6 ? 48u : 20u)) & ~7u;
	unsigned int want = l3len <= mtu ? 1 :
		(l3len - (v6 ? 40 : 20) + fs - 1) / fs;
	uint16_t hl = v6 ? 40 : 20;
	uint32_t plen = l3len - hl - 8;
	struct wgc_endpoint dst;
	struct wgc_view v, out[WGC_NET_FRAG_MAX], got[WGC_NET_FRAG_MAX];
	struct wgc_net_meta meta[WGC_NET_FRAG_MAX];
	struct wgc_net_stats before = stats(pa), after;
	uint32_t i, j, next_ofs = 0, id = 0;
	uint16_t n;
	uint8_t *p;

	TEST_ASSERT_SUCCESS(wgc_net_endpoint_parse(v6 ? "[fd00::2]:51820" :
		"10.0.0.2:51820", true, &dst), "endpoint");
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, &v, 1), 1u, "alloc");
	p = wgc_view_append(&v, (uint16_t)plen);
	TEST_ASSERT_NOT_NULL(p, "room");
	for (i = 0; i < plen; i++)
		p[i] = (uint8_t)(i * 13 + l3len);
	dgram_make(v6, plen, 0);
	memcpy(dg.d + 8, p, plen);
	n = wgc_net_encap_frag(pa, &v, &dst, 1, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(n, want, "L3 %u: %u frames, want %u", l3len, n,
		want);
	after = stats(pa);
	TEST_ASSERT_EQUAL(after.tx_frags - before.tx_frags,
		want > 1 ? want : 0, "tx_frags");
	for (i = 0; i < n; i++) {
		const uint8_t *d = out[i].data, *ip = d + 14;
		uint32_t ofs, flen;
		bool more;

		TEST_ASSERT(out[i].len <= 14u + mtu, "frame %u: %u B", i,
			out[i].len);
		TEST_ASSERT_BUFFERS_ARE_EQUAL(d, &mac_b, 6, "dst mac");
		if (!v6) {
			TEST_ASSERT_EQUAL(ref_fold(ref_sum(ip, 20, 0)), 0,
				"IPv4 header checksum");
			TEST_ASSERT_EQUAL(get16(ip + 6) & 0x4000, 0, "no DF");
			flen = get16(ip + 2) - 20u;
			ofs = (get16(ip + 6) & 0x1fffu) * 8;
			more = (get16(ip + 6) & 0x2000) != 0;
			if (n == 1)
				TEST_ASSERT_EQUAL(get16(ip + 6), 0, "whole");
			TEST_ASSERT_EQUAL(out[i].len, 14 + 20 + flen, "len");
		} else if (n > 1) {
			TEST_ASSERT_EQUAL(ip[6], 44, "fragment header");
			TEST_ASSERT_EQUAL(ip[40], 17, "then UDP");
			flen = get16(ip + 4) - 8u;
			ofs = get16(ip + 42) & 0xfff8u;
			more = (get16(ip + 42) & 1) != 0;
			if (i == 0)
				memcpy(&id, ip + 44, 4);
			TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 44, &id, 4, "id");
			TEST_ASSERT_EQUAL(out[i].len, 14 + 48 + flen, "len");
		} else {
			TEST_ASSERT_EQUAL(ip[6], 17, "UDP");
			flen = get16(ip + 4);
			ofs = 0;
			more = false;
		}
		TEST_ASSERT_EQUAL(ofs, next_ofs, "fragment %u offset", i);
		TEST_ASSERT_EQUAL(more, i + 1 < n, "fragment %u MF", i);
		if (more)
			TEST_ASSERT_EQUAL(flen % 8, 0u, "multiple of 8");
		next_ofs += flen;
	}
	TEST_ASSERT_EQUAL(next_ofs, plen + 8, "fragments cover the datagram");
	/* reversed, into B */
	for (i = 0, j = n; i < n; i++)
		wgc_view_claim(&got[i], &out[--j]);
	TEST_ASSERT_EQUAL(wgc_net_rx(pb, got, meta, n), 1, "reassembled");
	TEST_ASSERT_EQUAL(got[0].len, plen, "length back");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(got[0].data, dg.d + 8, plen,
		"bytes back");
	wgc_view_release(&got[0]);
	return TEST_SUCCESS;
}

static int
test_frag_split(void)
{
	static const uint32_t sizes[] = { 1399, 1400, 1401, 1408, 1700,
		1900 };
	unsigned int i;

	TEST_CHECK(rig_up(576, 0, 0));
	for (i = 0; i < RTE_DIM(sizes); i++) {
		TEST_CHECK(split_one(false, sizes[i], 576));
		TEST_CHECK(split_one(true, sizes[i], 576));
	}
	rig_down();
	TEST_CHECK(rig_up(1400, 0, 0));
	for (i = 0; i < RTE_DIM(sizes); i++) {
		TEST_CHECK(split_one(false, sizes[i], 1400));
		TEST_CHECK(split_one(true, sizes[i], 1400));
	}
	/* wgc_net_encap() keeps refusing what is above the MTU */
	{
		struct wgc_endpoint dst;
		struct wgc_view v;
		struct wgc_net_stats st;

		wgc_net_endpoint_parse("10.0.0.2:51820", true, &dst);
		TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, &v, 1), 1u, "a");
		wgc_view_append(&v, 1400);
		TEST_ASSERT_EQUAL(wgc_net_encap(pa, &v, &dst, 1), 0, "big");
		st = stats(pa);
		TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_TOO_BIG], 1u, "count");
	}
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u, "all back");
	rig_down();
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(frag_reasm_order_autotest, fast, NULL,
	test_frag_reasm_order, rig_down);
WGC_TEST_REGISTER_FULL(frag_reasm_dup_autotest, fast, NULL,
	test_frag_reasm_dup, rig_down);
WGC_TEST_REGISTER_FULL(frag_reasm_overlap_autotest, fast, NULL,
	test_frag_reasm_overlap, rig_down);
WGC_TEST_REGISTER_FULL(frag_reasm_limits_autotest, fast, NULL,
	test_frag_reasm_limits, rig_down);
WGC_TEST_REGISTER_FULL(frag_reasm_timeout_autotest, fast, NULL,
	test_frag_reasm_timeout, rig_down);
WGC_TEST_REGISTER_FULL(frag_reasm_table_full_autotest, fast, NULL,
	test_frag_reasm_table_full, rig_down);
WGC_TEST_REGISTER_FULL(frag_split_autotest, fast, NULL, test_frag_split,
	rig_down);
