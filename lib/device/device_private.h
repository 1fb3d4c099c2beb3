/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _DEVICE_PRIVATE_H_
#define _DEVICE_PRIVATE_H_

#include <rte_log.h>

#include "wgc_device.h"
#include "wgc_peers.h"

extern int wgc_logtype_device;
#define DEV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_device, \
		"wgc.device: " fmt "\n", ##__VA_ARGS__)

/* ---- the shadow (device_shadow.c) ---- */

/* make every change of @p cs with an undo log; on error the shadow is as
 * before and -1 returned with @p err set */
int shadow_prepare(struct wgc_mem_backend *mb, const struct wgc_changeset *cs,
		struct wgc_conf_error *err);
/* each key the prepared change touched, once: @p before NULL if the key
 * is new, @p after NULL if removed; both valid until commit or abort */
void shadow_changes(struct wgc_mem_backend *mb,
		void (*fn)(void *ctx, const uint8_t *key,
			const struct wgc_peer_conf *before,
			const struct wgc_peer_conf *after), void *ctx);
/* keep the prepared change (drops the undo log); cannot fail */
void shadow_commit(struct wgc_mem_backend *mb);
/* undo the prepared change; cannot fail */
void shadow_abort(struct wgc_mem_backend *mb);
/* the interface as the shadow holds it (prepared values included) */
const struct wgc_iface_conf *shadow_iface(const struct wgc_mem_backend *mb);
/* a pointer the device keeps with a peer's record (its live peer, a hint
 * it checks), for a @p conf the shadow handed out; NULL at first */
void **shadow_user(const struct wgc_peer_conf *conf);

/* ---- the live table (device_live.c) ---- */

/* one changed key of the running apply */
struct live_change {
	uint8_t key[WGC_KEY_LEN];
	const struct wgc_peer_conf *before; /* NULL: a new key */
	const struct wgc_peer_conf *after;  /* NULL: removed */
	struct wgc_peer *live;       /* the live peer (prepare) */
	bool created;                /* prepare created it */
	bool removed_early;          /* removed to make room */
};

/* what prepare did to the live table, undone by abort */
struct live_undo {
	struct wgc_peer *p;
	struct wgc_prefix pf;
};

struct live_undo_vec {
	struct live_undo *v;
	uint64_t n, cap;
};

struct wgc_device {
	struct wgc_mem_backend *shadow;
	struct wgc_peers *t;
	struct wgc_identity *id;
	struct wgc_pipeline *pl;     /* NULL until set */
	struct wgc_net_port *net[WGC_DEVICE_PORTS_MAX];
	char net_name[WGC_DEVICE_PORTS_MAX][16];
	uint16_t nb_net;
	int (*extra_stats)(void *ctx, struct wgc_stat *out, unsigned int max);
	void *extra_ctx;
	/* the running apply */
	struct live_change *chg;
	uint64_t n_chg, cap_chg;
	bool oom;
	bool early;                  /* peers removed to make room */
	bool key_changed, port_changed;
	uint16_t new_port;           /* the listen port, if changed */
	struct wgc_iface_conf before; /* the interface before it */
	struct live_undo_vec created, deleted, added;
};

/* collect the shadow's prepared changes into dev->chg (0 or -1: OOM) */
int live_collect(struct wgc_device *dev);
/* every live step that can fail (writer lock held); on error, what was
 * done is undone and -1 returned with @p err set */
int live_prepare(struct wgc_device *dev, const struct wgc_changeset *cs,
		struct wgc_conf_error *err);
/* the steps that cannot fail, the pipeline told (writer lock held) */
void live_commit(struct wgc_device *dev);
/* forget the running apply's lists */
void live_reset(struct wgc_device *dev);

/* every counter of the device (device_stats.c): wgc_device_ops.stats_read */
int device_stats_read(void *ctx, struct wgc_stat *out, unsigned int max);

#endif /* _DEVICE_PRIVATE_H_ */
