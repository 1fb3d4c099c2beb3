/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The etcd v3 client: unary calls of the JSON gateway (/v3/kv/range,
 * /v3/kv/txn, /v3/kv/deleterange, /v3/lease/grant, /v3/lease/keepalive)
 * over one libcurl handle (keep-alive), failing over between endpoints.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cluster_private.h"

struct wgc_etcd {
	CURL *curl;
	struct etcd_urls u;
	unsigned int cur;               /* the endpoint in use */
	unsigned int timeout_ms;
	struct etcd_buf ans;
};

struct wgc_etcd *
wgc_etcd_create(const char *const *endpoints, unsigned int nb_endpoints,
		unsigned int timeout_ms)
{
	struct wgc_etcd *e;
	int rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errno = ENOMEM;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	rc = etcd_urls_init(&e->u, endpoints, nb_endpoints);
	e->timeout_ms = timeout_ms != 0 ? timeout_ms : 2000;
	e->ans.max = ETCD_ANSWER_MAX;
	e->curl = rc == 0 ? curl_easy_init() : NULL;
	if (e->curl == NULL) {
		wgc_etcd_free(e);
		errno = rc != 0 ? -rc : ENOMEM;
		return NULL;
	}
	return e;
}

void
wgc_etcd_free(struct wgc_etcd *e)
{
	if (e == NULL)
		return;
	if (e->curl != NULL)
		curl_easy_cleanup(e->curl);
	etcd_urls_free(&e->u);
	free(e->ans.p);
	free(e);
}

/* the gateway's error answer -> errno */
static int
grpc_error(const char *body)
{
	cJSON *j = cJSON_Parse(body);
	const cJSON *msg;
	int bad = 0, rc = -EIO;
	int64_t code;

	if (j == NULL)
		return -EIO;
	code = etcd_json_i64(j, "code", -1, &bad);
	msg = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (code == 11 && cJSON_IsString(msg) &&
			strstr(msg->valuestring, "compacted") != NULL)
		rc = -ESTALE;
	else if (code == 5)
		rc = -ENOENT;
	CLUSTER_LOG(DEBUG, "etcd error %lld: %s", (long long)code,
		cJSON_IsString(msg) ? msg->valuestring : "?");
	cJSON_Delete(j);
	return rc;
}

/*
 * POST body to /v3/<path> on the endpoint in use, then on the others.
 * 0 and the parsed answer in *out, or a negative errno.
 */
static int
call(struct wgc_etcd *e, const char *path, const char *body, cJSON **out)
{
	unsigned int tries;
	int rc = -EHOSTUNREACH;

	*out = NULL;
	for (tries = 0; tries < e->u.n; tries++) {
		char url[256];
		long status = 0;
		CURLcode cc;

		snprintf(url, sizeof(url), "%s/v3/%s", e->u.url[e->cur], path);
		etcd_buf_reset(&e->ans);
		curl_easy_reset(e->curl);
		curl_easy_setopt(e->curl, CURLOPT_URL, url);
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS,
			(long)e->timeout_ms);
		curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION,
			etcd_buf_write);
		curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &e->ans);
		curl_easy_setopt(e->curl, CURLOPT_PROTOCOLS_STR, "http");
		cc = curl_easy_perform(e->curl);
		if (cc == CURLE_OK)
			curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE,
				&status);
		if (cc != CURLE_OK && e->ans.overflow)
			return -EBADMSG;
		if (cc != CURLE_OK || status == 503) {
			CLUSTER_LOG(DEBUG, "%s: %s", url, cc != CURLE_OK ?
				curl_easy_strerror(cc) : "unavailable");
			e->cur = (e->cur + 1) % e->u.n;
			rc = -EHOSTUNREACH;
			continue;
		}
		if (status != 200)
			return e->ans.p != NULL ? grpc_error(e->ans.p) : -EIO;
		*out = cJSON_Parse(e->ans.p != NULL ? e->ans.p : "");
		return *out == NULL ? -EBADMSG : 0;
	}
	return rc;
}

/* {"key": b64(key), "range_end": b64(end)?, ...} members */
static int
add_b64(cJSON *o, const char *name, const void *p, size_t n)
{
	char *s;

	if (n > WGC_ETCD_VALUE_MAX)
		return -E2BIG;
	s = etcd_b64(p, n);
	if (s == NULL || cJSON_AddStringToObject(o, name, s) == NULL) {
		free(s);
		return -ENOMEM;
	}
	free(s);
	return 0;
}

