/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Internet checksum over packet payloads. The UDP checksum is computed on
 * every received and sent WireGuard packet whose port cannot offload it,
 * so it has to be fast: from 256 bytes on, 128-byte blocks are summed with
 * AVX-512 (16-bit words, vpmaddwd) when the CPU has AVX-512BW, from 64
 * bytes on (and what AVX-512 leaves) 64-byte blocks with AVX2; the rest,
 * and short buffers, as 64-bit words with end-around carry (RFC 1071: the
 * one's complement sum does not depend on the word size). Without AVX2,
 * large buffers take the 64-bit loop. Cycle counts: doc/benchmarks.md.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "net_private.h"

/* fold a 64-bit end-around-carry sum to 16 bits */
static inline uint16_t
fold64(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* add x with end-around carry (one's complement, any word size) */
static inline uint64_t
add_eac(uint64_t s, uint64_t x)
{
	s += x;
	return s + (s < x);
}

/* the bytes after the vector blocks: 8-byte words, then 4, 2, 1 */
static inline uint64_t
sum_tail(const uint8_t *p, size_t len, uint64_t s)
{
	uint64_t q, q1, s1 = 0;
	size_t i = 0;
	uint32_t w;
	uint16_t h;

	/* two chains: the carry makes each add two cycles deep */
	for (; i + 16 <= len; i += 16) {
		memcpy(&q, p + i, 8);
		memcpy(&q1, p + i + 8, 8);
		s = add_eac(s, q);
		s1 = add_eac(s1, q1);
	}
	if (len & 8) {
		memcpy(&q, p + i, 8);
		s = add_eac(s, q);
		i += 8;
	}
	s = add_eac(s, s1);
	if (len & 4) {
		memcpy(&w, p + i, 4);
		s = add_eac(s, w);
		i += 4;
	}
	if (len & 2) {
		memcpy(&h, p + i, 2);
		s = add_eac(s, h);
		i += 2;
	}
	if (len & 1)
		s = add_eac(s, rte_le_to_cpu_16((uint16_t)p[i]));
	return s;
}

#if defined(RTE_ARCH_X86_64) && defined(__GNUC__)
#include <immintrin.h>

#define SUM_BLOCK 64
/* per 32-bit lane and block at most 2 x 0x8000 in magnitude: flush the
 * lanes well before 2^31 */
#define SUM_BLOCKS_MAX 8192

/*
 * AVX2: 16-bit words (in memory order, as the scalar sum) summed by
 * vpmaddwd into 32-bit lanes. vpmaddwd is signed, so each word is biased
 * by 0x8000 first (w ^ 0x8000 == w - 0x8000 as int16) and the bias is
 * added back per word: one load, xor, multiply-add and add per 32 bytes,
 * no widening shuffles.
 */
__attribute__((target("avx2")))
static uint16_t
net_sum_avx2(const uint8_t *p, size_t len, uint64_t s)
{
	const __m256i bias = _mm256_set1_epi16((short)0x8000);
	const __m256i ones = _mm256_set1_epi16(1);
	size_t nb = len / SUM_BLOCK;

	len -= nb * SUM_BLOCK;
	while (nb > 0) {
		size_t k, m = nb < SUM_BLOCKS_MAX ? nb : SUM_BLOCKS_MAX;
		__m256i a0 = _mm256_setzero_si256(), a1 = a0;
		int32_t t[8];
		int64_t tot = 0;

		for (k = 0; k < m; k++, p += SUM_BLOCK) {
			__m256i x0 = _mm256_loadu_si256((const void *)p);
			__m256i x1 = _mm256_loadu_si256((const void *)(p + 32));

			a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(
				_mm256_xor_si256(x0, bias), ones));
			a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(
				_mm256_xor_si256(x1, bias), ones));
		}
		_mm256_storeu_si256((void *)t, _mm256_add_epi32(a0, a1));
		for (k = 0; k < 8; k++)
			tot += t[k];
		/* add the bias back: 32 words per block; the total is >= 0 */
		tot += (int64_t)m * (SUM_BLOCK / 2) * 0x8000;
		s = add_eac(s, (uint64_t)tot);
		nb -= m;
	}
	return fold64(sum_tail(p, len, s));
}

/*
 * AVX-512 (BW): the same over 128-byte blocks, for datagrams of 256 bytes
 * and more: the sum of nb blocks (nb <= SUM_BLOCKS_MAX, the same bound per
 * 32-bit lane as above), bias removed, not folded.
 */
#define SUM_BLOCK512 128

__attribute__((target("avx512bw")))
static uint64_t
sum_avx512_blocks(const uint8_t *p, size_t nb)
{
	const __m512i bias = _mm512_set1_epi16((short)0x8000);
	const __m512i ones = _mm512_set1_epi16(1);
	__m512i a0 = _mm512_setzero_si512(), a1 = a0, a;
	size_t k;

	for (k = 0; k < nb; k++, p += SUM_BLOCK512) {
		a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_xor_si512(
			_mm512_loadu_si512((const void *)p), bias), ones));
		a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_xor_si512(
			_mm512_loadu_si512((const void *)(p + 64)), bias), ones));
	}
	a = _mm512_add_epi32(a0, a1);
	/* 16 signed lanes, well inside int32: widened and added, then the
	 * bias back (64 words per block); the total is >= 0 */
	return (uint64_t)(_mm512_reduce_add_epi64(_mm512_add_epi64(
		_mm512_cvtepi32_epi64(_mm512_castsi512_si256(a)),
		_mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(a, 1)))) +
		(int64_t)nb * (SUM_BLOCK512 / 2) * 0x8000);
}

static uint16_t
net_sum_avx512(const uint8_t *p, size_t len, uint64_t s)
{
	while (len >= SUM_BLOCK512) {
		size_t nb = RTE_MIN(len / SUM_BLOCK512, (size_t)SUM_BLOCKS_MAX);

		s = add_eac(s, sum_avx512_blocks(p, nb));
		p += nb * SUM_BLOCK512;
		len -= nb * SUM_BLOCK512;
	}
	if (len >= SUM_BLOCK)
		return net_sum_avx2(p, len, s);
	return fold64(sum_tail(p, len, s));
}
#endif

uint16_t
net_sum(const void *buf, size_t len, uint32_t sum0)
{
	const uint8_t *p = buf;

#if defined(RTE_ARCH_X86_64) && defined(__GNUC__)
	if (len >= 2 * SUM_BLOCK512 && __builtin_cpu_supports("avx512bw"))
		return net_sum_avx512(p, len, sum0);
	if (len >= SUM_BLOCK && __builtin_cpu_supports("avx2"))
		return net_sum_avx2(p, len, sum0);
#endif
	return fold64(sum_tail(p, len, sum0));
}
