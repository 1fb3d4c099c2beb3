/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The handshake stage's loop (main lcore): handshake messages from the
 * workers' ring (pl_handshake.c), worker events, the peers' timers from a
 * timer wheel, initiations, keepalives and staged packets, lib/net's slow
 * path and RCU reclamation. Everything it sends goes to worker 0 through
 * a ring.
 */

#include <errno.h>

#include "pl_private.h"

void
pl_sched(struct wgc_pipeline *pl, struct wgc_peer_proto *pp)
{
	wgc_timer_wheel_schedule(pl->wheel, pp,
		wgc_timers_next_deadline(pp));
}

void
pl_stage_tx(struct wgc_pipeline *pl, struct wgc_view *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m;

		if (wgc_view_is_empty(&v[i]))
			continue;
		if (wgc_recycler_mempool(v[i].recycler) == NULL) {
			wgc_view_release(&v[i]);
			continue;
		}
		m = wgc_view_to_mbuf(&v[i]);
		if (rte_ring_mp_enqueue(pl->tx_ring, m) != 0) {
			rte_pktmbuf_free(m);
			pl->stage.st.drop[WGC_PL_DROP_STAGE_TX_FULL]++;
		} else {
			pl->stage.st.outer_tx++;
		}
	}
}

void
pl_stage_send(struct wgc_pipeline *pl, struct wgc_view *v,
		const struct wgc_net_endpoint *dst)
{
	if (wgc_net_encap(pl->c.net, v, dst, 1) == 1)
		pl_stage_tx(pl, v, 1);
}

static int
send_initiation(struct wgc_pipeline *pl, struct wgc_peer *p, bool retry,
		uint64_t now)
{
	struct wgc_net_endpoint dst;
	struct wgc_peer_endpoint ep;
	struct wgc_view v;
	uint8_t *msg;
	int rc;

	wgc_peer_endpoint_get(p, &ep);
	if (ep.family == 0)
		return -EDESTADDRREQ;
	if (!wgc_timers_initiation_allowed(&p->proto, retry, now))
		return -EALREADY;
	if (wgc_view_alloc_bulk(pl->c.tx_recycler, &v, 1) != 1)
		return -ENOBUFS;
	msg = wgc_view_append(&v, WGC_MSG_INITIATION_LEN);
	rc = msg == NULL ? -ENOBUFS : wgc_handshake_create_initiation(
		&p->proto, msg, now, pl->c.wall_clock());
	if (rc != 0) {
		wgc_view_release(&v);
		return rc;
	}
	wgc_timers_handshake_initiated(&p->proto, now);
	wgc_timers_any_authenticated_packet_sent(&p->proto, now);
	wgc_timers_any_authenticated_packet_traversal(&p->proto, now);
	pl_sched(pl, &p->proto);
	pl->stage.st.handshake_tx++;
	ep_to_net(&dst, &ep);
	pl_stage_send(pl, &v, &dst);
	return 0;
}

int
wgc_pipeline_initiate(struct wgc_pipeline *pl, struct wgc_peer *p)
{
	return send_initiation(pl, p, false, pl_now(pl));
}

void
pl_flush_staged(struct wgc_pipeline *pl, struct wgc_peer *p, uint64_t now,
		bool keepalive_if_empty)
{
	struct wgc_keypair *kps[BURST];
	struct wgc_peer *peers[BURST];
	struct wgc_view ev[BURST];
	struct rte_mbuf *m[BURST];
	struct wgc_keypair *kp = wgc_keypair_current(&p->proto, now);
	unsigned int n, i, sent = 0;

	if (kp == NULL)
		return;
	while ((n = wgc_peer_unstage(pl->peers, p, m, BURST)) != 0) {
		for (i = 0; i < n; i++) {
			wgc_view_from_mbuf(&ev[i], m[i], &pl->any_mbuf);
			kps[i] = kp;
			peers[i] = p;
		}
		pl_seal_and_send(pl, 0, &pl->stage, ev, kps, peers,
			(uint16_t)n, now, false);
		sent += n;
	}
	if (sent == 0 && keepalive_if_empty &&
			wgc_view_alloc_bulk(pl->c.tx_recycler, ev, 1) == 1) {
		kps[0] = kp;
		peers[0] = p;
		pl_seal_and_send(pl, 0, &pl->stage, ev, kps, peers, 1,
			now, true);
	}
}

void
pl_handshake_done(struct wgc_pipeline *pl, struct wgc_peer *p, uint64_t now)
{
	p->last_handshake_wall_ns = pl->c.wall_clock();
	__atomic_store_n(&p->handshake_wanted, 0, __ATOMIC_RELAXED);
}

static void
stage_event(struct wgc_pipeline *pl, uintptr_t e, uint64_t now)
{
	struct wgc_peer *p = wgc_peers_get(pl->fast, (uint32_t)(e >> 2));

	/* the peer may be gone (or its slot reused): events are hints */
	if (p == NULL)
		return;
	switch (e & 3) {
	case EV_WANT_HANDSHAKE:
		if (wgc_keypair_current(&p->proto, now) != NULL &&
				wgc_peer_staged(p) != 0) {
			/* a handshake completed meanwhile */
			pl_flush_staged(pl, p, now, false);
			__atomic_store_n(&p->handshake_wanted, 0,
				__ATOMIC_RELAXED);
			break;
		}
		send_initiation(pl, p, false, now);
		/* allow the next request once this one is on its way; the
		 * timers retransmit until the handshake completes */
		__atomic_store_n(&p->handshake_wanted, 0, __ATOMIC_RELAXED);
		break;
	case EV_CONFIRMED:
		wgc_timers_handshake_complete(&p->proto, now);
		pl_handshake_done(pl, p, now);
		pl_flush_staged(pl, p, now, false);
		pl_sched(pl, &p->proto);
		break;
	case EV_RESCHEDULE:
		pl_sched(pl, &p->proto);
		break;
	}
}

