/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The device's counters for /v1/stats, /metrics and rte_telemetry:
 * lib/proto's handshake counters, the pipeline's (total, per worker, the
 * handshake stage), the parking lot's, the outer host stacks' (lib/net:
 * totals, then per port), then the edges' (a callback of the daemon). Every one is an atomic read: safe from any thread.
 */

#include <stdio.h>
#include <string.h>

#include "device_private.h"
#include "wgc_net.h"
#include "wgc_pipeline.h"
#include "wgc_proto.h"

unsigned int
wgc_stat_put(struct wgc_stat *out, unsigned int n, unsigned int max,
		const char *name, const char *label, int32_t worker,
		uint64_t value)
{
	if (n >= max)
		return n;
	memset(&out[n], 0, sizeof(out[n]));
	snprintf(out[n].name, sizeof(out[n].name), "%s", name);
	snprintf(out[n].label, sizeof(out[n].label), "%s", label);
	out[n].worker = worker;
	out[n].value = value;
	return n + 1;
}

/* one set of pipeline counters (device total: worker -1) */
static unsigned int
stats_pipeline(const struct wgc_pipeline_stats *st, int32_t w,
		struct wgc_stat *out, unsigned int n, unsigned int max)
{
	unsigned int i;

#define PUT(f) n = wgc_stat_put(out, n, max, #f, "", w, st->f)
	PUT(outer_rx);
	PUT(wg_rx);
	PUT(handshake_rx);
	PUT(decap_ok);
	PUT(keepalive_rx);
	PUT(inner_tx);
	PUT(inner_rx);
	PUT(encap_ok);
	PUT(outer_tx);
	PUT(staged);
	PUT(roamed);
	PUT(handshake_tx);
	PUT(keepalive_tx);
	PUT(icmp_tx);
	PUT(icmp_rate_limited);
	PUT(mss_clamped);
	PUT(spread_out);
	PUT(spread_in);
	PUT(reorder_timeout);
	PUT(reorder_overflow);
#undef PUT
	for (i = 0; i < WGC_PL_DROP__MAX; i++)
		n = wgc_stat_put(out, n, max, "drops",
			wgc_pipeline_drop_name(i), w, st->drop[i]);
	return n;
}

/* a level (gauge) of the parking lot; label: a pool's name */
static unsigned int
park_gauge(struct wgc_stat *out, unsigned int n, unsigned int max,
		const char *name, const char *pool, uint64_t v,
		const char *help)
{
	n = wgc_stat_put(out, n, max, name, pool, -1, v);
	if (n > 0 && n <= max && strcmp(out[n - 1].name, name) == 0) {
		out[n - 1].gauge = true;
		out[n - 1].help = help;
		if (pool[0] != '\0')
			snprintf(out[n - 1].label_key,
				sizeof(out[n - 1].label_key), "pool");
	}
	return n;
}

/* the parking lot: packets waiting for handshakes, by pool, and why
 * parked packets were dropped */
static unsigned int
stats_park(struct wgc_device *dev, struct wgc_stat *out, unsigned int n,
		unsigned int max)
{
	struct wgc_park_stats ks;
	char name[32];
	unsigned int i;

	wgc_peers_park_stats(dev->t, &ks);
	n = park_gauge(out, n, max, "parked", "", ks.parked,
		"Packets parked for peers whose handshake is in flight.");
	n = park_gauge(out, n, max, "parked_max", "", ks.parked_max,
		"Most packets parked at once since start.");
	for (i = 0; i < ks.nb_pools; i++) {
		n = park_gauge(out, n, max, "parked_pool", ks.pool[i].mp->name,
			ks.pool[i].parked, "Buffers of a pool parked now.");
		n = park_gauge(out, n, max, "parked_pool_limit",
			ks.pool[i].mp->name, ks.pool[i].limit,
			"Buffers of a pool that may be parked (1/8 of it).");
	}
	for (i = 0; i < WGC_PARK_DROP__MAX; i++) {
		snprintf(name, sizeof(name), "park_%s", wgc_park_drop_name(i));
		n = wgc_stat_put(out, n, max, "drops", name, -1, ks.drop[i]);
	}
	return n;
}

/* lib/proto's handshake counters */
static unsigned int
stats_proto(struct wgc_device *dev, struct wgc_stat *out, unsigned int n,
		unsigned int max)
{
	struct wgc_proto_stats ps;
	char name[48];
	unsigned int i;

	wgc_identity_stats(dev->id, &ps);
	for (i = 0; i < WGC_CNT_MAX; i++) {
		snprintf(name, sizeof(name), "proto_%s",
			wgc_proto_counter_name(i));
		n = wgc_stat_put(out, n, max, name, "", -1, ps.c[i]);
	}
	return n;
}

