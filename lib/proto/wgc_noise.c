/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake: initiation (148 B),
 * response (92 B) and session derivation, as in the WireGuard whitepaper
 * section 5.4.
 *
 * Consume functions work on local copies of the chaining key and hash and
 * touch the peer only once every check has passed: a rejected message
 * leaves no trace but a counter.
 */

#include <errno.h>
#include <string.h>

#include "wgc_proto_private.h"

/* hash = HASH(hash || data) */
static void
mix_hash(uint8_t hash[WGC_HASH_LEN], const void *data, size_t len)
{
	wgc_blake2s_2(hash, hash, WGC_HASH_LEN, data, len);
}

/* ck = KDF1(ck, data) */
static void
mix_key1(uint8_t ck[WGC_HASH_LEN], const uint8_t *data, size_t len)
{
	wgc_hkdf(ck, NULL, NULL, ck, data, len);
}

/* (ck, key) = KDF2(ck, data) */
static void
mix_key2(uint8_t ck[WGC_HASH_LEN], uint8_t key[WGC_KEY_LEN],
		const uint8_t *data, size_t len)
{
	wgc_hkdf(ck, key, NULL, ck, data, len);
}

/* (ck, key) = KDF2(ck, DH(priv, pub)); false if the DH is zero. */
static bool
mix_dh(uint8_t ck[WGC_HASH_LEN], uint8_t key[WGC_KEY_LEN],
		const uint8_t priv[WGC_KEY_LEN], const uint8_t pub[WGC_KEY_LEN])
{
	uint8_t dh[WGC_KEY_LEN];

	if (wgc_x25519(dh, priv, pub) < 0)
		return false;
	if (key != NULL)
		mix_key2(ck, key, dh, WGC_KEY_LEN);
	else
		mix_key1(ck, dh, WGC_KEY_LEN);
	wgc_wipe(dh, sizeof(dh));
	return true;
}

/* ck = KDF1(ck, e_pub); hash = HASH(hash || e_pub) */
static void
mix_ephemeral(uint8_t ck[WGC_HASH_LEN], uint8_t hash[WGC_HASH_LEN],
		const uint8_t e_pub[WGC_KEY_LEN])
{
	mix_key1(ck, e_pub, WGC_KEY_LEN);
	mix_hash(hash, e_pub, WGC_KEY_LEN);
}

/* (ck, tau, key) = KDF3(ck, psk); hash = HASH(hash || tau) */
static void
mix_psk(uint8_t ck[WGC_HASH_LEN], uint8_t hash[WGC_HASH_LEN],
		uint8_t key[WGC_KEY_LEN], const uint8_t psk[WGC_KEY_LEN])
{
	uint8_t tau[WGC_HASH_LEN];

	wgc_hkdf(ck, tau, key, ck, psk, WGC_KEY_LEN);
	mix_hash(hash, tau, WGC_HASH_LEN);
	wgc_wipe(tau, sizeof(tau));
}

/* ct = AEAD(key, 0, pt, hash); hash = HASH(hash || ct) */
static void
seal_and_hash(uint8_t *ct, const uint8_t *pt, size_t len,
		const uint8_t key[WGC_KEY_LEN], uint8_t hash[WGC_HASH_LEN])
{
	wgc_aead_seal(ct, pt, len, hash, WGC_HASH_LEN, 0, key);
	mix_hash(hash, ct, len + WGC_AEAD_TAG_LEN);
}

static bool
open_and_hash(uint8_t *pt, const uint8_t *ct, size_t ctlen,
		const uint8_t key[WGC_KEY_LEN], uint8_t hash[WGC_HASH_LEN])
{
	if (wgc_aead_open(pt, ct, ctlen, hash, WGC_HASH_LEN, 0, key) < 0)
		return false;
	mix_hash(hash, ct, ctlen);
	return true;
}

