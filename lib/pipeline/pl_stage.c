/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The main lcore's loop: lib/net's slow path, the first handshake lcore's
 * messages when it is the main lcore (pl_handshake.c), and the timer
 * stage: worker events, the peers' timers from a timer wheel, initiations,
 * keepalives and staged packets, RCU reclamation, under the peer table's
 * mutex when it is free and each peer's lock. Everything it sends goes to
 * worker 0 through a ring.
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
pl_stage_tx(struct wgc_pipeline *pl, struct worker *wk, struct wgc_view *v,
		unsigned int n, uint16_t port)
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
		if (rte_ring_mp_enqueue(pl->tx_ring[port], m) != 0) {
			rte_pktmbuf_free(m);
			wk->st.drop[WGC_PL_DROP_STAGE_TX_FULL]++;
		} else {
			wk->st.outer_tx++;
		}
	}
}

void
pl_stage_send(struct wgc_pipeline *pl, struct worker *wk, struct wgc_view *v,
		const struct wgc_endpoint *dst, uint8_t port)
{
	uint16_t k = pl_out_port(pl, port, &dst->addr);

	if (wgc_net_encap(pl->port[k].net, v, dst, 1) == 1)
		pl_stage_tx(pl, wk, v, 1, k);
}

/* the peer's lock held */
static int
initiate_locked(struct wgc_pipeline *pl, struct wgc_peer *p, bool retry,
		uint64_t now)
{
	struct wgc_endpoint ep;
	struct wgc_view v;
	uint8_t *msg, port;
	int rc;

	port = wgc_peer_endpoint_get(p, &ep);
	if (ep.addr.family == 0)
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
	pl_stage_send(pl, &pl->stage, &v, &ep, port);
	return 0;
}

static int
send_initiation(struct wgc_pipeline *pl, struct wgc_peer *p, bool retry,
		uint64_t now)
{
	int rc;

	wgc_peer_proto_lock(&p->proto);
	rc = initiate_locked(pl, p, retry, now);
	wgc_peer_proto_unlock(&p->proto);
	return rc;
}

int
wgc_pipeline_initiate(struct wgc_pipeline *pl, struct wgc_peer *p)
{
	return send_initiation(pl, p, false, pl_now(pl));
}

