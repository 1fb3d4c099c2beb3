/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The device's live peer table (lib/peers): the live half of an apply.
 *
 * After the shadow prepared a change set (and so validated it: conflicts,
 * absent peers, weak keys), live_prepare() takes every live step that can
 * fail, each recorded so that it can be undone:
 * 0. a change that needs the slots of the peers it removes (a table full
 *    to the brim replaced) removes those first,
 * 1. slots for the new peers,
 * 2. deletion of the prefixes that go away (also every prefix of a removed
 *    peer, whose slot stays until the commit), freeing room before
 *    anything is added and letting a stolen prefix pass from its old
 *    owner to the new one,
 * 3. the new prefixes,
 * 4. the private key and the listen port.
 * live_commit() then does what cannot fail (removals, preshared keys,
 * endpoints, keepalives) and tells the pipeline of each change. Live peers
 * that only change keep their protocol state: sessions survive.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <sodium.h>

#include "device_private.h"
#include "wgc_net.h"
#include "wgc_pipeline.h"
#include "wgc_proto.h"

static bool
has_cidr(const struct wgc_peer_conf *c, const struct wgc_prefix *x)
{
	uint32_t i;

	for (i = 0; c != NULL && i < c->n_allowed_ips; i++)
		if (wgc_prefix_equal(&c->allowed_ips[i], x))
			return true;
	return false;
}

/* ------------------------------------------------ the changed keys */

static void
collect_one(void *ctx, const uint8_t *key, const struct wgc_peer_conf *before,
		const struct wgc_peer_conf *after)
{
	struct wgc_device *dev = ctx;
	struct live_change *c;

	if (dev->n_chg == dev->cap_chg) {
		uint64_t cap = dev->cap_chg == 0 ? 64 : dev->cap_chg * 2;
		struct live_change *v = realloc(dev->chg, cap * sizeof(*v));

		if (v == NULL) {
			dev->oom = true;
			return;
		}
		dev->chg = v;
		dev->cap_chg = cap;
	}
	c = &dev->chg[dev->n_chg++];
	memset(c, 0, sizeof(*c));
	memcpy(c->key, key, WGC_KEY_LEN);
	c->before = before;
	c->after = after;
}

int
live_collect(struct wgc_device *dev)
{
	dev->n_chg = 0;
	dev->oom = false;
	shadow_changes(dev->shadow, collect_one, dev);
	return dev->oom ? -1 : 0;
}

static void
vec_reset(struct live_undo_vec *v)
{
	v->n = 0;
	if (v->cap > 65536) {
		/* a bulk's list goes back to the allocator */
		free(v->v);
		v->v = NULL;
		v->cap = 0;
	}
}

void
live_reset(struct wgc_device *dev)
{
	dev->n_chg = 0;
	dev->oom = false;
	dev->early = false;
	dev->key_changed = false;
	dev->port_changed = false;
	if (dev->cap_chg > 65536) {
		free(dev->chg);
		dev->chg = NULL;
		dev->cap_chg = 0;
	}
	vec_reset(&dev->created);
	vec_reset(&dev->deleted);
	vec_reset(&dev->added);
}

static int
undo_push(struct live_undo_vec *v, struct wgc_peer *p,
		const struct wgc_prefix *pf)
{
	if (v->n == v->cap) {
		uint64_t cap = v->cap == 0 ? 64 : v->cap * 2;
		struct live_undo *u = realloc(v->v, cap * sizeof(*u));

		if (u == NULL)
			return -1;
		v->v = u;
		v->cap = cap;
	}
	v->v[v->n].p = p;
	if (pf != NULL)
		v->v[v->n].pf = *pf;
	v->n++;
	return 0;
}

/* ------------------------------------------------------- setters */

/* a peer leaves the table: off the pipeline's timers first */
static void
peer_remove(struct wgc_device *dev, struct wgc_peer *p)
{
	if (dev->pl != NULL)
		wgc_pipeline_peer_removed(dev->pl, p);
	wgc_peers_remove(dev->t, p);
}

/* the pipeline reschedules the peer's timers (keepalive, endpoint) */
static void
peer_changed(struct wgc_device *dev, struct wgc_peer *p)
{
	if (dev->pl != NULL)
		wgc_pipeline_peer_changed(dev->pl, p);
}

