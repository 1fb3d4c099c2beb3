/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_CONTROL_H_
#define _WGC_CONTROL_H_

/**
 * @file
 * wgc control plane: JSON REST on an AF_UNIX socket (libmicrohttpd +
 * cJSON), the WireGuard cross-platform UAPI (so that `wg` works), crash-safe
 * persistence under a state directory, Prometheus metrics.
 *
 * The control plane never touches the data plane's tables itself: it calls
 * a small **backend** (struct wgc_control_ops). The daemon binds it to
 * lib/peers (live table under RCU); lib/control ships an in-memory
 * reference backend (wgc_mem_backend_*) used by the tests and by a
 * control-only server.
 *
 * Threads: the REST server serves each connection in a thread of its
 * own, and so does the UAPI server; every backend call (but an unlocked
 * stats_read) is made with the control plane's mutex held, so a backend
 * sees a single writer and needs no locking of its own against other
 * control calls (it still must be safe against its workers). Health and
 * metrics never wait for that mutex behind a long change.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wgc_conf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Per-peer counters the backend reports. */
struct wgc_control_peer_stats {
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t rx_packets;
	uint64_t tx_packets;
	int64_t last_handshake_sec;  /**< Unix time; 0 = never */
	int64_t last_handshake_nsec;
};

/**
 * One counter (or gauge) of the device. @p worker -1 is a device total;
 * @p label is the value of the label named @p label_key ("" = "reason",
 * a drop reason), "" for none, e.g. {"drops", "bad_mac", 0, 12}. Give
 * zeroed entries (unset fields: a counter, generic help text).
 */
struct wgc_stat {
	char name[48];
	char label[32];
	int32_t worker;
	uint64_t value;
	bool gauge;                /**< a level, not a running total */
	char label_key[15];        /**< name of @p label's label */
	const char *help;          /**< static text, NULL: generic */
};

/**
 * The backend boundary: how the control plane reads and changes the live
 * device. Return 0 or a negative errno unless stated.
 */
struct wgc_control_ops {
	/** Copy the interface (incl. private key; caller frees). */
	int (*iface_get)(void *ctx, struct wgc_iface_conf *iface);
	/** Number of peers. */
	uint64_t (*peer_count)(void *ctx);
	/**
	 * Look up one peer by public key; deep copy into @p conf (caller
	 * frees with wgc_peer_conf_free()). @p stats may be NULL.
	 * @return 0 or -ENOENT.
	 */
	int (*peer_get)(void *ctx, const uint8_t key[WGC_KEY_LEN],
			struct wgc_peer_conf *conf, struct wgc_control_peer_stats *stats);
	/**
	 * Ordered iteration (memcmp order of public keys): the first peer
	 * whose key is strictly greater than @p after (NULL = the first
	 * peer). Must be O(log n) or better, never a scan.
	 * @return 0 or -ENOENT at the end.
	 */
	int (*peer_next)(void *ctx, const uint8_t *after,
			struct wgc_peer_conf *conf, struct wgc_control_peer_stats *stats);
	/**
	 * Optional, a faster peer_next() loop: call @p fn for up to @p max
	 * peers in key order after @p after (NULL = from the first), without
	 * copies: @p conf and @p st (NULL unless @p stats) are valid during
	 * the call only. @p fn returns 0 to go on. Same view as peer_next().
	 * @return the number of peers passed to @p fn.
	 */
	uint64_t (*peer_walk)(void *ctx, const uint8_t *after, uint64_t max,
			bool stats,
			int (*fn)(void *arg, const struct wgc_peer_conf *conf,
				const struct wgc_control_peer_stats *st),
			void *arg);
	/**
	 * Apply a change set atomically: either every change is applied or
	 * none (state unchanged), in order. Changing an existing peer keeps
	 * its session, keys and counters; only removal ends them. Errors set
	 * @p err (kind WGC_CONF_ECONFLICT for an allowed IP owned by another
	 * peer without steal_allowed_ips, WGC_CONF_ENOENT for UPDATE/REMOVE
	 * of an absent peer, WGC_CONF_EVALUE for a weak private key) and the
	 * message starts with "peers[i]" naming the change.
	 * @return 0 or -1.
	 */
	int (*apply)(void *ctx, const struct wgc_changeset *cs,
			struct wgc_conf_error *err);
	/**
	 * Optional: fill up to @p max counters; returns how many. Called
	 * without the control lock when stats_unlocked is set (then it must
	 * be safe against every other call), else with it.
	 */
	int (*stats_read)(void *ctx, struct wgc_stat *out, unsigned int max);
	/** stats_read needs no lock (metrics answer during a long apply) */
	bool stats_unlocked;
	/**
	 * Optional: 0 if healthy, else -1 with a reason in @p msg. Called
	 * without the control lock (/v1/health never waits behind an
	 * apply): must be safe against every other call.
	 */
	int (*health)(void *ctx, char *msg, size_t len);
};

