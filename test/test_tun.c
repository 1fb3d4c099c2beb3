/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * drivers/tun: the virtio_net_hdr segmenter as a pure function on crafted
 * super-packets (checked against a byte-wise reference checksum written
 * here, not the code under test), bad headers counted by reason, the
 * inner.offload config key, and, as root, a real TUN in a private network
 * namespace fed by a kernel TCP stream (TSO super-packets split into valid
 * MTU-sized segments, handshake answered through the TX path).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "wgc_conf.h"
#include "wgc_iobuf.h"
#include "wgc_test.h"
#include "wgc_tun.h"

#define POOL_N 255
#define MTU 1420

static struct rte_mempool *pool;
static struct wgc_recycler rec;
static uint32_t seg_max;

static int
tun_setup(void)
{
	struct wgc_view v;

	pool = rte_pktmbuf_pool_create("t_tun", POOL_N, 0, 0,
		wgc_iobuf_data_room(MTU), SOCKET_ID_ANY);
	if (pool == NULL)
		return -1;
	wgc_recycler_mempool_init(&rec, pool);
	if (wgc_view_alloc_bulk(&rec, &v, 1) != 1)
		return -1;
	seg_max = v.tailroom - 16u;
	wgc_view_release(&v);
	return 0;
}

static void
tun_teardown(void)
{
	rte_mempool_free(pool);
	pool = NULL;
}

/* ---- reference helpers (byte-wise, independent of the code tested) */

static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

