/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Classification of received frames: Ethernet (+ one 802.1Q tag), ARP,
 * IPv4, IPv6, UDP to our listen port, ICMP / ICMPv6 echo, errors and ND.
 * Runs on the workers: reads only the port's configuration, no shared
 * writes.
 */

#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_prefetch.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "net_private.h"

uint16_t
net_cksum4(rte_be32_t src, rte_be32_t dst, uint8_t proto, const void *l4,
		uint32_t len)
{
	uint32_t sum;

	/* the 16-bit words of both addresses, in memory order */
	sum = (src & 0xffff) + (src >> 16) + (dst & 0xffff) + (dst >> 16);
	sum += rte_cpu_to_be_16((uint16_t)proto);
	sum += rte_cpu_to_be_16((uint16_t)len);
	return (uint16_t)~net_sum(l4, len, sum);
}

uint16_t
net_cksum6(const uint8_t *src, const uint8_t *dst, uint8_t proto,
		const void *l4, uint32_t len)
{
	uint32_t sum;

	sum = __rte_raw_cksum(src, 16, 0);
	sum = __rte_raw_cksum(dst, 16, sum);
	sum += rte_cpu_to_be_16((uint16_t)(len >> 16));
	sum += rte_cpu_to_be_16((uint16_t)len);
	sum += rte_cpu_to_be_16((uint16_t)proto);
	return (uint16_t)~net_sum(l4, len, sum);
}

static inline void
drop(struct net_parse *r, unsigned int reason)
{
	r->cls = WGC_NET_CLASS_DROP;
	r->reason = (uint8_t)reason;
}

static inline int
our_ip4(const struct wgc_net_port *p, rte_be32_t a)
{
	unsigned int i;

	for (i = 0; i < p->nb_ip4; i++)
		if (p->ip4[i] == a)
			return (int)i;
	return -1;
}

static inline int
our_ip6(const struct wgc_net_port *p, const uint8_t *a)
{
	unsigned int i;

	for (i = 0; i < p->nb_ip6; i++)
		if (memcmp(p->ip6[i], a, 16) == 0)
			return (int)i;
	return -1;
}

static inline int
our_ip6_solicited(const struct wgc_net_port *p, const uint8_t *a)
{
	unsigned int i;

	for (i = 0; i < p->nb_ip6; i++)
		if (memcmp(p->ip6[i] + 13, a + 13, 3) == 0)
			return (int)i;
	return -1;
}

/* RX checksum status the PMD reported, if any */
static inline uint64_t
rx_flags(const struct wgc_view *v)
{
	if (wgc_recycler_mempool(v->recycler) == NULL)
		return 0;
	return ((const struct rte_mbuf *)v->backing)->ol_flags;
}

static void
parse_arp(const struct wgc_net_port *p, const uint8_t *d, uint32_t len,
		struct net_parse *r)
{
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(d + r->l3);
	uint16_t op;

	if (len < (uint32_t)r->l3 + ARP_LEN) {
		drop(r, WGC_NET_DROP_RUNT);
		return;
	}
	op = rte_be_to_cpu_16(a->arp_opcode);
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
			a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
			a->arp_hlen != RTE_ETHER_ADDR_LEN ||
			a->arp_plen != 4 ||
			(op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) ||
			rte_is_multicast_ether_addr(&a->arp_data.arp_sha)) {
		drop(r, WGC_NET_DROP_ARP);
		return;
	}
	r->addr_idx = (int8_t)our_ip4(p, a->arp_data.arp_tip);
	/* gratuitous ARP (sender = target) may update a known neighbour */
	if (r->addr_idx < 0 &&
			a->arp_data.arp_sip != a->arp_data.arp_tip) {
		drop(r, WGC_NET_DROP_ARP);
		return;
	}
	r->family = AF_INET;
	r->cls = WGC_NET_CLASS_ARP;
}

/*
 * UDP to our listen port: length, port, checksum. A zero checksum is fine
 * over IPv4 and not allowed over IPv6 (RFC 8200).
 */