void
wgc_handshake_clear(struct wgc_peer_proto *peer)
{
	struct wgc_handshake *hs = &peer->handshake;

	if (hs->entry.type == WGC_INDEX_HANDSHAKE)
		wgc_index_remove(peer->index_table, &hs->entry);
	wgc_wipe(hs->ephemeral_private, WGC_KEY_LEN);
	wgc_wipe(hs->remote_ephemeral, WGC_KEY_LEN);
	wgc_wipe(hs->hash, WGC_HASH_LEN);
	wgc_wipe(hs->chaining_key, WGC_HASH_LEN);
	hs->remote_index = 0;
	hs->entry.index = 0;
	hs->entry.type = WGC_INDEX_NONE;
	hs->state = WGC_HS_ZEROED;
}

/* Give the handshake a fresh index (dropping its old one). */
static int
handshake_rehash(struct wgc_peer_proto *peer)
{
	struct wgc_handshake *hs = &peer->handshake;
	int ret;

	if (hs->entry.type == WGC_INDEX_HANDSHAKE)
		wgc_index_remove(peer->index_table, &hs->entry);
	hs->entry.type = WGC_INDEX_HANDSHAKE;
	hs->entry.peer = peer;
	ret = wgc_index_insert(peer->index_table, &hs->entry);
	if (ret < 0)
		hs->entry.type = WGC_INDEX_NONE;
	return ret;
}

static void
precompute_ss(struct wgc_peer_proto *peer)
{
	/* stale: ss_ready() computes it when a handshake first needs it */
	wgc_wipe(peer->precomputed_ss, WGC_KEY_LEN);
	peer->ss_valid = false;
	peer->ss_done = false;
}

/* the static-static DH of a peer, computed once and cached */
static bool
ss_ready(struct wgc_peer_proto *peer)
{
	struct wgc_identity *id = peer->identity;

	if (likely(peer->ss_done))
		return peer->ss_valid;
	if (!id->has_key)
		return false;
	peer->ss_valid = wgc_x25519(peer->precomputed_ss, id->static_private,
		peer->remote_static) == 0;
	if (!peer->ss_valid)
		memset(peer->precomputed_ss, 0, WGC_KEY_LEN);
	peer->ss_done = true;
	return peer->ss_valid;
}

int
wgc_peer_proto_init(struct wgc_peer_proto *peer, struct wgc_identity *id,
		struct wgc_index_table *t, const uint8_t remote_static[WGC_KEY_LEN],
		const uint8_t psk[WGC_KEY_LEN], void *user)
{
	static uint64_t peer_ids;

	if (peer == NULL || id == NULL || t == NULL || remote_static == NULL)
		return -EINVAL;
	memset(peer, 0, sizeof(*peer));
	peer->identity = id;
	peer->index_table = t;
	peer->user = user;
	memcpy(peer->remote_static, remote_static, WGC_KEY_LEN);
	if (psk != NULL)
		memcpy(peer->preshared_key, psk, WGC_KEY_LEN);
	rte_spinlock_init(&peer->keypairs.lock);
	rte_spinlock_recursive_init(&peer->lock);
	peer->handshake.entry.peer = peer;
	precompute_ss(peer);
	wgc_cookie_peer_init(peer);
	peer->internal_id = __atomic_add_fetch(&peer_ids, 1, __ATOMIC_RELAXED);
	return 0;
}

void
wgc_peer_proto_fini(struct wgc_peer_proto *peer)
{
	wgc_peer_proto_lock(peer);
	wgc_peer_proto_clear(peer);
	wgc_wipe(peer->preshared_key, WGC_KEY_LEN);
	wgc_wipe(peer->precomputed_ss, WGC_KEY_LEN);
	wgc_wipe(&peer->cookie, sizeof(peer->cookie));
	peer->ss_valid = false;
	peer->ss_done = false;
	peer->removed = true;
	wgc_peer_proto_unlock(peer);
}

void
wgc_peer_proto_set_psk(struct wgc_peer_proto *peer,
		const uint8_t psk[WGC_KEY_LEN])
{
	wgc_peer_proto_lock(peer);
	if (psk != NULL)
		memcpy(peer->preshared_key, psk, WGC_KEY_LEN);
	else
		wgc_wipe(peer->preshared_key, WGC_KEY_LEN);
	wgc_peer_proto_unlock(peer);
}

void
wgc_peer_proto_set_identity_changed(struct wgc_peer_proto *peer)
{
	wgc_peer_proto_lock(peer);
	wgc_handshake_clear(peer);
	precompute_ss(peer);
	wgc_peer_proto_expire_keypairs(peer);
	wgc_peer_proto_unlock(peer);
}

