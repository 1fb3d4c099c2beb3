/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * libFuzzer: what etcd's JSON gateway sends a node — a range answer
 * (`kvs`), a watch message (`result.events[].kv`) — down to the peers
 * stored as values: base64 keys and values, revisions, the key layout
 * `<prefix>peers/<base64url key>`, and each value as a peer's JSON. Any
 * input must be taken or refused, never crash or leak; a value that
 * parses is written back as the cluster writes it and must parse again
 * to the same text.
 *
 *   build-fuzz/test/fuzz/fuzz_etcd -max_total_time=60 test/fuzz/corpus/etcd
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wgc_cluster layout;

/* one key-value pair as the sync takes it */
static void
one_kv(const cJSON *kv)
{
	struct wgc_peer_conf p, q;
	struct wgc_conf_error err;
	struct wgc_etcd_kv out;
	uint8_t pub[WGC_KEY_LEN], *kb, *vb;
	char *text, *again;
	size_t len, len2;

	if (etcd_json_kv(kv, &out, &kb, &vb) == 0) {
		if (cluster_peer_key(&layout, out.key, out.key_len, pub) != 0)
			memset(pub, 0, sizeof(pub));
		if (cluster_peer_parse(pub, out.value, out.value_len, &p, NULL,
				&err) == 0) {
			text = cluster_peer_value(&p, &len);
			if (text == NULL)
				abort();
			if (cluster_peer_parse(pub, text, len, &q, NULL,
					&err) != 0)
				abort(); /* what the cluster writes it reads */
			/* and writes it again the same */
			again = cluster_peer_value(&q, &len2);
			if (again == NULL || len2 != len ||
					memcmp(again, text, len) != 0)
				abort();
			free(again);
			wgc_peer_conf_free(&q);
			free(text);
			wgc_peer_conf_free(&p);
		} else if (err.msg[0] == '\0') {
			abort(); /* every refusal carries a reason */
		}
	}
	free(kb);
	free(vb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cJSON *r, *e;
	int bad = 0;
	cJSON *j;

	if (layout.peers_prefix_len == 0) {
		strcpy(layout.peers_prefix, "/wgc/f/peers/");
		layout.peers_prefix_len = strlen(layout.peers_prefix);
	}
	j = cJSON_ParseWithLength((const char *)data, size);
	if (j == NULL)
		return 0;
	/* a range answer */
	(void)etcd_json_i64(cJSON_GetObjectItemCaseSensitive(j, "header"),
		"revision", 0, &bad);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "kvs"))
		one_kv(e);
	/* a watch message */
	r = cJSON_GetObjectItemCaseSensitive(j, "result");
	if (r != NULL) {
		(void)etcd_json_i64(r, "compact_revision", 0, &bad);
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r,
				"events"))
			one_kv(cJSON_GetObjectItemCaseSensitive(e, "kv"));
	}
	cJSON_Delete(j);
	return 0;
}
