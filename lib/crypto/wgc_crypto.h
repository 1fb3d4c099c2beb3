/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_CRYPTO_H_
#define _WGC_CRYPTO_H_

/**
 * @file
 * Cryptographic primitives of WireGuard, and the transport AEAD engines.
 *
 * Primitives (handshake and cookies, control thread):
 * - X25519, ChaCha20-Poly1305, XChaCha20-Poly1305 and randomness from
 *   libsodium;
 * - BLAKE2s-256, keyed BLAKE2s (MAC1/MAC2), HMAC-BLAKE2s and the WireGuard
 *   HKDF on OpenSSL libcrypto (EVP "BLAKE2S-256" and EVP_MAC "BLAKE2SMAC").
 *
 * Transport AEAD engines (data path): ChaCha20-Poly1305 with a 64-bit
 * counter nonce (4 zero bytes + little-endian counter), empty AAD, 16-byte
 * tag, in place, on bursts. Two engines share one interface:
 * - intel-ipsec-mb, manager chosen by init_mb_mgr_auto() (AVX-512 here);
 * - libsodium, as fallback and cross-check.
 * An engine is not thread-safe: create one per lcore.
 *
 * wgc_crypto_init() must be called once before anything else (it is
 * idempotent and thread-safe).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WGC_KEY_LEN 32        /**< X25519 and symmetric key length */
#define WGC_HASH_LEN 32       /**< BLAKE2s-256 output */
#define WGC_MAC_LEN 16        /**< keyed BLAKE2s output for MAC1/MAC2 */
#define WGC_AEAD_TAG_LEN 16   /**< Poly1305 tag */
#define WGC_XNONCE_LEN 24     /**< XChaCha20-Poly1305 nonce */
#define WGC_BLAKE2S_BLOCK 64  /**< BLAKE2s block size (HMAC block) */

/**
 * Initialise the crypto library (libsodium, OpenSSL algorithm fetches).
 *
 * @return
 *   0, or -1 if a primitive is unavailable.
 */
int wgc_crypto_init(void);

/* ---- Hashes, MACs, KDF ---- */

/** out = BLAKE2s-256(in). */
void wgc_blake2s(uint8_t out[WGC_HASH_LEN], const void *in, size_t len);

/** out = BLAKE2s-256(a || b). */
void wgc_blake2s_2(uint8_t out[WGC_HASH_LEN], const void *a, size_t alen,
		const void *b, size_t blen);

/**
 * Keyed BLAKE2s (RFC 7693 keyed mode).
 *
 * @param out
 *   outlen bytes.
 * @param outlen
 *   1..32 (WireGuard MAC1/MAC2: 16).
 * @param key
 *   Key, keylen bytes, 1..32.
 */
void wgc_blake2s_mac(uint8_t *out, size_t outlen, const uint8_t *key,
		size_t keylen, const void *in, size_t len);

/** out = HMAC-BLAKE2s(key, in) (RFC 2104 with BLAKE2s-256). */
void wgc_hmac_blake2s(uint8_t out[WGC_HASH_LEN], const uint8_t *key,
		size_t keylen, const void *in, size_t len);

/**
 * WireGuard HKDF: t0 = HMAC(ck, in); t1 = HMAC(t0, 0x1);
 * t2 = HMAC(t0, t1 || 0x2); t3 = HMAC(t0, t2 || 0x3).
 * Outputs may be NULL (not computed from the first NULL on).
 */
void wgc_hkdf(uint8_t *t1, uint8_t *t2, uint8_t *t3,
		const uint8_t ck[WGC_HASH_LEN], const void *in, size_t len);

/* ---- X25519 ---- */

/** Random private key, clamped. */
void wgc_x25519_generate(uint8_t priv[WGC_KEY_LEN]);

/** Clamp a private key in place (RFC 7748). */
void wgc_x25519_clamp(uint8_t priv[WGC_KEY_LEN]);

/**
 * pub = X25519(priv, 9).
 *
 * @return
 *   0, or -1 on failure.
 */
int wgc_x25519_public(uint8_t pub[WGC_KEY_LEN],
		const uint8_t priv[WGC_KEY_LEN]);

/**
 * out = X25519(priv, pub).
 *
 * @return
 *   0, or -1 if the result is all zero (low-order point).
 */
int wgc_x25519(uint8_t out[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN],
		const uint8_t pub[WGC_KEY_LEN]);

/* ---- Handshake AEADs (libsodium) ---- */

/** dst[len + 16] = ChaCha20-Poly1305(key, 0^32 || LE64(nonce), src, ad). */
void wgc_aead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		const uint8_t *ad, size_t adlen, uint64_t nonce,
		const uint8_t key[WGC_KEY_LEN]);

/**
 * Open src[len] (len includes the tag) into dst[len - 16].
 *
 * @return
 *   0, or -1 if the tag does not verify (dst is then wiped).
 */