void
wgc_peer_proto_clear(struct wgc_peer_proto *peer)
{
	wgc_peer_proto_lock(peer);
	wgc_handshake_clear(peer);
	wgc_keypairs_clear(peer);
	wgc_peer_proto_unlock(peer);
}

static int
create_initiation(struct wgc_peer_proto *peer,
		uint8_t msg[WGC_MSG_INITIATION_LEN], uint64_t now, uint64_t wall_ns)
{
	struct wgc_msg_initiation *m = (struct wgc_msg_initiation *)msg;
	struct wgc_identity *id = peer->identity;
	struct wgc_handshake *hs = &peer->handshake;
	uint8_t e_pub[WGC_KEY_LEN];
	uint8_t key[WGC_KEY_LEN];
	uint8_t ts[WGC_TIMESTAMP_LEN];
	int ret = -ENOKEY;

	if (!id->has_key || !ss_ready(peer))
		return -ENOKEY;
	memset(msg, 0, WGC_MSG_INITIATION_LEN);
	msg[0] = WGC_MSG_INITIATION;

	memcpy(hs->chaining_key, wgc_noise_init_chaining_key, WGC_HASH_LEN);
	wgc_blake2s_2(hs->hash, wgc_noise_init_hash, WGC_HASH_LEN,
		peer->remote_static, WGC_KEY_LEN);

	/* e */
	if (wgc_ephemeral_next(hs->ephemeral_private, e_pub) < 0)
		goto fail;
	memcpy(m->unencrypted_ephemeral, e_pub, WGC_KEY_LEN);
	mix_ephemeral(hs->chaining_key, hs->hash, e_pub);
	wgc_keylog_ephemeral(id, hs->ephemeral_private, peer->preshared_key);

	/* es */
	if (!mix_dh(hs->chaining_key, key, hs->ephemeral_private,
			peer->remote_static))
		goto fail;

	/* s */
	seal_and_hash(m->encrypted_static, id->static_public, WGC_KEY_LEN,
		key, hs->hash);

	/* ss (precomputed) */
	mix_key2(hs->chaining_key, key, peer->precomputed_ss, WGC_KEY_LEN);

	/* {t} */
	wgc_tai64n(ts, wall_ns);
	seal_and_hash(m->encrypted_timestamp, ts, WGC_TIMESTAMP_LEN, key,
		hs->hash);

	ret = handshake_rehash(peer);
	if (ret < 0)
		goto fail;
	wgc_put_le32((uint8_t *)&m->sender_index, hs->entry.index);
	hs->state = WGC_HS_CREATED_INITIATION;
	wgc_cookie_add_macs(peer, msg, WGC_MSG_INITIATION_LEN, now);
	wgc_count(id, WGC_CNT_INITIATION_SENT);
	wgc_wipe(key, sizeof(key));
	return 0;
fail:
	wgc_wipe(key, sizeof(key));
	wgc_handshake_clear(peer);
	memset(msg, 0, WGC_MSG_INITIATION_LEN);
	return ret;
}

