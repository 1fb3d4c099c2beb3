/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Transport AEAD engine on intel-ipsec-mb: ChaCha20-Poly1305, in place,
 * one IMB_MGR per engine (one engine per lcore), manager chosen by
 * init_mb_mgr_auto().
 *
 * A burst is cut into chunks of MB_CHUNK jobs: each job is filled and
 * submitted, completed jobs are collected as they come back and the rest
 * are flushed at the end of the chunk. The nonces (and, for open, the
 * computed tags) live in per-engine arrays indexed by position in the
 * chunk, so nothing is allocated per packet. ipsec-mb computes the tag on
 * decryption but does not compare it: each job's tag is compared to the
 * received one in constant time, so a bad tag fails only its own packet.
 */

#include <errno.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_malloc.h>

#include "wgc_crypto_private.h"

#define MB_CHUNK 64U

struct mb_priv {
	IMB_MGR *mgr;
	void *mgr_mem;              /* what mgr lives in (DPDK memory) */
	uint8_t nonce[MB_CHUNK][16] __rte_aligned(16);
	uint8_t tag[MB_CHUNK][WGC_AEAD_TAG_LEN] __rte_aligned(16);
	uint8_t aad_dummy[16];
};

static const char *
arch_name(IMB_ARCH arch)
{
	switch (arch) {
	case IMB_ARCH_SSE:
		return "sse";
	case IMB_ARCH_AVX:
		return "avx";
	case IMB_ARCH_AVX2:
		return "avx2";
	case IMB_ARCH_AVX512:
		return "avx512";
	default:
		return "noaesni";
	}
}

static inline void
fill_job(IMB_JOB *job, struct mb_priv *p, struct wgc_aead_op *op,
		unsigned int slot, IMB_CIPHER_DIRECTION dir)
{
	uint64_t le = rte_cpu_to_le_64(op->counter);
	uint8_t *n = p->nonce[slot];

	memset(n, 0, 4);
	memcpy(n + 4, &le, 8);
	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = dir;
	job->chain_order = dir == IMB_DIR_ENCRYPT ?
		IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = op->key;
	job->dec_keys = op->key;
	job->key_len_in_bytes = IMB_KEY_256_BYTES;
	job->src = op->data;
	job->dst = op->data;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = op->len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->len;
	job->iv = n;
	job->iv_len_in_bytes = 12;
	job->u.CHACHA20_POLY1305.aad = op->aad_len ? op->aad : p->aad_dummy;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = op->aad_len;
	job->auth_tag_output = dir == IMB_DIR_ENCRYPT ? op->tag : p->tag[slot];
	job->auth_tag_output_len_in_bytes = WGC_AEAD_TAG_LEN;
	job->user_data = op;
	job->user_data2 = (void *)(uintptr_t)slot;
}

static inline uint16_t
complete_job(struct mb_priv *p, IMB_JOB *job, IMB_CIPHER_DIRECTION dir)
{
	struct wgc_aead_op *op = job->user_data;
	unsigned int slot = (unsigned int)(uintptr_t)job->user_data2;

	if (unlikely(job->status != IMB_STATUS_COMPLETED)) {
		op->status = WGC_AEAD_ERROR;
		return 0;
	}
	if (dir == IMB_DIR_DECRYPT && wgc_tag_neq(p->tag[slot], op->tag)) {
		op->status = WGC_AEAD_BAD_TAG;
		return 0;
	}
	op->status = WGC_AEAD_OK;
	return 1;
}

static uint16_t
mb_run(struct wgc_aead_engine *e, struct wgc_aead_op *ops, uint16_t n,
		IMB_CIPHER_DIRECTION dir)
{
	struct mb_priv *p = e->priv;
	IMB_MGR *mgr = p->mgr;
	uint16_t base, ok = 0;
	unsigned int i, chunk;
	IMB_JOB *job;

	for (base = 0; base < n; base += chunk) {
		chunk = RTE_MIN((unsigned int)(n - base), MB_CHUNK);
		for (i = 0; i < chunk; i++) {
			job = IMB_GET_NEXT_JOB(mgr);
			fill_job(job, p, &ops[base + i], i, dir);
			job = IMB_SUBMIT_JOB_NOCHECK(mgr);
			while (job != NULL) {
				ok += complete_job(p, job, dir);
				job = IMB_GET_COMPLETED_JOB(mgr);
			}
		}
		while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
			ok += complete_job(p, job, dir);
	}
	return ok;
}

static uint16_t
mb_seal(struct wgc_aead_engine *e, struct wgc_aead_op *ops, uint16_t n)
{
	return mb_run(e, ops, n, IMB_DIR_ENCRYPT);
}

static uint16_t
mb_open(struct wgc_aead_engine *e, struct wgc_aead_op *ops, uint16_t n)
{
	return mb_run(e, ops, n, IMB_DIR_DECRYPT);
}

static void
mb_free(struct wgc_aead_engine *e)
{
	struct mb_priv *p = e->priv;

	if (p == NULL)
		return;
	rte_free(p->mgr_mem);
	rte_free(p);
	e->priv = NULL;
}

static const struct wgc_aead_engine_ops mb_ops = {
	.seal = mb_seal,
	.open = mb_open,
	.free = mb_free,
};

int
wgc_aead_mb_init(struct wgc_aead_engine *e, int socket_id)
{
	struct mb_priv *p;
	IMB_ARCH arch = IMB_ARCH_NONE;
	void *mem;

	p = rte_zmalloc_socket("wgc_aead_mb", sizeof(*p), RTE_CACHE_LINE_SIZE,
		socket_id);
	if (p == NULL)
		return -ENOMEM;
	/* the manager in DPDK memory on the engine's socket, not malloc'd:
	 * everything an engine holds is freed by wgc_aead_engine_free() */
	mem = rte_zmalloc_socket("wgc_aead_mb_mgr", imb_get_mb_mgr_size(),
		RTE_CACHE_LINE_SIZE, socket_id);
	if (mem == NULL) {
		rte_free(p);
		return -ENOMEM;
	}
	p->mgr_mem = mem;
	p->mgr = imb_set_pointers_mb_mgr(mem, 0, 1);
	if (p->mgr != NULL)
		init_mb_mgr_auto(p->mgr, &arch);
	if (p->mgr == NULL || arch == IMB_ARCH_NONE ||
			imb_get_errno(p->mgr) != 0) {
		rte_free(mem);
		rte_free(p);
		return -ENOTSUP;
	}
	e->priv = p;
	e->ops = &mb_ops;
	e->type = WGC_AEAD_ENGINE_IPSEC_MB;
	snprintf(e->name, sizeof(e->name), "ipsec-mb/%s", arch_name(arch));
	return 0;
}
