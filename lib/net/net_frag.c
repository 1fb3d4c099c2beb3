/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Outer fragments.
 *
 * Reassembly: UDP fragments to one of our addresses go to the calling
 * lcore's rte_ip_frag table (one per EAL lcore, created with the port, so
 * no lock). A table holds at most frag_entries datagrams, each at most
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG buffers; entries older than frag_timeout_ms
 * are expired at the start of every burst with a fragment and on every
 * wgc_net_frag_poll(); the death row is freed before it can overflow and
 * at the end of every burst. rte_ip_frag says only "held", "done" or
 * "dropped", so the reason of a drop is read from how many buffers went
 * to the death row: with stale entries already expired, one buffer is
 * the fragment itself refused for want of an entry (table full), more is
 * a datagram given up with its fragments (malformed).
 *
 * A reassembled datagram is an mbuf chain; the rest of wgc works on
 * contiguous views, so it is linearized into its first buffer, or copied
 * into one buffer of the same pool, or dropped (frag_no_room).
 *
 * Fragmentation: an encapsulated frame above the MTU is cut in place (the
 * first fragment keeps the buffer) and the other fragments are copied
 * into fresh single-segment buffers: views are single-segment throughout
 * wgc, and rte_ipv4/6_fragment_packet() would give chains of indirect
 * mbufs (a second pool, and multi-segment TX the edges do not take).
 */

#include <errno.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "net_private.h"

#define FRAG_HDR_LEN 8
/* buffers one fragment can send to the death row: its datagram's + itself */
#define DR_PER_FRAG (RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1)

struct net_frag {
	struct rte_ip_frag_tbl *tbl;
	uint64_t now;               /* TSC of the current burst */
	bool active;                /* a fragment was ever seen */
	struct rte_ip_frag_death_row dr;
};

int
net_frag_create(struct wgc_net_port *p, int socket_id)
{
	unsigned int lcore;
	uint32_t buckets;

	buckets = rte_align32pow2(RTE_MAX(p->frag_entries / 2, 1u));
	RTE_LCORE_FOREACH(lcore) {
		struct net_frag *f;

		f = rte_zmalloc_socket("wgc_net_frag", sizeof(*f),
			RTE_CACHE_LINE_SIZE, socket_id);
		if (f == NULL)
			return -ENOMEM;
		p->lc[lcore].frag = f;
		/* 4-way buckets, two hashes: 4x the entries, few collisions */
		f->tbl = rte_ip_frag_table_create(buckets, 4, p->frag_entries,
			p->frag_cycles, socket_id);
		if (f->tbl == NULL)
			return -ENOMEM;
		p->lc[lcore].ip6_id = (uint32_t)rte_rand();
	}
	return 0;
}

void
net_frag_free(struct wgc_net_port *p)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(p->lc); i++) {
		struct net_frag *f = p->lc[i].frag;

		if (f == NULL)
			continue;
		if (f->tbl != NULL)
			rte_ip_frag_table_destroy(f->tbl);
		rte_ip_frag_free_death_row(&f->dr, 0);
		rte_free(f);
		p->lc[i].frag = NULL;
	}
}

/* expire old entries; what they held is counted as timed out */
static void
frag_expire(struct net_lcore *lc, struct net_frag *f)
{
	uint32_t freed;

	do {
		rte_ip_frag_free_death_row(&f->dr, 0);
		rte_ip_frag_table_del_expired_entries(f->tbl, &f->dr, f->now);
		freed = f->dr.cnt;
		lc->st.drop[WGC_NET_DROP_FRAG_TIMEOUT] += freed;
	} while (freed > 0);
}

void
net_frag_begin(struct wgc_net_port *p, struct net_lcore *lc)
{
	struct net_frag *f = lc->frag;

	RTE_SET_USED(p);
	if (f == NULL)
		return;
	f->active = true;
	f->now = rte_get_tsc_cycles();
	frag_expire(lc, f);
}

void
net_frag_end(struct net_lcore *lc)
{
	struct net_frag *f = lc->frag;

	if (f != NULL && f->dr.cnt > 0)
		rte_ip_frag_free_death_row(&f->dr, 0);
}

void
wgc_net_frag_poll(struct wgc_net_port *p)
{
	struct net_lcore *lc = net_lcore(p);
	struct net_frag *f = lc->frag;

	if (f == NULL || !f->active)
		return;
	f->now = rte_get_tsc_cycles();
	frag_expire(lc, f);
}

void
wgc_net_frag_flush(struct wgc_net_port *p)
{
	struct net_lcore *lc = net_lcore(p);
	struct net_frag *f = lc->frag;

	if (f == NULL)
		return;
	f->now = UINT64_MAX;
	frag_expire(lc, f);
}

