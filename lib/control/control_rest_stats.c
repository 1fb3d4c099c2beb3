/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * REST routes of observation: /v1/stats (every counter as JSON),
 * /v1/health (never waits for the control lock) and /metrics (Prometheus
 * text, control_metrics.c).
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

/* ------------------------------------------------ stats, health, metrics */

enum MHD_Result
rest_get_stats(struct wgc_control *ctl, struct MHD_Connection *conn)
{
	struct wgc_stat *st;
	cJSON *o, *dev, *drops, *workers, *c;
	int n, i, w;

	n = ctl_stats_collect(ctl, &st);
	if (st == NULL)
		return rest_reply_error(ctl, conn, 500, "internal",
			"out of memory");
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
	return rest_reply_json(ctl, conn, 200, o);
}

/* never waits for the control lock: answers during a long apply */
enum MHD_Result
rest_get_health(struct wgc_control *ctl, struct MHD_Connection *conn)
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
	return rest_reply_json(ctl, conn, ok ? 200 : 503, o);
}

enum MHD_Result
rest_get_metrics(struct wgc_control *ctl, struct MHD_Connection *conn)
{
	const char *pp = MHD_lookup_connection_value(conn,
		MHD_GET_ARGUMENT_KIND, "peers");
	struct MHD_Response *r;

	r = ctl_metrics_response(ctl, pp != NULL && strcmp(pp, "1") == 0);
	if (r == NULL)
		return rest_reply_error(ctl, conn, 500, "internal",
			"out of memory");
	return rest_queue(ctl, conn, 200, r);
}
