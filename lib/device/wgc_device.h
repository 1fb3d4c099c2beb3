/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_DEVICE_H_
#define _WGC_DEVICE_H_

/**
 * @file
 * The device: the identity, the live peer table, the pipeline handle and
 * the configuration shadow, and the one door through which they change.
 *
 * wgc_device_apply() is the only writer of peers and interface state: the
 * start-up configuration, REST, UAPI (through lib/control), SIGHUP reload
 * and cluster sync all come through it. An apply has two phases:
 *
 * - prepare: every check and allocation that can fail, against the
 *   shadow (conflicts, absent peers, weak keys) and against the live
 *   table (slots for new peers, allowed-IP rules, the private key, the
 *   listen port). Each live step is recorded and reversible;
 * - commit (cannot fail: removals, preshared keys, endpoints, keepalives,
 *   the pipeline told of each change) or abort (every prepared step
 *   undone, the shadow back from its own undo log).
 *
 * A refused change therefore leaves the shadow (what REST, UAPI and the
 * state directory see) and the live table as they were.
 *
 * Threads: one writer at a time (lib/control serialises its calls with
 * its mutex; the daemon applies the start-up configuration before the
 * control plane starts). Reads of counters (stats_read) are safe from any
 * thread. The live table is changed under its writer lock, which the
 * handshake stage also takes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wgc_conf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Per-peer counters a device reports. */
struct wgc_device_peer_stats {
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
 * The device's operations: how the control plane reads and changes a
 * device (wgc_device_ops for a device, wgc_mem_backend_ops for a
 * configuration without a data plane). Return 0 or a negative errno
 * unless stated.
 */
struct wgc_device_ops {
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
			struct wgc_peer_conf *conf,
			struct wgc_device_peer_stats *stats);
	/**
	 * Ordered iteration (memcmp order of public keys): the first peer
	 * whose key is strictly greater than @p after (NULL = the first
	 * peer). Must be O(log n) or better, never a scan.
	 * @return 0 or -ENOENT at the end.
	 */
	int (*peer_next)(void *ctx, const uint8_t *after,
			struct wgc_peer_conf *conf,
			struct wgc_device_peer_stats *stats);
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
				const struct wgc_device_peer_stats *st),
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

/**
 * Put one counter at out[n] if n < max (zeroed first: a counter with
 * generic help). Any thread.
 *
 * @return n + 1, or n when full.
 */
unsigned int wgc_stat_put(struct wgc_stat *out, unsigned int n,
		unsigned int max, const char *name, const char *label,
		int32_t worker, uint64_t value);

/* ------------------------------------------- configuration only */

struct wgc_mem_backend;

/**
 * Create a configuration without a data plane (the device's shadow on its
 * own): ordered index of peers (O(log n) lookup, insert and resume), hash
 * index of allowed IPs (conflicts), undo log for all-or-nothing apply.
 * Used by tests and by the control-only server. @p iface may be NULL.
 * Any thread.
 */
struct wgc_mem_backend *wgc_mem_backend_create(
		const struct wgc_iface_conf *iface);

/** Free everything (wipes keys). Any thread, nothing else using it. */
void wgc_mem_backend_destroy(struct wgc_mem_backend *mb);

/** Operations of a configuration (ctx = the wgc_mem_backend). */
extern const struct wgc_device_ops wgc_mem_backend_ops;

/** Test hook: set a peer's counters (e.g. a fake handshake). Writer. */
int wgc_mem_backend_set_stats(struct wgc_mem_backend *mb,
		const uint8_t key[WGC_KEY_LEN],
		const struct wgc_device_peer_stats *st);

/** Test hook: the peer's session id (kept across updates), 0 = absent. */
uint64_t wgc_mem_backend_session(struct wgc_mem_backend *mb,
		const uint8_t key[WGC_KEY_LEN]);

/**
 * Test hook: when on, every peer created gets a fake handshake time, a
 * distinct second per peer (about three years ago), so that tests can see
 * whether a change kept a peer's session (its handshake time stays).
 */
void wgc_mem_backend_fake_handshakes(struct wgc_mem_backend *mb, bool on);

/* ------------------------------------------------------- the device */

struct wgc_device;
struct wgc_identity;
struct wgc_peers;
struct wgc_peers_params;
struct wgc_pipeline;
struct wgc_net_port;
struct wgc_net_stats;

/** The most outer ports (host stacks) a device owns. */
#define WGC_DEVICE_PORTS_MAX 8

