/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The daemon's health monitor: buffer pools (occupancy and sustained
 * pressure), ethdev ports (link state, rte_eth_stats) and worker
 * liveness (heartbeat counters that must advance). The main loop samples
 * once a second; the REST threads read the verdict and the figures under
 * a small mutex of the monitor's own (never the control lock, so that
 * /v1/health answers while a big change is being applied).
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "control_priv.h"

#define MON_POOLS_MAX 16
#define MON_PORTS_MAX 8
#define MON_WORKERS_MAX 128
#define MON_SAMPLE_MS 1000u

struct mon_pool {
	const struct rte_mempool *mp;
	uint32_t size, in_use, peak;
	uint32_t over;               /* consecutive samples above the bound */
};

struct mon_port {
	char name[32];
	uint16_t port_id;
	bool link_up;
	bool have_stats;
	struct rte_eth_stats st;
};

struct wgc_monitor {
	pthread_mutex_t mu;          /* guards everything below */
	struct wgc_monitor_params p;
	uint64_t last_ms;
	bool sampled;
	struct mon_pool pool[MON_POOLS_MAX];
	unsigned int nb_pools;
	struct mon_port port[MON_PORTS_MAX];
	unsigned int nb_ports;
	uint64_t (*beat)(void *ctx, unsigned int w);
	void *beat_ctx;
	unsigned int nb_workers;
	uint64_t beat_last[MON_WORKERS_MAX];
	uint32_t beat_still[MON_WORKERS_MAX]; /* samples without progress */
	char reason[256];            /* "" = healthy */
};

struct wgc_monitor *
wgc_monitor_create(const struct wgc_monitor_params *p)
{
	struct wgc_monitor *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	pthread_mutex_init(&m->mu, NULL);
	if (p != NULL)
		m->p = *p;
	if (m->p.pool_pct == 0 || m->p.pool_pct > 100)
		m->p.pool_pct = WGC_MONITOR_POOL_PCT;
	if (m->p.pool_samples == 0)
		m->p.pool_samples = WGC_MONITOR_POOL_SAMPLES;
	if (m->p.stall_samples == 0)
		m->p.stall_samples = WGC_MONITOR_STALL_SAMPLES;
	return m;
}

void
wgc_monitor_free(struct wgc_monitor *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m);
}

int
wgc_monitor_add_pool(struct wgc_monitor *m, const struct rte_mempool *mp)
{
	unsigned int i;
	int rc = 0;

	if (m == NULL || mp == NULL)
		return -EINVAL;
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nb_pools; i++)
		if (m->pool[i].mp == mp)
			goto out; /* shared by several edges: once */
	if (m->nb_pools == MON_POOLS_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	m->pool[m->nb_pools].mp = mp;
	m->pool[m->nb_pools].size = mp->size;
	m->nb_pools++;
out:
	pthread_mutex_unlock(&m->mu);
	return rc;
}