/* copy a chain into one fresh buffer of mp; NULL if it does not fit */
static struct rte_mbuf *
frag_copy(struct rte_mbuf *m, struct rte_mempool *mp)
{
	struct rte_mbuf *c, *s;
	uint8_t *d;

	c = rte_pktmbuf_alloc(mp);
	if (c == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(c, (uint16_t)RTE_MIN(m->pkt_len,
		(uint32_t)UINT16_MAX));
	if (d == NULL || m->pkt_len > UINT16_MAX) {
		rte_pktmbuf_free(c);
		return NULL;
	}
	for (s = m; s != NULL; s = s->next) {
		memcpy(d, rte_pktmbuf_mtod(s, uint8_t *), s->data_len);
		d += s->data_len;
	}
	c->ol_flags = m->ol_flags;
	return c;
}

/* RFC 6946: a fragment header with offset 0 and no M is no fragment */
static void
frag_atomic(struct rte_mbuf *m, const struct net_parse *r)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + r->l3);

	ip->proto = d[r->l4 - FRAG_HDR_LEN];
	ip->payload_len = rte_cpu_to_be_16(
		rte_be_to_cpu_16(ip->payload_len) - FRAG_HDR_LEN);
	memmove(d + FRAG_HDR_LEN, d, r->l3 + IP6_HLEN);
	rte_pktmbuf_adj(m, FRAG_HDR_LEN);
}

int
net_frag_input(struct wgc_net_port *p, struct net_lcore *lc,
		struct wgc_view *v, const struct net_parse *r)
{
	struct net_frag *f = lc->frag;
	struct wgc_recycler *rc = v->recycler;
	struct rte_mempool *mp = wgc_recycler_mempool(rc);
	struct rte_mbuf *m, *out;
	uint32_t before, freed;
	uint8_t *d;

	RTE_SET_USED(p);
	if (f == NULL || mp == NULL) {
		lc->st.drop[r->family == AF_INET ? WGC_NET_DROP_IP4_FRAG :
			WGC_NET_DROP_IP6_EXT]++;
		wgc_view_release(v);
		return 0;
	}
	lc->st.rx_frag++;
	m = wgc_view_to_mbuf(v);
	m->l2_len = r->l3;
	m->l3_len = r->l4 - r->l3;
	d = rte_pktmbuf_mtod(m, uint8_t *);
	if (r->family == AF_INET6 && d[r->l4 - 6] == 0 &&
			(d[r->l4 - 5] & 0xf9) == 0) {
		frag_atomic(m, r);
		out = m;
		goto done;
	}
	if (f->dr.cnt > RTE_IP_FRAG_DEATH_ROW_MBUF_LEN - DR_PER_FRAG)
		rte_ip_frag_free_death_row(&f->dr, 0);
	before = f->dr.cnt;
	if (r->family == AF_INET)
		out = rte_ipv4_frag_reassemble_packet(f->tbl, &f->dr, m,
			f->now, (struct rte_ipv4_hdr *)(d + r->l3));
	else
		out = rte_ipv6_frag_reassemble_packet(f->tbl, &f->dr, m,
			f->now, (struct rte_ipv6_hdr *)(d + r->l3),
			(struct rte_ipv6_fragment_ext *)(d + r->l3 + IP6_HLEN));
	freed = f->dr.cnt - before;
	if (out == NULL) {
		if (freed == 1)
			lc->st.drop[WGC_NET_DROP_FRAG_TABLE_FULL]++;
		else if (freed > 1)
			lc->st.drop[WGC_NET_DROP_FRAG_MALFORMED] += freed;
		return 0;
	}
	lc->st.rx_reassembled++;
	if (out->pool != mp || (out->nb_segs > 1 &&
			rte_pktmbuf_linearize(out) != 0)) {
		struct rte_mbuf *c = frag_copy(out, mp);

		rte_pktmbuf_free(out);
		if (c == NULL) {
			lc->st.drop[WGC_NET_DROP_FRAG_NO_ROOM]++;
			return 0;
		}
		out = c;
	}
	if (r->family == AF_INET) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(out,
			struct rte_ipv4_hdr *, r->l3);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~net_sum(ip,
			(ip->version_ihl & 0xf) * 4u, 0);
	}
done:
	/* the PMD's checksum verdicts were about one fragment */
	out->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK |
		RTE_MBUF_F_RX_L4_CKSUM_MASK);
	wgc_view_from_mbuf(v, out, rc);
	return 1;
}

