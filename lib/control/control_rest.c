/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * REST API on an AF_UNIX socket: libmicrohttpd serves the listen socket we
 * create ourselves (0660, optional group); every connection's peer
 * credentials are checked; bodies are bounded (413); JSON with cJSON.
 * Routes, statuses and error codes are documented in doc/rest.md and
 * doc/openapi.yaml.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <rte_lcore.h>
#include <sodium.h>

#include "control_priv.h"

#define PEERS_LIMIT_DEFAULT 100
#define PEERS_LIMIT_MAX 10000

/* The route table: used by the router for 404/405 and by the test that
 * checks doc/openapi.yaml covers every route. */
const struct ctl_route ctl_routes[] = {
	{ "/v1/interface", "GET PATCH" },
	{ "/v1/peers", "GET POST PUT" },
	{ "/v1/peers/{key}", "GET PUT PATCH DELETE" },
	{ "/v1/stats", "GET" },
	{ "/v1/health", "GET" },
	{ "/metrics", "GET" },
	{ "/v1/cluster", "GET" },
	{ NULL, NULL },
};

enum route_id {
	R_INTERFACE,
	R_PEERS,
	R_PEER,
	R_STATS,
	R_HEALTH,
	R_METRICS,
	R_CLUSTER,
	R_NONE,
};

struct req {
	struct sbuf body;
	struct ctl_who who;
	uint64_t held;         /* bytes of ctl->rest_body_bytes taken */
	bool too_big;
	bool too_busy;         /* the bodies of all clients: over budget */
	bool answered;
};

/* ---------------------------------------------------------- responses */

static enum MHD_Result
queue(struct wgc_control *ctl, struct MHD_Connection *conn,
		unsigned int status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	if (status / 100 >= 1 && status / 100 <= 5)
		__atomic_fetch_add(&ctl->cnt.http_status[status / 100], 1,
			__ATOMIC_RELAXED);
	return ret;
}

static enum MHD_Result
reply_text(struct wgc_control *ctl, struct MHD_Connection *conn,
		unsigned int status, char *text, size_t len,
		const char *ctype)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text,
		MHD_RESPMEM_MUST_FREE);

	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	return queue(ctl, conn, status, r);
}

static enum MHD_Result
reply_json(struct wgc_control *ctl, struct MHD_Connection *conn,
		unsigned int status, cJSON *j)
{
	char *s;

	if (j == NULL)
		return MHD_NO;
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (s == NULL)
		return MHD_NO;
	return reply_text(ctl, conn, status, s, strlen(s), "application/json");
}

static enum MHD_Result
reply_error(struct wgc_control *ctl, struct MHD_Connection *conn,
		unsigned int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static enum MHD_Result
reply_error(struct wgc_control *ctl, struct MHD_Connection *conn,
		unsigned int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	cJSON *o, *e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = cJSON_CreateObject();
	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	return reply_json(ctl, conn, status, o);
}

static enum MHD_Result
reply_conf_error(struct wgc_control *ctl, struct MHD_Connection *conn,
		const struct wgc_conf_error *err)
{
	switch (err->kind) {
	case WGC_CONF_ESYNTAX:
		return reply_error(ctl, conn, 400, "invalid_json", "%s",
			err->msg);
	case WGC_CONF_ESCHEMA:
		return reply_error(ctl, conn, 400, "bad_request", "%s",
			err->msg);
	case WGC_CONF_EVALUE:
		return reply_error(ctl, conn, 422, "invalid_value", "%s",
			err->msg);
	case WGC_CONF_ECONFLICT:
		return reply_error(ctl, conn, 409, "conflict", "%s", err->msg);
	case WGC_CONF_ENOENT:
		return reply_error(ctl, conn, 404, "not_found", "%s", err->msg);
	case WGC_CONF_ENOSPC:
		return reply_error(ctl, conn, 507, "table_full", "%s",
			err->msg);
	case WGC_CONF_EUNAVAIL:
		return reply_error(ctl, conn, 503, "unavailable", "%s",
			err->msg);
	default:
		return reply_error(ctl, conn, 500, "internal", "%s", err->msg);
	}
}

static enum MHD_Result
reply_method(struct wgc_control *ctl, struct MHD_Connection *conn,
		const char *allow)
{
	char msg[64], *s;
	cJSON *o, *e;
	struct MHD_Response *r;
	char allow_hdr[64];
	unsigned int i;

	snprintf(msg, sizeof(msg), "allowed: %s", allow);
	o = cJSON_CreateObject();
	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", "method_not_allowed");
	cJSON_AddStringToObject(e, "message", msg);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(s), s,
		MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(s);
		return MHD_NO;
	}
	snprintf(allow_hdr, sizeof(allow_hdr), "%s", allow);
	for (i = 0; allow_hdr[i] != '\0'; i++)
		if (allow_hdr[i] == ' ')
			allow_hdr[i] = ',';
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		"application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow_hdr);
	return queue(ctl, conn, 405, r);
}