static uint32_t
ref_sum(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* one's complement sum of pseudo header + L4 (checksum field included) */
static uint16_t
ref_l4_sum(const uint8_t *pkt, uint32_t len, uint32_t l4, uint8_t proto)
{
	uint32_t sum;

	if ((pkt[0] >> 4) == 6)
		sum = ref_sum(pkt + 8, 32, 0);
	else
		sum = ref_sum(pkt + 12, 8, 0);
	sum += proto + (len - l4);
	return ref_fold(ref_sum(pkt + l4, len - l4, sum));
}

static bool
ref_ipv4_ok(const uint8_t *pkt)
{
	return ref_fold(ref_sum(pkt, (pkt[0] & 0xf) * 4u, 0)) == 0xffff;
}

static uint8_t
pattern(uint32_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

/*
 * Build an IPv4 or IPv6 packet with a TCP (doff words) or UDP header and
 * payload bytes pattern(0..). The L4 checksum field holds the pseudo
 * header sum, as the kernel leaves it for CHECKSUM_PARTIAL.
 */
static uint32_t
build(uint8_t *b, bool v6, uint8_t proto, unsigned int ip_opt_words,
		unsigned int doff, uint32_t plen, uint8_t flags,
		struct virtio_net_hdr *h)
{
	uint32_t l4 = v6 ? 40 : 20 + 4 * ip_opt_words;
	uint32_t l4h = proto == IPPROTO_TCP ? doff * 4 : 8;
	uint32_t len = l4 + l4h + plen, i;
	uint32_t sum;
	uint16_t ps;

	memset(b, 0, l4 + l4h);
	if (v6) {
		b[0] = 0x60;
		be16(b + 4, (uint16_t)(len - 40));
		b[6] = proto;
		b[7] = 64;
		b[8] = 0xfd;
		b[23] = 1;
		b[24] = 0xfd;
		b[39] = 2;
	} else {
		b[0] = 0x40 | (uint8_t)(l4 / 4);
		be16(b + 2, (uint16_t)len);
		be16(b + 4, 0xfffe);    /* id wraps after the first segment */
		be16(b + 6, 0x4000);    /* DF */
		b[8] = 64;
		b[9] = proto;
		b[12] = 10;
		b[15] = 1;
		b[16] = 10;
		b[19] = 2;
		for (i = 20; i < l4; i++)
			b[i] = 1;       /* IP option: NOPs */
		be16(b + 10, (uint16_t)~ref_fold(ref_sum(b, l4, 0)));
	}
	be16(b + l4, 40000);
	be16(b + l4 + 2, 5001);
	if (proto == IPPROTO_TCP) {
		b[l4 + 4] = 0xff;      /* seq near the wrap */
		b[l4 + 5] = 0xff;
		b[l4 + 6] = 0xf0;
		b[l4 + 8] = 0x12;      /* ack */
		b[l4 + 12] = (uint8_t)(doff << 4);
		b[l4 + 13] = flags;
		be16(b + l4 + 14, 512);
		for (i = 20; i < l4h; i++)
			b[l4 + i] = (uint8_t)(0xa0 + i); /* options */
	} else {
		be16(b + l4 + 4, (uint16_t)(l4h + plen));
	}
	for (i = 0; i < plen; i++)
		b[l4 + l4h + i] = pattern(i);
	/* pseudo header sum, not complemented, in the checksum field */
	sum = v6 ? ref_sum(b + 8, 32, 0) : ref_sum(b + 12, 8, 0);
	ps = ref_fold(sum + proto + (len - l4));
	be16(b + l4 + (proto == IPPROTO_TCP ? 16 : 6), ps);
	memset(h, 0, sizeof(*h));
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = (uint16_t)l4;
	h->csum_offset = proto == IPPROTO_TCP ? 16 : 6;
	h->hdr_len = (uint16_t)(l4 + l4h);
	return len;
}

/* split a super-packet in calls of at most chunk views; check it all */
static int
split_check(uint8_t *b, uint32_t len, const struct virtio_net_hdr *h,
		bool v6, uint8_t proto, uint32_t mss, unsigned int chunk)
{
	uint32_t l4 = h->csum_start, hl, plen = 0, off = 0, nseg, i, exp;
	struct wgc_view v[WGC_IOBUF_BURST_MAX];
	struct wgc_tun_stats st;
	struct wgc_tun_gso g;
	uint8_t *orig;
	uint16_t k, got;
	int rc = TEST_FAILED;

	hl = proto == IPPROTO_TCP ? l4 + (b[l4 + 12] >> 4) * 4u : l4 + 8;
	plen = len - hl;
	nseg = plen == 0 ? 1 : (plen + mss - 1) / mss;
	orig = malloc(len);
	TEST_ASSERT_NOT_NULL(orig, "malloc");
	memcpy(orig, b, len);
	memset(&st, 0, sizeof(st));
	if (wgc_tun_vnet_rx(h, b, len, seg_max, &g, &st) != 1) {
		printf("not armed\n");
		goto out;
	}
	for (i = 0; i < nseg; ) {
		got = wgc_tun_gso_next(&g, &rec, v, (uint16_t)chunk, &st);
		exp = RTE_MIN(nseg - i, chunk);
		if (got != exp) {
			printf("got %u segments, expected %u\n", got, exp);
			goto out;
		}
		for (k = 0; k < got; k++, i++) {
			const uint8_t *d = v[k].data;
			uint32_t sl = RTE_MIN(mss, plen - off);
			bool first = i == 0, last = i == nseg - 1;
			uint32_t pad = RTE_ALIGN_CEIL(v[k].len, 16) -
				v[k].len;
			uint8_t fl;

			if (v[k].len != hl + sl || v[k].len > seg_max ||
					v[k].headroom < WGC_IOBUF_OUTER_HDR_MAX ||
					v[k].tailroom < pad + 16) {
				printf("seg %u: len %u, want %u\n", i,
					v[k].len, hl + sl);
				goto rel;
			}
			if (v6 ? rd16(d + 4) != v[k].len - 40 :
					(rd16(d + 2) != v[k].len ||
					 rd16(d + 4) !=
					 (uint16_t)(0xfffe + i) ||
					 !ref_ipv4_ok(d))) {
				printf("seg %u: bad IP header\n", i);
				goto rel;
			}
			/* TCP options copied */
			if (proto == IPPROTO_TCP && memcmp(d + l4 + 20,
					orig + l4 + 20, hl - l4 - 20) != 0) {
				printf("seg %u: TCP options\n", i);
				goto rel;
			}
			if (memcmp(d + (v6 ? 8 : 12), orig + (v6 ? 8 : 12),
					v6 ? 32 : 8) != 0) {
				printf("seg %u: addresses\n", i);
				goto rel;
			}
			if (memcmp(d + hl, orig + hl + off, sl) != 0) {
				printf("seg %u: payload\n", i);
				goto rel;
			}
			if (ref_l4_sum(d, v[k].len, l4, proto) != 0xffff) {
				printf("seg %u: bad L4 checksum\n", i);
				goto rel;
			}
			if (proto == IPPROTO_TCP) {
				fl = orig[l4 + 13];
				if (!last)
					fl &= ~(0x01 | 0x08);
				if (!first)
					fl &= ~0x80;
				if (rd32(d + l4 + 4) !=
						rd32(orig + l4 + 4) + off ||
						d[l4 + 13] != fl ||
						rd32(d + l4 + 8) !=
						rd32(orig + l4 + 8)) {
					printf("seg %u: seq %08x flags %02x\n",
						i, rd32(d + l4 + 4),
						d[l4 + 13]);
					goto rel;
				}
			} else if (rd16(d + l4 + 4) != v[k].len - l4) {
				printf("seg %u: UDP length\n", i);
				goto rel;
			}
			off += sl;
		}
		wgc_view_release_all(v, got);
	}
	if (wgc_tun_gso_pending(&g) || off != plen || st.rx_gso != 1 ||
			st.rx_gso_segs != nseg || st.rx_packets != nseg ||
			WGC_TUN_STATS_VNET_DROPS(&st) != 0) {
		printf("end state: pending %d off %u/%u gso %" PRIu64 " segs %"
			PRIu64 "\n", wgc_tun_gso_pending(&g), off, plen,
			st.rx_gso, st.rx_gso_segs);
		goto out;
	}
	rc = TEST_SUCCESS;
	goto out;
rel:
	wgc_view_release_all(v, got);
out:
	free(orig);
	return rc;
}

static uint8_t big[70000];

static int
test_tun_gso_split(void)
{
	struct virtio_net_hdr h;
	uint32_t len;

	/* IPv4 + TCP with timestamps-sized options, FIN|PSH|CWR|ACK */
	len = build(big, false, IPPROTO_TCP, 0, 8, 10000, 0x99, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 1368;
	TEST_CHECK(split_check(big, len, &h, false, IPPROTO_TCP, 1368, 3));
	/* IPv4 options, one call for all segments */
	len = build(big, false, IPPROTO_TCP, 2, 5, 20000, 0x19, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 1372;
	TEST_CHECK(split_check(big, len, &h, false, IPPROTO_TCP, 1372, 64));
	/* largest IPv4 super-packet, payload a multiple of the MSS */
	len = build(big, false, IPPROTO_TCP, 0, 8, 47 * 1368, 0x18, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 1368;
	TEST_CHECK(split_check(big, len, &h, false, IPPROTO_TCP, 1368, 32));
	/* IPv6 + TCP, last segment shorter, odd payload */
	len = build(big, true, IPPROTO_TCP, 0, 8, 9001, 0x19, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	h.gso_size = 1348;
	TEST_CHECK(split_check(big, len, &h, true, IPPROTO_TCP, 1348, 5));
	/* no payload: one segment */
	len = build(big, true, IPPROTO_TCP, 0, 5, 0, 0x11, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	h.gso_size = 1000;
	TEST_CHECK(split_check(big, len, &h, true, IPPROTO_TCP, 1000, 8));
	/* UDP L4 (USO), both families */
	len = build(big, false, IPPROTO_UDP, 0, 0, 4000, 0, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	h.gso_size = 1200;
	TEST_CHECK(split_check(big, len, &h, false, IPPROTO_UDP, 1200, 2));
	len = build(big, true, IPPROTO_UDP, 0, 0, 3601, 0, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	h.gso_size = 1200;
	TEST_CHECK(split_check(big, len, &h, true, IPPROTO_UDP, 1200, 4));
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(tun_gso_split_autotest, fast, tun_setup,
	test_tun_gso_split, tun_teardown);

static int
test_tun_vnet_csum(void)
{
	struct wgc_tun_stats st;
	struct virtio_net_hdr h;
	struct wgc_tun_gso g;
	uint32_t len;
	int v6;

	memset(&st, 0, sizeof(st));
	for (v6 = 0; v6 < 2; v6++) {
		/* TCP, odd length */
		len = build(big, v6, IPPROTO_TCP, 0, 5, 1001, 0x18, &h);
		TEST_ASSERT(ref_l4_sum(big, len, h.csum_start, IPPROTO_TCP) !=
			0xffff, "partial checksum already valid");
		TEST_ASSERT_EQUAL(wgc_tun_vnet_rx(&h, big, len, seg_max, &g,
			&st), 0, "plain");
		TEST_ASSERT(!wgc_tun_gso_pending(&g), "armed");
		TEST_ASSERT_EQUAL(ref_l4_sum(big, len, h.csum_start,
			IPPROTO_TCP), 0xffff, "TCP checksum completed");
		/* UDP */
		len = build(big, v6, IPPROTO_UDP, 0, 0, 200, 0, &h);
		TEST_ASSERT_EQUAL(wgc_tun_vnet_rx(&h, big, len, seg_max, &g,
			&st), 0, "plain");
		TEST_ASSERT_EQUAL(ref_l4_sum(big, len, h.csum_start,
			IPPROTO_UDP), 0xffff, "UDP checksum completed");
		TEST_ASSERT(rd16(big + h.csum_start + 6) != 0, "UDP zero");
		/* no NEEDS_CSUM: untouched */
		len = build(big, v6, IPPROTO_UDP, 0, 0, 200, 0, &h);
		h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
		TEST_ASSERT_EQUAL(wgc_tun_vnet_rx(&h, big, len, seg_max, &g,
			&st), 0, "plain");
		TEST_ASSERT(ref_l4_sum(big, len, h.csum_start, IPPROTO_UDP) !=
			0xffff, "changed without NEEDS_CSUM");
	}
	TEST_ASSERT_EQUAL(st.rx_csum, 4, "rx_csum %" PRIu64, st.rx_csum);
	TEST_ASSERT_EQUAL(WGC_TUN_STATS_VNET_DROPS(&st), 0, "drops");
	TEST_ASSERT_EQUAL(st.rx_gso, 0, "gso");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(tun_vnet_csum_autotest, fast, test_tun_vnet_csum);

/* expect a drop counted by the counter at offset cnt */
static int
expect_drop(struct virtio_net_hdr *h, uint32_t len, size_t cnt,
		const char *what)
{
	struct wgc_tun_stats st;
	struct wgc_tun_gso g;
	uint64_t c;

	memset(&st, 0, sizeof(st));
	TEST_ASSERT_EQUAL(wgc_tun_vnet_rx(h, big, len, seg_max, &g, &st), -1,
		"%s accepted", what);
	TEST_ASSERT(!wgc_tun_gso_pending(&g), "%s: armed", what);
	memcpy(&c, (uint8_t *)&st + cnt, sizeof(c));
	TEST_ASSERT_EQUAL(c, 1, "%s: not counted where expected", what);
	TEST_ASSERT_EQUAL(WGC_TUN_STATS_VNET_DROPS(&st), 1,
		"%s: counted %" PRIu64 " times", what,
		WGC_TUN_STATS_VNET_DROPS(&st));
	TEST_ASSERT_EQUAL(st.rx_gso + st.rx_csum + st.rx_packets, 0,
		"%s: counted as good", what);
	return TEST_SUCCESS;
}

#define CNT(f) offsetof(struct wgc_tun_stats, f)

static uint32_t
tcp4(struct virtio_net_hdr *h)
{
	uint32_t len = build(big, false, IPPROTO_TCP, 0, 8, 5000, 0x10, h);

	h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h->gso_size = 1368;
	return len;
}

static int
test_tun_vnet_bad(void)
{
	struct virtio_net_hdr h;
	uint32_t len;

	len = tcp4(&h);
	h.gso_size = 0;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_size), "gso_size 0"));
	len = tcp4(&h);
	h.gso_size = (uint16_t)(seg_max - 52 + 1);
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_size),
		"segment beyond the buffer"));
	len = tcp4(&h);
	h.hdr_len = (uint16_t)(len + 1);
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_hdr_len),
		"hdr_len beyond the packet"));
	len = tcp4(&h);
	h.hdr_len = 0;
	TEST_CHECK(expect_drop(&h, 39, CNT(rx_gso_bad_hdr_len),
		"TCP header cut"));
	len = tcp4(&h);
	h.csum_start = 60000;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_hdr_len),
		"csum_start beyond the packet"));
	len = tcp4(&h);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_type), "UFO"));
	len = tcp4(&h);
	h.gso_type = 2;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_type), "type 2"));
	len = tcp4(&h);
	h.gso_type = 0x7f;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_type), "type 0x7f"));
	len = tcp4(&h);
	h.flags = 0;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_type),
		"GSO without NEEDS_CSUM"));
	len = tcp4(&h);
	h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_ecn), "ECN"));
	len = tcp4(&h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_headers),
		"TCPV6 on an IPv4 packet"));
	len = tcp4(&h);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_headers),
		"UDP_L4 on a TCP packet"));
	len = tcp4(&h);
	h.csum_start = 24;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_headers),
		"csum_start off the IPv4 header length"));
	len = tcp4(&h);
	h.csum_offset = 6;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_headers),
		"TCP csum_offset 6"));
	len = tcp4(&h);
	big[6] |= 0x20; /* MF */
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_headers),
		"IPv4 fragment"));
	len = tcp4(&h);
	big[0] = 0x55;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_headers),
		"IP version 5"));
	len = tcp4(&h);
	big[20 + 12] = 0x40; /* doff 4 */
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_headers), "doff 4"));
	len = tcp4(&h);
	big[20 + 12] = 0xf0; /* doff 15, packet holds 52 + 5000 */
	TEST_CHECK(expect_drop(&h, 70, CNT(rx_gso_bad_hdr_len),
		"TCP options beyond the packet"));
	len = build(big, true, IPPROTO_TCP, 0, 5, 3000, 0x10, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	h.gso_size = 1000;
	big[6] = IPPROTO_UDP;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_gso_bad_headers),
		"IPv6 next header not TCP"));
	/* plain packets with a partial checksum outside the packet */
	len = build(big, false, IPPROTO_UDP, 0, 0, 100, 0, &h);
	h.csum_start = (uint16_t)len;
	TEST_CHECK(expect_drop(&h, len, CNT(rx_bad_csum), "csum_start"));
	len = build(big, false, IPPROTO_UDP, 0, 0, 100, 0, &h);
	h.csum_offset = (uint16_t)(len - 20 - 1);
	TEST_CHECK(expect_drop(&h, len, CNT(rx_bad_csum), "csum_offset"));
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(tun_vnet_bad_autotest, fast, tun_setup,
	test_tun_vnet_bad, tun_teardown);

