/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Transport AEAD engines: dispatch, and the libsodium engine.
 */

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "wgc_crypto_private.h"

static void
counter_nonce(uint8_t n[12], uint64_t counter)
{
	uint64_t le = rte_cpu_to_le_64(counter);

	memset(n, 0, 4);
	memcpy(n + 4, &le, 8);
}

static uint16_t
sodium_seal(struct wgc_aead_engine *e, struct wgc_aead_op *ops, uint16_t n)
{
	uint8_t nonce[12];
	uint16_t i;

	RTE_SET_USED(e);
	for (i = 0; i < n; i++) {
		struct wgc_aead_op *op = &ops[i];

		counter_nonce(nonce, op->counter);
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(op->data,
			op->tag, NULL, op->data, op->len, op->aad, op->aad_len, NULL,
			nonce, op->key);
		op->status = WGC_AEAD_OK;
	}
	return n;
}

static uint16_t
sodium_open(struct wgc_aead_engine *e, struct wgc_aead_op *ops, uint16_t n)
{
	uint8_t nonce[12];
	uint16_t i, ok = 0;

	RTE_SET_USED(e);
	for (i = 0; i < n; i++) {
		struct wgc_aead_op *op = &ops[i];

		counter_nonce(nonce, op->counter);
		if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
				op->data, NULL, op->data, op->len, op->tag,
				op->aad, op->aad_len, nonce, op->key) == 0) {
			op->status = WGC_AEAD_OK;
			ok++;
		} else {
			op->status = WGC_AEAD_BAD_TAG;
		}
	}
	return ok;
}

static const struct wgc_aead_engine_ops sodium_ops = {
	.seal = sodium_seal,
	.open = sodium_open,
	.free = NULL,
};

struct wgc_aead_engine *
wgc_aead_engine_create(enum wgc_aead_engine_type type, int socket_id)
{
	struct wgc_aead_engine *e;
	int ret;

	if (wgc_crypto_init() < 0) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	e = rte_zmalloc_socket("wgc_aead_engine", sizeof(*e),
		RTE_CACHE_LINE_SIZE, socket_id);
	if (e == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (type == WGC_AEAD_ENGINE_AUTO || type == WGC_AEAD_ENGINE_IPSEC_MB) {
		ret = wgc_aead_mb_init(e, socket_id);
		if (ret == 0)
			return e;
		if (type == WGC_AEAD_ENGINE_IPSEC_MB) {
			rte_free(e);
			rte_errno = -ret;
			return NULL;
		}
		CRYPTO_LOG(NOTICE, "ipsec-mb unavailable (%d), using libsodium",
			ret);
	} else if (type != WGC_AEAD_ENGINE_SODIUM) {
		rte_free(e);
		rte_errno = EINVAL;
		return NULL;
	}
	e->ops = &sodium_ops;
	e->type = WGC_AEAD_ENGINE_SODIUM;
	strlcpy(e->name, "libsodium", sizeof(e->name));
	return e;
}

void
wgc_aead_engine_free(struct wgc_aead_engine *e)
{
	if (e == NULL)
		return;
	if (e->ops->free != NULL)
		e->ops->free(e);
	rte_free(e);
}

enum wgc_aead_engine_type
wgc_aead_engine_type(const struct wgc_aead_engine *e)
{
	return e->type;
}

const char *
wgc_aead_engine_name(const struct wgc_aead_engine *e)
{
	return e->name;
}

uint16_t
wgc_aead_seal_burst(struct wgc_aead_engine *e, struct wgc_aead_op *ops,
		uint16_t n)
{
	return e->ops->seal(e, ops, n);
}

uint16_t
wgc_aead_open_burst(struct wgc_aead_engine *e, struct wgc_aead_op *ops,
		uint16_t n)
{
	return e->ops->open(e, ops, n);
}
