/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Next hop and outer encapsulation: UDP, IPv4 or IPv6, optional VLAN and
 * Ethernet prepended into the view's headroom, no copy. Runs on workers;
 * reads the neighbour table lock-free and hands unresolved packets to the
 * slow path over the port's ring.
 */

#include <errno.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "net_private.h"

static inline bool
ip6_on_link(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - bits))) == 0;
}

int
wgc_net_route(const struct wgc_net_port *p, const struct wgc_addr *dst,
		struct wgc_addr *nh)
{
	unsigned int i;

	if (dst->family == AF_INET) {
		if (p->nb_ip4 == 0)
			return -ENETUNREACH;
		for (i = 0; i < p->nb_ip4; i++) {
			if (((dst->ip4 ^ p->ip4[i]) & p->mask4[i]) == 0) {
				*nh = *dst;
				return 0;
			}
		}
		if (p->gw4 == 0)
			return -ENETUNREACH;
		memset(nh, 0, sizeof(*nh));
		nh->family = AF_INET;
		nh->ip4 = p->gw4;
		return 0;
	}
	if (dst->family != AF_INET6 || p->nb_ip6 == 0)
		return -ENETUNREACH;
	for (i = 0; i < p->nb_ip6; i++) {
		if (ip6_on_link(dst->bytes, p->ip6[i], p->prefix6[i])) {
			*nh = *dst;
			return 0;
		}
	}
	if (!p->has_gw6)
		return -ENETUNREACH;
	memset(nh, 0, sizeof(*nh));
	nh->family = AF_INET6;
	memcpy(nh->bytes, p->gw6, 16);
	return 0;
}

/* RFC 768: a computed 0 is sent as all ones (0 means "none") */
static inline uint16_t
udp_cksum(uint16_t c)
{
	return c == 0 ? 0xffff : c;
}

static inline struct rte_mbuf *
view_mbuf(const struct wgc_view *v)
{
	if (wgc_recycler_mempool(v->recycler) == NULL)
		return NULL;
	return (struct rte_mbuf *)v->backing;
}

/*
 * Next hop and neighbour of the previous packet of a burst: consecutive
 * packets to one endpoint (one peer's run) are routed and resolved once.
 */
struct encap_cache {
	bool valid;
	int route_rc;
	bool resolved;
	struct wgc_addr dst;
	struct wgc_addr nh;
	struct rte_ether_addr mac;
	/* IPv4, checksums in software: the outer headers to dst:tmpl_port */
	bool tmpl_ok;
	uint16_t tmpl_port;
	uint32_t ip_sum;            /* IPv4 header, length and ID zero */
	uint32_t udp_sum;           /* pseudo-header addresses, protocol, ports */
	uint8_t tmpl[ETH_HLEN + VLAN_HLEN + IP4_HLEN + UDP_HLEN];
};

/*
 * Ethernet (+ VLAN), IPv4 and UDP headers to one IPv4 destination, built
 * once per run of a burst to that destination: per packet only the
 * lengths, the IPv4 ID and the two checksums change, and the checksums
 * start from the template's sums.
 */
static void
tmpl4_fill(const struct wgc_net_port *p, struct encap_cache *c,
		const struct wgc_endpoint *dst, uint16_t l2)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)c->tmpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(c->tmpl + l2);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(c->tmpl + l2 +
		IP4_HLEN);
	rte_be32_t sa = p->ip4[0], da = dst->addr.ip4;

	memset(c->tmpl, 0, sizeof(c->tmpl));
	if (c->resolved)
		eh->dst_addr = c->mac;
	eh->src_addr = p->mac;
	if (p->vlan == 0) {
		eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	} else {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eh + 1);

		eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = p->vlan_tci_be;
		vh->eth_proto = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	}
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = sa;
	ip->dst_addr = da;
	u->src_port = __atomic_load_n(&p->listen_port, __ATOMIC_RELAXED);
	u->dst_port = rte_cpu_to_be_16(dst->port);
	c->ip_sum = net_sum_ip4_hdr(ip);
	/* the 16-bit words in memory order, as net_cksum4() adds them */
	c->udp_sum = (sa & 0xffff) + (sa >> 16) + (da & 0xffff) + (da >> 16) +
		rte_cpu_to_be_16((uint16_t)IPPROTO_UDP) + u->src_port +
		u->dst_port;
	c->tmpl_port = dst->port;
	c->tmpl_ok = true;
}