static void
parse_udp(const struct wgc_net_port *p, const struct wgc_view *v,
		struct net_parse *r, struct wgc_net_meta *m, uint32_t l4len,
		const void *iph, bool v6, uint64_t ol_flags)
{
	const struct rte_udp_hdr *u =
		(const struct rte_udp_hdr *)(v->data + r->l4);
	uint64_t fl;
	uint32_t ulen;
	bool ok;

	if (l4len < UDP_HLEN) {
		drop(r, WGC_NET_DROP_UDP_LEN);
		return;
	}
	ulen = rte_be_to_cpu_16(u->dgram_len);
	if (ulen < UDP_HLEN || ulen > l4len) {
		drop(r, WGC_NET_DROP_UDP_LEN);
		return;
	}
	/* the control plane may move the port at any time */
	if (u->dst_port != __atomic_load_n(&p->listen_port,
			__ATOMIC_RELAXED)) {
		drop(r, WGC_NET_DROP_UDP_PORT);
		return;
	}
	fl = ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (u->dgram_cksum == 0)
		ok = !v6;
	else if (fl == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		ok = true;
	else if (fl == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		ok = false;
	else if (v6)
		ok = net_cksum6(((const struct rte_ipv6_hdr *)iph)->src_addr,
			((const struct rte_ipv6_hdr *)iph)->dst_addr,
			IPPROTO_UDP, u, ulen) == 0;
	else
		ok = net_cksum4(((const struct rte_ipv4_hdr *)iph)->src_addr,
			((const struct rte_ipv4_hdr *)iph)->dst_addr,
			IPPROTO_UDP, u, ulen) == 0;
	if (!ok) {
		drop(r, WGC_NET_DROP_UDP_CKSUM);
		return;
	}
	m->src.port = rte_be_to_cpu_16(u->src_port);
	r->l4len = (uint16_t)ulen;
	r->cls = WGC_NET_CLASS_WG;
}

/*
 * An ICMP error (IPv4: destination unreachable, time exceeded, parameter
 * problem) quotes the header of a packet we sent: a valid checksum, a
 * known code and a quoted IPv4 header from one of our addresses, else it
 * is malformed. wgc consumes it (no path MTU is learnt from it).
 */
static bool
icmp4_is_error(uint8_t type)
{
	return type == ICMP4_DEST_UNREACH || type == ICMP4_TIME_EXCEEDED ||
		type == ICMP4_PARAM_PROBLEM;
}

static void
parse_icmp4_error(const struct wgc_net_port *p, const uint8_t *ic,
		uint32_t l4len, struct net_parse *r)
{
	const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)(ic + 8);
	static const uint8_t max_code[13] = { [ICMP4_DEST_UNREACH] = 15,
		[ICMP4_TIME_EXCEEDED] = 1, [ICMP4_PARAM_PROBLEM] = 2 };

	if (l4len < 8 + IP4_HLEN || ic[1] > max_code[ic[0]] ||
			rte_raw_cksum(ic, l4len) != 0xffff ||
			(q->version_ihl >> 4) != 4 ||
			our_ip4(p, q->src_addr) < 0) {
		drop(r, WGC_NET_DROP_ICMP_ERROR);
		return;
	}
	r->l4len = (uint16_t)l4len;
	r->cls = WGC_NET_CLASS_ICMP_ERR;
}

/* ICMPv6 errors: destination unreachable, packet too big, time exceeded,
 * parameter problem; checks as for IPv4 */
static void
parse_icmp6_error(const struct wgc_net_port *p,
		const struct rte_ipv6_hdr *ip, const uint8_t *ic,
		uint32_t l4len, struct net_parse *r)
{
	const struct rte_ipv6_hdr *q = (const struct rte_ipv6_hdr *)(ic + 8);
	static const uint8_t max_code[5] = { [1] = 8, [2] = 0, [3] = 1,
		[4] = 3 };

	if (l4len < 8 + IP6_HLEN || ic[1] > max_code[ic[0]] ||
			net_cksum6(ip->src_addr, ip->dst_addr, IPPROTO_ICMP6,
				ic, l4len) != 0 ||
			(rte_be_to_cpu_32(q->vtc_flow) >> 28) != 6 ||
			our_ip6(p, q->src_addr) < 0) {
		drop(r, WGC_NET_DROP_ICMP_ERROR);
		return;
	}
	r->l4len = (uint16_t)l4len;
	r->cls = WGC_NET_CLASS_ICMP_ERR;
}

/*
 * A fragment: UDP to one of our addresses goes to reassembly; bad offsets
 * and lengths are refused here (RFC 791 / 8200: a fragment with more to
 * come carries a multiple of 8 bytes; a datagram ends below 64 KiB).
 * frag: offset in 8-byte units (13 bits) and M as its lowest flag bit
 * (IPv4 layout; the IPv6 caller converts).
 */
static void
parse_frag(struct net_parse *r, bool ours, uint16_t frag, uint32_t len,
		uint32_t hlen, unsigned int not_ours)
{
	uint32_t ofs = (uint32_t)(frag & RTE_IPV4_HDR_OFFSET_MASK) * 8;
	bool more = (frag & RTE_IPV4_HDR_MF_FLAG) != 0;

	if (!ours) {
		drop(r, not_ours);
		return;
	}
	if (len == 0 || (more && (len & 7) != 0) ||
			ofs + len + hlen > UINT16_MAX) {
		drop(r, WGC_NET_DROP_FRAG_MALFORMED);
		return;
	}
	r->l4len = (uint16_t)len;
	r->cls = WGC_NET_CLASS_FRAG;
}

static void
parse_ip4(const struct wgc_net_port *p, const struct wgc_view *v,
		struct net_parse *r, struct wgc_net_meta *m)
{
	const uint8_t *d = v->data;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + r->l3);
	uint32_t avail = v->len - r->l3;
	uint32_t ihl, tot, l4len;
	uint64_t fl, ol_flags;

	r->family = AF_INET;
	if (avail < IP4_HLEN) {
		drop(r, WGC_NET_DROP_RUNT);
		return;
	}
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if ((ip->version_ihl >> 4) != 4 || ihl < IP4_HLEN || ihl > avail) {
		drop(r, WGC_NET_DROP_IP4_HDR);
		return;
	}
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < ihl || tot > avail) {
		drop(r, WGC_NET_DROP_IP4_LEN);
		return;
	}
	ol_flags = rx_flags(v);
	fl = ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (fl == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			(fl != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
			 (ihl == IP4_HLEN ? net_sum_ip4_hdr(ip) :
			  net_sum(ip, ihl, 0)) != 0xffff)) {
		drop(r, WGC_NET_DROP_IP4_CKSUM);
		return;
	}
	wgc_addr_set4(&m->src.addr, ip->src_addr);
	m->src.port = 0;
	r->addr_idx = (int8_t)our_ip4(p, ip->dst_addr);
	r->l4 = (uint16_t)(r->l3 + ihl);
	l4len = tot - ihl;
	if ((ip->fragment_offset &
			RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
				RTE_IPV4_HDR_OFFSET_MASK)) != 0) {
		if (r->addr_idx < 0) {
			drop(r, WGC_NET_DROP_NOT_OUR_IP);
			return;
		}
		parse_frag(r, ip->next_proto_id == IPPROTO_UDP,
			rte_be_to_cpu_16(ip->fragment_offset), l4len, ihl,
			WGC_NET_DROP_IP4_FRAG);
		return;
	}
	if (r->addr_idx < 0) {
		drop(r, WGC_NET_DROP_NOT_OUR_IP);
		return;
	}
	if (ip->next_proto_id == IPPROTO_UDP) {
		parse_udp(p, v, r, m, l4len, ip, false, ol_flags);
		return;
	}
	if (ip->next_proto_id == IPPROTO_ICMP) {
		const struct rte_icmp_hdr *ic =
			(const struct rte_icmp_hdr *)(d + r->l4);

		if (l4len >= sizeof(*ic) && icmp4_is_error(ic->icmp_type)) {
			parse_icmp4_error(p, d + r->l4, l4len, r);
			return;
		}
		if (l4len < sizeof(*ic) ||
				ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
				ic->icmp_code != 0 ||
				rte_raw_cksum(ic, l4len) != 0xffff) {
			drop(r, WGC_NET_DROP_ICMP);
			return;
		}
		r->l4len = (uint16_t)l4len;
		r->cls = WGC_NET_CLASS_ECHO;
		return;
	}
	drop(r, WGC_NET_DROP_PROTO);
}

