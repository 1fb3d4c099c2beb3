/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The control plane bound to the live peer table (lib/peers).
 *
 * The configuration (keys, endpoints as configured, allowed IPs, in key
 * order) is kept in an in-memory backend used as a shadow: it gives the
 * ordered O(log n) iteration for paging, and validates a change set
 * completely and atomically (conflicts, absent peers) before the live
 * table is touched. After the shadow committed, the changed keys are
 * pushed to lib/peers under its writer lock, all or nothing: the steps
 * that can fail (new slots, prefix deletions, prefix additions, private
 * key, listen port) come first and are undone if a table refuses, and
 * then the shadow is put back too, so that REST, UAPI, the state
 * directory and the data plane never disagree. Live peers that only
 * change keep their protocol state: sessions survive.
 *
 * Reads of counters, handshake times and the current (roamed) endpoint
 * come from the live peer.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <sodium.h>

#include "control_priv.h"
#include "wgc_peers.h"
#include "wgc_proto.h"

struct wgc_peers_backend {
	struct wgc_mem_backend *shadow;
	struct wgc_peers *t;
	struct wgc_identity *id;
	int (*extra_stats)(void *ctx, struct wgc_stat *out, unsigned int max);
	void *extra_ctx;
	/* the daemon's hook that moves the outer UDP port (NULL: refused) */
	int (*set_port)(void *ctx, uint16_t port);
	void *set_port_ctx;
	/* changed keys of the running apply */
	struct pb_change {
		uint8_t key[WGC_KEY_LEN];
		struct wgc_peer_conf before; /* taken from the shadow's undo
		                              * log; public_key zero = none */
		const struct wgc_peer_conf *after; /* the shadow's record */
		struct wgc_peer *live;       /* push_live(): the live peer */
		bool had_before;
		bool has_after;
		bool created;                /* push_live() created it */
		bool removed_early;          /* removed before the creations */
	} *chg;
	uint64_t n_chg, cap_chg;
	bool oom;
	bool rolling_back;           /* the commit hook ignores changes */
	bool early;                  /* push_live() removed peers first */
	/* undo lists of push_live() */
	struct pb_vec {
		struct pb_undo {
			struct wgc_peer *p;
			struct wgc_prefix pf;
		} *v;
		uint64_t n, cap;
	} created, deleted, added;
};

static void
to_prefix(const struct wgc_cidr *c, struct wgc_prefix *pf)
{
	memset(pf, 0, sizeof(*pf));
	pf->family = c->addr.family == AF_INET ? 4 : 6;
	pf->len = c->len;
	memcpy(pf->addr, c->addr.bytes, pf->family == 4 ? 4 : 16);
}

static void
to_endpoint(const struct wgc_endpoint *e, struct wgc_peer_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (e->addr.family == 0)
		return;
	ep->family = e->addr.family == AF_INET ? 4 : 6;
	memcpy(ep->addr, e->addr.bytes, ep->family == 4 ? 4 : 16);
	ep->port = e->port;
}

static void
from_endpoint(const struct wgc_peer_endpoint *ep, struct wgc_endpoint *e)
{
	memset(e, 0, sizeof(*e));
	if (ep->family != 4 && ep->family != 6)
		return;
	e->addr.family = ep->family == 4 ? AF_INET : AF_INET6;
	memcpy(e->addr.bytes, ep->addr, ep->family == 4 ? 4 : 16);
	e->port = ep->port;
}

static bool
has_cidr(const struct wgc_peer_conf *c, const struct wgc_cidr *x)
{
	uint32_t i;

	for (i = 0; c != NULL && i < c->n_allowed_ips; i++)
		if (wgc_cidr_equal(&c->allowed_ips[i], x))
			return true;
	return false;
}

