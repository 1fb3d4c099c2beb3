/* SPDX-License-Identifier: BSD-3-Clause */

/* Fuzz transport decap: a session I -> R exists (deterministic); each
 * input is a UDP payload looked up by receiver index and decapsulated. */

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[4096];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t init[WGC_MSG_INITIATION_LEN], resp[WGC_MSG_RESPONSE_LEN];
	struct wgc_peer_proto *got;

	(void)argc;
	(void)argv;
	if (fz_setup() < 0)
		abort();
	fz_reset(4);
	if (wgc_handshake_create_initiation(&fz_i.peer, init, FZ_NOW,
			FZ_WALL) != 0 ||
			wgc_handshake_consume_initiation(fz_r.id, init,
				sizeof(init), fz_lookup, &fz_r, FZ_NOW,
				&got) != 0 ||
			wgc_handshake_create_response(&fz_r.peer, resp,
				FZ_NOW) != 0 ||
			wgc_handshake_consume_response(fz_i.id, fz_i.t, resp,
				sizeof(resp), FZ_NOW, &got) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_keypair *kp;
	struct wgc_view v;
	uint8_t st;
	bool conf;
	int32_t il;

	if (size > sizeof(buf) - 256 ||
			wgc_msg_classify(data, size) != WGC_MSG_TRANSPORT) {
		if (fz_expect_valid)
			abort();
		return 0;
	}
	kp = wgc_index_lookup_keypair(fz_r.t,
		wgc_msg_receiver_index(data, WGC_MSG_TRANSPORT));
	if (kp == NULL) {
		if (fz_expect_valid)
			abort();
		return 0;
	}
	wgc_replay_init(&kp->replay);
	memcpy(buf + 128, data, size);
	memset(&v, 0, sizeof(v));
	v.data = buf + 128;
	v.len = (uint32_t)size;
	v.headroom = 128;
	v.tailroom = (uint16_t)(sizeof(buf) - 128 - size);
	if (wgc_transport_decap_burst(fz_eng, &v, &kp, 1, FZ_NOW, &st, NULL,
			&conf) == 1) {
		il = wgc_transport_inner_len(v.data, v.len);
		if (il > (int32_t)v.len)
			abort();
	} else if (fz_expect_valid) {
		abort();
	}
	return 0;
}