int
wgc_handshake_consume_initiation(struct wgc_identity *id,
		const uint8_t *msg, size_t len, wgc_peer_lookup_t lookup,
		void *lookup_ctx, uint64_t now, struct wgc_peer_proto **peer_out)
{
	const struct wgc_msg_initiation *m =
		(const struct wgc_msg_initiation *)msg;
	struct wgc_peer_proto *peer;
	uint8_t ck[WGC_HASH_LEN], hash[WGC_HASH_LEN], key[WGC_KEY_LEN];
	uint8_t s[WGC_KEY_LEN], ts[WGC_TIMESTAMP_LEN];
	struct wgc_peer_proto *locked = NULL;
	enum wgc_proto_counter why;
	int ret = -EBADMSG;

	if (len != WGC_MSG_INITIATION_LEN ||
			wgc_get_le32(msg) != WGC_MSG_INITIATION) {
		wgc_count(id, WGC_CNT_DROP_BAD_LENGTH);
		return -EBADMSG;
	}
	if (!id->has_key) {
		wgc_count(id, WGC_CNT_DROP_NO_IDENTITY);
		return -ENOKEY;
	}
	memcpy(ck, wgc_noise_init_chaining_key, WGC_HASH_LEN);
	memcpy(hash, id->responder_hash0, WGC_HASH_LEN);

	/* e */
	mix_ephemeral(ck, hash, m->unencrypted_ephemeral);

	/* es */
	why = WGC_CNT_DROP_BAD_DH;
	if (!mix_dh(ck, key, id->static_private, m->unencrypted_ephemeral))
		goto out;

	/* s */
	why = WGC_CNT_DROP_DECRYPT;
	if (!open_and_hash(s, m->encrypted_static,
			sizeof(m->encrypted_static), key, hash))
		goto out;

	why = WGC_CNT_DROP_UNKNOWN_PEER;
	ret = -ENOENT;
	peer = lookup(lookup_ctx, s);
	if (peer == NULL)
		goto out;
	/* from here on the peer's state: under its lock */
	wgc_peer_proto_lock(peer);
	locked = peer;
	if (peer->removed)
		goto out;
	why = WGC_CNT_DROP_BAD_DH;
	ret = -EBADMSG;
	if (!ss_ready(peer))
		goto out;

	/* ss */
	mix_key2(ck, key, peer->precomputed_ss, WGC_KEY_LEN);

	/* {t} */
	why = WGC_CNT_DROP_DECRYPT;
	if (!open_and_hash(ts, m->encrypted_timestamp,
			sizeof(m->encrypted_timestamp), key, hash))
		goto out;

	why = WGC_CNT_DROP_REPLAYED_TIMESTAMP;
	ret = -EALREADY;
	if (memcmp(ts, peer->latest_timestamp, WGC_TIMESTAMP_LEN) <= 0)
		goto out;
	why = WGC_CNT_DROP_FLOOD;
	ret = -EBUSY;
	if (peer->last_initiation_consumed != 0 &&
			wgc_age(now, peer->last_initiation_consumed) <
			WGC_NSEC_PER_SEC / WGC_INITIATIONS_PER_SECOND)
		goto out;

	/* Success: commit. */
	memcpy(peer->handshake.remote_ephemeral, m->unencrypted_ephemeral,
		WGC_KEY_LEN);
	memcpy(peer->latest_timestamp, ts, WGC_TIMESTAMP_LEN);
	memcpy(peer->handshake.hash, hash, WGC_HASH_LEN);
	memcpy(peer->handshake.chaining_key, ck, WGC_HASH_LEN);
	peer->handshake.remote_index = wgc_get_le32(
		(const uint8_t *)&m->sender_index);
	peer->handshake.state = WGC_HS_CONSUMED_INITIATION;
	/* 0 means "never": keep a consumed time non-zero. */
	peer->last_initiation_consumed = now != 0 ? now : 1;
	wgc_count(id, WGC_CNT_INITIATION_CONSUMED);
	*peer_out = peer;
	ret = 0;
	goto wipe;
out:
	wgc_count(id, why);
wipe:
	if (locked != NULL)
		wgc_peer_proto_unlock(locked);
	wgc_wipe(ck, sizeof(ck));
	wgc_wipe(hash, sizeof(hash));
	wgc_wipe(key, sizeof(key));
	wgc_wipe(s, sizeof(s));
	return ret;
}

int
wgc_handshake_create_initiation(struct wgc_peer_proto *peer,
		uint8_t msg[WGC_MSG_INITIATION_LEN], uint64_t now, uint64_t wall_ns)
{
	int ret = -ENOENT;

	wgc_peer_proto_lock(peer);
	if (!peer->removed)
		ret = create_initiation(peer, msg, now, wall_ns);
	wgc_peer_proto_unlock(peer);
	return ret;
}

