/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * drivers/ethdev over net_ring (a loopback: TX queue i feeds RX queue i)
 * and net_null: views go out and come back in without a copy, lib/net on
 * top answers ARP and receives its own encapsulated packets, pools are full
 * again after close.
 */

#include <arpa/inet.h>
#include <time.h>
#include <netinet/in.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_ethdev.h"
#include "wgc_iobuf.h"
#include "wgc_net.h"
#include "wgc_test.h"

#define RING_DEV "net_ring_wgcnet0"
#define NULL_DEV "net_null_wgcnet0,size=128"

static uint64_t
heap_allocs(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
				&st) == 0)
			n += st.alloc_count;
	return n;
}

/*
 * The first hot-plug of a vdev in a process allocates for good: ethdev's
 * shared port data, and net_ring's rings (kept so that a later probe of the
 * same name can attach to them). Do that once, outside the leak check of
 * whichever test runs first; test_ethdev_no_leak checks that further
 * open / close cycles leak nothing.
 */
static void
warm_once(void)
{
	static bool done;
	struct wgc_ethdev_conf c;
	struct wgc_ethdev *e;

	if (done)
		return;
	done = true;
	wgc_test_heap_check_skip();
	memset(&c, 0, sizeof(c));
	c.devname = RING_DEV;
	c.nb_rxd = c.nb_txd = 64;
	wgc_ethdev_close(wgc_ethdev_open(&c));
	c.devname = NULL_DEV;
	e = wgc_ethdev_open(&c);
	if (e != NULL)
		wgc_ethdev_start(e);
	wgc_ethdev_close(e);
}

static struct wgc_ethdev *
open_ring(uint16_t nq)
{
	struct wgc_ethdev_conf c;

	memset(&c, 0, sizeof(c));
	c.devname = RING_DEV;
	c.nb_rx_queues = nq;
	c.nb_rxd = 256;
	c.nb_txd = 256;
	c.socket_id = SOCKET_ID_ANY;
	warm_once();
	return wgc_ethdev_open(&c);
}

/* receive up to n views on a queue, polling a few times */
static uint16_t
rx_some(struct wgc_ethdev *e, uint16_t q, struct wgc_view *v, uint16_t n)
{
	uint16_t got = 0;
	int tries;

	for (tries = 0; tries < 100 && got < n; tries++)
		got += wgc_ethdev_rx_burst(e, q, v + got, n - got);
	return got;
}

