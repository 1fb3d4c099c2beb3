/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_APP_TELEMETRY_H_
#define _WGC_APP_TELEMETRY_H_

/*
 * The daemon's rte_telemetry commands (DPDK's own observability socket,
 * /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2):
 *   /wgc/stats           device totals (pipeline, lib/net, drops by reason)
 *   /wgc/stats_worker,W  one worker's pipeline counters (W = nb_workers:
 *                        the handshake stage)
 *   /wgc/info            name, workers, peers, listen port
 * Telemetry runs on its own thread: the daemon attaches once everything is
 * up and detaches before tearing anything down.
 */

#include <stdint.h>

#include "wgc_control.h"

struct wgc_app_telemetry_ops {
	/** fill counters as the REST /v1/stats does; returns how many */
	int (*stats)(void *ctx, struct wgc_stat *out, unsigned int max);
	/** interface name, workers, peers, listen port */
	void (*info)(void *ctx, const char **name, unsigned int *workers,
		unsigned int *peers, unsigned int *listen_port);
	void *ctx;
};

/* Register the commands (once) and serve them from ops. */
int wgc_app_telemetry_attach(const struct wgc_app_telemetry_ops *ops);

/* Stop serving: commands answer an error from now on. */
void wgc_app_telemetry_detach(void);

#endif
