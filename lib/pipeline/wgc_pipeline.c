/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The pipeline's life cycle (create, free), the worker loop that runs the
 * outer side (pl_rx.c) and the inner side (pl_tx.c), and the counters.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "pl_private.h"

RTE_LOG_REGISTER(wgc_logtype_pipeline, wgc.pipeline, INFO);
/* the counters of struct wgc_pipeline_stats, as words */
#define STATS_WORDS (offsetof(struct wgc_pipeline_stats, drop) / \
	sizeof(uint64_t) + WGC_PL_DROP__MAX)

#define PL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_pipeline, \
		"wgc.pipeline: " fmt "\n", ##__VA_ARGS__)

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
	[WGC_PL_DROP_EVENT_FULL] = "event_ring_full",
	[WGC_PL_DROP_PARK_EXPIRED] = "park_expired",
	[WGC_PL_DROP_PARK_GAVE_UP] = "park_gave_up",
	[WGC_PL_DROP_STAGE_TX_FULL] = "stage_tx_full",
	[WGC_PL_DROP_TOO_BIG] = "too_big",
	[WGC_PL_DROP_TOO_BIG_NO_DF] = "too_big_no_df",
	[WGC_PL_DROP_SPREAD_FULL] = "spread_full",
	[WGC_PL_DROP_REORDER_LATE] = "reorder_late",
};

const char *
wgc_pipeline_drop_name(unsigned int reason)
{
	return reason < WGC_PL_DROP__MAX ? drop_names[reason] : "?";
}

/* ---- the worker loop ---- */