static bool
ip6_ext(uint8_t nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_ESP:
	case 135: /* mobility */
	case 139: /* HIP */
	case 140: /* shim6 */
		return true;
	default:
		return false;
	}
}

static void
parse_nd(const struct wgc_net_port *p, const uint8_t *d,
		const struct rte_ipv6_hdr *ip, uint32_t l4len, bool mcast,
		struct net_parse *r)
{
	const uint8_t *ic = d + r->l4;
	const uint8_t *target = ic + 8;
	uint32_t off;

	if (ip->hop_limits != 255 || ic[1] != 0 || l4len < ND_NS_LEN ||
			net_cksum6(ip->src_addr, ip->dst_addr, IPPROTO_ICMP6,
				ic, l4len) != 0 || target[0] == 0xff) {
		drop(r, WGC_NET_DROP_ND);
		return;
	}
	/* options: each at least 8 bytes, length field never 0 */
	for (off = ND_NS_LEN; off < l4len; off += ic[off + 1] * 8u) {
		if (off + 2 > l4len || ic[off + 1] == 0 ||
				off + ic[off + 1] * 8u > l4len) {
			drop(r, WGC_NET_DROP_ND);
			return;
		}
	}
	if (ic[0] == ND_NS) {
		/* target must be ours; multicast only to its solicited node */
		r->addr_idx = (int8_t)our_ip6(p, target);
		if (r->addr_idx < 0 || (mcast &&
				(!net_ip6_is_solicited_node(ip->dst_addr) ||
				 memcmp(ip->dst_addr + 13, target + 13, 3)))) {
			drop(r, WGC_NET_DROP_ND);
			return;
		}
	}
	r->l4len = (uint16_t)l4len;
	r->cls = WGC_NET_CLASS_ND;
}

