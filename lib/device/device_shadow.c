/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The configuration shadow: the device's configuration in key order, and
 * on its own a configuration without a data plane (wgc_mem_backend_ops).
 *
 * Peers live in an ordered index by public key (device_index.c); allowed
 * IPs are indexed in a chained hash (prefix -> owner) to detect conflicts
 * in O(1).
 * A change set is applied in two phases: shadow_prepare() makes every
 * change with an undo log (before a peer or the interface is first
 * touched, its old state is saved), then shadow_commit() drops the log or
 * shadow_abort() removes every touched peer and re-inserts the saved ones.
 * Between the two, shadow_changes() reports each changed key once.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_jhash.h>
#include <sodium.h>

#include "device_private.h"
#include "device_shadow.h"

const struct wgc_device_peer_stats shadow_zero_stats;

int
shadow_peer_stats_set(struct mem_peer *p,
		const struct wgc_device_peer_stats *st)
{
	if (p->stats == NULL) {
		if (memcmp(st, &shadow_zero_stats, sizeof(*st)) == 0)
			return 0;
		p->stats = malloc(sizeof(*p->stats));
		if (p->stats == NULL)
			return -1;
	}
	*p->stats = *st;
	return 0;
}

/* --------------------------------------------------- allowed-IP index */

static uint32_t
cidr_hash(const struct wgc_prefix *c)
{
	uint32_t h = rte_jhash(c->addr.bytes, wgc_addr_len(c->addr.family),
		c->len);

	return rte_jhash_1word(c->addr.family, h);
}

static bool
cidr_same(const struct wgc_prefix *a, const struct wgc_prefix *b)
{
	return a->len == b->len && wgc_addr_equal(&a->addr, &b->addr);
}

static int
aip_grow(struct wgc_mem_backend *mb)
{
	uint64_t nb = mb->nbuckets * 2, i;
	struct aip **b, *e, *next;

	b = calloc(nb, sizeof(*b));
	if (b == NULL)
		return -1; /* keep the old table: still correct, just slower */
	for (i = 0; i < mb->nbuckets; i++) {
		for (e = mb->buckets[i]; e != NULL; e = next) {
			uint64_t h = cidr_hash(&e->cidr) & (nb - 1);

			next = e->next;
			e->next = b[h];
			b[h] = e;
		}
	}
	free(mb->buckets);
	mb->buckets = b;
	mb->nbuckets = nb;
	return 0;
}

static struct aip **
aip_slot(struct wgc_mem_backend *mb, const struct wgc_prefix *c)
{
	struct aip **pp = &mb->buckets[cidr_hash(c) & (mb->nbuckets - 1)];

	while (*pp != NULL && !cidr_same(&(*pp)->cidr, c))
		pp = &(*pp)->next;
	return pp;
}

static struct mem_peer *
aip_owner(struct wgc_mem_backend *mb, const struct wgc_prefix *c)
{
	struct aip *e = *aip_slot(mb, c);

	return e != NULL ? e->owner : NULL;
}

static int
aip_add(struct wgc_mem_backend *mb, const struct wgc_prefix *c,
		struct mem_peer *owner)
{
	struct aip **pp, *e;

	if (mb->naip >= mb->nbuckets)
		aip_grow(mb);
	pp = aip_slot(mb, c);
	if (*pp != NULL) {
		(*pp)->owner = owner;
		return 0;
	}
	e = malloc(sizeof(*e));
	if (e == NULL)
		return -1;
	e->cidr = *c;
	e->owner = owner;
	e->next = NULL;
	*pp = e;
	mb->naip++;
	return 0;
}

static void
aip_del(struct wgc_mem_backend *mb, const struct wgc_prefix *c)
{
	struct aip **pp = aip_slot(mb, c), *e = *pp;

	if (e == NULL)
		return;
	*pp = e->next;
	free(e);
	mb->naip--;
}

/* ------------------------------------------------------------- peers */

static void
peer_unindex(struct wgc_mem_backend *mb, struct mem_peer *p)
{
	uint32_t i;

	for (i = 0; i < p->conf.n_allowed_ips; i++)
		if (aip_owner(mb, &p->conf.allowed_ips[i]) == p)
			aip_del(mb, &p->conf.allowed_ips[i]);
}