/* a super-packet needing more buffers than the pool has: resumes later */
static int
test_tun_gso_nobuf(void)
{
	struct wgc_view hold[POOL_N], v[WGC_IOBUF_BURST_MAX];
	struct wgc_tun_stats st;
	struct virtio_net_hdr h;
	struct wgc_tun_gso g;
	unsigned int nhold = 0, total = 0;
	uint32_t len;
	uint16_t got;

	memset(&st, 0, sizeof(st));
	len = build(big, false, IPPROTO_TCP, 0, 5, 40 * 1000, 0x10, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 1000;
	TEST_ASSERT_EQUAL(wgc_tun_vnet_rx(&h, big, len, seg_max, &g, &st), 1,
		"armed");
	/* leave 10 buffers in the pool */
	while (nhold < POOL_N - 10 &&
			wgc_view_alloc_bulk(&rec, &hold[nhold], 1) == 1)
		nhold++;
	got = wgc_tun_gso_next(&g, &rec, v, 32, &st);
	TEST_ASSERT_EQUAL(got, 0, "got %u from a dry pool", got);
	TEST_ASSERT_EQUAL(st.rx_nobuf, 1, "rx_nobuf");
	got = wgc_tun_gso_next(&g, &rec, v, 10, &st);
	TEST_ASSERT_EQUAL(got, 10, "got %u", got);
	total += got;
	wgc_view_release_all(v, got);
	wgc_view_release_all(hold, nhold);
	while (wgc_tun_gso_pending(&g)) {
		got = wgc_tun_gso_next(&g, &rec, v, 32, &st);
		TEST_ASSERT(got > 0, "stuck");
		total += got;
		wgc_view_release_all(v, got);
	}
	TEST_ASSERT_EQUAL(total, 40, "segments %u", total);
	TEST_ASSERT_EQUAL(st.rx_gso_segs, 40, "rx_gso_segs");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(tun_gso_nobuf_autotest, fast, tun_setup,
	test_tun_gso_nobuf, tun_teardown);

/*
 * Random damage to valid super-packets and their vnet headers: never a
 * crash (run it under ASan), every outcome is a counted drop, a plain
 * packet, or segments that fit a buffer and leave the pool full.
 */
static int
test_tun_vnet_random(void)
{
	static uint8_t pkt[70000];
	struct wgc_view v[WGC_IOBUF_BURST_MAX];
	uint64_t x = 0x9e3779b97f4a7c15ull, drops, before;
	struct wgc_tun_stats st;
	struct virtio_net_hdr h;
	struct wgc_tun_gso g;
	unsigned int it, j, segs;
	uint32_t len;
	uint16_t n, k;
	int rc;

	memset(&st, 0, sizeof(st));
	for (it = 0; it < 20000; it++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = build(pkt, x & 1, (x >> 1) & 1 ? IPPROTO_UDP :
			IPPROTO_TCP, (x >> 2) & 3, 5 + ((x >> 4) & 7),
			(uint32_t)((x >> 8) % 20000), 0x19, &h);
		h.gso_type = (x >> 30) & 1 ? VIRTIO_NET_HDR_GSO_UDP_L4 :
			(x & 1 ? VIRTIO_NET_HDR_GSO_TCPV6 :
			 VIRTIO_NET_HDR_GSO_TCPV4);
		h.gso_size = (uint16_t)(100 + (x >> 32) % 1400);
		/* a few random bytes, fields or lengths */
		for (j = 0; j < ((x >> 40) & 3); j++)
			pkt[(x >> (44 + j * 6)) % 80] ^= (uint8_t)(x >> j * 8);
		switch ((x >> 60) & 7) {
		case 0:
			h.gso_type = (uint8_t)(x >> 24);
			break;
		case 1:
			h.csum_start = (uint16_t)(x >> 16);
			break;
		case 2:
			h.csum_offset = (uint16_t)(x >> 20);
			break;
		case 3:
			len = (uint32_t)((x >> 12) % (len + 1));
			break;
		case 4:
			h.hdr_len = (uint16_t)(x >> 36);
			break;
		case 5:
			h.gso_size = (uint16_t)(x >> 18);
			break;
		default:
			break;
		}
		before = st.rx_gso;
		drops = WGC_TUN_STATS_VNET_DROPS(&st);
		rc = wgc_tun_vnet_rx(&h, pkt, len, seg_max, &g, &st);
		TEST_ASSERT(rc >= -1 && rc <= 1, "rc %d", rc);
		TEST_ASSERT_EQUAL(rc == -1, WGC_TUN_STATS_VNET_DROPS(&st) ==
			drops + 1, "a drop is counted once, iteration %u", it);
		TEST_ASSERT_EQUAL(rc == 1, st.rx_gso == before + 1,
			"iteration %u", it);
		segs = 0;
		while (wgc_tun_gso_pending(&g)) {
			n = wgc_tun_gso_next(&g, &rec, v, RTE_DIM(v), &st);
			for (k = 0; k < n; k++)
				if (v[k].len > seg_max || v[k].len < 28) {
					wgc_view_release_all(v, n);
					TEST_ASSERT(0, "segment of %u B",
						v[k].len);
				}
			wgc_view_release_all(v, n);
			TEST_ASSERT(n > 0, "stuck at iteration %u", it);
			segs += n;
		}
		TEST_ASSERT(segs <= 65536, "%u segments", segs);
	}
	printf("random vnet: %" PRIu64 " split into %" PRIu64 " segments, %"
		PRIu64 " dropped\n", st.rx_gso, st.rx_gso_segs,
		WGC_TUN_STATS_VNET_DROPS(&st));
	TEST_ASSERT(st.rx_gso > 1000 && WGC_TUN_STATS_VNET_DROPS(&st) > 1000,
		"both outcomes exercised");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(tun_vnet_random_autotest, fast, tun_setup,
	test_tun_vnet_random, tun_teardown);

static int
test_tun_conf_offload(void)
{
	struct wgc_startup_conf c;
	struct wgc_conf_error err;
	const char *off = "{\"inner\": {\"offload\": false}}";
	const char *bad = "{\"inner\": {\"offload\": 1}}";

	memset(&err, 0, sizeof(err));
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, "{}", 2, &err), "{}");
	TEST_ASSERT(c.inner.offload, "offload is on by default");
	wgc_startup_conf_free(&c);
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, off, strlen(off),
		&err), "%s", err.msg);
	TEST_ASSERT(!c.inner.offload, "offload false");
	wgc_startup_conf_free(&c);
	TEST_ASSERT_FAIL(wgc_startup_conf_parse(&c, bad, strlen(bad), &err),
		"offload 1 accepted");
	TEST_ASSERT(strstr(err.msg, "inner.offload") != NULL, "%s", err.msg);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(tun_conf_offload_autotest, fast, test_tun_conf_offload);

