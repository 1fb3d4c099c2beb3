/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The daemon's outer ports: outer[k] is opened with one RX and one TX
 * queue per worker (worker w polls queue w of every port; the stage sends
 * through worker 0's), gets its own lib/net host stack (addresses,
 * gateways, VLAN, MTU, ARP/ND/echo) and its own counters.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>

#include "outer.h"

uint16_t
wgc_app_eth_rx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	return wgc_ethdev_rx_burst(ctx, q, v, n);
}

uint16_t
wgc_app_eth_tx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	return wgc_ethdev_tx_burst_or_drop(ctx, q, v, n);
}

/* WireGuard per packet beyond the inner packet: UDP + header + tag */
#define WG_OVERHEAD (8 + 32)

/*
 * A tunnel-MTU packet sealed (padding stops at the tunnel MTU) must fit
 * the outer MTU over each configured family, or it leaves as fragments:
 * say so at start-up (fragmentation works; this is a hint, not a fault).
 */
static void
mtu_check(const char *port, uint16_t inner, uint16_t outer, bool v4, bool v6)
{
	unsigned int f;

	for (f = 0; f < 2; f++) {
		unsigned int ip = f ? 40 : 20, fit;

		if (!(f ? v6 : v4) || inner + WG_OVERHEAD + ip <= outer)
			continue;
		fit = outer > ip + WG_OVERHEAD ?
			(outer - ip - WG_OVERHEAD) & ~15u : 0;
		fprintf(stderr, "wgc: warning: inner mtu %u needs an outer "
			"MTU of %u over IPv%c, the outer port %s has %u: inner "
			"packets above %u B leave as outer fragments (set "
			"inner.mtu to %u to avoid them)\n", inner,
			inner + WG_OVERHEAD + ip, f ? '6' : '4', port, outer,
			fit, outer - ip - WG_OVERHEAD);
	}
}

/* each worker polls one RX queue of the port and sends on one TX queue:
 * the PMD must allow as many of each as there are workers */
static int
queues_check(unsigned int k, const char *dev, uint16_t nb_workers)
{
	uint16_t mrx = 0, mtx = 0;
	int rc = wgc_ethdev_max_queues(dev, &mrx, &mtx);

	if (rc < 0) {
		fprintf(stderr, "wgc: config: outer[%u].port \"%s\": %s\n", k,
			dev, rte_strerror(-rc));
		return -1;
	}
	if (mrx >= nb_workers && mtx >= nb_workers)
		return 0;
	fprintf(stderr, "wgc: config: outer[%u].port \"%s\": its PMD allows "
		"%u RX and %u TX queues (max_rx_queues, max_tx_queues); %u "
		"workers need %u of each on every outer port (net_af_packet: "
		"qpairs=%u)\n", k, dev, mrx, mtx, nb_workers, nb_workers,
		nb_workers);
	return -1;
}

/* IPv6 neighbour discovery needs the all-nodes and solicited-node groups:
 * a real NIC drops them unless told */
static int
mc_setup(struct wgc_app_port *p, unsigned int k, const char *dev)
{
	struct rte_ether_addr mc[8];
	unsigned int n = wgc_net_port_mc_addrs(p->net, mc, RTE_DIM(mc));

	if (n > 0 && wgc_ethdev_set_mc_addrs(p->eth, mc, n) < 0) {
		fprintf(stderr, "wgc: outer[%u] port %s: cannot receive IPv6 "
			"neighbour discovery\n", k, dev);
		return -1;
	}
	return 0;
}

static int
port_open(struct wgc_app_port *p, unsigned int k,
		const struct wgc_outer_conf *o,
		const struct wgc_startup_conf *c, uint16_t nb_workers,
		struct wgc_device *dev)
{
	struct wgc_ethdev_conf ec = { 0 };
	struct wgc_net_port_conf nc = { 0 };
	const struct wgc_ethdev_caps *caps;
	char nname[16];

