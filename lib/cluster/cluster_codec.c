/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * What etcd's JSON gateway sends and takes: base64 bytes, 64-bit numbers
 * as strings, mvccpb.KeyValue objects, and bounded answer buffers.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cluster_private.h"

RTE_LOG_REGISTER(wgc_logtype_cluster, wgc.cluster, INFO);

size_t
etcd_buf_write(char *ptr, size_t size, size_t n, void *ud)
{
	struct etcd_buf *b = ud;
	size_t add = size * n;

	if (b->len + add + 1 > b->max) {
		b->overflow = 1;
		return 0;           /* curl stops with CURLE_WRITE_ERROR */
	}
	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 4096 : b->cap;
		char *p;

		while (cap < b->len + add + 1)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		p = realloc(b->p, cap);
		if (p == NULL)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, ptr, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

void
etcd_buf_reset(struct etcd_buf *b)
{
	b->len = 0;
	b->overflow = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

char *
etcd_b64(const void *p, size_t n)
{
	size_t len = sodium_base64_encoded_len(n,
		sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(len);

	if (s != NULL)
		sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

int
etcd_unb64(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), cap = n / 4 * 3 + 3;

	*out = NULL;
	*len = 0;
	if (cap > WGC_ETCD_VALUE_MAX + 3)
		return -E2BIG;
	*out = malloc(cap + 1);
	if (*out == NULL)
		return -ENOMEM;
	if (sodium_base642bin(*out, cap, s, n, NULL, len, NULL,
			sodium_base64_VARIANT_ORIGINAL) != 0)
		return -EBADMSG;
	(*out)[*len] = '\0';
	return 0;
}

uint8_t *
etcd_prefix_end(const uint8_t *prefix, size_t n, size_t *len)
{
	uint8_t *e = malloc(n > 0 ? n : 1);
	size_t i;

	if (e == NULL)
		return NULL;
	memcpy(e, prefix, n);
	for (i = n; i > 0; i--) {
		if (e[i - 1] != 0xff) {
			e[i - 1]++;
			*len = i;
			return e;
		}
	}
	/* every key from prefix on: etcd's "\0" range end */
	e[0] = 0;
	*len = 1;
	return e;
}

int64_t
etcd_json_i64(const cJSON *o, const char *name, int64_t def, int *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	char *end;
	long long x;

	if (v == NULL)
		return def;
	if (cJSON_IsNumber(v))
		return (int64_t)v->valuedouble;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
		*bad = 1;
		return def;
	}
	errno = 0;
	x = strtoll(v->valuestring, &end, 10);
	if (errno != 0 || *end != '\0') {
		*bad = 1;
		return def;
	}
	return (int64_t)x;
}

int
etcd_json_kv(const cJSON *kv, struct wgc_etcd_kv *out, uint8_t **kb,
		uint8_t **vb)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(kv, "key");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(kv, "value");
	int bad = 0, rc;

	*kb = *vb = NULL;
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsString(k))
		return -EBADMSG;
	rc = etcd_unb64(k->valuestring, kb, &out->key_len);
	if (rc != 0)
		return rc;
	out->key = *kb;
	/* an empty value is omitted by the gateway */
	rc = etcd_unb64(cJSON_IsString(v) ? v->valuestring : "", vb,
		&out->value_len);
	if (rc != 0)
		return rc;
	out->value = *vb;
	out->mod_revision = etcd_json_i64(kv, "mod_revision", 0, &bad);
	return bad ? -EBADMSG : 0;
}

static int
url_ok(const char *url)
{
	const char *h;

	if (url == NULL || strncmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	if (*h == '\0' || strlen(url) > 200)
		return 0;
	/* host[:port] only: the client appends /v3/... */
	return strchr(h, '/') == NULL && strchr(h, '?') == NULL &&
		strchr(h, ' ') == NULL;
}

int
etcd_urls_init(struct etcd_urls *u, const char *const *endpoints,
		unsigned int n)
{
	unsigned int i;

	memset(u, 0, sizeof(*u));
	if (endpoints == NULL || n == 0 || n > WGC_ETCD_ENDPOINTS_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!url_ok(endpoints[i]))
			return -EINVAL;
	for (i = 0; i < n; i++) {
		u->url[i] = strdup(endpoints[i]);
		if (u->url[i] == NULL) {
			etcd_urls_free(u);
			return -ENOMEM;
		}
		u->n++;
	}
	return 0;
}

void
etcd_urls_free(struct etcd_urls *u)
{
	unsigned int i;

	for (i = 0; i < u->n; i++)
		free(u->url[i]);
	u->n = 0;
}
