/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _PIPELINE_RIG_H_
#define _PIPELINE_RIG_H_

/*
 * A test rig for lib/pipeline: a device (identity, peer table, lib/net
 * port, pipeline) whose outer and inner edges are rte_rings. Two devices
 * whose outer rings are crossed talk to each other like two hosts on a
 * wire. Used by test_pipeline.c and perf_pipeline.c.
 */

#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "wgc_device.h"
#include "wgc_l2.h"
#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_pipeline.h"
#include "wgc_test.h"

#define RING_SZ 1024

/* monotonic clock the next dev_init() gives its pipeline (NULL: real) */
static uint64_t (*rig_clock)(void);

/* inner edge the next dev_init() gives its pipeline instead of its inner
 * rings (NULL: the rings); if rig_inner_l2, it carries Ethernet frames and
 * goes through drivers/l2's adapter (the device's MAC as source) */
static struct wgc_pipeline_edge *rig_inner;
static bool rig_inner_l2;
/* wall clock of that pipeline (NULL: real). A fake monotonic clock needs a
 * fake wall clock too: handshake timestamps (TAI64N, 2^24 ns granularity)
 * must grow between initiations, which real time does not guarantee when
 * a test fast-forwards minutes in microseconds */
static uint64_t (*rig_wall_clock)(void);

/* called on the pipeline configuration of the next dev_init() before the
 * pipeline is created (NULL: none), e.g. to set the MTU handling */
static void (*rig_conf)(struct wgc_pipeline_conf *pc);

/* the IPv4 /24 of the next dev_init()'s outer port, host order (0:
 * 192.0.2.0/24); the port is .ip_last in it */
static uint32_t rig_net4;

/* RCU variable and peer capacity of the next dev_init()'s peer table and
 * pipeline (NULL / 0: none, 16 peers) */
static struct rte_rcu_qsbr *rig_qsbr;
static uint32_t rig_max_peers;

/* a fake monotonic clock for rig_clock, and a wall clock that moves with
 * it (2026-01-01 + rig_fake_ns) for rig_wall_clock */
static uint64_t rig_fake_ns;

static __rte_unused uint64_t
rig_fake_clock(void)
{
	return rig_fake_ns;
}

static __rte_unused uint64_t
rig_fake_wall_clock(void)
{
	return 1767225600ULL * WGC_NSEC_PER_SEC + rig_fake_ns;
}

struct ring_edge {
	struct rte_ring *rx;
	struct rte_ring *tx;
	struct wgc_recycler *rc;
};

static __rte_unused uint16_t
ring_rx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	struct ring_edge *e = ctx;
	struct rte_mbuf *m[WGC_PIPELINE_BURST];
	unsigned int k, i;

	k = rte_ring_dequeue_burst(e->rx, (void **)m,
		RTE_MIN(n, (uint16_t)RTE_DIM(m)), NULL);
	for (i = 0; i < k; i++)
		wgc_view_from_mbuf(&v[i], m[i], e->rc);
	return (uint16_t)k;
}

/* like a PMD's TX burst: the ring takes what fits, the rest is freed */
static __rte_unused uint16_t
ring_tx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	struct ring_edge *e = ctx;
	struct rte_mbuf *m[WGC_PIPELINE_BURST];
	unsigned int k = 0, done, sent = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (!wgc_view_is_empty(&v[i]))
			m[k++] = wgc_view_to_mbuf(&v[i]);
		if (k == RTE_DIM(m) || (k > 0 && i == n - 1)) {
			done = rte_ring_enqueue_burst(e->tx, (void **)m, k,
				NULL);
			rte_pktmbuf_free_bulk(m + done, k - done);
			sent += done;
			k = 0;
		}
	}
	return (uint16_t)sent;
}

