/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Text forms: keys (base64, base64url, hex), addresses, CIDRs, endpoints.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "wgc_conf.h"

int
wgc_conf_error_set(struct wgc_conf_error *err, enum wgc_conf_err_kind kind,
		const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---------------------------------------------------------------- keys */

static int
key_decode(uint8_t key[WGC_KEY_LEN], const char *s, size_t slen, int variant)
{
	uint8_t tmp[WGC_KEY_LEN + 3];
	size_t n = 0;
	const char *end = NULL;

	if (sodium_init() < 0)
		return -1;
	if (sodium_base642bin(tmp, sizeof(tmp), s, slen, NULL, &n, &end,
			variant) != 0 || end != s + slen || n != WGC_KEY_LEN) {
		sodium_memzero(tmp, sizeof(tmp));
		return -1;
	}
	memcpy(key, tmp, WGC_KEY_LEN);
	sodium_memzero(tmp, sizeof(tmp));
	return 0;
}

int
wgc_key_from_base64(uint8_t key[WGC_KEY_LEN], const char *s)
{
	size_t len;

	if (s == NULL)
		return -1;
	len = strlen(s);
	if (len != WGC_KEY_B64_LEN || s[43] != '=')
		return -1;
	return key_decode(key, s, len, sodium_base64_VARIANT_ORIGINAL);
}

/* length of a key without its optional '=' padding, or 0 if not a key */
static size_t
unpadded_len(const char *s)
{
	size_t len;

	if (s == NULL)
		return 0;
	len = strlen(s);
	if (len == WGC_KEY_B64_LEN && s[43] == '=')
		len--;
	return len == WGC_KEY_B64URL_LEN ? len : 0;
}

int
wgc_key_from_base64url(uint8_t key[WGC_KEY_LEN], const char *s)
{
	size_t len = unpadded_len(s);

	if (len == 0)
		return -1;
	return key_decode(key, s, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
wgc_key_from_any(uint8_t key[WGC_KEY_LEN], const char *s)
{
	size_t len = unpadded_len(s);

	if (len == 0)
		return -1;
	if (strpbrk(s, "-_") != NULL)
		return key_decode(key, s, len,
			sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return key_decode(key, s, len, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
wgc_key_from_hex(uint8_t key[WGC_KEY_LEN], const char *s)
{
	uint8_t tmp[WGC_KEY_LEN];
	unsigned int i;

	if (s == NULL || strlen(s) != WGC_KEY_HEX_LEN)
		return -1;
	for (i = 0; i < WGC_KEY_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			sodium_memzero(tmp, sizeof(tmp));
			return -1;
		}
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, tmp, WGC_KEY_LEN);
	sodium_memzero(tmp, sizeof(tmp));
	return 0;
}

void
wgc_key_to_base64(const uint8_t key[WGC_KEY_LEN], char out[WGC_KEY_B64_LEN + 1])
{
	sodium_bin2base64(out, WGC_KEY_B64_LEN + 1, key, WGC_KEY_LEN,
		sodium_base64_VARIANT_ORIGINAL);
}

void
wgc_key_to_base64url(const uint8_t key[WGC_KEY_LEN],
		char out[WGC_KEY_B64URL_LEN + 1])
{
	sodium_bin2base64(out, WGC_KEY_B64URL_LEN + 1, key, WGC_KEY_LEN,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
wgc_key_to_hex(const uint8_t key[WGC_KEY_LEN], char out[WGC_KEY_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < WGC_KEY_LEN; i++) {
		out[2 * i] = digits[key[i] >> 4];
		out[2 * i + 1] = digits[key[i] & 0xf];
	}
	out[WGC_KEY_HEX_LEN] = '\0';
}

bool
wgc_key_is_zero(const uint8_t key[WGC_KEY_LEN])
{
	return sodium_is_zero(key, WGC_KEY_LEN) == 1;
}

int
wgc_key_public(uint8_t pub[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN])
{
	uint8_t k[WGC_KEY_LEN];
	int rc;

	if (sodium_init() < 0)
		return -1;
	memcpy(k, priv, WGC_KEY_LEN);
	/* clamp as WireGuard does (libsodium clamps too; be explicit) */
	k[0] &= 248;
	k[31] = (k[31] & 127) | 64;
	rc = crypto_scalarmult_curve25519_base(pub, k);
	sodium_memzero(k, sizeof(k));
	return rc == 0 ? 0 : -1;
}

void
wgc_key_generate(uint8_t priv[WGC_KEY_LEN])
{
	if (sodium_init() < 0)
		abort();
	randombytes_buf(priv, WGC_KEY_LEN);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
}