/* Derive the transport keys from the final chaining key. */
static void
derive_keypair(struct wgc_peer_proto *peer, struct wgc_keypair *kp,
		bool initiator, uint64_t now)
{
	struct wgc_handshake *hs = &peer->handshake;
	uint8_t t1[WGC_KEY_LEN], t2[WGC_KEY_LEN];

	wgc_hkdf(t1, t2, NULL, hs->chaining_key, NULL, 0);
	memcpy(kp->send_key, initiator ? t1 : t2, WGC_KEY_LEN);
	memcpy(kp->recv_key, initiator ? t2 : t1, WGC_KEY_LEN);
	wgc_wipe(t1, sizeof(t1));
	wgc_wipe(t2, sizeof(t2));
	kp->initiator = initiator;
	kp->remote_index = hs->remote_index;
	kp->birthdate = now;
	kp->sending_valid = true;
	kp->receiving_valid = true;
	wgc_replay_init(&kp->replay);
}

/* Move the handshake's index to the keypair and install it. */
static void
begin_session(struct wgc_peer_proto *peer, struct wgc_keypair *kp)
{
	struct wgc_handshake *hs = &peer->handshake;

	wgc_index_replace(peer->index_table, &hs->entry, &kp->entry);
	/* The index now belongs to the keypair. */
	hs->entry.type = WGC_INDEX_NONE;
	wgc_handshake_clear(peer);
	wgc_keypairs_add_new(peer, kp);
	wgc_count(peer->identity, WGC_CNT_SESSION_DERIVED);
}

static int
create_response(struct wgc_peer_proto *peer,
		uint8_t msg[WGC_MSG_RESPONSE_LEN], uint64_t now)
{
	struct wgc_msg_response *m = (struct wgc_msg_response *)msg;
	struct wgc_handshake *hs = &peer->handshake;
	struct wgc_keypair *kp;
	uint8_t e_pub[WGC_KEY_LEN];
	uint8_t key[WGC_KEY_LEN];
	int ret;

	if (hs->state != WGC_HS_CONSUMED_INITIATION)
		return -EINVAL;
	if (!peer->identity->has_key)
		return -ENOKEY;
	kp = wgc_keypair_alloc(peer);
	if (kp == NULL)
		return -ENOMEM;
	memset(msg, 0, WGC_MSG_RESPONSE_LEN);
	msg[0] = WGC_MSG_RESPONSE;
	wgc_put_le32((uint8_t *)&m->receiver_index, hs->remote_index);

	/* e */
	ret = -ENOKEY;
	if (wgc_ephemeral_next(hs->ephemeral_private, e_pub) < 0)
		goto fail;
	memcpy(m->unencrypted_ephemeral, e_pub, WGC_KEY_LEN);
	mix_ephemeral(hs->chaining_key, hs->hash, e_pub);
	wgc_keylog_ephemeral(peer->identity, hs->ephemeral_private,
		peer->preshared_key);

	/* ee, se */
	if (!mix_dh(hs->chaining_key, NULL, hs->ephemeral_private,
			hs->remote_ephemeral))
		goto fail;
	if (!mix_dh(hs->chaining_key, NULL, hs->ephemeral_private,
			peer->remote_static))
		goto fail;

	/* psk */
	mix_psk(hs->chaining_key, hs->hash, key, peer->preshared_key);

	/* {} */
	seal_and_hash(m->encrypted_nothing, NULL, 0, key, hs->hash);
	wgc_wipe(key, sizeof(key));

	ret = handshake_rehash(peer);
	if (ret < 0)
		goto fail;
	wgc_put_le32((uint8_t *)&m->sender_index, hs->entry.index);
	hs->state = WGC_HS_CREATED_RESPONSE;
	wgc_cookie_add_macs(peer, msg, WGC_MSG_RESPONSE_LEN, now);

	derive_keypair(peer, kp, false, now);
	begin_session(peer, kp);
	wgc_count(peer->identity, WGC_CNT_RESPONSE_SENT);
	return 0;
fail:
	wgc_keypair_destroy(kp);
	wgc_wipe(key, sizeof(key));
	wgc_handshake_clear(peer);
	memset(msg, 0, WGC_MSG_RESPONSE_LEN);
	return ret;
}

int
wgc_handshake_create_response(struct wgc_peer_proto *peer,
		uint8_t msg[WGC_MSG_RESPONSE_LEN], uint64_t now)
{
	int ret = -EINVAL;

	wgc_peer_proto_lock(peer);
	if (!peer->removed)
		ret = create_response(peer, msg, now);
	wgc_peer_proto_unlock(peer);
	return ret;
}