/* commit hook of the shadow: remember what changed */
static void
on_commit(void *ctx, const uint8_t *key, struct wgc_peer_conf *before,
		const struct wgc_peer_conf *after)
{
	struct wgc_peers_backend *pb = ctx;
	struct pb_change *c;

	if (pb->rolling_back)
		return;
	if (pb->n_chg == pb->cap_chg) {
		uint64_t cap = pb->cap_chg == 0 ? 64 : pb->cap_chg * 2;
		struct pb_change *v = realloc(pb->chg, cap * sizeof(*v));

		if (v == NULL) {
			pb->oom = true;
			return;
		}
		pb->chg = v;
		pb->cap_chg = cap;
	}
	c = &pb->chg[pb->n_chg];
	memset(c, 0, sizeof(*c));
	memcpy(c->key, key, WGC_KEY_LEN);
	if (before != NULL) {
		c->before = *before; /* moved: no copy */
		memset(before, 0, sizeof(*before));
	}
	c->after = after;
	c->had_before = before != NULL;
	c->has_after = after != NULL;
	pb->n_chg++;
}

static void
changes_free(struct wgc_peers_backend *pb)
{
	uint64_t i;

	for (i = 0; i < pb->n_chg; i++)
		wgc_peer_conf_free(&pb->chg[i].before);
	pb->n_chg = 0;
	pb->oom = false;
	if (pb->cap_chg > 65536) {
		/* a bulk's list goes back to the allocator */
		free(pb->chg);
		pb->chg = NULL;
		pb->cap_chg = 0;
	}
}

/* ------------------------------------------------ live push and undo */