static int
test_ethdev_ring_views(void)
{
	struct wgc_ethdev_queue_stats st;
	const struct wgc_ethdev_caps *caps;
	struct wgc_view v[32], in[40];
	struct rte_eth_link link;
	uint8_t *data[32];
	struct wgc_ethdev *e;
	struct rte_mempool *mp;
	unsigned int i;
	uint16_t n;

	e = open_ring(2);
	TEST_ASSERT_NOT_NULL(e, "open %s: %s", RING_DEV,
		rte_strerror(rte_errno));
	caps = wgc_ethdev_caps(e);
	TEST_ASSERT_EQUAL(wgc_ethdev_nb_rx_queues(e), 2, "rx queues");
	TEST_ASSERT_EQUAL(wgc_ethdev_nb_tx_queues(e), 2, "tx queues");
	TEST_ASSERT_EQUAL(caps->mtu, 1500, "mtu");
	TEST_ASSERT(caps->data_room >= RTE_PKTMBUF_HEADROOM + 1518 + 31,
		"data room %u holds a frame and the trailer", caps->data_room);
	TEST_ASSERT(!rte_is_zero_ether_addr(wgc_ethdev_mac(e)), "MAC");
	mp = wgc_ethdev_pool(e);
	TEST_ASSERT_NOT_NULL(mp, "pool");
	TEST_ASSERT_EQUAL(wgc_recycler_mempool(wgc_ethdev_recycler(e)), mp,
		"recycler of the port pool");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	TEST_ASSERT_SUCCESS(wgc_ethdev_set_mc_addrs(e, &(struct rte_ether_addr){
		{ 0x33, 0x33, 0xff, 0, 0, 1 } }, 1), "multicast");
	TEST_ASSERT_SUCCESS(wgc_ethdev_link(e, &link), "link");
	TEST_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_UP, "link up");

	/* out on queue 1, back on queue 1, same bytes at the same address */
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_ethdev_recycler(e), v, 32),
		32, "alloc");
	for (i = 0; i < 32; i++) {
		data[i] = wgc_view_append(&v[i], (uint16_t)(60 + i));
		memset(data[i], (int)i, 60 + i);
		/* and a window that does not start at the default headroom */
		wgc_view_adj(&v[i], 2);
		data[i] += 2;
	}
	TEST_ASSERT_EQUAL(wgc_ethdev_tx_burst(e, 1, v, 32), 32, "sent");
	for (i = 0; i < 32; i++)
		TEST_ASSERT(wgc_view_is_empty(&v[i]), "sent view %u empty", i);
	TEST_ASSERT_EQUAL(wgc_ethdev_rx_burst(e, 0, in, 32), 0,
		"nothing on queue 0");
	n = rx_some(e, 1, in, 32);
	TEST_ASSERT_EQUAL(n, 32, "received");
	for (i = 0; i < 32; i++) {
		TEST_ASSERT_EQUAL(in[i].data, data[i], "no copy (view %u)", i);
		TEST_ASSERT_EQUAL(in[i].len, 58u + i, "length %u", i);
		TEST_ASSERT_EQUAL(in[i].data[0], i, "bytes %u", i);
		TEST_ASSERT_EQUAL(in[i].recycler, wgc_ethdev_recycler(e),
			"port recycler");
	}
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 32u, "32 out");
	wgc_view_release_all(in, n);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 0u, "all back");

	wgc_ethdev_stats(e, &st);
	TEST_ASSERT_EQUAL(st.tx_packets, 32u, "tx_packets");
	TEST_ASSERT_EQUAL(st.rx_packets, 32u, "rx_packets");
	TEST_ASSERT_SUCCESS(wgc_ethdev_queue_stats(e, 1, true, &st), "q1");
	TEST_ASSERT_EQUAL(st.rx_packets, 32u, "queue 1 rx");
	TEST_ASSERT_EQUAL(wgc_ethdev_queue_stats(e, 2, true, &st), -EINVAL,
		"bad queue");

	TEST_ASSERT_SUCCESS(wgc_ethdev_stop(e), "stop");
	TEST_ASSERT_EQUAL(wgc_ethdev_close_checked(e), 0u, "clean close");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_ring_views_autotest, fast, test_ethdev_ring_views);

static unsigned int ext_recycled;

static void
ext_recycle(struct wgc_recycler *r, void * const *b, unsigned int n)
{
	RTE_SET_USED(r);
	RTE_SET_USED(b);
	ext_recycled += n;
}

static int
test_ethdev_ext_copy(void)
{
	struct wgc_ethdev_queue_stats st;
	struct wgc_recycler ext_rc;
	struct wgc_view v, in;
	uint8_t buf[128];
	struct wgc_ethdev *e;

	e = open_ring(1);
	TEST_ASSERT_NOT_NULL(e, "open");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	wgc_recycler_ext_init(&ext_rc, "t_ext", ext_recycle, NULL);
	memset(buf, 0x3c, sizeof(buf));
	ext_recycled = 0;
	wgc_view_from_ext(&v, buf, buf + 8, 100, 8, 20, &ext_rc);
	TEST_ASSERT_EQUAL(wgc_ethdev_tx_burst(e, 0, &v, 1), 1, "sent");
	TEST_ASSERT_EQUAL(ext_recycled, 1u, "external backing recycled");
	TEST_ASSERT_EQUAL(rx_some(e, 0, &in, 1), 1, "back");
	TEST_ASSERT_EQUAL(in.len, 100u, "len");
	TEST_ASSERT_EQUAL(in.data[99], 0x3c, "bytes");
	wgc_view_release(&in);
	wgc_ethdev_stats(e, &st);
	TEST_ASSERT_EQUAL(st.tx_copied, 1u, "copy counted");
	wgc_ethdev_close(e);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_ext_copy_autotest, fast, test_ethdev_ext_copy);