/* ------------------------------------------------------------ helpers */

static cJSON *
stats_json(const struct wgc_control_peer_stats *st)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddNumberToObject(s, "rx_bytes", (double)st->rx_bytes);
	cJSON_AddNumberToObject(s, "tx_bytes", (double)st->tx_bytes);
	cJSON_AddNumberToObject(s, "rx_packets", (double)st->rx_packets);
	cJSON_AddNumberToObject(s, "tx_packets", (double)st->tx_packets);
	cJSON_AddNumberToObject(s, "last_handshake",
		(double)st->last_handshake_sec);
	return s;
}

static cJSON *
peer_json(const struct wgc_peer_conf *pc, const struct wgc_control_peer_stats *st)
{
	cJSON *o = wgc_peer_conf_to_json(pc);

	if (o != NULL)
		cJSON_AddItemToObject(o, "stats", stats_json(st));
	return o;
}

/* Key from a URL path segment or query value: base64url or (percent-
 * decoded) standard base64; MHD may turn '+' into ' ' in query values. */
static int
key_from_url(uint8_t key[WGC_KEY_LEN], const char *s)
{
	char buf[WGC_KEY_B64_LEN + 2];
	size_t i, n = strlen(s);

	if (n > WGC_KEY_B64_LEN)
		return -1;
	for (i = 0; i <= n; i++)
		buf[i] = s[i] == ' ' ? '+' : s[i];
	return wgc_key_from_any(key, buf);
}

static cJSON *
parse_body(struct req *rq, struct wgc_conf_error *err)
{
	const char *end = NULL;
	cJSON *j;

	if (rq->body.len == 0) {
		wgc_conf_error_set(err, WGC_CONF_ESYNTAX, "empty body");
		return NULL;
	}
	j = cJSON_ParseWithLengthOpts(rq->body.p, rq->body.len, &end, false);
	if (j == NULL) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at != NULL && at >= rq->body.p &&
			at <= rq->body.p + rq->body.len ?
			(size_t)(at - rq->body.p) : rq->body.len;

		wgc_conf_error_set(err, WGC_CONF_ESYNTAX,
			"malformed JSON near byte %zu", off);
		return NULL;
	}
	while (end < rq->body.p + rq->body.len && (*end == ' ' ||
			*end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if (end != rq->body.p + rq->body.len) {
		cJSON_Delete(j);
		wgc_conf_error_set(err, WGC_CONF_ESYNTAX,
			"malformed JSON: trailing data at byte %zu",
			(size_t)(end - rq->body.p));
		return NULL;
	}
	return j;
}

/* ---------------------------------------------------------- interface */

static enum MHD_Result
get_interface(struct wgc_control *ctl, struct MHD_Connection *conn)
{
	struct wgc_iface_conf iface;
	cJSON *j = NULL;
	int rc;

	pthread_mutex_lock(&ctl->lock);
	rc = ctl->ops->iface_get(ctl->ctx, &iface);
	if (rc == 0) {
		j = wgc_iface_conf_to_json(&iface,
			ctl->ops->peer_count(ctl->ctx));
		wgc_iface_conf_free(&iface);
	}
	pthread_mutex_unlock(&ctl->lock);
	if (rc != 0 || j == NULL)
		return reply_error(ctl, conn, 500, "internal", "out of memory");
	return reply_json(ctl, conn, 200, j);
}

static enum MHD_Result
patch_interface(struct wgc_control *ctl, struct MHD_Connection *conn,
		struct req *rq)
{
	struct wgc_conf_error err = { 0 };
	struct wgc_changeset cs;
	const cJSON *k;
	cJSON *j;
	int rc;

	memset(&cs, 0, sizeof(cs));
	j = parse_body(rq, &err);
	if (j == NULL)
		return reply_conf_error(ctl, conn, &err);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return reply_error(ctl, conn, 400, "bad_request",
			"expected an object");
	}
	cJSON_ArrayForEach(k, j) {
		double d = k->valuedouble;

		if (strcmp(k->string, "private_key") == 0) {
			if (!cJSON_IsString(k)) {
				wgc_conf_error_set(&err, WGC_CONF_ESCHEMA,
					"private_key: expected a string");
				goto bad;
			}
			if (wgc_key_from_base64(cs.iface.private_key,
					k->valuestring) != 0 &&
					wgc_key_from_base64url(
						cs.iface.private_key,
						k->valuestring) != 0) {
				wgc_conf_error_set(&err, WGC_CONF_EVALUE,
					"private_key: invalid key");
				goto bad;
			}
			/* no copy of the key left in freed memory */
			sodium_memzero(k->valuestring, strlen(k->valuestring));
			cs.iface_fields |= WGC_IFACE_F_PRIVATE_KEY;
		} else if (strcmp(k->string, "listen_port") == 0 ||
				strcmp(k->string, "fwmark") == 0) {
			bool port = k->string[0] == 'l';
			double max = port ? 65535 : 4294967295.0;

			if (!cJSON_IsNumber(k)) {
				wgc_conf_error_set(&err, WGC_CONF_ESCHEMA,
					"%s: expected an integer", k->string);
				goto bad;
			}
			if (d < 0 || d > max || d != (double)(uint64_t)d) {
				wgc_conf_error_set(&err, WGC_CONF_EVALUE,
					"%s: out of range 0..%.0f", k->string,
					max);
				goto bad;
			}
			if (port) {
				cs.iface.listen_port = (uint16_t)d;
				cs.iface_fields |= WGC_IFACE_F_LISTEN_PORT;
			} else {
				cs.iface.fwmark = (uint32_t)d;
				cs.iface_fields |= WGC_IFACE_F_FWMARK;
			}
		} else if (strcmp(k->string, "name") == 0 ||
				strcmp(k->string, "public_key") == 0 ||
				strcmp(k->string, "peers") == 0 ||
				strcmp(k->string, "mtu") == 0 ||
				strcmp(k->string, "addresses") == 0) {
			wgc_conf_error_set(&err, WGC_CONF_ESCHEMA,
				"%s: read-only", k->string);
			goto bad;
		} else {
			wgc_conf_error_set(&err, WGC_CONF_ESCHEMA,
				"unknown key \"%.64s\"", k->string);
			goto bad;
		}
	}
	cJSON_Delete(j);
	rc = ctl_apply_from(ctl, &cs, &err, &rq->who);
	wgc_changeset_free(&cs);
	if (rc != 0)
		return reply_conf_error(ctl, conn, &err);
	return get_interface(ctl, conn);
bad:
	cJSON_Delete(j);
	wgc_changeset_free(&cs);
	return reply_conf_error(ctl, conn, &err);
}

