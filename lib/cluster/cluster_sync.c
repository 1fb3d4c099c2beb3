/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * A node's sync with the store: one thread reads `<prefix>peers/` at one
 * revision (paged) and makes the device match by diff, then follows the
 * watch from that revision, applying its events in batches through the
 * control plane (audited as via=cluster). The applied revision is kept in
 * the state directory, so that a restart resumes the watch from it; a
 * compacted revision means a full read and diff again. While etcd is out
 * of reach the node serves what it has, retries with backoff and reports
 * degraded health.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster_private.h"

#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u
/* changes per apply (one control-plane change set) */
#define APPLY_CHUNK 8192u
/* malformed values logged one by one, then only counted */
#define MALFORMED_LOG_MAX 100u

uint64_t
cluster_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
cluster_sleep(struct wgc_cluster *c, unsigned int ms)
{
	struct timespec ts = { 0, 20 * 1000000 };
	unsigned int t;

	for (t = 0; t < ms && !c->stop; t += 20)
		nanosleep(&ts, NULL);
}

void
cluster_set_reachable(struct wgc_cluster *c, bool up, const char *why)
{
	pthread_mutex_lock(&c->mu);
	if (up && !c->st.reachable)
		CLUSTER_LOG(NOTICE, "etcd in reach");
	else if (!up && c->st.reachable)
		CLUSTER_LOG(WARNING, "etcd out of reach: %s", why);
	c->st.reachable = up;
	if (!up)
		snprintf(c->reason, sizeof(c->reason), "%s", why);
	pthread_mutex_unlock(&c->mu);
}

static void
malformed(struct wgc_cluster *c, const uint8_t *key, size_t len,
		const char *why)
{
	uint64_t n;

	pthread_mutex_lock(&c->mu);
	n = ++c->st.skipped_malformed;
	pthread_mutex_unlock(&c->mu);
	if (n <= MALFORMED_LOG_MAX)
		CLUSTER_LOG(WARNING, "%.*s: skipped, not a peer: %s%s",
			(int)RTE_MIN(len, (size_t)200), (const char *)key, why,
			n == MALFORMED_LOG_MAX ? " (further ones only counted)" :
			"");
}

/* --------------------------------------------------------- full read */

struct snap {
	struct wgc_cluster *c;
	struct wgc_peer_conf *p;
	uint32_t n, cap;
};

static int
snap_kv(void *ctx, const struct wgc_etcd_kv *kv)
{
	struct snap *s = ctx;
	struct wgc_conf_error err;
	uint8_t pub[WGC_KEY_LEN];

	/* a key outside the layout is not ours */
	if (cluster_peer_key(s->c, kv->key, kv->key_len, pub) != 0)
		return 0;
	if (s->c->take != NULL && !s->c->take(s->c->take_ctx, pub))
		return 0;
	if (s->n == s->cap) {
		uint32_t cap = s->cap == 0 ? 1024 : s->cap * 2;
		struct wgc_peer_conf *p = realloc(s->p, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		s->p = p;
		s->cap = cap;
	}
	if (cluster_peer_parse(pub, kv->value, kv->value_len, &s->p[s->n],
			NULL, &err) != 0) {
		malformed(s->c, kv->key, kv->key_len, err.msg);
		return 0;
	}
	s->n++;
	return 0;
}

static void
snap_free(struct snap *s)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		wgc_peer_conf_free(&s->p[i]);
	free(s->p);
}

/*
 * Read every key of peers/ at one revision, in 64 slices by the first
 * character of the key's name: etcd 3.4 counts the rest of a range on
 * every page, so one range of N keys in pages costs N^2 / page; slices
 * make that N^2 / (64^2 page). The number of keys, or a negative errno.
 */
