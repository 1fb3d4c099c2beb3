/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_CONTROL_PRIV_H_
#define _WGC_CONTROL_PRIV_H_

#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <rte_log.h>

#include "wgc_control.h"

extern int wgc_logtype_control;
#define CTL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_control, \
		"wgc.control: " fmt "\n", ##__VA_ARGS__)

extern int wgc_logtype_audit;

struct MHD_Daemon;

/* who asked for a change (the audit line): the socket and the peer's uid
 * from SO_PEERCRED; uid -1 for a change from inside the daemon */
struct ctl_who {
	const char *via;             /* "rest", "uapi", "daemon" */
	long uid;
};

/* control-plane counters (exported in /v1/stats and /metrics) */
struct ctl_counters {
	uint64_t http_requests;
	uint64_t http_status[6];     /* by class: 1xx..5xx, index 1..5 */
	uint64_t http_refused;       /* peer credentials */
	uint64_t uapi_requests;
	uint64_t uapi_errors;
	uint64_t uapi_refused;
	uint64_t changes_applied;
	uint64_t journal_writes;
	uint64_t compactions;
	uint64_t persist_errors;
};

struct persist {
	int dirfd;                   /* -1: no persistence */
	int journal_fd;
	uint64_t seq;                /* last journal sequence written */
	uint64_t journal_bytes;
	uint64_t snapshot_bytes;
};

struct wgc_control {
	pthread_mutex_t lock;        /* every backend call holds it */
	const struct wgc_control_ops *ops;
	void *ctx;
	struct wgc_control_conf conf;
	char ifname[WGC_IFNAME_LEN];
	gid_t gid;                   /* allowed group, (gid_t)-1 = none */
	time_t started;
	struct ctl_counters cnt;
	struct persist persist;
	struct wgc_monitor *monitor;  /* NULL: none */
	uint64_t peers_cached;       /* peer count after the last apply */
	/* control.cluster (control_cluster.c): NULL ops = a single box */
	const struct wgc_control_cluster_ops *cluster;
	void *cluster_ctx;
	uint32_t cluster_users;      /* callers inside a cluster callback */
	/* REST */
	int rest_fd;
	struct MHD_Daemon *mhd;
	uint64_t rest_body_bytes;    /* request bodies held, all clients */
	/* UAPI */
	int uapi_fd;
	int uapi_stop[2];
	pthread_t uapi_thread;
	bool uapi_running;
	char uapi_path[300];
	/* UAPI connections, one thread each (a slow client holds only its
	 * own); uapi_mu guards the rest */
	pthread_mutex_t uapi_mu;
	pthread_cond_t uapi_cv;
	bool uapi_sync;              /* uapi_mu and uapi_cv initialised */
	unsigned int uapi_active;
	bool uapi_stopping;
	int uapi_conn_fd[16];        /* -1: free slot */
	uint64_t uapi_set_max;       /* bytes of one set=1 request */
	uint64_t uapi_budget;        /* bytes of set=1 text held, all clients */
	uint64_t uapi_held;          /* ... held now (uapi_mu) */
};

/* monotonic time in ms (phase timings in the log) */
static inline double
ctl_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* peer credentials: 0 allowed, -1 refused; the peer's uid in @p uid
 * (may be NULL) */
int ctl_check_peer(struct wgc_control *ctl, int fd, long *uid);
/* create, bind, chmod 0660, chown group, listen */
int ctl_unix_listen(struct wgc_control *ctl, const char *path);

/* apply with the lock held; an accepted change writes one audit line */
int ctl_apply_locked(struct wgc_control *ctl, const struct wgc_changeset *cs,
		struct wgc_conf_error *err, const struct ctl_who *who);

/* the apply of a REST or UAPI change (control_cluster.c): through the
 * cluster's writer hook when there is one, else locally under the lock */
int ctl_apply_from(struct wgc_control *ctl, const struct wgc_changeset *cs,
		struct wgc_conf_error *err, const struct ctl_who *who);
/* the cluster's health, counters and GET /v1/cluster (0 / none / an
 * object saying "enabled": false without control.cluster) */
int ctl_cluster_health(struct wgc_control *ctl, char *msg, size_t len);
int ctl_cluster_stats(struct wgc_control *ctl, struct wgc_stat *out,
		unsigned int max);
cJSON *ctl_cluster_status(struct wgc_control *ctl);

/* the audit line of an accepted change (never a secret) */
void ctl_audit(const struct wgc_changeset *cs, const struct ctl_who *who);

/* /v1/health's verdict without the control lock: 0 ok, -1 with @p msg */
int ctl_health(struct wgc_control *ctl, char *msg, size_t len);

/* every counter: the backend's, then the monitor's; malloc'd array in
 * @p out (NULL on error), returns how many */
int ctl_stats_collect(struct wgc_control *ctl, struct wgc_stat **out);

/* Prometheus text (control_metrics.c): the reply of GET /metrics */
struct MHD_Response;
struct MHD_Response *ctl_metrics_response(struct wgc_control *ctl,
		bool peers);

/* persistence (control_persist.c); lock held */
int persist_open(struct wgc_control *ctl, struct wgc_conf_error *err);
void persist_close(struct wgc_control *ctl);
int persist_record(struct wgc_control *ctl, const struct wgc_changeset *cs);
int persist_compact(struct wgc_control *ctl);

/* walk the backend's peers in key order (peer_walk, or a peer_next loop):
 * see struct wgc_control_ops.peer_walk */
typedef int (*ctl_walk_fn)(void *arg, const struct wgc_peer_conf *conf,
		const struct wgc_control_peer_stats *st);
uint64_t ctl_walk(const struct wgc_control_ops *ops, void *ctx,
		const uint8_t *after, uint64_t max, bool stats, ctl_walk_fn fn,
		void *arg);

/* name of a change operation in journal records */
const char *ctl_op_name(enum wgc_peer_op op);

/* change set <-> JSON (journal records) */
cJSON *ctl_changeset_to_json(const struct wgc_changeset *cs, bool secrets);
int ctl_changeset_from_json(const cJSON *j, struct wgc_changeset *cs,
		struct wgc_conf_error *err);

/* REST (control_rest.c); the route table ends with a NULL path */
struct ctl_route {
	const char *path;      /* "{key}" marks the public-key segment */
	const char *methods;   /* space-separated */
};
extern const struct ctl_route ctl_routes[];

/* REST (control_rest.c) */
int rest_start(struct wgc_control *ctl);
void rest_stop(struct wgc_control *ctl);

/* UAPI server (control_uapi.c) */
int uapi_start(struct wgc_control *ctl);
void uapi_stop(struct wgc_control *ctl);

/* in-memory backend: report each changed key after a successful apply;
 * @p before (the state before, NULL if the key is new) may be taken by
 * the hook (moved out and zeroed); @p after (NULL if removed) is the
 * backend's own record: valid until the backend changes again */
/* in-memory backend: a pointer the owner may keep with a peer's record,
 * for a @p conf the backend handed out (walk, commit hook); NULL at
 * first. The binding keeps the live peer there: a hint it checks. */
void **ctl_mem_user(const struct wgc_peer_conf *conf);

void ctl_mem_set_commit_hook(struct wgc_mem_backend *mb,
		void (*fn)(void *ctx, const uint8_t *key,
			struct wgc_peer_conf *before,
			const struct wgc_peer_conf *after), void *ctx);

/* growable text buffer */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sbuf_free(struct sbuf *b);

#endif /* _WGC_CONTROL_PRIV_H_ */
