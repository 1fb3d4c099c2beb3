/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Transport seal/open in place, bursts of 32, at 64/512/1420 B, beside raw
 * intel-ipsec-mb (a bare job loop on the same buffers) measured in the same
 * run. Prints figures; never fails on timing.
 *
 *   build/test/wgc-test crypto_perf
 *
 * Timing: rte_rdtsc() around each burst only; buffers are restored between
 * bursts outside the timed region (open needs fresh ciphertext, the replay
 * window is reset). Memory: plain heap buffers (no mbufs), one core.
 */

#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include <rte_cycles.h>

#include "test_proto_fixture.h"

#define PB 32
#define BUFSZ 2048
#define HEAD 128

struct perf_ctx {
	uint8_t *mem;                 /* PB buffers of BUFSZ */
	struct wgc_view v[PB];
	struct wgc_view saved[PB];
	struct wgc_keypair *kps[PB];
	uint8_t st[PB];
	uint8_t key[32];
	IMB_MGR *mgr;
	uint8_t nonce[PB][16];
	uint8_t tag[PB][16];
};

/* Raw ipsec-mb: fill + submit jobs, in place, no wrapper. */
static void
raw_mb(struct perf_ctx *c, uint32_t len, bool enc, uint64_t ctr)
{
	IMB_JOB *job;
	unsigned int i;

	for (i = 0; i < PB; i++) {
		uint8_t *d = c->mem + i * BUFSZ + HEAD + 16;

		job = IMB_GET_NEXT_JOB(c->mgr);
		memcpy(c->nonce[i] + 4, &ctr, 8);
		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
		job->chain_order = enc ? IMB_ORDER_CIPHER_HASH :
			IMB_ORDER_HASH_CIPHER;
		job->enc_keys = c->key;
		job->dec_keys = c->key;
		job->key_len_in_bytes = 32;
		job->src = d;
		job->dst = d;
		job->cipher_start_src_offset_in_bytes = 0;
		job->msg_len_to_cipher_in_bytes = len;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = len;
		job->iv = c->nonce[i];
		job->iv_len_in_bytes = 12;
		job->u.CHACHA20_POLY1305.aad = c->tag[i];
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = 0;
		job->auth_tag_output = enc ? d + len : c->tag[i];
		job->auth_tag_output_len_in_bytes = 16;
		job = IMB_SUBMIT_JOB_NOCHECK(c->mgr);
		while (job != NULL)
			job = IMB_GET_COMPLETED_JOB(c->mgr);
		ctr++;
	}
	while (IMB_FLUSH_JOB(c->mgr) != NULL)
		;
}

static void
report(const char *what, uint32_t len, uint64_t cycles, uint64_t pkts,
		double raw_ns)
{
	double ns = (double)cycles * 1e9 / (double)rte_get_tsc_hz() /
		(double)pkts;
	double gbps = (double)len * 8.0 / ns;

	if (raw_ns > 0)
		printf("  %-28s %5u B  %7.1f ns/pkt  %6.2f Mpps  %6.2f Gbit/s"
			"  %5.1f%% of raw\n", what, len, ns, 1e3 / ns, gbps,
			100.0 * raw_ns / ns);
	else
		printf("  %-28s %5u B  %7.1f ns/pkt  %6.2f Mpps  %6.2f Gbit/s\n",
			what, len, ns, 1e3 / ns, gbps);
}

static double
ns_per(uint64_t cycles, uint64_t pkts)
{
	return (double)cycles * 1e9 / (double)rte_get_tsc_hz() / (double)pkts;
}

