/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _TEST_PROTO_UTIL_H_
#define _TEST_PROTO_UTIL_H_

/* Helpers shared by the crypto and protocol tests. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Decode a hex string into out; returns the number of bytes. */
static inline size_t
test_unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;

	while (hex[0] != '\0' && hex[1] != '\0') {
		unsigned int v;
		char b[3] = { hex[0], hex[1], '\0' };

		if (hex[0] == ' ' || hex[0] == ':') {
			hex++;
			continue;
		}
		v = (unsigned int)strtoul(b, NULL, 16);
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

/* Deterministic pseudo-random generator for tests (xorshift64*). */
static inline uint64_t
test_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline void
test_rand_bytes(uint64_t *s, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(test_rand(s) >> 32);
}

#endif /* _TEST_PROTO_UTIL_H_ */
