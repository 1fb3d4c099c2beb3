/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_APP_OUTER_H_
#define _WGC_APP_OUTER_H_

/*
 * The daemon's outer ports (outer[] of the configuration): one ethdev and
 * one lib/net host stack each (the host stack owned by the device), named "outer" (port 0), "outer1", ... in
 * the counters, the health monitor and the logs. Main thread.
 */

#include <stdint.h>

#include "wgc_conf.h"
#include "wgc_control.h"
#include "wgc_device.h"
#include "wgc_ethdev.h"
#include "wgc_net.h"
#include "wgc_pipeline.h"

struct wgc_app_port {
	struct wgc_ethdev *eth;
	struct wgc_net_port *net;
	char name[16];
};

struct wgc_app_outer {
	uint16_t n;
	struct wgc_app_port p[WGC_CONF_OUTER_MAX];
};

/** An ethdev as a pipeline edge (outer ports, the ethdev inner side). */
uint16_t wgc_app_eth_rx(void *ctx, uint16_t q, struct wgc_view *v,
		uint16_t n);
uint16_t wgc_app_eth_tx(void *ctx, uint16_t q, struct wgc_view *v,
		uint16_t n);

/**
 * Open every port of outer[] with one RX and one TX queue per worker,
 * create its host stack and hand it to @p dev (which frees it; the
 * app keeps a borrowed pointer in p[].net). Errors are printed, naming
 * the key.
 *
 * @return 0, or -1 (what was opened stays for wgc_app_outer_close()).
 */
int wgc_app_outer_open(struct wgc_app_outer *o,
		const struct wgc_startup_conf *c, uint16_t nb_workers,
		struct wgc_device *dev);

/** The ports as the pipeline's outer edges (net, outer, extra_ports). */
void wgc_app_outer_edges(struct wgc_app_outer *o,
		struct wgc_pipeline_conf *plc);

/** Start (or stop) every port. 0 or -1. */
int wgc_app_outer_start(struct wgc_app_outer *o);
void wgc_app_outer_stop(struct wgc_app_outer *o);

/** Close the ports (workers stopped, the device destroyed). */
void wgc_app_outer_close(struct wgc_app_outer *o);

/** Every port's ethdev and RX pool to the health monitor. 0 or -errno. */
int wgc_app_outer_monitor(struct wgc_app_outer *o, struct wgc_monitor *m);

/** One line per port for the state dump (SIGUSR1, exit). */
void wgc_app_outer_print(const struct wgc_app_outer *o);

#endif /* _WGC_APP_OUTER_H_ */
