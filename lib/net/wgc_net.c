/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Port life cycle, counters, names and endpoint text.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "net_private.h"

RTE_LOG_REGISTER(wgc_logtype_net, wgc.net, INFO);

static const char * const drop_names[WGC_NET_DROP__MAX] = {
	[WGC_NET_DROP_RUNT] = "runt",
	[WGC_NET_DROP_NOT_OUR_MAC] = "not_our_mac",
	[WGC_NET_DROP_VLAN] = "vlan",
	[WGC_NET_DROP_ETHERTYPE] = "ethertype",
	[WGC_NET_DROP_ARP] = "arp",
	[WGC_NET_DROP_IP4_HDR] = "ip4_hdr",
	[WGC_NET_DROP_IP4_LEN] = "ip4_len",
	[WGC_NET_DROP_IP4_CKSUM] = "ip4_cksum",
	[WGC_NET_DROP_IP4_FRAG] = "ip4_frag",
	[WGC_NET_DROP_IP6_HDR] = "ip6_hdr",
	[WGC_NET_DROP_IP6_EXT] = "ip6_ext",
	[WGC_NET_DROP_NOT_OUR_IP] = "not_our_ip",
	[WGC_NET_DROP_PROTO] = "proto",
	[WGC_NET_DROP_UDP_LEN] = "udp_len",
	[WGC_NET_DROP_UDP_CKSUM] = "udp_cksum",
	[WGC_NET_DROP_UDP_PORT] = "udp_port",
	[WGC_NET_DROP_ICMP] = "icmp",
	[WGC_NET_DROP_ND] = "nd",
	[WGC_NET_DROP_SLOW_FULL] = "slow_full",
	[WGC_NET_DROP_NO_ROUTE] = "no_route",
	[WGC_NET_DROP_NO_HEADROOM] = "no_headroom",
	[WGC_NET_DROP_HOLD_FULL] = "hold_full",
	[WGC_NET_DROP_NEIGH_FAILED] = "neigh_failed",
	[WGC_NET_DROP_NEIGH_FULL] = "neigh_full",
	[WGC_NET_DROP_NO_MBUF] = "no_mbuf",
	[WGC_NET_DROP_TOO_BIG] = "too_big",
	[WGC_NET_DROP_ECHO_RATE] = "echo_rate",
	[WGC_NET_DROP_ICMP_ERROR] = "icmp_error",
	[WGC_NET_DROP_FRAG_TIMEOUT] = "frag_timeout",
	[WGC_NET_DROP_FRAG_TABLE_FULL] = "frag_table_full",
	[WGC_NET_DROP_FRAG_MALFORMED] = "frag_malformed",
	[WGC_NET_DROP_FRAG_NO_ROOM] = "frag_no_room",
};

/* struct wgc_net_stats' counters, in their order */
static const char * const counter_names[] = {
	"rx_wg", "rx_arp", "rx_nd", "rx_echo", "rx_icmp_error", "tx_encap",
	"tx_held", "arp_reply_tx", "arp_request_tx", "nd_na_tx", "nd_ns_tx",
	"echo_reply_tx", "neigh_learned", "neigh_expired", "hold_flushed",
	"rx_frag", "rx_reassembled", "tx_fragmented", "tx_frags",
};

static const char * const class_names[] = {
	[WGC_NET_CLASS_WG] = "wg",
	[WGC_NET_CLASS_ARP] = "arp",
	[WGC_NET_CLASS_ND] = "nd",
	[WGC_NET_CLASS_ECHO] = "echo",
	[WGC_NET_CLASS_ICMP_ERR] = "icmp_error",
	[WGC_NET_CLASS_DROP] = "drop",
	[WGC_NET_CLASS_FRAG] = "frag",
};

const char *
wgc_net_drop_name(unsigned int reason)
{
	if (reason >= RTE_DIM(drop_names) || drop_names[reason] == NULL)
		return "?";
	return drop_names[reason];
}

const char *
wgc_net_counter_name(unsigned int i)
{
	RTE_BUILD_BUG_ON(RTE_DIM(counter_names) != WGC_NET_COUNTERS);
	return i < RTE_DIM(counter_names) ? counter_names[i] : "?";
}

const char *
wgc_net_class_name(unsigned int cls)
{
	if (cls >= RTE_DIM(class_names))
		return "?";
	return class_names[cls];
}

