/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * libFuzzer: every JSON parser reachable from outside the control plane —
 * the startup configuration, a REST peer / bulk body, a PATCH body, and a
 * journal record (state directory). Any input must be accepted or refused
 * with a message, never crash or leak.
 *
 *   build-fuzz/test/fuzz/fuzz_conf_json -max_total_time=60 \
 *       test/fuzz/corpus/conf_json
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wgc_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_startup_conf sc;
	struct wgc_conf_error err;
	struct wgc_changeset cs;
	const cJSON *e;
	cJSON *j;

	if (wgc_startup_conf_parse(&sc, (const char *)data, size, &err) == 0)
		wgc_startup_conf_free(&sc);
	else if (err.msg[0] == '\0')
		abort(); /* every refusal carries a reason */

	j = cJSON_ParseWithLength((const char *)data, size);
	if (j == NULL)
		return 0;
	if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(e, j) {
			struct wgc_peer_conf pc;
			uint32_t fields;

			if (wgc_peer_conf_from_json(e, &pc, &fields, 0, false,
					"peers[0]", &err) == 0) {
				cJSON *o = wgc_peer_conf_to_json(&pc);

				cJSON_Delete(o);
				wgc_peer_conf_free(&pc);
			}
		}
	} else {
		struct wgc_peer_conf pc;

		if (wgc_peer_conf_from_json(j, &pc, NULL, WGC_PEER_JSON_PARTIAL,
				true, "", &err) == 0)
			wgc_peer_conf_free(&pc);
		if (wgc_changeset_from_json(j, &cs, &err) == 0) {
			cJSON *o = wgc_changeset_to_json(&cs, true);

			cJSON_Delete(o);
			wgc_changeset_free(&cs);
		}
	}
	cJSON_Delete(j);
	return 0;
}