static int
undo_push(struct pb_vec *v, struct wgc_peer *p, const struct wgc_prefix *pf)
{
	if (v->n == v->cap) {
		uint64_t cap = v->cap == 0 ? 64 : v->cap * 2;
		struct pb_undo *u = realloc(v->v, cap * sizeof(*u));

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

static void
vec_reset(struct pb_vec *v)
{
	v->n = 0;
	if (v->cap > 65536) {
		free(v->v);
		v->v = NULL;
		v->cap = 0;
	}
}

/* A peer removed early comes back as it was configured (a new session:
 * its slot was needed by the change that now failed). */
static void
live_recreate(struct wgc_peers_backend *pb, const struct pb_change *c)
{
	const struct wgc_peer_conf *b = &c->before;
	struct wgc_peer_endpoint ep;
	struct wgc_peer *p;
	uint32_t k;

	p = wgc_peers_add(pb->t, c->key, wgc_key_is_zero(b->preshared_key) ?
		NULL : b->preshared_key);
	if (p == NULL) {
		CTL_LOG(ERR, "undo: a removed peer could not come back: %s",
			rte_strerror(rte_errno));
		return;
	}
	to_endpoint(&b->endpoint, &ep);
	if (ep.family != 0)
		wgc_peer_endpoint_set(p, &ep);
	for (k = 0; k < b->n_allowed_ips; k++) {
		struct wgc_prefix pf;

		to_prefix(&b->allowed_ips[k], &pf);
		if (wgc_peers_prefix_add(pb->t, p, &pf) != 0)
			CTL_LOG(ERR, "undo: a removed peer's prefix could not "
				"come back");
	}
	p->persistent_keepalive = b->persistent_keepalive;
	wgc_peers_peer_changed(pb->t, p);
}

/*
 * Undo what push_live() did so far (writer lock held): prefixes added are
 * deleted, prefixes deleted go back to their owners, created peers go.
 * Nothing else has been touched yet (fields and removals come after the
 * last step that can fail).
 */
static void
live_undo(struct wgc_peers_backend *pb)
{
	uint64_t i;

	for (i = pb->added.n; i-- > 0; )
		wgc_peers_prefix_del(pb->t, pb->added.v[i].p,
			&pb->added.v[i].pf);
	for (i = pb->deleted.n; i-- > 0; )
		if (wgc_peers_prefix_add(pb->t, pb->deleted.v[i].p,
				&pb->deleted.v[i].pf) != 0)
			CTL_LOG(ERR, "undo: a deleted prefix could not be "
				"restored (the live table misses a route)");
	for (i = pb->created.n; i-- > 0; )
		wgc_peers_remove(pb->t, pb->created.v[i].p);
	if (!pb->early)
		return;
	/* wgc_peers_add() waits for the removed peers' grace period */
	for (i = 0; i < pb->n_chg; i++)
		if (pb->chg[i].removed_early)
			live_recreate(pb, &pb->chg[i]);
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

/*
 * Push the shadow's changes to the live table (writer lock held), all or
 * nothing. Steps that can fail come first and are undone on failure:
 * 1. create the new peers (a slot each),
 * 2. delete the prefixes that go away (also every prefix of a removed peer,
 *    whose slot stays until step 5), freeing room before anything is added
 *    and letting a stolen prefix pass from its old owner to the new one,
 * 3. add the new prefixes,
 * 4. the private key and the listen port;
 * then what cannot fail: 5. removals, preshared keys, endpoints,
 * keepalives.
 */
static int
push_live(struct wgc_peers_backend *pb, const struct wgc_changeset *cs,
		const struct wgc_iface_conf *before, struct wgc_conf_error *err)
{
	bool key_changed, port_changed;
	uint64_t i;
	uint32_t k;
	int r;

	vec_reset(&pb->created);
	vec_reset(&pb->deleted);
	vec_reset(&pb->added);
	pb->early = false;
	/* 0: a change that needs the slots of the peers it removes (a table
	 * full to the brim replaced, e.g. a state directory loaded over the
	 * config's peers) removes them first; if a later step fails they come
	 * back as configured, with new sessions */
	{
		uint64_t need = 0;

		for (i = 0; i < pb->n_chg; i++) {
			pb->chg[i].removed_early = false;
			if (pb->chg[i].has_after && wgc_peers_lookup(pb->t,
					pb->chg[i].key) == NULL)
				need++;
		}
		if (wgc_peers_count(pb->t) + need > wgc_peers_capacity(pb->t)) {
			for (i = 0; i < pb->n_chg; i++) {
				struct pb_change *c = &pb->chg[i];
				struct wgc_peer *p;

				if (c->has_after)
					continue;
				p = wgc_peers_lookup(pb->t, c->key);
				if (p == NULL)
					continue;
				wgc_peers_remove(pb->t, p);
				c->removed_early = true;
				pb->early = true;
			}
		}
	}
	/* 1: slots for the new peers */
	for (i = 0; i < pb->n_chg; i++) {
		struct pb_change *c = &pb->chg[i];
		const struct wgc_peer_conf *a = c->after;
		struct wgc_peer *p;

		c->live = NULL;
		c->created = false;
		if (!c->has_after) {
			c->live = wgc_peers_lookup(pb->t, c->key);
			continue;
		}
		p = wgc_peers_lookup(pb->t, c->key);
		if (p == NULL) {
			p = wgc_peers_add(pb->t, c->key,
				wgc_key_is_zero(a->preshared_key) ? NULL :
				a->preshared_key);
			if (p == NULL) {
				r = rte_errno;
				live_undo(pb);
				return live_err(err, r, "live peer table");
			}
			if (undo_push(&pb->created, p, NULL) != 0) {
				wgc_peers_remove(pb->t, p);
				live_undo(pb);
				return live_err(err, ENOMEM, "live peer table");
			}
			c->created = true;
		}
		c->live = p;
	}
	/* 2: prefixes that go away */
	for (i = 0; i < pb->n_chg; i++) {
		struct pb_change *c = &pb->chg[i];

		if (c->live == NULL || c->created)
			continue;
		for (k = 0; k < c->before.n_allowed_ips; k++) {
			struct wgc_prefix pf;

			if (c->has_after && has_cidr(c->after,
					&c->before.allowed_ips[k]))
				continue;
			to_prefix(&c->before.allowed_ips[k], &pf);
			if (wgc_peers_prefix_del(pb->t, c->live, &pf) != 0)
				continue; /* not live: nothing to undo */
			if (undo_push(&pb->deleted, c->live, &pf) != 0) {
				wgc_peers_prefix_add(pb->t, c->live, &pf);
				live_undo(pb);
				return live_err(err, ENOMEM,
					"live allowed-IPs table");
			}
		}
	}
	/* 3: new prefixes */
	for (i = 0; i < pb->n_chg; i++) {
		struct pb_change *c = &pb->chg[i];
		const struct wgc_peer_conf *a = c->after;

		if (!c->has_after)
			continue;
		for (k = 0; k < a->n_allowed_ips; k++) {
			struct wgc_prefix pf;

			if (!c->created && has_cidr(&c->before,
					&a->allowed_ips[k]))
				continue;
			to_prefix(&a->allowed_ips[k], &pf);
			r = wgc_peers_prefix_add(pb->t, c->live, &pf);
			if (r == 0 && undo_push(&pb->added, c->live,
					&pf) != 0) {
				wgc_peers_prefix_del(pb->t, c->live, &pf);
				r = -ENOMEM;
			}
			if (r != 0) {
				live_undo(pb);
				return live_err(err, -r,
					"live allowed-IPs table");
			}
		}
	}
	/* 4: interface */
	key_changed = (cs->iface_fields & WGC_IFACE_F_PRIVATE_KEY) &&
		sodium_memcmp(before->private_key, cs->iface.private_key,
			WGC_KEY_LEN) != 0;
	port_changed = (cs->iface_fields & WGC_IFACE_F_LISTEN_PORT) &&
		cs->iface.listen_port != before->listen_port;
	if (key_changed && wgc_identity_set_private_key(pb->id,
			wgc_key_is_zero(cs->iface.private_key) ? NULL :
			cs->iface.private_key) != 0) {
		live_undo(pb);
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"identity: cannot set the private key: nothing was "
			"changed");
	}
	if (port_changed) {
		r = pb->set_port(pb->set_port_ctx, cs->iface.listen_port);
		if (r != 0) {
			if (key_changed)
				wgc_identity_set_private_key(pb->id,
					wgc_key_is_zero(before->private_key) ?
					NULL : before->private_key);
			live_undo(pb);
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"listen_port %u: %s: nothing was changed",
				cs->iface.listen_port, strerror(-r));
		}
	}
	/* 5: what cannot fail */
	if (key_changed) {
		struct wgc_peer *p;
		uint32_t pos = 0;

		while ((p = wgc_peers_next(pb->t, &pos)) != NULL)
			wgc_peer_proto_set_identity_changed(&p->proto);
	}
	for (i = 0; i < pb->n_chg; i++) {
		struct pb_change *c = &pb->chg[i];
		const struct wgc_peer_conf *a = c->after;
		struct wgc_peer *p = c->live;

		if (p == NULL)
			continue;
		if (!c->has_after) {
			wgc_peers_remove(pb->t, p);
			continue;
		}
		if (!c->created && sodium_memcmp(c->before.preshared_key,
				a->preshared_key, WGC_KEY_LEN) != 0)
			wgc_peer_proto_set_psk(&p->proto,
				wgc_key_is_zero(a->preshared_key) ? NULL :
				a->preshared_key);
		if (c->created || memcmp(&c->before.endpoint, &a->endpoint,
				sizeof(a->endpoint)) != 0) {
			struct wgc_peer_endpoint ep;

			to_endpoint(&a->endpoint, &ep);
			if (ep.family != 0 || !c->created)
				wgc_peer_endpoint_set(p, &ep);
		}
		p->persistent_keepalive = a->persistent_keepalive;
		/* the data plane reschedules the peer's timers */
		wgc_peers_peer_changed(pb->t, p);
		*ctl_mem_user(a) = p;
	}
	return 0;
}

/*
 * The live table refused: put the shadow back as it was before the apply
 * (every changed key to its previous state, the interface fields back).
 */
static int
shadow_rollback(struct wgc_peers_backend *pb, const struct wgc_changeset *cs,
		const struct wgc_iface_conf *before)
{
	struct wgc_conf_error e2;
	struct wgc_changeset inv;
	uint64_t i, n = 0;
	int rc;

	memset(&inv, 0, sizeof(inv));
	inv.steal_allowed_ips = true;
	inv.remove_absent_ok = true;
	inv.iface_fields = cs->iface_fields;
	inv.iface.listen_port = before->listen_port;
	inv.iface.fwmark = before->fwmark;
	memcpy(inv.iface.private_key, before->private_key, WGC_KEY_LEN);
	if (pb->n_chg > 0) {
		inv.peers = calloc(pb->n_chg, sizeof(*inv.peers));
		if (inv.peers == NULL)
			return -1;
	}
	/* created keys go first, then the others get their old state */
	for (i = 0; i < pb->n_chg; i++) {
		if (pb->chg[i].had_before)
			continue;
		inv.peers[n].op = WGC_PEER_OP_REMOVE;
		memcpy(inv.peers[n].conf.public_key, pb->chg[i].key,
			WGC_KEY_LEN);
		n++;
	}
	for (i = 0; i < pb->n_chg; i++) {
		if (!pb->chg[i].had_before)
			continue;
		inv.peers[n].op = WGC_PEER_OP_REPLACE;
		inv.peers[n].fields = WGC_PEER_F_ALL;
		inv.peers[n].conf = pb->chg[i].before; /* shallow */
		n++;
	}
	inv.n = (uint32_t)n;
	inv.cap = (uint32_t)n;
	pb->rolling_back = true;
	rc = wgc_mem_backend_ops.apply(pb->shadow, &inv, &e2);
	pb->rolling_back = false;
	sodium_memzero(inv.iface.private_key, WGC_KEY_LEN);
	free(inv.peers);
	if (rc != 0)
		CTL_LOG(ERR, "shadow rollback: %s", e2.msg);
	return rc;
}

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
	CTL_LOG(DEBUG, "control thread registered as lcore %u",
		rte_lcore_id());
	return 0;
}

