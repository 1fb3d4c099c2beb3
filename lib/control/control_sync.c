/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Synchronise the device with a configuration, as `wg syncconf` does: the
 * interface fields and the peers are compared with the device's, and
 * only the differences go through the ordinary apply path (validation,
 * device, journal), all or nothing. Peers that are unchanged or changed
 * keep their sessions; peers absent from the configuration are removed.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control_priv.h"

struct sync_walk {
	const uint8_t **keys;        /* sorted keys of the configuration */
	uint32_t n;
	struct wgc_changeset *cs;
	uint32_t removed;
	int rc;
};

static int
key_cmp(const void *a, const void *b)
{
	const uint8_t *const *x = a;
	const uint8_t *const *y = b;

	return memcmp(*x, *y, WGC_KEY_LEN);
}

/* a device's peer the configuration does not name is removed */
static int
sync_walk_one(void *arg, const struct wgc_peer_conf *conf,
		const struct wgc_device_peer_stats *st)
{
	struct sync_walk *w = arg;
	const uint8_t *k = conf->public_key;
	struct wgc_peer_change *c;

	if (w->n > 0 && bsearch(&k, w->keys, w->n, sizeof(*w->keys),
			key_cmp) != NULL)
		return 0;
	c = wgc_changeset_add(w->cs);
	if (c == NULL) {
		w->rc = -1;
		return 1;
	}
	c->op = WGC_PEER_OP_REMOVE;
	memcpy(c->conf.public_key, k, WGC_KEY_LEN);
	w->removed++;
	return 0;
}

/* the same set of prefixes, in any order */
static bool
same_allowed_ips(const struct wgc_peer_conf *a, const struct wgc_peer_conf *b)
{
	uint32_t i, j;

	if (a->n_allowed_ips != b->n_allowed_ips)
		return false;
	for (i = 0; i < a->n_allowed_ips; i++) {
		for (j = 0; j < b->n_allowed_ips; j++)
			if (wgc_prefix_equal(&a->allowed_ips[i],
					&b->allowed_ips[j]))
				break;
		if (j == b->n_allowed_ips)
			return false;
	}
	return true;
}

/*
 * The fields of @p want that differ from @p have. A peer of the file
 * without an endpoint keeps the one it has (it may have roamed).
 */
static uint32_t
peer_diff(const struct wgc_peer_conf *want, const struct wgc_peer_conf *have)
{
	uint32_t f = 0;

	if (memcmp(want->preshared_key, have->preshared_key, WGC_KEY_LEN) != 0)
		f |= WGC_PEER_F_PRESHARED_KEY;
	if (want->endpoint.addr.family != 0 &&
			!wgc_endpoint_equal(&want->endpoint, &have->endpoint))
		f |= WGC_PEER_F_ENDPOINT;
	if (!same_allowed_ips(want, have))
		f |= WGC_PEER_F_ALLOWED_IPS;
	if (want->persistent_keepalive != have->persistent_keepalive)
		f |= WGC_PEER_F_KEEPALIVE;
	return f;
}

static int
sync_peers(struct wgc_control *ctl, const struct wgc_peer_conf *peers,
		uint32_t n, struct wgc_changeset *cs,
		struct wgc_control_sync_stats *st, struct wgc_conf_error *err)
{
	struct sync_walk w = { 0 };
	struct wgc_peer_conf have;
	uint32_t i;
	int rc;

	w.keys = n > 0 ? malloc(n * sizeof(*w.keys)) : NULL;
	if (n > 0 && w.keys == NULL)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	for (i = 0; i < n; i++)
		w.keys[i] = peers[i].public_key;
	if (n > 0)
		qsort(w.keys, n, sizeof(*w.keys), key_cmp);
	w.n = n;
	w.cs = cs;
	/* removals first: their slots and prefixes are then free */
	ctl_walk(ctl->ops, ctl->ctx, NULL, UINT64_MAX, false, sync_walk_one,
		&w);
	free(w.keys);
	if (w.rc != 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	st->removed = w.removed;
	for (i = 0; i < n; i++) {
		struct wgc_peer_change *c;
		uint32_t fields;

		rc = ctl->ops->peer_get(ctl->ctx, peers[i].public_key, &have,
			NULL);
		if (rc == 0) {
			fields = peer_diff(&peers[i], &have);
			wgc_peer_conf_free(&have);
			if (fields == 0) {
				st->unchanged++;
				continue;
			}
			st->changed++;
		} else if (rc == -ENOENT) {
			fields = WGC_PEER_F_ALL;
			if (peers[i].endpoint.addr.family == 0)
				fields &= ~WGC_PEER_F_ENDPOINT;
			st->added++;
		} else {
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"peers[%u]: %s", i, strerror(-rc));
		}
		c = wgc_changeset_add(cs);
		if (c == NULL || wgc_peer_conf_copy(&c->conf, &peers[i]) != 0)
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"out of memory");
		c->op = WGC_PEER_OP_UPSERT;
		c->fields = fields;
	}
	return 0;
}

int
wgc_control_sync(struct wgc_control *ctl, const struct wgc_iface_conf *iface,
		const struct wgc_peer_conf *peers, uint32_t n, bool with_peers,
		struct wgc_control_sync_stats *st, struct wgc_conf_error *err)
{
	return wgc_control_sync_via(ctl, iface, peers, n, with_peers,
		"reload", st, err);
}

int
wgc_control_sync_via(struct wgc_control *ctl,
		const struct wgc_iface_conf *iface,
		const struct wgc_peer_conf *peers, uint32_t n, bool with_peers,
		const char *via, struct wgc_control_sync_stats *st,
		struct wgc_conf_error *err)
{
	const struct ctl_who reload = { via, -1 };
	struct wgc_changeset cs;
	struct wgc_iface_conf cur;
	int rc = -1;

	memset(&cs, 0, sizeof(cs));
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&ctl->lock);
	if (ctl->ops->iface_get(ctl->ctx, &cur) != 0) {
		wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
		goto out;
	}
	/* a file without a key keeps the running one (generated, or set
	 * through REST / UAPI) */
	if (!wgc_key_is_zero(iface->private_key) &&
			memcmp(iface->private_key, cur.private_key,
				WGC_KEY_LEN) != 0) {
		cs.iface_fields |= WGC_IFACE_F_PRIVATE_KEY;
		memcpy(cs.iface.private_key, iface->private_key, WGC_KEY_LEN);
	}
	if (iface->listen_port != 0 &&
			iface->listen_port != cur.listen_port) {
		cs.iface_fields |= WGC_IFACE_F_LISTEN_PORT;
		cs.iface.listen_port = iface->listen_port;
	}
	wgc_iface_conf_free(&cur);
	st->iface_fields = cs.iface_fields;
	cs.steal_allowed_ips = true;
	if (with_peers && sync_peers(ctl, peers, n, &cs, st, err) != 0)
		goto out;
	if (cs.iface_fields == 0 && cs.n == 0) {
		rc = 0;
		goto out;
	}
	rc = ctl_apply_locked(ctl, &cs, err, &reload);
	if (rc == 0)
		CTL_LOG(NOTICE, "sync (%s): %u peers added, %u changed, %u removed, "
			"%u unchanged%s%s", via, st->added, st->changed,
			st->removed, st->unchanged,
			(cs.iface_fields & WGC_IFACE_F_PRIVATE_KEY) != 0 ?
			", new private key" : "",
			(cs.iface_fields & WGC_IFACE_F_LISTEN_PORT) != 0 ?
			", new listen port" : "");
out:
	pthread_mutex_unlock(&ctl->lock);
	wgc_changeset_free(&cs);
	return rc;
}
