/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * drivers/ethdev on DPDK's virtio_user PMD (wgc's virtio-user inner edge)
 * against a net_vhost backend in the same process: the vhost library's
 * own thread answers the vhost-user messages, so one process holds both
 * ends. Frames go both ways on two queue pairs with their bytes intact,
 * the configured MAC is the port's, the backend leaving takes the link
 * down, and every pool is full after close.
 */

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_ethdev.h"
#include "wgc_iobuf.h"
#include "wgc_test.h"

#define VH_NAME "net_vhost_wgct0"
#define VU_NAME "virtio_user_wgct0"
#define VU_MAC "02:00:00:00:00:77"
#define NQ 2
#define NPKT 24

/* wait up to 5 s for a port's link to reach `up`; @return ms waited */
static int
wait_link(uint16_t port, int up)
{
	struct rte_eth_link link;
	uint64_t start = rte_get_timer_cycles();
	uint64_t end = start + 5 * rte_get_timer_hz();

	do {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
				link.link_status == up)
			return (int)((rte_get_timer_cycles() - start) * 1000 /
				rte_get_timer_hz());
		rte_delay_ms(5);
	} while (rte_get_timer_cycles() < end);
	return -1;
}

static void
fill(uint8_t *p, uint16_t len, unsigned int seed)
{
	uint16_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 7 + i);
}

static int
check(const uint8_t *p, uint16_t len, unsigned int seed)
{
	uint16_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed * 7 + i))
			return -1;
	return 0;
}

/* the backend: a plain DPDK port on its own pool */
static int
vhost_open(const char *path, uint16_t *port, struct rte_mempool **mp)
{
	char args[256];
	uint16_t q;

	snprintf(args, sizeof(args), VH_NAME ",iface=%s,queues=%u", path, NQ);
	if (rte_dev_probe(args) != 0 ||
			rte_eth_dev_get_port_by_name(VH_NAME, port) != 0)
		return -1;
	*mp = rte_pktmbuf_pool_create("wgct_vhost", 2047, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (*mp == NULL ||
			rte_eth_dev_configure(*port, NQ, NQ,
			&(struct rte_eth_conf){ 0 }) != 0)
		return -1;
	for (q = 0; q < NQ; q++)
		if (rte_eth_rx_queue_setup(*port, q, 256, SOCKET_ID_ANY, NULL,
				*mp) != 0 ||
				rte_eth_tx_queue_setup(*port, q, 256,
				SOCKET_ID_ANY, NULL) != 0)
			return -1;
	return rte_eth_dev_start(*port);
}

static void
vhost_close(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port, &info) == 0) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
		rte_dev_remove(info.device);
	}
	rte_mempool_free(mp);
}

