/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Peers on demand: initiations from unknown static keys are kept in a
 * bounded table, looked up in etcd by a few lookup threads, installed and
 * handed back to the handshake stage; keys etcd does not have go to a
 * negative cache. Peers installed so are removed again once idle.
 *
 * Locks: `mu` guards the kept table and the negative cache and is held
 * for copies only (the handshake stage takes it while it holds the peer
 * table's lock); `held_mu` guards the list of peers installed on demand.
 * No callback is ever called with `mu` held; the eviction thread calls
 * activity() with `held_mu` held, which nothing on the handshake stage's
 * side takes.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include <rte_common.h>

#include "cluster_private.h"
#include "wgc_conf.h"
#include "wgc_control.h"
#include "wgc_net.h"

#define KEY_LEN 32
#define MSG_MAX 148                 /* an initiation */
#define NEG_PROBE 4                 /* negative cache: slots per key */
#define EVICT_CHUNK 256             /* peers removed per apply */

enum slot_state { SLOT_FREE = 0, SLOT_QUEUED, SLOT_LOOKUP };

/* one kept initiation */
struct slot {
	enum slot_state state;
	uint8_t key[KEY_LEN];
	uint8_t msg[MSG_MAX];
	uint16_t len;
	struct wgc_endpoint src;
	uint64_t seq;                   /* FIFO order of lookups */
	uint64_t t0;                    /* first offer, ns */
};

struct neg {
	uint8_t key[KEY_LEN];
	uint64_t expires;               /* ms; 0: free */
};

struct held {
	uint8_t key[KEY_LEN];
	uint64_t activity;              /* last value seen */
	uint64_t since;                 /* ms: when it last moved */
};

struct wgc_ondemand {
	struct wgc_ondemand_params p;
	char *prefix;
	pthread_mutex_t mu;
	pthread_cond_t cv;              /* a slot queued, or stop */
	pthread_cond_t evict_cv;        /* stop */
	bool stop;
	struct slot *slots;
	uint64_t seq;
	struct neg *neg;                /* negative_max (power of 2) */
	uint32_t neg_mask;
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	struct wgc_ondemand_stats st;   /* counters under mu */
	unsigned int nb_threads;
	pthread_t *threads;
	struct wgc_etcd **etcd;         /* one client per lookup thread */
	/* eviction */
	pthread_mutex_t held_mu;
	struct held *held;
	size_t nb_held;
	size_t held_cap;
	pthread_t evict_thread;
	bool evict_started;
	uint64_t evicted;               /* under held_mu */
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
mono_ms(void)
{
	return mono_ns() / 1000000;
}

/* ---- negative cache: a keyed hash (the keys are chosen by strangers) */

static uint32_t
neg_home(const struct wgc_ondemand *od, const uint8_t key[KEY_LEN])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint32_t v;

	crypto_shorthash(h, key, KEY_LEN, od->hash_key);
	memcpy(&v, h, sizeof(v));
	return v & od->neg_mask;
}

static struct neg *
neg_find(struct wgc_ondemand *od, const uint8_t key[KEY_LEN], uint64_t now)
{
	uint32_t h = neg_home(od, key), i;

	for (i = 0; i < NEG_PROBE; i++) {
		struct neg *n = &od->neg[(h + i) & od->neg_mask];

		if (n->expires > now && memcmp(n->key, key, KEY_LEN) == 0)
			return n;
	}
	return NULL;
}

/* the key's own entry, a free or expired one, else the soonest to expire */
static void
neg_put(struct wgc_ondemand *od, const uint8_t key[KEY_LEN], uint64_t now,
		uint64_t ttl)
{
	uint32_t h = neg_home(od, key), i;
	struct neg *victim = NULL;

	for (i = 0; i < NEG_PROBE; i++) {
		struct neg *n = &od->neg[(h + i) & od->neg_mask];

		if (memcmp(n->key, key, KEY_LEN) == 0 || n->expires <= now) {
			victim = n;
			break;
		}
		if (victim == NULL || n->expires < victim->expires)
			victim = n;
	}
	memcpy(victim->key, key, KEY_LEN);
	victim->expires = now + ttl;
}

static uint32_t
neg_live(const struct wgc_ondemand *od, uint64_t now)
{
	uint32_t i, n = 0;

	for (i = 0; i <= od->neg_mask; i++)
		n += od->neg[i].expires > now;
	return n;
}

void
wgc_ondemand_forget(struct wgc_ondemand *od, const uint8_t key[KEY_LEN])
{
	struct neg *n;

	pthread_mutex_lock(&od->mu);
	n = neg_find(od, key, mono_ms());
	if (n != NULL)
		n->expires = 0;
	pthread_mutex_unlock(&od->mu);
}

/* ---- the kept table */

int
wgc_ondemand_offer(struct wgc_ondemand *od, const uint8_t key[KEY_LEN],
		const uint8_t *msg, size_t len,
		const struct wgc_endpoint *src)
{
	struct slot *s, *mine = NULL, *free_slot = NULL;
	unsigned int i, from_src = 0;
	uint64_t now = mono_ns();
	int rc = 0;

	pthread_mutex_lock(&od->mu);
	od->st.offered++;
	if (msg == NULL || len == 0 || len > MSG_MAX || src == NULL ||
			(src->addr.family != AF_INET &&
			 src->addr.family != AF_INET6)) {
		od->st.drop_bad++;
		rc = -EINVAL;
		goto out;
	}
	if (neg_find(od, key, now / 1000000) != NULL) {
		od->st.negative_hit++;
		rc = -ENOENT;
		goto out;
	}
	for (i = 0; i < od->p.kept; i++) {
		s = &od->slots[i];
		if (s->state == SLOT_FREE) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (memcmp(s->key, key, KEY_LEN) == 0)
			mine = s;
		else if (wgc_addr_equal(&s->src.addr, &src->addr))
			from_src++;
	}
	if (mine != NULL) {
		/* the client's newest initiation is the one it waits for */
		memcpy(mine->msg, msg, len);
		mine->len = (uint16_t)len;
		mine->src = *src;
		od->st.coalesced++;
		goto out;
	}
	if (from_src >= od->p.per_source) {
		od->st.drop_source++;
		rc = -EBUSY;
		goto out;
	}
	if (free_slot == NULL) {
		od->st.drop_full++;
		rc = -ENOSPC;
		goto out;
	}
	s = free_slot;
	memcpy(s->key, key, KEY_LEN);
	memcpy(s->msg, msg, len);
	s->len = (uint16_t)len;
	s->src = *src;
	s->seq = ++od->seq;
	s->t0 = now;
	s->state = SLOT_QUEUED;
	od->st.queued++;
	od->st.pending++;
	pthread_cond_signal(&od->cv);
out:
	pthread_mutex_unlock(&od->mu);
	return rc;
}

/* the oldest queued slot, marked as looked up (mu held) */
static struct slot *
next_queued(struct wgc_ondemand *od)
{
	struct slot *best = NULL;
	unsigned int i;

	for (i = 0; i < od->p.kept; i++) {
		struct slot *s = &od->slots[i];

		if (s->state == SLOT_QUEUED &&
				(best == NULL || s->seq < best->seq))
			best = s;
	}
	if (best != NULL)
		best->state = SLOT_LOOKUP;
	return best;
}

static void
slot_release(struct wgc_ondemand *od, struct slot *s)
{
	s->state = SLOT_FREE;
	od->st.pending--;
}

/* ---- a lookup */

struct lookup {
	const uint8_t *key;
	struct wgc_peer_conf conf;
	bool ok;
};

/* the value must be a peer, and the peer of that key */
static int
lookup_value(void *ctx, const struct wgc_etcd_kv *kv)
{
	struct lookup *l = ctx;
	struct wgc_conf_error err;
	cJSON *o;
	char b64[WGC_KEY_B64URL_LEN + 1];

	o = cJSON_ParseWithLength((const char *)kv->value, kv->value_len);
	if (o == NULL) {
		wgc_key_to_base64url(l->key, b64);
		CLUSTER_LOG(WARNING, "on demand: peers/%s: value is not JSON",
			b64);
		return 0;
	}
	memset(&err, 0, sizeof(err));
	if (wgc_peer_conf_from_json(o, &l->conf, NULL, 0, true, "value",
			&err) != 0) {
		wgc_key_to_base64url(l->key, b64);
		CLUSTER_LOG(WARNING, "on demand: peers/%s: %s", b64, err.msg);
	} else if (memcmp(l->conf.public_key, l->key, KEY_LEN) != 0) {
		wgc_key_to_base64url(l->key, b64);
		CLUSTER_LOG(WARNING, "on demand: peers/%s: value is another "
			"peer's", b64);
		wgc_peer_conf_free(&l->conf);
	} else {
		l->ok = true;
	}
	cJSON_Delete(o);
	return 0;
}

/* a peer installed on demand, watched for idleness from now on (a key
 * listed twice, which only a lost race can do, is removed twice: harmless) */
void
wgc_ondemand_adopt(struct wgc_ondemand *od, const uint8_t key[KEY_LEN])
{
	if (od->p.idle_evict_s == 0)
		return;
	pthread_mutex_lock(&od->held_mu);
	if (od->nb_held == od->held_cap) {
		size_t cap = od->held_cap != 0 ? od->held_cap * 2 : 64;
		struct held *h = realloc(od->held, cap * sizeof(*h));

		if (h != NULL) {
			od->held = h;
			od->held_cap = cap;
		}
	}
	if (od->nb_held < od->held_cap) {
		struct held *h = &od->held[od->nb_held++];

		memcpy(h->key, key, KEY_LEN);
		h->activity = 0;
		h->since = mono_ms();
	} else {
		CLUSTER_LOG(WARNING, "on demand: no memory: a peer installed "
			"on demand will not be evicted");
	}
	pthread_mutex_unlock(&od->held_mu);
}

static void
lookup_one(struct wgc_ondemand *od, struct wgc_etcd *e, struct slot *s)
{
	char path[512], b64[WGC_KEY_B64URL_LEN + 1];
	uint8_t key[KEY_LEN], msg[MSG_MAX];
	struct wgc_endpoint src;
	struct lookup l = { .key = key };
	uint64_t ttl = 0, t;
	uint16_t len;
	int rc, inst = -1;

	memcpy(key, s->key, KEY_LEN);
	pthread_mutex_unlock(&od->mu);

	wgc_key_to_base64url(key, b64);
	snprintf(path, sizeof(path), "%speers/%s", od->prefix, b64);
	rc = wgc_etcd_get(e, path, strlen(path), lookup_value, &l);
	if (rc == 1 && l.ok) {
		inst = od->p.install(od->p.ctx, &l.conf);
		if (inst != 0)
			CLUSTER_LOG(WARNING, "on demand: peers/%s: not "
				"installed: %s", b64, strerror(-inst));
		else
			wgc_ondemand_adopt(od, key);
		wgc_peer_conf_free(&l.conf);
	} else if (rc < 0) {
		CLUSTER_LOG(DEBUG, "on demand: peers/%s: lookup failed: %s",
			b64, strerror(-rc));
	}

	pthread_mutex_lock(&od->mu);
	od->st.lookups++;
	if (rc < 0) {
		od->st.lookup_errors++;
		ttl = od->p.error_ttl_ms;
	} else if (rc == 0) {
		od->st.not_found++;
		ttl = od->p.negative_ttl_ms;
	} else {
		od->st.found++;
		if (!l.ok) {
			od->st.bad_values++;
			ttl = od->p.negative_ttl_ms;
		} else if (inst != 0) {
			od->st.install_errors++;
			ttl = od->p.error_ttl_ms;
		} else {
			od->st.installed++;
		}
	}
	if (ttl != 0) {
		neg_put(od, key, mono_ms(), ttl);
		slot_release(od, s);
		return;
	}
	/* the newest initiation of the key (offers may have replaced it) */
	memcpy(msg, s->msg, s->len);
	len = s->len;
	src = s->src;
	t = mono_ns() - s->t0;
	slot_release(od, s);
	pthread_mutex_unlock(&od->mu);

	rc = od->p.reinject(od->p.ctx, msg, len, &src);

	pthread_mutex_lock(&od->mu);
	if (rc == 0) {
		od->st.reinjected++;
		od->st.lookup_ns_sum += t;
		if (t > od->st.lookup_ns_max)
			od->st.lookup_ns_max = t;
	} else {
		od->st.reinject_errors++;
	}
}

struct lookup_arg {
	struct wgc_ondemand *od;
	unsigned int i;
};

static void *
lookup_thread(void *arg)
{
	struct wgc_ondemand *od = ((struct lookup_arg *)arg)->od;
	struct wgc_etcd *e = od->etcd[((struct lookup_arg *)arg)->i];
	struct slot *s;

	free(arg);
	pthread_mutex_lock(&od->mu);
	while (!od->stop) {
		s = next_queued(od);
		if (s == NULL) {
			pthread_cond_wait(&od->cv, &od->mu);
			continue;
		}
		lookup_one(od, e, s);   /* unlocks around the network */
	}
	pthread_mutex_unlock(&od->mu);
	return NULL;
}

/* ---- idle eviction */

/* the idle peers (held_mu held), removed from the list into keys */
static unsigned int
idle_collect(struct wgc_ondemand *od, uint8_t (*keys)[KEY_LEN],
		unsigned int max, uint64_t now)
{
	uint64_t idle = (uint64_t)od->p.idle_evict_s * 1000;
	unsigned int n = 0;
	size_t i = 0;

	while (i < od->nb_held && n < max) {
		struct held *h = &od->held[i];
		uint64_t v;
		int rc = od->p.activity(od->p.ctx, h->key, &v);

		if (rc == 0 && v != h->activity) {
			h->activity = v;
			h->since = now;
		}
		if (rc != 0 || now - h->since >= idle) {
			if (rc == 0)
				memcpy(keys[n++], h->key, KEY_LEN);
			*h = od->held[--od->nb_held];
			continue;
		}
		i++;
	}
	return n;
}

static void *
evict_thread(void *arg)
{
	struct wgc_ondemand *od = arg;
	uint8_t (*keys)[KEY_LEN] = malloc(EVICT_CHUNK * KEY_LEN);
	struct timespec ts = { 0, 0 };
	unsigned int n;

	if (keys == NULL) {
		CLUSTER_LOG(ERR, "on demand: no memory: idle peers stay");
		return NULL;
	}
	pthread_mutex_lock(&od->mu);
	while (!od->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&od->evict_cv, &od->mu, &ts);
		if (od->stop)
			break;
		pthread_mutex_unlock(&od->mu);
		do {
			pthread_mutex_lock(&od->held_mu);
			n = idle_collect(od, keys, EVICT_CHUNK, mono_ms());
			pthread_mutex_unlock(&od->held_mu);
			if (n > 0 && od->p.remove(od->p.ctx,
					(const uint8_t (*)[KEY_LEN])keys,
					n) == 0) {
				pthread_mutex_lock(&od->held_mu);
				od->evicted += n;
				pthread_mutex_unlock(&od->held_mu);
			}
		} while (n == EVICT_CHUNK);
		pthread_mutex_lock(&od->mu);
	}
	pthread_mutex_unlock(&od->mu);
	free(keys);
	return NULL;
}

