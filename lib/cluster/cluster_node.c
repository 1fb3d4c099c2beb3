/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Node records: `<prefix>nodes/<node id>` holds what a node says about
 * itself (address, version, peers held, handshakes per second, revision
 * applied) under a lease, so that a node that stops or loses etcd
 * vanishes after the lease's TTL. The sync thread refreshes it every
 * third of the TTL and reads every node's record for GET /v1/cluster.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_private.h"

/* records read for GET /v1/cluster */
#define NODES_MAX 256

static size_t
node_key(const struct wgc_cluster *c, char *out, size_t cap, bool self)
{
	int n = snprintf(out, cap, "%snodes/%s", c->conf.prefix,
		self ? c->conf.node : "");

	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static char *
node_value(struct wgc_cluster *c, uint64_t peers)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (o == NULL)
		return NULL;
	pthread_mutex_lock(&c->mu);
	cJSON_AddStringToObject(o, "node", c->conf.node);
	cJSON_AddStringToObject(o, "address", c->address);
	cJSON_AddStringToObject(o, "version", c->version);
	cJSON_AddNumberToObject(o, "peers", (double)peers);
	cJSON_AddNumberToObject(o, "handshakes_per_s",
		(double)(int64_t)(c->hs_rate * 10) / 10);
	cJSON_AddNumberToObject(o, "revision",
		(double)c->st.applied_revision);
	pthread_mutex_unlock(&c->mu);
	s = cJSON_IsInvalid(o) ? NULL : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int
nodes_kv(void *ctx, const struct wgc_etcd_kv *kv)
{
	cJSON *arr = ctx;
	cJSON *j;

	if (cJSON_GetArraySize(arr) >= NODES_MAX)
		return 0;
	j = cJSON_ParseWithLength((const char *)kv->value, kv->value_len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return 0; /* not a node record: not shown */
	}
	cJSON_AddItemToArray(arr, j);
	return 0;
}

static int
lease_refresh(struct wgc_cluster *c)
{
	int rc = -ENOENT;

	if (c->lease != 0)
		rc = wgc_etcd_lease_keepalive(c->etcd, c->lease);
	if (rc == -ENOENT) {
		c->lease = 0;
		rc = wgc_etcd_lease_grant(c->etcd, c->node_ttl, &c->lease);
	}
	return rc;
}

void
cluster_node_tick(struct wgc_cluster *c)
{
	uint64_t now = cluster_ms(), peers;
	char key[WGC_CLUSTER_PREFIX_LEN + WGC_CLUSTER_NODE_LEN + 8];
	char why[160], *v;
	cJSON *arr;
	size_t kl;
	bool up;
	int rc;

	if (now < c->node_next_ms)
		return;
	c->node_next_ms = now + c->node_ttl * 1000u / 3;
	if (c->handshakes != NULL) {
		uint64_t hs = c->handshakes(c->cb_ctx);

		if (c->hs_last_ms != 0 && now > c->hs_last_ms && hs >= c->hs_last)
			c->hs_rate = (double)(hs - c->hs_last) * 1000.0 /
				(double)(now - c->hs_last_ms);
		c->hs_last = hs;
		c->hs_last_ms = now;
	}
	peers = c->peers != NULL ? c->peers(c->cb_ctx) :
		wgc_control_peer_count(c->ctl);
	rc = lease_refresh(c);
	v = rc == 0 ? node_value(c, peers) : NULL;
	kl = node_key(c, key, sizeof(key), true);
	if (rc == 0 && (v == NULL || kl == 0))
		rc = -ENOMEM;
	if (rc == 0)
		rc = wgc_etcd_put(c->etcd, key, kl, v, strlen(v), -1, c->lease,
			NULL);
	free(v);
	if (rc == 0) {
		arr = cJSON_CreateArray();
		kl = node_key(c, key, sizeof(key), false);
		rc = arr == NULL ? -ENOMEM : (int)RTE_MIN(0, wgc_etcd_range_prefix(
			c->etcd, key, kl, 0, NODES_MAX, nodes_kv, arr, NULL));
		pthread_mutex_lock(&c->mu);
		if (rc == 0) {
			cJSON_Delete(c->nodes);
			c->nodes = arr;
		} else {
			cJSON_Delete(arr);
		}
		pthread_mutex_unlock(&c->mu);
	}
	if (rc != 0) {
		snprintf(why, sizeof(why), "etcd %s: node record not "
			"refreshed (%s)", rc == -EHOSTUNREACH ? "unreachable" :
			"error", strerror(-rc));
		cluster_set_reachable(c, false, why);
		c->node_next_ms = now + 1000;
		return;
	}
	pthread_mutex_lock(&c->mu);
	up = c->watch_up;
	pthread_mutex_unlock(&c->mu);
	if (up)
		cluster_set_reachable(c, true, "");
}

void
cluster_node_remove(struct wgc_cluster *c)
{
	char key[WGC_CLUSTER_PREFIX_LEN + WGC_CLUSTER_NODE_LEN + 8];
	size_t kl = node_key(c, key, sizeof(key), true);

	if (c->lease != 0 && kl != 0)
		wgc_etcd_delete(c->etcd, key, kl, NULL);
}

cJSON *
cluster_status(struct wgc_cluster *c)
{
	cJSON *o = cJSON_CreateObject(), *a;
	uint32_t i;

	if (o == NULL)
		return NULL;
	cJSON_AddBoolToObject(o, "enabled", true);
	cJSON_AddStringToObject(o, "node", c->conf.node);
	cJSON_AddStringToObject(o, "prefix", c->conf.prefix);
	a = cJSON_AddArrayToObject(o, "etcd");
	for (i = 0; a != NULL && i < c->conf.n_etcd; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(c->conf.etcd[i]));
	pthread_mutex_lock(&c->mu);
	cJSON_AddBoolToObject(o, "etcd_reachable", c->st.reachable);
	if (!c->st.reachable)
		cJSON_AddStringToObject(o, "reason", c->reason);
	cJSON_AddBoolToObject(o, "synced", c->st.synced);
	cJSON_AddBoolToObject(o, "watching", c->watch_up);
	cJSON_AddNumberToObject(o, "revision_applied",
		(double)c->st.applied_revision);
	cJSON_AddNumberToObject(o, "peers_synced", (double)c->st.peers_synced);
	cJSON_AddNumberToObject(o, "skipped_malformed",
		(double)c->st.skipped_malformed);
	cJSON_AddItemToObject(o, "nodes", c->nodes != NULL ?
		cJSON_Duplicate(c->nodes, true) : cJSON_CreateArray());
	pthread_mutex_unlock(&c->mu);
	cJSON_AddBoolToObject(o, "on_demand", c->conf.on_demand);
	if (cJSON_IsInvalid(o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}
