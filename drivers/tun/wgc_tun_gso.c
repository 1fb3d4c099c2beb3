/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The TUN edge's virtio_net_hdr handling: completing partial checksums and
 * splitting GSO super-packets (TCPv4, TCPv6, UDP L4) into segments. Pure
 * functions on memory, so they are tested without a TUN device.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "wgc_tun.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* offsets in the TCP header */
#define TCP_SEQ_OFF 4
#define TCP_FLAGS_OFF 13
#define TCP_CSUM_OFF 16
#define UDP_LEN_OFF 4
#define UDP_CSUM_OFF 6

static inline uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * One's complement sum of len bytes as native 16-bit words (the form of
 * __rte_raw_cksum(), which adds 16 bits at a time): 64-bit loads, each
 * added as two 32-bit halves into two 64-bit accumulators, so that a
 * segment's payload costs a fraction of a cycle per byte.
 */
static uint32_t
fast_cksum(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint64_t a = sum, b = 0, x, y;
	uint16_t w;

	while (len >= 16) {
		memcpy(&x, p, 8);
		memcpy(&y, p + 8, 8);
		a += (x & 0xffffffff) + (x >> 32);
		b += (y & 0xffffffff) + (y >> 32);
		p += 16;
		len -= 16;
	}
	a += b;
	while (len >= 2) {
		memcpy(&w, p, 2);
		a += w;
		p += 2;
		len -= 2;
	}
	if (len != 0) {
		w = 0;
		memcpy(&w, p, 1);
		a += w;
	}
	a = (a & 0xffffffff) + (a >> 32);
	a = (a & 0xffffffff) + (a >> 32);
	/* reduced to 32 bits: __rte_raw_cksum_reduce() folds the rest */
	return (uint32_t)((a & 0xffff) + (a >> 16));
}

/* the folded one's complement sum, stored as it sits in the packet */
static inline uint16_t
csum_finish(uint32_t sum, bool udp)
{
	uint16_t c = (uint16_t)~__rte_raw_cksum_reduce(sum);

	/* 0 means "no checksum" for UDP; 0xffff is the same sum */
	if (c == 0 && udp)
		c = 0xffff;
	return c;
}

/* full L4 checksum of a packet whose L4 header starts at l4_off */
static uint16_t
l4_cksum(const uint8_t *pkt, uint32_t len, uint16_t l4_off, bool ipv6,
		uint8_t proto)
{
	uint32_t l4_len = len - l4_off;
	uint32_t sum;

	if (ipv6)
		sum = __rte_raw_cksum(pkt + 8, 32, 0);
	else
		sum = __rte_raw_cksum(pkt + 12, 8, 0);
	sum += rte_cpu_to_be_16((uint16_t)proto);
	sum += rte_cpu_to_be_16((uint16_t)l4_len);
	sum = fast_cksum(pkt + l4_off, l4_len, sum);
	return csum_finish(sum, proto == IPPROTO_UDP);
}

/* complete a CHECKSUM_PARTIAL packet: the field holds the pseudo sum */
static int
csum_complete(const struct virtio_net_hdr *h, uint8_t *pkt, uint32_t len,
		struct wgc_tun_stats *st)
{
	uint32_t start = h->csum_start, field = start + h->csum_offset;
	uint16_t c;

	if (start >= len || field + 2 > len || h->csum_offset < 2 ||
			(h->csum_offset & 1) != 0) {
		st->rx_bad_csum++;
		return -1;
	}
	/* the field keeps the pseudo-header sum: it is part of the sum */
	c = csum_finish(fast_cksum(pkt + start, len - start, 0),
		h->csum_offset == UDP_CSUM_OFF);
	memcpy(pkt + field, &c, 2);
	st->rx_csum++;
	return 0;
}

/* check the IP and L4 headers of a super-packet against its gso_type */
static int
gso_headers(const struct virtio_net_hdr *h, const uint8_t *pkt, uint32_t len,
		struct wgc_tun_gso *g, struct wgc_tun_stats *st)
{
	uint8_t proto = g->type == VIRTIO_NET_HDR_GSO_UDP_L4 ?
		IPPROTO_UDP : IPPROTO_TCP;
	uint32_t l4 = h->csum_start, hl;