static void
parse_ip6(const struct wgc_net_port *p, const struct wgc_view *v,
		struct net_parse *r, struct wgc_net_meta *m)
{
	const uint8_t *d = v->data;
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(d + r->l3);
	uint32_t avail = v->len - r->l3;
	uint32_t l4len;
	bool mcast = false;

	r->family = AF_INET6;
	if (avail < IP6_HLEN) {
		drop(r, WGC_NET_DROP_RUNT);
		return;
	}
	l4len = rte_be_to_cpu_16(ip->payload_len);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 ||
			l4len + IP6_HLEN > avail) {
		drop(r, WGC_NET_DROP_IP6_HDR);
		return;
	}
	m->src.addr.family = AF_INET6;
	memcpy(m->src.addr.bytes, ip->src_addr, 16);
	m->src.port = 0;
	r->l4 = (uint16_t)(r->l3 + IP6_HLEN);
	r->addr_idx = (int8_t)our_ip6(p, ip->dst_addr);
	if (r->addr_idx < 0) {
		static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

		if (ip->dst_addr[0] == 0xff &&
				((net_ip6_is_solicited_node(ip->dst_addr) &&
				  our_ip6_solicited(p, ip->dst_addr) >= 0) ||
				 memcmp(ip->dst_addr, all_nodes, 16) == 0)) {
			mcast = true;
		} else {
			drop(r, WGC_NET_DROP_NOT_OUR_IP);
			return;
		}
	}
	if (ip->proto == IPPROTO_UDP && !mcast) {
		parse_udp(p, v, r, m, l4len, ip, true, rx_flags(v));
		return;
	}
	if (ip->proto == IPPROTO_ICMP6) {
		const uint8_t *ic = d + r->l4;

		if (l4len < 8) {
			drop(r, WGC_NET_DROP_ICMP);
			return;
		}
		if (ic[0] == ND_NS || ic[0] == ND_NA) {
			parse_nd(p, d, ip, l4len, mcast, r);
			return;
		}
		if (ic[0] >= 1 && ic[0] <= 4 && !mcast) {
			parse_icmp6_error(p, ip, ic, l4len, r);
			return;
		}
		if (ic[0] != ICMP6_ECHO_REQUEST || ic[1] != 0 || mcast ||
				net_cksum6(ip->src_addr, ip->dst_addr,
					IPPROTO_ICMP6, ic, l4len) != 0) {
			drop(r, WGC_NET_DROP_ICMP);
			return;
		}
		r->l4len = (uint16_t)l4len;
		r->cls = WGC_NET_CLASS_ECHO;
		return;
	}
	if (ip->proto == IPPROTO_FRAGMENT && !mcast && l4len >= 8) {
		const uint8_t *fh = d + r->l4;
		uint16_t fd = (uint16_t)((fh[2] << 8) | fh[3]);

		r->l4 = (uint16_t)(r->l4 + 8);
		/* offset (13 bits) and M in the IPv4 layout */
		parse_frag(r, fh[0] == IPPROTO_UDP,
			(uint16_t)((fd >> 3) | ((fd & 1) ?
			 RTE_IPV4_HDR_MF_FLAG : 0)), l4len - 8, 8,
			WGC_NET_DROP_IP6_EXT);
		return;
	}
	if (ip6_ext(ip->proto)) {
		drop(r, WGC_NET_DROP_IP6_EXT);
		return;
	}
	drop(r, WGC_NET_DROP_PROTO);
}

