/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_CLUSTER_H_
#define _WGC_CLUSTER_H_

/**
 * @file
 * Concentrators sharing their peers: an etcd v3 client over etcd's JSON
 * gateway (libcurl + cJSON), the store behind `control.cluster`, and a
 * node of a cluster (wgc_cluster_start()): its peers synced from etcd,
 * REST and UAPI writes sent there, its node record (doc/cluster.md).
 *
 * Keys and values are byte strings (the gateway's base64 is handled
 * here). Revisions are etcd's 64-bit store revisions. Every call is
 * bounded by the client's timeout and fails over to the next endpoint;
 * errors are negative errno values:
 * - -EHOSTUNREACH: no endpoint answered (connect failure, timeout);
 * - -EIO: an endpoint answered with an HTTP or gRPC error;
 * - -EBADMSG: an answer that is not what the gateway sends;
 * - -E2BIG: a key or value beyond WGC_ETCD_VALUE_MAX;
 * - -ENOMEM.
 *
 * Threads: a struct wgc_etcd is used by one thread at a time (the control
 * plane's cluster thread); a watch runs on a thread of its own and calls
 * its callback there. Never from a worker: every call blocks on the
 * network.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wgc_conf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest key or value handled (etcd's default request limit is
 * 1.5 MiB; a peer's JSON is a few hundred bytes). */
#define WGC_ETCD_VALUE_MAX (64 * 1024)
/** Endpoints of one client. */
#define WGC_ETCD_ENDPOINTS_MAX 8

struct wgc_etcd;

/**
 * Create a client. Control thread.
 *
 * @param endpoints
 *   Base URLs (`http://127.0.0.1:2379`); the first that answers is used
 *   until it fails.
 * @param timeout_ms
 *   Bound of every request (connect included); 0: 2000.
 * @return
 *   The client, or NULL with errno set (EINVAL for a bad URL or count,
 *   ENOMEM).
 */
struct wgc_etcd *wgc_etcd_create(const char *const *endpoints,
		unsigned int nb_endpoints, unsigned int timeout_ms);

/** Free a client (NULL is a no-op). Its thread. */
void wgc_etcd_free(struct wgc_etcd *e);

/** One key-value pair as etcd stores it. */
struct wgc_etcd_kv {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *value;     /**< NULL for a delete event */
	size_t value_len;
	int64_t mod_revision;
	bool deleted;             /**< watch events: a DELETE */
};

/** Called once per pair; a non-zero return stops the walk (returned). */
typedef int (*wgc_etcd_kv_cb)(void *ctx, const struct wgc_etcd_kv *kv);

/**
 * Read every key under prefix at one revision, in pages of `page` keys
 * (etcd's `limit`), calling cb for each in key order. Client's thread.
 *
 * @param revision
 *   The revision to read at; 0: the newest (the first page's, kept for
 *   the following pages so that the walk is one consistent snapshot).
 * @param rev_out
 *   The revision read (watch from rev_out + 1 to follow the changes).
 * @return
 *   The number of pairs, the callback's non-zero return, or a negative
 *   errno (-ENOENT... as above; a compacted revision is -ESTALE).
 */
int64_t wgc_etcd_range_prefix(struct wgc_etcd *e, const void *prefix,
		size_t prefix_len, int64_t revision, unsigned int page,
		wgc_etcd_kv_cb cb, void *ctx, int64_t *rev_out);

/**
 * wgc_etcd_range_prefix() over the keys in [key, end) (a range of a
 * prefix read piecewise, at one revision). Client's thread.
 */
int64_t wgc_etcd_range(struct wgc_etcd *e, const void *key, size_t key_len,
		const void *end, size_t end_len, int64_t revision,
		unsigned int page, wgc_etcd_kv_cb cb, void *ctx,
		int64_t *rev_out);

/**
 * Read one key. Client's thread.
 *
 * @return
 *   1 and the pair through cb, 0 if the key does not exist, or a
 *   negative errno.
 */
int wgc_etcd_get(struct wgc_etcd *e, const void *key, size_t key_len,
		wgc_etcd_kv_cb cb, void *ctx);

/**
 * Put a key, optionally only if its mod_revision is still expect_rev
 * (0: only if it does not exist; -1: unconditionally), in one etcd
 * transaction. Client's thread.
 *
 * @param lease
 *   A lease id the key is attached to, or 0.
 * @param rev_out
 *   The revision of the write (NULL: not wanted).
 * @return
 *   0, -ECANCELED if the comparison failed (nothing written), or a
 *   negative errno.
 */
