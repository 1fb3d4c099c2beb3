/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * libFuzzer: the UAPI "set=1" parser, and applying what it accepts to the
 * in-memory backend (all or nothing, undo log), then the "get=1" output.
 *
 *   build-fuzz/test/fuzz/fuzz_uapi_set -max_total_time=60 \
 *       test/fuzz/corpus/uapi_set
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wgc_control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wgc_mem_backend *mb;
	struct wgc_conf_error err;
	struct wgc_changeset cs;
	char *out;
	size_t len;

	if (mb == NULL)
		mb = wgc_mem_backend_create(NULL);
	if (wgc_uapi_parse_set((const char *)data, size, &cs, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	/* keep the table small across inputs */
	if (wgc_mem_backend_ops.peer_count(mb) > 1000)
		cs.replace_peers = true;
	wgc_mem_backend_ops.apply(mb, &cs, &err);
	wgc_changeset_free(&cs);
	if (wgc_uapi_format_get(&wgc_mem_backend_ops, mb, &out, &len) == 0)
		free(out);
	return 0;
}