/* inlined into the burst loops: the parse result stays in registers (a
 * call made the caller reload r->cls and r->reason as one 16-bit load
 * over two byte stores, a store-forwarding stall per packet) */
static __rte_always_inline void
parse_frame(const struct wgc_net_port *p, const struct wgc_view *v,
		struct net_parse *r, struct wgc_net_meta *m)
{
	const uint8_t *d = v->data;
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)d;
	rte_be16_t type;

	r->l3 = ETH_HLEN;
	r->l4 = 0;
	r->l4len = 0;
	r->vlan = 0;
	r->family = 0;
	r->reason = 0;
	r->addr_idx = -1;
	m->src.addr.family = 0;
	m->src.port = 0;
	m->vlan = 0;
	if (v->len < ETH_HLEN) {
		drop(r, WGC_NET_DROP_RUNT);
		return;
	}
	if (!rte_is_same_ether_addr(&eh->dst_addr, &p->mac) &&
			!rte_is_multicast_ether_addr(&eh->dst_addr)) {
		drop(r, WGC_NET_DROP_NOT_OUR_MAC);
		return;
	}
	type = eh->ether_type;
	if (type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		const struct rte_vlan_hdr *vh =
			(const struct rte_vlan_hdr *)(d + ETH_HLEN);

		if (v->len < ETH_HLEN + VLAN_HLEN) {
			drop(r, WGC_NET_DROP_RUNT);
			return;
		}
		r->vlan = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;
		m->vlan = r->vlan;
		type = vh->eth_proto;
		r->l3 = ETH_HLEN + VLAN_HLEN;
		if (r->vlan != p->vlan ||
				type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
				type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
			drop(r, WGC_NET_DROP_VLAN);
			return;
		}
	} else if (p->vlan != 0 || type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
		drop(r, WGC_NET_DROP_VLAN);
		return;
	}
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		parse_ip4(p, v, r, m);
	else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		parse_ip6(p, v, r, m);
	else if (type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		parse_arp(p, d, v->len, r);
	else
		drop(r, WGC_NET_DROP_ETHERTYPE);
}

void
net_parse_frame(const struct wgc_net_port *p, const struct wgc_view *v,
		struct net_parse *r, struct wgc_net_meta *m)
{
	parse_frame(p, v, r, m);
}

uint16_t
wgc_net_classify(const struct wgc_net_port *p, struct wgc_view *v,
		struct wgc_net_meta *meta, uint16_t n)
{
	struct net_parse r;
	uint16_t i, nwg = 0;

