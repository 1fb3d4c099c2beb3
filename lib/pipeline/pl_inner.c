/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Inner packets and the tunnel MTU: an inner packet longer than the MTU
 * gets an ICMP "fragmentation needed" (IPv4 with DF) or ICMPv6 "packet too
 * big" back to its sender, built in place in the offending packet's
 * buffer, under a token bucket; and TCP MSS clamping of SYNs.
 */

#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "pl_private.h"

#define PL_NS_PER_S 1000000000ull

#define ICMP4_DEST_UNREACH 3
#define ICMP4_FRAG_NEEDED 4         /* code of DEST_UNREACH */
#define ICMP6_PACKET_TOO_BIG 2
#define IPPROTO_ICMP6 58
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2

void
pl_bucket_init(struct pl_bucket *b, uint32_t rate, uint32_t burst,
		uint64_t now)
{
	b->cost = PL_NS_PER_S / RTE_MAX(rate, 1u);
	b->cap = b->cost * RTE_MAX(burst, 1u);
	b->credit = b->cap;
	b->last = now;
}

bool
pl_bucket_take(struct pl_bucket *b, uint64_t now)
{
	if (now > b->last) {
		uint64_t d = now - b->last;

		b->credit = d >= b->cap - b->credit ? b->cap : b->credit + d;
		b->last = now;
	}
	if (b->credit < b->cost)
		return false;
	b->credit -= b->cost;
	return true;
}

/* ---- ICMP errors ---- */

/* an address no ICMP error may be sent from or to (RFC 1812 4.3.2.7) */
static bool
ip4_bad_peer(rte_be32_t a)
{
	uint32_t h = rte_be_to_cpu_32(a);

	return h == 0 || h == UINT32_MAX || (h >> 24) == 127 ||
		(h >> 28) >= 0xe;
}

/* ICMP types that are errors: never answered with an error */
static bool
icmp4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 ||
		type == 12;
}

enum tb_verdict {
	TB_ERROR,       /* an error is due */
	TB_NO_DF,       /* IPv4 without DF: no error, counted apart */
	TB_SILENT,      /* no error may be sent about this packet */
};

static enum tb_verdict
too_big_ip4(const uint8_t *d, uint32_t len)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)d;
	uint32_t ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);

	if ((frag & RTE_IPV4_HDR_DF_FLAG) == 0)
		return TB_NO_DF;
	if (ihl < sizeof(*ip) || ihl > len ||
			(frag & RTE_IPV4_HDR_OFFSET_MASK) != 0 ||
			ip4_bad_peer(ip->src_addr) ||
			ip4_bad_peer(ip->dst_addr))
		return TB_SILENT;
	if (ip->next_proto_id == IPPROTO_ICMP &&
			(ihl >= len || icmp4_is_error(d[ihl])))
		return TB_SILENT;
	return TB_ERROR;
}

static enum tb_verdict
too_big_ip6(const uint8_t *d, uint32_t len)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)d;
	static const uint8_t zero[16];

	/* RFC 4443 2.4 (e): not about an error, not to an unspecified or
	 * multicast source */
	if (ip->src_addr[0] == 0xff || memcmp(ip->src_addr, zero, 16) == 0)
		return TB_SILENT;
	if (ip->proto == IPPROTO_ICMP6 &&
			(len <= sizeof(*ip) || d[sizeof(*ip)] < 128))
		return TB_SILENT;
	return TB_ERROR;
}

/* "fragmentation needed" quoting the start of the packet in v */
static int
build_icmp4(const struct wgc_pipeline_conf *c, struct wgc_view *v)
{
	const uint32_t hl = sizeof(struct rte_ipv4_hdr) + 8;
	struct rte_ipv4_hdr *ip, *q;
	uint8_t *ic;
	uint32_t quote = RTE_MIN(v->len, PL_ICMP4_MAX - hl);

	wgc_view_trim(v, v->len - quote);
	ip = (struct rte_ipv4_hdr *)wgc_view_prepend(v, (uint16_t)hl);
	if (ip == NULL)
		return -1;
	q = (struct rte_ipv4_hdr *)(v->data + hl);
	ic = v->data + sizeof(*ip);
	memset(ip, 0, hl);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xc0;     /* internetwork control */
	ip->total_length = rte_cpu_to_be_16((uint16_t)v->len);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = c->icmp_src4.family == AF_INET ? c->icmp_src4.ip4 :
		q->dst_addr;
	ip->dst_addr = q->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic[0] = ICMP4_DEST_UNREACH;
	ic[1] = ICMP4_FRAG_NEEDED;
	/* bytes 4..5 unused, 6..7 the next-hop MTU (RFC 1191) */
	ic[6] = (uint8_t)(c->mtu >> 8);
	ic[7] = (uint8_t)c->mtu;
	{
		uint16_t ck = (uint16_t)~rte_raw_cksum(ic, v->len -
			sizeof(*ip));

		memcpy(ic + 2, &ck, 2);
	}
	return 0;
}

/* "packet too big" quoting the start of the packet in v */
static int
build_icmp6(const struct wgc_pipeline_conf *c, struct wgc_view *v)
{
	const uint32_t hl = sizeof(struct rte_ipv6_hdr) + 8;
	struct rte_ipv6_hdr *ip, *q;
	uint8_t *ic;
	uint32_t quote = RTE_MIN(v->len, PL_ICMP6_MAX - hl);
	rte_be32_t mtu = rte_cpu_to_be_32(c->mtu);
	uint16_t ck;

	wgc_view_trim(v, v->len - quote);
	ip = (struct rte_ipv6_hdr *)wgc_view_prepend(v, (uint16_t)hl);
	if (ip == NULL)
		return -1;
	q = (struct rte_ipv6_hdr *)(v->data + hl);
	ic = v->data + sizeof(*ip);
	memset(ip, 0, hl);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(v->len - sizeof(*ip)));
	ip->proto = IPPROTO_ICMP6;
	ip->hop_limits = 64;
	if (c->icmp_src6.family == AF_INET6)
		memcpy(ip->src_addr, c->icmp_src6.bytes, 16);
	else
		memcpy(ip->src_addr, q->dst_addr, 16);
	memcpy(ip->dst_addr, q->src_addr, 16);
	ic[0] = ICMP6_PACKET_TOO_BIG;
	ic[1] = 0;
	memcpy(ic + 4, &mtu, 4);
	ck = rte_ipv6_udptcp_cksum(ip, ic);
	memcpy(ic + 2, &ck, 2);
	return 0;
}

