/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Several outer ports through the pipeline rig: a hub A with two outer
 * ports on two wires (192.0.2.0/24 on wire 0; 198.51.100.0/24 with a
 * gateway on wire 1) and a client B on both wires. Traffic from a peer on
 * one port is answered on that port; a peer that moves to the other wire
 * is answered there; keepalives and initiations leave by the learnt port;
 * ARP and echo are answered by each port's own host stack; a configured
 * endpoint leaves by the port the routes pick.
 */

#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_pipeline.h"
#include "wgc_test.h"
#include "pipeline_rig.h"

static struct rte_mempool *pool;
static struct wgc_recycler rc;
/* wire k: A -> B and B -> A */
static struct rte_ring *w_ab[2], *w_ba[2];
static struct dev A, B, C;
/* the second port of A and of B */
static struct wgc_net_port *net1[2];
static struct ring_edge edge1[2];
static struct wgc_net_port *next_net1;
static struct ring_edge *next_edge1;

#define A1_IP WGC_TEST_IPV4(198, 51, 100, 1)
#define B1_IP WGC_TEST_IPV4(198, 51, 100, 2)
#define GW1_IP WGC_TEST_IPV4(198, 51, 100, 254)

/* the rig's device gets a second outer port */
static void
two_ports(struct wgc_pipeline_conf *pc)
{
	pc->nb_ports = 2;
	pc->extra_ports[0].net = next_net1;
	pc->extra_ports[0].outer = (struct wgc_pipeline_edge){ ring_rx,
		ring_tx, next_edge1 };
}

static struct wgc_net_port *
port1_create(const char *name, uint8_t last, uint32_t ip, uint32_t gw)
{
	struct wgc_net_port_conf nc = { 0 };

	nc.name = name;
	nc.mac.addr_bytes[0] = 0x02;
	nc.mac.addr_bytes[4] = 1;
	nc.mac.addr_bytes[5] = last;
	nc.listen_port = 51820;
	nc.nb_ip4 = 1;
	wgc_addr_set4(&nc.ip4[0].addr, rte_cpu_to_be_32(ip));
	nc.ip4[0].len = 24;
	if (gw != 0)
		wgc_addr_set4(&nc.gw4, rte_cpu_to_be_32(gw));
	nc.pool = pool;
	nc.socket_id = SOCKET_ID_ANY;
	return wgc_net_port_create(&nc);
}

/* A with its two ports; the wires; clocks (B is up to the caller) */
static int
hub_setup(void)
{
	char n[16];
	unsigned int k;

	rig_fake_ns = 1000 * WGC_NSEC_PER_SEC;
	pool = rte_pktmbuf_pool_create("t_pp_pool", 2047, 32, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	for (k = 0; k < 2; k++) {
		snprintf(n, sizeof(n), "t_pp_ab%u", k);
		w_ab[k] = rte_ring_create(n, RING_SZ, SOCKET_ID_ANY, 0);
		snprintf(n, sizeof(n), "t_pp_ba%u", k);
		w_ba[k] = rte_ring_create(n, RING_SZ, SOCKET_ID_ANY, 0);
		if (w_ab[k] == NULL || w_ba[k] == NULL)
			return TEST_FAILED;
	}
	net1[0] = port1_create("t_ppa1", 1, A1_IP, GW1_IP);
	if (net1[0] == NULL)
		return TEST_FAILED;
	edge1[0] = (struct ring_edge){ w_ba[1], w_ab[1], &rc };
	rig_clock = rig_fake_clock;
	rig_wall_clock = rig_fake_wall_clock;
	rig_conf = two_ports;
	next_net1 = net1[0];
	next_edge1 = &edge1[0];
	TEST_CHECK(dev_init(&A, "t_ppa", 0x31, 1, w_ba[0], w_ab[0], pool,
		&rc));
	rig_conf = NULL;
	return TEST_SUCCESS;
}

/* the hub, and B on both wires */
static int
ports_setup(void)
{
	int ret = hub_setup();

	if (ret == TEST_SUCCESS) {
		net1[1] = port1_create("t_ppb1", 2, B1_IP, 0);
		if (net1[1] == NULL)
			return TEST_FAILED;
		edge1[1] = (struct ring_edge){ w_ab[1], w_ba[1], &rc };
		rig_conf = two_ports;
		next_net1 = net1[1];
		next_edge1 = &edge1[1];
		ret = dev_init(&B, "t_ppb", 0x32, 2, w_ab[0], w_ba[0], pool,
			&rc);
	}
	rig_conf = NULL;
	rig_clock = NULL;
	rig_wall_clock = NULL;
	return ret;
}

/* the hub, B on wire 1 only, C on wire 0 only */
static int
split_setup(void)
{
	int ret = hub_setup();

	if (ret == TEST_SUCCESS) {
		rig_net4 = WGC_TEST_IPV4(198, 51, 100, 0);
		ret = dev_init(&B, "t_ppb", 0x32, 2, w_ab[1], w_ba[1], pool,
			&rc);
		rig_net4 = 0;
	}
	if (ret == TEST_SUCCESS)
		ret = dev_init(&C, "t_ppc", 0x33, 3, w_ab[0], w_ba[0], pool,
			&rc);
	rig_clock = NULL;
	rig_wall_clock = NULL;
	return ret;
}

static void
ports_teardown(void)
{
	unsigned int k;

	rig_conf = NULL;
	rig_clock = NULL;
	rig_wall_clock = NULL;
	dev_fini(&A);
	dev_fini(&B);
	if (C.dev != NULL)
		dev_fini(&C);
	for (k = 0; k < 2; k++) {
		wgc_net_port_free(net1[k]);
		net1[k] = NULL;
		ring_drain(w_ab[k]);
		ring_drain(w_ba[k]);
		rte_ring_free(w_ab[k]);
		rte_ring_free(w_ba[k]);
		w_ab[k] = w_ba[k] = NULL;
	}
	rte_mempool_free(pool);
	pool = NULL;
}

static void
run(unsigned int rounds)
{
	rig_run(&A, &B, rounds);
}

/* n packets from `from`'s inner side, all expected at `to`'s */
static int
transfer(struct dev *from, struct dev *to, uint32_t src, uint32_t dst,
		unsigned int n)
{
	unsigned int i, got = 0, r;
	void *o;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = make_packet(pool, src, dst, 64, i);

		TEST_ASSERT_NOT_NULL(m, "alloc");
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(from->inner_in, m),
			"inject");
	}
	for (r = 0; r < 200 && got < n; r++) {
		run(1);
		while (rte_ring_dequeue(to->inner_out, &o) == 0) {
			rte_pktmbuf_free(o);
			got++;
		}
	}
	TEST_ASSERT_EQUAL(got, n, "delivered %u of %u", got, n);
	return TEST_SUCCESS;
}