/** Parameters of wgc_device_create(). */
struct wgc_device_params {
	/** the interface (name, private key, listen port, addresses) */
	const struct wgc_iface_conf *iface;
	/** the peer table to create (its identity field is ignored: the
	 * device's own is used) */
	const struct wgc_peers_params *peers;
	/** NUMA socket of the identity (or SOCKET_ID_ANY) */
	int socket_id;
	/** the edges' counters for /v1/stats and /metrics, after the
	 * device's own (lib/proto, pipeline, parking lot, the host stacks'
	 * lib/net totals and per port), or NULL; must be safe from any
	 * thread */
	int (*stats)(void *ctx, struct wgc_stat *out, unsigned int max);
	void *stats_ctx;
};

/**
 * Create a device: its identity (private key of @p p->iface, none if
 * zero), an empty peer table and an empty shadow holding the interface.
 * Peers come in through wgc_device_apply(). Main lcore, after EAL init.
 *
 * @return the device, or NULL with rte_errno set.
 */
struct wgc_device *wgc_device_create(const struct wgc_device_params *p);

/**
 * Hand the device its pipeline (created on wgc_device_peers()): from now
 * on every change is reported to it directly (timers, removals), and
 * wgc_device_destroy() frees it. Main lcore, before the stage polls.
 */
void wgc_device_set_pipeline(struct wgc_device *dev, struct wgc_pipeline *pl);

/**
 * Hand the device an outer port's host stack (lib/net), shown as @p name
 * ("outer", "outer1", ...) in the counters: from now on the device owns
 * it, sets its listen port on every listen-port change, reports its
 * counters, and wgc_device_destroy() frees it (after the pipeline). On
 * error it is freed at once. Without any host stack a listen-port change
 * is refused. Main lcore, before the pipeline is created.
 *
 * @return 0, or -1 with rte_errno set (ENOSPC: WGC_DEVICE_PORTS_MAX).
 */
int wgc_device_add_port(struct wgc_device *dev, struct wgc_net_port *net,
		const char *name);

/** The number of host stacks handed by wgc_device_add_port(). Any thread. */
uint16_t wgc_device_nb_ports(const struct wgc_device *dev);

/**
 * Host stack @p k (in the order they were added), or NULL. It stays the
 * device's. Any thread while the device lives.
 */
struct wgc_net_port *wgc_device_port(const struct wgc_device *dev,
		uint16_t k);

/**
 * lib/net's counters, every host stack's added (the net_* totals of the
 * device's stats). Any thread.
 */
void wgc_device_net_sum(const struct wgc_device *dev,
		struct wgc_net_stats *sum);

/**
 * Free the pipeline, the host stacks, the peer table, the identity and
 * the shadow (the host stacks before the ethdevs they use close). The
 * workers must be stopped and the control plane destroyed. Main lcore.
 */
void wgc_device_destroy(struct wgc_device *dev);

/**
 * Apply a change set, all or nothing (see the file comment). Changing an
 * existing peer keeps its session, keys and counters; only removal ends
 * them. Errors set @p err: WGC_CONF_ECONFLICT (an allowed IP owned by
 * another peer without steal_allowed_ips), WGC_CONF_ENOENT (UPDATE or
 * REMOVE of an absent peer), WGC_CONF_EVALUE (a weak private key, a
 * listen port the device cannot take), WGC_CONF_ENOSPC (a table full),
 * WGC_CONF_EIO (out of memory); a message about one change starts with
 * "peers[i]". One writer at a time; any thread (a thread that is not an
 * EAL thread registers itself with EAL on its first apply).
 *
 * @return 0, or -1 with @p err set and nothing changed.
 */
int wgc_device_apply(struct wgc_device *dev, const struct wgc_changeset *cs,
		struct wgc_conf_error *err);

/**
 * The start-up configuration as one change set through
 * wgc_device_apply(): the peers of @p peers (each replaced as given).
 * Main lcore.
 *
 * @return 0, or -1 with @p err set and nothing changed.
 */
int wgc_device_load(struct wgc_device *dev, const struct wgc_peer_conf *peers,
		uint32_t n, struct wgc_conf_error *err);

/** The live peer table (for the pipeline and read-only walks). */
struct wgc_peers *wgc_device_peers(const struct wgc_device *dev);

/** The identity (public key, handshake counters). */
struct wgc_identity *wgc_device_identity(const struct wgc_device *dev);

/** The pipeline, or NULL before wgc_device_set_pipeline(). */
struct wgc_pipeline *wgc_device_pipeline(const struct wgc_device *dev);

/** Operations of a device for lib/control (ctx = the wgc_device). */
extern const struct wgc_device_ops wgc_device_ops;

#ifdef __cplusplus
}
#endif

#endif /* _WGC_DEVICE_H_ */