static int
test_virtio_user_vhost(void)
{
	struct wgc_ethdev_conf c = { 0 };
	struct wgc_ethdev_queue_stats st;
	struct rte_ether_addr want;
	struct rte_mbuf *m[NPKT];
	struct wgc_view v[NPKT];
	struct rte_mempool *vmp = NULL;
	struct rte_eth_link link;
	struct wgc_ethdev *e;
	char path[108], devargs[300];
	uint16_t vport, q, n, got;
	unsigned int i;
	void (*old_pipe)(int);
	int tries, ms;

	/* the vhost library keeps global state after the first device */
	wgc_test_heap_check_skip();
	snprintf(path, sizeof(path), "/tmp/wgc-test-vhost-%d.sock", getpid());
	unlink(path);
	TEST_ASSERT_SUCCESS(vhost_open(path, &vport, &vmp),
		"net_vhost backend on %s", path);

	snprintf(devargs, sizeof(devargs),
		VU_NAME ",path=%s,queues=%u,queue_size=256,mac=" VU_MAC, path,
		NQ);
	c.devname = devargs;
	c.nb_rx_queues = NQ;
	c.nb_rxd = 256;
	c.nb_txd = 256;
	c.mtu = 1420;
	c.socket_id = SOCKET_ID_ANY;
	c.lsc_intr = true;
	e = wgc_ethdev_open(&c);
	if (e == NULL) {
		vhost_close(vport, vmp);
		TEST_ASSERT(false, "open %s: %s", devargs,
			rte_strerror(rte_errno));
	}
	TEST_ASSERT_EQUAL(rte_ether_unformat_addr(VU_MAC, &want), 0, "mac");
	TEST_ASSERT(rte_is_same_ether_addr(&want, wgc_ethdev_mac(e)),
		"the configured MAC is the port's");
	TEST_ASSERT_EQUAL(wgc_ethdev_nb_rx_queues(e), NQ, "queues");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	TEST_ASSERT(wait_link(vport, 1) >= 0, "backend link up");
	TEST_ASSERT_SUCCESS(wgc_ethdev_link(e, &link), "link");
	TEST_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_UP, "virtio link");

	for (q = 0; q < NQ; q++) {
		/* wgc -> backend: views out, same bytes in the backend */
		TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_ethdev_recycler(e), v,
			NPKT), NPKT, "alloc views");
		for (i = 0; i < NPKT; i++)
			fill(wgc_view_append(&v[i], (uint16_t)(60 + 50 * i)),
				(uint16_t)(60 + 50 * i), i + q);
		n = wgc_ethdev_tx_burst(e, q, v, NPKT);
		wgc_view_release_all(v + n, NPKT - n);
		TEST_ASSERT_EQUAL(n, NPKT, "queue %u: sent", q);
		/* up to 1 s: the backend enables queues after the link */
		got = 0;
		for (tries = 0; tries < 10000 && got < NPKT; tries++) {
			got += rte_eth_rx_burst(vport, q, m + got, NPKT - got);
			rte_delay_us(100);
		}
		TEST_ASSERT_EQUAL(got, NPKT, "queue %u: backend received", q);
		for (i = 0; i < got; i++) {
			int bad = m[i]->pkt_len != 60 + 50 * i ||
				check(rte_pktmbuf_mtod(m[i], uint8_t *),
				m[i]->data_len, i + q) != 0;

			if (bad) {
				rte_pktmbuf_free_bulk(m, got);
				TEST_ASSERT(false, "queue %u frame %u", q, i);
			}
		}
		rte_pktmbuf_free_bulk(m, got);

		/* backend -> wgc: mbufs out, views in */
		TEST_ASSERT_SUCCESS(rte_pktmbuf_alloc_bulk(vmp, m, NPKT),
			"alloc mbufs");
		for (i = 0; i < NPKT; i++) {
			uint16_t len = (uint16_t)(1434 - 40 * i);

			fill((uint8_t *)rte_pktmbuf_append(m[i], len), len,
				100 + i + q);
		}
		n = rte_eth_tx_burst(vport, q, m, NPKT);
		rte_pktmbuf_free_bulk(m + n, NPKT - n);
		TEST_ASSERT_EQUAL(n, NPKT, "queue %u: backend sent", q);
		got = 0;
		for (tries = 0; tries < 10000 && got < NPKT; tries++) {
			got += wgc_ethdev_rx_burst(e, q, v + got, NPKT - got);
			rte_delay_us(100);
		}
		for (i = 0; i < got; i++) {
			int bad = v[i].len != 1434u - 40 * i ||
				check(v[i].data, (uint16_t)v[i].len,
				100 + i + q) != 0;

			if (bad) {
				wgc_view_release_all(v, got);
				TEST_ASSERT(false, "queue %u view %u", q, i);
			}
		}
		wgc_view_release_all(v, got);
		TEST_ASSERT_EQUAL(got, NPKT, "queue %u: wgc received", q);
		TEST_ASSERT_SUCCESS(wgc_ethdev_queue_stats(e, q, true, &st),
			"stats");
		TEST_ASSERT_EQUAL(st.rx_packets, NPKT, "rx counted");
		TEST_ASSERT_EQUAL(st.rx_multiseg, 0, "no multi-segment frame");
	}

	/*
	 * The backend leaves: the link-state interrupt takes the link down.
	 * virtio_user then writes to a socket without a peer, which raises
	 * SIGPIPE: the daemon ignores it, and so does this test meanwhile.
	 */
	old_pipe = signal(SIGPIPE, SIG_IGN);
	vhost_close(vport, vmp);
	vmp = NULL;
	ms = wait_link(wgc_ethdev_port_id(e), 0);
	printf("virtio link down %d ms after the backend left\n", ms);
	n = (uint16_t)wgc_ethdev_close_checked(e);
	signal(SIGPIPE, old_pipe);
	unlink(path);
	TEST_ASSERT(ms >= 0, "virtio link down once the backend left");
	TEST_ASSERT_EQUAL(n, 0, "every port buffer back");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(ethdev_virtio_user_autotest, fast, test_virtio_user_vhost);
