/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * A worker's inner side: a burst from the inner edge, the allowed-IPs
 * destination -> peer, the tunnel MTU, MSS clamping, then seal in place,
 * outer headers and out on the worker's outer queue; without a session
 * the packet is parked on the peer and a handshake asked for. Sealing is
 * shared with the stage (staged packets, keepalives), whose frames leave
 * through worker 0.
 */

#include "pl_private.h"

/*
 * Consecutive sealed packets under one keypair: the endpoint is read once
 * per run, and the timer hooks (idempotent for the burst's single `now`),
 * the peer's counters, the rekey check and at most one reschedule event run
 * once per run.
 */
struct tx_run {
	struct wgc_keypair *kp;
	struct wgc_peer *p;
	struct wgc_endpoint dst;
	uint16_t port;              /* outer port */
	bool has_ep;
	uint32_t sent;
	uint64_t bytes;
};

static inline void
tx_run_flush(struct wgc_pipeline *pl, struct worker *wk, struct tx_run *r,
		uint64_t now, bool keepalive)
{
	struct wgc_peer *p = r->p;
	bool resched;

	if (r->kp == NULL || r->sent == 0)
		goto out;
	if (keepalive) {
		wk->st.keepalive_tx += r->sent;
		resched = false;
	} else {
		resched = wgc_timers_data_sent(&p->proto, now);
		wgc_peer_stats_add(p, 0, 0, r->sent, r->bytes);
	}
	resched |= wgc_timers_any_authenticated_packet_sent(&p->proto, now);
	resched |= wgc_timers_any_authenticated_packet_traversal(&p->proto,
		now);
	if (resched)
		post_event(pl, wk, p->id, EV_RESCHEDULE);
	if (wgc_keypair_should_rekey_on_send(r->kp, now))
		want_handshake(pl, wk, p);
out:
	r->kp = NULL;
}

/* outer headers for k sealed messages to dst[] on one outer port, and out
 * on its queue q (the stage, a handshake lcore: through worker 0) */
static inline void
send_port(struct wgc_pipeline *pl, uint16_t q, struct worker *wk,
		struct wgc_view *ev, const struct wgc_endpoint *dst, uint16_t k,
		uint16_t port)
{
	const struct wgc_pipeline_port *op = &pl->port[port];
	/* room for every packet of the burst in two outer fragments */
	struct wgc_view fo[2 * BURST];
	uint16_t ready;

	ready = wgc_net_encap_frag(op->net, ev, dst, k, fo, RTE_DIM(fo));
	if (ready == 0)
		return;
	if (wk->via_ring) {
		pl_stage_tx(pl, wk, fo, ready, port);
	} else {
		wk->st.outer_tx += ready;
		op->outer.tx(op->outer.ctx, q, fo, ready);
	}
}

/* a burst whose peers leave by several outer ports: one send per port */
static void
send_ports(struct wgc_pipeline *pl, uint16_t q, struct worker *wk,
		struct wgc_view *ev, const struct wgc_endpoint *dst,
		const uint8_t *port, uint16_t k)
{
	struct wgc_endpoint pdst[BURST];
	struct wgc_view pv[BURST];
	uint16_t pi, i, m;

	for (pi = 0; pi < pl->nb_ports; pi++) {
		for (i = 0, m = 0; i < k; i++) {
			if (port[i] != pi)
				continue;
			pdst[m] = dst[i];
			wgc_view_claim(&pv[m++], &ev[i]);
		}
		if (m > 0)
			send_port(pl, q, wk, pv, pdst, m, pi);
	}
}

/* pl_seal_and_send(), inlined into the worker's inner loop */
static inline void
seal_and_send(struct wgc_pipeline *pl, uint16_t q, struct worker *wk,
		struct wgc_view *ev, struct wgc_keypair **kps,
		struct wgc_peer **peers, uint16_t n, uint64_t now,
		bool keepalive)
{
	struct wgc_endpoint dst[BURST];
	uint8_t port[BURST];
	uint32_t len[BURST];
	uint8_t status[BURST];
	struct tx_run run = { .kp = NULL };
	uint16_t i, k = 0, port0 = UINT16_MAX;
	bool mixed = false;

	for (i = 0; i < n; i++)
		len[i] = ev[i].len;
	wgc_transport_encap_burst(wk->engine, ev, kps, n, pl->c.mtu, now,
		status);
	for (i = 0; i < n; i++) {
		struct wgc_peer *p = peers[i];

		if (status[i] != WGC_TRANSPORT_OK) {
			wk->st.drop[WGC_PL_DROP_ENCAP]++;
			wgc_view_release(&ev[i]);
			if (status[i] == WGC_TRANSPORT_KEYPAIR_EXPIRED ||
					status[i] ==
					WGC_TRANSPORT_COUNTER_EXHAUSTED)
				want_handshake(pl, wk, p);
			continue;
		}
		if (kps[i] != run.kp) {
			tx_run_flush(pl, wk, &run, now, keepalive);
			run.kp = kps[i];
			run.p = p;
			run.sent = 0;
			run.bytes = 0;
			run.port = pl_out_port(pl,
				wgc_peer_endpoint_get(p, &run.dst),
				&run.dst.addr);
			run.has_ep = run.dst.addr.family != 0;
		}
		if (!run.has_ep) {
			wk->st.drop[WGC_PL_DROP_NO_ENDPOINT]++;
			wgc_view_release(&ev[i]);
			continue;
		}
		wk->st.encap_ok++;
		run.sent++;
		run.bytes += len[i];
		dst[k] = run.dst;
		port[k] = (uint8_t)run.port;
		if (port0 == UINT16_MAX)
			port0 = run.port;
		mixed |= run.port != port0;
		if (k != i)
			wgc_view_claim(&ev[k], &ev[i]);
		k++;
	}
	tx_run_flush(pl, wk, &run, now, keepalive);
	if (k == 0)
		return;
	if (likely(!mixed))
		send_port(pl, q, wk, ev, dst, k, port0);
	else
		send_ports(pl, q, wk, ev, dst, port, k);
}

