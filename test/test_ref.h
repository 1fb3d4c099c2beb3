/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _TEST_REF_H_
#define _TEST_REF_H_

/*
 * Reference models the packet tests check wgc against: the Internet
 * checksum written the slow, obvious way (big-endian 16-bit words, folded,
 * complemented) and big-endian field access.
 */

#include <stddef.h>
#include <stdint.h>

/* sum of big-endian 16-bit words of p, added to sum */
static inline uint32_t
ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* folded and complemented: the checksum field's value (host order) */
static inline uint16_t
ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif /* _TEST_REF_H_ */
