/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Handshake lcores. Workers spread the handshake messages over one ring
 * per handshake lcore by a hash of their source address, so that each
 * lcore's rate limiter sees every message of the sources it serves. An
 * lcore answers its messages inside the workers' RCU read side, under no
 * table-wide lock: the MACs and the cookie check (a cookie reply under
 * load; the cookie secret is shared), then lib/proto consumes an
 * initiation (and a response goes back), a response (and staged packets,
 * or a keepalive, confirm the session) or a cookie reply, each under the
 * peer's own lock. The endpoint (and the outer port it came in on)
 * follows the authenticated message; the
 * peer's timers are rearmed under its lock and the timer stage is told to
 * reschedule it (the stage owns the timer wheel).
 */

#include <rte_cycles.h>
#include <rte_rcu_qsbr.h>

#include "pl_private.h"

/* handshake messages taken from a ring per poll */
#define HS_BURST 16

/* the initiator's static key, kept when no peer has it */
struct key_lookup {
	struct wgc_peers *peers;
	bool missed;
	uint8_t key[WGC_KEY_LEN];
};

static struct wgc_peer_proto *
lookup_by_key(void *ctx, const uint8_t key[WGC_KEY_LEN])
{
	struct key_lookup *kl = ctx;
	struct wgc_peer *p = wgc_peers_lookup(kl->peers, key);

	if (p == NULL) {
		kl->missed = true;
		memcpy(kl->key, key, WGC_KEY_LEN);
	}
	return p == NULL ? NULL : &p->proto;
}

/* MAC1, and under load MAC2 and the source's rate; a cookie reply when
 * MAC2 is missing. Returns true if the message is to be processed. */
static bool
hs_macs_ok(struct wgc_pipeline *pl, struct pl_hs *h, struct hs_item *it,
		const struct wgc_endpoint *src, uint64_t now, bool under_load)
{
	struct wgc_view *v = &it->v;
	uint8_t msg[WGC_MSG_INITIATION_LEN];
	uint32_t len = v->len;
	enum wgc_mac_verdict vd = wgc_cookie_validate(pl->id, h->rl, v->data,
		v->len, src, under_load, now);

	if (vd == WGC_MAC_ACCEPT)
		return true;
	if (vd == WGC_MAC_SEND_COOKIE) {
		memcpy(msg, v->data, len);
		wgc_view_trim(v, len);
		if (wgc_view_append(v, WGC_MSG_COOKIE_REPLY_LEN) != NULL &&
				wgc_cookie_create_reply(pl->id, v->data, msg,
					len, src, now) == 0) {
			h->wk.st.handshake_tx++;
			pl_stage_send(pl, &h->wk, v, &it->src, it->port);
		}
	}
	return false;
}

/* an initiation: consume it, answer with a response */
static void
hs_initiation(struct wgc_pipeline *pl, struct pl_hs *h, struct hs_item *it,
		uint64_t now)
{
	struct key_lookup kl = { .peers = pl->peers };
	struct wgc_peer_proto *pp = NULL;
	struct wgc_view *v = &it->v;
	struct wgc_peer *p;

	if (wgc_handshake_consume_initiation(pl->id, v->data, v->len,
			lookup_by_key, &kl, now, &pp) != 0) {
		if (kl.missed)
			pl_unknown_initiator(pl, kl.key, v, &it->src);
		return;
	}
	p = wgc_peer_from_proto(pp);
	wgc_peer_proto_lock(pp);
	if (pp->removed)
		goto unlock;
	wgc_peer_endpoint_learn(p, &it->src, it->port);
	wgc_view_trim(v, v->len);
	if (wgc_view_append(v, WGC_MSG_RESPONSE_LEN) == NULL ||
			wgc_handshake_create_response(pp, v->data, now) != 0)
		goto unlock;
	wgc_timers_session_derived(pp, now);
	/* an initiation is authenticated: it answers our own data */
	wgc_timers_any_authenticated_packet_received(pp, now);
	wgc_timers_any_authenticated_packet_sent(pp, now);
	wgc_timers_any_authenticated_packet_traversal(pp, now);
	wgc_peer_proto_unlock(pp);
	post_event(pl, &h->wk, p->id, EV_RESCHEDULE);
	h->wk.st.handshake_tx++;
	pl_stage_send(pl, &h->wk, v, &it->src, it->port);
	return;
unlock:
	wgc_peer_proto_unlock(pp);
}