/* TX ring full: unsent views stay with the caller */
static int
test_ethdev_tx_full(void)
{
	struct wgc_ethdev_queue_stats st;
	struct wgc_view v[1100];
	struct wgc_ethdev *e;
	uint16_t sent, n, got, i;

	e = open_ring(1);
	TEST_ASSERT_NOT_NULL(e, "open");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	n = RTE_DIM(v);
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_ethdev_recycler(e), v, n),
		n, "alloc");
	for (i = 0; i < n; i++)
		wgc_view_append(&v[i], 64);
	/* the net_ring vdev's rings hold 1023 */
	sent = wgc_ethdev_tx_burst(e, 0, v, n);
	TEST_ASSERT(sent < n, "ring full (%u sent)", sent);
	for (i = 0; i < sent; i++)
		TEST_ASSERT(wgc_view_is_empty(&v[i]), "sent %u empty", i);
	for (i = sent; i < n; i++)
		TEST_ASSERT(!wgc_view_is_empty(&v[i]), "unsent %u kept", i);
	wgc_ethdev_stats(e, &st);
	TEST_ASSERT_EQUAL(st.tx_unsent, (uint64_t)(n - sent), "unsent");
	/* drain and resend the rest, releasing what still does not fit */
	for (got = 0;;) {
		struct wgc_view in[64];
		uint16_t k = wgc_ethdev_rx_burst(e, 0, in, 64);

		if (k == 0)
			break;
		got += k;
		wgc_view_release_all(in, k);
	}
	TEST_ASSERT_EQUAL(got, sent, "all sent came back");
	wgc_ethdev_tx_burst_or_drop(e, 0, v + sent, n - sent);
	for (i = sent; i < n; i++)
		TEST_ASSERT(wgc_view_is_empty(&v[i]), "view %u handled", i);
	wgc_ethdev_close(e);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_tx_full_autotest, fast, test_ethdev_tx_full);

static int
test_ethdev_errors(void)
{
	struct wgc_ethdev_conf c;
	uint16_t pid;

	warm_once();
	memset(&c, 0, sizeof(c));
	c.devname = "net_nosuchpmd_wgcnet0";
	TEST_ASSERT_NULL(wgc_ethdev_open(&c), "unknown device");
	TEST_ASSERT_EQUAL(rte_errno, ENODEV, "ENODEV");
	c.devname = "";
	TEST_ASSERT_NULL(wgc_ethdev_open(&c), "empty name");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	c.devname = RING_DEV;
	c.nb_rx_queues = 17;
	TEST_ASSERT_NULL(wgc_ethdev_open(&c), "too many queues");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	TEST_ASSERT(rte_eth_dev_get_port_by_name("net_ring_wgcnet0", &pid) != 0,
		"hot-plugged device removed after a failed open");
	c.nb_rx_queues = 1;
	c.mtu = 60;
	TEST_ASSERT_NULL(wgc_ethdev_open(&c), "MTU too small");
	wgc_ethdev_close(NULL);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_errors_autotest, fast, test_ethdev_errors);

static int
test_ethdev_null(void)
{
	struct wgc_ethdev_conf c;
	struct wgc_view v[32];
	struct wgc_ethdev *e;
	uint16_t n;

	warm_once();
	/*
	 * net_null (22.11) allocates a dummy packet per RX and TX queue at
	 * setup and never frees them: two heap allocations per open that
	 * are the PMD's, not ours (ethdev_no_leak checks our side on
	 * net_ring).
	 */
	wgc_test_heap_check_skip();
	memset(&c, 0, sizeof(c));
	c.devname = NULL_DEV;
	c.nb_rx_queues = 1;
	c.nb_rxd = 128;
	c.nb_txd = 128;
	e = wgc_ethdev_open(&c);
	TEST_ASSERT_NOT_NULL(e, "open net_null: %s", rte_strerror(rte_errno));
	TEST_ASSERT(strcmp(wgc_ethdev_name(e), "net_null_wgcnet0") == 0,
		"name without devargs");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	n = wgc_ethdev_rx_burst(e, 0, v, 32);
	TEST_ASSERT_EQUAL(n, 32, "net_null always delivers");
	TEST_ASSERT_EQUAL(v[0].len, 128u, "size=128");
	TEST_ASSERT_EQUAL(wgc_ethdev_tx_burst(e, 0, v, n), n, "sink");
	wgc_ethdev_close(e);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_null_autotest, fast, test_ethdev_null);