/* ---- life cycle */

static void
params_defaults(struct wgc_ondemand_params *p)
{
#define DEF(f, v) do { if (p->f == 0) p->f = (v); } while (0)
	DEF(timeout_ms, 1000);
	DEF(lookups, 2);
	DEF(kept, 256);
	DEF(per_source, 4);
	DEF(negative_ttl_ms, 10000);
	DEF(error_ttl_ms, 1000);
	DEF(negative_max, 4096);
#undef DEF
	p->lookups = RTE_MIN(p->lookups, 64u);
	p->kept = RTE_MIN(p->kept, 65536u);
	p->negative_max = rte_align32pow2(RTE_MIN(p->negative_max,
		1u << 22));
}

struct wgc_ondemand *
wgc_ondemand_create(const struct wgc_ondemand_params *p)
{
	struct wgc_ondemand *od;
	unsigned int i;

	if (p == NULL || p->prefix == NULL || p->install == NULL ||
			p->reinject == NULL || (p->idle_evict_s > 0 &&
			(p->activity == NULL || p->remove == NULL))) {
		errno = EINVAL;
		return NULL;
	}
	if (sodium_init() < 0) {
		errno = ENOMEM;
		return NULL;
	}
	od = calloc(1, sizeof(*od));
	if (od == NULL)
		return NULL;
	od->p = *p;
	params_defaults(&od->p);
	pthread_mutex_init(&od->mu, NULL);
	pthread_cond_init(&od->cv, NULL);
	pthread_cond_init(&od->evict_cv, NULL);
	pthread_mutex_init(&od->held_mu, NULL);
	crypto_shorthash_keygen(od->hash_key);
	od->prefix = strdup(p->prefix);
	od->slots = calloc(od->p.kept, sizeof(*od->slots));
	od->neg = calloc(od->p.negative_max, sizeof(*od->neg));
	od->neg_mask = od->p.negative_max - 1;
	od->threads = calloc(od->p.lookups, sizeof(*od->threads));
	od->etcd = calloc(od->p.lookups, sizeof(*od->etcd));
	if (od->prefix == NULL || od->slots == NULL || od->neg == NULL ||
			od->threads == NULL || od->etcd == NULL)
		goto fail;
	for (i = 0; i < od->p.lookups; i++) {
		od->etcd[i] = wgc_etcd_create(p->endpoints, p->nb_endpoints,
			od->p.timeout_ms);
		if (od->etcd[i] == NULL)
			goto fail;
	}
	for (i = 0; i < od->p.lookups; i++) {
		struct lookup_arg *a = malloc(sizeof(*a));

		if (a == NULL)
			goto fail;
		a->od = od;
		a->i = i;
		if (pthread_create(&od->threads[i], NULL, lookup_thread,
				a) != 0) {
			free(a);
			goto fail;
		}
		od->nb_threads++;
	}
	if (od->p.idle_evict_s > 0) {
		if (pthread_create(&od->evict_thread, NULL, evict_thread,
				od) != 0)
			goto fail;
		od->evict_started = true;
	}
	CLUSTER_LOG(INFO, "on demand: %u lookups in flight, %u initiations "
		"kept (%u per source), negative cache %u for %u ms, idle "
		"eviction %u s", od->p.lookups, od->p.kept, od->p.per_source,
		od->p.negative_max, od->p.negative_ttl_ms,
		od->p.idle_evict_s);
	return od;
fail:
	i = errno != 0 ? errno : ENOMEM;
	wgc_ondemand_free(od);
	errno = (int)i;
	return NULL;
}