/* ------------------------------------------------ in-memory backend */

struct wgc_mem_backend;

/**
 * Create the reference backend: ordered index of peers (O(log n)
 * lookup, insert and resume), hash index of allowed IPs (conflicts),
 * undo log for all-or-nothing apply. @p iface may be NULL.
 */
struct wgc_mem_backend *wgc_mem_backend_create(
		const struct wgc_iface_conf *iface);

/** Free everything (wipes keys). */
void wgc_mem_backend_destroy(struct wgc_mem_backend *mb);

/** Ops table for the in-memory backend (ctx = the wgc_mem_backend). */
extern const struct wgc_control_ops wgc_mem_backend_ops;

/** Test hook: set a peer's counters (e.g. a fake handshake). */
int wgc_mem_backend_set_stats(struct wgc_mem_backend *mb,
		const uint8_t key[WGC_KEY_LEN], const struct wgc_control_peer_stats *st);

/** Test hook: the peer's session id (kept across updates), 0 = absent. */
uint64_t wgc_mem_backend_session(struct wgc_mem_backend *mb,
		const uint8_t key[WGC_KEY_LEN]);

/**
 * Test hook: when on, every peer created gets a fake handshake time, a
 * distinct second per peer (about three years ago), so that tests can see
 * whether a change kept a peer's session (its handshake time stays).
 */
void wgc_mem_backend_fake_handshakes(struct wgc_mem_backend *mb, bool on);

/* ------------------------------------- lib/peers (the live device) */

struct wgc_peers;
struct wgc_identity;
struct wgc_peers_backend;

/**
 * Bind the control plane to the live peer table (built when lib/peers
 * is): the configuration is shadowed in an in-memory backend (ordering,
 * all-or-nothing validation), then each change is pushed to lib/peers
 * under its writer lock, all or nothing (a table that refuses undoes the
 * live part and the shadow); changed peers keep their sessions. Peers
 * already in @p t are imported. Listen-port changes need
 * wgc_peers_backend_set_listen_port().
 *
 * @param id     the device identity (private key changes), or NULL
 * @param iface  the interface as configured (name, key, port, addresses)
 */
struct wgc_peers_backend *wgc_peers_backend_create(struct wgc_peers *t,
		struct wgc_identity *id, const struct wgc_iface_conf *iface);

/** Extra device counters for /v1/stats and /metrics (e.g. pipeline). */
void wgc_peers_backend_set_stats(struct wgc_peers_backend *pb,
		int (*fn)(void *ctx, struct wgc_stat *out, unsigned int max),
		void *ctx);

/**
 * Let the binding change the listen port live: @p fn moves the data
 * plane's outer UDP port (0 or a negative errno; on error nothing may have
 * changed). Without it, a listen-port change is refused (422).
 */
void wgc_peers_backend_set_listen_port(struct wgc_peers_backend *pb,
		int (*fn)(void *ctx, uint16_t port), void *ctx);

/** Free the binding (not the peer table). */
void wgc_peers_backend_destroy(struct wgc_peers_backend *pb);

/** Ops of the lib/peers binding (ctx = the wgc_peers_backend). */
extern const struct wgc_control_ops wgc_peers_backend_ops;

/* ------------------------------------------------- health monitor */

struct rte_mempool;
struct wgc_monitor;

/** Pressure bound of a pool: percent of its buffers in use. */
#define WGC_MONITOR_POOL_PCT 90u
/** Consecutive 1 s samples above the bound before health degrades. */
#define WGC_MONITOR_POOL_SAMPLES 5u
/** Consecutive 1 s samples without a worker heartbeat: stalled. */
#define WGC_MONITOR_STALL_SAMPLES 3u