static int
pb_apply(void *ctx, const struct wgc_changeset *cs, struct wgc_conf_error *err)
{
	struct wgc_peers_backend *pb = ctx;
	struct wgc_iface_conf before;
	uint64_t adds = 0, i;
	double t0, t1;
	int rc;

	if (ensure_lcore(err) != 0)
		return -1;
	if (wgc_mem_backend_ops.iface_get(pb->shadow, &before) != 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	if ((cs->iface_fields & WGC_IFACE_F_LISTEN_PORT) &&
			cs->iface.listen_port != before.listen_port &&
			(pb->set_port == NULL || cs->iface.listen_port == 0)) {
		uint16_t port = before.listen_port;

		wgc_iface_conf_free(&before);
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			pb->set_port == NULL ?
			"listen_port: this device cannot change its port "
			"live (running on %u)" :
			"listen_port: 0 (a random port) is not supported "
			"(running on %u)", port);
	}
	/* capacity: never commit what cannot go live (a cheap early
	 * answer on the peers' final count; push_live() still undoes
	 * everything if a table refuses) */
	for (i = 0; i < cs->n; i++)
		if (cs->peers[i].op != WGC_PEER_OP_REMOVE)
			adds++;
	if (wgc_peers_count(pb->t) + adds > wgc_peers_capacity(pb->t)) {
		uint64_t n = 0, live_named = 0, live_removed = 0, final;

		wgc_peers_lock(pb->t);
		for (i = 0; i < cs->n; i++) {
			bool live = wgc_peers_lookup(pb->t,
				cs->peers[i].conf.public_key) != NULL;

			if (cs->peers[i].op == WGC_PEER_OP_REMOVE) {
				live_removed += live;
			} else {
				live_named += live;
				n += !live;
			}
		}
		final = (cs->replace_peers ? live_named :
			wgc_peers_count(pb->t) - live_removed) + n;
		wgc_peers_unlock(pb->t);
		if (final > wgc_peers_capacity(pb->t)) {
			wgc_iface_conf_free(&before);
			return wgc_conf_error_set(err, WGC_CONF_ENOSPC,
				"peer table full: %" PRIu64 " peers after the "
				"change, room for %u (%u now)", final,
				wgc_peers_capacity(pb->t),
				wgc_peers_count(pb->t));
		}
	}
	changes_free(pb);
	t0 = ctl_ms();
	rc = wgc_mem_backend_ops.apply(pb->shadow, cs, err);
	t1 = ctl_ms();
	if (rc != 0) {
		wgc_iface_conf_free(&before);
		changes_free(pb);
		return rc;
	}
	if (pb->oom) {
		rc = wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
		CTL_LOG(ERR, "out of memory after the configuration took a "
			"change: the live table may diverge");
	} else {
		wgc_peers_lock(pb->t);
		rc = push_live(pb, cs, &before, err);
		wgc_peers_unlock(pb->t);
		if (cs->n > 10000)
			CTL_LOG(NOTICE, "binding: %u changes: shadow %.0f ms, "
				"live %.0f ms", cs->n, t1 - t0, ctl_ms() - t1);
		if (rc != 0 && shadow_rollback(pb, cs, &before) != 0)
			CTL_LOG(ERR, "live table refused a change and the "
				"configuration could not be restored: %s",
				err->msg);
		else if (rc != 0)
			CTL_LOG(NOTICE, "change refused by the live table: %s",
				err->msg);
	}
	wgc_iface_conf_free(&before);
	changes_free(pb);
	return rc;
}