int wgc_etcd_put(struct wgc_etcd *e, const void *key, size_t key_len,
		const void *value, size_t value_len, int64_t expect_rev,
		int64_t lease, int64_t *rev_out);

/**
 * Delete a key (a missing key is not an error). Client's thread.
 *
 * @return
 *   The number of keys deleted (0 or 1), or a negative errno.
 */
int wgc_etcd_delete(struct wgc_etcd *e, const void *key, size_t key_len,
		int64_t *rev_out);

/** One operation of wgc_etcd_txn(). */
struct wgc_etcd_op {
	enum {
		WGC_ETCD_OP_GET,      /**< read the key (result through cb) */
		WGC_ETCD_OP_PUT,
		WGC_ETCD_OP_DELETE,
	} type;
	const void *key;
	size_t key_len;
	const void *value;        /**< PUT */
	size_t value_len;
	/** compare the key's mod_revision first: the transaction runs only
	 * if it is still this (0: the key must not exist); -1: no compare */
	int64_t expect_rev;
};

/** etcd's default bounds of one transaction (--max-txn-ops,
 * --max-request-bytes 1.5 MiB; the body is base64 of keys and values) */
#define WGC_ETCD_TXN_OPS_MAX 128
#define WGC_ETCD_TXN_BYTES_MAX (1024 * 1024)

/**
 * One etcd transaction: if every compare of @p ops holds, run all of
 * @p ops in order (gets report their pair through cb, a missing key
 * reports nothing); else nothing. Client's thread.
 *
 * @return
 *   0, -ECANCELED if a comparison failed (nothing written), -E2BIG for
 *   more than WGC_ETCD_TXN_OPS_MAX ops, or a negative errno.
 */
int wgc_etcd_txn(struct wgc_etcd *e, const struct wgc_etcd_op *ops,
		unsigned int n, wgc_etcd_kv_cb cb, void *ctx, int64_t *rev_out);

/** Grant a lease of ttl seconds; its id in *id. Client's thread. */
int wgc_etcd_lease_grant(struct wgc_etcd *e, unsigned int ttl, int64_t *id);

/**
 * Renew a lease once. Client's thread.
 *
 * @return
 *   0, -ENOENT if the lease expired (grant a new one), or a negative
 *   errno.
 */
int wgc_etcd_lease_keepalive(struct wgc_etcd *e, int64_t id);

struct wgc_etcd_watch;

/** What a watch reports besides its events. */
enum wgc_etcd_watch_state {
	WGC_ETCD_WATCH_UP,        /**< the stream is established */
	WGC_ETCD_WATCH_DOWN,      /**< lost; retrying with backoff */
	WGC_ETCD_WATCH_COMPACTED, /**< the revision was compacted: the
				   * watch stopped; read the prefix again */
};

/** Watch callbacks, called on the watch's own thread. */
struct wgc_etcd_watch_ops {
	/** one event (a put or a delete) under the prefix, in order */
	int (*event)(void *ctx, const struct wgc_etcd_kv *kv);
	/** state changes; rev: the last revision delivered */
	void (*state)(void *ctx, enum wgc_etcd_watch_state s, int64_t rev);
	/** optional: every event up to revision rev was delivered (the end
	 * of a watch message, after its last fragment: a revision's events
	 * are never split over two ends) */
	void (*end)(void *ctx, int64_t rev);
};

/**
 * Follow every change under prefix from revision from_rev on, on a
 * thread of its own: events are delivered in revision order; a broken
 * stream is reopened (backoff 100 ms doubling to 5 s) from the revision
 * after the last one delivered, so nothing is lost or repeated. Control
 * thread.
 *
 * @return
 *   The watch, or NULL with errno set.
 */
struct wgc_etcd_watch *wgc_etcd_watch_start(const char *const *endpoints,
		unsigned int nb_endpoints, const void *prefix,
		size_t prefix_len, int64_t from_rev,
		const struct wgc_etcd_watch_ops *ops, void *ctx);

/** Stop a watch and join its thread (bounded by ~200 ms). */
void wgc_etcd_watch_stop(struct wgc_etcd_watch *w);

/* ------------------------------------------- a node of a cluster */

struct wgc_control;
struct wgc_cluster;