/*
 * lib/net over the ring: an ARP request comes in and its reply goes out,
 * and a WireGuard message encapsulated to our own address comes back in as
 * a payload view at the very same address.
 */
static int
test_ethdev_net_loop(void)
{
	static const uint8_t arp_req[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x09, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x09, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct wgc_net_port_conf nc;
	struct wgc_net_port *np;
	struct wgc_endpoint dst;
	struct wgc_net_meta meta[8];
	struct wgc_view v[8], out[8];
	struct wgc_addr self;
	struct wgc_net_stats nst;
	struct wgc_ethdev *e;
	uint8_t *payload, *d;
	uint16_t n, k;
	uint32_t us = htonl(0x0a090001), them = htonl(0x0a090002);

	e = open_ring(1);
	TEST_ASSERT_NOT_NULL(e, "open");
	memset(&nc, 0, sizeof(nc));
	nc.name = "t_ethnet";
	nc.mac = *wgc_ethdev_mac(e);
	nc.listen_port = 51820;
	nc.nb_ip4 = 1;
	wgc_addr_set4(&nc.ip4[0].addr, us);
	nc.ip4[0].len = 24;
	nc.pool = wgc_ethdev_pool(e);
	nc.tx_ip4_cksum_offload = wgc_ethdev_caps(e)->tx_ipv4_cksum;
	nc.tx_udp_cksum_offload = wgc_ethdev_caps(e)->tx_udp_cksum;
	np = wgc_net_port_create(&nc);
	TEST_ASSERT_NOT_NULL(np, "net port");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");

	/* ARP request from "them" */
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_ethdev_recycler(e), v, 1),
		1, "alloc");
	d = wgc_view_append(&v[0], sizeof(arp_req));
	TEST_ASSERT_NOT_NULL(d, "append");
	memcpy(d, arp_req, sizeof(arp_req));
	memcpy(d + 28, &them, 4);
	memcpy(d + 38, &us, 4);
	TEST_ASSERT_EQUAL(wgc_ethdev_tx_burst(e, 0, v, 1), 1, "inject");
	n = rx_some(e, 0, v, 1);
	TEST_ASSERT_EQUAL(n, 1, "rx");
	TEST_ASSERT_EQUAL(wgc_net_rx(np, v, meta, n), 0, "to slow path");
	k = wgc_net_slow_poll(np, 1, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(k, 1, "ARP reply");
	TEST_ASSERT_EQUAL(wgc_ethdev_tx_burst_or_drop(e, 0, out, k), 1, "tx");
	n = rx_some(e, 0, v, 1);
	TEST_ASSERT_EQUAL(n, 1, "reply on the wire");
	TEST_ASSERT_EQUAL(v[0].data[21], 2, "opcode reply");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(v[0].data + 22, wgc_ethdev_mac(e), 6,
		"our MAC in the reply");
	wgc_view_release(&v[0]);

	/* our own address resolves to our MAC: send to ourselves */
	memset(&self, 0, sizeof(self));
	self.family = AF_INET;
	self.ip4 = us;
	TEST_ASSERT_SUCCESS(wgc_net_neigh_add(np, &self, wgc_ethdev_mac(e), 1),
		"self");
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_ethdev_recycler(e), v, 1),
		1, "alloc");
	payload = wgc_view_append(&v[0], 148);
	memset(payload, 0x01, 148);
	memset(&dst, 0, sizeof(dst));
	dst.addr = self;
	dst.port = 51820;
	TEST_ASSERT_EQUAL(wgc_net_encap(np, v, &dst, 1), 1, "encap");
	TEST_ASSERT_EQUAL(wgc_ethdev_tx_burst(e, 0, v, 1), 1, "tx");
	n = rx_some(e, 0, v, 1);
	TEST_ASSERT_EQUAL(n, 1, "rx");
	TEST_ASSERT_EQUAL(wgc_net_rx(np, v, meta, n), 1, "wireguard class");
	TEST_ASSERT_EQUAL(v[0].data, payload, "payload at the same address");
	TEST_ASSERT_EQUAL(v[0].len, 148u, "payload length");
	TEST_ASSERT_EQUAL(meta[0].src.port, 51820, "src port");
	TEST_ASSERT_EQUAL(meta[0].src.addr.ip4, us, "src address");
	wgc_view_release(&v[0]);
	wgc_net_stats_get(np, &nst);
	TEST_ASSERT_EQUAL(nst.rx_wg, 1u, "rx_wg");
	TEST_ASSERT_EQUAL(nst.arp_reply_tx, 1u, "arp_reply_tx");

	wgc_net_port_free(np);
	wgc_ethdev_close(e);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_net_loop_autotest, fast, test_ethdev_net_loop);

