/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The daemon's side of peers on demand: the handshake stage hands
 * initiations from unknown static keys to lib/cluster's on-demand module;
 * the module's lookup threads install what etcd holds through the
 * control plane (local only: the peer is in etcd already), hand the kept
 * initiation back to the stage, and remove idle peers again.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ondemand.h"

struct wgc_app_ondemand {
	struct wgc_cluster_conf cc;
	struct wgc_ondemand *od;        /* NULL until started */
	/* the callbacks hold it shared: once stopping is set under it
	 * exclusively, none touches the control plane or the pipeline */
	pthread_rwlock_t rw;
	bool stopping;
	struct wgc_control *ctl;
	struct wgc_peers *peers;
	struct wgc_pipeline *pl;
};

#define VIA "on_demand"

/* the handshake stage (peers lock held): copy and go */
static void
on_unknown(void *ctx, const uint8_t key[WGC_KEY_LEN], const uint8_t *msg,
		uint32_t len, const struct wgc_endpoint *src)
{
	struct wgc_app_ondemand *a = ctx;
	struct wgc_ondemand *od = __atomic_load_n(&a->od, __ATOMIC_ACQUIRE);

	if (od != NULL && !__atomic_load_n(&a->stopping, __ATOMIC_RELAXED))
		wgc_ondemand_offer(od, key, msg, len, src);
}

static int
od_install(void *ctx, const struct wgc_peer_conf *conf)
{
	struct wgc_app_ondemand *a = ctx;
	struct wgc_changeset cs = { 0 };
	struct wgc_conf_error err = { 0 };
	struct wgc_peer_change *c = wgc_changeset_add(&cs);
	int rc;

	if (c == NULL || wgc_peer_conf_copy(&c->conf, conf) != 0) {
		wgc_changeset_free(&cs);
		return -ENOMEM;
	}
	pthread_rwlock_rdlock(&a->rw);
	if (a->stopping) {
		pthread_rwlock_unlock(&a->rw);
		wgc_changeset_free(&cs);
		return -ESHUTDOWN;
	}
	c->op = WGC_PEER_OP_UPSERT;
	c->fields = WGC_PEER_F_ALL;
	/* no endpoint in the store: the handshake gives it */
	if (conf->endpoint.addr.family == 0)
		c->fields &= ~WGC_PEER_F_ENDPOINT;
	rc = wgc_control_apply_via(a->ctl, &cs, VIA, &err);
	pthread_rwlock_unlock(&a->rw);
	wgc_changeset_free(&cs);
	if (rc != 0) {
		fprintf(stderr, "wgc: on demand: install refused: %s\n",
			err.msg);
		return err.kind == WGC_CONF_ECONFLICT ? -EEXIST : -EINVAL;
	}
	return 0;
}

static int
od_reinject(void *ctx, const uint8_t *msg, size_t len,
		const struct wgc_endpoint *src)
{
	struct wgc_app_ondemand *a = ctx;
	int rc = -ESHUTDOWN;

	pthread_rwlock_rdlock(&a->rw);
	if (!a->stopping)
		rc = wgc_pipeline_handshake_inject(a->pl, msg, (uint32_t)len,
			src);
	pthread_rwlock_unlock(&a->rw);
	return rc;
}

static int
od_activity(void *ctx, const uint8_t key[32], uint64_t *value)
{
	struct wgc_app_ondemand *a = ctx;
	struct wgc_peer_stats st;
	struct wgc_peer *p;
	int rc = -ENOENT;

	pthread_rwlock_rdlock(&a->rw);
	if (a->stopping) {
		pthread_rwlock_unlock(&a->rw);
		return -ESHUTDOWN;
	}
	wgc_peers_lock(a->peers);
	p = wgc_peers_lookup(a->peers, key);
	if (p != NULL) {
		wgc_peer_stats_get(p, &st);
		*value = st.rx_packets + st.rx_bytes +
			p->last_handshake_wall_ns;
		rc = 0;
	}
	wgc_peers_unlock(a->peers);
	pthread_rwlock_unlock(&a->rw);
	return rc;
}

static int
od_remove(void *ctx, const uint8_t (*keys)[32], unsigned int n)
{
	struct wgc_app_ondemand *a = ctx;
	struct wgc_changeset cs = { 0 };
	struct wgc_conf_error err = { 0 };
	unsigned int i;
	int rc;

	cs.remove_absent_ok = true;
	for (i = 0; i < n; i++) {
		struct wgc_peer_change *c = wgc_changeset_add(&cs);

		if (c == NULL) {
			wgc_changeset_free(&cs);
			return -ENOMEM;
		}
		c->op = WGC_PEER_OP_REMOVE;
		memcpy(c->conf.public_key, keys[i], WGC_KEY_LEN);
	}
	pthread_rwlock_rdlock(&a->rw);
	rc = a->stopping ? 0 : wgc_control_apply_via(a->ctl, &cs, VIA, &err);
	pthread_rwlock_unlock(&a->rw);
	wgc_changeset_free(&cs);
	if (rc != 0)
		fprintf(stderr, "wgc: on demand: eviction refused: %s\n",
			err.msg);
	return rc != 0 ? -EINVAL : 0;
}

