/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgc-net-smoke: drivers/ethdev + lib/net on a real port, for the
 * dts/net_smoke.sh namespace test. Answers ARP, ND and echo for its
 * addresses, resolves its gateways, and echoes every UDP datagram that
 * reaches its listen port back to the sender (classify -> encap, in place),
 * so that a kernel peer can check the whole outer stack.
 *
 *   wgc-net-smoke [EAL args] -- --port DEVARGS --ip4 A/LEN [--gw4 A]
 *       [--ip6 A/LEN] [--gw6 A] [--vlan ID] [--listen-port P] [--seconds N]
 *
 * Prints "ready mac=..." once started; on SIGINT / SIGTERM or after N
 * seconds prints counters, neighbours and "pool in use: N", exits 0 if
 * every buffer came back.
 */

#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "wgc_ethdev.h"
#include "wgc_iobuf.h"
#include "wgc_net.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* "address/len" of the family into a port's address */
static int
parse_ifaddr(const char *s, int family, struct wgc_prefix *p)
{
	return wgc_prefix_parse(p, s, WGC_PREFIX_IFADDR, NULL) == 0 &&
		p->addr.family == family ? 0 : -1;
}

/* a gateway of the family */
static int
parse_gw(const char *s, int family, struct wgc_addr *a)
{
	return wgc_addr_parse(a, s) == 0 && a->family == family ? 0 : -1;
}