int
wgc_monitor_add_port(struct wgc_monitor *m, const char *name,
		uint16_t port_id)
{
	int rc = 0;

	if (m == NULL || name == NULL || !rte_eth_dev_is_valid_port(port_id))
		return -EINVAL;
	pthread_mutex_lock(&m->mu);
	if (m->nb_ports == MON_PORTS_MAX) {
		rc = -ENOSPC;
	} else {
		struct mon_port *pt = &m->port[m->nb_ports++];

		snprintf(pt->name, sizeof(pt->name), "%s", name);
		pt->port_id = port_id;
		pt->link_up = true; /* until the first sample says otherwise */
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

int
wgc_monitor_set_workers(struct wgc_monitor *m, unsigned int n,
		uint64_t (*beat)(void *ctx, unsigned int w), void *ctx)
{
	if (m == NULL || beat == NULL || n > MON_WORKERS_MAX)
		return -EINVAL;
	pthread_mutex_lock(&m->mu);
	m->beat = beat;
	m->beat_ctx = ctx;
	m->nb_workers = n;
	memset(m->beat_still, 0, sizeof(m->beat_still));
	for (n = 0; n < m->nb_workers; n++)
		m->beat_last[n] = beat(ctx, n);
	pthread_mutex_unlock(&m->mu);
	return 0;
}

/* the first problem found, in a fixed order: links, workers, pools */
static void
verdict(struct wgc_monitor *m)
{
	unsigned int i;

	m->reason[0] = '\0';
	for (i = 0; i < m->nb_ports; i++) {
		if (!m->port[i].link_up) {
			snprintf(m->reason, sizeof(m->reason),
				"port %s: link down", m->port[i].name);
			return;
		}
	}
	for (i = 0; i < m->nb_workers; i++) {
		if (m->beat_still[i] >= m->p.stall_samples) {
			snprintf(m->reason, sizeof(m->reason),
				"worker %u: no progress for %u s", i,
				m->beat_still[i]);
			return;
		}
	}
	for (i = 0; i < m->nb_pools; i++) {
		const struct mon_pool *pl = &m->pool[i];

		if (pl->over >= m->p.pool_samples) {
			snprintf(m->reason, sizeof(m->reason),
				"pool %s: %" PRIu64 "%% in use (%u of %u "
				"buffers) for %u s", pl->mp->name,
				(uint64_t)pl->in_use * 100 / RTE_MAX(pl->size,
					1u), pl->in_use, pl->size, pl->over);
			return;
		}
	}
}

void
wgc_monitor_sample(struct wgc_monitor *m, uint64_t now_ms)
{
	unsigned int i;

	if (m == NULL)
		return;
	if (m->sampled && now_ms - m->last_ms < MON_SAMPLE_MS)
		return;
	pthread_mutex_lock(&m->mu);
	m->sampled = true;
	m->last_ms = now_ms;
	for (i = 0; i < m->nb_pools; i++) {
		struct mon_pool *pl = &m->pool[i];

		pl->in_use = rte_mempool_in_use_count(pl->mp);
		pl->peak = RTE_MAX(pl->peak, pl->in_use);
		if ((uint64_t)pl->in_use * 100 >
				(uint64_t)pl->size * m->p.pool_pct)
			pl->over++;
		else
			pl->over = 0;
	}
	for (i = 0; i < m->nb_ports; i++) {
		struct mon_port *pt = &m->port[i];
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(pt->port_id, &link) == 0)
			pt->link_up = link.link_status == RTE_ETH_LINK_UP;
		pt->have_stats = rte_eth_stats_get(pt->port_id, &pt->st) == 0;
	}
	for (i = 0; i < m->nb_workers; i++) {
		uint64_t b = m->beat(m->beat_ctx, i);

		if (b == m->beat_last[i])
			m->beat_still[i]++;
		else
			m->beat_still[i] = 0;
		m->beat_last[i] = b;
	}
	verdict(m);
	pthread_mutex_unlock(&m->mu);
}

int
wgc_monitor_health(struct wgc_monitor *m, char *msg, size_t len)
{
	int rc = 0;

	if (m == NULL)
		return 0;
	pthread_mutex_lock(&m->mu);
	if (m->reason[0] != '\0') {
		snprintf(msg, len, "%s", m->reason);
		rc = -1;
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static unsigned int
put(struct wgc_stat *out, unsigned int n, unsigned int max, const char *name,
		const char *key, const char *label, int32_t worker,
		uint64_t value, bool gauge, const char *help)
{
	if (n >= max)
		return n;
	memset(&out[n], 0, sizeof(out[n]));
	snprintf(out[n].name, sizeof(out[n].name), "%s", name);
	snprintf(out[n].label_key, sizeof(out[n].label_key), "%s", key);
	snprintf(out[n].label, sizeof(out[n].label), "%s", label);
	out[n].worker = worker;
	out[n].value = value;
	out[n].gauge = gauge;
	out[n].help = help;
	return n + 1;
}

int
wgc_monitor_stats(struct wgc_monitor *m, struct wgc_stat *out,
		unsigned int max)
{
	unsigned int n = 0, i;

	if (m == NULL)
		return 0;
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nb_pools; i++) {
		const struct mon_pool *pl = &m->pool[i];
		const char *nm = pl->mp->name;

		n = put(out, n, max, "pool_size", "pool", nm, -1, pl->size,
			true, "Buffers in the pool.");
		n = put(out, n, max, "pool_in_use", "pool", nm, -1,
			pl->in_use, true, "Buffers of the pool in use at the "
			"last sample (rte_mempool_in_use_count).");
		n = put(out, n, max, "pool_avail", "pool", nm, -1,
			pl->size - pl->in_use, true, "Buffers of the pool free "
			"at the last sample (rte_mempool_avail_count).");
		n = put(out, n, max, "pool_in_use_peak", "pool", nm, -1,
			pl->peak, true, "Most buffers of the pool seen in use "
			"at once (sampled).");
		n = put(out, n, max, "pool_pressure_seconds", "pool", nm, -1,
			pl->over, true, "Seconds the pool has stayed above the "
			"pressure bound (0: below it).");
	}
	for (i = 0; i < m->nb_ports; i++) {
		const struct mon_port *pt = &m->port[i];
		const struct rte_eth_stats *s = &pt->st;

		n = put(out, n, max, "port_link_up", "port", pt->name, -1,
			pt->link_up, true, "Link state of the port (1: up).");
		if (!pt->have_stats)
			continue;
#define PORT(f, v, h) n = put(out, n, max, "port_" #f, "port", pt->name, -1, \
	v, false, h)
		PORT(rx_packets, s->ipackets, "Packets received (rte_eth_stats).");
		PORT(tx_packets, s->opackets, "Packets sent (rte_eth_stats).");
		PORT(rx_bytes, s->ibytes, "Bytes received (rte_eth_stats).");
		PORT(tx_bytes, s->obytes, "Bytes sent (rte_eth_stats).");
		PORT(rx_missed, s->imissed, "Packets the NIC dropped for "
			"lack of RX descriptors.");
		PORT(rx_errors, s->ierrors, "Erroneous packets received.");
		PORT(tx_errors, s->oerrors, "Packets that failed to send.");
		PORT(rx_nombuf, s->rx_nombuf, "RX buffer allocation failures.");
#undef PORT
	}
	for (i = 0; i < m->nb_workers; i++) {
		n = put(out, n, max, "heartbeats", "", "", (int32_t)i,
			m->beat_last[i], false, "Poll loops the worker has run "
			"(must advance).");
		n = put(out, n, max, "stalled", "", "", (int32_t)i,
			m->beat_still[i] >= m->p.stall_samples, true,
			"1 while the worker makes no progress.");
	}
	pthread_mutex_unlock(&m->mu);
	return (int)n;
}