static int
test_ethdev_no_leak(void)
{
	struct wgc_ethdev *e;
	uint64_t before;
	int i;

	warm_once();
	/* the first ring port allocates DPDK state kept for the process
	 * (ethdev and ring lists): warm it, then count */
	e = open_ring(2);
	TEST_ASSERT_NOT_NULL(e, "warm-up open");
	wgc_ethdev_close(e);
	before = heap_allocs();
	for (i = 0; i < 3; i++) {
		e = open_ring(2);
		TEST_ASSERT_NOT_NULL(e, "open %d", i);
		TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
		wgc_ethdev_close(e);
	}
	TEST_ASSERT_EQUAL(heap_allocs(), before, "open / close cycles leak");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_no_leak_autotest, fast, test_ethdev_no_leak);

/* a PMD that strips VLAN tags unasked: the tag is put back on RX */
static int
test_ethdev_vlan_reinsert(void)
{
	struct wgc_view v, in;
	struct rte_mbuf *m;
	struct wgc_ethdev *e;
	uint8_t *d;

	e = open_ring(1);
	TEST_ASSERT_NOT_NULL(e, "open");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_ethdev_recycler(e), &v, 1),
		1, "alloc");
	d = wgc_view_append(&v, 60);
	TEST_ASSERT_NOT_NULL(d, "append");
	memset(d, 0, 60);
	d[12] = 0x08;           /* IPv4, as if the tag had been stripped */
	m = v.backing;
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 100;
	TEST_ASSERT_EQUAL(wgc_ethdev_tx_burst(e, 0, &v, 1), 1, "tx");
	TEST_ASSERT_EQUAL(rx_some(e, 0, &in, 1), 1, "rx");
	TEST_ASSERT_EQUAL(in.len, 64u, "tag back in the frame");
	TEST_ASSERT_EQUAL(in.data[12], 0x81, "TPID");
	TEST_ASSERT_EQUAL(in.data[13], 0x00, "TPID");
	TEST_ASSERT_EQUAL(in.data[15], 100, "VLAN id");
	TEST_ASSERT_EQUAL(in.data[16], 0x08, "inner type");
	wgc_view_release(&in);
	wgc_ethdev_close(e);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_vlan_reinsert_autotest, fast,
	test_ethdev_vlan_reinsert);

/* ---- perf: views through a net_ring loop vs raw mbuf bursts ---- */

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
test_ethdev_perf(void)
{
	enum { BURST = 32, ROUNDS = 100000 };
	struct rte_mbuf *m[BURST];
	struct wgc_view v[BURST];
	struct wgc_ethdev *e;
	uint16_t port, n, i;
	double t0, t_view, t_raw;
	unsigned int r;

	e = open_ring(1);
	TEST_ASSERT_NOT_NULL(e, "open");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	port = wgc_ethdev_port_id(e);
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_ethdev_recycler(e), v,
		BURST), BURST, "alloc");
	for (i = 0; i < BURST; i++)
		wgc_view_append(&v[i], 64);

	t0 = now_ns();
	for (r = 0; r < ROUNDS; r++) {
		n = wgc_ethdev_tx_burst(e, 0, v, BURST);
		n = wgc_ethdev_rx_burst(e, 0, v, n);
		if (n != BURST)
			break;
	}
	t_view = (now_ns() - t0) / ((double)ROUNDS * BURST);
	TEST_ASSERT_EQUAL(r, (unsigned int)ROUNDS, "loop");
	for (i = 0; i < BURST; i++)
		m[i] = wgc_view_to_mbuf(&v[i]);
	t0 = now_ns();
	for (r = 0; r < ROUNDS; r++) {
		n = rte_eth_tx_burst(port, 0, m, BURST);
		n = rte_eth_rx_burst(port, 0, m, n);
		if (n != BURST)
			break;
	}
	t_raw = (now_ns() - t0) / ((double)ROUNDS * BURST);
	TEST_ASSERT_EQUAL(r, (unsigned int)ROUNDS, "raw loop");
	rte_pktmbuf_free_bulk(m, BURST);
	printf("command: build/test/wgc-test ethdev_perf_autotest "
		"(--no-huge, net_ring loopback, bursts of %u, one lcore)\n",
		BURST);
	printf("ethdev perf: views tx+rx %.1f ns/pkt (%.1f Mpps), "
		"raw rte_eth tx+rx %.1f ns/pkt (%.1f Mpps)\n",
		t_view, 1e3 / t_view, t_raw, 1e3 / t_raw);
	wgc_ethdev_close(e);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_perf_autotest, perf, test_ethdev_perf);