static int64_t
read_peers(struct wgc_cluster *c, struct snap *s, int64_t *rev)
{
	/* the base64url alphabet in byte order, but its first character */
	static const char cut[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
		"abcdefghijklmnopqrstuvwxyz";
	char lo[WGC_CLUSTER_PREFIX_LEN + 16], hi[WGC_CLUSTER_PREFIX_LEN + 16];
	size_t pl = c->peers_prefix_len, end_len;
	uint8_t *end = etcd_prefix_end((const uint8_t *)c->peers_prefix, pl,
		&end_len);
	int64_t n, total = 0;
	unsigned int i;

	if (end == NULL)
		return -ENOMEM;
	*rev = 0;
	memcpy(lo, c->peers_prefix, pl);
	memcpy(hi, c->peers_prefix, pl);
	for (i = 0; i < sizeof(cut); i++) {
		bool last = i == sizeof(cut) - 1;

		if (i > 0)
			lo[pl] = cut[i - 1];
		if (!last)
			hi[pl] = cut[i];
		n = wgc_etcd_range(c->etcd, lo, i > 0 ? pl + 1 : pl,
			last ? (const char *)end : hi,
			last ? end_len : pl + 1, *rev, c->page, snap_kv, s,
			rev);
		if (n < 0) {
			total = n;
			break;
		}
		total += n;
	}
	free(end);
	return total;
}

/* read everything and diff: 0 and the revision read, or a negative errno */
static int
full_sync(struct wgc_cluster *c, int64_t *rev)
{
	struct wgc_control_sync_stats st;
	struct wgc_iface_conf keep;
	struct wgc_conf_error err;
	struct snap s = { .c = c };
	uint64_t t0 = cluster_ms(), t1;
	int64_t n;
	int rc;

	n = read_peers(c, &s, rev);
	if (n < 0) {
		snap_free(&s);
		return (int)n;
	}
	t1 = cluster_ms();
	/* a zero key and port: the interface is the node's own */
	memset(&keep, 0, sizeof(keep));
	memset(&st, 0, sizeof(st));
	if (c->take != NULL) {
		rc = cluster_apply_taken(c, s.p, s.n, &err);
		st.changed = s.n;
	} else {
		rc = wgc_control_sync_via(c->ctl, &keep, s.p, s.n, true,
			"cluster", &st, &err);
	}
	snap_free(&s);
	if (rc != 0) {
		CLUSTER_LOG(ERR, "full read at revision %lld: the device "
			"refused it: %s", (long long)*rev, err.msg);
		return -EIO;
	}
	CLUSTER_LOG(NOTICE, "full read at revision %lld: %lld keys in %llu "
		"ms, applied in %llu ms (%u added, %u changed, %u removed, "
		"%u unchanged)", (long long)*rev, (long long)n,
		(unsigned long long)(t1 - t0),
		(unsigned long long)(cluster_ms() - t1), st.added, st.changed,
		st.removed, st.unchanged);
	pthread_mutex_lock(&c->mu);
	c->st.applied_revision = *rev;
	c->st.peers_synced += st.added + st.changed;
	c->st.full_syncs++;
	c->st.synced = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	cluster_rev_save(c, *rev);
	return 0;
}

/* ------------------------------------------------------ apply events */

static void
apply_one_by_one(struct wgc_cluster *c, const struct wgc_changeset *cs)
{
	struct wgc_changeset one;
	struct wgc_conf_error err;
	char b64[WGC_KEY_B64_LEN + 1];
	uint32_t i;

	for (i = 0; i < cs->n; i++) {
		one = *cs;
		one.n = 1;
		one.cap = 1;
		one.peers = &cs->peers[i];
		if (wgc_control_apply_via(c->ctl, &one, "cluster", &err) == 0)
			continue;
		wgc_key_to_base64(cs->peers[i].conf.public_key, b64);
		CLUSTER_LOG(WARNING, "peer %s: not applied: %s", b64, err.msg);
		pthread_mutex_lock(&c->mu);
		c->st.apply_errors++;
		pthread_mutex_unlock(&c->mu);
	}
}

static void
apply_chunk(struct wgc_cluster *c, const struct cluster_ev *ev, uint32_t n)
{
	struct wgc_changeset cs;
	struct wgc_conf_error err;
	uint32_t i, fields;

	memset(&cs, 0, sizeof(cs));
	cs.steal_allowed_ips = true;  /* the store's last write wins */
	cs.remove_absent_ok = true;
	for (i = 0; i < n; i++) {
		struct wgc_peer_change *ch = wgc_changeset_add(&cs);

		if (ch == NULL)
			break;
		if (ev[i].deleted) {
			ch->op = WGC_PEER_OP_REMOVE;
			memcpy(ch->conf.public_key, ev[i].pub, WGC_KEY_LEN);
			continue;
		}
		if (c->take != NULL && !c->take(c->take_ctx, ev[i].pub)) {
			cs.n--;
			continue;
		}
		if (cluster_peer_parse(ev[i].pub, ev[i].value, ev[i].len,
				&ch->conf, &fields, &err) != 0) {
			char key[WGC_CLUSTER_PREFIX_LEN + 64];
			size_t kl = cluster_peer_keyname(c, ev[i].pub, key,
				sizeof(key));

			malformed(c, (const uint8_t *)key, kl, err.msg);
			cs.n--;
			continue;
		}
		/* the whole peer; one without an endpoint keeps its own */
		ch->op = WGC_PEER_OP_UPSERT;
		ch->fields = WGC_PEER_F_ALL;
		if (ch->conf.endpoint.addr.family == 0)
			ch->fields &= ~WGC_PEER_F_ENDPOINT;
	}
	if (i < n) {
		CLUSTER_LOG(ERR, "watch batch: out of memory; %u changes "
			"dropped: a full read follows", n - i);
		pthread_mutex_lock(&c->mu);
		c->compacted = true;
		pthread_mutex_unlock(&c->mu);
	}
	if (cs.n > 0 && wgc_control_apply_via(c->ctl, &cs, "cluster",
			&err) != 0) {
		CLUSTER_LOG(WARNING, "watch batch of %u: %s; applying one by "
			"one", cs.n, err.msg);
		apply_one_by_one(c, &cs);
	}
	pthread_mutex_lock(&c->mu);
	c->st.applied_revision = RTE_MAX(c->st.applied_revision,
		ev[n - 1].rev);
	c->st.events += n;
	c->st.peers_synced += cs.n;
	c->st.batches++;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	wgc_changeset_free(&cs);
}

/* apply what the watch queued; 1 if anything was */
static int
apply_events(struct wgc_cluster *c)
{
	struct cluster_ev *q;
	uint32_t n, off, i;
	int64_t rev;

	pthread_mutex_lock(&c->mu);
	n = c->q_ready;
	q = n > 0 ? malloc(n * sizeof(*q)) : NULL;
	if (q == NULL) {
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	/* whole revisions only: the rest of a message stays queued */
	memcpy(q, c->q, n * sizeof(*q));
	memmove(c->q, c->q + n, (c->q_len - n) * sizeof(*q));
	c->q_len -= n;
	c->q_ready = 0;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	for (off = 0; off < n; off += APPLY_CHUNK)
		apply_chunk(c, q + off, RTE_MIN(n - off, APPLY_CHUNK));
	for (i = 0; i < n; i++)
		free(q[i].value);
	free(q);
	pthread_mutex_lock(&c->mu);
	rev = c->st.applied_revision;
	pthread_mutex_unlock(&c->mu);
	cluster_rev_save(c, rev);
	return 1;
}

/* ------------------------------------------------------------ thread */

static void
wait_events(struct wgc_cluster *c, unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	while (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&c->mu);
	if (c->q_ready == 0 && !c->compacted && !c->stop)
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	pthread_mutex_unlock(&c->mu);
}

static void *
sync_main(void *arg)
{
	struct wgc_cluster *c = arg;
	unsigned int backoff = BACKOFF_MIN_MS;
	bool need_full = true;
	int64_t rev = cluster_rev_load(c);
	bool comp;
	int rc;

	if (rev > 0) {
		CLUSTER_LOG(NOTICE, "resuming from revision %lld (%s)",
			(long long)rev, c->rev_path);
		pthread_mutex_lock(&c->mu);
		c->st.applied_revision = rev;
		c->st.synced = true;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		need_full = false;
	}
	while (!c->stop) {
		if (need_full) {
			cluster_watch_close(c);
			rc = full_sync(c, &rev);
			if (rc != 0) {
				char why[160];

				snprintf(why, sizeof(why), "etcd %s: full "
					"read failed (%s), retrying",
					rc == -EHOSTUNREACH ? "unreachable" :
					"error", strerror(-rc));
				cluster_set_reachable(c, false, why);
				cluster_sleep(c, backoff);
				backoff = RTE_MIN(backoff * 2, BACKOFF_MAX_MS);
				continue;
			}
			cluster_set_reachable(c, true, "");
			backoff = BACKOFF_MIN_MS;
			need_full = false;
		}
		if (c->watch == NULL && cluster_watch_open(c) != 0) {
			CLUSTER_LOG(ERR, "watch: %s", strerror(errno));
			cluster_sleep(c, BACKOFF_MAX_MS);
			continue;
		}
		apply_events(c);
		pthread_mutex_lock(&c->mu);
		comp = c->compacted;
		pthread_mutex_unlock(&c->mu);
		if (comp) {
			CLUSTER_LOG(WARNING, "revision %lld compacted: full "
				"read and diff", (long long)rev);
			pthread_mutex_lock(&c->mu);
			c->st.compactions++;
			pthread_mutex_unlock(&c->mu);
			need_full = true;
			continue;
		}
		cluster_node_tick(c);
		wait_events(c, 200);
	}
	cluster_watch_close(c);
	return NULL;
}

/* ------------------------------------------------------- life cycle */

struct wgc_cluster *
wgc_cluster_start(const struct wgc_cluster_params *p)
{
	const char *ep[WGC_CLUSTER_ETCD_MAX];
	struct wgc_cluster *c;
	uint32_t i;
	int n;

	if (p == NULL || p->conf == NULL || !p->conf->enabled ||
			p->ctl == NULL || p->conf->n_etcd == 0 ||
			p->conf->n_etcd > WGC_CLUSTER_ETCD_MAX) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->conf = *p->conf;
	c->ctl = p->ctl;
	n = snprintf(c->peers_prefix, sizeof(c->peers_prefix), "%speers/",
		c->conf.prefix);
	c->peers_prefix_len = (size_t)n;
	if (p->state_dir != NULL && p->state_dir[0] != '\0')
		snprintf(c->rev_path, sizeof(c->rev_path),
			"%s/cluster.revision", p->state_dir);
	snprintf(c->address, sizeof(c->address), "%s",
		p->address != NULL ? p->address : "");
	snprintf(c->version, sizeof(c->version), "%s",
		p->version != NULL ? p->version : "");
	c->handshakes = p->handshakes;
	c->peers = p->peers;
	c->cb_ctx = p->cb_ctx;
	c->take = p->take;
	c->take_ctx = p->take_ctx;
	c->timeout_ms = p->timeout_ms != 0 ? p->timeout_ms : 2000;
	c->apply_wait_ms = p->apply_wait_ms != 0 ? p->apply_wait_ms : 5000;
	c->node_ttl = p->node_ttl != 0 ? p->node_ttl : 10;
	c->page = p->page != 0 ? p->page : 2000;
	snprintf(c->reason, sizeof(c->reason),
		"etcd: first read in progress");
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_mutex_init(&c->wr_mu, NULL);
	for (i = 0; i < c->conf.n_etcd; i++)
		ep[i] = c->conf.etcd[i];
	c->etcd = wgc_etcd_create(ep, c->conf.n_etcd, c->timeout_ms);
	c->wr = wgc_etcd_create(ep, c->conf.n_etcd, c->timeout_ms);
	if (c->etcd == NULL || c->wr == NULL)
		goto fail;
	if (pthread_create(&c->thread, NULL, sync_main, c) != 0)
		goto fail;
	c->running = true;
	wgc_control_set_cluster(c->ctl, &cluster_control_ops, c);
	CLUSTER_LOG(NOTICE, "node %s: peers under %s from %s%s",
		c->conf.node, c->peers_prefix, c->conf.etcd[0],
		c->conf.n_etcd > 1 ? " (and more)" : "");
	return c;
fail:
	n = errno != 0 ? errno : ENOMEM;
	wgc_cluster_stop(c);
	errno = n;
	return NULL;
}

void
wgc_cluster_stop(struct wgc_cluster *c)
{
	uint32_t i;

	if (c == NULL)
		return;
	wgc_control_set_cluster(c->ctl, NULL, NULL);
	/* a writer in flight finishes (bounded by its waits) */
	pthread_mutex_lock(&c->wr_mu);
	pthread_mutex_unlock(&c->wr_mu);
	c->stop = 1;
	pthread_mutex_lock(&c->mu);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (c->running)
		pthread_join(c->thread, NULL);
	if (c->etcd != NULL)
		cluster_node_remove(c);
	wgc_etcd_free(c->etcd);
	wgc_etcd_free(c->wr);
	for (i = 0; i < c->q_len; i++)
		free(c->q[i].value);
	free(c->q);
	cJSON_Delete(c->nodes);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->wr_mu);
	free(c);
}

void
wgc_cluster_stats_get(struct wgc_cluster *c, struct wgc_cluster_stats *st)
{
	pthread_mutex_lock(&c->mu);
	*st = c->st;
	pthread_mutex_unlock(&c->mu);
}

int
wgc_cluster_wait_applied(struct wgc_cluster *c, int64_t rev,
		unsigned int timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&c->mu);
	while (!(c->st.synced && c->st.applied_revision >= rev) &&
			rc == 0)
		rc = pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	rc = c->st.synced && c->st.applied_revision >= rev ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&c->mu);
	return rc;
}
