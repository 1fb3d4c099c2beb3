/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The daemon's counters for the control plane (/v1/stats, /metrics) and
 * rte_telemetry: lib/net's, the inner Ethernet adapter's, the TUN
 * edge's; and the health monitor: pools, port links, worker heartbeats.
 */

#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "wgc_device.h"
#include "wgc_ethdev.h"
#include "wgc_l2.h"
#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_tun.h"

#include "daemon.h"
#include "ondemand.h"

/*
 * The inner Ethernet adapter's drops: inner_not_ip as a device total and
 * per worker (queue w is worker w's), 0 without an adapter (TUN), and
 * inner_no_headroom as a total
 */
static unsigned int
stats_inner_l2(struct wgc_daemon *d, struct wgc_stat *out, unsigned int n,
		unsigned int max)
{
	struct wgc_l2_stats ls = { 0 };
	uint16_t w;

	if (d->inner_l2 != NULL)
		wgc_l2_stats(d->inner_l2, &ls);
	n = wgc_stat_put(out, n, max, "drops", "inner_not_ip", -1, ls.not_ip);
	n = wgc_stat_put(out, n, max, "drops", "inner_no_headroom", -1,
		ls.no_headroom);
	for (w = 0; w < d->nb_workers; w++) {
		memset(&ls, 0, sizeof(ls));
		if (d->inner_l2 != NULL)
			wgc_l2_queue_stats(d->inner_l2, w, &ls);
		n = wgc_stat_put(out, n, max, "drops", "inner_not_ip", w,
			ls.not_ip);
	}
	return n;
}

/* the inner edges' counters: the Ethernet adapter's, the TUN edge's */
static unsigned int
stats_edges(struct wgc_daemon *d, struct wgc_stat *out, unsigned int n,
		unsigned int max)
{
	n = stats_inner_l2(d, out, n, max);
	if (d->tun != NULL) {
		struct wgc_tun_stats ts;

		wgc_tun_stats(d->tun, &ts);
#define PUT(f) n = wgc_stat_put(out, n, max, "tun_" #f, "", -1, ts.f)
		PUT(rx_packets);
		PUT(rx_bytes);
		PUT(rx_nobuf);
		PUT(rx_errors);
		PUT(tx_packets);
		PUT(tx_bytes);
		PUT(tx_errors);
		PUT(tx_gro);
		PUT(rx_gso);
#undef PUT
	}
	return n;
}

/* the edges' counters for /v1/stats and /metrics: the TUN edge and on
 * demand peers (the device reports lib/proto's, the pipeline's, the
 * parking lot's and lib/net's itself) */
int
wgc_app_daemon_stats(void *ctx, struct wgc_stat *out, unsigned int max)
{
	struct wgc_daemon *d = ctx;
	unsigned int n;

	n = stats_edges(d, out, 0, max);
	return (int)(n + wgc_app_ondemand_stats(d->ondemand, out + n,
		max - n));
}

/* rte_telemetry's /wgc/stats: the device's (the edges' included) and the
 * monitor's figures */
int
wgc_app_daemon_stats_all(void *ctx, struct wgc_stat *out, unsigned int max)
{
	struct wgc_daemon *d = ctx;
	int n = RTE_MAX(wgc_device_ops.stats_read(d->dev, out, max), 0), k;

	k = wgc_monitor_stats(d->mon, out + n, max - (unsigned int)n);
	return n + RTE_MAX(k, 0);
}

static uint64_t
worker_heartbeat(void *ctx, unsigned int w)
{
	struct wgc_daemon *d = ctx;

	return wgc_pipeline_heartbeat(d->pl, (uint16_t)w);
}

/* the health monitor: every pool, the ports' links, worker heartbeats */
int
wgc_app_setup_monitor(struct wgc_daemon *d)
{
	int rc;

	d->mon = wgc_monitor_create(NULL);
	if (d->mon == NULL) {
		fprintf(stderr, "wgc: monitor: out of memory\n");
		return -1;
	}
	rc = wgc_monitor_add_pool(d->mon, d->pool);
	if (rc == 0)
		rc = wgc_app_outer_monitor(&d->outer, d->mon);
	if (rc == 0 && d->inner_eth != NULL) {
		rc = wgc_monitor_add_pool(d->mon,
			wgc_ethdev_pool(d->inner_eth));
		if (rc == 0)
			rc = wgc_monitor_add_port(d->mon, "inner",
				wgc_ethdev_port_id(d->inner_eth));
	}
	if (rc == 0)
		rc = wgc_monitor_set_workers(d->mon, d->nb_workers,
			worker_heartbeat, d);
	if (rc != 0) {
		fprintf(stderr, "wgc: monitor: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

void
wgc_app_daemon_info(void *ctx, const char **name, unsigned int *workers,
		unsigned int *peers, unsigned int *listen_port)
{
	struct wgc_daemon *d = ctx;

	*name = d->conf.iface.name;
	*workers = d->nb_workers;
	*peers = wgc_peers_count(d->peers);
	/* the live port (PATCH /v1/interface, wg set may change it) */
	*listen_port = wgc_net_port_listen_port(d->outer.p[0].net);
}