/* -------------------------------------------------------------- peers */

/* A page of GET /v1/peers is written as text directly: the same JSON as
 * peer_json() (keys, CIDRs and endpoints need no escaping), without a
 * cJSON tree of 10 000 peers and cJSON's number round trips. */
struct list_walk {
	struct sbuf b;
	unsigned long limit, n;
	uint8_t last[WGC_KEY_LEN];
	bool more;
};

static int
list_one(void *arg, const struct wgc_peer_conf *pc,
		const struct wgc_control_peer_stats *st)
{
	struct list_walk *lw = arg;
	char b64[WGC_KEY_B64_LEN + 1], buf[WGC_ADDR_STR_LEN];
	uint32_t i;

	if (lw->n == lw->limit) {
		lw->more = true;
		return 1;
	}
	memcpy(lw->last, pc->public_key, WGC_KEY_LEN);
	wgc_key_to_base64(pc->public_key, b64);
	sbuf_printf(&lw->b, "%s{\"public_key\":\"%s\",\"endpoint\":",
		lw->n > 0 ? "," : "", b64);
	if (pc->endpoint.addr.family != 0)
		sbuf_printf(&lw->b, "\"%s\"", wgc_endpoint_format(
			&pc->endpoint, buf, sizeof(buf)));
	else
		sbuf_printf(&lw->b, "null");
	sbuf_printf(&lw->b, ",\"allowed_ips\":[");
	for (i = 0; i < pc->n_allowed_ips; i++)
		sbuf_printf(&lw->b, "%s\"%s\"", i > 0 ? "," : "",
			wgc_cidr_format(&pc->allowed_ips[i], buf,
				sizeof(buf)));
	sbuf_printf(&lw->b, "],\"persistent_keepalive\":%u,"
		"\"has_preshared_key\":%s,\"stats\":{\"rx_bytes\":%" PRIu64
		",\"tx_bytes\":%" PRIu64 ",\"rx_packets\":%" PRIu64
		",\"tx_packets\":%" PRIu64 ",\"last_handshake\":%" PRId64 "}}",
		pc->persistent_keepalive,
		wgc_key_is_zero(pc->preshared_key) ? "false" : "true",
		st->rx_bytes, st->tx_bytes, st->rx_packets, st->tx_packets,
		st->last_handshake_sec);
	lw->n++;
	return lw->b.oom ? 1 : 0;
}