	if (len < 20 || l4 + (proto == IPPROTO_TCP ? 20u : 8u) > len) {
		st->rx_gso_bad_hdr_len++;
		return -1;
	}
	if ((pkt[0] >> 4) == 4) {
		/* IPv4: no fragment, header length is where L4 starts */
		if (g->type == VIRTIO_NET_HDR_GSO_TCPV6 ||
				(uint32_t)(pkt[0] & 0xf) * 4 != l4 || l4 < 20 ||
				pkt[9] != proto ||
				(get_be16(pkt + 6) & 0x3fff) != 0)
			goto bad;
		g->ipv6 = 0;
	} else if ((pkt[0] >> 4) == 6) {
		/* IPv6: extension headers are copied as they are */
		if (g->type == VIRTIO_NET_HDR_GSO_TCPV4 || l4 < 40 ||
				(l4 == 40 && pkt[6] != proto))
			goto bad;
		g->ipv6 = 1;
	} else {
		goto bad;
	}
	if (proto == IPPROTO_TCP) {
		if (h->csum_offset != TCP_CSUM_OFF ||
				(pkt[l4 + 12] >> 4) < 5)
			goto bad;
		hl = l4 + (uint32_t)(pkt[l4 + 12] >> 4) * 4;
	} else {
		if (h->csum_offset != UDP_CSUM_OFF)
			goto bad;
		hl = l4 + 8;
	}
	if (hl > len) {
		st->rx_gso_bad_hdr_len++;
		return -1;
	}
	g->l4_off = (uint16_t)l4;
	g->hdr_len = (uint16_t)hl;
	return 0;
bad:
	st->rx_gso_bad_headers++;
	return -1;
}

int
wgc_tun_vnet_rx(const struct virtio_net_hdr *h, uint8_t *pkt, uint32_t len,
		uint32_t seg_max, struct wgc_tun_gso *g,
		struct wgc_tun_stats *st)
{
	uint8_t type = h->gso_type;

	g->pkt = NULL;
	if (type == VIRTIO_NET_HDR_GSO_NONE) {
		if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			return csum_complete(h, pkt, len, st) == 0 ? 0 : -1;
		return 0;
	}
	if (type & VIRTIO_NET_HDR_GSO_ECN) {
		st->rx_gso_ecn++;
		return -1;
	}
	if ((type != VIRTIO_NET_HDR_GSO_TCPV4 &&
			type != VIRTIO_NET_HDR_GSO_TCPV6 &&
			type != VIRTIO_NET_HDR_GSO_UDP_L4) ||
			!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		st->rx_gso_bad_type++;
		return -1;
	}
	if (h->hdr_len > len) {
		st->rx_gso_bad_hdr_len++;
		return -1;
	}
	g->type = type;
	if (gso_headers(h, pkt, len, g, st) != 0)
		return -1;
	if (h->gso_size == 0 || (uint32_t)g->hdr_len + h->gso_size > seg_max) {
		st->rx_gso_bad_size++;
		return -1;
	}
	g->pkt = pkt;
	g->len = len;
	g->off = g->hdr_len;
	g->mss = h->gso_size;
	g->seg = 0;
	st->rx_gso++;
	return 1;
}

