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

/* ----------------------------------------------------------- addresses */

int
wgc_addr_parse(struct wgc_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (s == NULL || s[0] == '\0' || strlen(s) >= WGC_ADDR_STR_LEN)
		return -1;
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, &a->v6) != 1)
			return -1;
		a->family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, s, &a->v4) != 1)
		return -1;
	a->family = AF_INET;
	return 0;
}

char *
wgc_addr_format(const struct wgc_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (a->family == AF_INET || a->family == AF_INET6) {
		if (inet_ntop(a->family, a->bytes, buf, len) != NULL)
			return buf;
	}
	snprintf(buf, len, "(none)");
	return buf;
}

static unsigned int
addr_bits(const struct wgc_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

void
wgc_cidr_normalise(struct wgc_cidr *c)
{
	unsigned int bytes = addr_bits(&c->addr) / 8, i;

	for (i = 0; i < bytes; i++) {
		unsigned int lo = i * 8;

		if (c->len >= lo + 8)
			continue;
		if (c->len <= lo)
			c->addr.bytes[i] = 0;
		else
			c->addr.bytes[i] &= (uint8_t)(0xff << (8 - (c->len - lo)));
	}
}

static bool
cidr_has_host_bits(const struct wgc_cidr *c)
{
	struct wgc_cidr n = *c;

	wgc_cidr_normalise(&n);
	return memcmp(n.addr.bytes, c->addr.bytes, addr_bits(&c->addr) / 8) != 0;
}

int
wgc_cidr_parse(struct wgc_cidr *c, const char *s, enum wgc_cidr_mode mode,
		const char **why)
{
	char buf[WGC_ADDR_STR_LEN];
	const char *slash, *p;
	unsigned long len = 0;
	size_t alen;

	memset(c, 0, sizeof(*c));
	if (why != NULL)
		*why = NULL;
#define FAIL(reason) do { if (why != NULL) *why = (reason); return -1; } while (0)
	if (s == NULL || s[0] == '\0')
		FAIL("empty");
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		FAIL("bad address");
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (wgc_addr_parse(&c->addr, buf) != 0)
		FAIL("bad address");
	if (slash == NULL) {
		if (mode == WGC_CIDR_IFADDR)
			FAIL("missing /prefix-length");
		c->len = (uint8_t)addr_bits(&c->addr);
		return 0;
	}
	p = slash + 1;
	if (*p == '\0' || strlen(p) > 3)
		FAIL("bad prefix length");
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			FAIL("bad prefix length");
		len = len * 10 + (unsigned long)(*p - '0');
	}
	if (slash[1] == '0' && slash[2] != '\0')
		FAIL("bad prefix length (leading zero)");
	if (len > addr_bits(&c->addr))
		FAIL("prefix length out of range");
	c->len = (uint8_t)len;
	if (mode == WGC_CIDR_STRICT && cidr_has_host_bits(c))
		FAIL("host bits set");
	if (mode == WGC_CIDR_ROUTE)
		wgc_cidr_normalise(c);
#undef FAIL
	return 0;
}

char *
wgc_cidr_format(const struct wgc_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", wgc_addr_format(&c->addr, a, sizeof(a)),
		c->len);
	return buf;
}

bool
wgc_cidr_equal(const struct wgc_cidr *a, const struct wgc_cidr *b)
{
	struct wgc_cidr x = *a, y = *b;

	if (a->addr.family != b->addr.family || a->len != b->len)
		return false;
	wgc_cidr_normalise(&x);
	wgc_cidr_normalise(&y);
	return memcmp(x.addr.bytes, y.addr.bytes, addr_bits(&x.addr) / 8) == 0;
}

int
wgc_endpoint_parse(struct wgc_endpoint *e, const char *s, const char **why)
{
	char buf[WGC_ADDR_STR_LEN];
	const char *colon, *p;
	unsigned long port = 0;
	size_t alen;

	memset(e, 0, sizeof(*e));
	if (why != NULL)
		*why = NULL;
#define FAIL(reason) do { if (why != NULL) *why = (reason); return -1; } while (0)
	if (s == NULL || s[0] == '\0')
		FAIL("empty");
	if (strlen(s) >= sizeof(buf))
		FAIL("too long");
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			FAIL("expected [ipv6]:port");
		alen = (size_t)(close - s - 1);
		memcpy(buf, s + 1, alen);
		buf[alen] = '\0';
		if (strchr(buf, ':') == NULL ||
				wgc_addr_parse(&e->addr, buf) != 0)
			FAIL("bad IPv6 address");
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			FAIL("missing :port");
		alen = (size_t)(colon - s);
		memcpy(buf, s, alen);
		buf[alen] = '\0';
		if (strchr(buf, ':') != NULL)
			FAIL("IPv6 endpoints need brackets: [addr]:port");
		if (wgc_addr_parse(&e->addr, buf) != 0)
			FAIL("bad IPv4 address (host names are not resolved)");
	}
	p = colon + 1;
	if (*p == '\0' || strlen(p) > 5)
		FAIL("bad port");
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			FAIL("bad port");
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port == 0 || port > 65535)
		FAIL("port out of range 1..65535");
	e->port = (uint16_t)port;
#undef FAIL
	return 0;
}

char *
wgc_endpoint_format(const struct wgc_endpoint *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	wgc_addr_format(&e->addr, a, sizeof(a));
	if (e->addr.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, e->port);
	else if (e->addr.family == AF_INET)
		snprintf(buf, len, "%s:%u", a, e->port);
	else
		snprintf(buf, len, "(none)");
	return buf;
}