static enum MHD_Result
list_peers(struct wgc_control *ctl, struct MHD_Connection *conn)
{
	const char *ls = MHD_lookup_connection_value(conn,
		MHD_GET_ARGUMENT_KIND, "limit");
	const char *as = MHD_lookup_connection_value(conn,
		MHD_GET_ARGUMENT_KIND, "after");
	uint8_t cursor[WGC_KEY_LEN];
	char url[WGC_KEY_B64URL_LEN + 1];
	unsigned long limit = PEERS_LIMIT_DEFAULT;
	struct list_walk lw;
	bool have_cursor = false;

	if (ls != NULL) {
		char *end = NULL;

		errno = 0;
		limit = strtoul(ls, &end, 10);
		if (ls[0] < '0' || ls[0] > '9' || *end != '\0' || errno != 0 ||
				limit == 0 || limit > PEERS_LIMIT_MAX)
			return reply_error(ctl, conn, 400, "bad_request",
				"limit: an integer 1..%d", PEERS_LIMIT_MAX);
	}
	if (as != NULL && as[0] != '\0') {
		if (key_from_url(cursor, as) != 0)
			return reply_error(ctl, conn, 400, "bad_request",
				"after: not a cursor (a public key in "
				"base64url)");
		have_cursor = true;
	}
	memset(&lw, 0, sizeof(lw));
	lw.limit = limit;
	sbuf_printf(&lw.b, "{\"peers\":[");
	pthread_mutex_lock(&ctl->lock);
	ctl_walk(ctl->ops, ctl->ctx, have_cursor ? cursor : NULL, limit + 1,
		true, list_one, &lw);
	pthread_mutex_unlock(&ctl->lock);
	if (lw.more) {
		wgc_key_to_base64url(lw.last, url);
		sbuf_printf(&lw.b, "],\"next\":\"%s\"}", url);
	} else {
		sbuf_printf(&lw.b, "],\"next\":null}");
	}
	if (lw.b.oom) {
		sbuf_free(&lw.b);
		return reply_error(ctl, conn, 500, "internal", "out of memory");
	}
	return reply_text(ctl, conn, 200, lw.b.p, lw.b.len,
		"application/json");
}

static enum MHD_Result
get_peer(struct wgc_control *ctl, struct MHD_Connection *conn,
		const uint8_t *key, unsigned int status)
{
	struct wgc_peer_conf pc;
	struct wgc_control_peer_stats st;
	char b64[WGC_KEY_B64_LEN + 1];
	int rc;

	pthread_mutex_lock(&ctl->lock);
	rc = ctl->ops->peer_get(ctl->ctx, key, &pc, &st);
	pthread_mutex_unlock(&ctl->lock);
	if (rc == -ENOENT) {
		wgc_key_to_base64(key, b64);
		return reply_error(ctl, conn, 404, "not_found",
			"no peer %s", b64);
	}
	if (rc != 0)
		return reply_error(ctl, conn, 500, "internal", "lookup: %s",
			strerror(-rc));
	{
		cJSON *j = peer_json(&pc, &st);

		wgc_peer_conf_free(&pc);
		return reply_json(ctl, conn, status, j);
	}
}

static enum MHD_Result
change_peer(struct wgc_control *ctl, struct MHD_Connection *conn,
		struct req *rq, const uint8_t *key, enum wgc_peer_op op)
{
	struct wgc_conf_error err = { 0 };
	struct wgc_changeset cs;
	struct wgc_peer_change *c;
	char b64[WGC_KEY_B64_LEN + 1];
	bool existed = false;
	uint32_t fields = 0;
	cJSON *j = NULL;
	int rc;

	memset(&cs, 0, sizeof(cs));
	c = wgc_changeset_add(&cs);
	if (c == NULL)
		return reply_error(ctl, conn, 500, "internal", "out of memory");
	c->op = op;
	if (op != WGC_PEER_OP_REMOVE) {
		j = parse_body(rq, &err);
		if (j == NULL)
			goto fail;
		if (wgc_peer_conf_from_json(j, &c->conf, &fields,
				op == WGC_PEER_OP_UPDATE ?
				WGC_PEER_JSON_PARTIAL : WGC_PEER_JSON_NO_PUBKEY,
				false, "", &err) != 0)
			goto fail;
		if (cJSON_GetObjectItemCaseSensitive(j, "public_key") != NULL &&
				memcmp(c->conf.public_key, key,
					WGC_KEY_LEN) != 0) {
			wgc_conf_error_set(&err, WGC_CONF_EVALUE,
				"public_key: does not match the URL");
			goto fail;
		}
		cJSON_Delete(j);
		j = NULL;
	}
	memcpy(c->conf.public_key, key, WGC_KEY_LEN);
	c->fields = fields;
	pthread_mutex_lock(&ctl->lock);
	existed = ctl->ops->peer_get(ctl->ctx, key, NULL, NULL) == 0;
	if (!existed && op != WGC_PEER_OP_REPLACE) {
		pthread_mutex_unlock(&ctl->lock);
		wgc_key_to_base64(key, b64);
		wgc_conf_error_set(&err, WGC_CONF_ENOENT, "no peer %s", b64);
		goto fail;
	}
	pthread_mutex_unlock(&ctl->lock);
	rc = ctl_apply_from(ctl, &cs, &err, &rq->who);
	wgc_changeset_free(&cs);
	if (rc != 0)
		return reply_conf_error(ctl, conn, &err);
	if (op == WGC_PEER_OP_REMOVE) {
		struct MHD_Response *r = MHD_create_response_from_buffer(0,
			NULL, MHD_RESPMEM_PERSISTENT);

		return queue(ctl, conn, 204, r);
	}
	return get_peer(ctl, conn, key, existed ? 200 : 201);
fail:
	cJSON_Delete(j);
	wgc_changeset_free(&cs);
	return reply_conf_error(ctl, conn, &err);
}