/* fix up one segment's headers: d holds hdr_len bytes of headers + plen */
static void
gso_fix(const struct wgc_tun_gso *g, uint8_t *d, uint32_t plen, bool last)
{
	uint32_t len = g->hdr_len + plen;
	uint8_t *l4 = d + g->l4_off;
	uint16_t c;

	if (g->ipv6) {
		put_be16(d + 4, (uint16_t)(len - 40));
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)d;

		put_be16(d + 2, (uint16_t)len);
		put_be16(d + 4, (uint16_t)(get_be16(g->pkt + 4) + g->seg));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (g->type == VIRTIO_NET_HDR_GSO_UDP_L4) {
		put_be16(l4 + UDP_LEN_OFF, (uint16_t)(len - g->l4_off));
		memset(l4 + UDP_CSUM_OFF, 0, 2);
		c = l4_cksum(d, len, g->l4_off, g->ipv6, IPPROTO_UDP);
		memcpy(l4 + UDP_CSUM_OFF, &c, 2);
		return;
	}
	put_be32(l4 + TCP_SEQ_OFF, get_be32(g->pkt + g->l4_off + TCP_SEQ_OFF) +
		(g->off - g->hdr_len));
	if (!last)
		l4[TCP_FLAGS_OFF] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (g->seg != 0)
		l4[TCP_FLAGS_OFF] &= (uint8_t)~TCP_CWR;
	memset(l4 + TCP_CSUM_OFF, 0, 2);
	c = l4_cksum(d, len, g->l4_off, g->ipv6, IPPROTO_TCP);
	memcpy(l4 + TCP_CSUM_OFF, &c, 2);
}

uint16_t
wgc_tun_gso_next(struct wgc_tun_gso *g, struct wgc_recycler *r,
		struct wgc_view *v, uint16_t n, struct wgc_tun_stats *st)
{
	uint32_t left, want;
	uint64_t bytes = 0;
	uint16_t i;

	if (g->pkt == NULL || n == 0)
		return 0;
	left = g->len - g->off;
	/* a super-packet with no payload still gives one segment */
	want = left == 0 ? 1 : (left + g->mss - 1) / g->mss;
	n = (uint16_t)RTE_MIN(RTE_MIN((uint32_t)n, want),
		(uint32_t)WGC_IOBUF_BURST_MAX);
	if (wgc_view_alloc_bulk(r, v, n) != n) {
		st->rx_nobuf++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		uint32_t plen = RTE_MIN(left, (uint32_t)g->mss);
		uint8_t *d = wgc_view_append(&v[i],
			(uint16_t)(g->hdr_len + plen));

		if (d == NULL) {
			/* seg_max was larger than the pool's buffers */
			st->rx_gso_bad_size++;
			wgc_view_release_all(v, n);
			g->pkt = NULL;
			return 0;
		}
		memcpy(d, g->pkt, g->hdr_len);
		memcpy(d + g->hdr_len, g->pkt + g->off, plen);
		gso_fix(g, d, plen, left == plen);
		g->off += plen;
		g->seg++;
		left -= plen;
		bytes += v[i].len;
	}
	st->rx_bytes += bytes;
	st->rx_packets += n;
	st->rx_gso_segs += n;
	if (left == 0)
		g->pkt = NULL;
	return n;
}

/* ---- TX: consecutive TCP segments of one flow written as one GSO packet */

#define TCP_ACK 0x10

/* what coalescing needs to know of one segment */
struct gro_seg {
	uint8_t v6;
	uint8_t flags;
	uint16_t l4;    /* TCP header offset */
	uint16_t hl;    /* IP + TCP headers */
	uint32_t plen;  /* payload */
	uint32_t seq;
};

static uint32_t
pseudo_sum(const uint8_t *d, bool v6, uint32_t l4_len)
{
	uint32_t sum = v6 ? __rte_raw_cksum(d + 8, 32, 0) :
		__rte_raw_cksum(d + 12, 8, 0);

	sum += rte_cpu_to_be_16((uint16_t)IPPROTO_TCP);
	sum += rte_cpu_to_be_16((uint16_t)l4_len);
	return sum;
}

