/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The cluster layer's door into the control plane (control.cluster): a
 * writer hook that sends REST and UAPI changes to the shared store
 * instead of applying them here, the local apply that the store's own
 * changes take, GET /v1/cluster, and the cluster's share of health and
 * counters. Without a hook every function here is the single box's path.
 *
 * The hook is called without the control lock: it waits for etcd and for
 * this node to apply the write, and the node applies through the lock.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control_priv.h"

void
wgc_control_set_cluster(struct wgc_control *ctl,
		const struct wgc_control_cluster_ops *ops, void *ctx)
{
	struct timespec ms = { 0, 1000000 };

	if (ops != NULL)
		__atomic_store_n(&ctl->cluster_ctx, ctx, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ctl->cluster, ops, __ATOMIC_SEQ_CST);
	/* unhooked: the callers already inside finish before ctx goes */
	while (ops == NULL && __atomic_load_n(&ctl->cluster_users,
			__ATOMIC_SEQ_CST) > 0)
		nanosleep(&ms, NULL);
}

/* the hook and its context, counted until cluster_put(); NULL: none */
static const struct wgc_control_cluster_ops *
cluster_get(struct wgc_control *ctl, void **ctx)
{
	const struct wgc_control_cluster_ops *ops;

	__atomic_add_fetch(&ctl->cluster_users, 1, __ATOMIC_SEQ_CST);
	ops = __atomic_load_n(&ctl->cluster, __ATOMIC_SEQ_CST);
	*ctx = __atomic_load_n(&ctl->cluster_ctx, __ATOMIC_SEQ_CST);
	if (ops == NULL)
		__atomic_sub_fetch(&ctl->cluster_users, 1, __ATOMIC_SEQ_CST);
	return ops;
}

static void
cluster_put(struct wgc_control *ctl)
{
	__atomic_sub_fetch(&ctl->cluster_users, 1, __ATOMIC_SEQ_CST);
}

static int
apply_local(struct wgc_control *ctl, const struct wgc_changeset *cs,
		struct wgc_conf_error *err, const struct ctl_who *who)
{
	int rc;

	pthread_mutex_lock(&ctl->lock);
	rc = ctl_apply_locked(ctl, cs, err, who);
	pthread_mutex_unlock(&ctl->lock);
	return rc;
}

int
ctl_apply_from(struct wgc_control *ctl, const struct wgc_changeset *cs,
		struct wgc_conf_error *err, const struct ctl_who *who)
{
	const struct wgc_control_cluster_ops *ops;
	struct wgc_changeset iface_only;
	struct ctl_who store;
	char via[32];
	void *ctx;
	int rc;

	ops = cluster_get(ctl, &ctx);
	if (ops == NULL)
		return apply_local(ctl, cs, err, who);
	rc = ops->write(ctx, cs, err);
	cluster_put(ctl);
	if (rc < 0)
		return -1;
	if (cs->n > 0 || cs->replace_peers) {
		/* who asked; the node's own apply is audited as cluster */
		snprintf(via, sizeof(via), "%s,etcd", who->via);
		store.via = via;
		store.uid = who->uid;
		iface_only = *cs;
		iface_only.iface_fields = 0;
		ctl_audit(&iface_only, &store);
	}
	if (rc == 0 || cs->iface_fields == 0)
		return 0;
	/* the interface is the node's own (its key, its port) */
	iface_only = *cs;
	iface_only.replace_peers = false;
	iface_only.n = 0;
	iface_only.cap = 0;
	iface_only.peers = NULL;
	return apply_local(ctl, &iface_only, err, who);
}

int
wgc_control_apply_via(struct wgc_control *ctl, const struct wgc_changeset *cs,
		const char *via, struct wgc_conf_error *err)
{
	const struct ctl_who who = { via, -1 };

	return apply_local(ctl, cs, err, &who);
}

uint64_t
wgc_control_peer_count(struct wgc_control *ctl)
{
	return __atomic_load_n(&ctl->peers_cached, __ATOMIC_RELAXED);
}

int
ctl_cluster_health(struct wgc_control *ctl, char *msg, size_t len)
{
	const struct wgc_control_cluster_ops *ops;
	void *ctx;
	int rc;

	ops = cluster_get(ctl, &ctx);
	if (ops == NULL)
		return 0;
	rc = ops->health(ctx, msg, len);
	cluster_put(ctl);
	return rc;
}

int
ctl_cluster_stats(struct wgc_control *ctl, struct wgc_stat *out,
		unsigned int max)
{
	const struct wgc_control_cluster_ops *ops;
	void *ctx;
	int n;

	ops = cluster_get(ctl, &ctx);
	if (ops == NULL)
		return 0;
	n = max > 0 ? ops->stats(ctx, out, max) : 0;
	cluster_put(ctl);
	return n < 0 ? 0 : n;
}

cJSON *
ctl_cluster_status(struct wgc_control *ctl)
{
	const struct wgc_control_cluster_ops *ops;
	void *ctx;
	cJSON *o;

	ops = cluster_get(ctl, &ctx);
	if (ops == NULL) {
		o = cJSON_CreateObject();
		if (o != NULL && cJSON_AddBoolToObject(o, "enabled",
				false) == NULL) {
			cJSON_Delete(o);
			o = NULL;
		}
		return o;
	}
	o = ops->status(ctx);
	cluster_put(ctl);
	return o;
}