void
shadow_peer_free(struct mem_peer *p)
{
	wgc_peer_conf_free(&p->conf);
	free(p->stats);
	sodium_memzero(p, sizeof(*p));
	free(p);
}

static void
peer_remove(struct wgc_mem_backend *mb, struct mem_peer *p)
{
	if (p->gen == mb->gen && p->undo_idx < mb->n_undo &&
			mb->undo[p->undo_idx].node == p)
		mb->undo[p->undo_idx].node = NULL;
	peer_unindex(mb, p);
	oix_unlink(&mb->ix, p);
	shadow_peer_free(p);
}

static int
undo_push(struct wgc_mem_backend *mb, const uint8_t *key, struct mem_peer *p)
{
	struct undo *u;

	if (mb->n_undo == mb->cap_undo) {
		uint64_t cap = mb->cap_undo == 0 ? 64 : mb->cap_undo * 2;
		struct undo *v = realloc(mb->undo, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		mb->undo = v;
		mb->cap_undo = cap;
	}
	u = &mb->undo[mb->n_undo];
	memset(u, 0, sizeof(*u));
	memcpy(u->key, key, WGC_KEY_LEN);
	u->node = p;
	if (p != NULL) {
		u->saved = malloc(sizeof(*u->saved));
		if (u->saved == NULL)
			return -1;
		if (wgc_peer_conf_copy(&u->saved->conf, &p->conf) != 0) {
			free(u->saved);
			u->saved = NULL;
			return -1;
		}
		u->saved->session = p->session;
		u->saved->stats = *peer_stats(p);
	}
	mb->n_undo++;
	return 0;
}

/* Save the peer's state before its first change in this apply. */
static int
touch(struct wgc_mem_backend *mb, struct mem_peer *p)
{
	if (p->gen == mb->gen)
		return 0;
	if (undo_push(mb, p->conf.public_key, p) != 0)
		return -1;
	p->gen = mb->gen;
	p->undo_idx = (uint32_t)(mb->n_undo - 1);
	return 0;
}

static void
undo_free(struct wgc_mem_backend *mb)
{
	uint64_t i;

	for (i = 0; i < mb->n_undo; i++) {
		if (mb->undo[i].saved == NULL)
			continue;
		wgc_peer_conf_free(&mb->undo[i].saved->conf);
		free(mb->undo[i].saved);
	}
	mb->n_undo = 0;
	if (mb->cap_undo > 4096) {
		free(mb->undo);
		mb->undo = NULL;
		mb->cap_undo = 0;
	}
}

static int
restore_insert(struct wgc_mem_backend *mb, struct undo *u)
{
	struct mem_peer *p = oix_insert(&mb->ix, u->key);
	uint32_t i;

	if (p == NULL)
		return -1;
	p->conf = u->saved->conf;    /* take ownership */
	memset(&u->saved->conf, 0, sizeof(u->saved->conf));
	p->session = u->saved->session;
	shadow_peer_stats_set(p, &u->saved->stats);
	for (i = 0; i < p->conf.n_allowed_ips; i++)
		aip_add(mb, &p->conf.allowed_ips[i], p);
	return 0;
}

static void
rollback(struct wgc_mem_backend *mb)
{
	struct mem_peer *p;
	uint64_t i;

	/* 1: remove the current version of every touched key */
	for (i = 0; i < mb->n_undo; i++) {
		p = oix_lookup(&mb->ix, mb->undo[i].key);
		if (p != NULL)
			peer_remove(mb, p);
	}
	/* 2: the earliest record of a key is its state before the apply */
	for (i = 0; i < mb->n_undo; i++) {
		struct undo *u = &mb->undo[i];

		if (u->saved != NULL && oix_lookup(&mb->ix, u->key) == NULL)
			restore_insert(mb, u);
	}
	undo_free(mb);
}

static int
key_err(struct wgc_conf_error *err, enum wgc_conf_err_kind kind, uint32_t idx,
		const uint8_t *key, const char *what)
{
	char b64[WGC_KEY_B64_LEN + 1];

	wgc_key_to_base64(key, b64);
	return wgc_conf_error_set(err, kind, "peers[%u]: peer %s %s", idx, b64,
		what);
}

/*
 * Give @p p the allowed IPs @p v (replacing, or appended to its own).
 * Conflicts with other peers: steal or fail.
 */
static int
set_allowed_ips(struct wgc_mem_backend *mb, struct mem_peer *p,
		const struct wgc_prefix *v, uint32_t n, bool append, bool steal,
		uint32_t idx, struct wgc_conf_error *err)
{
	struct wgc_prefix *nv;
	uint32_t i, j, k = 0, total;

	bool others = false;

	/* conflicts first, so that nothing changes on error */
	for (i = 0; i < n; i++) {
		struct mem_peer *o = aip_owner(mb, &v[i]);
		char buf[WGC_ADDR_STR_LEN], b64[WGC_KEY_B64_LEN + 1];

		if (o == NULL || o == p)
			continue;
		others = true;
		if (steal)
			continue;
		wgc_key_to_base64(o->conf.public_key, b64);
		return wgc_conf_error_set(err, WGC_CONF_ECONFLICT,
			"peers[%u]: allowed IP %s belongs to peer %s", idx,
			wgc_prefix_format(&v[i], buf, sizeof(buf)), b64);
	}
	total = n + (append ? p->conf.n_allowed_ips : 0);
	nv = total > 0 ? malloc(total * sizeof(*nv)) : NULL;
	if (total > 0 && nv == NULL)
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"peers[%u]: out of memory", idx);
	if (append && p->conf.n_allowed_ips > 0) {
		memcpy(nv, p->conf.allowed_ips,
			p->conf.n_allowed_ips * sizeof(*nv));
		k = p->conf.n_allowed_ips;
	}
	for (i = 0; i < n; i++) {
		bool dup = false;

		for (j = 0; j < k && !dup; j++)
			dup = cidr_same(&nv[j], &v[i]);
		if (!dup)
			nv[k++] = v[i];
	}
	/* steal from other owners */
	for (i = 0; others && i < n; i++) {
		struct mem_peer *o = aip_owner(mb, &v[i]);

		if (o == NULL || o == p)
			continue;
		if (touch(mb, o) != 0) {
			free(nv);
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"out of memory");
		}
		for (j = 0; j < o->conf.n_allowed_ips; j++) {
			if (cidr_same(&o->conf.allowed_ips[j], &v[i])) {
				o->conf.allowed_ips[j] = o->conf.allowed_ips[
					--o->conf.n_allowed_ips];
				break;
			}
		}
		aip_del(mb, &v[i]);
	}
	peer_unindex(mb, p);
	free(p->conf.allowed_ips);
	p->conf.allowed_ips = nv;
	p->conf.n_allowed_ips = k;
	for (i = 0; i < k; i++) {
		if (aip_add(mb, &nv[i], p) != 0)
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"out of memory");
	}
	return 0;
}

