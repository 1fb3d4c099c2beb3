/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "wgc_pipeline.h"

RTE_LOG_REGISTER(wgc_logtype_pipeline, wgc.pipeline, INFO);
#define PL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_pipeline, "pipeline: " fmt "\n", \
		##__VA_ARGS__)

#define BURST WGC_PIPELINE_BURST
#define EVENT_RING_SIZE 16384
#define RECLAIM_INTERVAL_NS (10 * 1000 * 1000ull)

/* worker -> stage events, carried as (peer id << 2) | event */
enum {
	EV_WANT_HANDSHAKE = 1,   /* no keypair, or rekey due */
	EV_CONFIRMED = 2,        /* a packet confirmed the `next` keypair */
	EV_RESCHEDULE = 3,       /* a timer hook armed an earlier deadline */
};

/* a handshake message on its way to the stage */
struct hs_item {
	struct wgc_view v;
	struct wgc_net_endpoint src;
};

struct worker {
	struct wgc_pipeline_stats st;       /* first: own cache lines */
	struct wgc_aead_engine *engine;
	bool online;
} __rte_cache_aligned;

struct wgc_pipeline {
	struct wgc_pipeline_conf c;
	char name[24];
	struct wgc_peers *peers;
	const struct wgc_peers_fast *fast;
	struct wgc_identity *id;
	struct wgc_index_table *index;
	struct rte_ring *hs_ring;
	struct rte_ring *ev_ring;
	struct rte_ring *tx_ring;           /* stage -> worker 0 -> outer */
	struct wgc_timer_wheel *wheel;
	struct wgc_ratelimiter *rl;
	struct wgc_ephemeral_pool *eph;     /* the stage's ephemeral keys */
	struct wgc_recycler any_mbuf;       /* frees mbufs of any pool */
	uint64_t last_reclaim;
	uint32_t scan_pos;                  /* reconciliation cursor */
	volatile bool stop;
	uint16_t nb_workers;
	struct worker stage;                /* the stage's counters + engine */
	struct worker w[WGC_PIPELINE_WORKERS_MAX];
};

static const char * const drop_names[WGC_PL_DROP__MAX] = {
	[WGC_PL_DROP_BAD_TYPE] = "bad_type",
	[WGC_PL_DROP_UNKNOWN_INDEX] = "unknown_index",
	[WGC_PL_DROP_BAD_TAG] = "bad_tag",
	[WGC_PL_DROP_REPLAY] = "replay",
	[WGC_PL_DROP_KEYPAIR_EXPIRED] = "keypair_expired",
	[WGC_PL_DROP_DECAP_OTHER] = "decap_other",
	[WGC_PL_DROP_INNER_MALFORMED] = "inner_malformed",
	[WGC_PL_DROP_ALLOWED_IPS] = "allowed_ips",
	[WGC_PL_DROP_HANDSHAKE_FULL] = "handshake_ring_full",
	[WGC_PL_DROP_NO_PEER] = "no_peer",
	[WGC_PL_DROP_NO_ENDPOINT] = "no_endpoint",
	[WGC_PL_DROP_ENCAP] = "encap",
	[WGC_PL_DROP_STAGED_OVERFLOW] = "staged_overflow",
	[WGC_PL_DROP_INNER_NOT_IP] = "inner_not_ip",
	[WGC_PL_DROP_EVENT_FULL] = "event_ring_full",
	[WGC_PL_DROP_PARK_EXPIRED] = "park_expired",
	[WGC_PL_DROP_PARK_GAVE_UP] = "park_gave_up",
	[WGC_PL_DROP_STAGE_TX_FULL] = "stage_tx_full",
};

const char *
wgc_pipeline_drop_name(unsigned int reason)
{
	return reason < WGC_PL_DROP__MAX ? drop_names[reason] : "?";
}

/* ---- endpoint conversions ---- */

static void
ep_from_net(struct wgc_peer_endpoint *ep, const struct wgc_net_endpoint *n)
{
	memset(ep, 0, sizeof(*ep));
	if (n->addr.family == AF_INET) {
		ep->family = 4;
		memcpy(ep->addr, &n->addr.ip4, 4);
	} else {
		ep->family = 6;
		memcpy(ep->addr, n->addr.ip6, 16);
	}
	ep->port = rte_be_to_cpu_16(n->port);
}