/* ---- a real TUN in a private network namespace (root only) */

#define LIVE_TOTAL (768 * 1024)
#define LIVE_MSS 1380
#define LIVE_PORT 5001

struct live {
	struct wgc_tun *t;
	uint32_t isn;      /* the kernel's initial sequence number */
	uint32_t rcv_nxt;  /* next byte expected */
	uint32_t got;      /* stream bytes received in order */
	uint64_t stream;   /* the same, not wrapped (perf) */
	uint16_t sport;
	bool syn_seen;
	bool perf;         /* no payload check, stream until the deadline */
	unsigned int pkts, data_pkts, max_len, max_payload, bad;
};

/* pattern(off..off+len), from a table (off wraps in perf runs) */
static const uint8_t *
live_pattern(uint32_t off, uint32_t len)
{
	static uint8_t tab[LIVE_TOTAL + 2048];
	static bool done;
	uint32_t i;

	if (!done) {
		for (i = 0; i < sizeof(tab); i++)
			tab[i] = pattern(i);
		done = true;
	}
	/* perf runs stream past LIVE_TOTAL (and past 4 GiB, where off + len
	 * wraps): the content is not checked there, any window will do */
	if (off >= LIVE_TOTAL || off + len > sizeof(tab))
		off = (uint32_t)((uint64_t)off % LIVE_TOTAL);
	if (off + len > sizeof(tab))
		off = 0;
	return tab + off;
}

/*
 * Build in v one IPv4 TCP segment from 10.201.0.2:sport to
 * 10.201.0.1:dport with plen bytes pattern(poff..); a SYN carries MSS
 * LIVE_MSS and window scale 7.
 */
