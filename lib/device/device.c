/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The device: life cycle, the two-phase apply (shadow, then live table),
 * and the reads lib/control makes (the shadow's configuration with the
 * live endpoint and counters of each peer).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <sodium.h>

#include "device_private.h"
#include "wgc_net.h"
#include "wgc_pipeline.h"
#include "wgc_proto.h"

RTE_LOG_REGISTER(wgc_logtype_device, wgc.device, INFO);

/* ---------------------------------------------------------- apply */

/*
 * The REST and UAPI threads are not EAL threads. lib/proto's index table
 * (an rte_hash with MULTI_WRITER_ADD) keeps per-lcore caches of free
 * slots: removing a peer with a handshake in flight from a thread without
 * an lcore id indexes that cache with LCORE_ID_ANY (a crash). Such a thread
 * registers itself with EAL once, before it first changes the table.
 */
static int
ensure_lcore(struct wgc_conf_error *err)
{
	if (rte_lcore_id() != LCORE_ID_ANY)
		return 0;
	if (rte_thread_register() != 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"control thread: no lcore id from EAL (%s)",
			rte_strerror(rte_errno));
	DEV_LOG(DEBUG, "control thread registered as lcore %u",
		rte_lcore_id());
	return 0;
}

/* a listen-port change the device cannot make */
static int
check_port(struct wgc_device *dev, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	uint16_t port = shadow_iface(dev->shadow)->listen_port;

	if (!(cs->iface_fields & WGC_IFACE_F_LISTEN_PORT) ||
			cs->iface.listen_port == port)
		return 0;
	if (dev->nb_net == 0)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"listen_port: this device cannot change its port "
			"live (running on %u)", port);
	if (cs->iface.listen_port == 0)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"listen_port: 0 (a random port) is not supported "
			"(running on %u)", port);
	return 0;
}

/* the peers' final count must fit the live table: a cheap early answer
 * (the live prepare still undoes everything if a table refuses) */
static int
check_capacity(struct wgc_device *dev, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	uint64_t adds = 0, n = 0, live_named = 0, live_removed = 0, final, i;
	uint32_t cap = wgc_peers_capacity(dev->t);

	for (i = 0; i < cs->n; i++)
		if (cs->peers[i].op != WGC_PEER_OP_REMOVE)
			adds++;
	if (wgc_peers_count(dev->t) + adds <= cap)
		return 0;
	wgc_peers_lock(dev->t);
	for (i = 0; i < cs->n; i++) {
		bool live = wgc_peers_lookup(dev->t,
			cs->peers[i].conf.public_key) != NULL;

		if (cs->peers[i].op == WGC_PEER_OP_REMOVE) {
			live_removed += live;
		} else {
			live_named += live;
			n += !live;
		}
	}
	final = (cs->replace_peers ? live_named :
		wgc_peers_count(dev->t) - live_removed) + n;
	wgc_peers_unlock(dev->t);
	if (final <= cap)
		return 0;
	return wgc_conf_error_set(err, WGC_CONF_ENOSPC,
		"peer table full: %" PRIu64 " peers after the change, room "
		"for %u (%u now)", final, cap, wgc_peers_count(dev->t));
}