/** Parameters of wgc_cluster_start(). */
struct wgc_cluster_params {
	const struct wgc_cluster_conf *conf; /**< control.cluster */
	struct wgc_control *ctl;   /**< the node's control plane */
	const char *state_dir;     /**< where the applied revision is kept
	                            *   (NULL or "": a full read at start) */
	const char *address;       /**< node record: where it is reached */
	const char *version;       /**< node record: wgc's version */
	/** node record: handshakes so far (a rate is derived); optional */
	uint64_t (*handshakes)(void *ctx);
	/** node record: peers held now; optional (else the control
	 * plane's count) */
	uint64_t (*peers)(void *ctx);
	void *cb_ctx;              /**< of handshakes() and peers() */
	unsigned int timeout_ms;   /**< bound of an etcd call; 0: 2000 */
	unsigned int apply_wait_ms; /**< read-your-writes bound; 0: 5000 */
	unsigned int node_ttl;     /**< node record lease, s; 0: 10 */
	unsigned int page;         /**< keys per page of a full read; 0: 2000 */
	/**
	 * On-demand nodes (hold only the active subset): does the node take
	 * the store's version of this peer? Asked for every put (a full
	 * read's and the watch's) on the sync thread; deletes are always
	 * taken. A full read then updates the peers taken and removes none.
	 * NULL: every peer, and a full read makes the device match.
	 */
	bool (*take)(void *ctx, const uint8_t pub[32]);
	void *take_ctx;
};

/** What a node's sync did (/v1/stats, /metrics, GET /v1/cluster). */
struct wgc_cluster_stats {
	int64_t applied_revision;  /**< the store revision this node has */
	uint64_t peers_synced;     /**< peers taken from the store */
	uint64_t full_syncs;       /**< full reads (start, compaction) */
	uint64_t batches;          /**< watch batches applied */
	uint64_t events;           /**< watch events applied */
	uint64_t skipped_malformed; /**< values that are not a peer */
	uint64_t apply_errors;     /**< changes the device refused */
	uint64_t watch_reconnects; /**< watch streams lost */
	uint64_t compactions;      /**< resyncs after a compacted revision */
	uint64_t writes;           /**< REST/UAPI changes written to etcd */
	uint64_t write_conflicts;  /**< compare failures (retried) */
	uint64_t write_unavailable; /**< writes refused with 503 */
	bool reachable;            /**< etcd answered lately */
	bool synced;               /**< the first full read (or resume) done */
};

/**
 * Start sharing peers: a thread reads `<prefix>peers/` (paged, at one
 * revision; or resumes from the revision kept in the state directory),
 * makes the device match by diff through the control plane (audited as
 * via=cluster), then applies the watch's changes in batches; the node
 * record is kept under a lease. REST and UAPI peer changes are routed to
 * etcd (wgc_control_set_cluster()). Control thread; the control plane
 * must outlive the cluster.
 *
 * @return the cluster, or NULL with errno set (never because etcd is
 *   unreachable: the thread retries and health says degraded).
 */
struct wgc_cluster *wgc_cluster_start(const struct wgc_cluster_params *p);

/** Unhook from the control plane, stop the threads, delete the node
 * record (bounded by the timeout), free. NULL is a no-op. */
void wgc_cluster_stop(struct wgc_cluster *c);

/** Copy the counters. Any thread. */
void wgc_cluster_stats_get(struct wgc_cluster *c, struct wgc_cluster_stats *st);

/**
 * Wait until the node applied @p rev (0: the first full read or resume)
 * or @p timeout_ms passed. Any thread but the cluster's.
 * @return 0, or -ETIMEDOUT.
 */
int wgc_cluster_wait_applied(struct wgc_cluster *c, int64_t rev,
		unsigned int timeout_ms);

/* ------------------------------------------------ peers on demand */

/*
 * A node that need not hold every peer: an initiation from a static key
 * the node does not know (its MACs checked by the handshake stage) is
 * kept in a bounded table and looked up in etcd (`<prefix>peers/<key in
 * base64url>`) by lookup threads of the module, off the handshake and data
 * paths. Found: the peer is installed (params.install) and the kept
 * initiation handed back to the handshake stage (params.reinject), which
 * answers it. Not found: the key goes to a negative cache for a while.
 * Peers installed so and idle for idle_evict_s are removed from the node
 * (params.remove), never from etcd.
 */

struct wgc_conf_error;
struct wgc_endpoint;
struct wgc_peer_conf;
struct wgc_stat;

