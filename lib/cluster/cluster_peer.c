/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The peer layout in etcd: `<prefix>peers/<public key, base64url without
 * padding>` holds the peer's JSON as the REST API takes it (public_key,
 * preshared_key, endpoint, allowed_ips, persistent_keepalive). Keys and
 * values in, peer configurations out, and back.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cluster_private.h"

int
cluster_peer_key(const struct wgc_cluster *c, const uint8_t *k, size_t len,
		uint8_t pub[WGC_KEY_LEN])
{
	char name[WGC_KEY_B64URL_LEN + 1];

	if (len != c->peers_prefix_len + WGC_KEY_B64URL_LEN ||
			memcmp(k, c->peers_prefix, c->peers_prefix_len) != 0)
		return -1;
	memcpy(name, k + c->peers_prefix_len, WGC_KEY_B64URL_LEN);
	name[WGC_KEY_B64URL_LEN] = '\0';
	return wgc_key_from_base64url(pub, name) == 0 ? 0 : -1;
}

size_t
cluster_peer_keyname(const struct wgc_cluster *c,
		const uint8_t pub[WGC_KEY_LEN], char *out, size_t cap)
{
	char name[WGC_KEY_B64URL_LEN + 1];
	int n;

	wgc_key_to_base64url(pub, name);
	n = snprintf(out, cap, "%s%s", c->peers_prefix, name);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

int
cluster_peer_parse(const uint8_t pub[WGC_KEY_LEN], const void *value,
		size_t len, struct wgc_peer_conf *p, uint32_t *fields,
		struct wgc_conf_error *err)
{
	cJSON *j;
	int rc;

	j = cJSON_ParseWithLength(value, len);
	if (j == NULL)
		return wgc_conf_error_set(err, WGC_CONF_ESYNTAX,
			"not JSON");
	rc = wgc_peer_conf_from_json(j, p, fields, 0, false, "value", err);
	cJSON_Delete(j);
	if (rc != 0)
		return -1;
	if (memcmp(p->public_key, pub, WGC_KEY_LEN) != 0) {
		wgc_peer_conf_free(p);
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"value.public_key: not the key's name");
	}
	return 0;
}

char *
cluster_peer_value(const struct wgc_peer_conf *p, size_t *len)
{
	char b64[WGC_KEY_B64_LEN + 1];
	cJSON *o = wgc_peer_conf_to_json(p);
	char *s = NULL;

	if (o == NULL)
		return NULL;
	/* the REST input form: the key itself, not whether there is one */
	cJSON_DeleteItemFromObjectCaseSensitive(o, "has_preshared_key");
	if (!wgc_key_is_zero(p->preshared_key)) {
		wgc_key_to_base64(p->preshared_key, b64);
		if (cJSON_AddStringToObject(o, "preshared_key", b64) == NULL)
			goto out;
	}
	s = cJSON_PrintUnformatted(o);
	if (s != NULL)
		*len = strlen(s);
out:
	sodium_memzero(b64, sizeof(b64));
	cJSON_Delete(o);
	return s;
}