unsigned int
wgc_pipeline_worker_poll(struct wgc_pipeline *pl, uint16_t w)
{
	struct worker *wk = &pl->w[w];
	uint64_t now = pl_now(pl);
	unsigned int done = 0;
	uint16_t k;

	for (k = 0; k < pl->nb_ports; k++)
		done += pl_worker_outer(pl, w, wk, now, k);
	if (pl->spread != NULL)
		done += pl_spread_poll(pl, w, wk, now);
	done += pl_worker_inner(pl, w, wk, now);
	if (w == 0)
		done += pl_worker_stage_tx(pl);
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
	pl_spread_worker_start(pl, l->worker);
	PL_LOG(INFO, "worker %u on lcore %u", l->worker, rte_lcore_id());
	while (!pl->stop) {
		wgc_pipeline_worker_poll(pl, l->worker);
		__atomic_store_n(&wk->heartbeat, wk->heartbeat + 1,
			__ATOMIC_RELAXED);
	}
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

/* ---- life cycle ---- */

/* the outer ports of a configuration, port 0 first; false if one is
 * incomplete */
static bool
ports_init(struct wgc_pipeline *pl, const struct wgc_pipeline_conf *c)
{
	uint16_t k;

	pl->nb_ports = c->nb_ports != 0 ? c->nb_ports : 1;
	pl->port[0].net = c->net;
	pl->port[0].outer = c->outer;
	for (k = 1; k < pl->nb_ports; k++)
		pl->port[k] = c->extra_ports[k - 1];
	for (k = 0; k < pl->nb_ports; k++)
		if (pl->port[k].net == NULL || pl->port[k].outer.rx == NULL ||
				pl->port[k].outer.tx == NULL)
			return false;
	return true;
}

/* handshake lcore k: its ring, rate limiter, ephemeral pool and engine */
static int
hs_create(struct wgc_pipeline *pl, uint16_t k, uint32_t ring_size)
{
	struct pl_hs *h = &pl->hs[k];
	char n[RTE_RING_NAMESIZE];

	snprintf(n, sizeof(n), "%.16s_hs%u", pl->name, k);
	h->ring = rte_ring_create_elem(n, sizeof(struct hs_item), ring_size,
		SOCKET_ID_ANY, RING_F_SC_DEQ | RING_F_EXACT_SZ);
	snprintf(n, sizeof(n), "%.16s_rl%u", pl->name, k);
	h->rl = wgc_ratelimiter_create(n, 8192, SOCKET_ID_ANY);
	snprintf(n, sizeof(n), "%.16s_eph%u", pl->name, k);
	h->eph = wgc_ephemeral_pool_create(n, WGC_PIPELINE_EPHEMERALS,
		SOCKET_ID_ANY);
	h->wk.engine = wgc_aead_engine_create(pl->c.engine, SOCKET_ID_ANY);
	h->wk.via_ring = true;
	h->rcu_id = pl->nb_workers + k;
	if (h->ring == NULL || h->rl == NULL || h->eph == NULL ||
			h->wk.engine == NULL)
		return -1;
	/* a handshake lcore reads peers inside the workers' read side */
	if (pl->c.qsbr != NULL && rte_rcu_qsbr_thread_register(pl->c.qsbr,
			h->rcu_id) != 0)
		return -1;
	return 0;
}

static void
hs_free(struct wgc_pipeline *pl, struct pl_hs *h)
{
	struct hs_item it;

	if (h->ring != NULL) {
		while (rte_ring_sc_dequeue_elem(h->ring, &it, sizeof(it)) == 0)
			wgc_view_release(&it.v);
		rte_ring_free(h->ring);
	}
	wgc_ratelimiter_free(h->rl);
	wgc_ephemeral_pool_free(h->eph);
	wgc_aead_engine_free(h->wk.engine);
	if (h->wk.engine != NULL && pl->c.qsbr != NULL)
		rte_rcu_qsbr_thread_unregister(pl->c.qsbr, h->rcu_id);
}

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
			c->nb_ports > WGC_PIPELINE_PORTS_MAX ||
			c->nb_workers > WGC_PIPELINE_WORKERS_MAX ||
			c->nb_handshake > WGC_PIPELINE_HANDSHAKE_MAX ||
			/* handshake lcores of their own read under RCU */
			((c->handshake_remote || c->nb_handshake > 1) &&
			c->qsbr == NULL) ||
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
	if (!ports_init(pl, c)) {
		rte_free(pl);
		rte_errno = EINVAL;
		return NULL;
	}
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
	pl->nb_hs = c->nb_handshake != 0 ? c->nb_handshake : 1;
	pl->hs_remote = c->handshake_remote;
	pl->stage.via_ring = true;
	wgc_recycler_mempool_init(&pl->any_mbuf,
		wgc_recycler_mempool(c->tx_recycler));

	for (i = 0; i < pl->nb_ports; i++) {
		if (i == 0)
			snprintf(n, sizeof(n), "%s_tx", c->name);
		else
			snprintf(n, sizeof(n), "%s_tx%u", c->name, i);
		pl->tx_ring[i] = rte_ring_create(n, 1024, SOCKET_ID_ANY,
			RING_F_SC_DEQ);
		if (pl->tx_ring[i] == NULL)
			goto fail;
	}
	snprintf(n, sizeof(n), "%s_ev", c->name);
	pl->ev_ring = rte_ring_create(n, EVENT_RING_SIZE, SOCKET_ID_ANY,
		RING_F_SC_DEQ);
	pl->wheel = wgc_timer_wheel_create(c->name, SOCKET_ID_ANY,
		pl->c.clock());
	snprintf(n, sizeof(n), "%s_eph", c->name);
	pl->eph = wgc_ephemeral_pool_create(n, WGC_PIPELINE_EPHEMERALS,
		SOCKET_ID_ANY);
	if (pl->ev_ring == NULL ||
			pl->wheel == NULL || pl->eph == NULL)
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
		/* the pipeline's rate, shared out between the workers */
		pl_bucket_init(&pl->w[i].icmp, RTE_MAX(1u, (c->icmp_rate != 0 ?
			c->icmp_rate : PL_ICMP_RATE) / c->nb_workers),
			RTE_MAX(1u, (c->icmp_burst != 0 ? c->icmp_burst :
			PL_ICMP_BURST) / c->nb_workers), pl->c.clock());
	}
	for (i = 0; i < pl->nb_hs; i++)
		if (hs_create(pl, i, hs_size) != 0)
			goto fail;
	if (pl_spread_create(pl) != 0) {
		rte_errno = ENOMEM;
		goto fail;
	}
	PL_LOG(INFO, "%s: %u workers%s, %u outer ports, %u handshake lcores%s, "
		"engine %s, handshake rings %u", c->name, c->nb_workers,
		pl->spread != NULL ? " (spread)" : "", pl->nb_ports, pl->nb_hs,
		pl->hs_remote ? "" : " (the first on the main lcore)",
		wgc_aead_engine_name(pl->stage.engine), hs_size);
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
	struct wgc_peer *p;
	uint32_t pos = 0;
	unsigned int i;

	if (pl == NULL)
		return;
	for (i = 0; i < WGC_PIPELINE_HANDSHAKE_MAX; i++)
		hs_free(pl, &pl->hs[i]);
	pl_spread_free(pl);
	rte_ring_free(pl->ev_ring);
	for (i = 0; i < WGC_PIPELINE_PORTS_MAX; i++) {
		struct rte_mbuf *m;

		if (pl->tx_ring[i] == NULL)
			continue;
		while (rte_ring_sc_dequeue(pl->tx_ring[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(pl->tx_ring[i]);
	}
	wgc_peers_lock(pl->peers);
	/* nothing stays on the wheel that is about to go */
	while ((p = wgc_peers_next(pl->peers, &pos)) != NULL) {
		if (pl->wheel != NULL)
			wgc_timer_wheel_schedule(pl->wheel, &p->proto, 0);
		wgc_peer_stage_purge(pl->peers, p);
	}
	wgc_peers_unlock(pl->peers);
	wgc_timer_wheel_free(pl->wheel);
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
	const uint64_t *a;
	uint64_t *b = (uint64_t *)st;
	unsigned int k, i;

	if (w > pl->nb_workers)
		return -EINVAL;
	if (w < pl->nb_workers) {
		*st = pl->w[w].st;
		return 0;
	}
	/* the stage and the handshake lcores */
	*st = pl->stage.st;
	for (k = 0; k < pl->nb_hs; k++) {
		a = (const uint64_t *)&pl->hs[k].wk.st;
		for (i = 0; i < STATS_WORDS; i++)
			b[i] += a[i];
	}
	return 0;
}

void
wgc_pipeline_stats_sum(const struct wgc_pipeline *pl,
		struct wgc_pipeline_stats *st)
{
	struct wgc_pipeline_stats s;
	uint64_t *b = (uint64_t *)st;
	const uint64_t *a = (const uint64_t *)&s;
	unsigned int w, i;

	memset(st, 0, sizeof(*st));
	for (w = 0; w <= pl->nb_workers; w++) {
		wgc_pipeline_stats_get(pl, w, &s);
		for (i = 0; i < STATS_WORDS; i++)
			b[i] += a[i];
	}
}

uint64_t
wgc_pipeline_heartbeat(const struct wgc_pipeline *pl, uint16_t w)
{
	return w < pl->nb_workers ?
		__atomic_load_n(&pl->w[w].heartbeat, __ATOMIC_RELAXED) : 0;
}

unsigned int
wgc_pipeline_handshake_backlog(const struct wgc_pipeline *pl)
{
	unsigned int k, n = 0;

	for (k = 0; k < pl->nb_hs; k++)
		n += rte_ring_count(pl->hs[k].ring);
	return n;
}

int
wgc_pipeline_handshake_stats_get(const struct wgc_pipeline *pl, uint16_t k,
		struct wgc_pipeline_stats *st)
{
	if (k >= pl->nb_hs)
		return -EINVAL;
	*st = pl->hs[k].wk.st;
	return 0;
}

uint16_t
wgc_pipeline_nb_handshake(const struct wgc_pipeline *pl)
{
	return pl->nb_hs;
}

uint16_t
wgc_pipeline_nb_workers(const struct wgc_pipeline *pl)
{
	return pl->nb_workers;
}
