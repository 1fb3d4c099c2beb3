/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgc-vhost-fwd: io forwarding between two DPDK ports, the part of
 * dpdk-testpmd that the virtio_user inner edge needs as its peer (Debian
 * ships no testpmd). Typical use: a vhost-user backend (net_vhost, server
 * mode) on one side, a net_tap or net_af_packet port on the other:
 *
 *   wgc-vhost-fwd --no-huge -m 256 --no-pci --no-shconf -l 0 \
 *       --file-prefix fwd --vdev net_vhost0,iface=/tmp/v.sock,queues=1 \
 *       --vdev net_tap0,iface=tapfwd -- --queues 1
 *
 * Ports 0 and 1 (in probe order) are paired: a burst received on queue q
 * of one port is sent on queue q of the other, what the TX ring refuses is
 * freed and counted. One lcore polls everything; after a run of empty
 * polls it sleeps briefly (--busy: never) so that an idle forwarder leaves
 * the CPU to others. SIGINT/SIGTERM stop it: counters are printed, ports
 * stopped and closed, the pool checked full (exit 1 if mbufs leaked).
 * SIGUSR1 prints the counters.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define FWD_BURST_MAX 64
#define FWD_QUEUES_MAX 16
#define FWD_DESC 1024
#define FWD_IDLE_POLLS 256
#define FWD_IDLE_SLEEP_US 20

static volatile sig_atomic_t stop;
static volatile sig_atomic_t dump;

struct fwd_port {
	uint16_t port_id;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint64_t rx;
	uint64_t tx;
	uint64_t tx_drop;
	uint64_t rx_bytes;
	uint64_t rxq[FWD_QUEUES_MAX];
};

static struct fwd_port ports[2];
static uint16_t nb_queues = 1;
static uint16_t burst = 32;
static bool busy;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump = 1;
	else
		stop = 1;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- [--queues N] [--burst N] [--busy]\n"
		"  --queues N   queue pairs per port (1..%u, default 1); give\n"
		"               net_vhost the same queues=N\n"
		"  --burst N    RX burst size (1..%u, default 32)\n"
		"  --busy       never sleep when idle\n"
		"Exactly two ports (e.g. --vdev net_vhost0,iface=SOCK --vdev\n"
		"net_tap0,iface=NAME) are forwarded to each other.\n",
		prog, FWD_QUEUES_MAX, FWD_BURST_MAX);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queues", required_argument, NULL, 'q' },
		{ "burst", required_argument, NULL, 'b' },
		{ "busy", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	unsigned long v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
		case 'b':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v == 0 ||
					v > (opt == 'q' ? FWD_QUEUES_MAX :
					FWD_BURST_MAX)) {
				fprintf(stderr, "fwd: bad --%s '%s'\n",
					opt == 'q' ? "queues" : "burst",
					optarg);
				return -1;
			}
			if (opt == 'q')
				nb_queues = (uint16_t)v;
			else
				burst = (uint16_t)v;
			break;
		case 'B':
			busy = true;
			break;
		default:
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fwd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int
on_link(uint16_t port_id, enum rte_eth_event_type type, void *arg,
		void *ret)
{
	struct rte_eth_link link;

	RTE_SET_USED(type);
	RTE_SET_USED(arg);
	RTE_SET_USED(ret);
	if (rte_eth_link_get_nowait(port_id, &link) == 0)
		printf("fwd: port %u link %s\n", port_id,
			link.link_status ? "up" : "down");
	return 0;
}

static int
port_setup(struct fwd_port *p, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	uint16_t nb_rxd = FWD_DESC, nb_txd = FWD_DESC, q;
	int rc;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		return rc;
	rte_eth_dev_get_name_by_port(p->port_id, p->name);
	if (nb_queues > info.max_rx_queues || nb_queues > info.max_tx_queues) {
		fprintf(stderr, "fwd: %s has %u/%u queues, %u asked\n",
			p->name, info.max_rx_queues, info.max_tx_queues,
			nb_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	if (*info.dev_flags & RTE_ETH_DEV_INTR_LSC)
		conf.intr_conf.lsc = 1;
	rc = rte_eth_dev_configure(p->port_id, nb_queues, nb_queues, &conf);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return rc;
	for (q = 0; q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd,
			rte_eth_dev_socket_id(p->port_id), NULL, pool);
		if (rc != 0)
			return rc;
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd,
			rte_eth_dev_socket_id(p->port_id), NULL);
		if (rc != 0)
			return rc;
	}
	rte_eth_dev_callback_register(p->port_id, RTE_ETH_EVENT_INTR_LSC,
		on_link, NULL);
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0)
		return rc;
	/* the kernel side of a tap talks to more than one MAC */
	(void)rte_eth_promiscuous_enable(p->port_id);
	printf("fwd: %s: port %u, %u queue pairs, %u/%u descriptors, "
		"link %s\n", p->name, p->port_id, nb_queues, nb_rxd, nb_txd,
		rte_eth_link_get_nowait(p->port_id, &link) == 0 &&
		link.link_status ? "up" : "down");
	return 0;
}

