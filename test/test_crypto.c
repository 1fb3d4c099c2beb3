/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Crypto primitives and transport AEAD engines against published vectors:
 * RFC 7693 (BLAKE2s), the BLAKE2 reference KAT, RFC 7748 (X25519),
 * RFC 8439 appendix A.5 (ChaCha20-Poly1305 with AAD) through both engines
 * and the handshake AEAD. Values marked "Python hashlib/hmac" were computed
 * with CPython's independent BLAKE2s implementation.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "wgc_crypto.h"
#include "wgc_test.h"
#include "test_proto_util.h"

/* seq(n, s)[j] = (7j + s) mod 256, as in the Python generator. */
static void
seq(uint8_t *p, size_t n, unsigned int s)
{
	size_t j;

	for (j = 0; j < n; j++)
		p[j] = (uint8_t)(j * 7 + s);
}

static int
test_blake2s(void)
{
	uint8_t out[32], exp[32], buf[300], key[32], acc[257 * 32];
	size_t n, off;

	TEST_ASSERT_SUCCESS(wgc_crypto_init(), "crypto init");

	/* RFC 7693 appendix B. */
	wgc_blake2s(out, "abc", 3);
	test_unhex(exp, "508c5e8c327c14e2e1a72ba34eeb452f"
		"37458b209ed63a294d999b4c86675982");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, exp, 32, "BLAKE2s(abc)");

	/* wgc_blake2s_2 is the hash of the concatenation. */
	wgc_blake2s_2(out, "a", 1, "bc", 2);
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, exp, 32, "BLAKE2s(a || bc)");

	/* WireGuard's initial chaining key and hash. */
	wgc_blake2s(out, "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s", 37);
	test_unhex(exp, "60e26daef327efc02ec335e2a025d2d0"
		"16eb4206f87277f52d38d1988b78cd36");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, exp, 32, "initial chaining key");
	wgc_blake2s_2(out, exp, 32, "WireGuard v1 zx2c4 Jason@zx2c4.com", 34);
	test_unhex(exp, "2211b361081ac566691243db458ad532"
		"2d9c6c662293e8b70ee19c65ba079ef3");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, exp, 32, "initial hash");

	/* BLAKE2 reference KAT (blake2s-kat.txt), key 00..1f. */
	for (n = 0; n < 32; n++)
		key[n] = (uint8_t)n;
	wgc_blake2s_mac(out, 32, key, 32, "", 0);
	test_unhex(exp, "48a8997da407876b3d79c0d92325ad3b"
		"89cbb754d86ab71aee047ad345fd2c49");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, exp, 32, "KAT keyed, empty");
	buf[0] = 0;
	wgc_blake2s_mac(out, 32, key, 32, buf, 1);
	test_unhex(exp, "40d15fee7c328830166ac3f918650f80"
		"7e7e01e177258cdc0a39b11f598066f1");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, exp, 32, "KAT keyed, 00");

	/* Digest of digests over lengths 0..256 (Python hashlib). */
	off = 0;
	for (n = 0; n <= 256; n++) {
		seq(buf, n, 0);
		wgc_blake2s(acc + off, buf, n);
		off += 32;
	}
	wgc_blake2s(out, acc, off);
	test_unhex(exp, "eb4b40a2c49156d7bc0cb60c3ca3084b"
		"98a2a8d5982b57755f30ac17b7c3d41a");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, exp, 32, "unkeyed lengths 0..256");

	/* Keyed, key length 1..32 and output length 1..32. */
	off = 0;
	for (n = 0; n <= 256; n++) {
		size_t kl = 1 + n % 32, ol = 1 + (n * 5) % 32;

		seq(buf, n, 0);
		seq(key, kl, 3);
		wgc_blake2s_mac(acc + off, ol, key, kl, buf, n);
		off += ol;
	}
	wgc_blake2s(out, acc, off);
	test_unhex(exp, "d8bd33fd0b8da10d18d681a3a150f404"
		"389d1755b4dc333d833d43f494bf399e");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, exp, 32, "keyed lengths");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(crypto_blake2s_autotest, fast, test_blake2s);