/* closing with a view still out: reported, and the pool is not freed */
static int
test_ethdev_close_in_use(void)
{
	struct rte_mempool *mp;
	struct wgc_ethdev *e;
	struct wgc_view v;

	e = open_ring(1);
	TEST_ASSERT_NOT_NULL(e, "open");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	/* the port's own memory is kept on purpose: the view points into it */
	wgc_test_heap_check_skip();
	mp = wgc_ethdev_pool(e);
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_ethdev_recycler(e), &v, 1),
		1, "alloc");
	TEST_ASSERT_EQUAL(wgc_ethdev_close_checked(e), 1u, "one out");
	/* the view is still valid: its pool was kept */
	wgc_view_release(&v);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 0u, "back");
	rte_mempool_free(mp);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_close_in_use_autotest, fast,
	test_ethdev_close_in_use);

/*
 * perf: the whole outer path with no crypto, one lcore: frames circulate
 * over a net_ring loop, each round is RX burst -> wgc_net_rx (classify,
 * UDP checksum) -> wgc_net_encap back to the sender (headers, checksums,
 * neighbour lookup) -> TX burst.
 */
static int
perf_outer_echo(uint16_t plen)
{
	enum { BURST = 32, ROUNDS = 20000 };
	struct wgc_net_port_conf nc;
	struct wgc_endpoint dst[BURST];
	struct wgc_net_meta meta[BURST];
	struct wgc_view v[BURST];
	struct wgc_addr self;
	struct wgc_net_port *np;
	struct wgc_ethdev *e;
	uint32_t us = htonl(0x0a090001);
	double t0, t;
	unsigned int r, moved = 0;
	uint16_t n, i;

	e = open_ring(1);
	TEST_ASSERT_NOT_NULL(e, "open");
	memset(&nc, 0, sizeof(nc));
	nc.name = "t_ethperf";
	nc.mac = *wgc_ethdev_mac(e);
	nc.listen_port = 51820;
	nc.nb_ip4 = 1;
	wgc_addr_set4(&nc.ip4[0].addr, us);
	nc.ip4[0].len = 24;
	nc.pool = wgc_ethdev_pool(e);
	np = wgc_net_port_create(&nc);
	TEST_ASSERT_NOT_NULL(np, "net port");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	memset(&self, 0, sizeof(self));
	self.family = AF_INET;
	self.ip4 = us;
	wgc_net_neigh_add(np, &self, wgc_ethdev_mac(e), 1);
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(wgc_ethdev_recycler(e), v,
		BURST), BURST, "alloc");
	for (i = 0; i < BURST; i++) {
		memset(wgc_view_append(&v[i], plen), 0x42, plen);
		dst[i].addr = self;
		dst[i].port = 51820;
	}
	TEST_ASSERT_EQUAL(wgc_net_encap(np, v, dst, BURST), BURST, "encap");
	TEST_ASSERT_EQUAL(wgc_ethdev_tx_burst(e, 0, v, BURST), BURST, "tx");
	/* first round untimed: page faults on --no-huge memory */
	for (t0 = 0, r = 0; r < 2 * ROUNDS; r++) {
		if (r == ROUNDS) {
			t0 = now_ns();
			moved = 0;
		}
		n = wgc_ethdev_rx_burst(e, 0, v, BURST);
		n = wgc_net_rx(np, v, meta, n);
		for (i = 0; i < n; i++)
			dst[i] = meta[i].src;
		n = wgc_net_encap(np, v, dst, n);
		moved += n;
		if (wgc_ethdev_tx_burst(e, 0, v, n) != n)
			break;
	}
	t = (now_ns() - t0) / moved;
	TEST_ASSERT_EQUAL(moved, (unsigned int)ROUNDS * BURST,
		"every frame made every round");
	printf("outer echo perf: payload %4u B: %.1f ns/pkt (%.1f Mpps, "
		"%.2f Gbit/s of payload)\n", plen, t, 1e3 / t,
		plen * 8 / t);
	wgc_net_port_free(np);
	TEST_ASSERT_EQUAL(wgc_ethdev_close_checked(e), 0u, "clean");
	return TEST_SUCCESS;
}

