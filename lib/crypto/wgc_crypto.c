/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * X25519, handshake AEADs, randomness, wiping and constant-time compares,
 * all from libsodium.
 */

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_spinlock.h>

#include "wgc_crypto_private.h"

RTE_LOG_REGISTER(wgc_logtype_crypto, wgc.crypto, INFO);

/* Deterministic randomness for fuzzers and seed generators only. */
static void (*test_rng)(void *buf, size_t len);

void
wgc_crypto_test_set_rng(void (*fn)(void *buf, size_t len))
{
	test_rng = fn;
}

static rte_spinlock_t init_lock = RTE_SPINLOCK_INITIALIZER;
static volatile int init_done;

int
wgc_crypto_init(void)
{
	int ret = 0;

	if (init_done)
		return 0;
	rte_spinlock_lock(&init_lock);
	if (!init_done) {
		if (sodium_init() < 0) {
			CRYPTO_LOG(ERR, "sodium_init failed");
			ret = -1;
		} else if (wgc_blake2s_init() < 0) {
			ret = -1;
		} else {
			init_done = 1;
		}
	}
	rte_spinlock_unlock(&init_lock);
	return ret;
}

void
wgc_x25519_clamp(uint8_t priv[WGC_KEY_LEN])
{
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
}

void
wgc_x25519_generate(uint8_t priv[WGC_KEY_LEN])
{
	wgc_random(priv, WGC_KEY_LEN);
	wgc_x25519_clamp(priv);
}

int
wgc_x25519_public(uint8_t pub[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN])
{
	return crypto_scalarmult_curve25519_base(pub, priv) == 0 ? 0 : -1;
}

int
wgc_x25519(uint8_t out[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN],
		const uint8_t pub[WGC_KEY_LEN])
{
	/* libsodium rejects an all-zero result with -1. */
	if (crypto_scalarmult_curve25519(out, priv, pub) != 0) {
		sodium_memzero(out, WGC_KEY_LEN);
		return -1;
	}
	return 0;
}

static void
nonce96(uint8_t n[12], uint64_t counter)
{
	memset(n, 0, 4);
	n[4] = (uint8_t)counter;
	n[5] = (uint8_t)(counter >> 8);
	n[6] = (uint8_t)(counter >> 16);
	n[7] = (uint8_t)(counter >> 24);
	n[8] = (uint8_t)(counter >> 32);
	n[9] = (uint8_t)(counter >> 40);
	n[10] = (uint8_t)(counter >> 48);
	n[11] = (uint8_t)(counter >> 56);
}

void
wgc_aead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		const uint8_t *ad, size_t adlen, uint64_t nonce,
		const uint8_t key[WGC_KEY_LEN])
{
	uint8_t n[12];

	nonce96(n, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, src, len,
		ad, adlen, NULL, n, key);
}

int
wgc_aead_open(uint8_t *dst, const uint8_t *src, size_t len,
		const uint8_t *ad, size_t adlen, uint64_t nonce,
		const uint8_t key[WGC_KEY_LEN])
{
	uint8_t n[12];

	if (len < WGC_AEAD_TAG_LEN)
		return -1;
	nonce96(n, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(dst, NULL, NULL, src,
			len, ad, adlen, n, key) != 0) {
		sodium_memzero(dst, len - WGC_AEAD_TAG_LEN);
		return -1;
	}
	return 0;
}

void
wgc_xaead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		const uint8_t *ad, size_t adlen,
		const uint8_t nonce[WGC_XNONCE_LEN],
		const uint8_t key[WGC_KEY_LEN])
{
	crypto_aead_xchacha20poly1305_ietf_encrypt(dst, NULL, src, len,
		ad, adlen, NULL, nonce, key);
}

int
wgc_xaead_open(uint8_t *dst, const uint8_t *src, size_t len,
		const uint8_t *ad, size_t adlen,
		const uint8_t nonce[WGC_XNONCE_LEN],
		const uint8_t key[WGC_KEY_LEN])
{
	if (len < WGC_AEAD_TAG_LEN)
		return -1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(dst, NULL, NULL, src,
			len, ad, adlen, nonce, key) != 0) {
		sodium_memzero(dst, len - WGC_AEAD_TAG_LEN);
		return -1;
	}
	return 0;
}

void
wgc_random(void *buf, size_t len)
{
	if (unlikely(test_rng != NULL)) {
		test_rng(buf, len);
		return;
	}
	randombytes_buf(buf, len);
}

uint32_t
wgc_random_u32(void)
{
	uint32_t v;

	if (unlikely(test_rng != NULL)) {
		test_rng(&v, sizeof(v));
		return v;
	}
	return randombytes_random();
}

uint32_t
wgc_random_uniform(uint32_t bound)
{
	if (unlikely(test_rng != NULL))
		return wgc_random_u32() % bound;
	return randombytes_uniform(bound);
}

void
wgc_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

bool
wgc_ct_eq(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

bool
wgc_ct_is_zero(const void *p, size_t len)
{
	return sodium_is_zero(p, len) == 1;
}
