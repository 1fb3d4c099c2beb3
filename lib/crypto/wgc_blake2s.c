/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * BLAKE2s-256, keyed BLAKE2s, HMAC-BLAKE2s and the WireGuard HKDF on
 * OpenSSL libcrypto.
 *
 * The algorithms are fetched once; every thread keeps one EVP_MD_CTX and
 * one EVP_MAC_CTX and reinitialises them per call, so no call allocates.
 * HMAC is built from the digest (RFC 2104) so that the inner and outer
 * keyed states can be reused without OpenSSL's parameter parsing on every
 * call.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <pthread.h>

#include <rte_common.h>
#include <rte_debug.h>

#include "wgc_crypto_private.h"

static EVP_MD *md_blake2s;
static EVP_MAC *mac_blake2s;

struct tls_ctx {
	EVP_MD_CTX *md;
	EVP_MAC_CTX *mac;
};

static __thread struct tls_ctx tls;
static pthread_key_t tls_key;
static pthread_once_t tls_key_once = PTHREAD_ONCE_INIT;

/* thread exit: free that thread's contexts (control threads come and go) */
static void
tls_free(void *arg)
{
	struct tls_ctx *t = arg;

	EVP_MD_CTX_free(t->md);
	EVP_MAC_CTX_free(t->mac);
	t->md = NULL;
	t->mac = NULL;
}

static void
tls_key_create(void)
{
	if (pthread_key_create(&tls_key, tls_free) != 0)
		rte_panic("wgc.crypto: no pthread key for hash contexts\n");
}

/* the first context of a thread registers the thread's exit hook */
static void
tls_register(void)
{
	pthread_once(&tls_key_once, tls_key_create);
	pthread_setspecific(tls_key, &tls);
}

int
wgc_blake2s_init(void)
{
	md_blake2s = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	mac_blake2s = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	if (md_blake2s == NULL || mac_blake2s == NULL) {
		CRYPTO_LOG(ERR, "OpenSSL lacks BLAKE2S-256 or BLAKE2SMAC");
		return -1;
	}
	return 0;
}

static EVP_MD_CTX *
md_ctx(void)
{
	if (unlikely(tls.md == NULL)) {
		tls.md = EVP_MD_CTX_new();
		if (tls.md == NULL)
			rte_panic("wgc.crypto: out of memory for EVP_MD_CTX\n");
		tls_register();
	}
	return tls.md;
}

static EVP_MAC_CTX *
mac_ctx(void)
{
	if (unlikely(tls.mac == NULL)) {
		tls.mac = EVP_MAC_CTX_new(mac_blake2s);
		if (tls.mac == NULL)
			rte_panic("wgc.crypto: out of memory for EVP_MAC_CTX\n");
		tls_register();
	}
	return tls.mac;
}

/* Hash of up to three pieces. */
static void
blake2s_v(uint8_t out[WGC_HASH_LEN], const void *a, size_t alen,
		const void *b, size_t blen, const void *c, size_t clen)
{
	EVP_MD_CTX *ctx = md_ctx();
	unsigned int olen = WGC_HASH_LEN;
	int ok;

	ok = EVP_DigestInit_ex2(ctx, md_blake2s, NULL);
	if (alen)
		ok &= EVP_DigestUpdate(ctx, a, alen);
	if (blen)
		ok &= EVP_DigestUpdate(ctx, b, blen);
	if (clen)
		ok &= EVP_DigestUpdate(ctx, c, clen);
	ok &= EVP_DigestFinal_ex(ctx, out, &olen);
	if (unlikely(!ok))
		rte_panic("wgc.crypto: BLAKE2s failed\n");
}

void
wgc_blake2s(uint8_t out[WGC_HASH_LEN], const void *in, size_t len)
{
	blake2s_v(out, in, len, NULL, 0, NULL, 0);
}

void
wgc_blake2s_2(uint8_t out[WGC_HASH_LEN], const void *a, size_t alen,
		const void *b, size_t blen)
{
	blake2s_v(out, a, alen, b, blen, NULL, 0);
}

void
wgc_blake2s_mac(uint8_t *out, size_t outlen, const uint8_t *key,
		size_t keylen, const void *in, size_t len)
{
	EVP_MAC_CTX *ctx = mac_ctx();
	OSSL_PARAM params[2];
	size_t size = outlen;
	size_t olen = 0;
	int ok;

	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, key, keylen, params);
	ok &= EVP_MAC_update(ctx, in, len);
	ok &= EVP_MAC_final(ctx, out, &olen, outlen);
	if (unlikely(!ok || olen != outlen))
		rte_panic("wgc.crypto: keyed BLAKE2s failed\n");
}

void
wgc_hmac_blake2s(uint8_t out[WGC_HASH_LEN], const uint8_t *key,
		size_t keylen, const void *in, size_t len)
{
	uint8_t k[WGC_BLAKE2S_BLOCK];
	uint8_t inner[WGC_HASH_LEN];
	unsigned int i;

	memset(k, 0, sizeof(k));
	if (keylen > WGC_BLAKE2S_BLOCK)
		wgc_blake2s(k, key, keylen);
	else
		memcpy(k, key, keylen);
	for (i = 0; i < WGC_BLAKE2S_BLOCK; i++)
		k[i] ^= 0x36;
	blake2s_v(inner, k, sizeof(k), in, len, NULL, 0);
	for (i = 0; i < WGC_BLAKE2S_BLOCK; i++)
		k[i] ^= 0x36 ^ 0x5c;
	blake2s_v(out, k, sizeof(k), inner, sizeof(inner), NULL, 0);
	wgc_wipe(k, sizeof(k));
	wgc_wipe(inner, sizeof(inner));
}

void
wgc_hkdf(uint8_t *t1, uint8_t *t2, uint8_t *t3,
		const uint8_t ck[WGC_HASH_LEN], const void *in, size_t len)
{
	uint8_t prk[WGC_HASH_LEN];
	uint8_t out[WGC_HASH_LEN + 1];

	wgc_hmac_blake2s(prk, ck, WGC_HASH_LEN, in, len);
	if (t1 == NULL)
		goto done;
	out[0] = 1;
	wgc_hmac_blake2s(out, prk, WGC_HASH_LEN, out, 1);
	memcpy(t1, out, WGC_HASH_LEN);
	if (t2 == NULL)
		goto done;
	out[WGC_HASH_LEN] = 2;
	wgc_hmac_blake2s(out, prk, WGC_HASH_LEN, out, WGC_HASH_LEN + 1);
	memcpy(t2, out, WGC_HASH_LEN);
	if (t3 == NULL)
		goto done;
	out[WGC_HASH_LEN] = 3;
	wgc_hmac_blake2s(out, prk, WGC_HASH_LEN, out, WGC_HASH_LEN + 1);
	memcpy(t3, out, WGC_HASH_LEN);
done:
	wgc_wipe(prk, sizeof(prk));
	wgc_wipe(out, sizeof(out));
}