static int
add_i64(cJSON *o, const char *name, int64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", (long long)v);
	return cJSON_AddStringToObject(o, name, s) == NULL ? -ENOMEM : 0;
}

/* serialise o, call, free o */
static int
call_json(struct wgc_etcd *e, const char *path, cJSON *o, cJSON **out)
{
	char *body = cJSON_PrintUnformatted(o);
	int rc;

	cJSON_Delete(o);
	if (body == NULL)
		return -ENOMEM;
	rc = call(e, path, body, out);
	cJSON_free(body);
	return rc;
}

/* call cb for each kv of a range answer, *n counted; 0, cb's non-zero
 * return or a negative errno */
static int
walk_kvs(const cJSON *ans, wgc_etcd_kv_cb cb, void *ctx, const uint8_t **last,
		size_t *last_len, uint8_t **last_buf, int64_t *n)
{
	const cJSON *kvs = cJSON_GetObjectItemCaseSensitive(ans, "kvs");
	const cJSON *kv;

	*n = 0;
	if (kvs == NULL)
		return 0;
	if (!cJSON_IsArray(kvs))
		return -EBADMSG;
	cJSON_ArrayForEach(kv, kvs) {
		struct wgc_etcd_kv x;
		uint8_t *kb, *vb;
		int rc = etcd_json_kv(kv, &x, &kb, &vb);

		if (rc == 0 && cb != NULL)
			rc = cb(ctx, &x);
		free(vb);
		if (rc != 0) {
			free(kb);
			return rc;
		}
		free(*last_buf);
		*last_buf = kb;
		*last = kb;
		*last_len = x.key_len;
		(*n)++;
	}
	return 0;
}

int64_t
wgc_etcd_range_prefix(struct wgc_etcd *e, const void *prefix,
		size_t prefix_len, int64_t revision, unsigned int page,
		wgc_etcd_kv_cb cb, void *ctx, int64_t *rev_out)
{
	uint8_t *end;
	size_t end_len;
	int64_t rc;

	end = etcd_prefix_end(prefix, prefix_len, &end_len);
	if (end == NULL)
		return -ENOMEM;
	rc = wgc_etcd_range(e, prefix, prefix_len, end, end_len, revision,
		page, cb, ctx, rev_out);
	free(end);
	return rc;
}

int64_t
wgc_etcd_range(struct wgc_etcd *e, const void *key, size_t key_len,
		const void *end, size_t end_len, int64_t revision,
		unsigned int page, wgc_etcd_kv_cb cb, void *ctx,
		int64_t *rev_out)
{
	uint8_t *start = NULL, *last_buf = NULL;
	const uint8_t *last = NULL;
	size_t start_len = key_len, last_len = 0;
	int64_t total = 0, rc = 0;
	int more = 1;

	start = malloc(key_len + 1);
	if (start == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(start, key, key_len);
	while (more) {
		cJSON *o = cJSON_CreateObject(), *ans = NULL;
		const cJSON *m, *h;
		int64_t n;
		int bad = 0;

		if (o == NULL || add_b64(o, "key", start, start_len) != 0 ||
				add_b64(o, "range_end", end, end_len) != 0 ||
				(page != 0 && add_i64(o, "limit", page) != 0) ||
				(revision != 0 &&
				 add_i64(o, "revision", revision) != 0)) {
			cJSON_Delete(o);
			rc = -ENOMEM;
			goto out;
		}
		rc = call_json(e, "kv/range", o, &ans);
		if (rc != 0)
			goto out;
		h = cJSON_GetObjectItemCaseSensitive(ans, "header");
		if (revision == 0)
			revision = etcd_json_i64(h, "revision", 0, &bad);
		rc = walk_kvs(ans, cb, ctx, &last, &last_len, &last_buf, &n);
		m = cJSON_GetObjectItemCaseSensitive(ans, "more");
		more = cJSON_IsTrue(m) && n > 0;
		cJSON_Delete(ans);
		if (rc == 0 && (bad || revision <= 0))
			rc = -EBADMSG;
		if (rc != 0)
			goto out;
		total += n;
		if (more) {
			/* the next page starts right after the last key */
			uint8_t *s = realloc(start, last_len + 1);

			if (s == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			start = s;
			memcpy(start, last, last_len);
			start[last_len] = 0;
			start_len = last_len + 1;
		}
	}
	if (rev_out != NULL)
		*rev_out = revision;
out:
	free(start);
	free(last_buf);
	return rc != 0 ? rc : total;
}

int
wgc_etcd_get(struct wgc_etcd *e, const void *key, size_t key_len,
		wgc_etcd_kv_cb cb, void *ctx)
{
	cJSON *o = cJSON_CreateObject(), *ans = NULL;
	const uint8_t *last = NULL;
	uint8_t *last_buf = NULL;
	size_t last_len;
	int64_t n;
	int rc;

	if (o == NULL || key_len > WGC_ETCD_VALUE_MAX ||
			add_b64(o, "key", key, key_len) != 0) {
		cJSON_Delete(o);
		return key_len > WGC_ETCD_VALUE_MAX ? -E2BIG : -ENOMEM;
	}
	rc = call_json(e, "kv/range", o, &ans);
	if (rc != 0)
		return rc;
	rc = walk_kvs(ans, cb, ctx, &last, &last_len, &last_buf, &n);
	free(last_buf);
	cJSON_Delete(ans);
	return rc != 0 ? rc : n > 0;
}

/* append a new object to array arr (created on o as name if NULL) */
static cJSON *
new_item(cJSON *o, const char *name)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, name);
	cJSON *it;

	if (arr == NULL)
		arr = cJSON_AddArrayToObject(o, name);
	it = cJSON_CreateObject();
	if (arr == NULL || it == NULL || !cJSON_AddItemToArray(arr, it)) {
		cJSON_Delete(it);
		return NULL;
	}
	return it;
}