/* the headers of one packet from the template (d: the prepended room) */
static inline void
tmpl4_encap(struct net_lcore *lc, const struct encap_cache *c, uint8_t *d,
		uint16_t l2, uint32_t plen)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + l2);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(d + l2 + IP4_HLEN);
	rte_be16_t tl = rte_cpu_to_be_16((uint16_t)(plen + UDP_HLEN +
		IP4_HLEN));
	rte_be16_t id = rte_cpu_to_be_16(lc->ip_id++);
	rte_be16_t ul = rte_cpu_to_be_16((uint16_t)(plen + UDP_HLEN));
	uint32_t s;

	/* constant sizes: copied inline */
	if (l2 == ETH_HLEN)
		memcpy(d, c->tmpl, ETH_HLEN + IP4_HLEN + UDP_HLEN);
	else
		memcpy(d, c->tmpl, ETH_HLEN + VLAN_HLEN + IP4_HLEN + UDP_HLEN);
	ip->total_length = tl;
	ip->packet_id = id;
	s = c->ip_sum + tl + id;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	ip->hdr_checksum = (uint16_t)~s;
	u->dgram_len = ul;
	/* the UDP length is in the pseudo-header and in the header */
	u->dgram_cksum = udp_cksum((uint16_t)~net_sum(u + 1, plen,
		c->udp_sum + 2u * ul));
}

/* encap one view; returns 1 resolved, 0 unresolved, -reason on drop */
static inline int
encap_one(struct wgc_net_port *p, struct net_lcore *lc, struct wgc_view *v,
		const struct wgc_endpoint *dst, struct wgc_addr *nh,
		struct encap_cache *c, bool frag)
{
	uint16_t l2 = p->vlan ? ETH_HLEN + VLAN_HLEN : ETH_HLEN;
	bool v4 = dst->addr.family == AF_INET;
	uint16_t l3 = v4 ? IP4_HLEN : IP6_HLEN;
	uint32_t plen = v->len;
	struct rte_ether_addr mac;
	struct rte_ether_hdr *eh;
	struct rte_udp_hdr *u;
	struct rte_mbuf *m;
	bool offload = true;
	uint8_t *d;
	int resolved;

	if (!c->valid || !wgc_addr_equal(&c->dst, &dst->addr)) {
		c->valid = true;
		c->dst = dst->addr;
		c->route_rc = wgc_net_route(p, &dst->addr, &c->nh);
		c->resolved = c->route_rc == 0 &&
			wgc_net_neigh_lookup(p, &c->nh, &c->mac) == 0;
		c->tmpl_ok = false;
	}
	if (c->route_rc != 0)
		return -WGC_NET_DROP_NO_ROUTE;
	*nh = c->nh;
	if (plen + UDP_HLEN + l3 > p->mtu) {
		if (!frag || plen + UDP_HLEN + l3 > UINT16_MAX)
			return -WGC_NET_DROP_TOO_BIG;
		/* fragments: checksums in software over the whole datagram */
		m = view_mbuf(v);
		if (m != NULL)
			m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
		offload = false;
	}
	d = wgc_view_prepend(v, (uint16_t)(l2 + l3 + UDP_HLEN));
	if (d == NULL)
		return -WGC_NET_DROP_NO_HEADROOM;
	resolved = c->resolved;
	if (v4 && !(p->tx_ip4_offload || p->tx_udp_offload)) {
		if (!c->tmpl_ok || c->tmpl_port != dst->port)
			tmpl4_fill(p, c, dst, l2);
		tmpl4_encap(lc, c, d, l2, plen);
		return resolved;
	}
	mac = c->mac;

	eh = (struct rte_ether_hdr *)d;
	if (resolved)
		eh->dst_addr = mac;
	else
		memset(&eh->dst_addr, 0, sizeof(eh->dst_addr));
	eh->src_addr = p->mac;
	if (p->vlan == 0) {
		eh->ether_type = v4 ? RTE_BE16(RTE_ETHER_TYPE_IPV4) :
			RTE_BE16(RTE_ETHER_TYPE_IPV6);
	} else {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(d + ETH_HLEN);

		eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = p->vlan_tci_be;
		vh->eth_proto = v4 ? RTE_BE16(RTE_ETHER_TYPE_IPV4) :
			RTE_BE16(RTE_ETHER_TYPE_IPV6);
	}
	u = (struct rte_udp_hdr *)(d + l2 + l3);
	u->src_port = __atomic_load_n(&p->listen_port, __ATOMIC_RELAXED);
	u->dst_port = rte_cpu_to_be_16(dst->port);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(plen + UDP_HLEN));
	u->dgram_cksum = 0;
	m = offload && (p->tx_ip4_offload || p->tx_udp_offload) ?
		view_mbuf(v) : NULL;
	if (m != NULL) {
		m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
		m->l2_len = l2;
		m->l3_len = l3;
	}
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + l2);

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(plen +
			UDP_HLEN + IP4_HLEN));
		ip->packet_id = rte_cpu_to_be_16(lc->ip_id++);
		ip->fragment_offset = 0;
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->hdr_checksum = 0;
		ip->src_addr = p->ip4[0];
		ip->dst_addr = dst->addr.ip4;
		if (m != NULL)
			m->ol_flags |= RTE_MBUF_F_TX_IPV4;
		if (m != NULL && p->tx_udp_offload) {
			m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
			u->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		} else {
			u->dgram_cksum = udp_cksum(net_cksum4(ip->src_addr,
				ip->dst_addr, IPPROTO_UDP, u, plen + UDP_HLEN));
		}
		if (m != NULL && p->tx_ip4_offload)
			m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
		else
			ip->hdr_checksum = (uint16_t)~net_sum_ip4_hdr(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + l2);

		ip->vtc_flow = RTE_BE32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(plen + UDP_HLEN));
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		/* a link-local peer is answered from our link-local */
		memcpy(ip->src_addr, p->ip6[(dst->addr.bytes[0] == 0xfe &&
			(dst->addr.bytes[1] & 0xc0) == 0x80 && p->ll6 >= 0) ?
			p->ll6 : 0], 16);
		memcpy(ip->dst_addr, dst->addr.bytes, 16);
		if (m != NULL)
			m->ol_flags |= RTE_MBUF_F_TX_IPV6;
		if (m != NULL && p->tx_udp_offload) {
			m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
			u->dgram_cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
		} else {
			u->dgram_cksum = udp_cksum(net_cksum6(ip->src_addr,
				ip->dst_addr, IPPROTO_UDP, u, plen + UDP_HLEN));
		}
	}
	return resolved;
}