static int
apply_fields(struct wgc_mem_backend *mb, struct mem_peer *p,
		const struct wgc_peer_change *c, uint32_t fields, bool steal,
		uint32_t idx, struct wgc_conf_error *err)
{
	if (fields & WGC_PEER_F_ALLOWED_IPS) {
		if (set_allowed_ips(mb, p, c->conf.allowed_ips,
				c->conf.n_allowed_ips,
				c->append_allowed_ips &&
				c->op != WGC_PEER_OP_REPLACE,
				steal, idx, err) != 0)
			return -1;
	}
	if (fields & WGC_PEER_F_PRESHARED_KEY)
		memcpy(p->conf.preshared_key, c->conf.preshared_key,
			WGC_KEY_LEN);
	if (fields & WGC_PEER_F_ENDPOINT)
		p->conf.endpoint = c->conf.endpoint;
	if (fields & WGC_PEER_F_KEEPALIVE)
		p->conf.persistent_keepalive = c->conf.persistent_keepalive;
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, WGC_KEY_LEN);
}

/* Remove every peer not named in @p cs (replace_peers). */
static int
remove_unnamed(struct wgc_mem_backend *mb, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	uint8_t (*keys)[WGC_KEY_LEN] = NULL;
	struct mem_peer *p;
	uint32_t i;

	if (mb->ix.n == 0)
		return 0; /* nothing to remove (a first wg setconf) */
	if (cs->n > 0) {
		keys = malloc((size_t)cs->n * WGC_KEY_LEN);
		if (keys == NULL)
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"out of memory");
		for (i = 0; i < cs->n; i++)
			memcpy(keys[i], cs->peers[i].conf.public_key,
				WGC_KEY_LEN);
		qsort(keys, cs->n, WGC_KEY_LEN, key_cmp);
	}
	/* collect first: removal moves the index's entries */
	{
		struct mem_peer **gone = NULL;
		uint64_t ngone = 0, k;
		struct oix_pos pos = { 0, 0 };

		if (mb->ix.n > 0) {
			gone = malloc(mb->ix.n * sizeof(*gone));
			if (gone == NULL) {
				free(keys);
				return wgc_conf_error_set(err, WGC_CONF_EIO,
					"out of memory");
			}
		}
		for (; (p = oix_at(&mb->ix, pos)) != NULL;
				pos = oix_next(&mb->ix, pos))
			if (cs->n == 0 || bsearch(p->conf.public_key, keys,
					cs->n, WGC_KEY_LEN, key_cmp) == NULL)
				gone[ngone++] = p;
		for (k = 0; k < ngone; k++) {
			if (touch(mb, gone[k]) != 0) {
				free(gone);
				free(keys);
				return wgc_conf_error_set(err, WGC_CONF_EIO,
					"out of memory");
			}
			peer_remove(mb, gone[k]);
		}
		free(gone);
	}
	free(keys);
	return 0;
}

