/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * A worker's outer side: a burst from the outer edge through lib/net,
 * WireGuard messages sorted by type (handshake messages to the stage's
 * ring), receiver index -> keypair, decrypt in place, roaming, the
 * allowed-IPs source check, and the inner packets out on the inner edge.
 */

#include "pl_private.h"

/* roaming: the endpoint (and its outer port) follows the last
 * authenticated packet */
static inline void
roam(struct worker *wk, struct wgc_peer *p, const struct wgc_endpoint *src,
		uint8_t port)
{
	if (wgc_peer_endpoint_differs(p, src, port)) {
		wgc_peer_endpoint_learn(p, src, port);
		wk->st.roamed++;
	}
}

/*
 * Consecutive authenticated packets under one keypair in a decapsulated
 * burst. Everything that is per peer rather than per packet runs once per
 * run, with the burst's single `now`: the timer hooks (each idempotent for
 * a given now, except that a second data packet sets need_another_keepalive,
 * so data_received runs twice when the run has two or more), the rekey
 * check, the peer's counters and at most one reschedule event. Roaming is
 * applied whenever the source differs from the previous packet's in the
 * run, which leaves the same endpoint and roam count as doing it per packet.
 */
struct rx_run {
	struct wgc_keypair *kp;
	struct wgc_peer *p;
	const struct wgc_endpoint *src;
	uint32_t data;
	uint64_t bytes;
};

static inline void
rx_run_flush(struct wgc_pipeline *pl, struct worker *wk, struct rx_run *r,
		uint64_t now)
{
	struct wgc_peer *p = r->p;
	bool resched;

	if (r->kp == NULL)
		return;
	resched = wgc_timers_any_authenticated_packet_received(&p->proto,
		now);
	resched |= wgc_timers_any_authenticated_packet_traversal(&p->proto,
		now);
	if (r->data > 0) {
		resched |= wgc_timers_data_received(&p->proto, now);
		if (r->data > 1)
			resched |= wgc_timers_data_received(&p->proto, now);
		wgc_peer_stats_add(p, r->data, r->bytes, 0, 0);
	}
	if (wgc_keypair_should_rekey_on_receive(r->kp, now))
		want_handshake(pl, wk, p);
	if (resched)
		post_event(pl, wk, p->id, EV_RESCHEDULE);
	r->kp = NULL;
}

/* a handshake message goes to the handshake lcore of its source; a full
 * ring drops it */
static inline void
rx_handshake(struct wgc_pipeline *pl, struct worker *wk, struct wgc_view *v,
		const struct wgc_endpoint *src, uint8_t port)
{
	struct rte_ring *r = pl->hs[pl_hs_pick(pl, src)].ring;
	struct hs_item it;

	wgc_view_claim(&it.v, v);
	it.src = *src;
	it.port = port;
	if (rte_ring_mp_enqueue_elem(r, &it, sizeof(it)) != 0) {
		wk->st.drop[WGC_PL_DROP_HANDSHAKE_FULL]++;
		wgc_view_release(&it.v);
	} else {
		wk->st.handshake_rx++;
	}
}

/*
 * Sort n WireGuard messages by type: transport messages are claimed into
 * dv (with their receiver index and source), handshake messages queued for
 * the stage, anything else dropped. Returns the transport messages.
 */
static inline uint16_t
rx_classify(struct wgc_pipeline *pl, struct worker *wk, struct wgc_view *v,
		const struct wgc_net_meta *meta, uint16_t n,
		struct wgc_view *dv, struct wgc_endpoint *dsrc,
		uint32_t *idx, uint8_t port)
{
	uint16_t i, nd = 0;

	for (i = 0; i < n; i++) {
		unsigned int type = wgc_msg_classify(v[i].data, v[i].len);

		if (type == WGC_MSG_TRANSPORT) {
			idx[nd] = wgc_msg_receiver_index(v[i].data, type);
			dsrc[nd] = meta[i].src;
			wgc_view_claim(&dv[nd++], &v[i]);
		} else if (type != 0) {
			rx_handshake(pl, wk, &v[i], &meta[i].src, port);
		} else {
			wk->st.drop[WGC_PL_DROP_BAD_TYPE]++;
			wgc_view_release(&v[i]);
		}
	}
	return nd;
}

/*
 * Receiver index -> keypair for n transport messages, one bulk lookup.
 * Messages with an unknown index are dropped and the others moved up.
 * Returns the messages left.
 */
static inline uint16_t
rx_lookup(struct wgc_pipeline *pl, struct worker *wk, struct wgc_view *dv,
		struct wgc_endpoint *dsrc, const uint32_t *idx,
		struct wgc_keypair **kps, uint16_t n)
{
	uint16_t i, k = 0;

	if (wgc_index_lookup_keypair_bulk(pl->index, idx, n, kps) == n)
		return n;
	for (i = 0; i < n; i++) {
		if (kps[i] == NULL) {
			wk->st.drop[WGC_PL_DROP_UNKNOWN_INDEX]++;
			wgc_view_release(&dv[i]);
			continue;
		}
		if (k != i) {
			kps[k] = kps[i];
			dsrc[k] = dsrc[i];
			wgc_view_claim(&dv[k], &dv[i]);
		}
		k++;
	}
	return k;
}

