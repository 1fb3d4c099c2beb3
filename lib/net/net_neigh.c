/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The neighbour table (IPv4 ARP + IPv6 ND in one table).
 *
 * A power-of-2 array of slots; an address hashes to a slot and may live in
 * any of the NEIGH_WINDOW slots after it. Written only by the slow-path
 * lcore; workers read with the per-slot seqlock (no locks, no RCU: slots
 * are never freed while the port exists, a reader that raced with a writer
 * just retries).
 *
 * States: INCOMPLETE (requests sent with backoff retrans, 2 x retrans, ...,
 * max_probes of them, then the entry and its held packets are dropped),
 * REACHABLE (confirmed; STALE after reachable_ms), STALE (usable; re-probed
 * stale_ms after the last confirmation), PROBE (usable; unicast requests,
 * removed after max_probes unanswered ones). Each entry holds at most
 * WGC_NET_NEIGH_HOLD packets waiting for its MAC.
 */

#include <errno.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "net_private.h"

uint32_t
net_neigh_hash(const struct wgc_addr *a)
{
	uint64_t w[2];

	if (a->family == AF_INET)
		return rte_hash_crc_4byte(a->ip4, 0x5eed);
	memcpy(w, a->bytes, sizeof(w));   /* ip6 is only 4-byte aligned */
	return rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], 0x5eed6));
}

int
wgc_net_neigh_lookup(const struct wgc_net_port *p,
		const struct wgc_addr *a, struct rte_ether_addr *mac)
{
	uint32_t h = net_neigh_hash(a), i;

	for (i = 0; i < NEIGH_WINDOW; i++) {
		const struct neigh_entry *e = &p->neigh[(h + i) & p->neigh_mask];
		struct rte_ether_addr m;
		uint32_t sn;
		uint8_t state;
		bool hit;

		do {
			sn = rte_seqlock_read_begin(&e->lock);
			state = e->state;
			hit = state != WGC_NET_NEIGH_FREE &&
				wgc_addr_equal(&e->key, a);
			m = e->mac;
		} while (rte_seqlock_read_retry(&e->lock, sn));
		if (!hit)
			continue;
		if (state == WGC_NET_NEIGH_INCOMPLETE)
			return -ENOENT;
		*mac = m;
		return 0;
	}
	return -ENOENT;
}

struct neigh_entry *
net_neigh_find(struct wgc_net_port *p, const struct wgc_addr *a)
{
	uint32_t h = net_neigh_hash(a), i;

	for (i = 0; i < NEIGH_WINDOW; i++) {
		struct neigh_entry *e = &p->neigh[(h + i) & p->neigh_mask];

		if (e->state != WGC_NET_NEIGH_FREE && wgc_addr_equal(&e->key, a))
			return e;
	}
	return NULL;
}

static inline struct wgc_view *
held_of(struct wgc_net_port *p, const struct neigh_entry *e)
{
	return &p->held[(size_t)(e - p->neigh) * WGC_NET_NEIGH_HOLD];
}

static bool
is_gateway(const struct wgc_net_port *p, const struct wgc_addr *a)
{
	if (a->family == AF_INET)
		return p->gw4 != 0 && a->ip4 == p->gw4;
	return p->has_gw6 && memcmp(a->bytes, p->gw6, 16) == 0;
}

static void
entry_free(struct wgc_net_port *p, struct neigh_entry *e, unsigned int why)
{
	struct net_lcore *lc = net_lcore(p);

	if (e->nb_held > 0) {
		lc->st.drop[why] += e->nb_held;
		wgc_view_release_all(held_of(p, e), e->nb_held);
	}
	rte_seqlock_write_lock(&e->lock);
	e->state = WGC_NET_NEIGH_FREE;
	memset(&e->key, 0, sizeof(e->key));
	rte_seqlock_write_unlock(&e->lock);
	e->nb_held = 0;
	e->flush = 0;
	e->probes = 0;
}

/* a free slot for a, evicting the oldest stale non-gateway entry if needed */
static struct neigh_entry *
entry_alloc(struct wgc_net_port *p, const struct wgc_addr *a)
{
	struct neigh_entry *victim = NULL;
	uint32_t h = net_neigh_hash(a), i;

	for (i = 0; i < NEIGH_WINDOW; i++) {
		struct neigh_entry *e = &p->neigh[(h + i) & p->neigh_mask];

		if (e->state == WGC_NET_NEIGH_FREE)
			return e;
		if (e->state == WGC_NET_NEIGH_STALE && e->nb_held == 0 &&
				!is_gateway(p, &e->key) &&
				(victim == NULL ||
				 e->updated_ms < victim->updated_ms))
			victim = e;
	}
	if (victim != NULL) {
		net_lcore(p)->st.neigh_expired++;
		entry_free(p, victim, WGC_NET_DROP_NEIGH_FULL);
	}
	return victim;
}