/* lib/net counters of A's port k */
static struct wgc_net_stats
a_net(unsigned int k)
{
	struct wgc_net_stats s;

	wgc_net_stats_get(k == 0 ? A.net : net1[0], &s);
	return s;
}

static void
set_endpoint(struct dev *d, struct wgc_peer *p, uint32_t ip)
{
	struct wgc_endpoint ep = { .port = 51820 };

	wgc_addr_set4(&ep.addr, rte_cpu_to_be_32(ip));
	wgc_peers_lock(d->peers);
	wgc_peer_endpoint_set(p, &ep);
	wgc_peers_unlock(d->peers);
}

static uint8_t
learnt_port(struct wgc_peer *p, struct wgc_endpoint *ep)
{
	return wgc_peer_endpoint_get(p, ep);
}

static int
test_pipeline_ports_roam(void)
{
	uint32_t a = WGC_TEST_IPV4(10, 0, 1, 1), b = WGC_TEST_IPV4(10, 0, 2, 1);
	struct wgc_net_stats s0, s1, t0, t1;
	struct wgc_pipeline_stats sa;
	struct wgc_endpoint ep;
	struct wgc_peer *pa, *pb;

	TEST_ASSERT_EQUAL(wgc_pipeline_nb_ports(A.pl), 2u, "two ports");
	/* A learns B; B reaches A at A's second port (on-link there) */
	pa = add_peer(&A, B.pub, 2, 0);
	pb = add_peer(&B, A.pub, 1, 0);
	TEST_ASSERT(pa != NULL && pb != NULL, "peers");
	set_endpoint(&B, pb, A1_IP);

	/* B -> A: handshake and data over wire 1 only */
	TEST_CHECK(transfer(&B, &A, b, a, 4));
	s0 = a_net(0);
	s1 = a_net(1);
	TEST_ASSERT(s1.rx_wg >= 5, "A port 1 received (%" PRIu64 ")",
		s1.rx_wg);
	TEST_ASSERT_EQUAL(s0.rx_wg, 0u, "nothing on A port 0");
	TEST_ASSERT_EQUAL(learnt_port(pa, &ep), 1u, "learnt on port 1");
	TEST_ASSERT_EQUAL(ep.addr.ip4, rte_cpu_to_be_32(B1_IP),
		"B's address on wire 1");
	/* A -> B: the replies (the handshake response included) leave by
	 * port 1 */
	TEST_CHECK(transfer(&A, &B, a, b, 6));
	t0 = a_net(0);
	t1 = a_net(1);
	TEST_ASSERT(t1.tx_encap >= s1.tx_encap + 6, "A port 1 sent");
	TEST_ASSERT_EQUAL(t0.tx_encap, 0u, "nothing sent on A port 0");

	/* B moves to wire 0: A follows it there */
	set_endpoint(&B, pb, WGC_TEST_IPV4(192, 0, 2, 1));
	TEST_CHECK(transfer(&B, &A, b, a, 3));
	TEST_ASSERT_EQUAL(learnt_port(pa, &ep), 0u, "roamed to port 0");
	TEST_ASSERT_EQUAL(ep.addr.ip4,
		rte_cpu_to_be_32(WGC_TEST_IPV4(192, 0, 2, 2)),
		"B's address on wire 0");
	wgc_pipeline_stats_sum(A.pl, &sa);
	TEST_ASSERT(sa.roamed >= 1, "roam counted");
	s0 = a_net(0);
	s1 = a_net(1);
	TEST_CHECK(transfer(&A, &B, a, b, 5));
	t0 = a_net(0);
	t1 = a_net(1);
	TEST_ASSERT(t0.tx_encap >= s0.tx_encap + 5, "replies on port 0");
	TEST_ASSERT_EQUAL(t1.tx_encap, s1.tx_encap, "none on port 1");

	/* B sends last: KEEPALIVE_TIMEOUT later A's keepalive leaves by the
	 * learnt port */
	TEST_CHECK(transfer(&B, &A, b, a, 1));
	s0 = a_net(0);
	s1 = a_net(1);
	wgc_pipeline_stats_sum(A.pl, &sa);
	{
		uint64_t ka = sa.keepalive_tx;

		rig_fake_ns += 11 * WGC_NSEC_PER_SEC;
		run(5);
		wgc_pipeline_stats_sum(A.pl, &sa);
		TEST_ASSERT(sa.keepalive_tx > ka, "A sent a keepalive");
	}
	t0 = a_net(0);
	t1 = a_net(1);
	TEST_ASSERT(t0.tx_encap > s0.tx_encap, "keepalive on port 0");
	TEST_ASSERT_EQUAL(t1.tx_encap, s1.tx_encap, "none on port 1");

	/* an initiation (the writer's) leaves by the learnt port too */
	rig_fake_ns += 6 * WGC_NSEC_PER_SEC;
	s0 = t0;
	wgc_peers_lock(A.peers);
	TEST_ASSERT_SUCCESS(wgc_pipeline_initiate(A.pl, pa), "initiate");
	wgc_peers_unlock(A.peers);
	run(3);
	t0 = a_net(0);
	t1 = a_net(1);
	TEST_ASSERT(t0.tx_encap > s0.tx_encap, "initiation on port 0");
	TEST_ASSERT_EQUAL(t1.tx_encap, s1.tx_encap, "none on port 1");
	/* and the session it makes carries traffic */
	TEST_CHECK(transfer(&A, &B, a, b, 2));
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_ports_roam_autotest, fast, ports_setup,
	test_pipeline_ports_roam, ports_teardown);

