/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Device identity: static key pair, derived MAC1/cookie keys, cookie
 * secret, counters. Also the clock helpers and Noise constants.
 */

#include <errno.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>
#include <rte_string_fns.h>

#include "wgc_proto_private.h"

RTE_LOG_REGISTER(wgc_logtype_proto, wgc.proto, INFO);

static const char noise_construction[] =
	"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char noise_identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
static const char label_mac1[] = "mac1----";
static const char label_cookie[] = "cookie--";

uint8_t wgc_noise_init_chaining_key[WGC_HASH_LEN];
uint8_t wgc_noise_init_hash[WGC_HASH_LEN];
static rte_spinlock_t constants_lock = RTE_SPINLOCK_INITIALIZER;
static volatile int constants_done;

void
wgc_noise_constants_init(void)
{
	if (constants_done)
		return;
	rte_spinlock_lock(&constants_lock);
	if (!constants_done) {
		wgc_crypto_init();
		wgc_blake2s(wgc_noise_init_chaining_key, noise_construction,
			strlen(noise_construction));
		wgc_blake2s_2(wgc_noise_init_hash, wgc_noise_init_chaining_key,
			WGC_HASH_LEN, noise_identifier,
			strlen(noise_identifier));
		constants_done = 1;
	}
	rte_spinlock_unlock(&constants_lock);
}

static const char * const counter_names[WGC_CNT_MAX] = {
	[WGC_CNT_INITIATION_SENT] = "initiation_sent",
	[WGC_CNT_INITIATION_CONSUMED] = "initiation_consumed",
	[WGC_CNT_RESPONSE_SENT] = "response_sent",
	[WGC_CNT_RESPONSE_CONSUMED] = "response_consumed",
	[WGC_CNT_COOKIE_SENT] = "cookie_sent",
	[WGC_CNT_COOKIE_CONSUMED] = "cookie_consumed",
	[WGC_CNT_SESSION_DERIVED] = "session_derived",
	[WGC_CNT_KEY_CONFIRMED] = "key_confirmed",
	[WGC_CNT_DROP_BAD_LENGTH] = "drop_bad_length",
	[WGC_CNT_DROP_BAD_MAC1] = "drop_bad_mac1",
	[WGC_CNT_DROP_BAD_MAC2] = "drop_bad_mac2",
	[WGC_CNT_DROP_RATELIMITED] = "drop_ratelimited",
	[WGC_CNT_DROP_NO_IDENTITY] = "drop_no_identity",
	[WGC_CNT_DROP_DECRYPT] = "drop_decrypt",
	[WGC_CNT_DROP_UNKNOWN_PEER] = "drop_unknown_peer",
	[WGC_CNT_DROP_REPLAYED_TIMESTAMP] = "drop_replayed_timestamp",
	[WGC_CNT_DROP_FLOOD] = "drop_flood",
	[WGC_CNT_DROP_UNKNOWN_INDEX] = "drop_unknown_index",
	[WGC_CNT_DROP_BAD_STATE] = "drop_bad_state",
	[WGC_CNT_DROP_BAD_DH] = "drop_bad_dh",
	[WGC_CNT_TRANSPORT_BAD_TAG] = "transport_bad_tag",
	[WGC_CNT_TRANSPORT_REPLAY] = "transport_replay",
	[WGC_CNT_TRANSPORT_KEYPAIR_EXPIRED] = "transport_keypair_expired",
	[WGC_CNT_TRANSPORT_COUNTER_EXHAUSTED] = "transport_counter_exhausted",
	[WGC_CNT_TRANSPORT_NO_ROOM] = "transport_no_room",
	[WGC_CNT_TRANSPORT_BAD_LENGTH] = "transport_bad_length",
};

const char *
wgc_proto_counter_name(enum wgc_proto_counter c)
{
	if ((unsigned int)c >= WGC_CNT_MAX)
		return "unknown";
	return counter_names[c];
}

static void
identity_derive(struct wgc_identity *id)
{
	wgc_blake2s_2(id->responder_hash0, wgc_noise_init_hash, WGC_HASH_LEN,
		id->static_public, WGC_KEY_LEN);
	wgc_blake2s_2(id->mac1_key, label_mac1, 8, id->static_public,
		WGC_KEY_LEN);
	wgc_blake2s_2(id->cookie_encryption_key, label_cookie, 8,
		id->static_public, WGC_KEY_LEN);
}

static int
set_private_key(struct wgc_identity *id,
		const uint8_t private_key[WGC_KEY_LEN])
{
	uint8_t pub[WGC_KEY_LEN];

	if (private_key == NULL) {
		id->has_key = false;
		wgc_wipe(id->static_private, WGC_KEY_LEN);
		memset(id->static_public, 0, WGC_KEY_LEN);
		return 0;
	}
	memcpy(id->static_private, private_key, WGC_KEY_LEN);
	wgc_x25519_clamp(id->static_private);
	if (wgc_x25519_public(pub, id->static_private) < 0 ||
			wgc_ct_is_zero(pub, WGC_KEY_LEN)) {
		wgc_wipe(id->static_private, WGC_KEY_LEN);
		id->has_key = false;
		return -EINVAL;
	}
	memcpy(id->static_public, pub, WGC_KEY_LEN);
	identity_derive(id);
	id->has_key = true;
	return 0;
}