static void
ep_to_net(struct wgc_net_endpoint *n, const struct wgc_peer_endpoint *ep)
{
	memset(n, 0, sizeof(*n));
	if (ep->family == 4) {
		n->addr.family = AF_INET;
		memcpy(&n->addr.ip4, ep->addr, 4);
	} else {
		n->addr.family = AF_INET6;
		memcpy(n->addr.ip6, ep->addr, 16);
	}
	n->port = rte_cpu_to_be_16(ep->port);
}

static void
proto_addr_from_net(struct wgc_proto_addr *a, const struct wgc_net_endpoint *n)
{
	memset(a, 0, sizeof(*a));
	if (n->addr.family == AF_INET) {
		a->family = 4;
		memcpy(a->addr, &n->addr.ip4, 4);
	} else {
		a->family = 6;
		memcpy(a->addr, n->addr.ip6, 16);
	}
	a->port = rte_be_to_cpu_16(n->port);
}

/* ---- small helpers ---- */

static inline uint64_t
pl_now(const struct wgc_pipeline *pl)
{
	return pl->c.clock();
}

static inline bool
post_event(struct wgc_pipeline *pl, struct worker *wk, uint32_t id,
		unsigned int ev)
{
	void *e = (void *)(uintptr_t)(((uint64_t)id << 2) | ev);

	if (rte_ring_mp_enqueue(pl->ev_ring, e) == 0)
		return true;
	wk->st.drop[WGC_PL_DROP_EVENT_FULL]++;
	return false;
}

/* the flag stands for an event in the ring: a lost event clears it, so
 * that the next packet asks again */
static inline void
want_handshake(struct wgc_pipeline *pl, struct worker *wk, struct wgc_peer *p)
{
	if (__atomic_exchange_n(&p->handshake_wanted, 1, __ATOMIC_RELAXED) == 0 &&
			!post_event(pl, wk, p->id, EV_WANT_HANDSHAKE))
		__atomic_store_n(&p->handshake_wanted, 0, __ATOMIC_RELAXED);
}

/* the source (or destination) of an inner packet routes to this peer? */
static inline struct wgc_peer *
route_inner(const struct wgc_peers_fast *f, const uint8_t *ip, uint32_t len,
		bool dst)
{
	uint32_t a;

	if (len >= 20 && (ip[0] >> 4) == 4) {
		memcpy(&a, ip + (dst ? 16 : 12), 4);
		return wgc_peers_route4(f, a);
	}
	if (len >= 40 && (ip[0] >> 4) == 6)
		return wgc_peers_route6(f, ip + (dst ? 24 : 8));
	return NULL;
}

static void
add_ether(struct wgc_pipeline *pl, struct wgc_view *v)
{
	struct rte_ether_hdr *eh;
	uint16_t type = (v->data[0] >> 4) == 6 ? RTE_ETHER_TYPE_IPV6 :
		RTE_ETHER_TYPE_IPV4;

	eh = (struct rte_ether_hdr *)wgc_view_prepend(v, sizeof(*eh));
	if (eh == NULL)
		return;
	eh->dst_addr = pl->c.inner_peer_mac;
	eh->src_addr = pl->c.inner_mac;
	eh->ether_type = rte_cpu_to_be_16(type);
}

/*
 * Put the headers of a received burst in flight before touching them, so
 * that the first misses of 32 packets overlap. (Prefetching whole packets
 * into L2 as well measured no better: the hardware prefetcher follows the
 * checksum and AEAD loops.)
 */
static inline void
prefetch_burst(const struct wgc_view *v, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		rte_prefetch0(v[i].data);
}

/* ---- worker: outer side ---- */

static inline bool
net_ep_eq(const struct wgc_net_endpoint *a, const struct wgc_net_endpoint *b)
{
	if (a->port != b->port || a->addr.family != b->addr.family)
		return false;
	if (a->addr.family == AF_INET)
		return a->addr.ip4 == b->addr.ip4;
	return memcmp(a->addr.ip6, b->addr.ip6, 16) == 0;
}