/* an Ethernet frame to A's port: an ARP request for `target` or an echo
 * request to `dst`, from B's MAC on that wire */
static struct rte_mbuf *
frame_to_a(unsigned int k, bool arp, uint32_t target)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_ether_addr bmac = { { 0x02, 0, 0, 0, k, 2 } };
	struct rte_ether_addr amac = { { 0x02, 0, 0, 0, k, 1 } };
	uint32_t src = k == 0 ? WGC_TEST_IPV4(192, 0, 2, 2) : B1_IP;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh));
	eh->src_addr = bmac;
	if (arp) {
		struct rte_arp_hdr *ah = (struct rte_arp_hdr *)
			rte_pktmbuf_append(m, sizeof(*ah));

		memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
		ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ah->arp_hlen = RTE_ETHER_ADDR_LEN;
		ah->arp_plen = 4;
		ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
		ah->arp_data.arp_sha = bmac;
		ah->arp_data.arp_sip = rte_cpu_to_be_32(src);
		memset(&ah->arp_data.arp_tha, 0, sizeof(bmac));
		ah->arp_data.arp_tip = rte_cpu_to_be_32(target);
	} else {
		uint8_t *b = (uint8_t *)rte_pktmbuf_append(m,
			sizeof(struct rte_ipv4_hdr) + 16);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

		if (b == NULL) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		memset(b, 0, sizeof(*ip) + 16);
		eh->dst_addr = amac;
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + 16);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_ICMP;
		ip->src_addr = rte_cpu_to_be_32(src);
		ip->dst_addr = rte_cpu_to_be_32(target);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
		ic->icmp_ident = rte_cpu_to_be_16(7);
		ic->icmp_cksum = ~rte_raw_cksum(ic, 16);
	}
	return m;
}