/* the view's own pool, else the port's */
static struct wgc_recycler *
frag_recycler(struct wgc_net_port *p, const struct wgc_view *v)
{
	if (wgc_recycler_mempool(v->recycler) != NULL)
		return v->recycler;
	return &p->pool_rc;
}

int
net_frag_split(struct wgc_net_port *p, struct net_lcore *lc,
		struct wgc_view *v, uint16_t l2, bool v4, struct wgc_view *out,
		uint16_t max)
{
	uint16_t l3 = v4 ? IP4_HLEN : IP6_HLEN + FRAG_HDR_LEN;
	uint32_t fs, len, nf, j, off, chunk, id = 0;
	uint8_t *d = v->data, *o;

	if (p->mtu <= l3 + 8)
		return -WGC_NET_DROP_TOO_BIG;
	fs = (p->mtu - l3) & ~7u;
	len = v->len - l2 - (v4 ? IP4_HLEN : IP6_HLEN);
	nf = (len + fs - 1) / fs;
	if (nf > max || nf > WGC_NET_FRAG_MAX)
		return -WGC_NET_DROP_TOO_BIG;
	if (wgc_view_alloc_bulk(frag_recycler(p, v), out + 1, nf - 1) !=
			nf - 1)
		return -WGC_NET_DROP_NO_MBUF;
	if (!v4)
		id = rte_cpu_to_be_32(lc->ip6_id++);
	/* fragments 2..nf copied from the frame, which is left intact */
	for (j = 1; j < nf; j++) {
		off = j * fs;
		chunk = RTE_MIN(fs, len - off);
		o = wgc_view_append(&out[j], (uint16_t)(l2 + l3 + chunk));
		if (o == NULL) {
			wgc_view_release_all(out + 1, nf - 1);
			return -WGC_NET_DROP_NO_MBUF;
		}
		if (v4) {
			struct rte_ipv4_hdr *ip;

			memcpy(o, d, l2 + IP4_HLEN);
			memcpy(o + l2 + IP4_HLEN, d + l2 + IP4_HLEN + off,
				chunk);
			ip = (struct rte_ipv4_hdr *)(o + l2);
			ip->total_length = rte_cpu_to_be_16(
				(uint16_t)(IP4_HLEN + chunk));
			ip->fragment_offset = rte_cpu_to_be_16((uint16_t)
				((off >> 3) | (j + 1 < nf ?
				 RTE_IPV4_HDR_MF_FLAG : 0)));
			ip->hdr_checksum = 0;
			ip->hdr_checksum = (uint16_t)~net_sum(ip, IP4_HLEN, 0);
		} else {
			struct rte_ipv6_hdr *ip;
			struct rte_ipv6_fragment_ext *fh;

			memcpy(o, d, l2 + IP6_HLEN);
			memcpy(o + l2 + l3, d + l2 + IP6_HLEN + off, chunk);
			ip = (struct rte_ipv6_hdr *)(o + l2);
			fh = (struct rte_ipv6_fragment_ext *)(ip + 1);
			ip->proto = IPPROTO_FRAGMENT;
			ip->payload_len = rte_cpu_to_be_16(
				(uint16_t)(FRAG_HDR_LEN + chunk));
			fh->next_header = IPPROTO_UDP;
			fh->reserved = 0;
			fh->frag_data = rte_cpu_to_be_16((uint16_t)(off |
				(j + 1 < nf ? 1 : 0)));
			fh->id = id;
		}
	}
	/* fragment 1 in place */
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + l2);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(IP4_HLEN + fs));
		ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~net_sum(ip, IP4_HLEN, 0);
	} else {
		struct rte_ipv6_hdr *ip;
		struct rte_ipv6_fragment_ext *fh;

		o = wgc_view_prepend(v, FRAG_HDR_LEN);
		if (o == NULL) {
			wgc_view_release_all(out + 1, nf - 1);
			return -WGC_NET_DROP_NO_HEADROOM;
		}
		memmove(o, o + FRAG_HDR_LEN, l2 + IP6_HLEN);
		ip = (struct rte_ipv6_hdr *)(o + l2);
		fh = (struct rte_ipv6_fragment_ext *)(ip + 1);
		ip->proto = IPPROTO_FRAGMENT;
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(FRAG_HDR_LEN +
			fs));
		fh->next_header = IPPROTO_UDP;
		fh->reserved = 0;
		fh->frag_data = RTE_BE16(1);
		fh->id = id;
	}
	wgc_view_trim(v, v->len - (l2 + l3 + fs));
	wgc_view_claim(&out[0], v);
	lc->st.tx_fragmented++;
	lc->st.tx_frags += nf;
	return (int)nf;
}
