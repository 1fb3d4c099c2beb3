/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Change sets as JSON: the records of the control plane's journal. The
 * private key never appears (it lives in a file of its own); preshared
 * keys only when asked for.
 */

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "wgc_conf.h"

static const char * const op_names[] = {
	[WGC_PEER_OP_UPSERT] = "upsert",
	[WGC_PEER_OP_REPLACE] = "replace",
	[WGC_PEER_OP_UPDATE] = "update",
	[WGC_PEER_OP_UPDATE_ONLY] = "update_only",
	[WGC_PEER_OP_REMOVE] = "remove",
};
#define N_OPS (sizeof(op_names) / sizeof(op_names[0]))

const char *
wgc_peer_op_name(enum wgc_peer_op op)
{
	return (unsigned int)op < N_OPS && op_names[op] != NULL ?
		op_names[op] : "upsert";
}

cJSON *
wgc_changeset_to_json(const struct wgc_changeset *cs, bool secrets)
{
	cJSON *o, *a, *e, *p;
	uint32_t i;

	o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	/* the private key lives in its own file, never in the journal */
	cJSON_AddNumberToObject(o, "iface_fields",
		cs->iface_fields & ~WGC_IFACE_F_PRIVATE_KEY);
	cJSON_AddNumberToObject(o, "listen_port", cs->iface.listen_port);
	cJSON_AddNumberToObject(o, "fwmark", cs->iface.fwmark);
	cJSON_AddBoolToObject(o, "replace_peers", cs->replace_peers);
	cJSON_AddBoolToObject(o, "steal", cs->steal_allowed_ips);
	cJSON_AddBoolToObject(o, "remove_absent_ok", cs->remove_absent_ok);
	a = cJSON_AddArrayToObject(o, "peers");
	if (a == NULL)
		goto fail;
	for (i = 0; i < cs->n; i++) {
		const struct wgc_peer_change *c = &cs->peers[i];

		e = cJSON_CreateObject();
		if (e == NULL)
			goto fail;
		cJSON_AddItemToArray(a, e);
		if (cJSON_AddStringToObject(e, "op",
					wgc_peer_op_name(c->op)) == NULL ||
				cJSON_AddNumberToObject(e, "fields",
					c->fields) == NULL ||
				cJSON_AddBoolToObject(e, "append",
					c->append_allowed_ips) == NULL)
			goto fail;
		p = wgc_peer_conf_to_json(&c->conf);
		if (p == NULL)
			goto fail;
		cJSON_AddItemToObject(e, "peer", p);
		if (secrets && !wgc_key_is_zero(c->conf.preshared_key)) {
			char b64[WGC_KEY_B64_LEN + 1];

			wgc_key_to_base64(c->conf.preshared_key, b64);
			if (cJSON_AddStringToObject(p, "preshared_key",
					b64) == NULL) {
				sodium_memzero(b64, sizeof(b64));
				goto fail;
			}
			sodium_memzero(b64, sizeof(b64));
		}
	}
	if (cJSON_IsInvalid(o))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static int
json_u(const cJSON *o, const char *k, uint64_t max, uint64_t *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(j) || j->valuedouble < 0 ||
			j->valuedouble > (double)max)
		return -1;
	*v = (uint64_t)j->valuedouble;
	return 0;
}

int
wgc_changeset_from_json(const cJSON *j, struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	const cJSON *a, *e;
	uint64_t v;
	unsigned int i = 0;

	memset(cs, 0, sizeof(*cs));
	if (!cJSON_IsObject(j) ||
			json_u(j, "iface_fields", 0xff, &v) != 0)
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: bad header");
	cs->iface_fields = (uint32_t)v;
	if (json_u(j, "listen_port", 65535, &v) != 0)
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: listen_port");
	cs->iface.listen_port = (uint16_t)v;
	if (json_u(j, "fwmark", UINT32_MAX, &v) != 0)
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: fwmark");
	cs->iface.fwmark = (uint32_t)v;
	cs->replace_peers = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
		"replace_peers"));
	cs->steal_allowed_ips = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(j, "steal"));
	cs->remove_absent_ok = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(j, "remove_absent_ok"));
	a = cJSON_GetObjectItemCaseSensitive(j, "peers");
	if (!cJSON_IsArray(a))
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: peers");
	cJSON_ArrayForEach(e, a) {
		struct wgc_peer_change *c = wgc_changeset_add(cs);
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(e, "op");
		char path[32];
		unsigned int k;

		if (c == NULL) {
			wgc_changeset_free(cs);
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"out of memory");
		}
		snprintf(path, sizeof(path), "peers[%u]", i++);
		if (!cJSON_IsString(op) || json_u(e, "fields", WGC_PEER_F_ALL,
				&v) != 0)
			goto bad;
		for (k = 0; k < N_OPS; k++)
			if (strcmp(op->valuestring, op_names[k]) == 0)
				break;
		if (k == N_OPS)
			goto bad;
		c->op = (enum wgc_peer_op)k;
		c->fields = (uint32_t)v;
		c->append_allowed_ips = cJSON_IsTrue(
			cJSON_GetObjectItemCaseSensitive(e, "append"));
		if (wgc_peer_conf_from_json(cJSON_GetObjectItemCaseSensitive(e,
				"peer"), &c->conf, NULL, 0, true, path,
				err) != 0) {
			wgc_changeset_free(cs);
			return -1;
		}
		continue;
bad:
		wgc_changeset_free(cs);
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: %s: bad op", path);
	}
	return 0;
}