static void
entry_set(struct neigh_entry *e, const struct wgc_addr *a,
		const struct rte_ether_addr *mac, uint8_t state)
{
	rte_seqlock_write_lock(&e->lock);
	e->key = *a;
	if (mac != NULL)
		e->mac = *mac;
	e->state = state;
	rte_seqlock_write_unlock(&e->lock);
}

/* a new entry waiting for its first request (sent by the caller/timer) */
static struct neigh_entry *
entry_new_incomplete(struct wgc_net_port *p, const struct wgc_addr *a,
		uint64_t now)
{
	struct neigh_entry *e = entry_alloc(p, a);

	if (e == NULL)
		return NULL;
	entry_set(e, a, NULL, WGC_NET_NEIGH_INCOMPLETE);
	e->nb_held = 0;
	e->flush = 0;
	e->probes = 0;
	e->updated_ms = now;
	e->next_ms = now;
	return e;
}

struct neigh_entry *
net_neigh_learn(struct wgc_net_port *p, const struct wgc_addr *a,
		const struct rte_ether_addr *mac, uint8_t state, bool create,
		uint64_t now)
{
	struct neigh_entry *e = net_neigh_find(p, a);

	if (e == NULL) {
		if (!create)
			return NULL;
		e = entry_alloc(p, a);
		if (e == NULL) {
			net_lcore(p)->st.drop[WGC_NET_DROP_NEIGH_FULL]++;
			return NULL;
		}
		e->nb_held = 0;
		e->flush = 0;
	}
	entry_set(e, a, mac, state);
	e->probes = 0;
	e->updated_ms = now;
	e->next_ms = now + (state == WGC_NET_NEIGH_REACHABLE ?
		p->reachable_ms : p->stale_ms);
	if (e->nb_held > 0 && !e->flush) {
		e->flush = 1;
		p->flush_pending++;
	}
	net_lcore(p)->st.neigh_learned++;
	return e;
}

int
wgc_net_neigh_add(struct wgc_net_port *p, const struct wgc_addr *a,
		const struct rte_ether_addr *mac, uint64_t now)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return -EINVAL;
	if (net_neigh_learn(p, a, mac, WGC_NET_NEIGH_REACHABLE, true,
			now) == NULL)
		return -ENOSPC;
	return 0;
}

/* our address to use as source towards a (same prefix, else the first) */
static int
src_ip6_for(const struct wgc_net_port *p, const uint8_t *a)
{
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80 && p->ll6 >= 0)
		return p->ll6;
	return 0;
}

static rte_be32_t
src_ip4_for(const struct wgc_net_port *p, rte_be32_t a)
{
	unsigned int i;

	for (i = 0; i < p->nb_ip4; i++)
		if (((a ^ p->ip4[i]) & p->mask4[i]) == 0)
			return p->ip4[i];
	return p->ip4[0];
}

/* Ethernet (+ VLAN) header; returns the L3 offset */
static uint16_t
put_eth(const struct wgc_net_port *p, uint8_t *d,
		const struct rte_ether_addr *dst, uint16_t type)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;

	eh->dst_addr = *dst;
	eh->src_addr = p->mac;
	if (p->vlan == 0) {
		eh->ether_type = rte_cpu_to_be_16(type);
		return ETH_HLEN;
	}
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
	((struct rte_vlan_hdr *)(d + ETH_HLEN))->vlan_tci = p->vlan_tci_be;
	((struct rte_vlan_hdr *)(d + ETH_HLEN))->eth_proto =
		rte_cpu_to_be_16(type);
	return ETH_HLEN + VLAN_HLEN;
}