static int
apply_one(struct wgc_mem_backend *mb, const struct wgc_changeset *cs,
		uint32_t idx, struct wgc_conf_error *err)
{
	const struct wgc_peer_change *c = &cs->peers[idx];
	const uint8_t *key = c->conf.public_key;
	struct mem_peer *p = oix_lookup(&mb->ix, key);
	uint32_t fields = c->fields;

	switch (c->op) {
	case WGC_PEER_OP_REMOVE:
		if (p == NULL) {
			if (cs->remove_absent_ok)
				return 0;
			return key_err(err, WGC_CONF_ENOENT, idx, key,
				"does not exist");
		}
		if (touch(mb, p) != 0)
			goto nomem;
		peer_remove(mb, p);
		return 0;
	case WGC_PEER_OP_UPDATE:
	case WGC_PEER_OP_UPDATE_ONLY:
		if (p == NULL) {
			if (c->op == WGC_PEER_OP_UPDATE_ONLY)
				return 0;
			return key_err(err, WGC_CONF_ENOENT, idx, key,
				"does not exist");
		}
		break;
	case WGC_PEER_OP_REPLACE:
		fields = WGC_PEER_F_ALL;
		break;
	case WGC_PEER_OP_UPSERT:
		break;
	default:
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"peers[%u]: unknown operation", idx);
	}
	if (p == NULL) {
		if (undo_push(mb, key, NULL) != 0)
			goto nomem;
		p = oix_insert(&mb->ix, key);
		if (p == NULL)
			goto nomem;
		p->session = ++mb->next_session;
		p->gen = mb->gen;
		p->undo_idx = (uint32_t)(mb->n_undo - 1);
		mb->undo[p->undo_idx].node = p;
		if (mb->fake_handshakes) {
			/* a distinct second per session */
			struct wgc_device_peer_stats st = { 0 };

			st.last_handshake_sec = (int64_t)time(NULL) -
				100000000 + (int64_t)p->session;
			if (shadow_peer_stats_set(p, &st) != 0)
				goto nomem;
		}
	} else if (touch(mb, p) != 0) {
		goto nomem;
	}
	if (c->op == WGC_PEER_OP_REPLACE) {
		/* every field takes the given value (absent = default) */
		memset(p->conf.preshared_key, 0, WGC_KEY_LEN);
		memset(&p->conf.endpoint, 0, sizeof(p->conf.endpoint));
		p->conf.persistent_keepalive = 0;
	}
	return apply_fields(mb, p, c, fields, cs->steal_allowed_ips, idx, err);