	if (queues_check(k, o->port, nb_workers) < 0)
		return -1;
	ec.devname = o->port;
	ec.nb_rx_queues = nb_workers;
	ec.nb_tx_queues = nb_workers;
	ec.mtu = o->mtu;
	ec.set_mtu = true;
	/* a datagram reassembled from outer fragments is linearized into
	 * one buffer: room for a tunnel-MTU packet sealed over IPv6 */
	ec.data_room = RTE_PKTMBUF_HEADROOM + RTE_ALIGN_CEIL(c->inner.mtu +
		WG_OVERHEAD + 40 + WGC_ETHDEV_FRAME_HDR_MAX, 64);
	ec.socket_id = SOCKET_ID_ANY;
	p->eth = wgc_ethdev_open(&ec);
	if (p->eth == NULL) {
		fprintf(stderr, "wgc: outer[%u] port %s: %s\n", k, o->port,
			rte_strerror(rte_errno));
		return -1;
	}
	caps = wgc_ethdev_caps(p->eth);
	mtu_check(p->name, c->inner.mtu, caps->mtu, o->has_ipv4, o->has_ipv6);
	snprintf(nname, sizeof(nname), "outer%u", k);
	nc.name = nname;
	nc.mac = *wgc_ethdev_mac(p->eth);
	nc.vlan = o->vlan;
	nc.listen_port = c->iface.listen_port;
	nc.mtu = caps->mtu;
	if (o->has_ipv4) {
		nc.nb_ip4 = 1;
		nc.ip4[0] = o->ipv4;
		nc.gw4 = o->gateway4;
	}
	if (o->has_ipv6) {
		nc.nb_ip6 = 1;
		nc.ip6[0] = o->ipv6;
		nc.gw6 = o->gateway6;
	}
	nc.tx_ip4_cksum_offload = caps->tx_ipv4_cksum;
	nc.tx_udp_cksum_offload = caps->tx_udp_cksum;
	nc.pool = wgc_ethdev_pool(p->eth);
	/* outer reassembly pins at most 1/8 of the port's pool, all
	 * lcores' tables together (each datagram up to 8 fragments) */
	nc.frag_entries = RTE_MAX(4u, RTE_MIN(64u, nc.pool->size / 8 /
		(RTE_LIBRTE_IP_FRAG_MAX_FRAG * rte_lcore_count())));
	nc.socket_id = SOCKET_ID_ANY;
	p->net = wgc_net_port_create(&nc);
	/* the device owns the host stack from here on (freed on error) */
	if (p->net == NULL ||
			wgc_device_add_port(dev, p->net, p->name) != 0) {
		p->net = NULL;
		fprintf(stderr, "wgc: outer[%u] host stack: %s\n", k,
			rte_strerror(rte_errno));
		return -1;
	}
	return mc_setup(p, k, o->port);
}

/* several ports: which is which in the counters and the logs */
static void
port_banner(const struct wgc_app_port *p, unsigned int k,
		const struct wgc_outer_conf *o, uint16_t nb_workers)
{
	char a4[WGC_ADDR_STR_LEN] = "", a6[WGC_ADDR_STR_LEN] = "";

	if (o->has_ipv4)
		wgc_prefix_format(&o->ipv4, a4, sizeof(a4));
	if (o->has_ipv6)
		wgc_prefix_format(&o->ipv6, a6, sizeof(a6));
	printf("wgc: outer[%u] %s: \"%s\" %s%s%s, vlan %u, mtu %u, %u queue "
		"pairs\n", k, wgc_ethdev_name(p->eth), p->name, a4,
		a4[0] != '\0' && a6[0] != '\0' ? " " : "", a6, o->vlan,
		wgc_ethdev_caps(p->eth)->mtu, nb_workers);
}