struct dev {
	struct wgc_device *dev;      /* owns id, peers and pl */
	struct wgc_identity *id;
	struct wgc_peers *peers;
	struct wgc_net_port *net;
	struct wgc_pipeline *pl;
	struct wgc_l2 *l2;           /* rig_inner_l2: the inner adapter */
	struct ring_edge outer;
	struct ring_edge inner;
	struct rte_ring *inner_in;   /* test -> device (plaintext) */
	struct rte_ring *inner_out;  /* device -> test (plaintext) */
	uint8_t pub[WGC_KEY_LEN];
};

static __rte_unused int
dev_init(struct dev *d, const char *name, uint8_t seed, uint8_t ip_last,
		struct rte_ring *wire_in, struct rte_ring *wire_out,
		struct rte_mempool *pool, struct wgc_recycler *rc)
{
	struct wgc_peers_params pp = { 0 };
	struct wgc_device_params dp = { 0 };
	struct wgc_net_port_conf nc = { 0 };
	struct wgc_pipeline_conf pc = { 0 };
	struct wgc_iface_conf ic = { 0 };
	char n[32];

	snprintf(ic.name, sizeof(ic.name), "%s", name);
	memset(ic.private_key, seed, sizeof(ic.private_key));
	ic.listen_port = 51820;
	pp.name = name;
	pp.max_peers = rig_max_peers != 0 ? rig_max_peers : 16;
	pp.socket_id = SOCKET_ID_ANY;
	pp.qsbr = rig_qsbr;
	dp.iface = &ic;
	dp.peers = &pp;
	dp.socket_id = SOCKET_ID_ANY;
	d->dev = wgc_device_create(&dp);
	if (d->dev == NULL)
		return TEST_FAILED;
	d->id = wgc_device_identity(d->dev);
	d->peers = wgc_device_peers(d->dev);
	if (wgc_identity_public_key(d->id, d->pub) != 0)
		return TEST_FAILED;
	nc.name = name;
	memset(&nc.mac, 0, sizeof(nc.mac));
	nc.mac.addr_bytes[0] = 0x02;
	nc.mac.addr_bytes[5] = ip_last;
	nc.listen_port = 51820;
	nc.nb_ip4 = 1;
	wgc_addr_set4(&nc.ip4[0].addr, rte_cpu_to_be_32((rig_net4 != 0 ?
		rig_net4 : WGC_TEST_IPV4(192, 0, 2, 0)) | ip_last));
	nc.ip4[0].len = 24;
	nc.pool = pool;
	nc.socket_id = SOCKET_ID_ANY;
	d->net = wgc_net_port_create(&nc);
	if (d->net == NULL)
		return TEST_FAILED;
	snprintf(n, sizeof(n), "%s_ii", name);
	d->inner_in = rte_ring_create(n, RING_SZ, SOCKET_ID_ANY, 0);
	snprintf(n, sizeof(n), "%s_io", name);
	d->inner_out = rte_ring_create(n, RING_SZ, SOCKET_ID_ANY, 0);
	if (d->inner_in == NULL || d->inner_out == NULL)
		return TEST_FAILED;
	d->outer.rx = wire_in;
	d->outer.tx = wire_out;
	d->outer.rc = rc;
	d->inner.rx = d->inner_in;
	d->inner.tx = d->inner_out;
	d->inner.rc = rc;
	pc.name = name;
	pc.peers = d->peers;
	pc.net = d->net;
	pc.outer = (struct wgc_pipeline_edge){ ring_rx, ring_tx, &d->outer };
	pc.inner = (struct wgc_pipeline_edge){ ring_rx, ring_tx, &d->inner };
	if (rig_inner != NULL && rig_inner_l2) {
		struct wgc_l2_conf lc = { .lower = *rig_inner, .mac = nc.mac,
			.socket_id = SOCKET_ID_ANY };

		d->l2 = wgc_l2_create(&lc);
		if (d->l2 == NULL)
			return TEST_FAILED;
		pc.inner = wgc_l2_edge(d->l2);
	} else if (rig_inner != NULL) {
		pc.inner = *rig_inner;
	}
	pc.tx_recycler = rc;
	pc.nb_workers = 1;
	pc.mtu = 1420;
	pc.clock = rig_clock;
	pc.wall_clock = rig_wall_clock;
	pc.qsbr = rig_qsbr;
	if (rig_conf != NULL)
		rig_conf(&pc);
	d->pl = wgc_pipeline_create(&pc);
	if (d->pl == NULL)
		return TEST_FAILED;
	wgc_device_set_pipeline(d->dev, d->pl);
	return TEST_SUCCESS;
}

