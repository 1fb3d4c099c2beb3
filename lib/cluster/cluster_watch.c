/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * An etcd watch over the JSON gateway: one streaming POST /v3/watch whose
 * answer is a line of JSON per message, read on a thread of its own
 * through libcurl's multi interface (so that stopping is bounded by one
 * 100 ms poll). A broken stream is reopened on the next endpoint from the
 * revision after the last one delivered.
 *
 * The watch asks etcd to fragment its messages: a watcher far behind (a
 * node that was away while 100 000 peers were written) would otherwise be
 * sent all it missed as one message of tens of MiB. The events of a
 * fragmented message are delivered as they come; the end of a revision
 * is reported, and the next revision moved on, only with the message's
 * last fragment, so that a revision split over fragments is never taken
 * as applied half-way, and a stream broken between fragments is resumed
 * from that revision (its events are delivered again: puts and deletes
 * are idempotent).
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <rte_common.h>

#include "cluster_private.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct wgc_etcd_watch {
	pthread_t thread;
	volatile int stop;
	struct etcd_urls u;
	uint8_t *prefix;
	size_t prefix_len;
	int64_t next_rev;           /* the first revision not delivered */
	int64_t seen_rev;           /* the newest revision in the fragments
				     * of the message being read */
	unsigned int frag_events;   /* events in those fragments so far */
	struct wgc_etcd_watch_ops ops;
	void *ctx;
	struct etcd_buf line;       /* the stream, up to its last newline */
	int compacted;
	int failed;                 /* a message could not be read */
};

/* one message of the stream */
static void
watch_message(struct wgc_etcd_watch *w, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	const cJSON *r, *evs, *ev;
	int64_t from;
	int bad = 0;

	if (j == NULL) {
		w->failed = 1;
		return;
	}
	r = cJSON_GetObjectItemCaseSensitive(j, "result");
	if (r == NULL) {
		/* {"error": ...}: the stream is over */
		w->failed = 1;
		goto out;
	}
	if (etcd_json_i64(r, "compact_revision", 0, &bad) > 0) {
		w->compacted = 1;
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "created")) &&
			w->ops.state != NULL)
		w->ops.state(w->ctx, WGC_ETCD_WATCH_UP, w->next_rev - 1);
	/* a transaction's events share one revision: deliver each of them,
	 * then move past it */
	from = w->next_rev;
	evs = cJSON_GetObjectItemCaseSensitive(r, "events");
	cJSON_ArrayForEach(ev, evs) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(ev, "type");
		struct wgc_etcd_kv kv;
		uint8_t *kb, *vb;

		if (etcd_json_kv(cJSON_GetObjectItemCaseSensitive(ev, "kv"),
				&kv, &kb, &vb) != 0) {
			CLUSTER_LOG(WARNING, "watch: an event that is not a "
				"key-value pair, skipped");
		} else if (kv.mod_revision >= from) {
			kv.deleted = cJSON_IsString(t) &&
				strcmp(t->valuestring, "DELETE") == 0;
			if (kv.deleted) {
				kv.value = NULL;
				kv.value_len = 0;
			}
			w->ops.event(w->ctx, &kv);
			w->frag_events++;
			if (kv.mod_revision > w->seen_rev)
				w->seen_rev = kv.mod_revision;
		}
		free(kb);
		free(vb);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "fragment")))
		goto out;
	if (w->seen_rev >= w->next_rev)
		w->next_rev = w->seen_rev + 1;
	if (w->frag_events > 0 && w->ops.end != NULL)
		w->ops.end(w->ctx, w->next_rev - 1);
	w->frag_events = 0;
out:
	cJSON_Delete(j);
}

static size_t
watch_write(char *ptr, size_t size, size_t n, void *ud)
{
	struct wgc_etcd_watch *w = ud;
	size_t add = size * n;
	char *nl;

	if (etcd_buf_write(ptr, size, n, &w->line) != add)
		return 0;
	/* deliver every complete line, keep the rest */
	while ((nl = memchr(w->line.p, '\n', w->line.len)) != NULL) {
		size_t used = (size_t)(nl - w->line.p) + 1;

		*nl = '\0';
		if (nl != w->line.p)
			watch_message(w, w->line.p);
		memmove(w->line.p, nl + 1, w->line.len - used + 1);
		w->line.len -= used;
		if (w->compacted || w->failed)
			return 0;
	}
	return add;
}