static inline unsigned int
decap_drop_reason(uint8_t status)
{
	switch (status) {
	case WGC_TRANSPORT_BAD_TAG:
		return WGC_PL_DROP_BAD_TAG;
	case WGC_TRANSPORT_REPLAY:
		return WGC_PL_DROP_REPLAY;
	case WGC_TRANSPORT_KEYPAIR_EXPIRED:
		return WGC_PL_DROP_KEYPAIR_EXPIRED;
	default:
		return WGC_PL_DROP_DECAP_OTHER;
	}
}

/*
 * The payload of an opened transport message (view at the message): a
 * keepalive is counted and released, a malformed one or an inner packet
 * whose source is not the run's peer's is dropped; an inner packet is
 * trimmed to its length, clamped, given an Ethernet header if the inner
 * edge wants one, and claimed into *out (returns true).
 */
static inline bool
rx_inner(struct wgc_pipeline *pl, struct worker *wk, struct rx_run *run,
		struct wgc_view *v, struct wgc_view *out)
{
	int32_t ilen = wgc_transport_inner_len(v->data, v->len);

	if (ilen == 0) {
		wk->st.keepalive_rx++;
		wgc_view_release(v);
		return false;
	}
	if (ilen < 0) {
		wk->st.drop[WGC_PL_DROP_INNER_MALFORMED]++;
		wgc_view_release(v);
		return false;
	}
	wgc_view_trim(v, v->len - (uint32_t)ilen);
	if (route_inner(pl->fast, v->data, v->len, false) != run->p) {
		wk->st.drop[WGC_PL_DROP_ALLOWED_IPS]++;
		wgc_view_release(v);
		return false;
	}
	run->data++;
	run->bytes += v->len;
	if ((pl->c.mss4 | pl->c.mss6) != 0 &&
			pl_mss_clamp(v->data, v->len, pl->c.mss4, pl->c.mss6))
		wk->st.mss_clamped++;
	wgc_view_claim(out, v);
	return true;
}

/*
 * One opened transport message under kp from src on outer port `port`:
 * the run follows the keypair, the endpoint follows the source, a
 * confirmed `next` keypair is told to the stage, and the payload goes to
 * rx_inner().
 */
static inline bool
rx_opened(struct wgc_pipeline *pl, struct worker *wk, struct rx_run *run,
		struct wgc_keypair *kp, const struct wgc_endpoint *src,
		bool confirmed, struct wgc_view *v, struct wgc_view *out,
		uint64_t now, uint8_t port)
{
	if (kp != run->kp) {
		rx_run_flush(pl, wk, run, now);
		run->kp = kp;
		run->p = wgc_peer_from_proto(kp->entry.peer);
		run->src = NULL;
		run->data = 0;
		run->bytes = 0;
	}
	if (run->src == NULL || !wgc_endpoint_equal(run->src, src)) {
		roam(wk, run->p, src, port);
		run->src = src;
	}
	if (confirmed)
		post_event(pl, wk, run->p->id, EV_CONFIRMED);
	return rx_inner(pl, wk, run, v, out);
}

uint16_t
pl_rx_transport(struct wgc_pipeline *pl, struct worker *wk,
		struct wgc_view *dv, struct wgc_endpoint *dsrc,
		const uint32_t *idx, uint16_t nd, uint64_t now,
		struct wgc_view *out, uint16_t port)
{
	struct wgc_keypair *kps[BURST];
	uint8_t status[BURST];
	bool confirmed[BURST];
	struct rx_run run = { .kp = NULL };
	uint16_t no = 0, i;

	nd = rx_lookup(pl, wk, dv, dsrc, idx, kps, nd);
	if (nd == 0)
		return 0;
	wgc_transport_decap_burst(wk->engine, dv, kps, nd, now, status, NULL,
		confirmed);
	for (i = 0; i < nd; i++) {
		if (status[i] != WGC_TRANSPORT_OK) {
			wk->st.drop[decap_drop_reason(status[i])]++;
			wgc_view_release(&dv[i]);
			continue;
		}
		wk->st.decap_ok++;
		if (rx_opened(pl, wk, &run, kps[i], &dsrc[i], confirmed[i],
				&dv[i], &out[no], now, (uint8_t)port))
			no++;
	}
	rx_run_flush(pl, wk, &run, now);
	return no;
}

unsigned int
pl_worker_outer(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		uint64_t now, uint16_t port)
{
	const struct wgc_pipeline_port *op = &pl->port[port];
	struct wgc_view v[BURST], dv[BURST], out[BURST];
	struct wgc_net_meta meta[BURST];
	struct wgc_endpoint dsrc[BURST];
	uint32_t idx[BURST];
	uint16_t n, nwg, nd, no;

	wgc_net_frag_poll(op->net);
	n = op->outer.rx(op->outer.ctx, w, v, BURST);
	if (n == 0)
		return 0;
	prefetch_burst(v, n);
	wk->st.outer_rx += n;
	nwg = wgc_net_rx(op->net, v, meta, n);
	wk->st.wg_rx += nwg;
	nd = rx_classify(pl, wk, v, meta, nwg, dv, dsrc, idx, (uint8_t)port);
	if (nd == 0)
		return n;
	if (pl->spread != NULL) {
		pl_spread_outer(pl, w, wk, dv, dsrc, idx, nd, n == BURST, now,
			port);
		return n;
	}
	no = pl_rx_transport(pl, wk, dv, dsrc, idx, nd, now, out, port);
	if (no > 0) {
		wk->st.inner_tx += no;
		pl->c.inner.tx(pl->c.inner.ctx, w, out, no);
	}
	return n;
}