static int
live_build(struct wgc_view *v, uint16_t sport, uint16_t dport, uint8_t flags,
		uint32_t seq, uint32_t ack, uint16_t id, uint32_t poff,
		uint32_t plen)
{
	uint32_t hl = flags & 0x02 ? 48 : 40, len = hl + plen;
	uint8_t *b;

	if (wgc_view_alloc_bulk(&rec, v, 1) != 1)
		return -1;
	b = wgc_view_append(v, (uint16_t)len);
	if (b == NULL) {
		wgc_view_release(v);
		return -1;
	}
	memset(b, 0, hl);
	b[0] = 0x45;
	be16(b + 2, (uint16_t)len);
	be16(b + 4, id);
	b[8] = 64;
	b[9] = IPPROTO_TCP;
	b[12] = 10; b[13] = 201; b[14] = 0; b[15] = 2;
	b[16] = 10; b[17] = 201; b[18] = 0; b[19] = 1;
	be16(b + 10, (uint16_t)~ref_fold(ref_sum(b, 20, 0)));
	be16(b + 20, sport);
	be16(b + 22, dport);
	b[24] = seq >> 24; b[25] = seq >> 16; b[26] = seq >> 8; b[27] = seq;
	b[28] = ack >> 24; b[29] = ack >> 16; b[30] = ack >> 8; b[31] = ack;
	b[32] = (uint8_t)((hl - 20) / 4) << 4;
	b[33] = flags;
	be16(b + 34, 65535);    /* << 7 once scaling is on: 8 MiB */
	if (flags & 0x02) {
		b[40] = 2;      /* MSS */
		b[41] = 4;
		be16(b + 42, LIVE_MSS);
		b[44] = 1;      /* NOP */
		b[45] = 3;      /* window scale 7 */
		b[46] = 3;
		b[47] = 7;
	}
	if (plen > 0)
		memcpy(b + hl, live_pattern(poff, plen), plen);
	/* DPDK's sum here (fast enough to measure with); the kernel checks */
	((struct rte_tcp_hdr *)(b + 20))->cksum = rte_ipv4_udptcp_cksum(
		(struct rte_ipv4_hdr *)b, b + 20);
	return 0;
}

/* send one TCP segment from 10.201.0.2:LIVE_PORT to the kernel */
static int
live_send(struct live *l, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct wgc_view v;

	if (live_build(&v, LIVE_PORT, l->sport, flags, seq, ack, 0, 0, 0) != 0)
		return -1;
	return wgc_tun_tx_burst(l->t, 0, &v, 1) == 1 ? 0 : -1;
}

/* check one packet the kernel sent; follow the stream */
static void
live_packet(struct live *l, const uint8_t *d, uint32_t len)
{
	uint32_t hl, seq, plen, i;

	l->pkts++;
	l->max_len = RTE_MAX(l->max_len, len);
	if (len < 40 || (d[0] >> 4) != 4 || d[9] != IPPROTO_TCP)
		return;         /* e.g. IPv6 router solicitations */
	hl = 20 + (uint32_t)(d[32] >> 4) * 4;
	/* checksums are checked except when measuring (the reference
	 * sum is slow) */
	if (len > MTU || rd16(d + 2) != len || hl > len ||
			rd16(d + 22) != LIVE_PORT || (!l->perf &&
			(!ref_ipv4_ok(d) ||
			 ref_l4_sum(d, len, 20, IPPROTO_TCP) != 0xffff))) {
		l->bad++;
		return;
	}
	seq = rd32(d + 24);
	if (d[33] & 0x02) {
		l->isn = seq;
		l->rcv_nxt = seq + 1;
		l->sport = rd16(d + 20);
		l->syn_seen = true;
		return;
	}
	plen = len - hl;
	if (plen == 0 || !l->syn_seen)
		return;
	l->data_pkts++;
	l->max_payload = RTE_MAX(l->max_payload, plen);
	if (plen > LIVE_MSS) {
		l->bad++;
		return;
	}
	if (seq != l->rcv_nxt)
		return;         /* retransmission or out of order: ignored */
	for (i = 0; i < plen && !l->perf; i++)
		if (d[hl + i] != pattern(l->got + i)) {
			l->bad++;
			return;
		}
	l->rcv_nxt += plen;
	l->got += plen;
	if (l->perf)
		l->got %= LIVE_TOTAL;   /* wraps: the payload is not checked */
	l->stream += plen;
}

static int
live_run(struct live *l, double secs)
{
	static uint8_t data[LIVE_TOTAL];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct wgc_view v[32];
	uint32_t sent = 0, acked = 0, i;
	uint64_t deadline = rte_get_timer_cycles() +
		(uint64_t)(secs * rte_get_timer_hz());
	bool synack = false;
	int s, rc = TEST_FAILED;
	uint16_t n, k;

	for (i = 0; i < LIVE_TOTAL; i++)
		data[i] = pattern(i);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	TEST_ASSERT(s >= 0, "socket: %s", strerror(errno));
	sa.sin_port = htons(LIVE_PORT);
	sa.sin_addr.s_addr = htonl(WGC_TEST_IPV4(10, 201, 0, 2));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
			errno != EINPROGRESS) {
		printf("connect: %s\n", strerror(errno));
		goto out;
	}
	while ((l->perf || l->stream < LIVE_TOTAL) &&
			rte_get_timer_cycles() < deadline) {
		if (synack && (l->perf || sent < LIVE_TOTAL)) {
			ssize_t w = send(s, data + sent, LIVE_TOTAL - sent,
				MSG_DONTWAIT);

			if (w > 0)
				sent += (uint32_t)w;
			if (l->perf)
				sent %= LIVE_TOTAL;
		}
		n = wgc_tun_rx_burst(l->t, 0, v, RTE_DIM(v));
		for (k = 0; k < n; k++)
			live_packet(l, v[k].data, v[k].len);
		wgc_view_release_all(v, n);
		if (l->syn_seen && !synack) {
			if (live_send(l, 0x12, 1000, l->rcv_nxt) != 0)
				goto out;
			synack = true;
		} else if (synack && l->rcv_nxt != acked) {
			if (live_send(l, 0x10, 1001, l->rcv_nxt) != 0)
				goto out;
			acked = l->rcv_nxt;
		}
		if (n == 0 && !l->perf)
			usleep(100);
	}
	rc = TEST_SUCCESS;
out:
	close(s);
	return rc;
}

#define TX_PORT 5002
#define TX_SPORT 40000
#define TX_ISS 1000u

/*
 * wgc -> kernel: a listening socket behind the TUN accepts a connection
 * from a TCP sender written here (SYN, then bursts of up to 32 segments
 * within the advertised window through wgc_tun_tx_burst(), go-back-N after
 * 20 ms without progress). Some bursts carry a short segment in the
 * middle, some two segments swapped: coalescing must stop there. The
 * socket must read the stream intact.
 */