int
net_neigh_request(struct wgc_net_port *p, const struct wgc_addr *a,
		const struct rte_ether_addr *unicast, struct wgc_view *out)
{
	struct net_lcore *lc = net_lcore(p);
	struct rte_ether_addr dst;
	uint16_t l3, len;
	uint8_t *d;

	if (wgc_view_alloc_bulk(&p->pool_rc, out, 1) != 1) {
		lc->st.drop[WGC_NET_DROP_NO_MBUF]++;
		return 0;
	}
	if (a->family == AF_INET) {
		struct rte_arp_hdr *arp;

		len = (uint16_t)((p->vlan ? ETH_HLEN + VLAN_HLEN : ETH_HLEN) +
			ARP_LEN);
		d = wgc_view_append(out, len);
		if (d == NULL)
			goto fail;
		net_pad_min(out);
		memset(&dst, 0xff, sizeof(dst));
		l3 = put_eth(p, d, unicast ? unicast : &dst,
			RTE_ETHER_TYPE_ARP);
		arp = (struct rte_arp_hdr *)(d + l3);
		arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
		arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		arp->arp_hlen = RTE_ETHER_ADDR_LEN;
		arp->arp_plen = 4;
		arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
		arp->arp_data.arp_sha = p->mac;
		arp->arp_data.arp_sip = src_ip4_for(p, a->ip4);
		memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
		arp->arp_data.arp_tip = a->ip4;
		lc->st.arp_request_tx++;
	} else {
		struct rte_ipv6_hdr *ip;
		uint8_t *ic;

		len = (uint16_t)((p->vlan ? ETH_HLEN + VLAN_HLEN : ETH_HLEN) +
			IP6_HLEN + ND_NS_LEN + ND_OPT_LEN);
		d = wgc_view_append(out, len);
		if (d == NULL)
			goto fail;
		if (unicast == NULL) {
			/* 33:33 + low 32 bits of the solicited-node group */
			dst.addr_bytes[0] = 0x33;
			dst.addr_bytes[1] = 0x33;
			dst.addr_bytes[2] = 0xff;
			memcpy(&dst.addr_bytes[3], a->bytes + 13, 3);
		}
		l3 = put_eth(p, d, unicast ? unicast : &dst,
			RTE_ETHER_TYPE_IPV6);
		ip = (struct rte_ipv6_hdr *)(d + l3);
		ip->vtc_flow = RTE_BE32(6u << 28);
		ip->payload_len = RTE_BE16(ND_NS_LEN + ND_OPT_LEN);
		ip->proto = IPPROTO_ICMP6;
		ip->hop_limits = 255;
		memcpy(ip->src_addr, p->ip6[src_ip6_for(p, a->bytes)], 16);
		if (unicast == NULL)
			net_ip6_solicited_node(ip->dst_addr, a->bytes);
		else
			memcpy(ip->dst_addr, a->bytes, 16);
		ic = d + l3 + IP6_HLEN;
		memset(ic, 0, ND_NS_LEN);
		ic[0] = ND_NS;
		memcpy(ic + 8, a->bytes, 16);
		ic[ND_NS_LEN] = ND_OPT_SLLA;
		ic[ND_NS_LEN + 1] = 1;
		memcpy(ic + ND_NS_LEN + 2, &p->mac, RTE_ETHER_ADDR_LEN);
		*(uint16_t *)(ic + 2) = net_cksum6(ip->src_addr, ip->dst_addr,
			IPPROTO_ICMP6, ic, ND_NS_LEN + ND_OPT_LEN);
		lc->st.nd_ns_tx++;
	}
	return 1;
fail:
	lc->st.drop[WGC_NET_DROP_NO_MBUF]++;
	wgc_view_release(out);
	return 0;
}

static void
write_dst_mac(struct wgc_view *v, const struct rte_ether_addr *mac)
{
	memcpy(v->data, mac, RTE_ETHER_ADDR_LEN);
}

int
net_neigh_hold(struct wgc_net_port *p, const struct wgc_addr *nh,
		struct wgc_view *v, uint64_t now, struct wgc_view *out)
{
	struct net_lcore *lc = net_lcore(p);
	struct neigh_entry *e = net_neigh_find(p, nh);

	if (e != NULL && e->state != WGC_NET_NEIGH_INCOMPLETE) {
		/* resolved since the worker looked */
		write_dst_mac(v, &e->mac);
		wgc_view_claim(out, v);
		lc->st.hold_flushed++;
		return 1;
	}
	if (e == NULL) {
		e = entry_new_incomplete(p, nh, now);
		if (e == NULL) {
			lc->st.drop[WGC_NET_DROP_NEIGH_FULL]++;
			wgc_view_release(v);
			return 0;
		}
	}
	if (e->nb_held >= WGC_NET_NEIGH_HOLD) {
		lc->st.drop[WGC_NET_DROP_HOLD_FULL]++;
		wgc_view_release(v);
	} else {
		wgc_view_claim(&held_of(p, e)[e->nb_held++], v);
	}
	/* first request right away, then on the timer's backoff */
	if (e->probes == 0 && net_neigh_request(p, nh, NULL, out) == 1) {
		e->probes = 1;
		e->next_ms = now + p->retrans_ms;
		return 1;
	}
	return 0;
}

