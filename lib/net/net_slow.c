/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Slow path: ARP, IPv6 neighbour discovery and echo replies, built in place
 * in the request's buffer, and the poll loop that drains the slow-path ring
 * (frames from wgc_net_rx(), packets held by wgc_net_encap()) and runs the
 * neighbour timers. One lcore only.
 */

#include <errno.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net_private.h"

/* only on-link senders may create entries (a flood from elsewhere cannot) */
static bool
on_link(const struct wgc_net_port *p, const struct wgc_addr *a)
{
	struct wgc_addr nh;

	return wgc_net_route(p, a, &nh) == 0 && wgc_addr_equal(&nh, a);
}

static int
arp_input(struct wgc_net_port *p, uint64_t now, struct wgc_view *v,
		const struct net_parse *r, struct wgc_view *out)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)v->data;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(v->data + r->l3);
	struct wgc_addr sender;
	rte_be32_t ours;

	memset(&sender, 0, sizeof(sender));
	sender.family = AF_INET;
	sender.ip4 = a->arp_data.arp_sip;
	/* learn: the sender talks to us (requests and replies alike) */
	if (sender.ip4 != 0)
		net_neigh_learn(p, &sender, &a->arp_data.arp_sha,
			WGC_NET_NEIGH_REACHABLE,
			r->addr_idx >= 0 && on_link(p, &sender), now);
	/* answer requests for us; a gratuitous ARP only updates */
	if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
			r->addr_idx < 0) {
		wgc_view_release(v);
		return 0;
	}
	ours = a->arp_data.arp_tip;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = p->mac;
	a->arp_data.arp_sip = ours;
	eh->dst_addr = a->arp_data.arp_tha;
	eh->src_addr = p->mac;
	wgc_view_trim(v, v->len - r->l3 - ARP_LEN);
	net_pad_min(v);
	wgc_view_claim(out, v);
	net_lcore(p)->st.arp_reply_tx++;
	return 1;
}

/* link-layer address option of the given type, or NULL */
static const struct rte_ether_addr *
nd_lladdr(const uint8_t *ic, uint32_t len, uint8_t type)
{
	uint32_t off;

	for (off = ND_NS_LEN; off + 8 <= len; off += ic[off + 1] * 8u) {
		if (ic[off + 1] == 0)
			break;
		if (ic[off] == type && ic[off + 1] == 1)
			return (const struct rte_ether_addr *)(ic + off + 2);
	}
	return NULL;
}

static int
nd_input(struct wgc_net_port *p, uint64_t now, struct wgc_view *v,
		const struct net_parse *r, struct wgc_view *out)
{
	static const uint8_t unspec[16];
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)v->data;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(v->data + r->l3);
	uint8_t *ic = v->data + r->l4;
	const struct rte_ether_addr *ll;
	struct wgc_addr a;
	struct rte_ether_addr dmac;
	struct neigh_entry *e;
	uint8_t target[16];
	bool dad;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	if (ic[0] == ND_NA) {
		/* learn only for entries we have (we asked) */
		rte_be32_t fl;
		uint32_t flags;

		memcpy(&fl, ic + 4, sizeof(fl));
		flags = rte_be_to_cpu_32(fl);

		memcpy(a.bytes, ic + 8, 16);
		ll = nd_lladdr(ic, r->l4len, ND_OPT_TLLA);
		e = net_neigh_find(p, &a);
		/*
		 * RFC 4861 7.2.5: without the Override flag a different
		 * address does not replace the one we know.
		 */
		if (ll != NULL && e != NULL &&
				((flags & 0x20000000) ||
				 e->state == WGC_NET_NEIGH_INCOMPLETE ||
				 rte_is_same_ether_addr(&e->mac, ll)))
			net_neigh_learn(p, &a, ll, (flags & 0x40000000) ?
				WGC_NET_NEIGH_REACHABLE : WGC_NET_NEIGH_STALE,
				false, now);
		wgc_view_release(v);
		return 0;
	}

	/* NS for one of our addresses (checked by the parser) */
	dad = memcmp(ip->src_addr, unspec, 16) == 0;
	ll = nd_lladdr(ic, r->l4len, ND_OPT_SLLA);
	if (dad && ll != NULL) {
		/* RFC 4861 7.1.1: no SLLA option with an unspecified source */
		net_lcore(p)->st.drop[WGC_NET_DROP_ND]++;
		wgc_view_release(v);
		return 0;
	}
	if (!dad && ll != NULL) {
		memcpy(a.bytes, ip->src_addr, 16);
		net_neigh_learn(p, &a, ll, WGC_NET_NEIGH_STALE,
			on_link(p, &a), now);
	}
	memcpy(target, ic + 8, 16);

	/* the advertisement: l2 + IPv6 + NA (24) + TLLA option (8) */
	if ((uint32_t)r->l4 + ND_NS_LEN + ND_OPT_LEN > v->len &&
			wgc_view_append(v, (uint16_t)(r->l4 + ND_NS_LEN +
				ND_OPT_LEN - v->len)) == NULL) {
		net_lcore(p)->st.drop[WGC_NET_DROP_NO_MBUF]++;
		wgc_view_release(v);
		return 0;
	}
	wgc_view_trim(v, v->len - (r->l4 + ND_NS_LEN + ND_OPT_LEN));
	if (dad) {
		memcpy(ip->dst_addr, all_nodes, 16);
		dmac = (struct rte_ether_addr){ { 0x33, 0x33, 0, 0, 0, 1 } };
	} else {
		memcpy(ip->dst_addr, ip->src_addr, 16);
		dmac = eh->src_addr;
	}
	memcpy(ip->src_addr, target, 16);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = RTE_BE16(ND_NS_LEN + ND_OPT_LEN);
	ip->proto = IPPROTO_ICMP6;
	ip->hop_limits = 255;
	memset(ic, 0, ND_NS_LEN);
	ic[0] = ND_NA;
	/* flags: Solicited (unless answering DAD), Override */
	ic[4] = dad ? 0x20 : 0x60;
	memcpy(ic + 8, target, 16);
	ic[ND_NS_LEN] = ND_OPT_TLLA;
	ic[ND_NS_LEN + 1] = 1;
	memcpy(ic + ND_NS_LEN + 2, &p->mac, RTE_ETHER_ADDR_LEN);
	*(uint16_t *)(ic + 2) = net_cksum6(ip->src_addr, ip->dst_addr,
		IPPROTO_ICMP6, ic, ND_NS_LEN + ND_OPT_LEN);
	eh->dst_addr = dmac;
	eh->src_addr = p->mac;
	wgc_view_claim(out, v);
	net_lcore(p)->st.nd_na_tx++;
	return 1;
}