/** Parameters of wgc_ondemand_create(); a zero bound takes its default. */
struct wgc_ondemand_params {
	const char *const *endpoints;  /**< etcd base URLs */
	unsigned int nb_endpoints;
	const char *prefix;            /**< the cluster's prefix, "/wgc/x/" */
	unsigned int timeout_ms;       /**< bound of one lookup (1000) */
	unsigned int lookups;          /**< lookups in flight: threads (2) */
	unsigned int kept;             /**< initiations kept, all keys (256) */
	unsigned int per_source;       /**< ... from one source address (4) */
	unsigned int negative_ttl_ms;  /**< a key etcd does not have (10 s) */
	unsigned int error_ttl_ms;     /**< a key whose lookup failed (1 s) */
	unsigned int negative_max;     /**< negative cache entries (4096) */
	unsigned int idle_evict_s;     /**< 0: peers stay */
	/** install a peer read from etcd; 0 or a negative errno. Called on
	 * a lookup thread, no lock of the module held */
	int (*install)(void *ctx, const struct wgc_peer_conf *conf);
	/** hand a kept initiation back to the handshake stage */
	int (*reinject)(void *ctx, const uint8_t *msg, size_t len,
			const struct wgc_endpoint *src);
	/** a counter that moves while the peer is used (bytes received);
	 * 0, or -ENOENT when the node no longer holds the peer */
	int (*activity)(void *ctx, const uint8_t key[32], uint64_t *value);
	/** remove n idle peers from the node; 0 or a negative errno */
	int (*remove)(void *ctx, const uint8_t (*keys)[32], unsigned int n);
	void *ctx;
};

/** Counters of the on-demand module (all since creation but gauges). */
struct wgc_ondemand_stats {
	uint64_t offered;        /**< unknown initiators seen */
	uint64_t queued;         /**< ... kept for a lookup */
	uint64_t coalesced;      /**< ... replaced a kept one of their key */
	uint64_t negative_hit;   /**< ... dropped: key in the negative cache */
	uint64_t drop_full;      /**< ... dropped: table full */
	uint64_t drop_source;    /**< ... dropped: per-source bound */
	uint64_t drop_bad;       /**< ... dropped: bad message or source */
	uint64_t lookups;        /**< etcd lookups made */
	uint64_t found;          /**< ... key present */
	uint64_t not_found;      /**< ... key absent */
	uint64_t lookup_errors;  /**< ... etcd unreachable or failing */
	uint64_t bad_values;     /**< ... value not a peer of that key */
	uint64_t installed;      /**< peers installed */
	uint64_t install_errors; /**< ... refused by the device */
	uint64_t reinjected;     /**< initiations handed back */
	uint64_t reinject_errors;
	uint64_t evicted;        /**< idle peers removed */
	uint64_t lookup_ns_sum;  /**< offer -> reinject, summed */
	uint64_t lookup_ns_max;
	uint32_t pending;        /**< gauge: initiations kept now */
	uint32_t negative;       /**< gauge: negative cache entries live */
	uint64_t held;           /**< gauge: peers installed on demand held */
};

struct wgc_ondemand;

/**
 * Start the module: its etcd clients and lookup threads, and an eviction
 * thread when idle_evict_s > 0. Control thread.
 *
 * @return
 *   The module, or NULL with errno set (EINVAL: missing callback,
 *   prefix or endpoint).
 */
struct wgc_ondemand *wgc_ondemand_create(const struct wgc_ondemand_params *p);

/** Stop the threads (each bounded by a lookup's timeout) and free. */
void wgc_ondemand_free(struct wgc_ondemand *od);

/**
 * An initiation from an unknown static key (MACs already checked). Never
 * blocks on the network: the message is copied into the table (the
 * newest message of a key replaces the one kept) and a lookup thread is
 * woken. The handshake stage's thread (any thread).
 *
 * @return
 *   0 if kept, -ENOENT (negative cache), -ENOSPC (table full), -EBUSY
 *   (per-source bound), -EINVAL (length); every outcome is counted.
 */
int wgc_ondemand_offer(struct wgc_ondemand *od, const uint8_t key[32],
		const uint8_t *msg, size_t len,
		const struct wgc_endpoint *src);

/**
 * Watch a peer the node holds for idleness as if it had been installed
 * on demand (a node restarted from its state directory adopts the peers
 * an earlier run installed). Nothing without idle_evict_s. Any thread.
 */
void wgc_ondemand_adopt(struct wgc_ondemand *od, const uint8_t key[32]);

/** Forget a key's negative cache entry (the peer was written). Any
 * thread. */
void wgc_ondemand_forget(struct wgc_ondemand *od, const uint8_t key[32]);

/** Read the counters. Any thread. */
void wgc_ondemand_stats_get(struct wgc_ondemand *od,
		struct wgc_ondemand_stats *st);

/**
 * The counters as /v1/stats and /metrics entries (`ondemand_*`). Any
 * thread.
 *
 * @return
 *   The number of entries written (at most max).
 */
unsigned int wgc_ondemand_stats_read(struct wgc_ondemand *od,
		struct wgc_stat *out, unsigned int max);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_CLUSTER_H_ */