void
pl_seal_and_send(struct wgc_pipeline *pl, uint16_t q, struct worker *wk,
		struct wgc_view *ev, struct wgc_keypair **kps,
		struct wgc_peer **peers, uint16_t n, uint64_t now,
		bool keepalive)
{
	seal_and_send(pl, q, wk, ev, kps, peers, n, now, keepalive);
}

/*
 * No session with p: park the packet and ask for a handshake. A peer
 * without an endpoint cannot be reached until it initiates itself (a road
 * warrior that has not connected): its packets are dropped at once, as
 * the Linux module does, and never hold a buffer.
 */
static void
park(struct wgc_pipeline *pl, struct worker *wk, struct wgc_peer *p,
		struct wgc_view *v, uint64_t now)
{
	struct wgc_endpoint ep;

	wgc_peer_endpoint_get(p, &ep);
	if (ep.addr.family == 0) {
		wk->st.drop[WGC_PL_DROP_NO_ENDPOINT]++;
		wgc_view_release(v);
		return;
	}
	wk->st.staged++;
	wk->st.drop[WGC_PL_DROP_STAGED_OVERFLOW] +=
		wgc_peer_stage(pl->peers, p, v, now);
	want_handshake(pl, wk, p);
}

/*
 * An Ethernet frame from the inner edge: anything but IPv4/IPv6 is dropped
 * (returns false); the inner router's MAC is learnt from the source and
 * the header removed.
 */
static inline bool
strip_ether(struct wgc_pipeline *pl, struct worker *wk, struct wgc_view *v)
{
	const struct rte_ether_hdr *eh = (const void *)v->data;
	const uint16_t ip4 = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	const uint16_t ip6 = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);

	if (v->len < sizeof(*eh) ||
			(eh->ether_type != ip4 && eh->ether_type != ip6)) {
		wk->st.drop[WGC_PL_DROP_INNER_NOT_IP]++;
		wgc_view_release(v);
		return false;
	}
	/* learn the inner router's MAC (racy 6-byte copy; all writers write
	 * the same address in practice) */
	if (rte_is_unicast_ether_addr(&eh->src_addr) &&
			!rte_is_same_ether_addr(&eh->src_addr,
				&pl->c.inner_peer_mac))
		pl->c.inner_peer_mac = eh->src_addr;
	wgc_view_adj(v, sizeof(*eh));
	return true;
}

unsigned int
pl_worker_inner(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		uint64_t now)
{
	struct wgc_view v[BURST], ev[BURST], icmp[BURST];
	struct wgc_keypair *kps[BURST];
	struct wgc_peer *peers[BURST];
	uint16_t n, i, ne = 0, ni = 0;

	n = pl->c.inner.rx(pl->c.inner.ctx, w, v, BURST);
	if (n == 0)
		return 0;
	prefetch_burst(v, n);
	wk->st.inner_rx += n;
	for (i = 0; i < n; i++) {
		struct wgc_keypair *kp;
		struct wgc_peer *p;

		if (pl->c.inner_l2 && !strip_ether(pl, wk, &v[i]))
			continue;
		p = route_inner(pl->fast, v[i].data, v[i].len, true);
		if (p == NULL) {
			wk->st.drop[WGC_PL_DROP_NO_PEER]++;
			wgc_view_release(&v[i]);
			continue;
		}
		if (unlikely(v[i].len > pl->c.mtu)) {
			ni += pl_inner_too_big(&pl->c, &wk->icmp, &wk->st,
				&v[i], now, &icmp[ni]);
			continue;
		}
		if ((pl->c.mss4 | pl->c.mss6) != 0 &&
				pl_mss_clamp(v[i].data, v[i].len, pl->c.mss4,
					pl->c.mss6))
			wk->st.mss_clamped++;
		kp = wgc_keypair_current(&p->proto, now);
		if (kp == NULL) {
			park(pl, wk, p, &v[i], now);
			continue;
		}
		kps[ne] = kp;
		peers[ne] = p;
		wgc_view_claim(&ev[ne++], &v[i]);
	}
	if (ne > 0)
		seal_and_send(pl, w, wk, ev, kps, peers, ne, now, false);
	if (ni > 0) {
		if (pl->c.inner_l2)
			for (i = 0; i < ni; i++)
				add_ether(pl, &icmp[i]);
		pl->c.inner.tx(pl->c.inner.ctx, w, icmp, ni);
	}
	return n;
}

/* frames the stage produced go out on worker 0's TX queue of their outer
 * port: the stage needs no queue of its own (af_packet and others have
 * few) */
unsigned int
pl_worker_stage_tx(struct wgc_pipeline *pl)
{
	struct wgc_view v[BURST];
	struct rte_mbuf *m[BURST];
	unsigned int n, i, total = 0;
	uint16_t k;

	for (k = 0; k < pl->nb_ports; k++) {
		const struct wgc_pipeline_port *op = &pl->port[k];

		n = rte_ring_sc_dequeue_burst(pl->tx_ring[k], (void **)m,
			BURST, NULL);
		if (n == 0)
			continue;
		for (i = 0; i < n; i++)
			wgc_view_from_mbuf(&v[i], m[i], &pl->any_mbuf);
		op->outer.tx(op->outer.ctx, 0, v, (uint16_t)n);
		total += n;
	}
	return total;
}