static int
pb_iface_get(void *ctx, struct wgc_iface_conf *iface)
{
	struct wgc_peers_backend *pb = ctx;

	return wgc_mem_backend_ops.iface_get(pb->shadow, iface);
}

static uint64_t
pb_peer_count(void *ctx)
{
	struct wgc_peers_backend *pb = ctx;

	return wgc_mem_backend_ops.peer_count(pb->shadow);
}

/* the live endpoint and counters (writer lock held) */
static void
live_view_peer(struct wgc_peer *p, struct wgc_peer_conf *conf,
		struct wgc_control_peer_stats *st)
{
	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (p != NULL) {
		struct wgc_peer_endpoint ep;

		wgc_peer_endpoint_get(p, &ep);
		if (ep.family != 0)
			from_endpoint(&ep, &conf->endpoint);
		if (st != NULL) {
			struct wgc_peer_stats s;
			uint64_t ns = p->last_handshake_wall_ns;

			wgc_peer_stats_get(p, &s);
			st->rx_bytes = s.rx_bytes;
			st->tx_bytes = s.tx_bytes;
			st->rx_packets = s.rx_packets;
			st->tx_packets = s.tx_packets;
			st->last_handshake_sec = (int64_t)(ns / 1000000000);
			st->last_handshake_nsec = (int64_t)(ns % 1000000000);
		}
	}
}