static void
print_stats(struct wgc_net_port *np, struct wgc_ethdev *e)
{
	struct wgc_ethdev_queue_stats es;
	struct wgc_net_neigh_info ni[64];
	static const char * const states[] = { "free", "incomplete",
		"reachable", "stale", "probe" };
	struct wgc_net_stats st;
	char a[64];
	unsigned int i, n;

	wgc_net_stats_get(np, &st);
	printf("net: rx_wg=%" PRIu64 " rx_arp=%" PRIu64 " rx_nd=%" PRIu64
		" rx_echo=%" PRIu64 " tx_encap=%" PRIu64 " tx_held=%" PRIu64
		" arp_reply_tx=%" PRIu64 " arp_request_tx=%" PRIu64
		" nd_na_tx=%" PRIu64 " nd_ns_tx=%" PRIu64
		" echo_reply_tx=%" PRIu64 " hold_flushed=%" PRIu64 "\n",
		st.rx_wg, st.rx_arp, st.rx_nd, st.rx_echo, st.tx_encap,
		st.tx_held, st.arp_reply_tx, st.arp_request_tx, st.nd_na_tx,
		st.nd_ns_tx, st.echo_reply_tx, st.hold_flushed);
	for (i = 0; i < WGC_NET_DROP__MAX; i++)
		if (st.drop[i] != 0)
			printf("drop %s=%" PRIu64 "\n", wgc_net_drop_name(i),
				st.drop[i]);
	n = wgc_net_neigh_list(np, ni, RTE_DIM(ni));
	for (i = 0; i < n; i++) {
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		inet_ntop(ni[i].addr.family, ni[i].addr.family == AF_INET ?
			(const void *)&ni[i].addr.ip4 :
			(const void *)ni[i].addr.bytes, a, sizeof(a));
		rte_ether_format_addr(mac, sizeof(mac), &ni[i].mac);
		printf("neigh %s %s %s\n", a, mac, states[ni[i].state]);
	}
	wgc_ethdev_stats(e, &es);
	printf("ethdev: rx=%" PRIu64 " tx=%" PRIu64 " unsent=%" PRIu64
		" multiseg=%" PRIu64 "\n", es.rx_packets, es.tx_packets,
		es.tx_unsent, es.rx_multiseg);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "ip4", required_argument, NULL, '4' },
		{ "gw4", required_argument, NULL, 'g' },
		{ "ip6", required_argument, NULL, '6' },
		{ "gw6", required_argument, NULL, 'G' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "listen-port", required_argument, NULL, 'l' },
		{ "seconds", required_argument, NULL, 's' },
		{ "queues", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct wgc_view v[32], out[32];
	struct wgc_endpoint dst[32];
	struct wgc_net_meta meta[32];
	struct wgc_net_port_conf nc;
	uint64_t rxq[WGC_ETHDEV_QUEUES_MAX] = { 0 };
	struct wgc_ethdev_conf ec;
	struct wgc_net_port *np;
	struct wgc_ethdev *e;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint64_t hz, t0, deadline = 0, now;
	unsigned int in_use;
	long seconds = 0;
	uint16_t nq = 1, q;
	unsigned int work;
	int rc, c, i;
	uint16_t n, k;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	memset(&ec, 0, sizeof(ec));
	memset(&nc, 0, sizeof(nc));
	nc.name = "smoke";
	nc.listen_port = 51820;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			ec.devname = optarg;
			break;
		case '4':
			if (parse_ifaddr(optarg, AF_INET, &nc.ip4[0]) != 0)
				goto usage;
			nc.nb_ip4 = 1;
			break;
		case 'g':
			if (parse_gw(optarg, AF_INET, &nc.gw4) != 0)
				goto usage;
			break;
		case '6':
			if (parse_ifaddr(optarg, AF_INET6, &nc.ip6[0]) != 0)
				goto usage;
			nc.nb_ip6 = 1;
			break;
		case 'G':
			if (parse_gw(optarg, AF_INET6, &nc.gw6) != 0)
				goto usage;
			break;
		case 'v':
			nc.vlan = (uint16_t)atoi(optarg);
			break;
		case 'l':
			nc.listen_port = (uint16_t)atoi(optarg);
			break;
		case 's':
			seconds = atol(optarg);
			break;
		case 'q':
			nq = (uint16_t)atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (ec.devname == NULL)
		goto usage;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	ec.nb_rx_queues = nq;
	ec.nb_rxd = 512;
	ec.nb_txd = 512;
	ec.socket_id = SOCKET_ID_ANY;
	e = wgc_ethdev_open(&ec);
	if (e == NULL) {
		fprintf(stderr, "open %s: %s\n", ec.devname,
			rte_strerror(rte_errno));
		return 1;
	}
	nc.mac = *wgc_ethdev_mac(e);
	nc.pool = wgc_ethdev_pool(e);
	nc.tx_ip4_cksum_offload = wgc_ethdev_caps(e)->tx_ipv4_cksum;
	nc.tx_udp_cksum_offload = wgc_ethdev_caps(e)->tx_udp_cksum;
	np = wgc_net_port_create(&nc);
	if (np == NULL) {
		fprintf(stderr, "net port: %s\n", rte_strerror(rte_errno));
		wgc_ethdev_close(e);
		return 1;
	}
	if (wgc_ethdev_start(e) != 0) {
		wgc_net_port_free(np);
		wgc_ethdev_close(e);
		return 1;
	}
	{
		struct rte_ether_addr mc[8];

		if (wgc_ethdev_set_mc_addrs(e, mc, wgc_net_port_mc_addrs(np,
				mc, RTE_DIM(mc))) != 0)
			fprintf(stderr, "cannot receive IPv6 multicast\n");
	}
	rte_ether_format_addr(mac, sizeof(mac), &nc.mac);
	printf("ready mac=%s rss=%d tx_cksum_offload=%d/%d allmulti=%d\n",
		mac, wgc_ethdev_caps(e)->rss,
		wgc_ethdev_caps(e)->tx_ipv4_cksum,
		wgc_ethdev_caps(e)->tx_udp_cksum,
		wgc_ethdev_caps(e)->allmulti);
	fflush(stdout);

	hz = rte_get_timer_hz();
	t0 = rte_get_timer_cycles();
	if (seconds > 0)
		deadline = t0 + (uint64_t)seconds * hz;
	while (!stop) {
		now = rte_get_timer_cycles();
		if (deadline != 0 && now >= deadline)
			break;
		work = 0;
		for (q = 0; q < nq; q++) {
			n = wgc_ethdev_rx_burst(e, q, v, RTE_DIM(v));
			if (n == 0)
				continue;
			work += n;
			n = wgc_net_rx(np, v, meta, n);
			/* echo each payload back to where it came from */
			for (i = 0; i < n; i++)
				dst[i] = meta[i].src;
			k = wgc_net_encap(np, v, dst, n);
			wgc_ethdev_tx_burst_or_drop(e, q, v, k);
			rxq[q] += n;
		}
		k = wgc_net_slow_poll(np, (now - t0) * 1000 / hz + 1, out,
			RTE_DIM(out));
		if (k > 0)
			wgc_ethdev_tx_burst_or_drop(e, 0, out, k);
		if (work + k == 0)
			rte_delay_us_sleep(200);
	}
	print_stats(np, e);
	for (q = 0; q < nq; q++)
		printf("queue %u: %" PRIu64 " wireguard-class packets\n", q,
			rxq[q]);
	wgc_net_port_free(np);
	in_use = wgc_ethdev_close_checked(e);
	printf("pool in use: %u\n", in_use);
	rte_eal_cleanup();
	return in_use == 0 ? 0 : 2;
usage:
	fprintf(stderr, "usage: wgc-net-smoke [EAL args] -- --port DEVARGS "
		"--ip4 A/LEN [--gw4 A] [--ip6 A/LEN] [--gw6 A] [--vlan ID] "
		"[--listen-port P] [--seconds N] [--queues N]\n");
	return 1;
}