void
wgc_ondemand_free(struct wgc_ondemand *od)
{
	unsigned int i;

	if (od == NULL)
		return;
	pthread_mutex_lock(&od->mu);
	od->stop = true;
	pthread_cond_broadcast(&od->cv);
	pthread_cond_broadcast(&od->evict_cv);
	pthread_mutex_unlock(&od->mu);
	for (i = 0; i < od->nb_threads; i++)
		pthread_join(od->threads[i], NULL);
	if (od->evict_started)
		pthread_join(od->evict_thread, NULL);
	for (i = 0; od->etcd != NULL && i < od->p.lookups; i++)
		wgc_etcd_free(od->etcd[i]);
	if (od->slots != NULL)
		sodium_memzero(od->slots, od->p.kept * sizeof(*od->slots));
	free(od->slots);
	free(od->neg);
	free(od->threads);
	free(od->etcd);
	free(od->held);
	free(od->prefix);
	pthread_mutex_destroy(&od->mu);
	pthread_cond_destroy(&od->cv);
	pthread_cond_destroy(&od->evict_cv);
	pthread_mutex_destroy(&od->held_mu);
	free(od);
}

/* ---- counters */

void
wgc_ondemand_stats_get(struct wgc_ondemand *od, struct wgc_ondemand_stats *st)
{
	pthread_mutex_lock(&od->mu);
	*st = od->st;
	st->negative = neg_live(od, mono_ms());
	pthread_mutex_unlock(&od->mu);
	pthread_mutex_lock(&od->held_mu);
	st->held = od->nb_held;
	st->evicted = od->evicted;
	pthread_mutex_unlock(&od->held_mu);
}