static void
live_view_locked(struct wgc_peers_backend *pb, struct wgc_peer_conf *conf,
		struct wgc_control_peer_stats *st)
{
	live_view_peer(wgc_peers_lookup(pb->t, conf->public_key), conf, st);
}

static void
live_view(struct wgc_peers_backend *pb, struct wgc_peer_conf *conf,
		struct wgc_control_peer_stats *st)
{
	wgc_peers_lock(pb->t);
	live_view_locked(pb, conf, st);
	wgc_peers_unlock(pb->t);
}

/* a walk of the shadow with the live view of each peer */
struct pb_walk {
	struct wgc_peers_backend *pb;
	bool stats;
	int (*fn)(void *arg, const struct wgc_peer_conf *conf,
		const struct wgc_control_peer_stats *st);
	void *arg;
	uint8_t last[WGC_KEY_LEN];  /* the last key passed to fn */
	bool stop;                  /* fn asked to stop */
};

static int
pb_walk_one(void *arg, const struct wgc_peer_conf *conf,
		const struct wgc_control_peer_stats *unused)
{
	struct pb_walk *w = arg;
	struct wgc_control_peer_stats st;
	struct wgc_peer_conf view = *conf; /* shallow: read during the call */

	void **hint = ctl_mem_user(conf);
	struct wgc_peer *p = *hint;

	(void)unused;
	memcpy(w->last, conf->public_key, WGC_KEY_LEN);
	/* the live peer kept with the record saves a hash lookup; a peer
	 * is freed only after its record is gone, the key check is a
	 * safety net */
	if (p == NULL || memcmp(p->proto.remote_static, conf->public_key,
			WGC_KEY_LEN) != 0) {
		p = wgc_peers_lookup(w->pb->t, conf->public_key);
		*hint = p;
	}
	live_view_peer(p, &view, w->stats ? &st : NULL);
	w->stop = w->fn(w->arg, &view, w->stats ? &st : NULL) != 0;
	return w->stop;
}

