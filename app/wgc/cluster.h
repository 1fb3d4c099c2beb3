/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_APP_CLUSTER_H_
#define _WGC_APP_CLUSTER_H_

/*
 * control.cluster in the daemon: the node joins its cluster once the
 * control plane is up (peers from etcd, REST/UAPI writes to etcd) and
 * leaves it before the control plane goes.
 */

#include "wgc_conf.h"
#include "wgc_control.h"

struct wgc_pipeline;
struct wgc_cluster;
struct wgc_app_ondemand;

/**
 * Start the cluster of @p conf (NULL and nothing done without
 * control.cluster). @p pl gives the node record its handshake rate;
 * with @p od (on_demand) the node takes only the peers it holds.
 * Main thread.
 *
 * @return 0 (*out set, NULL without a cluster), or -1 with a message.
 */
int wgc_app_cluster_start(const struct wgc_startup_conf *conf,
		struct wgc_control *ctl, struct wgc_pipeline *pl,
		struct wgc_app_ondemand *od, struct wgc_cluster **out);

/** Leave the cluster (NULL is a no-op). Main thread. */
void wgc_app_cluster_stop(struct wgc_cluster *c);

#endif /* _WGC_APP_CLUSTER_H_ */