static int
key_cmp_idx(const void *a, const void *b, void *arg)
{
	const struct wgc_peer_change *v = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = memcmp(v[x].conf.public_key, v[y].conf.public_key,
		WGC_KEY_LEN);

	return r != 0 ? r : (x < y ? -1 : x > y);
}

static enum MHD_Result
bulk_peers(struct wgc_control *ctl, struct MHD_Connection *conn,
		struct req *rq, bool replace)
{
	struct wgc_conf_error err = { 0 };
	struct wgc_changeset cs;
	const cJSON *e;
	uint32_t i = 0, *idx = NULL;
	cJSON *j, *o;
	uint64_t count;
	double t0 = ctl_ms(), t1, t2, t3;
	int rc;

	memset(&cs, 0, sizeof(cs));
	j = parse_body(rq, &err);
	if (j == NULL)
		return reply_conf_error(ctl, conn, &err);
	t1 = ctl_ms();
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		return reply_error(ctl, conn, 400, "bad_request",
			"expected an array of peers");
	}
	cs.replace_peers = replace;
	/* validate everything first */
	cJSON_ArrayForEach(e, j) {
		struct wgc_peer_change *c = wgc_changeset_add(&cs);
		char path[32];

		if (c == NULL) {
			wgc_conf_error_set(&err, WGC_CONF_EIO, "out of memory");
			goto fail;
		}
		snprintf(path, sizeof(path), "peers[%u]", i++);
		c->op = replace ? WGC_PEER_OP_REPLACE : WGC_PEER_OP_UPSERT;
		if (wgc_peer_conf_from_json(e, &c->conf, &c->fields, 0, false,
				path, &err) != 0)
			goto fail;
	}
	cJSON_Delete(j);
	j = NULL;
	if (cs.n > 1) {
		idx = malloc(cs.n * sizeof(*idx));
		if (idx == NULL) {
			wgc_conf_error_set(&err, WGC_CONF_EIO, "out of memory");
			goto fail;
		}
		for (i = 0; i < cs.n; i++)
			idx[i] = i;
		qsort_r(idx, cs.n, sizeof(*idx), key_cmp_idx, cs.peers);
		for (i = 1; i < cs.n; i++) {
			if (memcmp(cs.peers[idx[i]].conf.public_key,
					cs.peers[idx[i - 1]].conf.public_key,
					WGC_KEY_LEN) == 0) {
				wgc_conf_error_set(&err, WGC_CONF_EVALUE,
					"peers[%u].public_key: same key as "
					"peers[%u]", idx[i], idx[i - 1]);
				goto fail;
			}
		}
		free(idx);
		idx = NULL;
	}
	t2 = ctl_ms();
	rc = ctl_apply_from(ctl, &cs, &err, &rq->who);
	pthread_mutex_lock(&ctl->lock);
	count = ctl->ops->peer_count(ctl->ctx);
	pthread_mutex_unlock(&ctl->lock);
	t3 = ctl_ms();
	if (cs.n > 10000)
		CTL_LOG(NOTICE, "bulk: %u peers: JSON %.0f ms, validation %.0f "
			"ms, apply %.0f ms", cs.n, t1 - t0, t2 - t1, t3 - t2);
	if (rc != 0)
		goto fail;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "applied", cs.n);
	cJSON_AddNumberToObject(o, "peers", (double)count);
	wgc_changeset_free(&cs);
	return reply_json(ctl, conn, 200, o);
fail:
	free(idx);
	cJSON_Delete(j);
	wgc_changeset_free(&cs);
	return reply_conf_error(ctl, conn, &err);
}

/* ------------------------------------------------ stats, health, metrics */