/* the pipeline: total, per worker (the handshake stage as worker
 * nb_workers), the stage's backlog */
static unsigned int
stats_pipeline_all(struct wgc_device *dev, struct wgc_stat *out,
		unsigned int n, unsigned int max)
{
	struct wgc_pipeline_stats st;
	uint16_t w;

	wgc_pipeline_stats_sum(dev->pl, &st);
	n = stats_pipeline(&st, -1, out, n, max);
	for (w = 0; wgc_pipeline_stats_get(dev->pl, w, &st) == 0; w++)
		n = stats_pipeline(&st, w, out, n, max);
	n = wgc_stat_put(out, n, max, "handshake_queue", "", -1,
		wgc_pipeline_handshake_backlog(dev->pl));
	if (n > 0 && n <= max &&
			strcmp(out[n - 1].name, "handshake_queue") == 0) {
		out[n - 1].gauge = true;
		out[n - 1].help = "Handshake messages waiting for the "
			"handshake stage.";
	}
	return n;
}

void
wgc_device_net_sum(const struct wgc_device *dev, struct wgc_net_stats *sum)
{
	struct wgc_net_stats s;
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *a = (const uint64_t *)&s;
	unsigned int k, i;

	memset(sum, 0, sizeof(*sum));
	for (k = 0; k < dev->nb_net; k++) {
		wgc_net_stats_get(dev->net[k], &s);
		for (i = 0; i < WGC_NET_COUNTERS + WGC_NET_DROP__MAX; i++)
			d[i] += a[i];
	}
}

/* lib/net's counters, every host stack's added */
static unsigned int
stats_net_sum(const struct wgc_device *dev, struct wgc_stat *out,
		unsigned int n, unsigned int max)
{
	struct wgc_net_stats ns;
	char name[32];
	unsigned int i;

	wgc_device_net_sum(dev, &ns);
	for (i = 0; i < WGC_NET_COUNTERS; i++) {
		snprintf(name, sizeof(name), "net_%s", wgc_net_counter_name(i));
		n = wgc_stat_put(out, n, max, name, "", -1,
			((const uint64_t *)&ns)[i]);
	}
	for (i = 0; i < WGC_NET_DROP__MAX; i++) {
		snprintf(name, sizeof(name), "net_%s", wgc_net_drop_name(i));
		n = wgc_stat_put(out, n, max, "drops", name, -1, ns.drop[i]);
	}
	return n;
}

/* one counter of a port: label port, grouped under ports.<port> */
static unsigned int
port_stat(struct wgc_stat *out, unsigned int n, unsigned int max,
		const char *name, const char *port, uint64_t v)
{
	n = wgc_stat_put(out, n, max, name, port, -1, v);
	if (n > 0 && n <= max && strcmp(out[n - 1].name, name) == 0) {
		snprintf(out[n - 1].label_key, sizeof(out[n - 1].label_key),
			"port");
		out[n - 1].help = "lib/net counter of one outer port (see "
			"doc/net.md).";
	}
	return n;
}

/* lib/net's counters of each host stack, labelled port:
 * port_net_<counter> and port_net_drop_<reason> */
static unsigned int
stats_net_ports(const struct wgc_device *dev, struct wgc_stat *out,
		unsigned int n, unsigned int max)
{
	struct wgc_net_stats ns;
	unsigned int k, i;
	char name[48];

	for (k = 0; k < dev->nb_net; k++) {
		const char *pn = dev->net_name[k];

		wgc_net_stats_get(dev->net[k], &ns);
		for (i = 0; i < WGC_NET_COUNTERS; i++) {
			snprintf(name, sizeof(name), "port_net_%s",
				wgc_net_counter_name(i));
			n = port_stat(out, n, max, name, pn,
				((const uint64_t *)&ns)[i]);
		}
		for (i = 0; i < WGC_NET_DROP__MAX; i++) {
			snprintf(name, sizeof(name), "port_net_drop_%s",
				wgc_net_drop_name(i));
			n = port_stat(out, n, max, name, pn, ns.drop[i]);
		}
	}
	return n;
}

int
device_stats_read(void *ctx, struct wgc_stat *out, unsigned int max)
{
	struct wgc_device *dev = ctx;
	unsigned int n;

	n = stats_proto(dev, out, 0, max);
	if (dev->pl != NULL)
		n = stats_pipeline_all(dev, out, n, max);
	n = stats_park(dev, out, n, max);
	n = stats_net_sum(dev, out, n, max);
	n = stats_net_ports(dev, out, n, max);
	if (dev->extra_stats != NULL && n < max) {
		int k = dev->extra_stats(dev->extra_ctx, out + n, max - n);

		if (k > 0)
			n += (unsigned int)k;
	}
	return (int)n;
}