int
wgc_etcd_put(struct wgc_etcd *e, const void *key, size_t key_len,
		const void *value, size_t value_len, int64_t expect_rev,
		int64_t lease, int64_t *rev_out)
{
	cJSON *o, *ans = NULL, *cmp, *op, *put;
	const cJSON *h;
	int bad = 0, rc;
	int64_t rev;

	if (key_len > WGC_ETCD_VALUE_MAX || value_len > WGC_ETCD_VALUE_MAX)
		return -E2BIG;
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	if (expect_rev >= 0) {
		/* mod_revision 0 compares equal for a missing key */
		cmp = new_item(o, "compare");
		if (cmp == NULL || add_b64(cmp, "key", key, key_len) != 0 ||
				cJSON_AddStringToObject(cmp, "target",
					"MOD") == NULL ||
				cJSON_AddStringToObject(cmp, "result",
					"EQUAL") == NULL ||
				add_i64(cmp, "mod_revision", expect_rev) != 0)
			goto nomem;
	}
	op = new_item(o, "success");
	put = op == NULL ? NULL : cJSON_AddObjectToObject(op, "request_put");
	if (put == NULL || add_b64(put, "key", key, key_len) != 0 ||
			add_b64(put, "value", value, value_len) != 0 ||
			(lease != 0 && add_i64(put, "lease", lease) != 0))
		goto nomem;
	rc = call_json(e, "kv/txn", o, &ans);
	if (rc != 0)
		return rc;
	h = cJSON_GetObjectItemCaseSensitive(ans, "header");
	rev = etcd_json_i64(h, "revision", 0, &bad);
	rc = bad ? -EBADMSG :
		!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans,
			"succeeded")) ? -ECANCELED : 0;
	if (rc == 0 && rev_out != NULL)
		*rev_out = rev;
	cJSON_Delete(ans);
	return rc;
nomem:
	cJSON_Delete(o);
	return -ENOMEM;
}

/* compare of one op (mod_revision 0 compares equal for a missing key) */
static int
txn_compare(cJSON *o, const struct wgc_etcd_op *op)
{
	cJSON *cmp = new_item(o, "compare");

	if (cmp == NULL || add_b64(cmp, "key", op->key, op->key_len) != 0 ||
			cJSON_AddStringToObject(cmp, "target", "MOD") == NULL ||
			cJSON_AddStringToObject(cmp, "result", "EQUAL") ==
			NULL || add_i64(cmp, "mod_revision",
				op->expect_rev) != 0)
		return -ENOMEM;
	return 0;
}

static int
txn_request(cJSON *o, const struct wgc_etcd_op *op)
{
	static const char * const names[] = {
		[WGC_ETCD_OP_GET] = "request_range",
		[WGC_ETCD_OP_PUT] = "request_put",
		[WGC_ETCD_OP_DELETE] = "request_delete_range",
	};
	cJSON *it = new_item(o, "success"), *rq;

	if ((unsigned int)op->type >= RTE_DIM(names))
		return -EINVAL;
	rq = it == NULL ? NULL : cJSON_AddObjectToObject(it, names[op->type]);
	if (rq == NULL || add_b64(rq, "key", op->key, op->key_len) != 0)
		return -ENOMEM;
	if (op->type == WGC_ETCD_OP_PUT && add_b64(rq, "value", op->value,
			op->value_len) != 0)
		return op->value_len > WGC_ETCD_VALUE_MAX ? -E2BIG : -ENOMEM;
	return 0;
}