/* the configured fields of @p a on the live peer @p p */
static void
peer_set(struct wgc_device *dev, struct wgc_peer *p,
		const struct live_change *c)
{
	const struct wgc_peer_conf *a = c->after;
	const struct wgc_peer_conf *b = c->before;

	if (b != NULL && !c->created && sodium_memcmp(b->preshared_key,
			a->preshared_key, WGC_KEY_LEN) != 0)
		wgc_peer_proto_set_psk(&p->proto,
			wgc_key_is_zero(a->preshared_key) ? NULL :
			a->preshared_key);
	if (c->created || b == NULL || memcmp(&b->endpoint, &a->endpoint,
			sizeof(a->endpoint)) != 0) {
		if (a->endpoint.addr.family != 0 || !c->created)
			wgc_peer_endpoint_set(p, &a->endpoint);
	}
	p->persistent_keepalive = a->persistent_keepalive;
	peer_changed(dev, p);
}

/* ----------------------------------------------------------- abort */

/* A peer removed early comes back as it was configured (a new session:
 * its slot was needed by the change that now failed). */
static void
recreate(struct wgc_device *dev, const struct live_change *c)
{
	const struct wgc_peer_conf *b = c->before;
	struct wgc_peer *p;
	uint32_t k;

	p = wgc_peers_add(dev->t, c->key, wgc_key_is_zero(b->preshared_key) ?
		NULL : b->preshared_key);
	if (p == NULL) {
		DEV_LOG(ERR, "undo: a removed peer could not come back: %s",
			rte_strerror(rte_errno));
		return;
	}
	if (b->endpoint.addr.family != 0)
		wgc_peer_endpoint_set(p, &b->endpoint);
	for (k = 0; k < b->n_allowed_ips; k++) {
		if (wgc_peers_prefix_add(dev->t, p, &b->allowed_ips[k]) != 0)
			DEV_LOG(ERR, "undo: a removed peer's prefix could not "
				"come back");
	}
	p->persistent_keepalive = b->persistent_keepalive;
	peer_changed(dev, p);
}

/*
 * Undo what live_prepare() did so far (writer lock held): prefixes added
 * are deleted, prefixes deleted go back to their owners, created peers go,
 * peers removed early come back.
 */
static void
live_abort(struct wgc_device *dev)
{
	uint64_t i;

	for (i = dev->added.n; i-- > 0; )
		wgc_peers_prefix_del(dev->t, dev->added.v[i].p,
			&dev->added.v[i].pf);
	for (i = dev->deleted.n; i-- > 0; )
		if (wgc_peers_prefix_add(dev->t, dev->deleted.v[i].p,
				&dev->deleted.v[i].pf) != 0)
			DEV_LOG(ERR, "undo: a deleted prefix could not be "
				"restored (the live table misses a route)");
	for (i = dev->created.n; i-- > 0; )
		peer_remove(dev, dev->created.v[i].p);
	if (!dev->early)
		return;
	/* wgc_peers_add() waits for the removed peers' grace period */
	for (i = 0; i < dev->n_chg; i++)
		if (dev->chg[i].removed_early)
			recreate(dev, &dev->chg[i]);
}

static int
live_err(struct wgc_conf_error *err, int e, const char *what)
{
	if (e == ENOSPC)
		return wgc_conf_error_set(err, WGC_CONF_ENOSPC,
			"%s is full: nothing was changed", what);
	return wgc_conf_error_set(err, WGC_CONF_EIO,
		"%s: %s: nothing was changed", what, strerror(e));
}

/* ------------------------------------------------------ prepare */

/* 0: room for the new peers by removing first the peers that go */
static void
make_room(struct wgc_device *dev)
{
	uint64_t need = 0, i;

	for (i = 0; i < dev->n_chg; i++)
		if (dev->chg[i].after != NULL && wgc_peers_lookup(dev->t,
				dev->chg[i].key) == NULL)
			need++;
	if (wgc_peers_count(dev->t) + need <= wgc_peers_capacity(dev->t))
		return;
	for (i = 0; i < dev->n_chg; i++) {
		struct live_change *c = &dev->chg[i];
		struct wgc_peer *p;

		if (c->after != NULL)
			continue;
		p = wgc_peers_lookup(dev->t, c->key);
		if (p == NULL)
			continue;
		peer_remove(dev, p);
		c->removed_early = true;
		dev->early = true;
	}
}