/** Bounds of wgc_monitor_create() (0: the defaults above). */
struct wgc_monitor_params {
	uint32_t pool_pct;
	uint32_t pool_samples;
	uint32_t stall_samples;
};

/**
 * Create a monitor of pools, ports and worker heartbeats; @p p may be
 * NULL (defaults). Give it to the control plane (params.monitor): its
 * verdict is part of /v1/health, its figures of /v1/stats and /metrics.
 * Any thread, before the control plane starts.
 */
struct wgc_monitor *wgc_monitor_create(const struct wgc_monitor_params *p);

/** Free (the control plane that used it destroyed first). */
void wgc_monitor_free(struct wgc_monitor *m);

/** Watch a pool (one entry per pool however often added). 0 or -errno. */
int wgc_monitor_add_pool(struct wgc_monitor *m, const struct rte_mempool *mp);

/** Watch an ethdev port: link state and rte_eth_stats. 0 or -errno. */
int wgc_monitor_add_port(struct wgc_monitor *m, const char *name,
		uint16_t port_id);

/**
 * Watch @p n workers: @p beat returns worker w's heartbeat counter, which
 * must advance between two samples while the worker runs. 0 or -errno.
 */
int wgc_monitor_set_workers(struct wgc_monitor *m, unsigned int n,
		uint64_t (*beat)(void *ctx, unsigned int w), void *ctx);

/**
 * Sample (main loop; does work at most once per 1000 ms of @p now_ms,
 * a monotonic clock): pool occupancy, links, port counters, heartbeats.
 * A pool counts as under pressure after pool_samples consecutive samples
 * above pool_pct; a worker as stalled after stall_samples samples without
 * a heartbeat. One thread only.
 */
void wgc_monitor_sample(struct wgc_monitor *m, uint64_t now_ms);

/** 0 if healthy, else -1 and the first problem in @p msg. Any thread. */
int wgc_monitor_health(struct wgc_monitor *m, char *msg, size_t len);

/** The last sample as counters and gauges; returns how many. Any thread. */
int wgc_monitor_stats(struct wgc_monitor *m, struct wgc_stat *out,
		unsigned int max);

/* --------------------------------------------------- control plane */

/** Parameters of wgc_control_create(). */
struct wgc_control_params {
	const struct wgc_control_conf *conf; /**< socket, state_dir, ... */
	const char *ifname;                  /**< UAPI socket name */
	const struct wgc_control_ops *ops;
	void *ctx;                           /**< backend context */
	bool no_rest;                        /**< do not serve REST */
	bool no_uapi;                        /**< do not serve the UAPI */
	bool no_threads;                     /**< load state only (tests) */
	struct wgc_monitor *monitor;         /**< pools, links, workers */
};

struct wgc_control;

/**
 * Start the control plane: open the state directory (load the snapshot and
 * replay the journal into the backend; state wins over what the backend
 * holds when conf->state_wins, else the backend's state is written to
 * disk), then create both sockets (0660, optional group, peer credentials
 * checked) and their threads.
 *
 * @return the control plane, or NULL with errno set and a message logged
 *   (@p err filled if non-NULL).
 */
struct wgc_control *wgc_control_create(const struct wgc_control_params *p,
		struct wgc_conf_error *err);

/** Stop the threads, close and unlink the sockets, close the state. */
void wgc_control_destroy(struct wgc_control *ctl);

/**
 * Apply a change set through the control plane: validate, apply to the
 * backend, append to the journal (fsync) — what REST and UAPI call.
 *
 * @return 0, or -1 with @p err set (state unchanged on disk and live,
 *   except kind WGC_CONF_EIO after the backend applied: see doc/rest.md).
 */
int wgc_control_apply(struct wgc_control *ctl, const struct wgc_changeset *cs,
		struct wgc_conf_error *err);

/** What wgc_control_sync() did. */
struct wgc_control_sync_stats {
	uint32_t iface_fields;       /**< WGC_IFACE_F_* changed */
	uint32_t added;
	uint32_t changed;
	uint32_t removed;
	uint32_t unchanged;
};

