/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_CLUSTER_PRIVATE_H_
#define _WGC_CLUSTER_PRIVATE_H_

/* Shared by the files of lib/cluster; not part of the public API. */

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <rte_log.h>

#include "wgc_cluster.h"
#include "wgc_control.h"

extern int wgc_logtype_cluster;
#define CLUSTER_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_cluster, \
		"wgc.cluster: " fmt "\n", ##__VA_ARGS__)

/* largest answer read (a page of peers, or a watch message) */
#define ETCD_ANSWER_MAX (16u * 1024 * 1024)

/* a growing answer buffer, bounded by max */
struct etcd_buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
	int overflow;
};

/* libcurl write callback into a struct etcd_buf (NUL-terminated) */
size_t etcd_buf_write(char *ptr, size_t size, size_t n, void *ud);
void etcd_buf_reset(struct etcd_buf *b);

/* base64 of n bytes, malloc'd (NULL: ENOMEM) */
char *etcd_b64(const void *p, size_t n);
/* the bytes of a base64 string, malloc'd; 0 or -EBADMSG/-E2BIG/-ENOMEM */
int etcd_unb64(const char *s, uint8_t **out, size_t *len);
/* key + 1 on the last byte that is not 0xff: the end of a prefix range;
 * malloc'd, *len set; a prefix of only 0xff (or empty) gives "\0" */
uint8_t *etcd_prefix_end(const uint8_t *prefix, size_t n, size_t *len);

/* an int64 field, sent by the gateway as a string; def if absent;
 * *bad set if present but not a number */
int64_t etcd_json_i64(const cJSON *o, const char *name, int64_t def,
		int *bad);
/* decode a mvccpb.KeyValue object; the buffers are malloc'd into *kb and *vb
 * (free both, even on failure) */
int etcd_json_kv(const cJSON *kv, struct wgc_etcd_kv *out, uint8_t **kb,
		uint8_t **vb);
/* the endpoints of a client or a watch: base URLs, checked and copied */
struct etcd_urls {
	char *url[WGC_ETCD_ENDPOINTS_MAX];
	unsigned int n;
};

/* 0, -EINVAL (a count or URL that is not http://host[:port]) or -ENOMEM */
int etcd_urls_init(struct etcd_urls *u, const char *const *endpoints,
		unsigned int n);
void etcd_urls_free(struct etcd_urls *u);

/* ------------------------------------------------ a node's sync */

/* one watch event waiting for the sync thread */
struct cluster_ev {
	uint8_t pub[WGC_KEY_LEN];
	bool deleted;
	char *value;                 /* malloc'd, NUL-terminated; NULL on
	                              * a delete */
	size_t len;
	int64_t rev;
};

struct wgc_cluster {
	struct wgc_cluster_conf conf;
	struct wgc_control *ctl;
	char peers_prefix[WGC_CLUSTER_PREFIX_LEN + 8];  /* <prefix>peers/ */
	size_t peers_prefix_len;
	char rev_path[PATH_MAX];     /* "" = revision not kept */
	char address[128];
	char version[32];
	uint64_t (*handshakes)(void *ctx);
	uint64_t (*peers)(void *ctx);
	void *cb_ctx;
	bool (*take)(void *ctx, const uint8_t pub[32]); /* NULL: all */
	void *take_ctx;
	unsigned int timeout_ms;
	unsigned int apply_wait_ms;
	unsigned int node_ttl;
	unsigned int page;
	pthread_t thread;
	bool running;
	volatile int stop;
	struct wgc_etcd *etcd;       /* the sync thread's client */
	struct wgc_etcd_watch *watch;
	/* writers (REST/UAPI threads), one at a time */
	pthread_mutex_t wr_mu;
	struct wgc_etcd *wr;
	/* mu guards everything below; cv: events queued, revision applied */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct cluster_ev *q;
	uint32_t q_len, q_cap;
	uint32_t q_ready;            /* q[0, q_ready): whole revisions */
	bool compacted;              /* the watch stopped: read it all again */
	bool watch_up;
	char reason[160];            /* why etcd is out of reach */
	struct wgc_cluster_stats st;
	cJSON *nodes;                /* node records read last (an array) */
	/* node record (the sync thread) */
	int64_t lease;
	uint64_t node_next_ms;
	uint64_t hs_last;
	uint64_t hs_last_ms;
	double hs_rate;
};

/* the watch's queue bound: its thread waits above it */
#define CLUSTER_QUEUE_MAX 65536u

/* monotonic ms */
uint64_t cluster_ms(void);
/* sleep up to ms, returning early when c->stop */
void cluster_sleep(struct wgc_cluster *c, unsigned int ms);
/* etcd in or out of reach (mu not held): the health reason */
void cluster_set_reachable(struct wgc_cluster *c, bool up, const char *why);

/* the public key named by a peer's etcd key: 0, or -1 if the key is not
 * `<prefix>peers/<43 base64url characters>` */
int cluster_peer_key(const struct wgc_cluster *c, const uint8_t *k, size_t len,
		uint8_t pub[WGC_KEY_LEN]);
/* `<prefix>peers/<key>` into out; its length, 0 if it does not fit */
size_t cluster_peer_keyname(const struct wgc_cluster *c,
		const uint8_t pub[WGC_KEY_LEN], char *out, size_t cap);
/* parse a peer's value: JSON as REST takes it, public_key matching */
int cluster_peer_parse(const uint8_t pub[WGC_KEY_LEN], const void *value,
		size_t len, struct wgc_peer_conf *p, uint32_t *fields,
		struct wgc_conf_error *err);
/* a peer's value (malloc'd text, with its preshared key), NULL: ENOMEM */
char *cluster_peer_value(const struct wgc_peer_conf *p, size_t *len);

/* the revision kept in the state directory (cluster_rev.c): the one
 * kept for this prefix (0: none), and keeping one */
int64_t cluster_rev_load(struct wgc_cluster *c);
void cluster_rev_save(struct wgc_cluster *c, int64_t rev);
/* the watch and its queue (cluster_queue.c), on the sync thread: open
 * after the revision applied (0 or -errno), close and empty the queue */
int cluster_watch_open(struct wgc_cluster *c);
void cluster_watch_close(struct wgc_cluster *c);

/* node records (cluster_node.c), on the sync thread: refresh when due */
void cluster_node_tick(struct wgc_cluster *c);
/* delete this node's record (stop) */
void cluster_node_remove(struct wgc_cluster *c);
/* GET /v1/cluster: this node's view (a new object, NULL: ENOMEM) */
cJSON *cluster_status(struct wgc_cluster *c);
/* the cluster's hook into the control plane (cluster_write.c) */
extern const struct wgc_control_cluster_ops cluster_control_ops;

/* on-demand nodes: a full read's peers (those taken) applied as upserts
 * through the control plane, none removed (cluster_ondemand.c) */
int cluster_apply_taken(struct wgc_cluster *c, const struct wgc_peer_conf *p,
		uint32_t n, struct wgc_conf_error *err);

#endif /* _WGC_CLUSTER_PRIVATE_H_ */
