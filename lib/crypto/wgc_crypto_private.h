/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_CRYPTO_PRIVATE_H_
#define _WGC_CRYPTO_PRIVATE_H_

#include <string.h>

#include <rte_log.h>

#include "wgc_crypto.h"

extern int wgc_logtype_crypto;
#define CRYPTO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_crypto, "wgc.crypto: " fmt "\n", \
		##__VA_ARGS__)

/*
 * Replace the random source with a deterministic one (fuzzers, seed
 * generators); NULL restores libsodium. Never in production.
 */
void wgc_crypto_test_set_rng(void (*fn)(void *buf, size_t len));

/* wgc_blake2s.c */
int wgc_blake2s_init(void);

/* Transport engine implementation. */
struct wgc_aead_engine_ops {
	uint16_t (*seal)(struct wgc_aead_engine *e, struct wgc_aead_op *ops,
			uint16_t n);
	uint16_t (*open)(struct wgc_aead_engine *e, struct wgc_aead_op *ops,
			uint16_t n);
	void (*free)(struct wgc_aead_engine *e);
};

struct wgc_aead_engine {
	const struct wgc_aead_engine_ops *ops;
	enum wgc_aead_engine_type type;
	char name[32];
	void *priv;
};

/* wgc_aead_mb.c: 0 or -errno. */
int wgc_aead_mb_init(struct wgc_aead_engine *e, int socket_id);

/* 16-byte constant-time compare for tags. */
static inline int
wgc_tag_neq(const uint8_t *a, const uint8_t *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) != 0;
}

#endif /* _WGC_CRYPTO_PRIVATE_H_ */