/* roaming: the endpoint follows the last authenticated packet */
static inline void
roam(struct worker *wk, struct wgc_peer *p, const struct wgc_net_endpoint *src)
{
	struct wgc_peer_endpoint ep;

	ep_from_net(&ep, src);
	if (wgc_peer_endpoint_differs(p, &ep)) {
		wgc_peer_endpoint_set(p, &ep);
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
	const struct wgc_net_endpoint *src;
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

static unsigned int
worker_outer(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		uint64_t now)
{
	struct wgc_view v[BURST], dv[BURST], out[BURST];
	struct wgc_net_meta meta[BURST];
	struct wgc_net_endpoint dsrc[BURST];
	struct wgc_keypair *kps[BURST];
	uint32_t idx[BURST];
	uint8_t status[BURST];
	bool confirmed[BURST];
	struct rx_run run = { .kp = NULL };
	uint16_t n, nwg, nd = 0, no = 0, i;

	n = pl->c.outer.rx(pl->c.outer.ctx, w, v, BURST);
	if (n == 0)
		return 0;
	prefetch_burst(v, n);
	wk->st.outer_rx += n;
	nwg = wgc_net_rx(pl->c.net, v, meta, n);
	wk->st.wg_rx += nwg;
	for (i = 0; i < nwg; i++) {
		unsigned int type = wgc_msg_classify(v[i].data, v[i].len);

		if (type == WGC_MSG_TRANSPORT) {
			idx[nd] = wgc_msg_receiver_index(v[i].data, type);
			dsrc[nd] = meta[i].src;
			wgc_view_claim(&dv[nd++], &v[i]);
		} else if (type != 0) {
			struct hs_item it;

			wgc_view_claim(&it.v, &v[i]);
			it.src = meta[i].src;
			if (rte_ring_mp_enqueue_elem(pl->hs_ring, &it,
					sizeof(it)) != 0) {
				wk->st.drop[WGC_PL_DROP_HANDSHAKE_FULL]++;
				wgc_view_release(&it.v);
			} else {
				wk->st.handshake_rx++;
			}
		} else {
			wk->st.drop[WGC_PL_DROP_BAD_TYPE]++;
			wgc_view_release(&v[i]);
		}
	}
	if (nd == 0)
		return n;
	/* receiver index -> keypair, one bulk lookup */
	if (wgc_index_lookup_keypair_bulk(pl->index, idx, nd, kps) != nd) {
		uint16_t k = 0;

		for (i = 0; i < nd; i++) {
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
		nd = k;
		if (nd == 0)
			return n;
	}

	wgc_transport_decap_burst(wk->engine, dv, kps, nd, now, status, NULL,
		confirmed);
	for (i = 0; i < nd; i++) {
		struct wgc_peer *p;
		int32_t ilen;

		if (status[i] != WGC_TRANSPORT_OK) {
			unsigned int r;

			switch (status[i]) {
			case WGC_TRANSPORT_BAD_TAG:
				r = WGC_PL_DROP_BAD_TAG;
				break;
			case WGC_TRANSPORT_REPLAY:
				r = WGC_PL_DROP_REPLAY;
				break;
			case WGC_TRANSPORT_KEYPAIR_EXPIRED:
				r = WGC_PL_DROP_KEYPAIR_EXPIRED;
				break;
			default:
				r = WGC_PL_DROP_DECAP_OTHER;
				break;
			}
			wk->st.drop[r]++;
			wgc_view_release(&dv[i]);
			continue;
		}
		wk->st.decap_ok++;
		if (kps[i] != run.kp) {
			rx_run_flush(pl, wk, &run, now);
			run.kp = kps[i];
			run.p = wgc_peer_from_proto(kps[i]->entry.peer);
			run.src = NULL;
			run.data = 0;
			run.bytes = 0;
		}
		p = run.p;
		if (run.src == NULL || !net_ep_eq(run.src, &dsrc[i])) {
			roam(wk, p, &dsrc[i]);
			run.src = &dsrc[i];
		}
		if (confirmed[i])
			post_event(pl, wk, p->id, EV_CONFIRMED);
		ilen = wgc_transport_inner_len(dv[i].data, dv[i].len);
		if (ilen == 0) {
			wk->st.keepalive_rx++;
			wgc_view_release(&dv[i]);
		} else if (ilen < 0) {
			wk->st.drop[WGC_PL_DROP_INNER_MALFORMED]++;
			wgc_view_release(&dv[i]);
		} else {
			wgc_view_trim(&dv[i], dv[i].len - (uint32_t)ilen);
			if (route_inner(pl->fast, dv[i].data, dv[i].len,
					false) != p) {
				wk->st.drop[WGC_PL_DROP_ALLOWED_IPS]++;
				wgc_view_release(&dv[i]);
			} else {
				run.data++;
				run.bytes += dv[i].len;
				if (pl->c.inner_l2)
					add_ether(pl, &dv[i]);
				wgc_view_claim(&out[no++], &dv[i]);
			}
		}
	}
	rx_run_flush(pl, wk, &run, now);
	if (no > 0) {
		wk->st.inner_tx += no;
		pl->c.inner.tx(pl->c.inner.ctx, w, out, no);
	}
	return n;
}

/* ---- sealing and sending (workers and the stage) ---- */

static void stage_tx(struct wgc_pipeline *pl, struct wgc_view *v,
		unsigned int n);

/*
 * Consecutive sealed packets under one keypair: the endpoint is read once
 * per run, and the timer hooks (idempotent for the burst's single `now`),
 * the peer's counters, the rekey check and at most one reschedule event run
 * once per run.
 */
struct tx_run {
	struct wgc_keypair *kp;
	struct wgc_peer *p;
	struct wgc_net_endpoint dst;
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

/*
 * Seal views for peers (kps given), add outer headers, send on queue q.
 * Views whose peer has no endpoint are dropped.
 */
static void
seal_and_send(struct wgc_pipeline *pl, uint16_t q, struct worker *wk,
		struct wgc_view *ev, struct wgc_keypair **kps,
		struct wgc_peer **peers, uint16_t n, uint64_t now,
		bool keepalive)
{
	struct wgc_net_endpoint dst[BURST];
	uint32_t len[BURST];
	uint8_t status[BURST];
	struct tx_run run = { .kp = NULL };
	uint16_t i, k = 0, ready;

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
			struct wgc_peer_endpoint ep;

			tx_run_flush(pl, wk, &run, now, keepalive);
			run.kp = kps[i];
			run.p = p;
			run.sent = 0;
			run.bytes = 0;
			wgc_peer_endpoint_get(p, &ep);
			run.has_ep = ep.family != 0;
			if (run.has_ep)
				ep_to_net(&run.dst, &ep);
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
		if (k != i)
			wgc_view_claim(&ev[k], &ev[i]);
		k++;
	}
	tx_run_flush(pl, wk, &run, now, keepalive);
	if (k == 0)
		return;
	ready = wgc_net_encap(pl->c.net, ev, dst, k);
	if (ready == 0)
		return;
	if (wk == &pl->stage) {
		stage_tx(pl, ev, ready);
	} else {
		wk->st.outer_tx += ready;
		pl->c.outer.tx(pl->c.outer.ctx, q, ev, ready);
	}
}

/* ---- worker: inner side ---- */

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
	struct wgc_peer_endpoint ep;

	wgc_peer_endpoint_get(p, &ep);
	if (ep.family == 0) {
		wk->st.drop[WGC_PL_DROP_NO_ENDPOINT]++;
		wgc_view_release(v);
		return;
	}
	wk->st.staged++;
	wk->st.drop[WGC_PL_DROP_STAGED_OVERFLOW] +=
		wgc_peer_stage(pl->peers, p, v, now);
	want_handshake(pl, wk, p);
}

static unsigned int
worker_inner(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		uint64_t now)
{
	struct wgc_view v[BURST], ev[BURST];
	struct wgc_keypair *kps[BURST];
	struct wgc_peer *peers[BURST];
	uint16_t n, i, ne = 0;

	n = pl->c.inner.rx(pl->c.inner.ctx, w, v, BURST);
	if (n == 0)
		return 0;
	prefetch_burst(v, n);
	wk->st.inner_rx += n;
	for (i = 0; i < n; i++) {
		struct wgc_keypair *kp;
		struct wgc_peer *p;

		if (pl->c.inner_l2) {
			const struct rte_ether_hdr *eh =
				(const void *)v[i].data;

			if (v[i].len < sizeof(*eh) ||
					(eh->ether_type != rte_cpu_to_be_16(
						RTE_ETHER_TYPE_IPV4) &&
					eh->ether_type != rte_cpu_to_be_16(
						RTE_ETHER_TYPE_IPV6))) {
				wk->st.drop[WGC_PL_DROP_INNER_NOT_IP]++;
				wgc_view_release(&v[i]);
				continue;
			}
			/* learn the inner router's MAC (racy 6-byte copy; all
			 * writers write the same address in practice) */
			if (rte_is_unicast_ether_addr(&eh->src_addr) &&
					!rte_is_same_ether_addr(&eh->src_addr,
						&pl->c.inner_peer_mac))
				pl->c.inner_peer_mac = eh->src_addr;
			wgc_view_adj(&v[i], sizeof(*eh));
		}
		p = route_inner(pl->fast, v[i].data, v[i].len, true);
		if (p == NULL) {
			wk->st.drop[WGC_PL_DROP_NO_PEER]++;
			wgc_view_release(&v[i]);
			continue;
		}
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
	return n;
}

/* frames the stage produced go out on worker 0's TX queue: the stage
 * needs no queue of its own (af_packet and others have few) */
static unsigned int
worker_stage_tx(struct wgc_pipeline *pl)
{
	struct wgc_view v[BURST];
	struct rte_mbuf *m[BURST];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(pl->tx_ring, (void **)m, BURST, NULL);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		wgc_view_from_mbuf(&v[i], m[i], &pl->any_mbuf);
	pl->c.outer.tx(pl->c.outer.ctx, 0, v, (uint16_t)n);
	return n;
}

unsigned int
wgc_pipeline_worker_poll(struct wgc_pipeline *pl, uint16_t w)
{
	struct worker *wk = &pl->w[w];
	uint64_t now = pl_now(pl);
	unsigned int done;

	done = worker_outer(pl, w, wk, now);
	done += worker_inner(pl, w, wk, now);
	if (w == 0)
		done += worker_stage_tx(pl);
	if (wk->online)
		rte_rcu_qsbr_quiescent(pl->c.qsbr, w);
	return done;
}

int
wgc_pipeline_worker_main(void *arg)
{
	struct wgc_pipeline_launch *l = arg;
	struct wgc_pipeline *pl = l->pl;
	struct worker *wk = &pl->w[l->worker];

	if (pl->c.qsbr != NULL) {
		rte_rcu_qsbr_thread_online(pl->c.qsbr, l->worker);
		wk->online = true;
	}
	PL_LOG(INFO, "worker %u on lcore %u", l->worker, rte_lcore_id());
	while (!pl->stop)
		wgc_pipeline_worker_poll(pl, l->worker);
	if (wk->online) {
		wk->online = false;
		rte_rcu_qsbr_thread_offline(pl->c.qsbr, l->worker);
	}
	return 0;
}

void
wgc_pipeline_stop(struct wgc_pipeline *pl)
{
	pl->stop = true;
}

/* ---- the handshake stage ---- */

static void
sched(struct wgc_pipeline *pl, struct wgc_peer_proto *pp)
{
	wgc_timer_wheel_schedule(pl->wheel, pp,
		wgc_timers_next_deadline(pp));
}

/* hand frames to worker 0 for transmission; views are empty afterwards */
static void
stage_tx(struct wgc_pipeline *pl, struct wgc_view *v, unsigned int n)
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

static void
stage_send(struct wgc_pipeline *pl, struct wgc_view *v,
		const struct wgc_net_endpoint *dst)
{
	if (wgc_net_encap(pl->c.net, v, dst, 1) == 1)
		stage_tx(pl, v, 1);
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
	sched(pl, &p->proto);
	pl->stage.st.handshake_tx++;
	ep_to_net(&dst, &ep);
	stage_send(pl, &v, &dst);
	return 0;
}

int
wgc_pipeline_initiate(struct wgc_pipeline *pl, struct wgc_peer *p)
{
	return send_initiation(pl, p, false, pl_now(pl));
}

/* send what was staged for p, or a keepalive if nothing was and asked */
static void
flush_staged(struct wgc_pipeline *pl, struct wgc_peer *p, uint64_t now,
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
		seal_and_send(pl, 0, &pl->stage, ev, kps, peers,
			(uint16_t)n, now, false);
		sent += n;
	}
	if (sent == 0 && keepalive_if_empty &&
			wgc_view_alloc_bulk(pl->c.tx_recycler, ev, 1) == 1) {
		kps[0] = kp;
		peers[0] = p;
		seal_and_send(pl, 0, &pl->stage, ev, kps, peers, 1,
			now, true);
	}
}

static struct wgc_peer_proto *
lookup_by_key(void *ctx, const uint8_t key[WGC_KEY_LEN])
{
	struct wgc_peer *p = wgc_peers_lookup(ctx, key);

	return p == NULL ? NULL : &p->proto;
}

static void
handshake_done(struct wgc_pipeline *pl, struct wgc_peer *p, uint64_t now)
{
	p->last_handshake_wall_ns = pl->c.wall_clock();
	__atomic_store_n(&p->handshake_wanted, 0, __ATOMIC_RELAXED);
}

static void
stage_handshake(struct wgc_pipeline *pl, struct hs_item *it, uint64_t now,
		bool under_load)
{
	struct wgc_proto_addr src;
	struct wgc_peer_proto *pp = NULL;
	struct wgc_view *v = &it->v;
	struct wgc_peer_endpoint ep;
	struct wgc_peer *p;
	unsigned int type = wgc_msg_classify(v->data, v->len);
	int rc;

	proto_addr_from_net(&src, &it->src);
	if (type == WGC_MSG_INITIATION || type == WGC_MSG_RESPONSE) {
		enum wgc_mac_verdict vd = wgc_cookie_validate(pl->id, pl->rl,
			v->data, v->len, &src, under_load, now);

		if (vd == WGC_MAC_SEND_COOKIE) {
			uint8_t msg[WGC_MSG_INITIATION_LEN];
			uint32_t len = v->len;

			memcpy(msg, v->data, len);
			wgc_view_trim(v, len);
			if (wgc_view_append(v, WGC_MSG_COOKIE_REPLY_LEN) !=
					NULL &&
					wgc_cookie_create_reply(pl->id,
						v->data, msg, len, &src,
						now) == 0) {
				pl->stage.st.handshake_tx++;
				stage_send(pl, v, &it->src);
			}
			wgc_view_release(v);
			return;
		}
		if (vd != WGC_MAC_ACCEPT) {
			wgc_view_release(v);
			return;
		}
	}
	switch (type) {
	case WGC_MSG_INITIATION:
		rc = wgc_handshake_consume_initiation(pl->id, v->data, v->len,
			lookup_by_key, pl->peers, now, &pp);
		if (rc != 0)
			break;
		p = wgc_peer_from_proto(pp);
		ep_from_net(&ep, &it->src);
		wgc_peer_endpoint_set(p, &ep);
		wgc_view_trim(v, v->len);
		if (wgc_view_append(v, WGC_MSG_RESPONSE_LEN) == NULL ||
				wgc_handshake_create_response(pp, v->data,
					now) != 0)
			break;
		wgc_timers_session_derived(pp, now);
		/* an initiation is authenticated: it answers our own data */
		wgc_timers_any_authenticated_packet_received(pp, now);
		wgc_timers_any_authenticated_packet_sent(pp, now);
		wgc_timers_any_authenticated_packet_traversal(pp, now);
		sched(pl, pp);
		pl->stage.st.handshake_tx++;
		stage_send(pl, v, &it->src);
		break;
	case WGC_MSG_RESPONSE:
		rc = wgc_handshake_consume_response(pl->id, pl->index, v->data,
			v->len, now, &pp);
		if (rc != 0)
			break;
		p = wgc_peer_from_proto(pp);
		ep_from_net(&ep, &it->src);
		wgc_peer_endpoint_set(p, &ep);
		wgc_timers_session_derived(pp, now);
		wgc_timers_handshake_complete(pp, now);
		wgc_timers_any_authenticated_packet_received(pp, now);
		wgc_timers_any_authenticated_packet_traversal(pp, now);
		handshake_done(pl, p, now);
		/* the initiator confirms the session with data or a keepalive */
		flush_staged(pl, p, now, true);
		sched(pl, pp);
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
			flush_staged(pl, p, now, false);
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
		handshake_done(pl, p, now);
		flush_staged(pl, p, now, false);
		sched(pl, &p->proto);
		break;
	case EV_RESCHEDULE:
		sched(pl, &p->proto);
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
					flush_staged(pl, p, now, true);
				else
					send_initiation(pl, p, false, now);
			}
			sched(pl, pp[i]);
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
		stage_tx(pl, out, n);
	work += n;

	wgc_peers_lock(pl->peers);
	under_load = rte_ring_count(pl->hs_ring) >
		rte_ring_get_capacity(pl->hs_ring) / 8;
	n = rte_ring_sc_dequeue_burst_elem(pl->hs_ring, it, sizeof(it[0]),
		RTE_DIM(it), NULL);
	for (i = 0; i < n; i++)
		stage_handshake(pl, &it[i], now, under_load);
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
	sched(pl, &p->proto);
}

static void
on_peer_change(void *ctx, struct wgc_peer *p)
{
	wgc_pipeline_peer_changed(ctx, p);
}

static void
on_peer_remove(void *ctx, struct wgc_peer *p)
{
	struct wgc_pipeline *pl = ctx;

	wgc_timer_wheel_schedule(pl->wheel, &p->proto, 0);
}

/* ---- life cycle ---- */

struct wgc_pipeline *
wgc_pipeline_create(const struct wgc_pipeline_conf *c)
{
	struct wgc_pipeline *pl;
	char n[RTE_RING_NAMESIZE];
	uint32_t hs_size;
	unsigned int i;

	if (c == NULL || c->name == NULL || strlen(c->name) > 16 ||
			c->peers == NULL || c->net == NULL ||
			c->outer.rx == NULL || c->outer.tx == NULL ||
			c->inner.rx == NULL || c->inner.tx == NULL ||
			c->tx_recycler == NULL || c->nb_workers == 0 ||
			c->nb_workers > WGC_PIPELINE_WORKERS_MAX ||
			c->mtu < 576) {
		rte_errno = EINVAL;
		return NULL;
	}
	hs_size = c->handshake_ring_size != 0 ? c->handshake_ring_size : 4096;
	if (!rte_is_power_of_2(hs_size)) {
		rte_errno = EINVAL;
		return NULL;
	}
	pl = rte_zmalloc("wgc_pipeline", sizeof(*pl), RTE_CACHE_LINE_SIZE);
	if (pl == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	pl->c = *c;
	if (pl->c.clock == NULL)
		pl->c.clock = wgc_clock_mono_ns;
	if (pl->c.wall_clock == NULL)
		pl->c.wall_clock = wgc_clock_wall_ns;
	snprintf(pl->name, sizeof(pl->name), "%s", c->name);
	pl->peers = c->peers;
	pl->fast = wgc_peers_fast(c->peers);
	pl->id = wgc_peers_identity(c->peers);
	pl->index = wgc_peers_index_table(c->peers);
	pl->nb_workers = c->nb_workers;
	wgc_recycler_mempool_init(&pl->any_mbuf,
		wgc_recycler_mempool(c->tx_recycler));

	snprintf(n, sizeof(n), "%s_hs", c->name);
	pl->hs_ring = rte_ring_create_elem(n, sizeof(struct hs_item), hs_size,
		SOCKET_ID_ANY, RING_F_SC_DEQ | RING_F_EXACT_SZ);
	snprintf(n, sizeof(n), "%s_tx", c->name);
	pl->tx_ring = rte_ring_create(n, 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	snprintf(n, sizeof(n), "%s_ev", c->name);
	pl->ev_ring = rte_ring_create(n, EVENT_RING_SIZE, SOCKET_ID_ANY,
		RING_F_SC_DEQ);
	pl->wheel = wgc_timer_wheel_create(c->name, SOCKET_ID_ANY,
		pl->c.clock());
	snprintf(n, sizeof(n), "%s_rl", c->name);
	pl->rl = wgc_ratelimiter_create(n, 8192, SOCKET_ID_ANY);
	snprintf(n, sizeof(n), "%s_eph", c->name);
	pl->eph = wgc_ephemeral_pool_create(n, WGC_PIPELINE_EPHEMERALS,
		SOCKET_ID_ANY);
	if (pl->hs_ring == NULL || pl->ev_ring == NULL ||
			pl->tx_ring == NULL || pl->wheel == NULL ||
			pl->rl == NULL || pl->eph == NULL)
		goto fail;
	pl->stage.engine = wgc_aead_engine_create(c->engine, SOCKET_ID_ANY);
	if (pl->stage.engine == NULL)
		goto fail;
	for (i = 0; i < c->nb_workers; i++) {
		pl->w[i].engine = wgc_aead_engine_create(c->engine,
			SOCKET_ID_ANY);
		if (pl->w[i].engine == NULL)
			goto fail;
		if (c->qsbr != NULL &&
				rte_rcu_qsbr_thread_register(c->qsbr, i) != 0)
			goto fail;
	}
	wgc_peers_lock(pl->peers);
	wgc_peers_set_on_remove(pl->peers, on_peer_remove, pl);
	wgc_peers_set_on_change(pl->peers, on_peer_change, pl);
	wgc_peers_unlock(pl->peers);
	PL_LOG(INFO, "%s: %u workers, engine %s, handshake ring %u", c->name,
		c->nb_workers, wgc_aead_engine_name(pl->stage.engine), hs_size);
	return pl;
fail:
	if (rte_errno == 0)
		rte_errno = ENOMEM;
	{
		int err = rte_errno;

		wgc_pipeline_free(pl);
		rte_errno = err;
	}
	return NULL;
}

void
wgc_pipeline_free(struct wgc_pipeline *pl)
{
	struct hs_item it;
	struct wgc_peer *p;
	uint32_t pos = 0;
	unsigned int i;

	if (pl == NULL)
		return;
	if (pl->hs_ring != NULL) {
		while (rte_ring_sc_dequeue_elem(pl->hs_ring, &it,
				sizeof(it)) == 0)
			wgc_view_release(&it.v);
		rte_ring_free(pl->hs_ring);
	}
	rte_ring_free(pl->ev_ring);
	if (pl->tx_ring != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_sc_dequeue(pl->tx_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(pl->tx_ring);
	}
	wgc_peers_lock(pl->peers);
	wgc_peers_set_on_remove(pl->peers, NULL, NULL);
	wgc_peers_set_on_change(pl->peers, NULL, NULL);
	/* nothing stays on the wheel that is about to go */
	while ((p = wgc_peers_next(pl->peers, &pos)) != NULL) {
		if (pl->wheel != NULL)
			wgc_timer_wheel_schedule(pl->wheel, &p->proto, 0);
		wgc_peer_stage_purge(pl->peers, p);
	}
	wgc_peers_unlock(pl->peers);
	wgc_timer_wheel_free(pl->wheel);
	wgc_ratelimiter_free(pl->rl);
	wgc_ephemeral_pool_free(pl->eph);
	wgc_aead_engine_free(pl->stage.engine);
	for (i = 0; i < WGC_PIPELINE_WORKERS_MAX; i++) {
		wgc_aead_engine_free(pl->w[i].engine);
		if (i < pl->nb_workers && pl->c.qsbr != NULL)
			rte_rcu_qsbr_thread_unregister(pl->c.qsbr, i);
	}
	rte_free(pl);
}

int
wgc_pipeline_stats_get(const struct wgc_pipeline *pl, uint16_t w,
		struct wgc_pipeline_stats *st)
{
	if (w > pl->nb_workers)
		return -EINVAL;
	*st = w == pl->nb_workers ? pl->stage.st : pl->w[w].st;
	return 0;
}

void
wgc_pipeline_stats_sum(const struct wgc_pipeline *pl,
		struct wgc_pipeline_stats *st)
{
	unsigned int w, i;

	memset(st, 0, sizeof(*st));
	for (w = 0; w <= pl->nb_workers; w++) {
		const struct wgc_pipeline_stats *s = w == pl->nb_workers ?
			&pl->stage.st : &pl->w[w].st;
		const uint64_t *a = (const uint64_t *)s;
		uint64_t *b = (uint64_t *)st;

		for (i = 0; i < offsetof(struct wgc_pipeline_stats, drop) /
				sizeof(uint64_t) + WGC_PL_DROP__MAX; i++)
			b[i] += a[i];
	}
}

uint16_t
wgc_pipeline_nb_workers(const struct wgc_pipeline *pl)
{
	return pl->nb_workers;
}