static void
print_counters(void)
{
	unsigned int i;
	uint16_t q;

	for (i = 0; i < RTE_DIM(ports); i++) {
		printf("fwd: %s: rx %" PRIu64 " (%" PRIu64 " B) tx %" PRIu64
			" tx_drop %" PRIu64 " rx per queue", ports[i].name,
			ports[i].rx, ports[i].rx_bytes, ports[i].tx,
			ports[i].tx_drop);
		for (q = 0; q < nb_queues; q++)
			printf(" %" PRIu64, ports[i].rxq[q]);
		printf("\n");
	}
	fflush(stdout);
}

/* one pass over every queue of both directions; @return frames moved */
static unsigned int
forward_once(void)
{
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	unsigned int moved = 0, i;
	uint16_t q, n, sent, k;

	for (i = 0; i < RTE_DIM(ports); i++) {
		struct fwd_port *in = &ports[i], *out = &ports[i ^ 1];

		for (q = 0; q < nb_queues; q++) {
			n = rte_eth_rx_burst(in->port_id, q, pkts, burst);
			if (n == 0)
				continue;
			in->rx += n;
			in->rxq[q] += n;
			for (k = 0; k < n; k++)
				in->rx_bytes += rte_pktmbuf_pkt_len(pkts[k]);
			sent = rte_eth_tx_burst(out->port_id, q, pkts, n);
			out->tx += sent;
			if (sent < n) {
				out->tx_drop += n - sent;
				rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
			}
			moved += n;
		}
	}
	return moved;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *pool;
	unsigned int idle = 0, nb_mbufs, in_use, i;
	uint16_t pid, n = 0;
	int ret, rc = EXIT_FAILURE;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "fwd: EAL init: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)"wgc-vhost-fwd";
	if (parse_args(argc, argv) < 0) {
		usage("wgc-vhost-fwd");
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	RTE_ETH_FOREACH_DEV(pid) {
		if (n < RTE_DIM(ports))
			ports[n].port_id = pid;
		n++;
	}
	if (n != RTE_DIM(ports)) {
		fprintf(stderr, "fwd: need exactly 2 ports, found %u\n", n);
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);

	/* both RX rings full, both TX rings full, bursts in flight, slack */
	nb_mbufs = 4 * nb_queues * FWD_DESC + 4 * FWD_BURST_MAX + 1024;
	pool = rte_pktmbuf_pool_create("fwd_pool", nb_mbufs, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "fwd: pool of %u mbufs: %s\n", nb_mbufs,
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	for (i = 0; i < RTE_DIM(ports); i++) {
		ret = port_setup(&ports[i], pool);
		if (ret != 0) {
			fprintf(stderr, "fwd: port %u: %s\n", ports[i].port_id,
				rte_strerror(-ret));
			goto out;
		}
	}
	printf("fwd: up: %s <-> %s, burst %u\n", ports[0].name,
		ports[1].name, burst);
	while (!stop) {
		if (forward_once() != 0) {
			idle = 0;
		} else if (!busy && ++idle >= FWD_IDLE_POLLS) {
			usleep(FWD_IDLE_SLEEP_US);
		}
		if (dump) {
			dump = 0;
			print_counters();
		}
	}
	rc = EXIT_SUCCESS;
out:
	for (i = 0; i < RTE_DIM(ports); i++) {
		(void)rte_eth_dev_stop(ports[i].port_id);
		(void)rte_eth_dev_close(ports[i].port_id);
	}
	print_counters();
	in_use = rte_mempool_in_use_count(pool);
	printf("fwd: stopping; pool %u/%u mbufs free\n", pool->size - in_use,
		pool->size);
	if (in_use != 0) {
		fprintf(stderr, "fwd: %u mbufs leaked\n", in_use);
		rc = EXIT_FAILURE;
	}
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