unsigned int
pl_inner_too_big(const struct wgc_pipeline_conf *c, struct pl_bucket *b,
		struct wgc_pipeline_stats *st, struct wgc_view *v, uint64_t now,
		struct wgc_view *icmp)
{
	enum tb_verdict vd;
	bool v6;
	int rc;

	/* the caller routed it: an IPv4 or IPv6 header is there */
	v6 = (v->data[0] >> 4) == 6;
	vd = v6 ? too_big_ip6(v->data, v->len) :
		too_big_ip4(v->data, v->len);
	if (vd == TB_NO_DF) {
		st->drop[WGC_PL_DROP_TOO_BIG_NO_DF]++;
		wgc_view_release(v);
		return 0;
	}
	st->drop[WGC_PL_DROP_TOO_BIG]++;
	if (vd == TB_SILENT) {
		wgc_view_release(v);
		return 0;
	}
	if (!pl_bucket_take(b, now)) {
		st->icmp_rate_limited++;
		wgc_view_release(v);
		return 0;
	}
	rc = v6 ? build_icmp6(c, v) : build_icmp4(c, v);
	if (rc != 0) {
		wgc_view_release(v);
		return 0;
	}
	st->icmp_tx++;
	wgc_view_claim(icmp, v);
	return 1;
}

/* ---- TCP MSS clamping ---- */

/*
 * Replace the two bytes at tcp + off with val (network order) and update
 * the TCP checksum (RFC 1624: HC' = ~(~HC + ~m + m')) over the 16-bit
 * words they cover (two words when off is odd). The caller guarantees the
 * covering words lie inside the header.
 */
static void
tcp_replace16(uint8_t *tcp, uint32_t off, const uint8_t val[2])
{
	uint32_t start = off & ~1u, end = (off + 3) & ~1u, w;
	uint16_t oldw[2], neww[2], ck;
	uint32_t sum;
	unsigned int k, nw = (end - start) / 2;

	memcpy(oldw, tcp + start, nw * 2);
	tcp[off] = val[0];
	tcp[off + 1] = val[1];
	memcpy(neww, tcp + start, nw * 2);
	memcpy(&ck, tcp + 16, 2);
	sum = (uint16_t)~ck;
	for (k = 0; k < nw; k++)
		sum += (uint16_t)~oldw[k] + (uint32_t)neww[k];
	for (w = 0; w < 2; w++)
		sum = (sum & 0xffff) + (sum >> 16);
	ck = (uint16_t)~sum;
	memcpy(tcp + 16, &ck, 2);
}

bool
pl_mss_clamp(uint8_t *ip, uint32_t len, uint16_t mss4, uint16_t mss6)
{
	uint32_t l4, end, thl, i;
	uint16_t mss;
	uint8_t *tcp;

	if (len < sizeof(struct rte_ipv4_hdr))
		return false;
	if ((ip[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *h = (const struct rte_ipv4_hdr *)ip;

		l4 = (uint32_t)(ip[0] & 0xf) * 4;
		end = rte_be_to_cpu_16(h->total_length);
		if (mss4 == 0 || h->next_proto_id != IPPROTO_TCP ||
				l4 < sizeof(*h) || end > len ||
				(h->fragment_offset & RTE_BE16(
					RTE_IPV4_HDR_MF_FLAG |
					RTE_IPV4_HDR_OFFSET_MASK)) != 0)
			return false;
		mss = mss4;
	} else if ((ip[0] >> 4) == 6 && len >= sizeof(struct rte_ipv6_hdr)) {
		const struct rte_ipv6_hdr *h = (const struct rte_ipv6_hdr *)ip;

		l4 = sizeof(*h);
		end = l4 + rte_be_to_cpu_16(h->payload_len);
		if (mss6 == 0 || h->proto != IPPROTO_TCP || end > len)
			return false;
		mss = mss6;
	} else {
		return false;
	}
	if (end < l4 + sizeof(struct rte_tcp_hdr))
		return false;
	tcp = ip + l4;
	if ((tcp[13] & RTE_TCP_SYN_FLAG) == 0)
		return false;
	thl = (uint32_t)(tcp[12] >> 4) * 4;
	if (thl < sizeof(struct rte_tcp_hdr) || l4 + thl > end)
		return false;
	/* options: EOL ends, NOP is one byte, others kind + length >= 2 */
	for (i = sizeof(struct rte_tcp_hdr); i < thl;) {
		uint8_t kind = tcp[i], olen;

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 2 > thl)
			return false;
		olen = tcp[i + 1];
		if (olen < 2 || i + olen > thl)
			return false;
		if (kind == TCP_OPT_MSS) {
			uint8_t val[2];

			if (olen != 4)
				return false;
			if (((uint32_t)tcp[i + 2] << 8 | tcp[i + 3]) <= mss)
				return false;
			val[0] = (uint8_t)(mss >> 8);
			val[1] = (uint8_t)mss;
			tcp_replace16(tcp, i + 2, val);
			return true;
		}
		i += olen;
	}
	return false;
}
