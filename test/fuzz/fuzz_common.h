/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _FUZZ_COMMON_H_
#define _FUZZ_COMMON_H_

/*
 * Shared set-up of the protocol fuzzers and of the seed generator: EAL
 * without hugepages, a deterministic random source, and two instances
 * (I = initiator, R = responder) with fixed keys, so that the seed corpus
 * written by fuzz_seedgen matches the state each fuzzer rebuilds for every
 * input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "wgc_crypto_private.h"
#include "wgc_proto.h"

#define FZ_NOW (1000 * WGC_NSEC_PER_SEC)
#define FZ_WALL (1700000000ULL * WGC_NSEC_PER_SEC)

struct fz_side {
	struct wgc_identity *id;
	struct wgc_index_table *t;
	struct wgc_peer_proto peer;
	struct wgc_endpoint addr;
};

static struct fz_side fz_i, fz_r;
/* WGC_FUZZ_EXPECT_VALID=1: abort if an input is rejected (checks seeds). */
static int fz_expect_valid;
static struct wgc_aead_engine *fz_eng;
static uint64_t fz_rng_state;

static void
fz_rng(void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		fz_rng_state = fz_rng_state * 6364136223846793005ULL +
			1442695040888963407ULL;
		p[i] = (uint8_t)(fz_rng_state >> 56);
	}
}

static void
fz_rng_reset(uint64_t seed)
{
	fz_rng_state = seed;
}

static __rte_unused struct wgc_peer_proto *
fz_lookup(void *ctx, const uint8_t remote_static[WGC_KEY_LEN])
{
	struct fz_side *s = ctx;

	return memcmp(s->peer.remote_static, remote_static, 32) == 0 ?
		&s->peer : NULL;
}

static int
fz_eal(void)
{
	char *argv[] = { (char *)"fuzz", (char *)"--no-huge",
		(char *)"-m", (char *)"256", (char *)"--no-pci",
		(char *)"--no-shconf", (char *)"--log-level=*:error",
		(char *)"-l", (char *)"0", NULL };

	if (rte_eal_init(9, argv) < 0)
		return -1;
	wgc_crypto_init();
	wgc_crypto_test_set_rng(fz_rng);
	fz_expect_valid = getenv("WGC_FUZZ_EXPECT_VALID") != NULL;
	return 0;
}

static int
fz_side_init(struct fz_side *s, const char *name, uint8_t k, uint8_t ip)
{
	uint8_t priv[32];
	char n[32];

	memset(priv, k, 32);
	snprintf(n, sizeof(n), "fz_%s", name);
	s->id = wgc_identity_create(n, priv, SOCKET_ID_ANY);
	snprintf(n, sizeof(n), "fzix_%s", name);
	s->t = wgc_index_table_create(n, 64, SOCKET_ID_ANY, NULL);
	memset(&s->addr, 0, sizeof(s->addr));
	s->addr.addr.family = AF_INET;
	s->addr.addr.bytes[0] = 10;
	s->addr.addr.bytes[3] = ip;
	s->addr.port = 51820;
	return s->id == NULL || s->t == NULL ? -1 : 0;
}

/* Identities and peers; psk fixed. */
static int
fz_setup(void)
{
	uint8_t pi[32], pr[32], psk[32];

	if (fz_eal() < 0 || fz_side_init(&fz_i, "i", 0x11, 1) < 0 ||
			fz_side_init(&fz_r, "r", 0x22, 2) < 0)
		return -1;
	wgc_identity_public_key(fz_i.id, pi);
	wgc_identity_public_key(fz_r.id, pr);
	memset(psk, 0x33, 32);
	if (wgc_peer_proto_init(&fz_i.peer, fz_i.id, fz_i.t, pr, psk, NULL) ||
			wgc_peer_proto_init(&fz_r.peer, fz_r.id, fz_r.t, pi, psk,
				NULL))
		return -1;
	fz_eng = wgc_aead_engine_create(WGC_AEAD_ENGINE_AUTO, SOCKET_ID_ANY);
	return fz_eng == NULL ? -1 : 0;
}

/* Reset both peers to "never talked". */
static void
fz_reset(uint64_t seed)
{
	wgc_peer_proto_clear(&fz_i.peer);
	wgc_peer_proto_clear(&fz_r.peer);
	memset(fz_r.peer.latest_timestamp, 0, WGC_TIMESTAMP_LEN);
	memset(fz_i.peer.latest_timestamp, 0, WGC_TIMESTAMP_LEN);
	fz_r.peer.last_initiation_consumed = 0;
	fz_i.peer.last_initiation_consumed = 0;
	fz_i.peer.cookie.valid = false;
	fz_i.peer.cookie.have_sent_mac1 = false;
	fz_r.peer.cookie.valid = false;
	fz_r.peer.cookie.have_sent_mac1 = false;
	fz_rng_reset(seed);
}

#endif /* _FUZZ_COMMON_H_ */
