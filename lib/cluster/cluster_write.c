/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Writes in cluster mode: a REST or UAPI change set goes to etcd, not to
 * the device. Per batch (at most 128 operations and 1 MiB, within etcd's
 * default request limits) one transaction reads the peers' current
 * values, the changes are merged into them, and a second transaction
 * writes them if every key's mod_revision is still the one read (a
 * compare failure re-reads and retries). The caller is answered once
 * this node's sync has applied the last write's revision
 * (read-your-writes). Nothing is applied locally here: the watch brings
 * the change, as it does on every other node.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cluster_private.h"

/* compare failures before 409; each waits a little longer (2 ms more, plus
 * up to 4 ms of jitter, so that writers racing on a key fall apart) */
#define WRITE_TRIES 16

/* one key of a write */
struct wr_item {
	const struct wgc_peer_change *ch;  /* NULL: a delete (replace_peers) */
	uint8_t pub[WGC_KEY_LEN];
	char key[WGC_CLUSTER_PREFIX_LEN + 64];
	size_t kl;
	bool have;                  /* read: the key exists */
	int64_t mod;                /* read: its mod_revision */
	struct wgc_peer_conf cur;   /* read: its peer (if have and valid) */
	bool cur_ok;
	char *value;                /* write: the new value (a put) */
	size_t vlen;
};

struct wr_read {
	struct wr_item *it;
	uint32_t n;
};

static int
read_kv(void *ctx, const struct wgc_etcd_kv *kv)
{
	struct wr_read *r = ctx;
	struct wgc_conf_error err;
	uint32_t i;

	for (i = 0; i < r->n; i++) {
		struct wr_item *x = &r->it[i];

		if (x->kl != kv->key_len || memcmp(x->key, kv->key, x->kl) != 0)
			continue;
		x->have = true;
		x->mod = kv->mod_revision;
		/* a malformed value is overwritten as if absent */
		x->cur_ok = cluster_peer_parse(x->pub, kv->value,
			kv->value_len, &x->cur, NULL, &err) == 0;
		break;
	}
	return 0;
}

static void
item_reset(struct wr_item *x)
{
	if (x->cur_ok)
		wgc_peer_conf_free(&x->cur);
	x->cur_ok = false;
	x->have = false;
	x->mod = 0;
	if (x->value != NULL) {
		sodium_memzero(x->value, x->vlen);
		free(x->value);
	}
	x->value = NULL;
	x->vlen = 0;
}

/* allowed IPs of @p a followed by those of @p b it does not have */
static int
cidr_union(struct wgc_peer_conf *out, const struct wgc_peer_conf *b)
{
	uint32_t n = out->n_allowed_ips, i, j;
	struct wgc_prefix *u;

	u = realloc(out->allowed_ips, (n + b->n_allowed_ips + 1) * sizeof(*u));
	if (u == NULL)
		return -1;
	out->allowed_ips = u;
	for (i = 0; i < b->n_allowed_ips; i++) {
		for (j = 0; j < n; j++)
			if (wgc_prefix_equal(&u[j], &b->allowed_ips[i]))
				break;
		if (j == n)
			u[n++] = b->allowed_ips[i];
	}
	out->n_allowed_ips = n;
	return 0;
}

/* the peer after change @p ch on @p cur (NULL: a new peer) */
static int
merge(struct wgc_peer_conf *out, const struct wgc_peer_conf *cur,
		const struct wgc_peer_change *ch)
{
	const struct wgc_peer_conf *w = &ch->conf;
	struct wgc_prefix *keep;

	if (ch->op == WGC_PEER_OP_REPLACE || cur == NULL) {
		memset(out, 0, sizeof(*out));
		memcpy(out->public_key, w->public_key, WGC_KEY_LEN);
		if (ch->op == WGC_PEER_OP_REPLACE)
			return wgc_peer_conf_copy(out, w);
	} else if (wgc_peer_conf_copy(out, cur) != 0) {
		return -1;
	}
	if (ch->fields & WGC_PEER_F_PRESHARED_KEY)
		memcpy(out->preshared_key, w->preshared_key, WGC_KEY_LEN);
	if (ch->fields & WGC_PEER_F_ENDPOINT)
		out->endpoint = w->endpoint;
	if (ch->fields & WGC_PEER_F_KEEPALIVE)
		out->persistent_keepalive = w->persistent_keepalive;
	if (!(ch->fields & WGC_PEER_F_ALLOWED_IPS))
		return 0;
	if (ch->append_allowed_ips)
		return cidr_union(out, w);
	keep = out->allowed_ips;
	out->allowed_ips = NULL;
	out->n_allowed_ips = 0;
	free(keep);
	return cidr_union(out, w);
}