/* frames A sent on wire k: counted, and the ethertype of the last; the
 * requests that keep port 1's gateway resolved are not counted */
static unsigned int
a_sent(unsigned int k, uint16_t *type)
{
	unsigned int n = 0;
	void *o;

	while (rte_ring_dequeue(w_ab[k], &o) == 0) {
		struct rte_mbuf *m = o;
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m,
			const struct rte_ether_hdr *);
		const struct rte_arp_hdr *ah = (const void *)(eh + 1);
		uint16_t t = rte_be_to_cpu_16(eh->ether_type);

		if (!(t == RTE_ETHER_TYPE_ARP && ah->arp_opcode ==
				RTE_BE16(RTE_ARP_OP_REQUEST) &&
				ah->arp_data.arp_tip ==
				rte_cpu_to_be_32(GW1_IP))) {
			*type = t;
			n++;
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

static void
a_poll(void)
{
	rig_run(&A, NULL, 3);
}

/* a frame into A on wire k is answered by one frame of `type` on wire k,
 * and nothing leaves by the other wire */
static int
answered_on(unsigned int k, bool arp, uint32_t target, uint16_t type)
{
	uint16_t t = 0;

	TEST_ASSERT_SUCCESS(rte_ring_enqueue(w_ba[k], frame_to_a(k, arp,
		target)), "inject");
	a_poll();
	TEST_ASSERT_EQUAL(a_sent(k, &t), 1u, "one reply on wire %u", k);
	TEST_ASSERT_EQUAL(t, type, "ethertype 0x%x", t);
	TEST_ASSERT_EQUAL(a_sent(1 - k, &t), 0u, "nothing on wire %u", 1 - k);
	return TEST_SUCCESS;
}

static int
test_pipeline_ports_host(void)
{
	struct wgc_addr dst;
	struct wgc_peer *p;
	uint16_t type = 0;

	/* ARP for A's second address on wire 1: answered on wire 1 */
	TEST_CHECK(answered_on(1, true, A1_IP, RTE_ETHER_TYPE_ARP));
	TEST_ASSERT_EQUAL(a_net(1).arp_reply_tx, 1u, "port 1 counted it");
	TEST_ASSERT_EQUAL(a_net(0).arp_reply_tx, 0u, "port 0 did not");
	/* ARP on wire 1 for port 0's address: not port 1's, not answered */
	TEST_ASSERT_SUCCESS(rte_ring_enqueue(w_ba[1], frame_to_a(1, true,
		WGC_TEST_IPV4(192, 0, 2, 1))), "inject");
	a_poll();
	TEST_ASSERT_EQUAL(a_sent(1, &type) + a_sent(0, &type), 0u,
		"another port's address is not ours here");
	/* echo to port 0's address on wire 0: answered on wire 0 */
	TEST_CHECK(answered_on(0, false, WGC_TEST_IPV4(192, 0, 2, 1),
		RTE_ETHER_TYPE_IPV4));
	TEST_ASSERT_EQUAL(a_net(0).echo_reply_tx, 1u, "port 0 counted it");
	TEST_ASSERT_EQUAL(a_net(1).echo_reply_tx, 0u, "port 1 did not");

	/* the rule for configured endpoints: on-link first, then a port
	 * with a gateway of the family, else port 0 */
	wgc_addr_set4(&dst, rte_cpu_to_be_32(WGC_TEST_IPV4(192, 0, 2, 9)));
	TEST_ASSERT_EQUAL(wgc_pipeline_route_port(A.pl, &dst), 0u, "on 0");
	wgc_addr_set4(&dst, rte_cpu_to_be_32(WGC_TEST_IPV4(198, 51, 100, 7)));
	TEST_ASSERT_EQUAL(wgc_pipeline_route_port(A.pl, &dst), 1u, "on 1");
	wgc_addr_set4(&dst, rte_cpu_to_be_32(WGC_TEST_IPV4(203, 0, 113, 9)));
	TEST_ASSERT_EQUAL(wgc_pipeline_route_port(A.pl, &dst), 1u,
		"port 1 has the gateway");
	memset(&dst, 0, sizeof(dst));
	dst.family = AF_INET6;
	dst.bytes[0] = 0x20;
	dst.bytes[1] = 0x01;
	TEST_ASSERT_EQUAL(wgc_pipeline_route_port(A.pl, &dst), 0u,
		"no IPv6 anywhere: port 0");

	/* an initiation to a configured endpoint behind the gateway: A
	 * resolves the gateway on wire 1 */
	p = add_peer(&A, B.pub, 2, 0);
	TEST_ASSERT_NOT_NULL(p, "peer");
	set_endpoint(&A, p, WGC_TEST_IPV4(203, 0, 113, 9));
	wgc_peers_lock(A.peers);
	TEST_ASSERT_SUCCESS(wgc_pipeline_initiate(A.pl, p), "initiate");
	wgc_peers_unlock(A.peers);
	a_poll();
	TEST_ASSERT_EQUAL(a_net(1).tx_held, 1u, "held for port 1's gateway");
	TEST_ASSERT_EQUAL(a_net(0).tx_held + a_net(0).tx_encap, 0u,
		"nothing for port 0");
	TEST_ASSERT_EQUAL(a_sent(0, &type), 0u, "nothing on wire 0");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_ports_host_autotest, fast, ports_setup,
	test_pipeline_ports_host, ports_teardown);

/* rounds of A, B and C */
static void
run3(unsigned int rounds)
{
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		rig_run(&A, &B, 1);
		rig_run(&C, NULL, 1);
	}
}

/* packets waiting on d's inner side: counted and freed */
static unsigned int
inner_got(struct dev *d)
{
	unsigned int n = 0;
	void *o;

	while (rte_ring_dequeue(d->inner_out, &o) == 0) {
		rte_pktmbuf_free(o);
		n++;
	}
	return n;
}

/*
 * One burst from A's inner side to two peers behind different ports
 * (B on port 1, C on port 0), interleaved: sealed in one pass, then sent
 * port by port; each peer gets its own packets, each port carries its
 * peer's only.
 */
static int
test_pipeline_ports_split(void)
{
	uint32_t a = WGC_TEST_IPV4(10, 0, 1, 1);
	uint32_t b = WGC_TEST_IPV4(10, 0, 2, 1), c = WGC_TEST_IPV4(10, 0, 3, 1);
	struct wgc_net_stats s0, s1;
	struct wgc_endpoint ep;
	struct wgc_peer *pb, *pc, *p;
	unsigned int i, gb = 0, gc = 0, r;

	pb = add_peer(&A, B.pub, 2, 0);
	pc = add_peer(&A, C.pub, 3, 0);
	p = add_peer(&B, A.pub, 1, 0);
	TEST_ASSERT(pb != NULL && pc != NULL && p != NULL, "peers");
	set_endpoint(&B, p, A1_IP);
	p = add_peer(&C, A.pub, 1, 1);
	TEST_ASSERT_NOT_NULL(p, "C's peer");
	/* each client's data brings A a session and the client's port */
	for (i = 0; i < 2; i++) {
		struct dev *d = i == 0 ? &B : &C;
		struct rte_mbuf *m = make_packet(pool, i == 0 ? b : c, a, 32,
			i);

		TEST_ASSERT_NOT_NULL(m, "alloc");
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(d->inner_in, m), "inject");
	}
	for (r = 0; r < 200 && rte_ring_count(A.inner_out) < 2; r++)
		run3(1);
	TEST_ASSERT_EQUAL(inner_got(&A), 2u, "A heard from both");
	TEST_ASSERT_EQUAL(learnt_port(pb, &ep), 1u, "B behind port 1");
	TEST_ASSERT_EQUAL(learnt_port(pc, &ep), 0u, "C behind port 0");

	s0 = a_net(0);
	s1 = a_net(1);
	for (i = 0; i < 16; i++) {
		struct rte_mbuf *m = make_packet(pool, a, i % 2 ? c : b, 64,
			i);

		TEST_ASSERT_NOT_NULL(m, "alloc");
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(A.inner_in, m), "inject");
	}
	/* one poll of A's worker takes the 16 as one burst */
	wgc_pipeline_worker_poll(A.pl, 0);
	TEST_ASSERT_EQUAL(a_net(1).tx_encap - s1.tx_encap, 8u,
		"B's eight on port 1");
	TEST_ASSERT_EQUAL(a_net(0).tx_encap - s0.tx_encap, 8u,
		"C's eight on port 0");
	for (r = 0; r < 50 && (gb < 8 || gc < 8); r++) {
		run3(1);
		gb += inner_got(&B);
		gc += inner_got(&C);
	}
	TEST_ASSERT_EQUAL(gb, 8u, "B got its eight");
	TEST_ASSERT_EQUAL(gc, 8u, "C got its eight");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_ports_split_autotest, fast, split_setup,
	test_pipeline_ports_split, ports_teardown);
