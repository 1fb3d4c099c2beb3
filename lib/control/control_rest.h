/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _CONTROL_REST_H_
#define _CONTROL_REST_H_

/* The REST server's parts (control_rest*.c): a request, the replies the
 * routes share, and the routes. Every function runs in the connection's
 * thread. */

#include <microhttpd.h>

#include "control_priv.h"

struct req {
	struct sbuf body;
	struct ctl_who who;
	uint64_t held;         /* bytes of ctl->rest_body_bytes taken */
	bool too_big;
	bool too_busy;         /* the bodies of all clients: over budget */
	bool answered;
};

/* queue @p r with @p status (counted by class); frees @p r */
enum MHD_Result rest_queue(struct wgc_control *ctl,
		struct MHD_Connection *conn, unsigned int status,
		struct MHD_Response *r);
/* @p text (malloc'd, taken) as the body */
enum MHD_Result rest_reply_text(struct wgc_control *ctl,
		struct MHD_Connection *conn, unsigned int status, char *text,
		size_t len, const char *ctype);
/* @p j as the body (deleted) */
enum MHD_Result rest_reply_json(struct wgc_control *ctl,
		struct MHD_Connection *conn, unsigned int status, cJSON *j);
/* {"error": {"code": ..., "message": ...}} */
enum MHD_Result rest_reply_error(struct wgc_control *ctl,
		struct MHD_Connection *conn, unsigned int status,
		const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* a configuration error with its HTTP status (400, 404, 409, 422, 507) */
enum MHD_Result rest_reply_conf_error(struct wgc_control *ctl,
		struct MHD_Connection *conn, const struct wgc_conf_error *err);
/* the request body as JSON, or NULL with @p err (kind ESYNTAX) */
cJSON *rest_parse_body(struct req *rq, struct wgc_conf_error *err);
/* a public key from a URL segment or query value; 0 or -1 */
int rest_key_from_url(uint8_t key[WGC_KEY_LEN], const char *s);

/* routes (control_rest_peers.c) */
enum MHD_Result rest_get_interface(struct wgc_control *ctl,
		struct MHD_Connection *conn);
enum MHD_Result rest_patch_interface(struct wgc_control *ctl,
		struct MHD_Connection *conn, struct req *rq);
enum MHD_Result rest_list_peers(struct wgc_control *ctl,
		struct MHD_Connection *conn);
enum MHD_Result rest_get_peer(struct wgc_control *ctl,
		struct MHD_Connection *conn, const uint8_t *key,
		unsigned int status);
enum MHD_Result rest_change_peer(struct wgc_control *ctl,
		struct MHD_Connection *conn, struct req *rq,
		const uint8_t *key, enum wgc_peer_op op);
enum MHD_Result rest_bulk_peers(struct wgc_control *ctl,
		struct MHD_Connection *conn, struct req *rq, bool replace);

/* routes (control_rest_stats.c) */
enum MHD_Result rest_get_stats(struct wgc_control *ctl,
		struct MHD_Connection *conn);
enum MHD_Result rest_get_health(struct wgc_control *ctl,
		struct MHD_Connection *conn);
enum MHD_Result rest_get_metrics(struct wgc_control *ctl,
		struct MHD_Connection *conn);

#endif /* _CONTROL_REST_H_ */