/* the operation item @p x needs after the read: 1 an op, 0 none, -1 err */
static int
plan(const struct wgc_changeset *cs, struct wr_item *x,
		struct wgc_etcd_op *op, struct wgc_conf_error *err)
{
	const struct wgc_peer_change *ch = x->ch;
	uint32_t idx = ch != NULL ? (uint32_t)(ch - cs->peers) : 0;
	char b64[WGC_KEY_B64_LEN + 1];
	struct wgc_peer_conf nw;

	memset(op, 0, sizeof(*op));
	op->key = x->key;
	op->key_len = x->kl;
	op->expect_rev = x->have ? x->mod : 0;
	if (ch == NULL || ch->op == WGC_PEER_OP_REMOVE) {
		if (!x->have) {
			if (ch == NULL || cs->remove_absent_ok)
				return 0;
			wgc_key_to_base64(x->pub, b64);
			return wgc_conf_error_set(err, WGC_CONF_ENOENT,
				"peers[%u]: no peer %s", idx, b64);
		}
		op->type = WGC_ETCD_OP_DELETE;
		return 1;
	}
	if (!x->have && (ch->op == WGC_PEER_OP_UPDATE ||
			ch->op == WGC_PEER_OP_UPDATE_ONLY)) {
		if (ch->op == WGC_PEER_OP_UPDATE_ONLY)
			return 0;
		wgc_key_to_base64(x->pub, b64);
		return wgc_conf_error_set(err, WGC_CONF_ENOENT,
			"peers[%u]: no peer %s", idx, b64);
	}
	if (merge(&nw, x->cur_ok ? &x->cur : NULL, ch) != 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	x->value = cluster_peer_value(&nw, &x->vlen);
	wgc_peer_conf_free(&nw);
	if (x->value == NULL)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	op->type = WGC_ETCD_OP_PUT;
	op->value = x->value;
	op->value_len = x->vlen;
	return 1;
}

static int
etcd_error(struct wgc_cluster *c, int rc, uint32_t done, uint32_t total,
		struct wgc_conf_error *err)
{
	char part[96] = "nothing changed";

	if (done > 0)
		snprintf(part, sizeof(part), "the first %u of %u changes were "
			"written", done, total);
	if (rc == -EHOSTUNREACH) {
		pthread_mutex_lock(&c->mu);
		c->st.write_unavailable++;
		pthread_mutex_unlock(&c->mu);
		return wgc_conf_error_set(err, WGC_CONF_EUNAVAIL,
			"cluster: etcd unreachable (%s), %s", c->conf.etcd[0],
			part);
	}
	return wgc_conf_error_set(err, WGC_CONF_EIO, "cluster: etcd: %s; %s",
		strerror(-rc), part);
}

/* items [s, *e) in one transaction (*e may shrink to fit 1 MiB) */
static int
write_batch(struct wgc_cluster *c, const struct wgc_changeset *cs,
		struct wr_item *it, uint32_t s, uint32_t *e, int64_t *rev,
		struct wgc_conf_error *err)
{
	struct wgc_etcd_op ops[WGC_ETCD_TXN_OPS_MAX];
	struct wr_read rd = { it + s, 0 };
	unsigned int tries, n, i, j;
	size_t bytes;
	int rc;