static int
live_tx_run(struct live *l, double secs, uint64_t *received)
{
	static uint8_t rbuf[256 * 1024];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint64_t hz = rte_get_timer_hz(), now, progress;
	uint64_t deadline = rte_get_timer_cycles() + (uint64_t)(secs * hz);
	uint32_t una = 0, nxt = 0, win = 0, their = 0, bursts = 0;
	struct wgc_view v[32];
	uint16_t id = 1, n, k, cnt;
	int ls, cs = -1, one = 1, ws = 0, rc = TEST_FAILED;
	bool est = false;

	*received = 0;
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	TEST_ASSERT(ls >= 0, "socket: %s", strerror(errno));
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons(TX_PORT);
	sa.sin_addr.s_addr = htonl(WGC_TEST_IPV4(10, 201, 0, 1));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
			listen(ls, 1) != 0) {
		printf("listen: %s\n", strerror(errno));
		goto out;
	}
	if (live_build(&v[0], TX_SPORT, TX_PORT, 0x02, TX_ISS, 0, id++, 0,
			0) != 0 || wgc_tun_tx_burst(l->t, 0, v, 1) != 1)
		goto out;
	progress = rte_get_timer_cycles();
	while ((now = rte_get_timer_cycles()) < deadline &&
			(l->perf || *received < LIVE_TOTAL)) {
		n = wgc_tun_rx_burst(l->t, 0, v, RTE_DIM(v));
		for (k = 0; k < n; k++) {
			const uint8_t *d = v[k].data;
			uint32_t a, hl;

			if (v[k].len < 40 || d[0] != 0x45 ||
					d[9] != IPPROTO_TCP ||
					rd16(d + 20) != TX_PORT)
				continue;
			hl = 20 + (uint32_t)(d[32] >> 4) * 4;
			if ((d[33] & 0x12) == 0x12 && !est) {
				uint32_t o;

				their = rd32(d + 24) + 1;
				for (o = 40; o + 2 < hl; ) {
					if (d[o] == 1) {
						o++;
						continue;
					}
					if (d[o] == 3)
						ws = d[o + 2];
					if (d[o + 1] < 2)
						break;
					o += d[o + 1];
				}
				win = rd16(d + 34);
				est = true;
				continue;
			}
			if (!est || !(d[33] & 0x10))
				continue;
			a = rd32(d + 28) - (TX_ISS + 1);
			if ((int32_t)(a - una) > 0) {
				una = a;
				progress = now;
			}
			win = (uint32_t)rd16(d + 34) << ws;
		}
		wgc_view_release_all(v, n);
		if (!est)
			continue;
		if (cs < 0) {
			/* the handshake's last ACK, until accepted */
			if (live_build(&v[0], TX_SPORT, TX_PORT, 0x10,
					TX_ISS + 1, their, id++, 0, 0) != 0 ||
					wgc_tun_tx_burst(l->t, 0, v, 1) != 1)
				goto out;
			cs = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
			continue;
		}
		for (;;) {
			ssize_t r = recv(cs, rbuf, sizeof(rbuf), 0);
			uint32_t off = (uint32_t)*received;

			if (r <= 0)
				break;
			if (!l->perf && memcmp(rbuf, live_pattern(off,
					(uint32_t)r), (size_t)r) != 0) {
				printf("stream corrupt near byte %u\n", off);
				goto out;
			}
			*received += (uint64_t)r;
		}
		if (nxt != una && now - progress > hz / 50) {
			nxt = una;      /* go back N */
			progress = now;
		}
		cnt = (uint16_t)RTE_MIN(32u, (una + win - nxt) / LIVE_MSS);
		if (!l->perf)
			cnt = (uint16_t)RTE_MIN((uint32_t)cnt,
				(LIVE_TOTAL - nxt + LIVE_MSS - 1) / LIVE_MSS);
		if (cnt == 0)
			continue;
		bursts++;
		for (k = 0; k < cnt; k++) {
			uint32_t plen = LIVE_MSS;

			if (!l->perf && bursts % 3 == 0 && k == 10 &&
					cnt > 12)
				plen = 700;
			if (!l->perf)
				plen = RTE_MIN(plen, LIVE_TOTAL - nxt);
			if (live_build(&v[k], TX_SPORT, TX_PORT,
					k == cnt - 1 ? 0x18 : 0x10,
					TX_ISS + 1 + nxt, their, id++, nxt,
					plen) != 0) {
				wgc_view_release_all(v, k);
				goto out;
			}
			nxt += plen;
		}
		if (!l->perf && bursts % 5 == 0 && cnt > 6) {
			struct wgc_view tmp = v[4];

			v[4] = v[5];
			v[5] = tmp;
		}
		wgc_tun_tx_burst(l->t, 0, v, cnt);
	}
	rc = TEST_SUCCESS;
out:
	if (cs >= 0)
		close(cs);
	close(ls);
	return rc;
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define UDP_GSO 1200
#define UDP_TOTAL 10000

/*
 * kernel -> wgc, UDP: one 10000-byte send() with UDP_SEGMENT 1200 leaves
 * as a GSO_UDP_L4 super-packet (USO) when offloads are on; either way
 * nine valid datagrams (eight of 1200 bytes, one of 400) must come out.
 */
static int
live_udp_run(struct live *l, unsigned int *dgrams)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint64_t deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	uint32_t got = 0, len, hl;
	struct wgc_view v[32];
	int s, gso = UDP_GSO, rc = TEST_FAILED;
	uint16_t n, k;

	*dgrams = 0;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	TEST_ASSERT(s >= 0, "socket: %s", strerror(errno));
	if (setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &gso, sizeof(gso)) != 0) {
		printf("UDP_SEGMENT: %s\n", strerror(errno));
		close(s);
		return TEST_SKIPPED;
	}
	sa.sin_port = htons(5003);
	sa.sin_addr.s_addr = htonl(WGC_TEST_IPV4(10, 201, 0, 2));
	if (sendto(s, live_pattern(0, UDP_TOTAL), UDP_TOTAL, 0,
			(struct sockaddr *)&sa, sizeof(sa)) != UDP_TOTAL) {
		printf("sendto: %s\n", strerror(errno));
		goto out;
	}
	while (got < UDP_TOTAL && rte_get_timer_cycles() < deadline) {
		n = wgc_tun_rx_burst(l->t, 0, v, RTE_DIM(v));
		for (k = 0; k < n; k++) {
			const uint8_t *d = v[k].data;

			len = v[k].len;
			if (len < 28 || d[0] != 0x45 || d[9] != IPPROTO_UDP ||
					rd16(d + 22) != 5003)
				continue;
			hl = 28;
			if (rd16(d + 2) != len || !ref_ipv4_ok(d) ||
					rd16(d + 24) != len - 20 ||
					ref_l4_sum(d, len, 20, IPPROTO_UDP) !=
					0xffff ||
					len - hl != RTE_MIN((uint32_t)UDP_GSO,
						UDP_TOTAL - got) ||
					memcmp(d + hl, live_pattern(got,
						len - hl), len - hl) != 0) {
				printf("datagram %u (%u B) wrong\n", *dgrams,
					len);
				wgc_view_release_all(v, n);
				goto out;
			}
			got += len - hl;
			(*dgrams)++;
		}
		wgc_view_release_all(v, n);
		if (n == 0)
			usleep(100);
	}
	rc = got == UDP_TOTAL ? TEST_SUCCESS : TEST_FAILED;
out:
	close(s);
	return rc;
}