static int
test_outer_echo_perf(void)
{
	printf("command: build/test/wgc-test outer_echo_perf_autotest "
		"(--no-huge, net_ring loopback, one lcore, bursts of 32, "
		"software checksums, no crypto)\n");
	TEST_CHECK(perf_outer_echo(32));
	TEST_CHECK(perf_outer_echo(148));
	TEST_CHECK(perf_outer_echo(1436));
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(outer_echo_perf_autotest, perf, test_outer_echo_perf);

/*
 * A port on a pool it does not own (virtio-user on the default pool): RX
 * views name the given recycler, a pool whose buffers are too small for
 * the port's frames is refused, and closing leaves the pool to its owner.
 */
static int
test_ethdev_shared_pool(void)
{
	struct rte_mempool *mp, *small;
	struct wgc_recycler rc, rc_small;
	struct wgc_ethdev_conf c;
	struct wgc_view v[32];
	struct wgc_ethdev *e;
	uint16_t n, i;

	warm_once();
	wgc_test_heap_check_skip(); /* net_null's own dummy packets */
	mp = rte_pktmbuf_pool_create("t_eth_shared", 1023, 0, 0,
		RTE_PKTMBUF_HEADROOM + 2048, SOCKET_ID_ANY);
	small = rte_pktmbuf_pool_create("t_eth_small", 511, 0, 0,
		RTE_PKTMBUF_HEADROOM + 256, SOCKET_ID_ANY);
	TEST_ASSERT(mp != NULL && small != NULL, "pools");
	wgc_recycler_mempool_init(&rc, mp);
	wgc_recycler_mempool_init(&rc_small, small);

	memset(&c, 0, sizeof(c));
	c.devname = NULL_DEV;
	c.nb_rx_queues = 1;
	c.nb_rxd = 128;
	c.nb_txd = 128;
	c.pool = small;
	c.recycler = &rc_small;
	TEST_ASSERT_NULL(wgc_ethdev_open(&c), "a pool too small is refused");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	c.pool = mp;
	c.recycler = NULL;
	TEST_ASSERT_NULL(wgc_ethdev_open(&c), "pool without recycler");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");

	c.recycler = &rc;
	e = wgc_ethdev_open(&c);
	TEST_ASSERT_NOT_NULL(e, "open: %s", rte_strerror(rte_errno));
	TEST_ASSERT(wgc_ethdev_pool(e) == mp, "the given pool");
	TEST_ASSERT(wgc_ethdev_recycler(e) == &rc, "the given recycler");
	TEST_ASSERT_SUCCESS(wgc_ethdev_start(e), "start");
	n = wgc_ethdev_rx_burst(e, 0, v, 32);
	TEST_ASSERT_EQUAL(n, 32, "net_null delivers");
	for (i = 0; i < n; i++)
		TEST_ASSERT(v[i].recycler == &rc &&
			((struct rte_mbuf *)v[i].backing)->pool == mp,
			"view %u from the shared pool", i);
	wgc_view_release_all(v, n);
	TEST_ASSERT_EQUAL(wgc_ethdev_close_checked(e), 0u, "closed");
	/* the pool is still ours, whole again */
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 0u, "pool full");
	TEST_ASSERT_NOT_NULL(rte_mempool_lookup("t_eth_shared"), "not freed");
	rte_mempool_free(mp);
	rte_mempool_free(small);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(ethdev_shared_pool_autotest, fast, test_ethdev_shared_pool);