	/* a key named twice (UAPI): the second change follows in the next
	 * transaction, on the first one's result */
	for (i = s + 1; i < *e; i++) {
		for (j = s; j < i; j++)
			if (memcmp(it[i].pub, it[j].pub, WGC_KEY_LEN) == 0)
				break;
		if (j < i) {
			*e = i;
			break;
		}
	}
	rd.n = *e - s;
	for (tries = 0; tries < WRITE_TRIES; tries++) {
		for (i = s; i < *e; i++) {
			item_reset(&it[i]);
			ops[i - s] = (struct wgc_etcd_op){
				.type = WGC_ETCD_OP_GET, .key = it[i].key,
				.key_len = it[i].kl, .expect_rev = -1,
			};
		}
		rc = wgc_etcd_txn(c->wr, ops, *e - s, read_kv, &rd, NULL);
		if (rc != 0)
			return rc;
		n = 0;
		bytes = 0;
		for (i = s; i < *e; i++) {
			rc = plan(cs, &it[i], &ops[n], err);
			if (rc < 0)
				return -EINVAL;
			if (rc == 0)
				continue;
			bytes += (it[i].kl + it[i].vlen) * 4 / 3 + 160;
			if (bytes > WGC_ETCD_TXN_BYTES_MAX && n > 0) {
				/* the rest goes in the next transaction */
				*e = i;
				rd.n = *e - s;
				break;
			}
			n++;
		}
		if (n == 0)
			return 0;
		rc = wgc_etcd_txn(c->wr, ops, n, NULL, NULL, rev);
		if (rc != -ECANCELED)
			return rc;
		pthread_mutex_lock(&c->mu);
		c->st.write_conflicts++;
		pthread_mutex_unlock(&c->mu);
		{
			struct timespec ts = { 0, (long)(2 * (tries + 1) +
				randombytes_uniform(5)) * 1000000 };

			nanosleep(&ts, NULL);
		}
	}
	return -ECANCELED;
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, WGC_KEY_LEN);
}

/* replace_peers: every stored peer the change set does not name goes */
struct absent {
	struct wgc_cluster *c;
	uint8_t (*named)[WGC_KEY_LEN];
	uint32_t n_named;
	struct wr_item *it;
	uint32_t n, cap;
};

static int
absent_kv(void *ctx, const struct wgc_etcd_kv *kv)
{
	struct absent *a = ctx;
	uint8_t pub[WGC_KEY_LEN];
	struct wr_item *x;

	if (cluster_peer_key(a->c, kv->key, kv->key_len, pub) != 0 ||
			bsearch(pub, a->named, a->n_named, WGC_KEY_LEN,
				key_cmp) != NULL)
		return 0;
	if (a->n == a->cap) {
		uint32_t cap = a->cap == 0 ? 64 : a->cap * 2;

		x = realloc(a->it, cap * sizeof(*x));
		if (x == NULL)
			return -ENOMEM;
		a->it = x;
		a->cap = cap;
	}
	x = &a->it[a->n++];
	memset(x, 0, sizeof(*x));
	memcpy(x->pub, pub, WGC_KEY_LEN);
	x->kl = cluster_peer_keyname(a->c, pub, x->key, sizeof(x->key));
	return 0;
}

static int
items_build(struct wgc_cluster *c, const struct wgc_changeset *cs,
		struct wr_item **out, uint32_t *n)
{
	struct absent a = { .c = c };
	uint32_t i;
	int64_t rc = 0;

	if (cs->replace_peers) {
		a.named = malloc((cs->n + 1) * WGC_KEY_LEN);
		if (a.named == NULL)
			return -ENOMEM;
		for (i = 0; i < cs->n; i++)
			memcpy(a.named[i], cs->peers[i].conf.public_key,
				WGC_KEY_LEN);
		a.n_named = cs->n;
		qsort(a.named, cs->n, WGC_KEY_LEN, key_cmp);
		rc = wgc_etcd_range_prefix(c->wr, c->peers_prefix,
			c->peers_prefix_len, 0, c->page, absent_kv, &a, NULL);
		free(a.named);
		if (rc < 0) {
			free(a.it);
			return (int)rc;
		}
	}
	/* the removals first: their allowed IPs are free after them */
	*out = realloc(a.it, (a.n + cs->n + 1) * sizeof(**out));
	if (*out == NULL) {
		free(a.it);
		return -ENOMEM;
	}
	for (i = 0; i < cs->n; i++) {
		struct wr_item *x = &(*out)[a.n + i];

		memset(x, 0, sizeof(*x));
		x->ch = &cs->peers[i];
		memcpy(x->pub, cs->peers[i].conf.public_key, WGC_KEY_LEN);
		x->kl = cluster_peer_keyname(c, x->pub, x->key, sizeof(x->key));
	}
	*n = a.n + cs->n;
	return 0;
}