static int
live_case(bool offload, bool perf, bool tx)
{
	struct wgc_tun_conf tc = { 0 };
	struct wgc_tun_stats st;
	struct live l;
	int ns, rc;

	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		printf("needs root and /dev/net/tun\n");
		return TEST_SKIPPED;
	}
	ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(ns >= 0, "own netns: %s", strerror(errno));
	if (unshare(CLONE_NEWNET) != 0) {
		printf("unshare(CLONE_NEWNET): %s\n", strerror(errno));
		close(ns);
		return TEST_SKIPPED;
	}
	memset(&l, 0, sizeof(l));
	l.perf = perf;
	tc.name = "wgctun-t0";
	tc.nb_queues = 1;
	tc.mtu = MTU;
	tc.nb_addrs = 1;
	tc.addrs[0].addr.family = AF_INET;
	tc.addrs[0].len = 24;
	memcpy(tc.addrs[0].addr.bytes, (uint8_t[]){ 10, 201, 0, 1 }, 4);
	tc.recycler = &rec;
	tc.offload = offload;
	l.t = wgc_tun_open(&tc);
	rc = TEST_FAILED;
	if (l.t == NULL) {
		printf("wgc_tun_open: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	if (wgc_tun_offload(l.t) != offload) {
		printf("offload %d asked, %d given\n", offload,
			wgc_tun_offload(l.t));
		rc = offload ? TEST_SKIPPED : TEST_FAILED;
		goto out;
	}
	if (tx) {
		uint64_t t0 = rte_get_timer_cycles(), got;
		double el;

		rc = live_tx_run(&l, perf ? 2.0 : 15.0, &got);
		el = (double)(rte_get_timer_cycles() - t0) /
			(double)rte_get_timer_hz();
		wgc_tun_stats(l.t, &st);
		printf("tun TX%s, offload %s: views -> TUN -> kernel TCP "
			"socket, one thread: %" PRIu64 " B, %.2f Gbit/s; "
			"%" PRIu64 " packets, %" PRIu64 " written as %" PRIu64
			" super-packets, %" PRIu64 " errors\n",
			perf ? " perf" : "", offload ? "on" : "off", got,
			(double)got * 8 / el / 1e9, st.tx_packets,
			st.tx_gro_segs, st.tx_gro, st.tx_errors);
		if (rc == TEST_SUCCESS && (st.tx_errors != 0 || (!perf &&
				got != LIVE_TOTAL) || got == 0 ||
				offload != (st.tx_gro != 0)))
			rc = TEST_FAILED;
		goto out;
	}
	if (perf) {
		uint64_t t0 = rte_get_timer_cycles();
		double el;

		rc = live_run(&l, 2.0);
		el = (double)(rte_get_timer_cycles() - t0) /
			(double)rte_get_timer_hz();
		wgc_tun_stats(l.t, &st);
		printf("tun RX, offload %s: kernel TCP -> TUN -> views, one "
			"thread: %.2f Gbit/s of TCP payload (%.0f reads/s "
			"saved as %" PRIu64 " super-packets -> %" PRIu64
			" segments)\n", offload ? "on" : "off",
			(double)l.stream * 8 / el / 1e9,
			(double)(st.rx_gso_segs - st.rx_gso) / el,
			st.rx_gso, st.rx_gso_segs);
		if (l.bad != 0 || l.stream == 0)
			rc = TEST_FAILED;
		goto out;
	}
	rc = live_run(&l, 15.0);
	if (rc == TEST_SUCCESS) {
		unsigned int dg;
		struct wgc_tun_stats st0;

		wgc_tun_stats(l.t, &st0);
		rc = live_udp_run(&l, &dg);
		wgc_tun_stats(l.t, &st);
		printf("live UDP, offload %s: %u datagrams, gso %" PRIu64
			" -> %" PRIu64 " segments\n", offload ? "on" : "off",
			dg, st.rx_gso - st0.rx_gso,
			st.rx_gso_segs - st0.rx_gso_segs);
		if (rc == TEST_SUCCESS && (dg != 9 || (offload &&
				st.rx_gso - st0.rx_gso != 1)))
			rc = TEST_FAILED;
		if (rc == TEST_SKIPPED)
			rc = TEST_SUCCESS;
	}
	wgc_tun_stats(l.t, &st);
	printf("live, offload %s: %u/%u bytes in order, %u packets "
		"(%u with data, "
		"largest %u B, payload %u B), %u bad; tun: gso %" PRIu64
		" -> %" PRIu64 " segments, csum %" PRIu64 ", vnet drops %"
		PRIu64 "\n", offload ? "on" : "off", l.got, LIVE_TOTAL,
		l.pkts, l.data_pkts,
		l.max_len, l.max_payload, l.bad, st.rx_gso, st.rx_gso_segs,
		st.rx_csum, WGC_TUN_STATS_VNET_DROPS(&st));
	if (rc == TEST_SUCCESS && (l.got != LIVE_TOTAL || l.bad != 0 ||
			l.max_payload != LIVE_MSS || st.tx_errors != 0 ||
			WGC_TUN_STATS_VNET_DROPS(&st) != 0))
		rc = TEST_FAILED;
	/* with offloads, super-packets and partial checksums must come */
	if (rc == TEST_SUCCESS && offload != (st.rx_gso != 0 &&
			st.rx_gso_segs > st.rx_gso && st.rx_csum != 0))
		rc = TEST_FAILED;
out:
	wgc_tun_close(l.t);
	if (setns(ns, CLONE_NEWNET) != 0) {
		printf("setns back: %s\n", strerror(errno));
		rc = TEST_FAILED;
	}
	close(ns);
	return rc;
}

/* a burst of n segments of one flow: ids, seqs from 0, PSH on the last */
static int
gro_burst(struct wgc_view *v, unsigned int n, uint32_t plen)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		if (live_build(&v[k], TX_SPORT, TX_PORT,
				k == n - 1 ? 0x18 : 0x10, 77 + k * plen, 5,
				(uint16_t)(0xfffd + k), k * plen, plen) != 0)
			return -1;
	return 0;
}

/* k segments coalesced by wgc_tun_gro(), split again: the originals */
static int
gro_roundtrip(struct wgc_view *v, unsigned int n, uint16_t k,
		const struct virtio_net_hdr *h)
{
	static uint8_t sp[70000], orig[32][1500];
	struct wgc_view seg[32];
	struct wgc_tun_stats st;
	struct wgc_tun_gso g;
	uint32_t len = v[0].len, olen[32];
	unsigned int j;
	uint16_t got;

	/* the whole burst, whose last segment has the PSH */
	TEST_ASSERT_EQUAL(k, n, "coalesced %u of %u", k, n);
	memset(&st, 0, sizeof(st));
	memcpy(sp, v[0].data, v[0].len);
	for (j = 1; j < k; j++) {
		memcpy(sp + len, v[j].data + h->hdr_len,
			v[j].len - h->hdr_len);
		len += v[j].len - h->hdr_len;
	}
	/* what the originals were: rebuilt the same way */
	for (j = 0; j < k; j++) {
		olen[j] = v[j].len;
		memcpy(orig[j], v[j].data, v[j].len);
	}
	{
		struct wgc_view o;

		/* v[0] was rewritten: rebuild the first original */
		TEST_ASSERT_SUCCESS(live_build(&o, TX_SPORT, TX_PORT, 0x10,
			77, 5, 0xfffd, 0, h->gso_size), "build");
		olen[0] = o.len;
		memcpy(orig[0], o.data, o.len);
		wgc_view_release(&o);
	}
	TEST_ASSERT_EQUAL(wgc_tun_vnet_rx(h, sp, len, seg_max, &g, &st), 1,
		"the coalesced packet is not a valid GSO packet");
	got = wgc_tun_gso_next(&g, &rec, seg, 32, &st);
	TEST_ASSERT_EQUAL(got, k, "split into %u, coalesced %u", got, k);
	for (j = 0; j < k; j++) {
		if (seg[j].len != olen[j] ||
				memcmp(seg[j].data, orig[j], olen[j]) != 0) {
			wgc_view_release_all(seg, got);
			TEST_ASSERT(0, "segment %u differs after GRO + GSO", j);
		}
	}
	wgc_view_release_all(seg, got);
	return TEST_SUCCESS;
}