int
wgc_app_outer_open(struct wgc_app_outer *o, const struct wgc_startup_conf *c,
		uint16_t nb_workers, struct wgc_device *dev)
{
	unsigned int k;

	memset(o, 0, sizeof(*o));
	if (c->n_outer == 0) {
		fprintf(stderr, "wgc: config: 'outer' needs a port\n");
		return -1;
	}
	/* the configuration's bound, the pipeline's too */
	RTE_BUILD_BUG_ON(WGC_CONF_OUTER_MAX > WGC_PIPELINE_PORTS_MAX);
	if (c->n_outer > WGC_CONF_OUTER_MAX) {
		fprintf(stderr, "wgc: config: outer: %u ports, at most %u\n",
			c->n_outer, WGC_CONF_OUTER_MAX);
		return -1;
	}
	for (k = 0; k < c->n_outer; k++) {
		struct wgc_app_port *p = &o->p[k];

		if (k == 0)
			snprintf(p->name, sizeof(p->name), "outer");
		else
			snprintf(p->name, sizeof(p->name), "outer%u", k);
		o->n = (uint16_t)(k + 1);
		if (port_open(p, k, &c->outer[k], c, nb_workers, dev) < 0)
			return -1;
		if (c->n_outer > 1)
			port_banner(p, k, &c->outer[k], nb_workers);
	}
	return 0;
}

void
wgc_app_outer_edges(struct wgc_app_outer *o, struct wgc_pipeline_conf *plc)
{
	unsigned int k;

	plc->nb_ports = o->n;
	for (k = 0; k < o->n; k++) {
		struct wgc_pipeline_port pp = {
			.net = o->p[k].net,
			.outer = { wgc_app_eth_rx, wgc_app_eth_tx,
				o->p[k].eth },
		};

		if (k == 0) {
			plc->net = pp.net;
			plc->outer = pp.outer;
		} else {
			plc->extra_ports[k - 1] = pp;
		}
	}
}

int
wgc_app_outer_start(struct wgc_app_outer *o)
{
	unsigned int k;

	for (k = 0; k < o->n; k++)
		if (wgc_ethdev_start(o->p[k].eth) < 0) {
			fprintf(stderr, "wgc: cannot start outer port %s\n",
				o->p[k].name);
			return -1;
		}
	return 0;
}

void
wgc_app_outer_stop(struct wgc_app_outer *o)
{
	unsigned int k;

	for (k = 0; k < o->n; k++)
		if (o->p[k].eth != NULL)
			wgc_ethdev_stop(o->p[k].eth);
}

void
wgc_app_outer_close(struct wgc_app_outer *o)
{
	unsigned int k;

	for (k = 0; k < o->n; k++) {
		wgc_ethdev_close(o->p[k].eth);
		o->p[k].net = NULL;
		o->p[k].eth = NULL;
	}
	o->n = 0;
}

int
wgc_app_outer_monitor(struct wgc_app_outer *o, struct wgc_monitor *m)
{
	unsigned int k;
	int rc = 0;

	for (k = 0; k < o->n && rc == 0; k++) {
		rc = wgc_monitor_add_pool(m, wgc_ethdev_pool(o->p[k].eth));
		if (rc == 0)
			rc = wgc_monitor_add_port(m, o->p[k].name,
				wgc_ethdev_port_id(o->p[k].eth));
	}
	return rc;
}

void
wgc_app_outer_print(const struct wgc_app_outer *o)
{
	struct wgc_ethdev_queue_stats es;
	struct wgc_net_stats ns;
	unsigned int k, i;
	uint64_t drops;

	for (k = 0; k < o->n; k++) {
		wgc_ethdev_stats(o->p[k].eth, &es);
		wgc_net_stats_get(o->p[k].net, &ns);
		for (i = 0, drops = 0; i < WGC_NET_DROP__MAX; i++)
			drops += ns.drop[i];
		printf("wgc: %s port: rx %" PRIu64 " tx %" PRIu64
			" tx_unsent %" PRIu64 " rx_multiseg %" PRIu64
			" rx_wg %" PRIu64 " tx_encap %" PRIu64 " net_drops %"
			PRIu64 " (%s)\n", o->p[k].name, es.rx_packets,
			es.tx_packets, es.tx_unsent, es.rx_multiseg, ns.rx_wg,
			ns.tx_encap, drops, wgc_ethdev_name(o->p[k].eth));
	}
}