unsigned int
wgc_ondemand_stats_read(struct wgc_ondemand *od, struct wgc_stat *out,
		unsigned int max)
{
	struct wgc_ondemand_stats st;
	unsigned int n = 0;

	wgc_ondemand_stats_get(od, &st);
#define PUT(f, g, h) do { \
	if (n < max) { \
		memset(&out[n], 0, sizeof(out[n])); \
		snprintf(out[n].name, sizeof(out[n].name), "ondemand_" #f); \
		out[n].worker = -1; \
		out[n].value = st.f; \
		out[n].gauge = g; \
		out[n].help = h; \
		n++; \
	} \
} while (0)
	PUT(offered, false, "Initiations from static keys the node does not "
		"hold");
	PUT(queued, false, "Unknown-key initiations kept for an etcd lookup");
	PUT(coalesced, false, "Initiations that replaced a kept one of their "
		"key");
	PUT(negative_hit, false, "Initiations dropped: key in the negative "
		"cache");
	PUT(drop_full, false, "Initiations dropped: kept table full");
	PUT(drop_source, false, "Initiations dropped: per-source bound");
	PUT(drop_bad, false, "Initiations dropped: malformed");
	PUT(lookups, false, "etcd lookups of unknown keys");
	PUT(found, false, "Lookups that found the key");
	PUT(not_found, false, "Lookups that did not find the key");
	PUT(lookup_errors, false, "Lookups that failed (etcd unreachable)");
	PUT(bad_values, false, "Lookups whose value is not that key's peer");
	PUT(installed, false, "Peers installed on demand");
	PUT(install_errors, false, "Peers the device refused to install");
	PUT(reinjected, false, "Kept initiations handed back to the handshake "
		"stage");
	PUT(reinject_errors, false, "Kept initiations that could not be handed "
		"back");
	PUT(evicted, false, "Idle peers installed on demand, removed");
	PUT(lookup_ns_sum, false, "Time from initiation to hand-back, summed "
		"(ns)");
	PUT(lookup_ns_max, true, "Longest time from initiation to hand-back "
		"(ns)");
	PUT(pending, true, "Initiations kept now");
	PUT(negative, true, "Negative cache entries live");
	PUT(held, true, "Peers installed on demand held now");
#undef PUT
	return n;
}

/* ---- the sync of an on-demand node */

int
cluster_apply_taken(struct wgc_cluster *c, const struct wgc_peer_conf *p,
		uint32_t n, struct wgc_conf_error *err)
{
	struct wgc_changeset cs;
	uint32_t i;
	int rc;

	if (n == 0)
		return 0;
	memset(&cs, 0, sizeof(cs));
	cs.steal_allowed_ips = true;  /* the store's last write wins */
	for (i = 0; i < n; i++) {
		struct wgc_peer_change *ch = wgc_changeset_add(&cs);

		if (ch == NULL || wgc_peer_conf_copy(&ch->conf, &p[i]) != 0) {
			wgc_changeset_free(&cs);
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"out of memory");
		}
		ch->op = WGC_PEER_OP_UPSERT;
		ch->fields = WGC_PEER_F_ALL;
		if (p[i].endpoint.addr.family == 0)
			ch->fields &= ~WGC_PEER_F_ENDPOINT;
	}
	rc = wgc_control_apply_via(c->ctl, &cs, "cluster", err);
	wgc_changeset_free(&cs);
	return rc;
}