/* one stream on endpoint u until it ends or stop; 0 if it was up */
static int
watch_stream(struct wgc_etcd_watch *w, const char *u)
{
	char url[256], *body, *k, *end_b64;
	uint8_t *end;
	size_t end_len;
	CURLM *multi;
	CURL *c;
	int running = 1;

	end = etcd_prefix_end(w->prefix, w->prefix_len, &end_len);
	k = etcd_b64(w->prefix, w->prefix_len);
	end_b64 = end == NULL ? NULL : etcd_b64(end, end_len);
	free(end);
	body = malloc(512 + (k != NULL ? strlen(k) : 0) +
		(end_b64 != NULL ? strlen(end_b64) : 0));
	if (k == NULL || end_b64 == NULL || body == NULL) {
		free(k);
		free(end_b64);
		free(body);
		return -ENOMEM;
	}
	sprintf(body, "{\"create_request\":{\"key\":\"%s\",\"range_end\":\"%s\","
		"\"start_revision\":\"%lld\",\"fragment\":true}}", k,
		end_b64, (long long)w->next_rev);
	free(k);
	free(end_b64);
	snprintf(url, sizeof(url), "%s/v3/watch", u);
	etcd_buf_reset(&w->line);
	w->failed = 0;
	w->seen_rev = 0;
	w->frag_events = 0;
	c = curl_easy_init();
	multi = curl_multi_init();
	if (c == NULL || multi == NULL) {
		free(body);
		curl_easy_cleanup(c);
		curl_multi_cleanup(multi);
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, watch_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_multi_add_handle(multi, c);
	while (running && !w->stop) {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		if (running)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	curl_multi_remove_handle(multi, c);
	curl_easy_cleanup(c);
	curl_multi_cleanup(multi);
	free(body);
	return 0;
}

static void
sleep_ms(struct wgc_etcd_watch *w, unsigned int ms)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	unsigned int t;

	for (t = 0; t < ms && !w->stop; t += 50)
		nanosleep(&ts, NULL);
}

static void *
watch_main(void *arg)
{
	struct wgc_etcd_watch *w = arg;
	unsigned int backoff = BACKOFF_MIN_MS, u = 0;

	while (!w->stop) {
		int64_t before = w->next_rev;

		watch_stream(w, w->u.url[u]);
		if (w->stop)
			break;
		if (w->compacted) {
			CLUSTER_LOG(WARNING, "watch: revision %lld compacted",
				(long long)w->next_rev);
			if (w->ops.state != NULL)
				w->ops.state(w->ctx, WGC_ETCD_WATCH_COMPACTED,
					w->next_rev - 1);
			break;
		}
		if (w->ops.state != NULL)
			w->ops.state(w->ctx, WGC_ETCD_WATCH_DOWN,
				w->next_rev - 1);
		/* progress made: retry at once; else back off */
		backoff = w->next_rev != before ? BACKOFF_MIN_MS :
			RTE_MIN(backoff * 2, (unsigned int)BACKOFF_MAX_MS);
		u = (u + 1) % w->u.n;
		sleep_ms(w, backoff);
	}
	return NULL;
}

struct wgc_etcd_watch *
wgc_etcd_watch_start(const char *const *endpoints, unsigned int nb_endpoints,
		const void *prefix, size_t prefix_len, int64_t from_rev,
		const struct wgc_etcd_watch_ops *ops, void *ctx)
{
	struct wgc_etcd_watch *w;
	int rc;

	if (ops == NULL || ops->event == NULL || from_rev <= 0 ||
			prefix_len > WGC_ETCD_VALUE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errno = ENOMEM;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	rc = etcd_urls_init(&w->u, endpoints, nb_endpoints);
	w->ops = *ops;
	w->ctx = ctx;
	w->next_rev = from_rev;
	w->line.max = ETCD_ANSWER_MAX;
	w->prefix = malloc(prefix_len > 0 ? prefix_len : 1);
	if (rc == 0 && w->prefix == NULL)
		rc = -ENOMEM;
	if (rc == 0) {
		memcpy(w->prefix, prefix, prefix_len);
		w->prefix_len = prefix_len;
		if (pthread_create(&w->thread, NULL, watch_main, w) != 0)
			rc = -ENOMEM;
	}
	if (rc != 0) {
		etcd_urls_free(&w->u);
		free(w->prefix);
		free(w);
		errno = -rc;
		return NULL;
	}
	return w;
}

void
wgc_etcd_watch_stop(struct wgc_etcd_watch *w)
{
	if (w == NULL)
		return;
	w->stop = 1;
	pthread_join(w->thread, NULL);
	etcd_urls_free(&w->u);
	free(w->prefix);
	free(w->line.p);
	free(w);
}