nomem:
	return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
}

/* Report every changed key of the prepared change once: its state before
 * (the earliest undo record) and now. */
void
shadow_changes(struct wgc_mem_backend *mb,
		void (*fn)(void *ctx, const uint8_t *key,
			const struct wgc_peer_conf *before,
			const struct wgc_peer_conf *after), void *ctx)
{
	uint64_t i;

	for (i = 0; i < mb->n_undo; i++) {
		struct undo *u = &mb->undo[i];
		/* the record's node, unless it was removed (maybe created
		 * again: then it has a record of its own, found by key) */
		struct mem_peer *p = u->node != NULL ? u->node :
			oix_lookup(&mb->ix, u->key);

		if (p != NULL) {
			if (p->gen != mb->gen)
				continue; /* already reported */
			p->gen = 0;
		} else if (u->saved == NULL) {
			continue; /* created and removed again */
		}
		/* a key has at most one "existed" record (nodes created in
		 * this apply are never recorded as existing), so an absent
		 * key is reported once */
		fn(ctx, u->key, u->saved != NULL ? &u->saved->conf : NULL,
			p != NULL ? &p->conf : NULL);
	}
}

int
shadow_prepare(struct wgc_mem_backend *mb, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	uint32_t i;

	if (wgc_iface_conf_copy(&mb->saved_iface, &mb->iface) != 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	mb->prepared = true;
	if (++mb->gen == 0)
		mb->gen = 1; /* 0 marks a node no apply touches now */
	if (cs->iface_fields & WGC_IFACE_F_PRIVATE_KEY) {
		if (wgc_iface_set_private_key(&mb->iface,
				cs->iface.private_key) != 0) {
			wgc_conf_error_set(err, WGC_CONF_EVALUE,
				"private_key: weak key");
			goto fail;
		}
	}
	if (cs->iface_fields & WGC_IFACE_F_LISTEN_PORT)
		mb->iface.listen_port = cs->iface.listen_port;
	if (cs->iface_fields & WGC_IFACE_F_FWMARK)
		mb->iface.fwmark = cs->iface.fwmark;
	if (cs->replace_peers && remove_unnamed(mb, cs, err) != 0)
		goto fail;
	for (i = 0; i < cs->n; i++)
		if (apply_one(mb, cs, i, err) != 0)
			goto fail;
	return 0;
fail:
	shadow_abort(mb);
	return -1;
}

void
shadow_commit(struct wgc_mem_backend *mb)
{
	if (!mb->prepared)
		return;
	undo_free(mb);
	wgc_iface_conf_free(&mb->saved_iface);
	mb->prepared = false;
}

void
shadow_abort(struct wgc_mem_backend *mb)
{
	if (!mb->prepared)
		return;
	rollback(mb);
	wgc_iface_conf_free(&mb->iface);
	mb->iface = mb->saved_iface;
	memset(&mb->saved_iface, 0, sizeof(mb->saved_iface));
	mb->prepared = false;
}

const struct wgc_iface_conf *
shadow_iface(const struct wgc_mem_backend *mb)
{
	return &mb->iface;
}

int
shadow_apply(void *ctx, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	struct wgc_mem_backend *mb = ctx;

	if (shadow_prepare(mb, cs, err) != 0)
		return -1;
	shadow_commit(mb);
	return 0;
}

void
shadow_fini(struct wgc_mem_backend *mb)
{
	struct aip *e, *en;
	uint64_t i;
	uint32_t b, k;

	shadow_abort(mb);
	for (b = 0; b < mb->ix.nblocks; b++) {
		for (k = 0; k < mb->ix.blocks[b]->n; k++)
			shadow_peer_free(mb->ix.blocks[b]->p[k]);
		free(mb->ix.blocks[b]);
	}
	free(mb->ix.blocks);
	free(mb->ix.first);
	for (i = 0; i < mb->nbuckets; i++)
		for (e = mb->buckets[i]; e != NULL; e = en) {
			en = e->next;
			free(e);
		}
	undo_free(mb);
	free(mb->undo);
	free(mb->buckets);
}