/**
 * Make the device match a configuration, like `wg syncconf`: compare the
 * interface's private key (a zero key in @p iface keeps the running one)
 * and listen port (0 keeps it) and, when @p with_peers, every peer field
 * with the backend, then apply only the differences through
 * wgc_control_apply()'s path (journal included), all or nothing. Peers
 * kept or changed keep their sessions; a peer of @p peers without an
 * endpoint keeps its current one; peers not in @p peers are removed.
 * Any thread but a backend callback (takes the control plane's mutex).
 *
 * @return 0 (also when nothing differs), or -1 with @p err set and
 *   nothing changed.
 */
int wgc_control_sync(struct wgc_control *ctl,
		const struct wgc_iface_conf *iface,
		const struct wgc_peer_conf *peers, uint32_t n, bool with_peers,
		struct wgc_control_sync_stats *st, struct wgc_conf_error *err);

/**
 * wgc_control_sync() audited as @p via ("cluster": the shared store's
 * state; wgc_control_sync() is "reload"). Same threads and result.
 */
int wgc_control_sync_via(struct wgc_control *ctl,
		const struct wgc_iface_conf *iface,
		const struct wgc_peer_conf *peers, uint32_t n, bool with_peers,
		const char *via, struct wgc_control_sync_stats *st,
		struct wgc_conf_error *err);

/* ------------------------------------------------ cluster (etcd) hook */

/**
 * What a node sharing its peers (control.cluster, lib/cluster) adds to
 * the control plane. Every callback is called without the control
 * plane's mutex, from a REST or UAPI thread; each must be safe against
 * the others.
 */
struct wgc_control_cluster_ops {
	/**
	 * A REST or UAPI change: write its peer part to the shared store
	 * and return once this node applied it (through
	 * wgc_control_apply_via()). 0 done; 1 done, and the change set's
	 * interface fields (node-local) are then applied locally; -1 with
	 * @p err set (WGC_CONF_EUNAVAIL: the store is unreachable).
	 */
	int (*write)(void *ctx, const struct wgc_changeset *cs,
			struct wgc_conf_error *err);
	/** GET /v1/cluster: a new JSON object (NULL: out of memory); every
	 * callback is required */
	cJSON *(*status)(void *ctx);
	/** 0 if the store is in reach, else -1 and a reason in @p msg */
	int (*health)(void *ctx, char *msg, size_t len);
	/** counters and gauges for /v1/stats and /metrics; how many */
	int (*stats)(void *ctx, struct wgc_stat *out, unsigned int max);
};

/**
 * Route REST and UAPI changes through @p ops (NULL: back to local
 * apply), and add its health, status and counters. Any thread; @p ops
 * and @p ctx must outlive the control plane or a later call with NULL.
 */
void wgc_control_set_cluster(struct wgc_control *ctl,
		const struct wgc_control_cluster_ops *ops, void *ctx);

/** Peers the device holds after the last change. Any thread. */
uint64_t wgc_control_peer_count(struct wgc_control *ctl);

/**
 * Apply a change set locally, never through the cluster's writer hook,
 * audited as @p via ("cluster": the store's changes, on-demand installs,
 * idle eviction). Any thread but a backend callback.
 *
 * @return 0, or -1 with @p err set (as wgc_control_apply()).
 */
int wgc_control_apply_via(struct wgc_control *ctl,
		const struct wgc_changeset *cs, const char *via,
		struct wgc_conf_error *err);

/** Write a snapshot and truncate the journal now. 0 or -1. */
int wgc_control_compact(struct wgc_control *ctl);

/* ----------------------------------------------- UAPI text (pure) */

/**
 * Parse the body of a UAPI "set=1" request (the lines after "set=1\n", up
 * to but excluding the empty line) into a change set for apply(): steal
 * semantics for allowed IPs, absent REMOVE is a no-op, as in WireGuard.
 *
 * @return 0, or -1 with @p err ("line N: reason"); map to errno=-EINVAL.
 */
int wgc_uapi_parse_set(const char *text, size_t len, struct wgc_changeset *cs,
		struct wgc_conf_error *err);

/**
 * Write the reply of a UAPI "get=1" request (without the final errno line)
 * with malloc'd @p out / @p out_len. Called with the backend quiescent.
 * @return 0 or a negative errno.
 */
int wgc_uapi_format_get(const struct wgc_control_ops *ops, void *ctx,
		char **out, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_CONTROL_H_ */