/*
 * Encap v[0..n-1] into out (out == v without fragmentation: a view never
 * becomes more than one frame then).
 */
static inline uint16_t
encap_burst(struct wgc_net_port *p, struct wgc_view *v,
		const struct wgc_endpoint *dst, uint16_t n,
		struct wgc_view *out, uint16_t max, bool frag)
{
	struct slow_item items[WGC_IOBUF_BURST_MAX];
	struct wgc_view drops[WGC_IOBUF_BURST_MAX];
	struct wgc_view fv[WGC_NET_FRAG_MAX];
	struct net_lcore *lc = net_lcore(p);
	struct wgc_net_stats *st = &lc->st;
	struct encap_cache cache = { .valid = false };
	uint16_t l2 = p->vlan ? ETH_HLEN + VLAN_HLEN : ETH_HLEN;
	uint16_t i, j, k = 0, ni = 0, nd = 0;
	struct wgc_addr nh;
	int rc, nf;

	for (i = 0; i < n; i++) {
		if ((size_t)ni + WGC_NET_FRAG_MAX > RTE_DIM(items) ||
				nd == RTE_DIM(drops)) {
			st->tx_held += net_slow_enqueue(p, st, items, ni);
			ni = 0;
			wgc_view_release_all(drops, nd);
			nd = 0;
		}
		rc = encap_one(p, lc, &v[i], &dst[i], &nh, &cache, frag);
		if (rc >= 0 && unlikely(v[i].len > (uint32_t)l2 + p->mtu)) {
			nf = net_frag_split(p, lc, &v[i], l2,
				dst[i].addr.family == AF_INET, fv,
				(uint16_t)RTE_MIN(max - k,
					(int)WGC_NET_FRAG_MAX));
			if (nf < 0) {
				rc = nf;
			} else if (rc == 1) {
				st->tx_encap += nf;
				for (j = 0; j < nf; j++)
					wgc_view_claim(&out[k++], &fv[j]);
				continue;
			} else {
				for (j = 0; j < nf; j++) {
					items[ni].kind = SLOW_HOLD;
					items[ni].nh = nh;
					wgc_view_claim(&items[ni++].v, &fv[j]);
				}
				continue;
			}
		}
		if (rc == 1 && k < max) {
			st->tx_encap++;
			if (out != v || k != i)
				wgc_view_claim(&out[k], &v[i]);
			k++;
		} else if (rc == 1) {
			st->drop[WGC_NET_DROP_TOO_BIG]++;
			wgc_view_claim(&drops[nd++], &v[i]);
		} else if (rc == 0) {
			items[ni].kind = SLOW_HOLD;
			items[ni].nh = nh;
			wgc_view_claim(&items[ni].v, &v[i]);
			ni++;
		} else {
			st->drop[-rc]++;
			wgc_view_claim(&drops[nd++], &v[i]);
		}
	}
	st->tx_held += net_slow_enqueue(p, st, items, ni);
	wgc_view_release_all(drops, nd);
	return k;
}

uint16_t
wgc_net_encap(struct wgc_net_port *p, struct wgc_view *v,
		const struct wgc_endpoint *dst, uint16_t n)
{
	return encap_burst(p, v, dst, n, v, n, false);
}

uint16_t
wgc_net_encap_frag(struct wgc_net_port *p, struct wgc_view *v,
		const struct wgc_endpoint *dst, uint16_t n,
		struct wgc_view *out, uint16_t max)
{
	return encap_burst(p, v, dst, n, out, max, true);
}