/* the cluster's sync takes the store's version of the peers held only,
 * and a put of a key not held forgets its negative cache entry (a client
 * whose peer was just written is looked up again at once) */
static bool
od_take(void *ctx, const uint8_t pub[32])
{
	struct wgc_app_ondemand *a = ctx;
	struct wgc_ondemand *od;
	bool held;

	wgc_peers_lock(a->peers);
	held = wgc_peers_lookup(a->peers, pub) != NULL;
	wgc_peers_unlock(a->peers);
	od = __atomic_load_n(&a->od, __ATOMIC_ACQUIRE);
	if (!held && od != NULL)
		wgc_ondemand_forget(od, pub);
	return held;
}

void
wgc_app_ondemand_cluster_params(struct wgc_app_ondemand *a,
		struct wgc_cluster_params *p)
{
	if (a == NULL || a->peers == NULL)
		return;
	p->take = od_take;
	p->take_ctx = a;
}

struct wgc_app_ondemand *
wgc_app_ondemand_prepare(const struct wgc_cluster_conf *cc,
		struct wgc_pipeline_conf *plc)
{
	struct wgc_app_ondemand *a;

	errno = 0;
	if (!cc->enabled || !cc->on_demand)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->cc = *cc;
	pthread_rwlock_init(&a->rw, NULL);
	plc->unknown_initiator = on_unknown;
	plc->unknown_initiator_ctx = a;
	return a;
}

/* a held peer the configuration file does not name came on demand (in
 * an earlier run, restored from the state directory): evicted when idle */
static unsigned int
adopt_held(struct wgc_app_ondemand *a, const struct wgc_peer_conf *conf,
		uint32_t n_conf)
{
	struct wgc_peer *p;
	uint32_t pos = 0, i;
	unsigned int n = 0;

	wgc_peers_lock(a->peers);
	while ((p = wgc_peers_next(a->peers, &pos)) != NULL) {
		for (i = 0; i < n_conf; i++)
			if (memcmp(conf[i].public_key, p->proto.remote_static,
					WGC_KEY_LEN) == 0)
				break;
		if (i == n_conf) {
			wgc_ondemand_adopt(a->od, p->proto.remote_static);
			n++;
		}
	}
	wgc_peers_unlock(a->peers);
	return n;
}

int
wgc_app_ondemand_start(struct wgc_app_ondemand *a, struct wgc_control *ctl,
		struct wgc_peers *peers, struct wgc_pipeline *pl,
		const struct wgc_peer_conf *conf, uint32_t n_conf)
{
	unsigned int adopted = 0;

	const char *ep[WGC_CLUSTER_ETCD_MAX];
	struct wgc_ondemand_params p = { 0 };
	struct wgc_ondemand *od;
	uint32_t i;

	if (a == NULL)
		return 0;
	a->ctl = ctl;
	a->peers = peers;
	a->pl = pl;
	for (i = 0; i < a->cc.n_etcd; i++)
		ep[i] = a->cc.etcd[i];
	p.endpoints = ep;
	p.nb_endpoints = a->cc.n_etcd;
	p.prefix = a->cc.prefix;
	p.idle_evict_s = a->cc.idle_evict;
	p.install = od_install;
	p.reinject = od_reinject;
	p.activity = od_activity;
	p.remove = od_remove;
	p.ctx = a;
	od = wgc_ondemand_create(&p);
	if (od == NULL) {
		fprintf(stderr, "wgc: on demand: %s\n", strerror(errno));
		return -1;
	}
	__atomic_store_n(&a->od, od, __ATOMIC_RELEASE);
	if (a->cc.idle_evict > 0)
		adopted = adopt_held(a, conf, n_conf);
	printf("wgc: on demand: unknown initiators are looked up under "
		"%speers/%s (%u held peers adopted)\n", a->cc.prefix,
		a->cc.idle_evict > 0 ? ", idle peers evicted" : "", adopted);
	return 0;
}

unsigned int
wgc_app_ondemand_stats(struct wgc_app_ondemand *a, struct wgc_stat *out,
		unsigned int max)
{
	struct wgc_ondemand *od;

	if (a == NULL)
		return 0;
	od = __atomic_load_n(&a->od, __ATOMIC_ACQUIRE);
	return od != NULL ? wgc_ondemand_stats_read(od, out, max) : 0;
}

void
wgc_app_ondemand_stop(struct wgc_app_ondemand *a)
{
	if (a == NULL)
		return;
	pthread_rwlock_wrlock(&a->rw);
	a->stopping = true;
	pthread_rwlock_unlock(&a->rw);
}

void
wgc_app_ondemand_free(struct wgc_app_ondemand *a)
{
	if (a == NULL)
		return;
	wgc_app_ondemand_stop(a);
	wgc_ondemand_free(a->od);
	pthread_rwlock_destroy(&a->rw);
	free(a);
}
