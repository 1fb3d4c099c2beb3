/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_APP_DAEMON_H_
#define _WGC_APP_DAEMON_H_

/*
 * The daemon's state, shared by the files of app/wgc: main.c (EAL, edges,
 * signals, the main loop), lcores.c (which lcores run what), state.c (the
 * SIGUSR1 dump), monitor.c (counters for the control plane and telemetry,
 * the health monitor), control_plane.c (the control plane's sockets) and
 * first_start.c (a key generated at first start, how to add a client).
 * Main thread only, unless a function says otherwise.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "wgc_conf.h"
#include "wgc_control.h"
#include "wgc_pipeline.h"

#include "outer.h"

struct wgc_app_ondemand;
struct wgc_cluster;
struct wgc_device;
struct wgc_ethdev;
struct wgc_l2;
struct wgc_tun;

/* everything the daemon holds, torn down in reverse order */
struct wgc_daemon {
	struct wgc_startup_conf conf;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr;
	struct wgc_device *dev;
	/* the device's (freed with it) */
	struct wgc_identity *id;
	struct wgc_peers *peers;
	struct wgc_pipeline *pl;
	struct wgc_app_outer outer;
	struct wgc_tun *tun;
	struct wgc_ethdev *inner_eth;
	struct wgc_l2 *inner_l2;      /* inner_eth's Ethernet adapter */
	struct wgc_control *ctl;
	struct wgc_cluster *cluster;  /* control.cluster, else NULL */
	struct wgc_monitor *mon;
	struct wgc_app_ondemand *ondemand;  /* NULL: not on demand */
	bool once;
	uint16_t nb_workers;
	unsigned int lcores[WGC_PIPELINE_WORKERS_MAX];
	struct wgc_pipeline_launch launch[WGC_PIPELINE_WORKERS_MAX];
	/* handshake lcores other than the main one; hs_on_main: the main
	 * lcore answers handshakes too (the pipeline's first) */
	uint16_t nb_hs;
	bool hs_on_main;
	unsigned int hs_lcores[WGC_PIPELINE_HANDSHAKE_MAX];
	struct wgc_pipeline_launch hs_launch[WGC_PIPELINE_HANDSHAKE_MAX];
	bool launched;
	bool eal;
};

/* ---- lcores.c ---- */

/** The worker and handshake lcores from the config and EAL's lcores.
 * @return 0, or -1 (a message printed). */
int wgc_app_setup_workers(struct wgc_daemon *d);

/* ---- state.c ---- */

/** Print every counter and each peer's transfer (SIGUSR1, exit). */
void wgc_app_print_state(struct wgc_daemon *d);

/* ---- monitor.c ---- */

/**
 * The edges' counters for /v1/stats and /metrics (the device's
 * extra_stats): lib/net, the inner Ethernet adapter, the TUN edge, peers
 * on demand. Any thread (atomic reads).
 */
int wgc_app_daemon_stats(void *ctx, struct wgc_stat *out, unsigned int max);

/** rte_telemetry's /wgc/stats: the device's and the monitor's figures. */
int wgc_app_daemon_stats_all(void *ctx, struct wgc_stat *out,
		unsigned int max);

/** rte_telemetry's /wgc/info. */
void wgc_app_daemon_info(void *ctx, const char **name, unsigned int *workers,
		unsigned int *peers, unsigned int *listen_port);

/** The health monitor: every pool, the ports' links, worker heartbeats.
 * @return 0, or -1 (a message printed). */
int wgc_app_setup_monitor(struct wgc_daemon *d);

/* ---- control_plane.c ---- */

/** REST, UAPI and the state directory (no sockets with --once).
 * @return 0, or -1 (a message printed). */
int wgc_app_setup_control(struct wgc_daemon *d);

/* ---- first_start.c ---- */

/** No private key configured nor kept in the state directory: generate
 * one (the control plane stores it). @return 0, or -1. */
int wgc_app_first_start_key(struct wgc_daemon *d);

/** How to reach the daemon and add a client, once it is up. */
void wgc_app_print_first_steps(const struct wgc_daemon *d);

#endif /* _WGC_APP_DAEMON_H_ */