uint16_t
net_neigh_flush(struct wgc_net_port *p, struct wgc_view *out, uint16_t max)
{
	struct net_lcore *lc = net_lcore(p);
	uint16_t n = 0;
	uint32_t i;

	if (p->flush_pending == 0)
		return 0;
	for (i = 0; i <= p->neigh_mask; i++) {
		struct neigh_entry *e = &p->neigh[i];
		struct wgc_view *h;
		unsigned int j;

		if (!e->flush)
			continue;
		if (n + e->nb_held > max)
			break;
		h = held_of(p, e);
		for (j = 0; j < e->nb_held; j++) {
			write_dst_mac(&h[j], &e->mac);
			wgc_view_claim(&out[n++], &h[j]);
		}
		lc->st.hold_flushed += e->nb_held;
		e->nb_held = 0;
		e->flush = 0;
		p->flush_pending--;
	}
	return n;
}

static void
ensure_gateway(struct wgc_net_port *p, const struct wgc_addr *gw,
		uint64_t now)
{
	if (net_neigh_find(p, gw) == NULL)
		entry_new_incomplete(p, gw, now);
}

uint16_t
net_neigh_timers(struct wgc_net_port *p, uint64_t now, struct wgc_view *out,
		uint16_t max)
{
	struct net_lcore *lc = net_lcore(p);
	struct wgc_addr gw;
	uint16_t n = 0;
	uint32_t i;

	if (p->last_scan_ms != 0 && now - p->last_scan_ms < NET_TIMER_MS &&
			now >= p->last_scan_ms)
		return 0;
	p->last_scan_ms = now ? now : 1;

	/* keep the gateways resolved */
	if (p->gw4 != 0) {
		memset(&gw, 0, sizeof(gw));
		gw.family = AF_INET;
		gw.ip4 = p->gw4;
		ensure_gateway(p, &gw, now);
	}
	if (p->has_gw6) {
		memset(&gw, 0, sizeof(gw));
		gw.family = AF_INET6;
		memcpy(gw.bytes, p->gw6, 16);
		ensure_gateway(p, &gw, now);
	}

	for (i = 0; i <= p->neigh_mask; i++) {
		struct neigh_entry *e = &p->neigh[i];

		if (e->state == WGC_NET_NEIGH_FREE || now < e->next_ms)
			continue;
		switch (e->state) {
		case WGC_NET_NEIGH_REACHABLE:
			rte_seqlock_write_lock(&e->lock);
			e->state = WGC_NET_NEIGH_STALE;
			rte_seqlock_write_unlock(&e->lock);
			e->next_ms = e->updated_ms + p->stale_ms;
			if (e->next_ms < now)
				e->next_ms = now;
			break;
		case WGC_NET_NEIGH_STALE:
			/* time to check it is still there: probe it now */
			rte_seqlock_write_lock(&e->lock);
			e->state = WGC_NET_NEIGH_PROBE;
			rte_seqlock_write_unlock(&e->lock);
			e->probes = 0;
			/* fall through */
		case WGC_NET_NEIGH_INCOMPLETE:
		case WGC_NET_NEIGH_PROBE:
			if (e->probes >= p->max_probes) {
				lc->st.neigh_expired++;
				entry_free(p, e, WGC_NET_DROP_NEIGH_FAILED);
				break;
			}
			if (n >= max) {
				e->next_ms = now;   /* on the next scan */
				break;
			}
			n += (uint16_t)net_neigh_request(p, &e->key,
				e->state == WGC_NET_NEIGH_PROBE ? &e->mac : NULL,
				&out[n]);
			/* exponential backoff: retrans, 2 x, 4 x ... */
			e->next_ms = now + ((uint64_t)p->retrans_ms << e->probes);
			e->probes++;
			break;
		default:
			break;
		}
	}
	return n;
}

void
net_neigh_free_all(struct wgc_net_port *p)
{
	uint32_t i;

	for (i = 0; i <= p->neigh_mask; i++)
		if (p->neigh[i].nb_held > 0)
			wgc_view_release_all(held_of(p, &p->neigh[i]),
				p->neigh[i].nb_held);
}

unsigned int
wgc_net_neigh_list(const struct wgc_net_port *p,
		struct wgc_net_neigh_info *info, unsigned int max)
{
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i <= p->neigh_mask && n < max; i++) {
		const struct neigh_entry *e = &p->neigh[i];

		if (e->state == WGC_NET_NEIGH_FREE)
			continue;
		info[n].addr = e->key;
		info[n].mac = e->mac;
		info[n].state = e->state;
		info[n].probes = e->probes;
		info[n].held = e->nb_held;
		info[n].updated_ms = e->updated_ms;
		n++;
	}
	return n;
}