static enum MHD_Result
get_stats(struct wgc_control *ctl, struct MHD_Connection *conn)
{
	struct wgc_stat *st;
	cJSON *o, *dev, *drops, *workers, *c;
	int n, i, w;

	n = ctl_stats_collect(ctl, &st);
	if (st == NULL)
		return reply_error(ctl, conn, 500, "internal", "out of memory");
	o = cJSON_CreateObject();
	dev = cJSON_AddObjectToObject(o, "interface");
	cJSON_AddNumberToObject(dev, "peers", (double)__atomic_load_n(
		&ctl->peers_cached, __ATOMIC_RELAXED));
	drops = cJSON_AddObjectToObject(o, "drops");
	workers = cJSON_AddArrayToObject(o, "workers");
	for (i = 0; i < n; i++) {
		cJSON *dst = dev;

		if (st[i].worker >= 0) {
			cJSON *wo = NULL, *x;

			cJSON_ArrayForEach(x, workers) {
				const cJSON *id = cJSON_GetObjectItem(x,
					"worker");

				if (id != NULL && id->valueint == st[i].worker)
					wo = x;
			}
			if (wo == NULL) {
				wo = cJSON_CreateObject();
				cJSON_AddNumberToObject(wo, "worker",
					st[i].worker);
				cJSON_AddItemToArray(workers, wo);
			}
			dst = wo;
		}
		if (st[i].label_key[0] != '\0') {
			/* e.g. pools.<pool>.in_use from pool_in_use{pool=} */
			char grp[24];
			size_t kl = strlen(st[i].label_key);
			const char *f = strncmp(st[i].name, st[i].label_key,
				kl) == 0 && st[i].name[kl] == '_' ?
				st[i].name + kl + 1 : st[i].name;
			cJSON *g, *one;

			snprintf(grp, sizeof(grp), "%ss", st[i].label_key);
			g = cJSON_GetObjectItem(dst, grp);
			if (g == NULL)
				g = cJSON_AddObjectToObject(dst, grp);
			one = cJSON_GetObjectItem(g, st[i].label);
			if (one == NULL)
				one = cJSON_AddObjectToObject(g, st[i].label);
			if (!cJSON_HasObjectItem(one, f))
				cJSON_AddNumberToObject(one, f,
					(double)st[i].value);
		} else if (st[i].label[0] != '\0') {
			cJSON *sub = st[i].worker < 0 &&
				strcmp(st[i].name, "drops") == 0 ? drops :
				cJSON_GetObjectItem(dst, st[i].name);

			if (sub == NULL)
				sub = cJSON_AddObjectToObject(dst, st[i].name);
			if (!cJSON_HasObjectItem(sub, st[i].label))
				cJSON_AddNumberToObject(sub, st[i].label,
					(double)st[i].value);
		} else if (strcmp(st[i].name, "peers") != 0 &&
				!cJSON_HasObjectItem(dst, st[i].name)) {
			cJSON_AddNumberToObject(dst, st[i].name,
				(double)st[i].value);
		}
	}
	free(st);
	c = cJSON_AddObjectToObject(o, "control");
	cJSON_AddNumberToObject(c, "http_requests",
		(double)ctl->cnt.http_requests);
	cJSON_AddNumberToObject(c, "http_refused",
		(double)ctl->cnt.http_refused);
	for (w = 2; w <= 5; w++) {
		char k[16];

		snprintf(k, sizeof(k), "http_%dxx", w);
		cJSON_AddNumberToObject(c, k, (double)ctl->cnt.http_status[w]);
	}
	cJSON_AddNumberToObject(c, "uapi_requests",
		(double)ctl->cnt.uapi_requests);
	cJSON_AddNumberToObject(c, "uapi_errors", (double)ctl->cnt.uapi_errors);
	cJSON_AddNumberToObject(c, "uapi_refused",
		(double)ctl->cnt.uapi_refused);
	cJSON_AddNumberToObject(c, "changes_applied",
		(double)ctl->cnt.changes_applied);
	cJSON_AddNumberToObject(c, "journal_writes",
		(double)ctl->cnt.journal_writes);
	cJSON_AddNumberToObject(c, "compactions", (double)ctl->cnt.compactions);
	cJSON_AddNumberToObject(c, "persist_errors",
		(double)ctl->cnt.persist_errors);
	return reply_json(ctl, conn, 200, o);
}

/* never waits for the control lock: answers during a long apply */
static enum MHD_Result
get_health(struct wgc_control *ctl, struct MHD_Connection *conn)
{
	char msg[256] = "";
	bool ok;
	cJSON *o;

	ok = ctl_health(ctl, msg, sizeof(msg)) == 0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", ok ? "ok" : "degraded");
	if (!ok)
		cJSON_AddStringToObject(o, "reason", msg);
	cJSON_AddNumberToObject(o, "uptime_seconds",
		(double)(time(NULL) - ctl->started));
	cJSON_AddNumberToObject(o, "peers", (double)__atomic_load_n(
		&ctl->peers_cached, __ATOMIC_RELAXED));
	cJSON_AddStringToObject(o, "persistence",
		ctl->persist.dirfd >= 0 ? "on" : "off");
	return reply_json(ctl, conn, ok ? 200 : 503, o);
}

static enum MHD_Result
get_metrics(struct wgc_control *ctl, struct MHD_Connection *conn)
{
	const char *pp = MHD_lookup_connection_value(conn,
		MHD_GET_ARGUMENT_KIND, "peers");
	struct MHD_Response *r;

	r = ctl_metrics_response(ctl, pp != NULL && strcmp(pp, "1") == 0);
	if (r == NULL)
		return reply_error(ctl, conn, 500, "internal", "out of memory");
	return queue(ctl, conn, 200, r);
}

