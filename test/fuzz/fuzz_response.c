/* SPDX-License-Identifier: BSD-3-Clause */

/* Fuzz the initiator: for each input, I sends a (deterministic)
 * initiation, then consumes the input as the response. */

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
	uint8_t init[WGC_MSG_INITIATION_LEN];
	struct wgc_peer_proto *got = NULL;

	fz_reset(2);
	if (wgc_handshake_create_initiation(&fz_i.peer, init, FZ_NOW,
			FZ_WALL) != 0)
		abort();
	wgc_cookie_validate(fz_i.id, NULL, data, size, &fz_r.addr, true,
		FZ_NOW);
	if (wgc_handshake_consume_response(fz_i.id, fz_i.t, data, size,
			FZ_NOW, &got) == 0) {
		if (got != &fz_i.peer || fz_i.peer.keypairs.current == NULL)
			abort();
	} else if (fz_expect_valid) {
		abort();
	}
	return 0;
}