static int
test_tun_gro(void)
{
	struct virtio_net_hdr h;
	struct wgc_view v[48];
	uint16_t k;
	uint8_t *d;

	/* a whole burst of one flow */
	TEST_ASSERT_SUCCESS(gro_burst(v, 20, 1380), "build");
	k = wgc_tun_gro(v, 20, &h);
	TEST_ASSERT_EQUAL(k, 20, "coalesced %u of 20", k);
	TEST_ASSERT(h.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 &&
		h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM && h.gso_size == 1380 &&
		h.hdr_len == 40 && h.csum_start == 20 && h.csum_offset == 16,
		"vnet header");
	TEST_ASSERT_EQUAL(rd16(v[0].data + 2), 40 + 20 * 1380, "length");
	TEST_ASSERT(ref_ipv4_ok(v[0].data), "IP checksum");
	TEST_ASSERT(v[0].data[33] & 0x08, "PSH of the last");
	TEST_CHECK(gro_roundtrip(v, 20, k, &h));
	wgc_view_release_all(v, 20);
	/* the last one shorter: still one packet */
	TEST_ASSERT_SUCCESS(gro_burst(v, 5, 1000), "build");
	wgc_view_release(&v[4]);
	TEST_ASSERT_SUCCESS(live_build(&v[4], TX_SPORT, TX_PORT, 0x18,
		77 + 4000, 5, (uint16_t)(0xfffd + 4), 4000, 10), "build");
	TEST_ASSERT_EQUAL(wgc_tun_gro(v, 5, &h), 5, "short last");
	TEST_CHECK(gro_roundtrip(v, 5, 5, &h));
	wgc_view_release_all(v, 5);
	/* where a run must stop */
	TEST_ASSERT_SUCCESS(gro_burst(v, 8, 1000), "build");
	d = v[3].data;
	d[28] ^= 1;                     /* another ack: bad checksum too */
	TEST_ASSERT_EQUAL(wgc_tun_gro(v, 8, &h), 3, "bad checksum/ack");
	TEST_ASSERT_EQUAL(wgc_tun_gro(&v[3], 5, &h), 1, "bad checksum");
	TEST_ASSERT_EQUAL(h.gso_type, 0, "zero header for one packet");
	TEST_ASSERT_EQUAL(wgc_tun_gro(&v[4], 4, &h), 4, "the rest");
	wgc_view_release_all(v, 8);
	/* PSH in the middle, a swapped pair, a gap in the ids, SYN */
	TEST_ASSERT_SUCCESS(gro_burst(v, 8, 1000), "build");
	{
		struct wgc_view t = v[5];

		v[5] = v[6];
		v[6] = t;
	}
	TEST_ASSERT_EQUAL(wgc_tun_gro(v, 8, &h), 5, "swapped pair");
	wgc_view_release_all(v, 8);
	TEST_ASSERT_SUCCESS(gro_burst(v, 3, 1000), "build");
	wgc_view_release(&v[1]);
	TEST_ASSERT_SUCCESS(live_build(&v[1], TX_SPORT, TX_PORT, 0x18,
		77 + 1000, 5, (uint16_t)(0xfffd + 1), 1000, 1000), "build");
	TEST_ASSERT_EQUAL(wgc_tun_gro(v, 3, &h), 2, "PSH ends a run");
	wgc_view_release_all(v, 3);
	TEST_ASSERT_SUCCESS(gro_burst(v, 3, 1000), "build");
	wgc_view_release(&v[1]);
	TEST_ASSERT_SUCCESS(live_build(&v[1], TX_SPORT, TX_PORT, 0x10,
		77 + 1000, 5, 7, 1000, 1000), "build");
	TEST_ASSERT_EQUAL(wgc_tun_gro(v, 3, &h), 1, "id gap");
	wgc_view_release_all(v, 3);
	TEST_ASSERT_SUCCESS(gro_burst(v, 2, 1000), "build");
	wgc_view_release(&v[0]);
	TEST_ASSERT_SUCCESS(live_build(&v[0], TX_SPORT, TX_PORT, 0x02,
		77, 5, 0xfffd, 0, 0), "build");
	TEST_ASSERT_EQUAL(wgc_tun_gro(v, 2, &h), 1, "SYN");
	wgc_view_release_all(v, 2);
	/* never more than 64 KiB */
	TEST_ASSERT_SUCCESS(gro_burst(v, 48, 1380), "build");
	k = wgc_tun_gro(v, 48, &h);
	TEST_ASSERT_EQUAL(k, 47, "64 KiB: %u segments of 1380", k);
	TEST_ASSERT_EQUAL(rd16(v[0].data + 2), 40 + 47 * 1380, "length");
	wgc_view_release_all(v, 48);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(tun_gro_autotest, fast, tun_setup, test_tun_gro,
	tun_teardown);

static int
test_tun_live(void)
{
	TEST_CHECK(live_case(true, false, false));
	TEST_CHECK(live_case(false, false, false));
	TEST_CHECK(live_case(true, false, true));
	return live_case(false, false, true);
}

WGC_TEST_REGISTER_FULL(tun_live_autotest, fast, tun_setup, test_tun_live,
	tun_teardown);

/*
 * The TUN edge alone, offloads off and on. RX: one thread streams kernel
 * TCP into the TUN (send()), reads it back as views and ACKs it. TX: one
 * thread writes bursts of 32 segments to a kernel TCP socket behind the
 * TUN and reads them from the socket. Prints the figures; never fails on
 * timing.
 * Command: flock /tmp/wgc-heavy.lock build/test/wgc-test tun_rx_perf
 */
static int
test_tun_rx_perf(void)
{
	TEST_CHECK(live_case(false, true, false));
	TEST_CHECK(live_case(true, true, false));
	TEST_CHECK(live_case(false, true, true));
	TEST_CHECK(live_case(true, true, true));
	printf("command: flock /tmp/wgc-heavy.lock build/test/wgc-test "
		"tun_rx_perf\n");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(tun_rx_perf, perf, tun_setup, test_tun_rx_perf,
	tun_teardown);