int
wgc_identity_set_private_key(struct wgc_identity *id,
		const uint8_t private_key[WGC_KEY_LEN])
{
	int rc;

	rte_rwlock_write_lock(&id->keys_lock);
	rc = set_private_key(id, private_key);
	rte_rwlock_write_unlock(&id->keys_lock);
	return rc;
}

void
wgc_identity_keys_read_lock(struct wgc_identity *id)
{
	rte_rwlock_read_lock(&id->keys_lock);
}

void
wgc_identity_keys_read_unlock(struct wgc_identity *id)
{
	rte_rwlock_read_unlock(&id->keys_lock);
}

struct wgc_identity *
wgc_identity_create(const char *name, const uint8_t private_key[WGC_KEY_LEN],
		int socket_id)
{
	struct wgc_identity *id;

	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (wgc_crypto_init() < 0) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	wgc_noise_constants_init();
	id = rte_zmalloc_socket("wgc_identity", sizeof(*id),
		RTE_CACHE_LINE_SIZE, socket_id);
	if (id == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	strlcpy(id->name, name, sizeof(id->name));
	rte_rwlock_init(&id->keys_lock);
	rte_spinlock_init(&id->secret_lock);
	if (private_key != NULL &&
			wgc_identity_set_private_key(id, private_key) < 0) {
		rte_free(id);
		rte_errno = EINVAL;
		return NULL;
	}
	return id;
}

void
wgc_identity_free(struct wgc_identity *id)
{
	if (id == NULL)
		return;
	wgc_wipe(id, offsetof(struct wgc_identity, stats));
	rte_free(id);
}

int
wgc_identity_public_key(const struct wgc_identity *id,
		uint8_t public_key[WGC_KEY_LEN])
{
	if (!id->has_key)
		return -ENOENT;
	memcpy(public_key, id->static_public, WGC_KEY_LEN);
	return 0;
}

void
wgc_identity_stats(const struct wgc_identity *id, struct wgc_proto_stats *out)
{
	unsigned int l, c;

	memset(out, 0, sizeof(*out));
	for (l = 0; l <= RTE_MAX_LCORE; l++)
		for (c = 0; c < WGC_CNT_MAX; c++)
			out->c[c] += __atomic_load_n(&id->stats[l].c[c],
				__ATOMIC_RELAXED);
}

void
wgc_identity_stats_reset(struct wgc_identity *id)
{
	unsigned int l, c;

	for (l = 0; l <= RTE_MAX_LCORE; l++)
		for (c = 0; c < WGC_CNT_MAX; c++)
			__atomic_store_n(&id->stats[l].c[c], 0,
				__ATOMIC_RELAXED);
}

void
wgc_identity_set_keylog(struct wgc_identity *id, wgc_keylog_t fn, void *ctx)
{
	if (fn != NULL)
		PROTO_LOG(WARNING, "%s: debug key log enabled (leaks secrets)",
			id->name);
	id->keylog_ctx = ctx;
	id->keylog = fn;
}

char *
wgc_keylog_format(char *buf, size_t len, const char *label,
		const uint8_t key[WGC_KEY_LEN])
{
	char b64[sodium_base64_ENCODED_LEN(WGC_KEY_LEN,
		sodium_base64_VARIANT_ORIGINAL)];
	int n;

	sodium_bin2base64(b64, sizeof(b64), key, WGC_KEY_LEN,
		sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(buf, len, "%s = %s\n", label, b64);
	wgc_wipe(b64, sizeof(b64));
	if (n < 0 || (size_t)n >= len)
		return NULL;
	return buf;
}

uint64_t
wgc_clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * WGC_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t
wgc_clock_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * WGC_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void
wgc_tai64n(uint8_t out[WGC_TIMESTAMP_LEN], uint64_t wall_ns)
{
	/*
	 * TAI64 label: 2^62 + 10 + seconds (as the Linux module). The
	 * nanoseconds are rounded down to 2^24 ns (about 1/60 s, below
	 * 1/INITIATIONS_PER_SECOND) so as not to leak a precise clock.
	 */
	uint64_t sec = 0x400000000000000aULL + wall_ns / WGC_NSEC_PER_SEC;
	uint32_t nsec = (uint32_t)(wall_ns % WGC_NSEC_PER_SEC);
	unsigned int i;

	nsec &= ~((1U << 24) - 1);
	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(sec >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(nsec >> (24 - 8 * i));
}