static unsigned int
stage_timers(struct wgc_pipeline *pl, uint64_t now)
{
	struct wgc_peer_proto *pp[64];
	unsigned int n, i, total = 0;

	do {
		n = wgc_timer_wheel_expire(pl->wheel, now, pp, RTE_DIM(pp));
		for (i = 0; i < n; i++) {
			struct wgc_peer *p = wgc_peer_from_proto(pp[i]);
			uint64_t next;
			uint32_t a = wgc_timers_poll(pp[i], now, &next);

			if (a & WGC_TIMER_ZERO_KEYS)
				wgc_peer_proto_clear(pp[i]);
			if (a & WGC_TIMER_GIVE_UP) {
				pl->stage.st.drop[WGC_PL_DROP_PARK_GAVE_UP] +=
					wgc_peer_staged(p);
				wgc_peer_stage_purge(pl->peers, p);
			}
			if (a & WGC_TIMER_SEND_INITIATION)
				send_initiation(pl, p,
					(a & WGC_TIMER_RETRY) != 0, now);
			if (a & WGC_TIMER_SEND_KEEPALIVE) {
				if (wgc_keypair_current(pp[i], now) != NULL)
					pl_flush_staged(pl, p, now, true);
				else
					send_initiation(pl, p, false, now);
			}
			pl_sched(pl, pp[i]);
		}
		total += n;
	} while (n == RTE_DIM(pp));
	return total;
}

/*
 * Writers are asked to call wgc_peers_peer_changed() after changing a
 * peer; as a safety net the stage also walks the table, a slice per poll,
 * and applies a persistent keepalive whose value the timers have not seen
 * yet (O(slice) per poll, the whole table every few thousand polls).
 */
#define RECONCILE_SLICE 256

static void
stage_reconcile(struct wgc_pipeline *pl)
{
	const struct wgc_peers_fast *f = wgc_peers_fast(pl->peers);
	struct wgc_peer *p;
	unsigned int k;

	/* a slice of slots, not of peers: wgc_peers_next() would scan a
	 * sparse table's empty slots to its end on every poll (a million
	 * slots per poll while a large table fills, with the lock held) */
	for (k = 0; k < RECONCILE_SLICE; k++) {
		if (pl->scan_pos >= f->max_peers)
			pl->scan_pos = 0;
		p = wgc_peers_get(f, pl->scan_pos++);
		if (p != NULL && p->persistent_keepalive !=
				p->proto.timers.persistent_keepalive_interval)
			wgc_pipeline_peer_changed(pl, p);
	}
}

unsigned int
wgc_pipeline_main_poll(struct wgc_pipeline *pl)
{
	struct hs_item it[16];
	struct wgc_view out[32];
	void *ev[64];
	uint64_t now = pl_now(pl);
	unsigned int n, i, work = 0;
	bool under_load;

	/* handshakes made here take ephemerals generated while idle */
	wgc_ephemeral_pool_bind(pl->eph);
	/* the host stack's slow path needs no peer state */
	n = wgc_net_slow_poll(pl->c.net, now / 1000000, out, RTE_DIM(out));
	if (n > 0)
		pl_stage_tx(pl, out, n);
	work += n;

	wgc_peers_lock(pl->peers);
	under_load = rte_ring_count(pl->hs_ring) >
		rte_ring_get_capacity(pl->hs_ring) / 8;
	n = rte_ring_sc_dequeue_burst_elem(pl->hs_ring, it, sizeof(it[0]),
		RTE_DIM(it), NULL);
	for (i = 0; i < n; i++)
		pl_stage_handshake(pl, &it[i], now, under_load);
	work += n;
	n = rte_ring_sc_dequeue_burst(pl->ev_ring, ev, RTE_DIM(ev), NULL);
	for (i = 0; i < n; i++)
		stage_event(pl, (uintptr_t)ev[i], now);
	work += n;
	work += stage_timers(pl, now);
	pl->stage.st.drop[WGC_PL_DROP_PARK_EXPIRED] +=
		wgc_peers_park_expire(pl->peers, now);
	stage_reconcile(pl);
	if (now - pl->last_reclaim > RECLAIM_INTERVAL_NS) {
		pl->last_reclaim = now;
		wgc_peers_reclaim(pl->peers);
	}
	wgc_peers_unlock(pl->peers);
	if (work == 0)
		wgc_ephemeral_pool_refill(pl->eph, 1);
	wgc_ephemeral_pool_bind(NULL);
	return work;
}

void
wgc_pipeline_peer_changed(struct wgc_pipeline *pl, struct wgc_peer *p)
{
	uint64_t now = pl_now(pl);

	wgc_timers_persistent_keepalive_changed(&p->proto,
		p->persistent_keepalive, now);
	pl_sched(pl, &p->proto);
}

void
pl_on_peer_change(void *ctx, struct wgc_peer *p)
{
	wgc_pipeline_peer_changed(ctx, p);
}

void
pl_on_peer_remove(void *ctx, struct wgc_peer *p)
{
	struct wgc_pipeline *pl = ctx;

	wgc_timer_wheel_schedule(pl->wheel, &p->proto, 0);
}