/* the writer lock is taken once per 4096 peers, so that the handshake
 * stage is never held up long */
static uint64_t
pb_peer_walk(void *ctx, const uint8_t *after, uint64_t max, bool stats,
		int (*fn)(void *arg, const struct wgc_peer_conf *conf,
			const struct wgc_control_peer_stats *st), void *arg)
{
	struct wgc_peers_backend *pb = ctx;
	struct pb_walk w;
	uint64_t n = 0, k, batch;

	memset(&w, 0, sizeof(w));
	w.pb = pb;
	w.stats = stats;
	w.fn = fn;
	w.arg = arg;
	while (n < max) {
		batch = RTE_MIN(max - n, (uint64_t)4096);
		wgc_peers_lock(pb->t);
		k = wgc_mem_backend_ops.peer_walk(pb->shadow, after, batch,
			false, pb_walk_one, &w);
		wgc_peers_unlock(pb->t);
		n += k;
		if (w.stop || k < batch)
			break;
		after = w.last;
	}
	return n;
}

static int
pb_peer_get(void *ctx, const uint8_t key[WGC_KEY_LEN],
		struct wgc_peer_conf *conf, struct wgc_control_peer_stats *st)
{
	struct wgc_peers_backend *pb = ctx;
	struct wgc_peer_conf tmp;
	int rc;

	rc = wgc_mem_backend_ops.peer_get(pb->shadow, key,
		conf != NULL ? conf : &tmp, NULL);
	if (rc != 0)
		return rc;
	live_view(pb, conf != NULL ? conf : &tmp, st);
	if (conf == NULL)
		wgc_peer_conf_free(&tmp);
	return 0;
}

static int
pb_peer_next(void *ctx, const uint8_t *after, struct wgc_peer_conf *conf,
		struct wgc_control_peer_stats *st)
{
	struct wgc_peers_backend *pb = ctx;
	int rc;

	rc = wgc_mem_backend_ops.peer_next(pb->shadow, after, conf, NULL);
	if (rc != 0)
		return rc;
	live_view(pb, conf, st);
	return 0;
}

static int
pb_stats_read(void *ctx, struct wgc_stat *out, unsigned int max)
{
	struct wgc_peers_backend *pb = ctx;
	struct wgc_proto_stats ps;
	unsigned int n = 0, i;

	if (pb->id != NULL) {
		wgc_identity_stats(pb->id, &ps);
		for (i = 0; i < WGC_CNT_MAX && n < max; i++) {
			memset(&out[n], 0, sizeof(out[n]));
			snprintf(out[n].name, sizeof(out[n].name), "proto_%s",
				wgc_proto_counter_name(i));
			out[n].worker = -1;
			out[n].value = ps.c[i];
			n++;
		}
	}
	if (pb->extra_stats != NULL && n < max) {
		int k = pb->extra_stats(pb->extra_ctx, out + n, max - n);

		if (k > 0)
			n += (unsigned int)k;
	}
	return (int)n;
}