int
wgc_handshake_consume_response(struct wgc_identity *id,
		struct wgc_index_table *t, const uint8_t *msg, size_t len,
		uint64_t now, struct wgc_peer_proto **peer_out)
{
	const struct wgc_msg_response *m = (const struct wgc_msg_response *)msg;
	struct wgc_index_entry *e;
	struct wgc_peer_proto *peer;
	struct wgc_handshake *hs;
	struct wgc_keypair *kp;
	uint8_t ck[WGC_HASH_LEN], hash[WGC_HASH_LEN], key[WGC_KEY_LEN];
	uint8_t empty[1];
	enum wgc_proto_counter why;
	int ret = -EBADMSG;
	uint32_t rx;

	if (len != WGC_MSG_RESPONSE_LEN ||
			wgc_get_le32(msg) != WGC_MSG_RESPONSE) {
		wgc_count(id, WGC_CNT_DROP_BAD_LENGTH);
		return -EBADMSG;
	}
	if (!id->has_key) {
		wgc_count(id, WGC_CNT_DROP_NO_IDENTITY);
		return -ENOKEY;
	}
	rx = wgc_get_le32((const uint8_t *)&m->receiver_index);
	e = wgc_index_lookup(t, rx);
	if (e == NULL || e->type != WGC_INDEX_HANDSHAKE) {
		wgc_count(id, WGC_CNT_DROP_UNKNOWN_INDEX);
		return -ENOENT;
	}
	/* a handshake entry lives in its peer: lock it, then check that the
	 * index is still this handshake's */
	peer = e->peer;
	hs = &peer->handshake;
	wgc_peer_proto_lock(peer);
	if (peer->removed || hs->entry.type != WGC_INDEX_HANDSHAKE ||
			hs->entry.index != rx) {
		wgc_peer_proto_unlock(peer);
		wgc_count(id, WGC_CNT_DROP_UNKNOWN_INDEX);
		return -ENOENT;
	}
	if (hs->state != WGC_HS_CREATED_INITIATION) {
		wgc_peer_proto_unlock(peer);
		wgc_count(id, WGC_CNT_DROP_BAD_STATE);
		return -EINVAL;
	}
	kp = wgc_keypair_alloc(peer);
	if (kp == NULL) {
		wgc_peer_proto_unlock(peer);
		return -ENOMEM;
	}
	memcpy(ck, hs->chaining_key, WGC_HASH_LEN);
	memcpy(hash, hs->hash, WGC_HASH_LEN);

	/* e */
	mix_ephemeral(ck, hash, m->unencrypted_ephemeral);

	/* ee, se */
	why = WGC_CNT_DROP_BAD_DH;
	if (!mix_dh(ck, NULL, hs->ephemeral_private,
			m->unencrypted_ephemeral))
		goto out;
	if (!mix_dh(ck, NULL, id->static_private, m->unencrypted_ephemeral))
		goto out;

	/* psk */
	mix_psk(ck, hash, key, peer->preshared_key);

	/* {} */
	why = WGC_CNT_DROP_DECRYPT;
	if (!open_and_hash(empty, m->encrypted_nothing,
			sizeof(m->encrypted_nothing), key, hash))
		goto out;

	/* Success: commit. */
	memcpy(hs->remote_ephemeral, m->unencrypted_ephemeral, WGC_KEY_LEN);
	memcpy(hs->chaining_key, ck, WGC_HASH_LEN);
	memcpy(hs->hash, hash, WGC_HASH_LEN);
	hs->remote_index = wgc_get_le32((const uint8_t *)&m->sender_index);
	hs->state = WGC_HS_CONSUMED_RESPONSE;
	derive_keypair(peer, kp, true, now);
	begin_session(peer, kp);
	wgc_count(id, WGC_CNT_RESPONSE_CONSUMED);
	*peer_out = peer;
	ret = 0;
	goto wipe;
out:
	wgc_keypair_destroy(kp);
	wgc_count(id, why);
wipe:
	wgc_peer_proto_unlock(peer);
	wgc_wipe(ck, sizeof(ck));
	wgc_wipe(hash, sizeof(hash));
	wgc_wipe(key, sizeof(key));
	return ret;
}
