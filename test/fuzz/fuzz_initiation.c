/* SPDX-License-Identifier: BSD-3-Clause */

/* Fuzz the responder: MAC checks (both load modes) and consume initiation,
 * then create a response if it was accepted. */

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fz_setup() < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_peer_proto *got = NULL;
	uint8_t resp[WGC_MSG_RESPONSE_LEN];

	fz_reset(1);
	wgc_cookie_validate(fz_r.id, NULL, data, size, &fz_i.addr, false,
		FZ_NOW);
	wgc_cookie_validate(fz_r.id, NULL, data, size, &fz_i.addr, true,
		FZ_NOW);
	if (wgc_handshake_consume_initiation(fz_r.id, data, size, fz_lookup,
			&fz_r, FZ_NOW, &got) == 0) {
		if (got != &fz_r.peer)
			abort();
		if (wgc_handshake_create_response(got, resp, FZ_NOW) != 0)
			abort();
	} else if (fz_expect_valid) {
		abort();
	}
	return 0;
}