int
wgc_etcd_txn(struct wgc_etcd *e, const struct wgc_etcd_op *ops,
		unsigned int n, wgc_etcd_kv_cb cb, void *ctx, int64_t *rev_out)
{
	cJSON *o, *ans = NULL;
	const cJSON *rs, *r;
	unsigned int i;
	int bad = 0, rc = 0;
	int64_t rev;

	if (n > WGC_ETCD_TXN_OPS_MAX)
		return -E2BIG;
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	for (i = 0; i < n && rc == 0; i++) {
		if (ops[i].key_len > WGC_ETCD_VALUE_MAX)
			rc = -E2BIG;
		else if (ops[i].expect_rev >= 0)
			rc = txn_compare(o, &ops[i]);
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = txn_request(o, &ops[i]);
	if (rc != 0) {
		cJSON_Delete(o);
		return rc;
	}
	rc = call_json(e, "kv/txn", o, &ans);
	if (rc != 0)
		return rc;
	rev = etcd_json_i64(cJSON_GetObjectItemCaseSensitive(ans, "header"),
		"revision", 0, &bad);
	if (bad || rev <= 0) {
		rc = -EBADMSG;
	} else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans,
			"succeeded"))) {
		rc = -ECANCELED;
	} else if (cb != NULL) {
		rs = cJSON_GetObjectItemCaseSensitive(ans, "responses");
		cJSON_ArrayForEach(r, rs) {
			const cJSON *rr = cJSON_GetObjectItemCaseSensitive(r,
				"response_range");
			const uint8_t *last = NULL;
			uint8_t *last_buf = NULL;
			size_t last_len = 0;
			int64_t k;

			if (rr == NULL)
				continue;
			rc = walk_kvs(rr, cb, ctx, &last, &last_len,
				&last_buf, &k);
			free(last_buf);
			if (rc != 0)
				break;
		}
	}
	if (rc == 0 && rev_out != NULL)
		*rev_out = rev;
	cJSON_Delete(ans);
	return rc;
}

int
wgc_etcd_delete(struct wgc_etcd *e, const void *key, size_t key_len,
		int64_t *rev_out)
{
	cJSON *o = cJSON_CreateObject(), *ans = NULL;
	int bad = 0, rc;
	int64_t n, rev;

	if (o == NULL || add_b64(o, "key", key, key_len) != 0) {
		cJSON_Delete(o);
		return key_len > WGC_ETCD_VALUE_MAX ? -E2BIG : -ENOMEM;
	}
	rc = call_json(e, "kv/deleterange", o, &ans);
	if (rc != 0)
		return rc;
	n = etcd_json_i64(ans, "deleted", 0, &bad);
	rev = etcd_json_i64(cJSON_GetObjectItemCaseSensitive(ans, "header"),
		"revision", 0, &bad);
	cJSON_Delete(ans);
	if (bad)
		return -EBADMSG;
	if (rev_out != NULL)
		*rev_out = rev;
	return (int)n;
}

int
wgc_etcd_lease_grant(struct wgc_etcd *e, unsigned int ttl, int64_t *id)
{
	cJSON *o = cJSON_CreateObject(), *ans = NULL;
	int bad = 0, rc;

	if (o == NULL || add_i64(o, "TTL", ttl) != 0) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	rc = call_json(e, "lease/grant", o, &ans);
	if (rc != 0)
		return rc;
	*id = etcd_json_i64(ans, "ID", 0, &bad);
	cJSON_Delete(ans);
	return bad || *id == 0 ? -EBADMSG : 0;
}

int
wgc_etcd_lease_keepalive(struct wgc_etcd *e, int64_t id)
{
	cJSON *o = cJSON_CreateObject(), *ans = NULL;
	const cJSON *r;
	int bad = 0, rc;
	int64_t ttl;

	if (o == NULL || add_i64(o, "ID", id) != 0) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	rc = call_json(e, "lease/keepalive", o, &ans);
	if (rc != 0)
		return rc;
	/* a stream of one message: {"result": {"ID", "TTL"}} */
	r = cJSON_GetObjectItemCaseSensitive(ans, "result");
	ttl = etcd_json_i64(r != NULL ? r : ans, "TTL", 0, &bad);
	cJSON_Delete(ans);
	if (bad)
		return -EBADMSG;
	return ttl > 0 ? 0 : -ENOENT;
}