static int
test_hmac_hkdf(void)
{
	uint8_t out[32], exp[32], buf[300], key[130], acc[257 * 32];
	uint8_t ck[32], t1[32], t2[32], t3[32], u1[32], u2[32];
	size_t n, off = 0;

	TEST_ASSERT_SUCCESS(wgc_crypto_init(), "crypto init");
	/* HMAC-BLAKE2s, key lengths 0..129 (some longer than a block). */
	for (n = 0; n <= 256; n++) {
		size_t kl = n % 130;

		seq(buf, n, 0);
		seq(key, kl, 5);
		wgc_hmac_blake2s(acc + off, key, kl, buf, n);
		off += 32;
	}
	wgc_blake2s(out, acc, off);
	test_unhex(exp, "bdb05e37ec7eb7deb6548027c4f026e0"
		"691ff2a2d42d1cf202d1715cba6b1da1");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, exp, 32, "HMAC-BLAKE2s (Python hmac)");

	/* WireGuard HKDF with ck = 00..1f, input "wgc hkdf". */
	for (n = 0; n < 32; n++)
		ck[n] = (uint8_t)n;
	wgc_hkdf(t1, t2, t3, ck, "wgc hkdf", 8);
	test_unhex(exp, "e4e5d84131eb9cc7654e5de4130291fb"
		"aac93c1f313e18c06b9b5711fd329104");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(t1, exp, 32, "HKDF t1");
	test_unhex(exp, "625409e50429ad51d196e908cbc418eb"
		"02c3f1c07f00993f3e8f76079c3c1cb4");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(t2, exp, 32, "HKDF t2");
	test_unhex(exp, "cb62759f078ac8eb0d2d367225497d0c"
		"981e7d687b7ded06ed3c034384db4c47");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(t3, exp, 32, "HKDF t3");

	/* Fewer outputs give the same prefix; outputs may alias ck. */
	wgc_hkdf(u1, u2, NULL, ck, "wgc hkdf", 8);
	TEST_ASSERT_BUFFERS_ARE_EQUAL(u1, t1, 32, "KDF2 t1");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(u2, t2, 32, "KDF2 t2");
	memcpy(u1, ck, 32);
	wgc_hkdf(u1, NULL, NULL, u1, "wgc hkdf", 8);
	TEST_ASSERT_BUFFERS_ARE_EQUAL(u1, t1, 32, "KDF1 in place");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(crypto_hmac_hkdf_autotest, fast, test_hmac_hkdf);

static int
test_x25519(void)
{
	uint8_t a[32], b[32], ap[32], bp[32], s1[32], s2[32], exp[32];
	uint8_t zero[32] = { 0 };

	TEST_ASSERT_SUCCESS(wgc_crypto_init(), "crypto init");
	/* RFC 7748 section 6.1. */
	test_unhex(a, "77076d0a7318a57d3c16c17251b26645"
		"df4c2f87ebc0992ab177fba51db92c2a");
	test_unhex(b, "5dab087e624a8a4b79e17f8b83800ee6"
		"6f3bb1292618b6fd1c2f8b27ff88e0eb");
	TEST_ASSERT_SUCCESS(wgc_x25519_public(ap, a), "pub a");
	TEST_ASSERT_SUCCESS(wgc_x25519_public(bp, b), "pub b");
	test_unhex(exp, "8520f0098930a754748b7ddcb43ef75a"
		"0dbf3a0d26381af4eba4a98eaa9b4e6a");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ap, exp, 32, "Alice public");
	test_unhex(exp, "de9edb7d7b7dc1b4d35b61c2ece43537"
		"3f8343c85b78674dadfc7e146f882b4f");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(bp, exp, 32, "Bob public");
	TEST_ASSERT_SUCCESS(wgc_x25519(s1, a, bp), "dh a");
	TEST_ASSERT_SUCCESS(wgc_x25519(s2, b, ap), "dh b");
	test_unhex(exp, "4a5d9d5ba4ce2de1728e3bf480350f25"
		"e07e21c947d19e3376f09b3c1e161742");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(s1, exp, 32, "shared a");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(s2, exp, 32, "shared b");
	/* Low-order point: all-zero result is refused. */
	TEST_ASSERT(wgc_x25519(s1, a, zero) < 0, "zero point accepted");
	TEST_ASSERT(wgc_ct_is_zero(s1, 32), "output not wiped");

	wgc_x25519_generate(a);
	TEST_ASSERT((a[0] & 7) == 0 && (a[31] & 0xc0) == 0x40, "not clamped");
	TEST_ASSERT(wgc_ct_eq(ap, ap, 32) && !wgc_ct_eq(ap, bp, 32), "ct_eq");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(crypto_x25519_autotest, fast, test_x25519);