	for (i = 0; i < n; i++) {
		parse_frame(p, &v[i], &r, &meta[i]);
		meta[i].cls = r.cls;
		meta[i].reason = r.reason;
		if (r.cls != WGC_NET_CLASS_WG)
			continue;
		/* payload window: headers stay in headroom, padding trimmed */
		wgc_view_trim(&v[i], v[i].len - r.l4 - r.l4len);
		wgc_view_adj(&v[i], r.l4 + UDP_HLEN);
		nwg++;
	}
	return nwg;
}

/*
 * The next frame, while this one is parsed: its checksum reads all of it
 * (a frame from a NIC is in memory or the last-level cache, not in L1),
 * and each frame is a new stream for the hardware prefetcher. The first
 * line is left out: the caller's burst prefetch has it.
 */
static inline void
prefetch_frame(const struct wgc_view *v)
{
	const uint8_t *d = v->data + RTE_CACHE_LINE_SIZE, *end = v->data + v->len;

	for (; d < end; d += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(d);
}

uint16_t
wgc_net_rx(struct wgc_net_port *p, struct wgc_view *v,
		struct wgc_net_meta *meta, uint16_t n)
{
	struct slow_item items[WGC_IOBUF_BURST_MAX];
	struct wgc_view drops[WGC_IOBUF_BURST_MAX];
	struct net_lcore *lc = net_lcore(p);
	struct wgc_net_stats *st = &lc->st;
	uint16_t i, k = 0, ni = 0, nd = 0;
	bool frags = false;

	for (i = 0; i < n; i++) {
		struct wgc_net_meta *m = &meta[i];
		struct net_parse r;

		if (ni == RTE_DIM(items) || nd == RTE_DIM(drops)) {
			/* flush local batches (bursts larger than 64) */
			net_slow_enqueue(p, st, items, ni);
			ni = 0;
			wgc_view_release_all(drops, nd);
			nd = 0;
		}
		if (i + 1 < n)
			prefetch_frame(&v[i + 1]);
		parse_frame(p, &v[i], &r, m);
		if (unlikely(r.cls == WGC_NET_CLASS_FRAG)) {
			if (!frags) {
				frags = true;
				net_frag_begin(p, lc);
			}
			/* a whole datagram back: classify it as received */
			if (net_frag_input(p, lc, &v[i], &r) == 0)
				continue;
			parse_frame(p, &v[i], &r, m);
			if (r.cls == WGC_NET_CLASS_FRAG) {
				r.cls = WGC_NET_CLASS_DROP;
				r.reason = WGC_NET_DROP_FRAG_MALFORMED;
			}
		}
		m->cls = r.cls;
		m->reason = r.reason;
		switch (r.cls) {
		case WGC_NET_CLASS_WG:
			wgc_view_trim(&v[i], v[i].len - r.l4 - r.l4len);
			wgc_view_adj(&v[i], r.l4 + UDP_HLEN);
			st->rx_wg++;
			if (k != i) {
				wgc_view_claim(&v[k], &v[i]);
				meta[k] = *m;
			}
			k++;
			break;
		case WGC_NET_CLASS_ICMP_ERR:
			st->rx_icmp_error++;
			wgc_view_claim(&drops[nd++], &v[i]);
			break;
		case WGC_NET_CLASS_ARP:
		case WGC_NET_CLASS_ND:
		case WGC_NET_CLASS_ECHO:
			if (r.cls == WGC_NET_CLASS_ARP)
				st->rx_arp++;
			else if (r.cls == WGC_NET_CLASS_ND)
				st->rx_nd++;
			else
				st->rx_echo++;
			items[ni].kind = SLOW_INPUT;
			wgc_view_claim(&items[ni].v, &v[i]);
			ni++;
			break;
		default:
			st->drop[r.reason]++;
			wgc_view_claim(&drops[nd++], &v[i]);
			break;
		}
	}
	net_slow_enqueue(p, st, items, ni);
	wgc_view_release_all(drops, nd);
	if (frags)
		net_frag_end(lc);
	return k;
}
