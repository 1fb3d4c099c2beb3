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

#include "control_priv.h"

void
wgc_control_set_cluster(struct wgc_control *ctl,
		const struct wgc_control_cluster_ops *ops, void *ctx)
{
	if (ops != NULL)
		__atomic_store_n(&ctl->cluster_ctx, ctx, __ATOMIC_RELEASE);
	__atomic_store_n(&ctl->cluster, ops, __ATOMIC_RELEASE);
}

static const struct wgc_control_cluster_ops *
cluster_ops(struct wgc_control *ctl, void **ctx)
{
	const struct wgc_control_cluster_ops *ops =
		__atomic_load_n(&ctl->cluster, __ATOMIC_ACQUIRE);

	*ctx = __atomic_load_n(&ctl->cluster_ctx, __ATOMIC_ACQUIRE);
	return ops;
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

	ops = cluster_ops(ctl, &ctx);
	if (ops == NULL || ops->write == NULL)
		return apply_local(ctl, cs, err, who);
	rc = ops->write(ctx, cs, err);
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

int
ctl_cluster_health(struct wgc_control *ctl, char *msg, size_t len)
{
	const struct wgc_control_cluster_ops *ops;
	void *ctx;

	ops = cluster_ops(ctl, &ctx);
	if (ops == NULL || ops->health == NULL)
		return 0;
	return ops->health(ctx, msg, len);
}

int
ctl_cluster_stats(struct wgc_control *ctl, struct wgc_stat *out,
		unsigned int max)
{
	const struct wgc_control_cluster_ops *ops;
	void *ctx;
	int n;

	ops = cluster_ops(ctl, &ctx);
	if (ops == NULL || ops->stats == NULL || max == 0)
		return 0;
	n = ops->stats(ctx, out, max);
	return n < 0 ? 0 : n;
}

cJSON *
ctl_cluster_status(struct wgc_control *ctl)
{
	const struct wgc_control_cluster_ops *ops;
	void *ctx;
	cJSON *o;

	ops = cluster_ops(ctl, &ctx);
	if (ops == NULL || ops->status == NULL) {
		o = cJSON_CreateObject();
		if (o != NULL && cJSON_AddBoolToObject(o, "enabled",
				false) == NULL) {
			cJSON_Delete(o);
			o = NULL;
		}
		return o;
	}
	return ops->status(ctx);
}