/* 1: slots for the new peers */
static int
create_slots(struct wgc_device *dev, struct wgc_conf_error *err)
{
	uint64_t i;
	int r;

	for (i = 0; i < dev->n_chg; i++) {
		struct live_change *c = &dev->chg[i];
		const struct wgc_peer_conf *a = c->after;
		struct wgc_peer *p = wgc_peers_lookup(dev->t, c->key);

		c->live = p;
		if (a == NULL || p != NULL)
			continue;
		p = wgc_peers_add(dev->t, c->key,
			wgc_key_is_zero(a->preshared_key) ? NULL :
			a->preshared_key);
		if (p == NULL) {
			r = rte_errno;
			return live_err(err, r, "live peer table");
		}
		if (undo_push(&dev->created, p, NULL) != 0) {
			peer_remove(dev, p);
			return live_err(err, ENOMEM, "live peer table");
		}
		c->created = true;
		c->live = p;
	}
	return 0;
}

/* 2: the prefixes that go away */
static int
delete_prefixes(struct wgc_device *dev, struct wgc_conf_error *err)
{
	uint64_t i;
	uint32_t k;

	for (i = 0; i < dev->n_chg; i++) {
		struct live_change *c = &dev->chg[i];

		if (c->live == NULL || c->created || c->before == NULL)
			continue;
		for (k = 0; k < c->before->n_allowed_ips; k++) {
			const struct wgc_prefix *x = &c->before->allowed_ips[k];

			if (has_cidr(c->after, x))
				continue;
			if (wgc_peers_prefix_del(dev->t, c->live, x) != 0)
				continue; /* not live: nothing to undo */
			if (undo_push(&dev->deleted, c->live, x) != 0) {
				wgc_peers_prefix_add(dev->t, c->live, x);
				return live_err(err, ENOMEM,
					"live allowed-IPs table");
			}
		}
	}
	return 0;
}

/* 3: the new prefixes */
static int
add_prefixes(struct wgc_device *dev, struct wgc_conf_error *err)
{
	uint64_t i;
	uint32_t k;
	int r;

	for (i = 0; i < dev->n_chg; i++) {
		struct live_change *c = &dev->chg[i];
		const struct wgc_peer_conf *a = c->after;

		for (k = 0; a != NULL && k < a->n_allowed_ips; k++) {
			const struct wgc_prefix *x = &a->allowed_ips[k];

			if (!c->created && has_cidr(c->before, x))
				continue;
			r = wgc_peers_prefix_add(dev->t, c->live, x);
			if (r == 0 && undo_push(&dev->added, c->live, x) != 0) {
				wgc_peers_prefix_del(dev->t, c->live, x);
				r = -ENOMEM;
			}
			if (r != 0)
				return live_err(err, -r,
					"live allowed-IPs table");
		}
	}
	return 0;
}

/* 4: the private key and the listen port */
static int
set_iface(struct wgc_device *dev, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	const struct wgc_iface_conf *b = &dev->before;

	dev->key_changed = (cs->iface_fields & WGC_IFACE_F_PRIVATE_KEY) &&
		sodium_memcmp(b->private_key, cs->iface.private_key,
			WGC_KEY_LEN) != 0;
	dev->port_changed = (cs->iface_fields & WGC_IFACE_F_LISTEN_PORT) &&
		cs->iface.listen_port != b->listen_port;
	dev->new_port = cs->iface.listen_port;
	if (dev->key_changed && wgc_identity_set_private_key(dev->id,
			wgc_key_is_zero(cs->iface.private_key) ? NULL :
			cs->iface.private_key) != 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"identity: cannot set the private key: nothing was "
			"changed");
	return 0;
}

int
live_prepare(struct wgc_device *dev, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	vec_reset(&dev->created);
	vec_reset(&dev->deleted);
	vec_reset(&dev->added);
	dev->early = false;
	make_room(dev);
	if (create_slots(dev, err) != 0 || delete_prefixes(dev, err) != 0 ||
			add_prefixes(dev, err) != 0 ||
			set_iface(dev, cs, err) != 0) {
		live_abort(dev);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------- commit */

void
live_commit(struct wgc_device *dev)
{
	uint64_t i;

	/* checked in prepare (check_port): a host stack refuses only 0 */
	for (i = 0; dev->port_changed && i < dev->nb_net; i++)
		wgc_net_port_set_listen_port(dev->net[i], dev->new_port);
	if (dev->key_changed) {
		struct wgc_peer *p;
		uint32_t pos = 0;

		while ((p = wgc_peers_next(dev->t, &pos)) != NULL)
			wgc_peer_proto_set_identity_changed(&p->proto);
	}
	for (i = 0; i < dev->n_chg; i++) {
		struct live_change *c = &dev->chg[i];

		if (c->live == NULL)
			continue;
		if (c->after == NULL) {
			peer_remove(dev, c->live);
			continue;
		}
		peer_set(dev, c->live, c);
		*shadow_user(c->after) = c->live;
	}
}