static rte_be32_t
prefix_mask4(unsigned int len)
{
	return len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - len));
}

static bool
ip6_is_zero(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* a gateway outside every prefix cannot be resolved: say so */
static void
gateway_check(struct wgc_net_port *p)
{
	struct wgc_addr gw, nh;

	memset(&gw, 0, sizeof(gw));
	if (p->gw4 != 0) {
		gw.family = AF_INET;
		gw.ip4 = p->gw4;
		if (wgc_net_route(p, &gw, &nh) != 0 || nh.ip4 != gw.ip4)
			NET_LOG(WARNING, "%s: gateway4 is not on-link: it "
				"will not resolve", p->name);
	}
	if (p->has_gw6) {
		gw.family = AF_INET6;
		memcpy(gw.bytes, p->gw6, 16);
		if (wgc_net_route(p, &gw, &nh) != 0 ||
				memcmp(nh.bytes, gw.bytes, 16) != 0)
			NET_LOG(WARNING, "%s: gateway6 is not on-link: it "
				"will not resolve", p->name);
	}
}

struct wgc_net_port *
wgc_net_port_create(const struct wgc_net_port_conf *c)
{
	char rname[RTE_RING_NAMESIZE];
	struct wgc_net_port *p;
	uint32_t size, ring;
	unsigned int i;

	if (c == NULL || c->name == NULL || c->pool == NULL ||
			c->nb_ip4 > WGC_NET_ADDRS_MAX ||
			c->nb_ip6 > WGC_NET_ADDRS_MAX ||
			(c->nb_ip4 == 0 && c->nb_ip6 == 0) ||
			c->vlan > 4094 || c->listen_port == 0 ||
			(c->mtu != 0 && (c->mtu < 576 || c->mtu > 9000)) ||
			c->frag_entries > 65536 ||
			rte_is_zero_ether_addr(&c->mac) ||
			rte_is_multicast_ether_addr(&c->mac)) {
		rte_errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < c->nb_ip4; i++)
		if (c->ip4[i].addr.family != AF_INET ||
				c->ip4[i].addr.ip4 == 0 || c->ip4[i].len > 32) {
			rte_errno = EINVAL;
			return NULL;
		}
	for (i = 0; i < c->nb_ip6; i++)
		if (c->ip6[i].addr.family != AF_INET6 ||
				ip6_is_zero(c->ip6[i].addr.bytes) ||
				c->ip6[i].addr.bytes[0] == 0xff ||
				c->ip6[i].len > 128) {
			rte_errno = EINVAL;
			return NULL;
		}
	if ((c->gw4.family != 0 && c->gw4.family != AF_INET) ||
			(c->gw6.family != 0 && c->gw6.family != AF_INET6)) {
		rte_errno = EINVAL;
		return NULL;
	}
	size = c->neigh_size ? c->neigh_size : 1024;
	ring = c->slow_ring_size ? c->slow_ring_size : 1024;
	if (!rte_is_power_of_2(size) || size < NEIGH_WINDOW ||
			size > (1u << 20) || !rte_is_power_of_2(ring) ||
			ring < 8) {
		rte_errno = EINVAL;
		return NULL;
	}

	p = rte_zmalloc_socket("wgc_net_port", sizeof(*p), RTE_CACHE_LINE_SIZE,
		c->socket_id);
	if (p == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(p->name, sizeof(p->name), "%s", c->name);
	p->mac = c->mac;
	p->vlan = c->vlan;
	p->vlan_tci_be = rte_cpu_to_be_16(c->vlan);
	p->listen_port = rte_cpu_to_be_16(c->listen_port);
	p->mtu = c->mtu ? c->mtu : 1500;
	p->nb_ip4 = c->nb_ip4;
	for (i = 0; i < c->nb_ip4; i++) {
		p->ip4[i] = c->ip4[i].addr.ip4;
		p->mask4[i] = prefix_mask4(c->ip4[i].len);
	}
	p->gw4 = c->gw4.family == AF_INET ? c->gw4.ip4 : 0;
	p->nb_ip6 = c->nb_ip6;
	for (i = 0; i < c->nb_ip6; i++) {
		memcpy(p->ip6[i], c->ip6[i].addr.bytes, 16);
		p->prefix6[i] = c->ip6[i].len;
	}
	p->ll6 = -1;
	for (i = 0; i < c->nb_ip6; i++)
		if (p->ip6[i][0] == 0xfe && (p->ip6[i][1] & 0xc0) == 0x80)
			p->ll6 = (int)i;
	if (c->nb_ip6 > 0 && !c->no_link_local && p->ll6 < 0 &&
			p->nb_ip6 < WGC_NET_ADDRS_MAX) {
		/* fe80::/64 + modified EUI-64 of our MAC */
		uint8_t *a = p->ip6[p->nb_ip6];

		memset(a, 0, 16);
		a[0] = 0xfe;
		a[1] = 0x80;
		a[8] = c->mac.addr_bytes[0] ^ 0x02;
		a[9] = c->mac.addr_bytes[1];
		a[10] = c->mac.addr_bytes[2];
		a[11] = 0xff;
		a[12] = 0xfe;
		a[13] = c->mac.addr_bytes[3];
		a[14] = c->mac.addr_bytes[4];
		a[15] = c->mac.addr_bytes[5];
		p->prefix6[p->nb_ip6] = 64;
		p->ll6 = p->nb_ip6++;
	}
	if (c->gw6.family == AF_INET6 && !ip6_is_zero(c->gw6.bytes)) {
		memcpy(p->gw6, c->gw6.bytes, 16);
		p->has_gw6 = true;
	}
	p->tx_ip4_offload = c->tx_ip4_cksum_offload;
	p->tx_udp_offload = c->tx_udp_cksum_offload;
	wgc_recycler_mempool_init(&p->pool_rc, c->pool);
	p->reachable_ms = c->reachable_ms ? c->reachable_ms : 30000;
	p->retrans_ms = c->retrans_ms ? c->retrans_ms : 1000;
	p->max_probes = c->max_probes ? c->max_probes : 3;
	p->stale_ms = c->stale_ms ? c->stale_ms : 60000;
	if (p->max_probes > 16)
		p->max_probes = 16;
	p->echo_rate = c->echo_rate ? c->echo_rate : 1000;
	p->echo_max = (uint64_t)(c->echo_burst ? c->echo_burst : 50) * 1000;
	p->echo_tokens = p->echo_max;
	p->frag_entries = c->frag_entries ? c->frag_entries : 64;
	p->frag_cycles = (uint64_t)(c->frag_timeout_ms ? c->frag_timeout_ms :
		2000) * rte_get_tsc_hz() / 1000;

	p->neigh_mask = size - 1;
	p->neigh = rte_zmalloc_socket("wgc_net_neigh",
		sizeof(p->neigh[0]) * size, RTE_CACHE_LINE_SIZE, c->socket_id);
	p->held = rte_zmalloc_socket("wgc_net_held",
		sizeof(p->held[0]) * size * WGC_NET_NEIGH_HOLD,
		RTE_CACHE_LINE_SIZE, c->socket_id);
	snprintf(rname, sizeof(rname), "wgcn_%s", c->name);
	p->slow = rte_ring_create_elem(rname, sizeof(struct slow_item), ring,
		c->socket_id, RING_F_SC_DEQ);
	if (p->neigh == NULL || p->held == NULL || p->slow == NULL ||
			net_frag_create(p, c->socket_id) != 0) {
		int err = p->slow == NULL && rte_errno == EEXIST ?
			EEXIST : ENOMEM;

		NET_LOG(ERR, "%s: cannot allocate tables: %s", c->name,
			rte_strerror(err));
		net_frag_free(p);
		rte_ring_free(p->slow);
		rte_free(p->held);
		rte_free(p->neigh);
		rte_free(p);
		rte_errno = err;
		return NULL;
	}
	for (i = 0; i < size; i++)
		rte_seqlock_init(&p->neigh[i].lock);
	gateway_check(p);
	NET_LOG(DEBUG, "%s: %u IPv4 and %u IPv6 addresses, vlan %u, port %u",
		p->name, p->nb_ip4, p->nb_ip6, p->vlan, c->listen_port);
	return p;
}

int
wgc_net_port_set_listen_port(struct wgc_net_port *p, uint16_t port)
{
	if (p == NULL || port == 0)
		return -EINVAL;
	__atomic_store_n(&p->listen_port, rte_cpu_to_be_16(port),
		__ATOMIC_RELAXED);
	NET_LOG(INFO, "%s: listen port %u", p->name, port);
	return 0;
}

uint16_t
wgc_net_port_listen_port(const struct wgc_net_port *p)
{
	return rte_be_to_cpu_16(__atomic_load_n(&p->listen_port,
		__ATOMIC_RELAXED));
}

void
wgc_net_port_free(struct wgc_net_port *p)
{
	struct slow_item it;

	if (p == NULL)
		return;
	while (rte_ring_sc_dequeue_elem(p->slow, &it, sizeof(it)) == 0)
		wgc_view_release(&it.v);
	net_neigh_free_all(p);
	net_frag_free(p);
	rte_ring_free(p->slow);
	rte_free(p->held);
	rte_free(p->neigh);
	rte_free(p);
}

static void
stats_add(struct wgc_net_stats *sum, const struct wgc_net_stats *s)
{
	const volatile uint64_t *src = (const volatile uint64_t *)s;
	uint64_t *dst = (uint64_t *)sum;
	unsigned int i;

	for (i = 0; i < offsetof(struct wgc_net_stats, drop) / 8 +
			WGC_NET_DROP__MAX; i++)
		dst[i] += src[i];
}

void
wgc_net_stats_get(const struct wgc_net_port *p, struct wgc_net_stats *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i <= RTE_MAX_LCORE; i++)
		stats_add(sum, &p->lc[i].st);
}

int
wgc_net_stats_lcore(const struct wgc_net_port *p, unsigned int lcore,
		struct wgc_net_stats *st)
{
	if (lcore > RTE_MAX_LCORE)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	stats_add(st, &p->lc[lcore].st);
	return 0;
}

void
wgc_net_stats_reset(struct wgc_net_port *p)
{
	unsigned int i;

	for (i = 0; i <= RTE_MAX_LCORE; i++)
		memset(&p->lc[i].st, 0, sizeof(p->lc[i].st));
}

int
wgc_net_endpoint_parse(const char *s, bool want_port,
		struct wgc_endpoint *ep)
{
	char buf[64];
	const char *host = s, *port = NULL;
	char *end;
	unsigned long pv;
	size_t len;

	if (s == NULL || ep == NULL)
		return -EINVAL;
	memset(ep, 0, sizeof(*ep));
	len = strlen(s);
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	if (buf[0] == '[') {
		char *rb = strchr(buf, ']');

		if (rb == NULL)
			return -EINVAL;
		*rb = '\0';
		host = buf + 1;
		if (rb[1] == ':')
			port = rb + 2;
		else if (rb[1] != '\0')
			return -EINVAL;
	} else {
		char *c = strchr(buf, ':');

		host = buf;
		/* one colon: IPv4 with port; more: a bare IPv6 address */
		if (c != NULL && strchr(c + 1, ':') == NULL) {
			*c = '\0';
			port = c + 1;
		}
	}
	if (inet_pton(AF_INET, host, &ep->addr.ip4) == 1)
		ep->addr.family = AF_INET;
	else if (inet_pton(AF_INET6, host, ep->addr.bytes) == 1)
		ep->addr.family = AF_INET6;
	else
		return -EINVAL;
	if (port == NULL)
		return want_port ? -EINVAL : 0;
	if (*port < '0' || *port > '9')
		return -EINVAL;
	errno = 0;
	pv = strtoul(port, &end, 10);
	if (errno != 0 || *end != '\0' || pv == 0 || pv > 65535)
		return -EINVAL;
	ep->port = (uint16_t)pv;
	return 0;
}

unsigned int
wgc_net_port_mc_addrs(const struct wgc_net_port *p, struct rte_ether_addr *mc,
		unsigned int max)
{
	unsigned int i, j, n = 0;

	if (p->nb_ip6 == 0 || max == 0)
		return 0;
	mc[n++] = (struct rte_ether_addr){ { 0x33, 0x33, 0, 0, 0, 1 } };
	for (i = 0; i < p->nb_ip6 && n < max; i++) {
		struct rte_ether_addr a = { { 0x33, 0x33, 0xff,
			p->ip6[i][13], p->ip6[i][14], p->ip6[i][15] } };

		/* addresses sharing their low 24 bits share the group */
		for (j = 0; j < n; j++)
			if (rte_is_same_ether_addr(&mc[j], &a))
				break;
		if (j == n)
			mc[n++] = a;
	}
	return n;
}