static int
perf_size(struct tp_pair *p, struct perf_ctx *c, uint32_t len)
{
	const uint64_t iters = len < 200 ? 40000 : len < 1000 ? 12000 : 5000;
	struct wgc_keypair *skp = wgc_keypair_current(&p->a.peer, p->now);
	struct wgc_keypair *rkp = wgc_index_lookup_keypair(p->b.t,
		skp->remote_index);
	uint64_t it, t, raw_seal = 0, raw_open = 0, seal = 0, open = 0;
	uint64_t eng_seal = 0;
	struct wgc_aead_op ops[PB];
	struct wgc_keypair *skps[PB];
	double rs, ro;
	unsigned int i;

	for (i = 0; i < PB; i++) {
		tp_view(&c->v[i], (struct tp_buf *)(c->mem + i * BUFSZ), NULL,
			0);
		c->v[i].data += 16;       /* payload where transport puts it */
		c->v[i].headroom += 16;
		c->v[i].tailroom -= (uint16_t)(16 + len);
		c->v[i].len = len;
		memset(c->v[i].data, (int)i, len);
		c->saved[i] = c->v[i];
		c->kps[i] = skp;
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].data = c->v[i].data;
		ops[i].len = len;
		ops[i].tag = c->v[i].data + len;
		ops[i].key = c->key;
	}
	/* Warm up. */
	for (it = 0; it < 200; it++)
		raw_mb(c, len, true, it * PB);

	/* Raw ipsec-mb seal, engine seal, transport encap. */
	for (it = 0; it < iters; it++) {
		t = rte_rdtsc();
		raw_mb(c, len, true, it * PB);
		raw_seal += rte_rdtsc() - t;

		for (i = 0; i < PB; i++)
			ops[i].counter = it * PB + i;
		t = rte_rdtsc();
		wgc_aead_seal_burst(p->eng, ops, PB);
		eng_seal += rte_rdtsc() - t;

		memcpy(c->v, c->saved, sizeof(c->v));
		t = rte_rdtsc();
		wgc_transport_encap_burst(p->eng, c->v, c->kps, PB, 1420,
			p->now, c->st);
		seal += rte_rdtsc() - t;
	}
	/* Raw open: seal (untimed), then open (timed). */
	for (it = 0; it < iters; it++) {
		raw_mb(c, len, true, it * PB);
		t = rte_rdtsc();
		raw_mb(c, len, false, it * PB);
		raw_open += rte_rdtsc() - t;
	}
	/* Transport decap: encap (untimed), decap (timed). */
	for (i = 0; i < PB; i++) {
		skps[i] = skp;
		c->kps[i] = rkp;
	}
	for (it = 0; it < iters; it++) {
		memcpy(c->v, c->saved, sizeof(c->v));
		wgc_transport_encap_burst(p->eng, c->v, skps, PB, 1420,
			p->now, c->st);
		t = rte_rdtsc();
		wgc_transport_decap_burst(p->eng, c->v, c->kps, PB, p->now,
			c->st, NULL, NULL);
		open += rte_rdtsc() - t;
		for (i = 0; i < PB; i++)
			if (c->st[i] != WGC_TRANSPORT_OK) {
				printf("decap status %u\n", c->st[i]);
				return TEST_FAILED;
			}
	}
	rs = ns_per(raw_seal, iters * PB);
	ro = ns_per(raw_open, iters * PB);
	report("raw ipsec-mb seal", len, raw_seal, iters * PB, 0);
	report("engine seal (ipsec-mb)", len, eng_seal, iters * PB, rs);
	report("transport encap", len, seal, iters * PB, rs);
	report("raw ipsec-mb open", len, raw_open, iters * PB, 0);
	report("transport decap", len, open, iters * PB, ro);
	return TEST_SUCCESS;
}

static int
perf_sodium(struct perf_ctx *c, uint32_t len)
{
	struct wgc_aead_engine *e = wgc_aead_engine_create(
		WGC_AEAD_ENGINE_SODIUM, SOCKET_ID_ANY);
	struct wgc_aead_op ops[PB];
	const uint64_t iters = len < 200 ? 10000 : 2000;
	uint64_t it, t, cyc = 0;
	unsigned int i;

	if (e == NULL)
		return TEST_FAILED;
	for (i = 0; i < PB; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].data = c->mem + i * BUFSZ + HEAD + 16;
		ops[i].len = len;
		ops[i].tag = ops[i].data + len;
		ops[i].key = c->key;
	}
	for (it = 0; it < iters; it++) {
		for (i = 0; i < PB; i++)
			ops[i].counter = it * PB + i;
		t = rte_rdtsc();
		wgc_aead_seal_burst(e, ops, PB);
		cyc += rte_rdtsc() - t;
	}
	report("engine seal (libsodium)", len, cyc, iters * PB, 0);
	wgc_aead_engine_free(e);
	return TEST_SUCCESS;
}

static int
test_crypto_perf(void)
{
	static const uint32_t sizes[] = { 64, 512, 1420 };
	struct perf_ctx *c = calloc(1, sizeof(*c));
	IMB_ARCH arch;
	struct tp_pair p;
	unsigned int i;
	int ret = TEST_SUCCESS;

	TEST_ASSERT_NOT_NULL(c, "calloc");
	c->mem = aligned_alloc(64, PB * BUFSZ);
	TEST_ASSERT_NOT_NULL(c->mem, "alloc");
	c->mgr = alloc_mb_mgr(0);
	TEST_ASSERT_NOT_NULL(c->mgr, "mb mgr");
	init_mb_mgr_auto(c->mgr, &arch);
	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 1001), "fixture");
	TEST_ASSERT_EQUAL(tp_handshake(&p, &p.a, &p.b), 0, "handshake");
	memset(c->key, 7, 32);
	printf("transport AEAD, 1 core, bursts of %u, in place, heap buffers,"
		" TSC %.2f GHz, engine %s\n", PB,
		(double)rte_get_tsc_hz() / 1e9, wgc_aead_engine_name(p.eng));
	for (i = 0; i < RTE_DIM(sizes) && ret == TEST_SUCCESS; i++)
		ret = perf_size(&p, c, sizes[i]);
	for (i = 0; i < RTE_DIM(sizes) && ret == TEST_SUCCESS; i++)
		ret = perf_sodium(c, sizes[i]);
	tp_pair_fini(&p);
	free_mb_mgr(c->mgr);
	free(c->mem);
	free(c);
	return ret;
}
WGC_TEST_REGISTER(crypto_perf, perf, test_crypto_perf);
