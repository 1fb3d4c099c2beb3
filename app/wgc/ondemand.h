/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_APP_ONDEMAND_H_
#define _WGC_APP_ONDEMAND_H_

/*
 * Peers on demand in the daemon (control.cluster.on_demand): the handshake
 * stage's unknown-initiator hook feeds lib/cluster's on-demand module,
 * whose peers are installed and evicted through the control plane's
 * local write path (audited as via=on_demand) and whose kept initiations
 * go back to the handshake stage.
 */

#include "wgc_cluster.h"
#include "wgc_conf.h"
#include "wgc_control.h"
#include "wgc_peers.h"
#include "wgc_pipeline.h"

struct wgc_app_ondemand;

/**
 * Prepare on-demand peers if @p cc enables them, and set the pipeline
 * configuration's hook. Main thread, before wgc_pipeline_create().
 *
 * @return the state (NULL with errno 0: not enabled; NULL with errno
 *   set: out of memory).
 */
struct wgc_app_ondemand *wgc_app_ondemand_prepare(
		const struct wgc_cluster_conf *cc, struct wgc_pipeline_conf *plc);

/**
 * Start the lookups once the device and its control plane exist. With
 * idle eviction, the held peers that @p conf (the configuration file's
 * peers) does not name are watched for idleness too. Main thread. 0 or
 * -1 (a message printed).
 */
int wgc_app_ondemand_start(struct wgc_app_ondemand *a,
		struct wgc_control *ctl, struct wgc_peers *peers,
		struct wgc_pipeline *pl, const struct wgc_peer_conf *conf,
		uint32_t n_conf);

/**
 * Make a cluster's sync take only the peers the node holds (it started
 * already; NULL: nothing changes). Main thread, before
 * wgc_cluster_start().
 */
void wgc_app_ondemand_cluster_params(struct wgc_app_ondemand *a,
		struct wgc_cluster_params *p);

/** Counters for /v1/stats and /metrics; how many written. Any thread. */
unsigned int wgc_app_ondemand_stats(struct wgc_app_ondemand *a,
		struct wgc_stat *out, unsigned int max);

/** From now on nothing reaches the control plane or the pipeline
 * (before either goes). Main thread. */
void wgc_app_ondemand_stop(struct wgc_app_ondemand *a);

/** Stop the lookup threads and free (after the control plane is
 * destroyed: its counters are read until then). NULL is a no-op. */
void wgc_app_ondemand_free(struct wgc_app_ondemand *a);

#endif /* _WGC_APP_ONDEMAND_H_ */