/* ------------------------------------------------------------- router */

static enum route_id
route_of(const char *url, const char **rest)
{
	*rest = NULL;
	if (strcmp(url, "/v1/interface") == 0)
		return R_INTERFACE;
	if (strcmp(url, "/v1/peers") == 0)
		return R_PEERS;
	if (strncmp(url, "/v1/peers/", 10) == 0 && url[10] != '\0') {
		*rest = url + 10;
		return R_PEER;
	}
	if (strcmp(url, "/v1/stats") == 0)
		return R_STATS;
	if (strcmp(url, "/v1/health") == 0)
		return R_HEALTH;
	if (strcmp(url, "/metrics") == 0)
		return R_METRICS;
	if (strcmp(url, "/v1/cluster") == 0)
		return R_CLUSTER;
	return R_NONE;
}

static bool
method_allowed(enum route_id r, const char *m)
{
	const char *list = ctl_routes[r].methods;
	size_t n = strlen(m);
	const char *p = list;

	while ((p = strstr(p, m)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
				(p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static bool
has_body(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
		strcmp(m, "PATCH") == 0;
}

static bool
json_content_type(struct MHD_Connection *conn)
{
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/json");

	if (ct == NULL)
		return true; /* no type given: assume JSON */
	if (strncasecmp(ct, "application/json", n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static enum MHD_Result
dispatch(struct wgc_control *ctl, struct MHD_Connection *conn,
		const char *url, const char *method, struct req *rq)
{
	const char *rest;
	enum route_id r = route_of(url, &rest);
	uint8_t key[WGC_KEY_LEN];
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;

	if (r == R_NONE)
		return reply_error(ctl, conn, 404, "not_found",
			"no route %.100s", url);
	if (!method_allowed(r, m))
		return reply_method(ctl, conn, ctl_routes[r].methods);
	if (r == R_PEER && key_from_url(key, rest) != 0)
		return reply_error(ctl, conn, 422, "invalid_key",
			"\"%.64s\" is not a public key (base64url, or "
			"percent-encoded base64)", rest);
	switch (r) {
	case R_INTERFACE:
		if (strcmp(m, "GET") == 0)
			return get_interface(ctl, conn);
		return patch_interface(ctl, conn, rq);
	case R_PEERS:
		if (strcmp(m, "GET") == 0)
			return list_peers(ctl, conn);
		return bulk_peers(ctl, conn, rq, strcmp(m, "PUT") == 0);
	case R_PEER:
		if (strcmp(m, "GET") == 0)
			return get_peer(ctl, conn, key, 200);
		if (strcmp(m, "PUT") == 0)
			return change_peer(ctl, conn, rq, key,
				WGC_PEER_OP_REPLACE);
		if (strcmp(m, "PATCH") == 0)
			return change_peer(ctl, conn, rq, key,
				WGC_PEER_OP_UPDATE);
		return change_peer(ctl, conn, rq, key, WGC_PEER_OP_REMOVE);
	case R_STATS:
		return get_stats(ctl, conn);
	case R_HEALTH:
		return get_health(ctl, conn);
	case R_METRICS:
		return get_metrics(ctl, conn);
	case R_CLUSTER:
		return reply_json(ctl, conn, 200, ctl_cluster_status(ctl));
	default:
		break;
	}
	return reply_error(ctl, conn, 404, "not_found", "no route");
}

/* the request bodies of every client together (one thread each) */
#define REST_BODY_BUDGET(ctl) (3 * ((ctl)->conf.max_body + 1))

static void
body_release(struct wgc_control *ctl, struct req *rq)
{
	if (rq->body.p != NULL)
		sodium_memzero(rq->body.p, rq->body.len);
	__atomic_fetch_sub(&ctl->rest_body_bytes, rq->held, __ATOMIC_RELAXED);
	rq->held = 0;
	sbuf_free(&rq->body);
}

/* 0, or -1 when out of memory; a body too large for the client or for
 * the budget of all clients sets too_big / too_busy (answered at the end) */
static int
body_append(struct wgc_control *ctl, struct req *rq, const char *data,
		size_t n)
{
	if (rq->body.len + n > ctl->conf.max_body) {
		rq->too_big = true;
		body_release(ctl, rq);
		return 0;
	}
	if (rq->body.cap - rq->body.len <= n) {
		size_t cap = rq->body.cap == 0 ? 4096 : rq->body.cap;
		uint64_t more;
		char *q;

		while (cap - rq->body.len <= n)
			cap *= 2;
		cap = RTE_MIN(cap, (size_t)ctl->conf.max_body + 1);
		more = cap - rq->body.cap;
		if (__atomic_add_fetch(&ctl->rest_body_bytes, more,
				__ATOMIC_RELAXED) > REST_BODY_BUDGET(ctl)) {
			__atomic_fetch_sub(&ctl->rest_body_bytes, more,
				__ATOMIC_RELAXED);
			rq->too_busy = true;
			body_release(ctl, rq);
			return 0;
		}
		rq->held += more;
		q = realloc(rq->body.p, cap);
		if (q == NULL)
			return -1;
		rq->body.p = q;
		rq->body.cap = cap;
	}
	memcpy(rq->body.p + rq->body.len, data, n);
	rq->body.len += n;
	return 0;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
		const char *method, const char *version,
		const char *upload_data, size_t *upload_data_size,
		void **con_cls)
{
	struct wgc_control *ctl = cls;
	struct req *rq = *con_cls;

	if (rq == NULL) {
		const union MHD_ConnectionInfo *ci;
		const char *cl;

		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		*con_cls = rq;
		__atomic_fetch_add(&ctl->cnt.http_requests, 1,
			__ATOMIC_RELAXED);
		rq->who.via = "rest";
		rq->who.uid = -1;
		ci = MHD_get_connection_info(conn,
			MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || ctl_check_peer(ctl, ci->connect_fd,
				&rq->who.uid) != 0) {
			__atomic_fetch_add(&ctl->cnt.http_refused, 1,
				__ATOMIC_RELAXED);
			rq->answered = true;
			return reply_error(ctl, conn, 403, "forbidden",
				"only root or members of the control group");
		}
		if (has_body(method)) {
			cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
				MHD_HTTP_HEADER_CONTENT_LENGTH);
			if (cl != NULL && strtoull(cl, NULL, 10) >
					ctl->conf.max_body) {
				rq->answered = true;
				return reply_error(ctl, conn, 413,
					"payload_too_large",
					"body larger than %" PRIu64 " bytes",
					ctl->conf.max_body);
			}
			if (!json_content_type(conn)) {
				rq->answered = true;
				return reply_error(ctl, conn, 415,
					"unsupported_media_type",
					"send Content-Type: application/json");
			}
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!rq->too_big && !rq->too_busy &&
				body_append(ctl, rq, upload_data,
					*upload_data_size) != 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->answered)
		return MHD_YES;
	rq->answered = true;
	if (rq->too_big)
		return reply_error(ctl, conn, 413, "payload_too_large",
			"body larger than %" PRIu64 " bytes",
			ctl->conf.max_body);
	if (rq->too_busy)
		return reply_error(ctl, conn, 503, "busy",
			"request bodies of all clients above %" PRIu64
			" bytes: retry", REST_BODY_BUDGET(ctl));
	if (!has_body(method) && rq->body.len > 0)
		return reply_error(ctl, conn, 400, "bad_request",
			"%s takes no body", method);
	return dispatch(ctl, conn, url, method, rq);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		enum MHD_RequestTerminationCode toe)
{
	struct wgc_control *ctl = cls;
	struct req *rq = *con_cls;
	unsigned int lc = rte_lcore_id();

	(void)conn;
	(void)toe;
	/* the lcore id the backend may have taken for this connection's
	 * thread (never an EAL thread's own) */
	if (lc != LCORE_ID_ANY && rte_lcore_has_role(lc, ROLE_NON_EAL))
		rte_thread_unregister();
	if (rq == NULL)
		return;
	body_release(ctl, rq);
	free(rq);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	CTL_LOG(DEBUG, "http: %s", buf);
}

int
rest_start(struct wgc_control *ctl)
{
	ctl->rest_fd = ctl_unix_listen(ctl, ctl->conf.socket);
	if (ctl->rest_fd < 0)
		return -1;
	/* a thread per connection: a big PUT being parsed or applied (the
	 * apply itself serialised by ctl->lock) never delays /v1/health */
	ctl->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
		MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, ctl,
		MHD_OPTION_LISTEN_SOCKET, ctl->rest_fd,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)ctl->conf.timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
		MHD_OPTION_NOTIFY_COMPLETED, completed, ctl,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, ctl,
		MHD_OPTION_END);
	if (ctl->mhd == NULL) {
		close(ctl->rest_fd);
		unlink(ctl->conf.socket);
		ctl->rest_fd = -1;
		errno = EIO;
		return -1;
	}
	return 0;
}

void
rest_stop(struct wgc_control *ctl)
{
	if (ctl->mhd != NULL) {
		/* keep our listen socket: we close it ourselves */
		MHD_quiesce_daemon(ctl->mhd);
		MHD_stop_daemon(ctl->mhd);
		ctl->mhd = NULL;
	}
	if (ctl->rest_fd >= 0) {
		close(ctl->rest_fd);
		unlink(ctl->conf.socket);
		ctl->rest_fd = -1;
	}
}