void
pl_flush_staged(struct wgc_pipeline *pl, struct worker *wk, struct wgc_peer *p,
		uint64_t now, bool keepalive_if_empty)
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
		pl_seal_and_send(pl, 0, wk, ev, kps, peers,
			(uint16_t)n, now, false);
		sent += n;
	}
	if (sent == 0 && keepalive_if_empty &&
			wgc_view_alloc_bulk(pl->c.tx_recycler, ev, 1) == 1) {
		kps[0] = kp;
		peers[0] = p;
		pl_seal_and_send(pl, 0, wk, ev, kps, peers, 1,
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
stage_event_locked(struct wgc_pipeline *pl, struct wgc_peer *p,
		unsigned int ev, uint64_t now)
{
	switch (ev) {
	case EV_WANT_HANDSHAKE:
		if (wgc_keypair_current(&p->proto, now) != NULL &&
				wgc_peer_staged(p) != 0) {
			/* a handshake completed meanwhile */
			pl_flush_staged(pl, &pl->stage, p, now, false);
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
		pl_flush_staged(pl, &pl->stage, p, now, false);
		pl_sched(pl, &p->proto);
		break;
	case EV_RESCHEDULE:
		pl_sched(pl, &p->proto);
		break;
	}
}

static void
stage_event(struct wgc_pipeline *pl, uintptr_t e, uint64_t now)
{
	struct wgc_peer *p = wgc_peers_get(pl->fast, (uint32_t)(e >> 2));

	/* the peer may be gone (or its slot reused): events are hints */
	if (p == NULL)
		return;
	/* handshake lcores may be answering the same peer */
	wgc_peer_proto_lock(&p->proto);
	stage_event_locked(pl, p, (unsigned int)(e & 3), now);
	wgc_peer_proto_unlock(&p->proto);
}

/* the deadlines of p that have passed (its lock held) */
static void
peer_timers(struct wgc_pipeline *pl, struct wgc_peer *p, uint64_t now)
{
	uint64_t next;
	uint32_t a = wgc_timers_poll(&p->proto, now, &next);

	if (a & WGC_TIMER_ZERO_KEYS)
		wgc_peer_proto_clear(&p->proto);
	if (a & WGC_TIMER_GIVE_UP) {
		pl->stage.st.drop[WGC_PL_DROP_PARK_GAVE_UP] +=
			wgc_peer_staged(p);
		wgc_peer_stage_purge(pl->peers, p);
	}
	if (a & WGC_TIMER_SEND_INITIATION)
		initiate_locked(pl, p, (a & WGC_TIMER_RETRY) != 0, now);
	if (a & WGC_TIMER_SEND_KEEPALIVE) {
		if (wgc_keypair_current(&p->proto, now) != NULL)
			pl_flush_staged(pl, &pl->stage, p, now, true);
		else
			initiate_locked(pl, p, false, now);
	}
	pl_sched(pl, &p->proto);
}

static unsigned int
stage_timers(struct wgc_pipeline *pl, uint64_t now)
{
	struct wgc_peer_proto *pp[64];
	unsigned int n, i, total = 0;

	do {
		n = wgc_timer_wheel_expire(pl->wheel, now, pp, RTE_DIM(pp));
		for (i = 0; i < n; i++) {
			wgc_peer_proto_lock(pp[i]);
			peer_timers(pl, wgc_peer_from_proto(pp[i]), now);
			wgc_peer_proto_unlock(pp[i]);
		}
		total += n;
	} while (n == RTE_DIM(pp));
	return total;
}

/*
 * The first handshake lcore's share when it is the main lcore: inside the
 * RCU read side for this poll only, so that the rest of the main lcore's
 * work (writers' calls that may wait for a grace period) stays outside.
 * Without RCU (a table that nothing reads concurrently), under the
 * table's mutex.
 */
static unsigned int
main_handshakes(struct wgc_pipeline *pl)
{
	struct pl_hs *h = &pl->hs[0];
	unsigned int n;

	if (pl->c.qsbr == NULL) {
		wgc_peers_lock(pl->peers);
		n = pl_hs_poll(pl, h);
		wgc_peers_unlock(pl->peers);
		return n;
	}
	rte_rcu_qsbr_thread_online(pl->c.qsbr, h->rcu_id);
	n = pl_hs_poll(pl, h);
	rte_rcu_qsbr_thread_offline(pl->c.qsbr, h->rcu_id);
	return n;
}

unsigned int
wgc_pipeline_main_poll(struct wgc_pipeline *pl)
{
	struct wgc_view out[32];
	void *ev[64];
	uint64_t now = pl_now(pl);
	unsigned int n, i, work = 0;
	uint16_t k;

	/* each port's host stack: its slow path needs no peer state */
	for (k = 0; k < pl->nb_ports; k++) {
		n = wgc_net_slow_poll(pl->port[k].net, now / 1000000, out,
			RTE_DIM(out));
		if (n > 0)
			pl_stage_tx(pl, &pl->stage, out, n, k);
		work += n;
	}
	/* handshakes take no table-wide lock: a long control-plane write
	 * does not hold them up */
	if (!pl->hs_remote)
		work += main_handshakes(pl);

	/* initiations made here take ephemerals generated while idle */
	wgc_ephemeral_pool_bind(pl->eph);
	if (!wgc_peers_trylock(pl->peers)) {
		/* a writer holds the table: events and timers wait for the
		 * next poll */
		wgc_ephemeral_pool_bind(NULL);
		return work;
	}
	n = rte_ring_sc_dequeue_burst(pl->ev_ring, ev, RTE_DIM(ev), NULL);
	for (i = 0; i < n; i++)
		stage_event(pl, (uintptr_t)ev[i], now);
	work += n;
	work += stage_timers(pl, now);
	pl->stage.st.drop[WGC_PL_DROP_PARK_EXPIRED] +=
		wgc_peers_park_expire(pl->peers, now);
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

	wgc_peer_proto_lock(&p->proto);
	wgc_timers_persistent_keepalive_changed(&p->proto,
		p->persistent_keepalive, now);
	pl_sched(pl, &p->proto);
	wgc_peer_proto_unlock(&p->proto);
}

void
wgc_pipeline_peer_removed(struct wgc_pipeline *pl, struct wgc_peer *p)
{
	wgc_timer_wheel_schedule(pl->wheel, &p->proto, 0);
}
