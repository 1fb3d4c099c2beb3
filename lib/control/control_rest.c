/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * REST API on an AF_UNIX socket: libmicrohttpd serves the listen socket we
 * create ourselves (0660, optional group); every connection's peer
 * credentials are checked; bodies are bounded (413); JSON with cJSON.
 * Routes, statuses and error codes are documented in doc/rest.md and
 * doc/openapi.yaml. This file is the server, the router and the shared
 * replies; the routes live in control_rest_peers.c (interface, peers) and
 * control_rest_stats.c (stats, health, metrics).
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

#include "control_rest.h"

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

/* ---------------------------------------------------------- responses */

enum MHD_Result
rest_queue(struct wgc_control *ctl, struct MHD_Connection *conn,
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

enum MHD_Result
rest_reply_text(struct wgc_control *ctl, struct MHD_Connection *conn,
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
	return rest_queue(ctl, conn, status, r);
}

enum MHD_Result
rest_reply_json(struct wgc_control *ctl, struct MHD_Connection *conn,
		unsigned int status, cJSON *j)
{
	char *s;

	if (j == NULL)
		return MHD_NO;
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (s == NULL)
		return MHD_NO;
	return rest_reply_text(ctl, conn, status, s, strlen(s),
		"application/json");
}

enum MHD_Result
rest_reply_error(struct wgc_control *ctl, struct MHD_Connection *conn,
		unsigned int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

enum MHD_Result
rest_reply_error(struct wgc_control *ctl, struct MHD_Connection *conn,
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
	return rest_reply_json(ctl, conn, status, o);
}

enum MHD_Result
rest_reply_conf_error(struct wgc_control *ctl, struct MHD_Connection *conn,
		const struct wgc_conf_error *err)
{
	switch (err->kind) {
	case WGC_CONF_ESYNTAX:
		return rest_reply_error(ctl, conn, 400, "invalid_json", "%s",
			err->msg);
	case WGC_CONF_ESCHEMA:
		return rest_reply_error(ctl, conn, 400, "bad_request", "%s",
			err->msg);
	case WGC_CONF_EVALUE:
		return rest_reply_error(ctl, conn, 422, "invalid_value", "%s",
			err->msg);
	case WGC_CONF_ECONFLICT:
		return rest_reply_error(ctl, conn, 409, "conflict", "%s",
			err->msg);
	case WGC_CONF_ENOENT:
		return rest_reply_error(ctl, conn, 404, "not_found", "%s",
			err->msg);
	case WGC_CONF_ENOSPC:
		return rest_reply_error(ctl, conn, 507, "table_full", "%s",
			err->msg);
	case WGC_CONF_EUNAVAIL:
		return rest_reply_error(ctl, conn, 503, "unavailable", "%s",
			err->msg);
	default:
		return rest_reply_error(ctl, conn, 500, "internal", "%s",
			err->msg);
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
	return rest_queue(ctl, conn, 405, r);
}

/* ------------------------------------------------------------ helpers */

/* Key from a URL path segment or query value: base64url or (percent-
 * decoded) standard base64; MHD may turn '+' into ' ' in query values. */
int
rest_key_from_url(uint8_t key[WGC_KEY_LEN], const char *s)
{
	char buf[WGC_KEY_B64_LEN + 2];
	size_t i, n = strlen(s);

	if (n > WGC_KEY_B64_LEN)
		return -1;
	for (i = 0; i <= n; i++)
		buf[i] = s[i] == ' ' ? '+' : s[i];
	return wgc_key_from_any(key, buf);
}

cJSON *
rest_parse_body(struct req *rq, struct wgc_conf_error *err)
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
		return rest_reply_error(ctl, conn, 404, "not_found",
			"no route %.100s", url);
	if (!method_allowed(r, m))
		return reply_method(ctl, conn, ctl_routes[r].methods);
	if (r == R_PEER && rest_key_from_url(key, rest) != 0)
		return rest_reply_error(ctl, conn, 422, "invalid_key",
			"\"%.64s\" is not a public key (base64url, or "
			"percent-encoded base64)", rest);
	switch (r) {
	case R_INTERFACE:
		if (strcmp(m, "GET") == 0)
			return rest_get_interface(ctl, conn);
		return rest_patch_interface(ctl, conn, rq);
	case R_PEERS:
		if (strcmp(m, "GET") == 0)
			return rest_list_peers(ctl, conn);
		return rest_bulk_peers(ctl, conn, rq, strcmp(m, "PUT") == 0);
	case R_PEER:
		if (strcmp(m, "GET") == 0)
			return rest_get_peer(ctl, conn, key, 200);
		if (strcmp(m, "PUT") == 0)
			return rest_change_peer(ctl, conn, rq, key,
				WGC_PEER_OP_REPLACE);
		if (strcmp(m, "PATCH") == 0)
			return rest_change_peer(ctl, conn, rq, key,
				WGC_PEER_OP_UPDATE);
		return rest_change_peer(ctl, conn, rq, key, WGC_PEER_OP_REMOVE);
	case R_STATS:
		return rest_get_stats(ctl, conn);
	case R_HEALTH:
		return rest_get_health(ctl, conn);
	case R_METRICS:
		return rest_get_metrics(ctl, conn);
	case R_CLUSTER:
		return rest_reply_json(ctl, conn, 200, ctl_cluster_status(ctl));
	default:
		break;
	}
	return rest_reply_error(ctl, conn, 404, "not_found", "no route");
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
			return rest_reply_error(ctl, conn, 403, "forbidden",
				"only root or members of the control group");
		}
		if (has_body(method)) {
			cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
				MHD_HTTP_HEADER_CONTENT_LENGTH);
			if (cl != NULL && strtoull(cl, NULL, 10) >
					ctl->conf.max_body) {
				rq->answered = true;
				return rest_reply_error(ctl, conn, 413,
					"payload_too_large",
					"body larger than %" PRIu64 " bytes",
					ctl->conf.max_body);
			}
			if (!json_content_type(conn)) {
				rq->answered = true;
				return rest_reply_error(ctl, conn, 415,
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
		return rest_reply_error(ctl, conn, 413, "payload_too_large",
			"body larger than %" PRIu64 " bytes",
			ctl->conf.max_body);
	if (rq->too_busy)
		return rest_reply_error(ctl, conn, 503, "busy",
			"request bodies of all clients above %" PRIu64
			" bytes: retry", REST_BODY_BUDGET(ctl));
	if (!has_body(method) && rq->body.len > 0)
		return rest_reply_error(ctl, conn, 400, "bad_request",
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
	/* the lcore id the device may have taken for this connection's
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