static int
cluster_write(void *ctx, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	struct wgc_cluster *c = ctx;
	struct wr_item *it = NULL;
	int64_t rev = 0, last = 0;
	uint32_t n = 0, s, e, i;
	int rc;

	if (cs->n == 0 && !cs->replace_peers)
		return 1; /* the interface only: the node's own */
	pthread_mutex_lock(&c->wr_mu);
	rc = items_build(c, cs, &it, &n);
	if (rc != 0) {
		etcd_error(c, rc, 0, cs->n, err);
		goto out;
	}
	for (s = 0; s < n; s = e) {
		e = RTE_MIN(n, s + WGC_ETCD_TXN_OPS_MAX);
		rev = 0;
		rc = write_batch(c, cs, it, s, &e, &rev, err);
		if (rc == -EINVAL)
			goto out; /* err set by plan() */
		if (rc == -ECANCELED) {
			wgc_conf_error_set(err, WGC_CONF_ECONFLICT,
				"cluster: peers changed in etcd concurrently "
				"%u times; %s", WRITE_TRIES, s > 0 ?
				"earlier changes were written" :
				"nothing changed");
			goto out;
		}
		if (rc != 0) {
			etcd_error(c, rc, s, n, err);
			goto out;
		}
		last = RTE_MAX(last, rev);
	}
	pthread_mutex_lock(&c->mu);
	c->st.writes++;
	pthread_mutex_unlock(&c->mu);
	/* read-your-writes: answer once this node applied it */
	if (last > 0 && wgc_cluster_wait_applied(c, last,
			c->apply_wait_ms) != 0) {
		pthread_mutex_lock(&c->mu);
		c->st.write_unavailable++;
		pthread_mutex_unlock(&c->mu);
		rc = wgc_conf_error_set(err, WGC_CONF_EUNAVAIL,
			"cluster: written to etcd at revision %lld but not "
			"applied on this node within %u ms (the watch is "
			"behind or down)", (long long)last, c->apply_wait_ms);
		goto out;
	}
	rc = cs->iface_fields != 0 ? 1 : 0;
out:
	for (i = 0; i < n; i++)
		item_reset(&it[i]);
	free(it);
	pthread_mutex_unlock(&c->wr_mu);
	return rc < 0 ? -1 : rc;
}

/* ------------------------------------------------------ control hook */

static int
cluster_health(void *ctx, char *msg, size_t len)
{
	struct wgc_cluster *c = ctx;
	int rc = 0;

	pthread_mutex_lock(&c->mu);
	if (!c->st.reachable) {
		snprintf(msg, len, "cluster: %s; serving the peers held",
			c->reason);
		rc = -1;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int
cluster_stats(void *ctx, struct wgc_stat *out, unsigned int max)
{
	static const struct {
		const char *name;
		size_t off;
		bool gauge;
		const char *help;
	} f[] = {
#define F(n, g, h) { "cluster_" #n, offsetof(struct wgc_cluster_stats, n), \
	g, h }
		F(applied_revision, true, "The etcd revision this node applied."),
		F(peers_synced, false, "Peer changes taken from etcd."),
		F(full_syncs, false, "Full reads of the peers in etcd."),
		F(events, false, "Watch events applied."),
		F(batches, false, "Watch batches applied."),
		F(skipped_malformed, false,
			"Values in etcd that are not a peer (skipped)."),
		F(apply_errors, false, "Changes from etcd the device refused."),
		F(watch_reconnects, false, "Watch streams lost."),
		F(compactions, false,
			"Full resyncs after a compacted revision."),
		F(writes, false, "REST/UAPI changes written to etcd."),
		F(write_conflicts, false,
			"Writes retried after a concurrent change."),
		F(write_unavailable, false,
			"Writes refused with 503 (etcd unreachable)."),
#undef F
	};
	struct wgc_cluster *c = ctx;
	struct wgc_cluster_stats st;
	unsigned int i, n = 0;

	wgc_cluster_stats_get(c, &st);
	for (i = 0; i < RTE_DIM(f) && n < max; i++, n++) {
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].name, sizeof(out[n].name), "%s", f[i].name);
		out[n].worker = -1;
		out[n].value = f[i].gauge ?
			(uint64_t)*(const int64_t *)((const char *)&st +
				f[i].off) :
			*(const uint64_t *)((const char *)&st + f[i].off);
		out[n].gauge = f[i].gauge;
		out[n].help = f[i].help;
	}
	if (n < max) {
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].name, sizeof(out[n].name),
			"cluster_etcd_reachable");
		out[n].worker = -1;
		out[n].value = st.reachable;
		out[n].gauge = true;
		out[n].help = "1 if etcd answered lately.";
		n++;
	}
	return (int)n;
}

static cJSON *
cluster_status_cb(void *ctx)
{
	return cluster_status(ctx);
}

const struct wgc_control_cluster_ops cluster_control_ops = {
	.write = cluster_write,
	.status = cluster_status_cb,
	.health = cluster_health,
	.stats = cluster_stats,
};