/* prepare: the shadow, then the live table; on error both are as before */
static int
prepare(struct wgc_device *dev, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	if (ensure_lcore(err) != 0 || check_port(dev, cs, err) != 0 ||
			check_capacity(dev, cs, err) != 0)
		return -1;
	if (wgc_iface_conf_copy(&dev->before, shadow_iface(dev->shadow)) != 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	if (shadow_prepare(dev->shadow, cs, err) != 0)
		return -1;
	if (live_collect(dev) != 0) {
		shadow_abort(dev->shadow);
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	}
	wgc_peers_lock(dev->t);
	if (live_prepare(dev, cs, err) != 0) {
		wgc_peers_unlock(dev->t);
		shadow_abort(dev->shadow);
		DEV_LOG(NOTICE, "change refused by the live table: %s",
			err->msg);
		return -1;
	}
	return 0;
}

/* commit: cannot fail (the live table's writer lock is held) */
static void
commit(struct wgc_device *dev)
{
	live_commit(dev);
	wgc_peers_unlock(dev->t);
	shadow_commit(dev->shadow);
}

int
wgc_device_apply(struct wgc_device *dev, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	double t0 = 0;
	int rc;

	if (cs->n > 10000)
		t0 = (double)rte_get_tsc_cycles();
	rc = prepare(dev, cs, err);
	if (rc == 0)
		commit(dev);
	wgc_iface_conf_free(&dev->before);
	live_reset(dev);
	if (cs->n > 10000)
		DEV_LOG(NOTICE, "%u changes %s in %.0f ms", cs->n,
			rc == 0 ? "applied" : "refused",
			((double)rte_get_tsc_cycles() - t0) * 1e3 /
			(double)rte_get_tsc_hz());
	return rc == 0 ? 0 : -1;
}

int
wgc_device_load(struct wgc_device *dev, const struct wgc_peer_conf *peers,
		uint32_t n, struct wgc_conf_error *err)
{
	struct wgc_changeset cs;
	uint32_t i;
	int rc = 0;

	memset(&cs, 0, sizeof(cs));
	for (i = 0; i < n && rc == 0; i++) {
		struct wgc_peer_change *c = wgc_changeset_add(&cs);

		if (c == NULL || wgc_peer_conf_copy(&c->conf, &peers[i]) != 0)
			rc = wgc_conf_error_set(err, WGC_CONF_EIO,
				"out of memory");
		else
			c->op = WGC_PEER_OP_REPLACE;
	}
	if (rc == 0)
		rc = wgc_device_apply(dev, &cs, err);
	wgc_changeset_free(&cs);
	return rc;
}

/* ---------------------------------------------------------- reads */

/* the live endpoint and counters (writer lock held) */
static void
live_view(struct wgc_peer *p, struct wgc_peer_conf *conf,
		struct wgc_device_peer_stats *st)
{
	struct wgc_endpoint ep;
	struct wgc_peer_stats s;
	uint64_t ns;

	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (p == NULL)
		return;
	wgc_peer_endpoint_get(p, &ep);
	if (ep.addr.family != 0)
		conf->endpoint = ep;
	if (st == NULL)
		return;
	ns = p->last_handshake_wall_ns;
	wgc_peer_stats_get(p, &s);
	st->rx_bytes = s.rx_bytes;
	st->tx_bytes = s.tx_bytes;
	st->rx_packets = s.rx_packets;
	st->tx_packets = s.tx_packets;
	st->last_handshake_sec = (int64_t)(ns / 1000000000);
	st->last_handshake_nsec = (int64_t)(ns % 1000000000);
}

static void
live_view_locked(struct wgc_device *dev, struct wgc_peer_conf *conf,
		struct wgc_device_peer_stats *st)
{
	wgc_peers_lock(dev->t);
	live_view(wgc_peers_lookup(dev->t, conf->public_key), conf, st);
	wgc_peers_unlock(dev->t);
}

static int
dev_iface_get(void *ctx, struct wgc_iface_conf *iface)
{
	struct wgc_device *dev = ctx;

	return wgc_mem_backend_ops.iface_get(dev->shadow, iface);
}

static uint64_t
dev_peer_count(void *ctx)
{
	struct wgc_device *dev = ctx;

	return wgc_mem_backend_ops.peer_count(dev->shadow);
}

static int
dev_peer_get(void *ctx, const uint8_t key[WGC_KEY_LEN],
		struct wgc_peer_conf *conf, struct wgc_device_peer_stats *st)
{
	struct wgc_device *dev = ctx;
	struct wgc_peer_conf tmp;
	struct wgc_peer_conf *c = conf != NULL ? conf : &tmp;
	int rc;

	rc = wgc_mem_backend_ops.peer_get(dev->shadow, key, c, NULL);
	if (rc != 0)
		return rc;
	live_view_locked(dev, c, st);
	if (conf == NULL)
		wgc_peer_conf_free(&tmp);
	return 0;
}

static int
dev_peer_next(void *ctx, const uint8_t *after, struct wgc_peer_conf *conf,
		struct wgc_device_peer_stats *st)
{
	struct wgc_device *dev = ctx;
	int rc;

	rc = wgc_mem_backend_ops.peer_next(dev->shadow, after, conf, NULL);
	if (rc != 0)
		return rc;
	live_view_locked(dev, conf, st);
	return 0;
}

/* a walk of the shadow with the live view of each peer */
struct dev_walk {
	struct wgc_device *dev;
	bool stats;
	int (*fn)(void *arg, const struct wgc_peer_conf *conf,
		const struct wgc_device_peer_stats *st);
	void *arg;
	uint8_t last[WGC_KEY_LEN];  /* the last key passed to fn */
	bool stop;                  /* fn asked to stop */
};

static int
walk_one(void *arg, const struct wgc_peer_conf *conf,
		const struct wgc_device_peer_stats *unused)
{
	struct dev_walk *w = arg;
	struct wgc_device_peer_stats st;
	struct wgc_peer_conf view = *conf; /* shallow: read during the call */
	void **hint = shadow_user(conf);
	struct wgc_peer *p = *hint;

	RTE_SET_USED(unused);
	memcpy(w->last, conf->public_key, WGC_KEY_LEN);
	/* the live peer kept with the record saves a hash lookup; a peer
	 * is freed only after its record is gone, the key check is a
	 * safety net */
	if (p == NULL || memcmp(p->proto.remote_static, conf->public_key,
			WGC_KEY_LEN) != 0) {
		p = wgc_peers_lookup(w->dev->t, conf->public_key);
		*hint = p;
	}
	live_view(p, &view, w->stats ? &st : NULL);
	w->stop = w->fn(w->arg, &view, w->stats ? &st : NULL) != 0;
	return w->stop;
}

/* the writer lock is taken once per 4096 peers, so that the handshake
 * stage is never held up long */
static uint64_t
dev_peer_walk(void *ctx, const uint8_t *after, uint64_t max, bool stats,
		int (*fn)(void *arg, const struct wgc_peer_conf *conf,
			const struct wgc_device_peer_stats *st), void *arg)
{
	struct wgc_device *dev = ctx;
	struct dev_walk w;
	uint64_t n = 0, k, batch;

	memset(&w, 0, sizeof(w));
	w.dev = dev;
	w.stats = stats;
	w.fn = fn;
	w.arg = arg;
	while (n < max) {
		batch = RTE_MIN(max - n, (uint64_t)4096);
		wgc_peers_lock(dev->t);
		k = wgc_mem_backend_ops.peer_walk(dev->shadow, after, batch,
			false, walk_one, &w);
		wgc_peers_unlock(dev->t);
		n += k;
		if (w.stop || k < batch)
			break;
		after = w.last;
	}
	return n;
}

static int
dev_apply(void *ctx, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	return wgc_device_apply(ctx, cs, err);
}

const struct wgc_device_ops wgc_device_ops = {
	.iface_get = dev_iface_get,
	.peer_count = dev_peer_count,
	.peer_get = dev_peer_get,
	.peer_next = dev_peer_next,
	.peer_walk = dev_peer_walk,
	.apply = dev_apply,
	.stats_read = device_stats_read,
	/* every counter it reports is an atomic read */
	.stats_unlocked = true,
	.health = NULL,
};

/* ----------------------------------------------------- life cycle */

struct wgc_device *
wgc_device_create(const struct wgc_device_params *p)
{
	struct wgc_peers_params pp;
	struct wgc_device *dev;
	const uint8_t *sk;

	if (p == NULL || p->iface == NULL || p->peers == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	dev->extra_stats = p->stats;
	dev->extra_ctx = p->stats_ctx;
	sk = wgc_key_is_zero(p->iface->private_key) ? NULL :
		p->iface->private_key;
	dev->id = wgc_identity_create(p->iface->name, sk, p->socket_id);
	if (dev->id == NULL)
		goto fail;
	pp = *p->peers;
	pp.identity = dev->id;
	dev->t = wgc_peers_create(&pp);
	if (dev->t == NULL)
		goto fail;
	dev->shadow = wgc_mem_backend_create(p->iface);
	if (dev->shadow == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	return dev;
fail:
	{
		int e = rte_errno;

		wgc_device_destroy(dev);
		rte_errno = e;
	}
	return NULL;
}

void
wgc_device_set_pipeline(struct wgc_device *dev, struct wgc_pipeline *pl)
{
	dev->pl = pl;
}

void
wgc_device_destroy(struct wgc_device *dev)
{
	if (dev == NULL)
		return;
	wgc_pipeline_free(dev->pl);
	while (dev->nb_net > 0)
		wgc_net_port_free(dev->net[--dev->nb_net]);
	if (dev->t != NULL) {
		wgc_peers_reclaim(dev->t);
		wgc_peers_free(dev->t);
	}
	wgc_identity_free(dev->id);
	wgc_mem_backend_destroy(dev->shadow);
	free(dev->chg);
	free(dev->created.v);
	free(dev->deleted.v);
	free(dev->added.v);
	free(dev);
}

int
wgc_device_add_port(struct wgc_device *dev, struct wgc_net_port *net,
		const char *name)
{
	if (dev == NULL || net == NULL || name == NULL) {
		wgc_net_port_free(net);
		rte_errno = EINVAL;
		return -1;
	}
	if (dev->nb_net == WGC_DEVICE_PORTS_MAX) {
		wgc_net_port_free(net);
		rte_errno = ENOSPC;
		return -1;
	}
	snprintf(dev->net_name[dev->nb_net], sizeof(dev->net_name[0]), "%s",
		name);
	dev->net[dev->nb_net++] = net;
	return 0;
}

uint16_t
wgc_device_nb_ports(const struct wgc_device *dev)
{
	return dev->nb_net;
}

struct wgc_net_port *
wgc_device_port(const struct wgc_device *dev, uint16_t k)
{
	return k < dev->nb_net ? dev->net[k] : NULL;
}

struct wgc_peers *
wgc_device_peers(const struct wgc_device *dev)
{
	return dev->t;
}

struct wgc_identity *
wgc_device_identity(const struct wgc_device *dev)
{
	return dev->id;
}

struct wgc_pipeline *
wgc_device_pipeline(const struct wgc_device *dev)
{
	return dev->pl;
}