/* a plain TCP data segment with only ACK (and PSH) and a valid checksum */
static bool
gro_parse(const uint8_t *d, uint32_t len, struct gro_seg *s)
{
	uint32_t sum;

	if (len < 40)
		return false;
	if (d[0] == 0x45) {
		if (d[9] != IPPROTO_TCP || get_be16(d + 2) != len ||
				(get_be16(d + 6) & 0x3fff) != 0)
			return false;
		s->v6 = 0;
		s->l4 = 20;
	} else if ((d[0] >> 4) == 6) {
		if (len < 60 || d[6] != IPPROTO_TCP ||
				get_be16(d + 4) != len - 40)
			return false;
		s->v6 = 1;
		s->l4 = 40;
	} else {
		return false;
	}
	if ((d[s->l4 + 12] >> 4) < 5)
		return false;
	s->hl = (uint16_t)(s->l4 + (d[s->l4 + 12] >> 4) * 4);
	s->flags = d[s->l4 + 13];
	if (s->hl >= len || (s->flags & ~(TCP_ACK | TCP_PSH)) != 0 ||
			!(s->flags & TCP_ACK))
		return false;
	/* the kernel will not check the checksums of what it gets as a GSO
	 * packet: check them here (it would have, segment by segment) */
	sum = pseudo_sum(d, s->v6, len - s->l4);
	sum = fast_cksum(d + s->l4, len - s->l4, sum);
	if (__rte_raw_cksum_reduce(sum) != 0xffff)
		return false;
	s->plen = len - s->hl;
	s->seq = get_be32(d + s->l4 + TCP_SEQ_OFF);
	return true;
}

/* can b (segment sb) follow a (sa) in one super-packet of MSS mss? */
static bool
gro_follows(const uint8_t *a, const struct gro_seg *sa, const uint8_t *b,
		const struct gro_seg *sb, uint32_t mss)
{
	uint16_t l4 = sa->l4;

	if (sb->v6 != sa->v6 || sb->hl != sa->hl || sa->plen != mss ||
			sb->plen > mss || (sa->flags & TCP_PSH) != 0 ||
			sb->seq != sa->seq + sa->plen)
		return false;
	if (sa->v6) {
		/* version, class, flow label; hop limit; addresses */
		if (memcmp(a, b, 4) != 0 || a[7] != b[7] ||
				memcmp(a + 8, b + 8, 32) != 0)
			return false;
	} else {
		/* TOS; DF; TTL; addresses; ids one apart */
		if (a[1] != b[1] || a[6] != b[6] || a[8] != b[8] ||
				memcmp(a + 12, b + 12, 8) != 0 ||
				get_be16(b + 4) !=
				(uint16_t)(get_be16(a + 4) + 1))
			return false;
	}
	/* ports; ack; window and options the same */
	return memcmp(a + l4, b + l4, 4) == 0 &&
		memcmp(a + l4 + 8, b + l4 + 8, 4) == 0 &&
		memcmp(a + l4 + 14, b + l4 + 14, 2) == 0 &&
		memcmp(a + l4 + 20, b + l4 + 20, sa->hl - l4 - 20u) == 0;
}

uint16_t
wgc_tun_gro(struct wgc_view *v, uint16_t n, struct virtio_net_hdr *h)
{
	struct gro_seg head, prev, cur;
	uint32_t total;
	uint16_t k;
	uint8_t *d;
	uint16_t c;

	memset(h, 0, sizeof(*h));
	if (n < 2 || wgc_view_is_empty(&v[0]) ||
			!gro_parse(v[0].data, v[0].len, &head))
		return 1;
	total = v[0].len;
	prev = head;
	for (k = 1; k < n; k++) {
		if (wgc_view_is_empty(&v[k]) ||
				!gro_parse(v[k].data, v[k].len, &cur) ||
				!gro_follows(v[k - 1].data, &prev, v[k].data,
					&cur, head.plen) ||
				total + cur.plen > (head.v6 ? 65535u + 40 :
					65535u))
			break;
		total += cur.plen;
		prev = cur;
	}
	if (k == 1)
		return 1;
	/* the head becomes the super-packet's headers */
	d = v[0].data;
	if (head.v6) {
		put_be16(d + 4, (uint16_t)(total - 40));
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)d;

		put_be16(d + 2, (uint16_t)total);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	d[head.l4 + TCP_FLAGS_OFF] |= prev.flags & TCP_PSH;
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum */
	c = __rte_raw_cksum_reduce(pseudo_sum(d, head.v6, total - head.l4));
	memcpy(d + head.l4 + TCP_CSUM_OFF, &c, 2);
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->gso_type = head.v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
		VIRTIO_NET_HDR_GSO_TCPV4;
	h->hdr_len = head.hl;
	h->gso_size = (uint16_t)head.plen;
	h->csum_start = head.l4;
	h->csum_offset = TCP_CSUM_OFF;
	return k;
}