/* RFC 8439 appendix A.5. */
static const char a5_key[] = "1c9240a5eb55d38af333888604f6b5f0"
	"473917c1402b80099dca5cbc207075c0";
static const char a5_aad[] = "f33388860000000000004e91";
static const char a5_tag[] = "eead9d67890cbb22392336fea1851f38";
static const char a5_ct[] =
	"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
	"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
	"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
	"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
	"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
	"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
	"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
	"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
	"a6ad5cb4022b02709b";
static const char a5_pt_start[] = "Internet-Drafts are draft documents";
/* nonce 00000000 0102030405060708 = 4 zero bytes + LE64(counter) */
#define A5_COUNTER 0x0807060504030201ULL

static int
rfc8439_engine(enum wgc_aead_engine_type type)
{
	uint8_t key[32], aad[12], tag[16], ct[265], buf[265 + 16], tagbuf[16];
	struct wgc_aead_engine *e;
	struct wgc_aead_op op;

	test_unhex(key, a5_key);
	test_unhex(aad, a5_aad);
	test_unhex(tag, a5_tag);
	TEST_ASSERT_EQUAL(test_unhex(ct, a5_ct), 265U, "vector length");

	e = wgc_aead_engine_create(type, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(e, "engine %d", type);
	TEST_ASSERT_EQUAL(wgc_aead_engine_type(e), type, "engine type");

	/* Open. */
	memcpy(buf, ct, 265);
	memcpy(tagbuf, tag, 16);
	memset(&op, 0, sizeof(op));
	op.data = buf;
	op.len = 265;
	op.tag = tagbuf;
	op.key = key;
	op.counter = A5_COUNTER;
	op.aad = aad;
	op.aad_len = 12;
	TEST_ASSERT_EQUAL(wgc_aead_open_burst(e, &op, 1), 1,
		"%s: open A.5", wgc_aead_engine_name(e));
	TEST_ASSERT_EQUAL(op.status, WGC_AEAD_OK, "status");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(buf, a5_pt_start,
		strlen(a5_pt_start), "plaintext");
	TEST_ASSERT(buf[264] == 0x9d && buf[263] == 0x80, "plaintext end");

	/* Seal again: same ciphertext and tag. */
	memset(tagbuf, 0, 16);
	op.status = 0xff;
	TEST_ASSERT_EQUAL(wgc_aead_seal_burst(e, &op, 1), 1, "seal A.5");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(buf, ct, 265, "ciphertext");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(tagbuf, tag, 16, "tag");

	/* Wrong AAD fails. */
	aad[0] ^= 1;
	TEST_ASSERT_EQUAL(wgc_aead_open_burst(e, &op, 1), 0, "bad aad");
	TEST_ASSERT_EQUAL(op.status, WGC_AEAD_BAD_TAG, "bad aad status");
	wgc_aead_engine_free(e);
	return TEST_SUCCESS;
}

static int
test_rfc8439(void)
{
	uint8_t key[32], aad[12], in[265 + 16], out[265];

	TEST_ASSERT_SUCCESS(wgc_crypto_init(), "crypto init");
	TEST_CHECK(rfc8439_engine(WGC_AEAD_ENGINE_IPSEC_MB));
	TEST_CHECK(rfc8439_engine(WGC_AEAD_ENGINE_SODIUM));

	/* The handshake AEAD (same nonce layout). */
	test_unhex(key, a5_key);
	test_unhex(aad, a5_aad);
	test_unhex(in, a5_ct);
	test_unhex(in + 265, a5_tag);
	TEST_ASSERT_SUCCESS(wgc_aead_open(out, in, sizeof(in), aad, 12,
		A5_COUNTER, key), "handshake AEAD open A.5");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out, a5_pt_start, strlen(a5_pt_start),
		"plaintext");
	in[100] ^= 0x10;
	TEST_ASSERT(wgc_aead_open(out, in, sizeof(in), aad, 12, A5_COUNTER,
		key) < 0, "tampered accepted");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(crypto_rfc8439_autotest, fast, test_rfc8439);

static int
test_xaead(void)
{
	uint8_t key[32], nonce[24], pt[40], ct[56], back[40];
	uint64_t s = 42;
	unsigned int i;

	TEST_ASSERT_SUCCESS(wgc_crypto_init(), "crypto init");
	test_rand_bytes(&s, key, 32);
	test_rand_bytes(&s, nonce, 24);
	test_rand_bytes(&s, pt, 40);
	wgc_xaead_seal(ct, pt, 40, nonce, 5, nonce, key);
	TEST_ASSERT_SUCCESS(wgc_xaead_open(back, ct, 56, nonce, 5, nonce, key),
		"xaead open");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(back, pt, 40, "xaead roundtrip");
	for (i = 0; i < 56 * 8; i++) {
		ct[i / 8] ^= (uint8_t)(1 << (i % 8));
		TEST_ASSERT(wgc_xaead_open(back, ct, 56, nonce, 5, nonce,
			key) < 0, "bit %u flip accepted", i);
		ct[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(crypto_xaead_autotest, fast, test_xaead);

#define XB 32
#define XMAX 1500

/* ipsec-mb and libsodium agree byte for byte; tags fail per packet. */
static int
test_engine_cross(void)
{
	struct wgc_aead_engine *mb, *na;
	struct wgc_aead_op a[XB], b[XB];
	uint8_t *bufa, *bufb, *orig;
	uint8_t keys[XB][32];
	uint64_t s = 0x1234567;
	unsigned int round, i, bit, checks = 0;

	TEST_ASSERT_SUCCESS(wgc_crypto_init(), "crypto init");
	mb = wgc_aead_engine_create(WGC_AEAD_ENGINE_IPSEC_MB, SOCKET_ID_ANY);
	na = wgc_aead_engine_create(WGC_AEAD_ENGINE_SODIUM, SOCKET_ID_ANY);
	TEST_ASSERT(mb != NULL && na != NULL, "engines");
	bufa = malloc(XB * (XMAX + 16));
	bufb = malloc(XB * (XMAX + 16));
	orig = malloc(XB * (XMAX + 16));
	TEST_ASSERT(bufa && bufb && orig, "malloc");

	for (round = 0; round < 200; round++) {
		memset(a, 0, sizeof(a));
		for (i = 0; i < XB; i++) {
			uint32_t len = (uint32_t)(test_rand(&s) % (XMAX + 1));
			uint8_t *p = orig + i * (XMAX + 16);

			if (round == 0)
				len = i;        /* 0..31: all short tails */
			test_rand_bytes(&s, p, len);
			test_rand_bytes(&s, keys[i], 32);
			a[i].len = len;
			a[i].key = keys[i];
			a[i].counter = round == 1 ? UINT64_MAX - i :
				test_rand(&s) >> (test_rand(&s) % 64);
		}
		memcpy(bufa, orig, XB * (XMAX + 16));
		memcpy(bufb, orig, XB * (XMAX + 16));
		for (i = 0; i < XB; i++) {
			a[i].data = bufa + i * (XMAX + 16);
			a[i].tag = a[i].data + a[i].len;
			b[i] = a[i];
			b[i].data = bufb + i * (XMAX + 16);
			b[i].tag = b[i].data + b[i].len;
		}
		TEST_ASSERT_EQUAL(wgc_aead_seal_burst(mb, a, XB), XB, "mb seal");
		TEST_ASSERT_EQUAL(wgc_aead_seal_burst(na, b, XB), XB, "na seal");
		for (i = 0; i < XB; i++)
			TEST_ASSERT_BUFFERS_ARE_EQUAL(a[i].data, b[i].data,
				a[i].len + 16, "round %u pkt %u len %u differs",
				round, i, a[i].len);

		/* Flip one bit in packet `victim` (ct or tag). */
		{
			unsigned int victim = (unsigned int)(test_rand(&s) % XB);
			uint32_t tot = a[victim].len + 16;

			bit = (unsigned int)(test_rand(&s) % (tot * 8));
			a[victim].data[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			b[victim].data[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			/* Cross: open mb's output with libsodium and back. */
			TEST_ASSERT_EQUAL(wgc_aead_open_burst(na, a, XB),
				XB - 1, "na open");
			TEST_ASSERT_EQUAL(wgc_aead_open_burst(mb, b, XB),
				XB - 1, "mb open");
			for (i = 0; i < XB; i++) {
				uint16_t want = i == victim ?
					WGC_AEAD_BAD_TAG : WGC_AEAD_OK;

				TEST_ASSERT_EQUAL(a[i].status, want, "na st");
				TEST_ASSERT_EQUAL(b[i].status, want, "mb st");
				if (i != victim) {
					TEST_ASSERT_BUFFERS_ARE_EQUAL(a[i].data,
						orig + i * (XMAX + 16),
						a[i].len, "na plaintext");
					TEST_ASSERT_BUFFERS_ARE_EQUAL(b[i].data,
						orig + i * (XMAX + 16),
						b[i].len, "mb plaintext");
				}
			}
			checks++;
		}
	}

	/* Every single-bit flip of a short packet fails, both engines. */
	{
		uint8_t key[32], pkt[48], ct[48];
		struct wgc_aead_op op;

		test_rand_bytes(&s, key, 32);
		test_rand_bytes(&s, pkt, 32);
		memset(&op, 0, sizeof(op));
		op.data = pkt;
		op.len = 32;
		op.tag = pkt + 32;
		op.key = key;
		op.counter = 7;
		wgc_aead_seal_burst(mb, &op, 1);
		memcpy(ct, pkt, 48);
		for (bit = 0; bit < 48 * 8; bit++) {
			memcpy(pkt, ct, 48);
			pkt[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			TEST_ASSERT_EQUAL(wgc_aead_open_burst(mb, &op, 1), 0,
				"mb: flip %u accepted", bit);
			memcpy(pkt, ct, 48);
			pkt[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			TEST_ASSERT_EQUAL(wgc_aead_open_burst(na, &op, 1), 0,
				"na: flip %u accepted", bit);
		}
		/* And the counter (nonce) matters. */
		memcpy(pkt, ct, 48);
		op.counter = 8;
		TEST_ASSERT_EQUAL(wgc_aead_open_burst(mb, &op, 1), 0, "nonce");
	}
	printf("engine cross-check: %u bursts of %u, %s vs %s\n", checks, XB,
		wgc_aead_engine_name(mb), wgc_aead_engine_name(na));
	free(bufa);
	free(bufb);
	free(orig);
	wgc_aead_engine_free(mb);
	wgc_aead_engine_free(na);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(crypto_engine_cross_autotest, fast, test_engine_cross);

/*
 * Hash contexts are per thread; a thread that exits must give them back
 * (control-plane threads come and go: before the fix every one leaked an
 * EVP_MD_CTX and an EVP_MAC_CTX).
 */
#include <malloc.h>
#include <pthread.h>

static void *
hash_thread(void *arg)
{
	static const uint8_t key[WGC_KEY_LEN] = { 1 };
	uint8_t out[WGC_HASH_LEN];

	RTE_SET_USED(arg);
	wgc_blake2s(out, "abc", 3);
	wgc_blake2s_mac(out, 16, key, sizeof(key), "abc", 3);
	return NULL;
}

static int
hash_threads(unsigned int n)
{
	pthread_t t;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (pthread_create(&t, NULL, hash_thread, NULL) != 0)
			return -1;
		pthread_join(t, NULL);
	}
	return 0;
}

static int
test_crypto_thread_ctx_freed(void)
{
	size_t before, after;

	TEST_ASSERT_SUCCESS(wgc_crypto_init(), "crypto init");
	/* warm up glibc's per-thread caches, then measure */
	TEST_ASSERT_SUCCESS(hash_threads(32), "pthread_create");
	before = mallinfo2().uordblks;
	TEST_ASSERT_SUCCESS(hash_threads(256), "pthread_create");
	after = mallinfo2().uordblks;
	/* a leak would be >= 256 x (EVP_MD_CTX + EVP_MAC_CTX) > 20 KB */
	TEST_ASSERT(after < before + 4096,
		"heap grew by %zu bytes over 256 hashing threads",
		after - before);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(crypto_thread_ctx_freed_autotest, fast,
	test_crypto_thread_ctx_freed);
