/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * lib/addr: prefix and endpoint text forms with valid and hostile inputs,
 * equality and sockaddr conversion.
 */

#include <arpa/inet.h>
#include <string.h>

#include <rte_common.h>

#include "wgc_addr.h"
#include "wgc_test.h"

static int
test_addr_prefix(void)
{
	static const struct {
		const char *in;
		enum wgc_prefix_mode mode;
		const char *out; /* NULL = must fail */
	} v[] = {
		{ "10.0.0.0/8", WGC_PREFIX_ROUTE, "10.0.0.0/8" },
		{ "10.1.2.3/24", WGC_PREFIX_ROUTE, "10.1.2.0/24" },
		{ "10.1.2.3/24", WGC_PREFIX_STRICT, NULL },
		{ "10.1.2.0/24", WGC_PREFIX_STRICT, "10.1.2.0/24" },
		{ "10.1.2.3/24", WGC_PREFIX_IFADDR, "10.1.2.3/24" },
		{ "10.1.2.3", WGC_PREFIX_ROUTE, "10.1.2.3/32" },
		{ "10.1.2.3", WGC_PREFIX_IFADDR, NULL },
		{ "0.0.0.0/0", WGC_PREFIX_ROUTE, "0.0.0.0/0" },
		{ "1.2.3.4/0", WGC_PREFIX_ROUTE, "0.0.0.0/0" },
		{ "10.0.0.1/31", WGC_PREFIX_ROUTE, "10.0.0.0/31" },
		{ "10.0.0.0/33", WGC_PREFIX_ROUTE, NULL },
		{ "10.0.0.0/-1", WGC_PREFIX_ROUTE, NULL },
		{ "10.0.0.0/", WGC_PREFIX_ROUTE, NULL },
		{ "10.0.0.0/08", WGC_PREFIX_ROUTE, NULL },
		{ "10.0.0.0/8 ", WGC_PREFIX_ROUTE, NULL },
		{ "10.0.0.0/8/8", WGC_PREFIX_ROUTE, NULL },
		{ "10.0.0/8", WGC_PREFIX_ROUTE, NULL },
		{ "256.0.0.0/8", WGC_PREFIX_ROUTE, NULL },
		{ "010.0.0.0/8", WGC_PREFIX_ROUTE, NULL },
		{ "/8", WGC_PREFIX_ROUTE, NULL },
		{ "", WGC_PREFIX_ROUTE, NULL },
		{ "fd00::/64", WGC_PREFIX_ROUTE, "fd00::/64" },
		{ "fd00::1/64", WGC_PREFIX_ROUTE, "fd00::/64" },
		{ "fd00::1/64", WGC_PREFIX_STRICT, NULL },
		{ "fd00::1/64", WGC_PREFIX_IFADDR, "fd00::1/64" },
		{ "fd00::1", WGC_PREFIX_ROUTE, "fd00::1/128" },
		{ "::/0", WGC_PREFIX_ROUTE, "::/0" },
		{ "fd00::1:2:3:4:5/127", WGC_PREFIX_ROUTE, "fd00::1:2:3:4:4/127" },
		{ "fd00::/129", WGC_PREFIX_ROUTE, NULL },
		{ "fd00:::/64", WGC_PREFIX_ROUTE, NULL },
		{ "fe80::1%eth0/64", WGC_PREFIX_ROUTE, NULL },
		{ "::ffff:1.2.3.4/128", WGC_PREFIX_ROUTE, "::ffff:1.2.3.4/128" },
	};
	char buf[WGC_ADDR_STR_LEN];
	struct wgc_prefix c, d;
	const char *why;
	unsigned int i;

	for (i = 0; i < RTE_DIM(v); i++) {
		int rc = wgc_prefix_parse(&c, v[i].in, v[i].mode, &why);

		if (v[i].out == NULL) {
			TEST_ASSERT(rc != 0, "'%s' mode %d accepted", v[i].in,
				v[i].mode);
			TEST_ASSERT_NOT_NULL(why, "reason for '%s'", v[i].in);
			continue;
		}
		TEST_ASSERT(rc == 0, "'%s' mode %d rejected: %s", v[i].in,
			v[i].mode, why);
		wgc_prefix_format(&c, buf, sizeof(buf));
		TEST_ASSERT(strcmp(buf, v[i].out) == 0, "'%s' -> '%s' not '%s'",
			v[i].in, buf, v[i].out);
	}
	TEST_ASSERT_FAIL(wgc_prefix_parse(&c, NULL, WGC_PREFIX_ROUTE, NULL),
		"NULL");
	wgc_prefix_parse(&c, "10.1.2.3/24", WGC_PREFIX_IFADDR, NULL);
	wgc_prefix_parse(&d, "10.1.2.0/24", WGC_PREFIX_ROUTE, NULL);
	TEST_ASSERT(wgc_prefix_equal(&c, &d), "equal after mask");
	wgc_prefix_parse(&d, "10.1.2.0/25", WGC_PREFIX_ROUTE, NULL);
	TEST_ASSERT(!wgc_prefix_equal(&c, &d), "different length");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(addr_prefix_autotest, fast, test_addr_prefix);

static int
test_addr_endpoint(void)
{
	static const struct {
		const char *in;
		const char *out;
	} v[] = {
		{ "192.0.2.1:51820", "192.0.2.1:51820" },
		{ "192.0.2.1:1", "192.0.2.1:1" },
		{ "192.0.2.1:65535", "192.0.2.1:65535" },
		{ "[fd00::1]:51820", "[fd00::1]:51820" },
		{ "[::ffff:192.0.2.1]:5", "[::ffff:192.0.2.1]:5" },
		{ "192.0.2.1:0", NULL },
		{ "192.0.2.1:65536", NULL },
		{ "192.0.2.1:", NULL },
		{ "192.0.2.1", NULL },
		{ "192.0.2.1:51820x", NULL },
		{ "192.0.2.1:+5", NULL },
		{ "192.0.2.1:123456", NULL },
		{ "fd00::1:51820", NULL },
		{ "[fd00::1]51820", NULL },
		{ "[fd00::1:51820", NULL },
		{ "[192.0.2.1]:5", NULL },
		{ "[fe80::1%eth0]:5", NULL },
		{ "example.com:51820", NULL },
		{ ":51820", NULL },
		{ "", NULL },
	};
	char buf[WGC_ADDR_STR_LEN];
	struct wgc_endpoint e;
	const char *why;
	unsigned int i;

	for (i = 0; i < RTE_DIM(v); i++) {
		int rc = wgc_endpoint_parse(&e, v[i].in, &why);

		if (v[i].out == NULL) {
			TEST_ASSERT(rc != 0, "'%s' accepted", v[i].in);
			TEST_ASSERT_NOT_NULL(why, "reason");
			continue;
		}
		TEST_ASSERT(rc == 0, "'%s' rejected: %s", v[i].in, why);
		wgc_endpoint_format(&e, buf, sizeof(buf));
		TEST_ASSERT(strcmp(buf, v[i].out) == 0, "'%s' -> '%s'",
			v[i].in, buf);
	}
	wgc_endpoint_parse(&e, "[fd00::1]:258", NULL);
	TEST_ASSERT_EQUAL(e.port, 258, "host order port");
	TEST_ASSERT_EQUAL(e.addr.family, AF_INET6, "family");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(addr_endpoint_autotest, fast, test_addr_endpoint);

/* a bare address (port 0) or an endpoint; the endpoint's own errors */
static int
test_addr_endpoint_lenient(void)
{
	static const struct {
		const char *in;
		int family;           /* 0 = must fail */
		uint16_t port;
	} v[] = {
		{ "192.0.2.1", AF_INET, 0 },
		{ "192.0.2.1:51820", AF_INET, 51820 },
		{ "fd00::1", AF_INET6, 0 },
		{ "fe80::9", AF_INET6, 0 },
		/* more than one colon unbracketed: an IPv6 address (or an
		 * IPv6 endpoint without brackets, refused) */
		{ "fd00::1:5182", AF_INET6, 0 },
		{ "fd00::1:51820", 0, 0 },
		{ "[fd00::1]:7", AF_INET6, 7 },
		{ "::ffff:192.0.2.1", AF_INET6, 0 },
		{ "192.0.2.1:0", 0, 0 },
		{ "192.0.2.1:65536", 0, 0 },
		{ "192.0.2.1:-1", 0, 0 },
		{ "192.0.2.1:", 0, 0 },
		{ "[fd00::1", 0, 0 },
		{ "[fd00::1]", 0, 0 },
		{ "300.0.0.1:1", 0, 0 },
		{ "300.0.0.1", 0, 0 },
		{ "fe80::1%eth0", 0, 0 },
		{ "example.com", 0, 0 },
		{ "", 0, 0 },
	};
	struct wgc_endpoint e;
	const char *why;
	unsigned int i;

	for (i = 0; i < RTE_DIM(v); i++) {
		memset(&e, 0xa5, sizeof(e));
		why = "unset";
		if (v[i].family == 0) {
			TEST_ASSERT_FAIL(wgc_endpoint_parse_lenient(&e, v[i].in,
				&why), "'%s' accepted", v[i].in);
			TEST_ASSERT(why != NULL && strcmp(why, "unset") != 0,
				"reason for '%s'", v[i].in);
			continue;
		}
		TEST_ASSERT_SUCCESS(wgc_endpoint_parse_lenient(&e, v[i].in,
			&why), "'%s' rejected: %s", v[i].in, why);
		TEST_ASSERT_NULL(why, "no reason on success");
		TEST_ASSERT(e.addr.family == v[i].family &&
			e.port == v[i].port, "'%s': family %d port %u", v[i].in,
			e.addr.family, e.port);
	}
	TEST_ASSERT_SUCCESS(wgc_endpoint_parse_lenient(&e, "192.0.2.1",
		NULL), "no why");
	TEST_ASSERT(e.addr.ip4 == htonl(0xc0000201) &&
		e.addr.bytes[4] == 0 && e.addr.bytes[15] == 0,
		"network order, tail cleared");
	TEST_ASSERT_FAIL(wgc_endpoint_parse_lenient(&e, NULL, NULL), "NULL");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(addr_endpoint_lenient_autotest, fast,
	test_addr_endpoint_lenient);

static int
test_addr_equal(void)
{
	struct wgc_endpoint a, b;
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

	TEST_ASSERT_SUCCESS(wgc_endpoint_parse(&a, "192.0.2.1:51820", NULL),
		"parse");
	b = a;
	/* an IPv4 address is its first 4 bytes: the rest is not compared */
	memset(b.addr.bytes + 4, 0xa5, 12);
	TEST_ASSERT(wgc_endpoint_equal(&a, &b), "stale tail bytes compared");
	b.port = 51821;
	TEST_ASSERT(!wgc_endpoint_equal(&a, &b), "port ignored");
	b = a;
	b.addr.bytes[3] = 2;
	TEST_ASSERT(!wgc_endpoint_equal(&a, &b), "address ignored");
	wgc_addr_set4(&b.addr, a.addr.ip4);
	b.port = a.port;
	TEST_ASSERT(wgc_endpoint_equal(&a, &b), "set4");
	TEST_ASSERT(b.addr.bytes[4] == 0 && b.addr.bytes[15] == 0,
		"set4 leaves the tail");

	TEST_ASSERT_EQUAL(wgc_endpoint_to_sockaddr(&a, &ss),
		(socklen_t)sizeof(*s4), "v4 length");
	TEST_ASSERT(s4->sin_family == AF_INET &&
		s4->sin_port == htons(51820) &&
		s4->sin_addr.s_addr == htonl(0xc0000201), "v4 sockaddr");

	TEST_ASSERT_SUCCESS(wgc_endpoint_parse(&b, "[fd00::1]:258", NULL),
		"parse v6");
	TEST_ASSERT(!wgc_endpoint_equal(&a, &b), "families differ");
	TEST_ASSERT_EQUAL(wgc_endpoint_to_sockaddr(&b, &ss),
		(socklen_t)sizeof(*s6), "v6 length");
	TEST_ASSERT(s6->sin6_family == AF_INET6 &&
		s6->sin6_port == htons(258) &&
		s6->sin6_addr.s6_addr[0] == 0xfd &&
		s6->sin6_addr.s6_addr[15] == 1, "v6 sockaddr");
	a = b;
	a.addr.bytes[15] = 2;
	TEST_ASSERT(!wgc_endpoint_equal(&a, &b), "v6 last byte ignored");

	memset(&a, 0, sizeof(a));
	TEST_ASSERT_EQUAL(wgc_endpoint_to_sockaddr(&a, &ss), (socklen_t)0,
		"no family");
	TEST_ASSERT_EQUAL(wgc_addr_len(AF_INET), 4u, "v4 bytes");
	TEST_ASSERT_EQUAL(wgc_addr_len(AF_INET6), 16u, "v6 bytes");
	TEST_ASSERT_EQUAL(wgc_addr_len(0), 0u, "none");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(addr_equal_autotest, fast, test_addr_equal);
