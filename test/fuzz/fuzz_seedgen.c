/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Write the seed corpus of the protocol fuzzers:
 *   fuzz_seedgen test/fuzz/corpus
 * Each seed is a valid message for the deterministic state its fuzzer
 * rebuilds for every input (see fuzz_common.h).
 */

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static int
put(const char *dir, const char *target, const char *name, const void *p,
		size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	if (fwrite(p, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int
main(int argc, char **argv)
{
	uint8_t init[148], resp[92], cookie[64], pkt[256];
	struct wgc_peer_proto *got;
	struct wgc_keypair *kp;
	struct wgc_view v;
	const char *dir;
	uint8_t st;
	unsigned int i;
	static const uint32_t lens[] = { 0, 1, 20, 100 };

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	mkdir(dir, 0755);
	if (fz_setup() < 0)
		return 1;

	/* fuzz_initiation: the initiation I sends after fz_reset(1). */
	fz_reset(1);
	if (wgc_handshake_create_initiation(&fz_i.peer, init, FZ_NOW,
			FZ_WALL) || put(dir, "initiation", "seed-valid", init,
			sizeof(init)))
		return 1;

	/* fuzz_response: R's response to I's initiation after fz_reset(2). */
	fz_reset(2);
	if (wgc_handshake_create_initiation(&fz_i.peer, init, FZ_NOW, FZ_WALL) ||
			wgc_handshake_consume_initiation(fz_r.id, init, 148,
				fz_lookup, &fz_r, FZ_NOW, &got) ||
			wgc_handshake_create_response(&fz_r.peer, resp, FZ_NOW) ||
			put(dir, "response", "seed-valid", resp, sizeof(resp)))
		return 1;

	/* fuzz_cookie_reply: R's cookie reply to I's initiation. */
	fz_reset(3);
	if (wgc_handshake_create_initiation(&fz_i.peer, init, FZ_NOW, FZ_WALL) ||
			wgc_cookie_create_reply(fz_r.id, cookie, init, 148,
				&fz_i.addr, FZ_NOW) ||
			put(dir, "cookie_reply", "seed-valid", cookie,
				sizeof(cookie)))
		return 1;

	/* fuzz_transport: packets I -> R after the session of fz_reset(4). */
	fz_reset(4);
	if (wgc_handshake_create_initiation(&fz_i.peer, init, FZ_NOW, FZ_WALL) ||
			wgc_handshake_consume_initiation(fz_r.id, init, 148,
				fz_lookup, &fz_r, FZ_NOW, &got) ||
			wgc_handshake_create_response(&fz_r.peer, resp, FZ_NOW) ||
			wgc_handshake_consume_response(fz_i.id, fz_i.t, resp,
				92, FZ_NOW, &got))
		return 1;
	kp = fz_i.peer.keypairs.current;
	for (i = 0; i < 4; i++) {
		char name[32];

		memset(pkt, 0, sizeof(pkt));
		memset(&v, 0, sizeof(v));
		v.data = pkt + 32;
		v.len = lens[i];
		v.headroom = 32;
		v.tailroom = (uint16_t)(sizeof(pkt) - 32 - lens[i]);
		if (lens[i] >= 20) {
			v.data[0] = 0x45;
			v.data[3] = (uint8_t)lens[i];
		}
		if (wgc_transport_encap_burst(fz_eng, &v, &kp, 1, 1420, FZ_NOW,
				&st) != 1)
			return 1;
		snprintf(name, sizeof(name), "seed-len%u", lens[i]);
		if (put(dir, "transport", name, v.data, v.len))
			return 1;
	}
	printf("seeds written to %s\n", dir);
	return 0;
}