/* a response to our initiation: the session is ours to confirm */
static void
hs_response(struct wgc_pipeline *pl, struct pl_hs *h, struct hs_item *it,
		uint64_t now)
{
	struct wgc_peer_proto *pp = NULL;
	struct wgc_view *v = &it->v;
	struct wgc_peer *p;

	if (wgc_handshake_consume_response(pl->id, pl->index, v->data, v->len,
			now, &pp) != 0)
		return;
	p = wgc_peer_from_proto(pp);
	wgc_peer_proto_lock(pp);
	if (pp->removed) {
		wgc_peer_proto_unlock(pp);
		return;
	}
	wgc_peer_endpoint_learn(p, &it->src, it->port);
	wgc_timers_session_derived(pp, now);
	wgc_timers_handshake_complete(pp, now);
	wgc_timers_any_authenticated_packet_received(pp, now);
	wgc_timers_any_authenticated_packet_traversal(pp, now);
	pl_handshake_done(pl, p, now);
	/* the initiator confirms the session with data or a keepalive */
	pl_flush_staged(pl, &h->wk, p, now, true);
	wgc_peer_proto_unlock(pp);
	post_event(pl, &h->wk, p->id, EV_RESCHEDULE);
}

/* one handshake message; its view is released */
static void
hs_message(struct wgc_pipeline *pl, struct pl_hs *h, struct hs_item *it,
		uint64_t now, bool under_load)
{
	struct wgc_peer_proto *pp;
	struct wgc_view *v = &it->v;
	unsigned int type = wgc_msg_classify(v->data, v->len);

	if ((type == WGC_MSG_INITIATION || type == WGC_MSG_RESPONSE) &&
			!hs_macs_ok(pl, h, it, &it->src, now, under_load)) {
		wgc_view_release(v);
		return;
	}
	switch (type) {
	case WGC_MSG_INITIATION:
		hs_initiation(pl, h, it, now);
		break;
	case WGC_MSG_RESPONSE:
		hs_response(pl, h, it, now);
		break;
	case WGC_MSG_COOKIE_REPLY:
		wgc_cookie_consume_reply(pl->id, pl->index, v->data, v->len,
			now, &pp);
		break;
	default:
		break;
	}
	wgc_view_release(v);
}

unsigned int
pl_hs_poll(struct wgc_pipeline *pl, struct pl_hs *h)
{
	struct hs_item it[HS_BURST];
	unsigned int n, i;
	bool under_load;
	uint64_t now;

	under_load = rte_ring_count(h->ring) >
		rte_ring_get_capacity(h->ring) / 8;
	n = rte_ring_sc_dequeue_burst_elem(h->ring, it, sizeof(it[0]),
		RTE_DIM(it), NULL);
	if (n == 0) {
		/* idle: an ephemeral ahead of need */
		wgc_ephemeral_pool_refill(h->eph, 1);
		return 0;
	}
	/* the time after the messages were taken, never before: a message
	 * is never older than the `now` it is judged by (flood limit) */
	now = pl_now(pl);
	/* handshakes made here take ephemerals generated while idle */
	wgc_ephemeral_pool_bind(h->eph);
	wgc_identity_keys_read_lock(pl->id);
	for (i = 0; i < n; i++)
		hs_message(pl, h, &it[i], now, under_load);
	wgc_identity_keys_read_unlock(pl->id);
	wgc_ephemeral_pool_bind(NULL);
	return n;
}

/* idle polls before a handshake lcore naps, and the nap: handshakes come
 * far apart, and the lcore may share a CPU with a worker */
#define HS_IDLE_POLLS 4096
#define HS_NAP_US 50

int
wgc_pipeline_handshake_main(void *arg)
{
	struct wgc_pipeline_launch *l = arg;
	struct wgc_pipeline *pl = l->pl;
	struct pl_hs *h = &pl->hs[l->worker];
	struct rte_rcu_qsbr *qsbr = pl->c.qsbr;
	unsigned int idle = 0;

	rte_rcu_qsbr_thread_online(qsbr, h->rcu_id);
	while (!pl->stop) {
		if (pl_hs_poll(pl, h) != 0)
			idle = 0;
		else if (++idle >= HS_IDLE_POLLS) {
			/* asleep, the lcore holds nothing: offline, so
			 * that no writer waits for it */
			rte_rcu_qsbr_thread_offline(qsbr, h->rcu_id);
			rte_delay_us_sleep(HS_NAP_US);
			rte_rcu_qsbr_thread_online(qsbr, h->rcu_id);
			idle = HS_IDLE_POLLS / 2;
		}
		__atomic_store_n(&h->wk.heartbeat, h->wk.heartbeat + 1,
			__ATOMIC_RELAXED);
		rte_rcu_qsbr_quiescent(qsbr, h->rcu_id);
	}
	rte_rcu_qsbr_thread_offline(qsbr, h->rcu_id);
	return 0;
}
