/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * REST routes of the configuration: /v1/interface and /v1/peers (list with
 * a cursor, one peer by key, bulk load). Every change goes through
 * ctl_apply_from() (the cluster's writer when there is one, else the
 * device's apply, then the journal).
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

#define PEERS_LIMIT_DEFAULT 100
#define PEERS_LIMIT_MAX 10000

static cJSON *
stats_json(const struct wgc_device_peer_stats *st)
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
peer_json(const struct wgc_peer_conf *pc,
		const struct wgc_device_peer_stats *st)
{
	cJSON *o = wgc_peer_conf_to_json(pc);

	if (o != NULL)
		cJSON_AddItemToObject(o, "stats", stats_json(st));
	return o;
}

/* ---------------------------------------------------------- interface */

enum MHD_Result
rest_get_interface(struct wgc_control *ctl, struct MHD_Connection *conn)
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
		return rest_reply_error(ctl, conn, 500, "internal",
			"out of memory");
	return rest_reply_json(ctl, conn, 200, j);
}

enum MHD_Result
rest_patch_interface(struct wgc_control *ctl, struct MHD_Connection *conn,
		struct req *rq)
{
	struct wgc_conf_error err = { 0 };
	struct wgc_changeset cs;
	const cJSON *k;
	cJSON *j;
	int rc;

	memset(&cs, 0, sizeof(cs));
	j = rest_parse_body(rq, &err);
	if (j == NULL)
		return rest_reply_conf_error(ctl, conn, &err);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return rest_reply_error(ctl, conn, 400, "bad_request",
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
		return rest_reply_conf_error(ctl, conn, &err);
	return rest_get_interface(ctl, conn);
bad:
	cJSON_Delete(j);
	wgc_changeset_free(&cs);
	return rest_reply_conf_error(ctl, conn, &err);
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
		const struct wgc_device_peer_stats *st)
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
			wgc_prefix_format(&pc->allowed_ips[i], buf,
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

enum MHD_Result
rest_list_peers(struct wgc_control *ctl, struct MHD_Connection *conn)
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
			return rest_reply_error(ctl, conn, 400, "bad_request",
				"limit: an integer 1..%d", PEERS_LIMIT_MAX);
	}
	if (as != NULL && as[0] != '\0') {
		if (rest_key_from_url(cursor, as) != 0)
			return rest_reply_error(ctl, conn, 400, "bad_request",
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
		return rest_reply_error(ctl, conn, 500, "internal",
			"out of memory");
	}
	return rest_reply_text(ctl, conn, 200, lw.b.p, lw.b.len,
		"application/json");
}

enum MHD_Result
rest_get_peer(struct wgc_control *ctl, struct MHD_Connection *conn,
		const uint8_t *key, unsigned int status)
{
	struct wgc_peer_conf pc;
	struct wgc_device_peer_stats st;
	char b64[WGC_KEY_B64_LEN + 1];
	int rc;

	pthread_mutex_lock(&ctl->lock);
	rc = ctl->ops->peer_get(ctl->ctx, key, &pc, &st);
	pthread_mutex_unlock(&ctl->lock);
	if (rc == -ENOENT) {
		wgc_key_to_base64(key, b64);
		return rest_reply_error(ctl, conn, 404, "not_found",
			"no peer %s", b64);
	}
	if (rc != 0)
		return rest_reply_error(ctl, conn, 500, "internal",
			"lookup: %s", strerror(-rc));
	{
		cJSON *j = peer_json(&pc, &st);

		wgc_peer_conf_free(&pc);
		return rest_reply_json(ctl, conn, status, j);
	}
}

enum MHD_Result
rest_change_peer(struct wgc_control *ctl, struct MHD_Connection *conn,
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
		return rest_reply_error(ctl, conn, 500, "internal",
			"out of memory");
	c->op = op;
	if (op != WGC_PEER_OP_REMOVE) {
		j = rest_parse_body(rq, &err);
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
		return rest_reply_conf_error(ctl, conn, &err);
	if (op == WGC_PEER_OP_REMOVE) {
		struct MHD_Response *r = MHD_create_response_from_buffer(0,
			NULL, MHD_RESPMEM_PERSISTENT);

		return rest_queue(ctl, conn, 204, r);
	}
	return rest_get_peer(ctl, conn, key, existed ? 200 : 201);
fail:
	cJSON_Delete(j);
	wgc_changeset_free(&cs);
	return rest_reply_conf_error(ctl, conn, &err);
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

enum MHD_Result
rest_bulk_peers(struct wgc_control *ctl, struct MHD_Connection *conn,
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
	j = rest_parse_body(rq, &err);
	if (j == NULL)
		return rest_reply_conf_error(ctl, conn, &err);
	t1 = ctl_ms();
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		return rest_reply_error(ctl, conn, 400, "bad_request",
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
	return rest_reply_json(ctl, conn, 200, o);
fail:
	free(idx);
	cJSON_Delete(j);
	wgc_changeset_free(&cs);
	return rest_reply_conf_error(ctl, conn, &err);
}
