/* SPDX-License-Identifier: BSD-3-Clause */

/* Text forms and sockaddr conversions of the address types. */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "wgc_addr.h"

socklen_t
wgc_endpoint_to_sockaddr(const struct wgc_endpoint *e,
		struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->addr.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(e->port);
		s4->sin_addr = e->addr.v4;
		return sizeof(*s4);
	}
	if (e->addr.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(e->port);
		s6->sin6_addr = e->addr.v6;
		return sizeof(*s6);
	}
	return 0;
}

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
wgc_prefix_normalise(struct wgc_prefix *c)
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
prefix_has_host_bits(const struct wgc_prefix *c)
{
	struct wgc_prefix n = *c;

	wgc_prefix_normalise(&n);
	return memcmp(n.addr.bytes, c->addr.bytes, addr_bits(&c->addr) / 8) != 0;
}

int
wgc_prefix_parse(struct wgc_prefix *c, const char *s, enum wgc_prefix_mode mode,
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
		if (mode == WGC_PREFIX_IFADDR)
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
	if (mode == WGC_PREFIX_STRICT && prefix_has_host_bits(c))
		FAIL("host bits set");
	if (mode == WGC_PREFIX_ROUTE)
		wgc_prefix_normalise(c);
#undef FAIL
	return 0;
}

char *
wgc_prefix_format(const struct wgc_prefix *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", wgc_addr_format(&c->addr, a, sizeof(a)),
		c->len);
	return buf;
}

bool
wgc_prefix_equal(const struct wgc_prefix *a, const struct wgc_prefix *b)
{
	struct wgc_prefix x = *a, y = *b;

	if (a->addr.family != b->addr.family || a->len != b->len)
		return false;
	wgc_prefix_normalise(&x);
	wgc_prefix_normalise(&y);
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

int
wgc_endpoint_parse_lenient(struct wgc_endpoint *e, const char *s,
		const char **why)
{
	struct wgc_addr a;

	if (wgc_addr_parse(&a, s) != 0)
		return wgc_endpoint_parse(e, s, why);
	memset(e, 0, sizeof(*e));
	e->addr = a;
	if (why != NULL)
		*why = NULL;
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