const struct wgc_control_ops wgc_peers_backend_ops = {
	.iface_get = pb_iface_get,
	.peer_count = pb_peer_count,
	.peer_get = pb_peer_get,
	.peer_next = pb_peer_next,
	.peer_walk = pb_peer_walk,
	.apply = pb_apply,
	.stats_read = pb_stats_read,
	/* lib/proto's and the daemon's counters are atomic reads */
	.stats_unlocked = true,
	.health = NULL,
};

struct wgc_peers_backend *
wgc_peers_backend_create(struct wgc_peers *t, struct wgc_identity *id,
		const struct wgc_iface_conf *iface)
{
	struct wgc_peers_backend *pb;
	struct wgc_peer *p;
	uint32_t pos = 0;

	if (t == NULL) {
		errno = EINVAL;
		return NULL;
	}
	pb = calloc(1, sizeof(*pb));
	if (pb == NULL)
		return NULL;
	pb->t = t;
	pb->id = id;
	pb->shadow = wgc_mem_backend_create(iface);
	if (pb->shadow == NULL) {
		free(pb);
		return NULL;
	}
	/* peers already in the table (from the startup config) */
	wgc_peers_lock(t);
	while ((p = wgc_peers_next(t, &pos)) != NULL) {
		struct wgc_changeset cs;
		struct wgc_peer_change *c;
		struct wgc_peer_endpoint ep;
		struct wgc_conf_error err;
		uint32_t k;

		memset(&cs, 0, sizeof(cs));
		cs.steal_allowed_ips = true;
		c = wgc_changeset_add(&cs);
		if (c == NULL)
			break;
		c->op = WGC_PEER_OP_REPLACE;
		c->fields = WGC_PEER_F_ALL;
		memcpy(c->conf.public_key, p->proto.remote_static, WGC_KEY_LEN);
		memcpy(c->conf.preshared_key, p->proto.preshared_key,
			WGC_KEY_LEN);
		wgc_peer_endpoint_get(p, &ep);
		from_endpoint(&ep, &c->conf.endpoint);
		c->conf.persistent_keepalive = p->persistent_keepalive;
		c->conf.allowed_ips = calloc(p->n_aips + 1,
			sizeof(*c->conf.allowed_ips));
		for (k = 0; c->conf.allowed_ips != NULL && k < p->n_aips; k++) {
			struct wgc_cidr *x = &c->conf.allowed_ips[k];

			x->addr.family = p->aips[k].family == 4 ? AF_INET :
				AF_INET6;
			x->len = p->aips[k].len;
			memcpy(x->addr.bytes, p->aips[k].addr,
				p->aips[k].family == 4 ? 4 : 16);
			wgc_cidr_normalise(x);
			c->conf.n_allowed_ips++;
		}
		if (wgc_mem_backend_ops.apply(pb->shadow, &cs, &err) != 0)
			CTL_LOG(ERR, "peer table import: %s", err.msg);
		wgc_changeset_free(&cs);
	}
	wgc_peers_unlock(t);
	ctl_mem_set_commit_hook(pb->shadow, on_commit, pb);
	return pb;
}

void
wgc_peers_backend_set_stats(struct wgc_peers_backend *pb,
		int (*fn)(void *ctx, struct wgc_stat *out, unsigned int max),
		void *ctx)
{
	pb->extra_stats = fn;
	pb->extra_ctx = ctx;
}

void
wgc_peers_backend_set_listen_port(struct wgc_peers_backend *pb,
		int (*fn)(void *ctx, uint16_t port), void *ctx)
{
	pb->set_port = fn;
	pb->set_port_ctx = ctx;
}

void
wgc_peers_backend_destroy(struct wgc_peers_backend *pb)
{
	if (pb == NULL)
		return;
	changes_free(pb);
	free(pb->chg);
	free(pb->created.v);
	free(pb->deleted.v);
	free(pb->added.v);
	wgc_mem_backend_destroy(pb->shadow);
	free(pb);
}
