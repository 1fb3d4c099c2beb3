/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The watch's side of a node's sync: its events (under `<prefix>peers/`)
 * queued for the sync thread, whole revisions at a time, with a bound the
 * watch waits at; its state as etcd's reachability; opening it after the
 * revision applied and closing it (the queue emptied).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster_private.h"

static int
watch_event(void *ctx, const struct wgc_etcd_kv *kv)
{
	struct wgc_cluster *c = ctx;
	struct cluster_ev *ev;
	uint8_t pub[WGC_KEY_LEN];

	if (cluster_peer_key(c, kv->key, kv->key_len, pub) != 0)
		return 0;
	pthread_mutex_lock(&c->mu);
	/* bounded: the watch waits for the sync thread (a message beyond
	 * the bound is taken whole; the gateway bounds its size) */
	while (c->q_len >= CLUSTER_QUEUE_MAX && c->q_ready > 0 && !c->stop &&
			!c->compacted) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	}
	if (c->q_len == c->q_cap) {
		uint32_t cap = c->q_cap == 0 ? 256 : c->q_cap * 2;
		struct cluster_ev *q = realloc(c->q, cap * sizeof(*q));

		if (q == NULL)
			goto nomem;
		c->q = q;
		c->q_cap = cap;
	}
	ev = &c->q[c->q_len];
	memset(ev, 0, sizeof(*ev));
	memcpy(ev->pub, pub, WGC_KEY_LEN);
	ev->deleted = kv->deleted;
	ev->rev = kv->mod_revision;
	if (!kv->deleted) {
		ev->value = malloc(kv->value_len + 1);
		if (ev->value == NULL)
			goto nomem;
		memcpy(ev->value, kv->value, kv->value_len);
		ev->value[kv->value_len] = '\0';
		ev->len = kv->value_len;
	}
	c->q_len++;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
nomem:
	/* the event is lost: read everything again */
	c->compacted = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	CLUSTER_LOG(ERR, "watch: out of memory; a full read follows");
	return -ENOMEM;
}

/* the events queued so far are whole revisions: the sync may take them */
static void
watch_end(void *ctx, int64_t rev)
{
	struct wgc_cluster *c = ctx;

	pthread_mutex_lock(&c->mu);
	c->q_ready = c->q_len;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	RTE_SET_USED(rev);
}

static void
watch_state(void *ctx, enum wgc_etcd_watch_state s, int64_t rev)
{
	struct wgc_cluster *c = ctx;

	switch (s) {
	case WGC_ETCD_WATCH_UP:
		pthread_mutex_lock(&c->mu);
		c->watch_up = true;
		pthread_mutex_unlock(&c->mu);
		cluster_set_reachable(c, true, "");
		break;
	case WGC_ETCD_WATCH_DOWN:
		pthread_mutex_lock(&c->mu);
		c->watch_up = false;
		c->st.watch_reconnects++;
		pthread_mutex_unlock(&c->mu);
		cluster_set_reachable(c, false, "etcd unreachable: watch "
			"stream lost, retrying");
		break;
	case WGC_ETCD_WATCH_COMPACTED:
		pthread_mutex_lock(&c->mu);
		c->watch_up = false;
		c->compacted = true;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		break;
	}
	RTE_SET_USED(rev);
}

void
cluster_watch_close(struct wgc_cluster *c)
{
	uint32_t i;

	if (c->watch != NULL) {
		pthread_mutex_lock(&c->mu);
		c->compacted = true; /* a waiting event callback gives up */
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		wgc_etcd_watch_stop(c->watch);
		c->watch = NULL;
	}
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->q_len; i++)
		free(c->q[i].value);
	c->q_len = 0;
	c->q_ready = 0;
	c->compacted = false;
	c->watch_up = false;
	pthread_mutex_unlock(&c->mu);
}

int
cluster_watch_open(struct wgc_cluster *c)
{
	static const struct wgc_etcd_watch_ops ops = {
		.event = watch_event,
		.state = watch_state,
		.end = watch_end,
	};
	const char *ep[WGC_CLUSTER_ETCD_MAX];
	int64_t from;
	uint32_t i;

	for (i = 0; i < c->conf.n_etcd; i++)
		ep[i] = c->conf.etcd[i];
	pthread_mutex_lock(&c->mu);
	from = c->st.applied_revision + 1;
	pthread_mutex_unlock(&c->mu);
	c->watch = wgc_etcd_watch_start(ep, c->conf.n_etcd, c->peers_prefix,
		c->peers_prefix_len, from, &ops, c);
	return c->watch != NULL ? 0 : -errno;
}
