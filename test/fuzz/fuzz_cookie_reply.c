/* SPDX-License-Identifier: BSD-3-Clause */

/* Fuzz consume cookie reply: I has sent a (deterministic) initiation. */

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

	fz_reset(3);
	if (wgc_handshake_create_initiation(&fz_i.peer, init, FZ_NOW,
			FZ_WALL) != 0)
		abort();
	if (wgc_cookie_consume_reply(fz_i.id, fz_i.t, data, size, FZ_NOW,
			&got) == 0) {
		/* The next initiation must carry MAC2. */
		if (wgc_handshake_create_initiation(&fz_i.peer, init,
				FZ_NOW + 1, FZ_WALL + WGC_NSEC_PER_SEC) != 0 ||
				!fz_i.peer.cookie.valid)
			abort();
	} else if (fz_expect_valid) {
		abort();
	}
	return 0;
}