/* rounds of worker 0 and the main lcore of a, then of b (NULL: a only) */
static __rte_unused void
rig_run(struct dev *a, struct dev *b, unsigned int rounds)
{
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		wgc_pipeline_worker_poll(a->pl, 0);
		wgc_pipeline_main_poll(a->pl);
		if (b != NULL) {
			wgc_pipeline_worker_poll(b->pl, 0);
			wgc_pipeline_main_poll(b->pl);
		}
	}
}

static __rte_unused void
ring_drain(struct rte_ring *r)
{
	void *m;

	while (r != NULL && rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

static __rte_unused void
dev_fini(struct dev *d)
{
	/* the pipeline, the peer table and the identity */
	wgc_device_destroy(d->dev);
	wgc_l2_free(d->l2);
	wgc_net_port_free(d->net);
	ring_drain(d->inner_in);
	ring_drain(d->inner_out);
	rte_ring_free(d->inner_in);
	rte_ring_free(d->inner_out);
	memset(d, 0, sizeof(*d));
}

static __rte_unused struct wgc_peer *
add_peer(struct dev *d, const uint8_t *pub, uint8_t net_octet,
		uint8_t ep_last)
{
	struct wgc_prefix pf = { .addr.family = AF_INET, .len = 24,
		.addr.bytes = { 10, 0, net_octet, 0 } };
	struct wgc_peer *p;

	wgc_peers_lock(d->peers);
	p = wgc_peers_add(d->peers, pub, NULL);
	if (p != NULL) {
		if (ep_last != 0) {
			struct wgc_endpoint ep = { .addr.family = AF_INET,
				.port = 51820,
				.addr.bytes = { 192, 0, 2, ep_last } };

			wgc_peer_endpoint_set(p, &ep);
		}
		if (wgc_peers_prefix_add(d->peers, p, &pf) != 0)
			p = NULL;
	}
	wgc_peers_unlock(d->peers);
	return p;
}

/* an IPv4/UDP packet src -> dst with a recognisable payload */
static __rte_unused struct rte_mbuf *
make_packet(struct rte_mempool *pool, uint32_t src, uint32_t dst, uint16_t payload, uint32_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *p;
	uint16_t i, len = sizeof(*ip) + sizeof(*udp) + payload;

	if (m == NULL)
		return NULL;
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, len);
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(1000);
	udp->dst_port = rte_cpu_to_be_16(2000);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + payload);
	udp->dgram_cksum = 0;
	p = (uint8_t *)(udp + 1);
	for (i = 0; i < payload; i++)
		p[i] = (uint8_t)(tag + i);
	return m;
}

/* an outer edge whose queue 0 alone receives, as RSS puts one peer's
 * 5-tuple on one queue */
static __rte_unused uint16_t
ring_rx_q0(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	return q == 0 ? ring_rx(ctx, q, v, n) : 0;
}

/* two devices and the wire rings between them gone */
static __rte_unused void
rig_pair_fini(struct dev *a, struct dev *b, struct rte_ring **ab,
		struct rte_ring **ba)
{
	dev_fini(a);
	dev_fini(b);
	ring_drain(*ab);
	ring_drain(*ba);
	rte_ring_free(*ab);
	rte_ring_free(*ba);
	*ab = *ba = NULL;
}

#endif /* _PIPELINE_RIG_H_ */