static int
echo_input(struct wgc_net_port *p, struct wgc_view *v,
		const struct net_parse *r, struct wgc_view *out)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)v->data;
	struct rte_ether_addr mac = eh->src_addr;

	/* back to where it came from, on the link */
	eh->dst_addr = mac;
	eh->src_addr = p->mac;
	wgc_view_trim(v, v->len - r->l4 - r->l4len);
	if (r->family == AF_INET) {
		struct rte_ipv4_hdr *ip =
			(struct rte_ipv4_hdr *)(v->data + r->l3);
		struct rte_icmp_hdr *ic =
			(struct rte_icmp_hdr *)(v->data + r->l4);
		rte_be32_t a = ip->src_addr;

		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		ip->time_to_live = 64;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip,
			(ip->version_ihl & 0xf) * 4u);
		ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
		ic->icmp_cksum = 0;
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, r->l4len);
	} else {
		struct rte_ipv6_hdr *ip =
			(struct rte_ipv6_hdr *)(v->data + r->l3);
		uint8_t *ic = v->data + r->l4;
		uint8_t a[16];

		memcpy(a, ip->src_addr, 16);
		memcpy(ip->src_addr, ip->dst_addr, 16);
		memcpy(ip->dst_addr, a, 16);
		ip->hop_limits = 64;
		ic[0] = ICMP6_ECHO_REPLY;
		ic[2] = ic[3] = 0;
		*(uint16_t *)(ic + 2) = net_cksum6(ip->src_addr, ip->dst_addr,
			IPPROTO_ICMP6, ic, r->l4len);
	}
	wgc_view_claim(out, v);
	net_lcore(p)->st.echo_reply_tx++;
	return 1;
}

/* token bucket: echo_rate replies per second, echo_burst at once */
static bool
echo_allowed(struct wgc_net_port *p, uint64_t now)
{
	if (now > p->echo_last_ms) {
		p->echo_tokens += (now - p->echo_last_ms) * p->echo_rate;
		if (p->echo_tokens > p->echo_max)
			p->echo_tokens = p->echo_max;
	}
	p->echo_last_ms = now;
	if (p->echo_tokens < 1000)
		return false;
	p->echo_tokens -= 1000;
	return true;
}

int
wgc_net_slow_input(struct wgc_net_port *p, uint64_t now, struct wgc_view *v,
		struct wgc_view *out)
{
	struct wgc_net_meta m;
	struct net_parse r;

	net_parse_frame(p, v, &r, &m);
	switch (r.cls) {
	case WGC_NET_CLASS_ARP:
		return arp_input(p, now, v, &r, out);
	case WGC_NET_CLASS_ND:
		return nd_input(p, now, v, &r, out);
	case WGC_NET_CLASS_ECHO:
		if (!echo_allowed(p, now)) {
			net_lcore(p)->st.drop[WGC_NET_DROP_ECHO_RATE]++;
			break;
		}
		return echo_input(p, v, &r, out);
	case WGC_NET_CLASS_DROP:
		net_lcore(p)->st.drop[r.reason]++;
		break;
	case WGC_NET_CLASS_ICMP_ERR:
		net_lcore(p)->st.rx_icmp_error++;
		break;
	default:
		/* wireguard traffic has no business here */
		net_lcore(p)->st.drop[WGC_NET_DROP_PROTO]++;
		break;
	}
	wgc_view_release(v);
	return 0;
}

uint16_t
wgc_net_slow_poll(struct wgc_net_port *p, uint64_t now, struct wgc_view *out,
		uint16_t max)
{
	struct slow_item items[16];
	uint16_t n = 0;
	unsigned int i, k;

	n += net_neigh_flush(p, out, max);
	/* each ring item yields at most one view */
	while (n < max) {
		k = rte_ring_sc_dequeue_burst_elem(p->slow, items,
			sizeof(items[0]), RTE_MIN((unsigned int)RTE_DIM(items),
				(unsigned int)(max - n)), NULL);
		if (k == 0)
			break;
		for (i = 0; i < k; i++) {
			if (items[i].kind == SLOW_INPUT)
				n += (uint16_t)wgc_net_slow_input(p, now,
					&items[i].v, &out[n]);
			else
				n += (uint16_t)net_neigh_hold(p, &items[i].nh,
					&items[i].v, now, &out[n]);
		}
	}
	/* answers may have resolved neighbours with held packets */
	n += net_neigh_flush(p, out + n, max - n);
	n += net_neigh_timers(p, now, out + n, max - n);
	return n;
}