int wgc_aead_open(uint8_t *dst, const uint8_t *src, size_t len,
		const uint8_t *ad, size_t adlen, uint64_t nonce,
		const uint8_t key[WGC_KEY_LEN]);

/** dst[len + 16] = XChaCha20-Poly1305(key, nonce, src, ad). */
void wgc_xaead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		const uint8_t *ad, size_t adlen,
		const uint8_t nonce[WGC_XNONCE_LEN],
		const uint8_t key[WGC_KEY_LEN]);

/** @return 0, or -1 if the tag does not verify. */
int wgc_xaead_open(uint8_t *dst, const uint8_t *src, size_t len,
		const uint8_t *ad, size_t adlen,
		const uint8_t nonce[WGC_XNONCE_LEN],
		const uint8_t key[WGC_KEY_LEN]);

/* ---- Randomness, wiping, constant-time compares ---- */

/** Fill buf with cryptographically secure random bytes. */
void wgc_random(void *buf, size_t len);

/** @return a uniformly random 32-bit value. */
uint32_t wgc_random_u32(void);

/** @return a uniformly random value in [0, bound) (bound > 0). */
uint32_t wgc_random_uniform(uint32_t bound);

/** Wipe a secret (not optimised away). */
void wgc_wipe(void *p, size_t len);

/** @return true if a and b are equal; constant time in len. */
bool wgc_ct_eq(const void *a, const void *b, size_t len);

/** @return true if p is all zero; constant time in len. */
bool wgc_ct_is_zero(const void *p, size_t len);

/* ---- Transport AEAD engines ---- */

/** Engine implementations. */
enum wgc_aead_engine_type {
	WGC_AEAD_ENGINE_AUTO = 0,  /**< ipsec-mb if usable, else libsodium */
	WGC_AEAD_ENGINE_IPSEC_MB,  /**< intel-ipsec-mb, init_mb_mgr_auto() */
	WGC_AEAD_ENGINE_SODIUM,    /**< libsodium */
};

/** Per-operation status. */
enum wgc_aead_status {
	WGC_AEAD_OK = 0,       /**< sealed / opened and authenticated */
	WGC_AEAD_BAD_TAG,      /**< open: tag mismatch (data is garbage) */
	WGC_AEAD_ERROR,        /**< engine refused the job */
};

/**
 * One transport AEAD operation, in place: data[0..len) is the plaintext
 * (seal) or ciphertext (open); tag points at the 16-byte tag (written by
 * seal, read by open), normally data + len. WireGuard transport uses no
 * AAD; aad/aad_len exist for test vectors and must be zeroed otherwise.
 */
struct wgc_aead_op {
	uint8_t *data;        /**< in/out, in place */
	uint8_t *tag;         /**< 16 bytes */
	const uint8_t *key;   /**< 32-byte key */
	uint64_t counter;     /**< nonce: 4 zero bytes + LE64(counter) */
	uint32_t len;         /**< bytes to seal / open, tag excluded */
	uint16_t status;      /**< out: enum wgc_aead_status */
	uint16_t aad_len;     /**< 0 for WireGuard transport */
	const uint8_t *aad;   /**< additional data (NULL if aad_len is 0) */
};

struct wgc_aead_engine;

/**
 * Create a transport AEAD engine for the calling lcore.
 *
 * @param type
 *   Which implementation.
 * @param socket_id
 *   NUMA socket for its memory, or SOCKET_ID_ANY.
 * @return
 *   The engine, or NULL with rte_errno set (ENOTSUP if the implementation
 *   is unavailable, ENOMEM).
 */
struct wgc_aead_engine *wgc_aead_engine_create(enum wgc_aead_engine_type type,
		int socket_id);

/** Free an engine (NULL is allowed). */
void wgc_aead_engine_free(struct wgc_aead_engine *e);

/** @return the implementation actually used by e. */
enum wgc_aead_engine_type wgc_aead_engine_type(const struct wgc_aead_engine *e);

/** @return a human-readable name, e.g. "ipsec-mb/avx512" or "libsodium". */
const char *wgc_aead_engine_name(const struct wgc_aead_engine *e);

/**
 * Seal a burst in place. Sets ops[i].status.
 *
 * @return
 *   Number of operations with status WGC_AEAD_OK.
 */
uint16_t wgc_aead_seal_burst(struct wgc_aead_engine *e,
		struct wgc_aead_op *ops, uint16_t n);

/**
 * Open a burst in place. Each operation is authenticated on its own:
 * ops[i].status is WGC_AEAD_OK or WGC_AEAD_BAD_TAG.
 *
 * @return
 *   Number of operations with status WGC_AEAD_OK.
 */
uint16_t wgc_aead_open_burst(struct wgc_aead_engine *e,
		struct wgc_aead_op *ops, uint16_t n);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_CRYPTO_H_ */
