/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * MAC1 / MAC2 and cookie replies (whitepaper section 5.4.7).
 *
 * Receiving side: MAC1 = MAC(HASH("mac1----" || S_pub), msg[..-32]) is
 * always checked. Under load, MAC2 = MAC(cookie, msg[..-16]) must also be
 * valid, where cookie = MAC(secret, src addr || src port) and the secret is
 * rotated every COOKIE_SECRET_MAX_AGE; otherwise a cookie reply is sent:
 * XChaCha20-Poly1305(HASH("cookie--" || S_pub), random nonce, cookie,
 * AAD = the MAC1 of the message being answered).
 *
 * Sending side: every initiation/response carries MAC1 under the peer's
 * key, and MAC2 if the peer gave us a cookie less than
 * COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY ago.
 */

#include <errno.h>
#include <string.h>

#include "wgc_proto_private.h"

static const char label_mac1[] = "mac1----";
static const char label_cookie[] = "cookie--";

void
wgc_cookie_peer_init(struct wgc_peer_proto *peer)
{
	memset(&peer->cookie, 0, sizeof(peer->cookie));
}

/* HASH(label || S_r): the peer's mac1 or cookie decryption key */
static void
peer_key(uint8_t key[WGC_HASH_LEN], const char *label,
		const struct wgc_peer_proto *peer)
{
	wgc_blake2s_2(key, label, 8, peer->remote_static, WGC_KEY_LEN);
}

static size_t
addr_bytes(uint8_t out[18], const struct wgc_endpoint *src)
{
	size_t alen = src->addr.family == AF_INET6 ? 16 : 4;

	memcpy(out, src->addr.bytes, alen);
	out[alen] = (uint8_t)(src->port >> 8);
	out[alen + 1] = (uint8_t)src->port;
	return alen + 2;
}

/* cookie = MAC(secret, src), rotating the secret when it is too old. */
static void
make_cookie(struct wgc_identity *id, uint8_t cookie[WGC_COOKIE_LEN],
		const struct wgc_endpoint *src, uint64_t now)
{
	uint8_t a[18], secret[WGC_HASH_LEN];
	size_t alen;

	/* one secret for every handshake lcore: whichever finds it too old
	 * rotates it */
	rte_spinlock_lock(&id->secret_lock);
	if (!id->secret_valid ||
			wgc_age(now, id->secret_birthdate) >= WGC_COOKIE_SECRET_MAX_AGE) {
		wgc_random(id->cookie_secret, WGC_HASH_LEN);
		id->secret_birthdate = now;
		id->secret_valid = true;
	}
	memcpy(secret, id->cookie_secret, WGC_HASH_LEN);
	rte_spinlock_unlock(&id->secret_lock);
	alen = addr_bytes(a, src);
	wgc_blake2s_mac(cookie, WGC_COOKIE_LEN, secret, WGC_HASH_LEN, a, alen);
	wgc_wipe(secret, sizeof(secret));
}

static bool
handshake_len_ok(const uint8_t *msg, size_t len)
{
	uint32_t t;

	if (len < 4)
		return false;
	t = wgc_get_le32(msg);
	return (t == WGC_MSG_INITIATION && len == WGC_MSG_INITIATION_LEN) ||
		(t == WGC_MSG_RESPONSE && len == WGC_MSG_RESPONSE_LEN);
}

enum wgc_mac_verdict
wgc_cookie_validate(struct wgc_identity *id, struct wgc_ratelimiter *rl,
		const uint8_t *msg, size_t len,
		const struct wgc_endpoint *src, bool under_load, uint64_t now)
{
	const struct wgc_msg_macs *macs;
	uint8_t mac[WGC_MAC_LEN];
	uint8_t cookie[WGC_COOKIE_LEN];
	bool ok;

	if (!handshake_len_ok(msg, len)) {
		wgc_count(id, WGC_CNT_DROP_BAD_LENGTH);
		return WGC_MAC_DROP_BAD_LENGTH;
	}
	if (!id->has_key) {
		wgc_count(id, WGC_CNT_DROP_NO_IDENTITY);
		return WGC_MAC_DROP_NO_IDENTITY;
	}
	macs = (const struct wgc_msg_macs *)(msg + len - sizeof(*macs));
	wgc_blake2s_mac(mac, WGC_MAC_LEN, id->mac1_key, WGC_HASH_LEN, msg,
		len - sizeof(*macs));
	if (!wgc_ct_eq(mac, macs->mac1, WGC_MAC_LEN)) {
		wgc_count(id, WGC_CNT_DROP_BAD_MAC1);
		return WGC_MAC_DROP_BAD_MAC1;
	}
	if (!under_load)
		return WGC_MAC_ACCEPT;

	make_cookie(id, cookie, src, now);
	wgc_blake2s_mac(mac, WGC_MAC_LEN, cookie, WGC_COOKIE_LEN, msg,
		len - WGC_MAC_LEN);
	ok = wgc_ct_eq(mac, macs->mac2, WGC_MAC_LEN);
	wgc_wipe(cookie, sizeof(cookie));
	if (!ok) {
		wgc_count(id, WGC_CNT_DROP_BAD_MAC2);
		return WGC_MAC_SEND_COOKIE;
	}
	if (rl != NULL && !wgc_ratelimiter_allow(rl, src, now)) {
		wgc_count(id, WGC_CNT_DROP_RATELIMITED);
		return WGC_MAC_DROP_RATELIMITED;
	}
	return WGC_MAC_ACCEPT;
}

int
wgc_cookie_create_reply(struct wgc_identity *id,
		uint8_t out[WGC_MSG_COOKIE_REPLY_LEN], const uint8_t *msg,
		size_t len, const struct wgc_endpoint *src, uint64_t now)
{
	struct wgc_msg_cookie_reply *r = (struct wgc_msg_cookie_reply *)out;
	const struct wgc_msg_macs *macs;
	uint8_t cookie[WGC_COOKIE_LEN];

	if (!handshake_len_ok(msg, len) || !id->has_key)
		return -EINVAL;
	macs = (const struct wgc_msg_macs *)(msg + len - sizeof(*macs));
	memset(out, 0, WGC_MSG_COOKIE_REPLY_LEN);
	out[0] = WGC_MSG_COOKIE_REPLY;
	/* Both initiation and response have the sender index at 4. */
	memcpy(&r->receiver_index, msg + 4, 4);
	wgc_random(r->nonce, WGC_XNONCE_LEN);
	make_cookie(id, cookie, src, now);
	wgc_xaead_seal(r->encrypted_cookie, cookie, WGC_COOKIE_LEN,
		macs->mac1, WGC_MAC_LEN, r->nonce, id->cookie_encryption_key);
	wgc_wipe(cookie, sizeof(cookie));
	wgc_count(id, WGC_CNT_COOKIE_SENT);
	return 0;
}

int
wgc_cookie_consume_reply(struct wgc_identity *id, struct wgc_index_table *t,
		const uint8_t *msg, size_t len, uint64_t now,
		struct wgc_peer_proto **peer_out)
{
	const struct wgc_msg_cookie_reply *r =
		(const struct wgc_msg_cookie_reply *)msg;
	struct wgc_index_entry *e;
	struct wgc_peer_proto *peer;
	uint8_t cookie[WGC_COOKIE_LEN];
	uint8_t key[WGC_HASH_LEN];
	int rc;

	if (len != WGC_MSG_COOKIE_REPLY_LEN ||
			wgc_get_le32(msg) != WGC_MSG_COOKIE_REPLY) {
		wgc_count(id, WGC_CNT_DROP_BAD_LENGTH);
		return -EBADMSG;
	}
	e = wgc_index_lookup(t, wgc_get_le32(
		(const uint8_t *)&r->receiver_index));
	if (e == NULL || (e->type != WGC_INDEX_HANDSHAKE &&
			e->type != WGC_INDEX_KEYPAIR)) {
		wgc_count(id, WGC_CNT_DROP_UNKNOWN_INDEX);
		return -ENOENT;
	}
	peer = e->peer;
	wgc_peer_proto_lock(peer);
	if (peer->removed || !peer->cookie.have_sent_mac1) {
		wgc_peer_proto_unlock(peer);
		wgc_count(id, WGC_CNT_DROP_BAD_STATE);
		return -EINVAL;
	}
	peer_key(key, label_cookie, peer);
	rc = wgc_xaead_open(cookie, r->encrypted_cookie,
		sizeof(r->encrypted_cookie), peer->cookie.last_mac1_sent,
		WGC_MAC_LEN, r->nonce, key);
	wgc_wipe(key, sizeof(key));
	if (rc < 0) {
		wgc_peer_proto_unlock(peer);
		wgc_count(id, WGC_CNT_DROP_DECRYPT);
		return -EBADMSG;
	}
	memcpy(peer->cookie.cookie, cookie, WGC_COOKIE_LEN);
	wgc_wipe(cookie, sizeof(cookie));
	peer->cookie.birthdate = now;
	peer->cookie.valid = true;
	peer->cookie.have_sent_mac1 = false;
	wgc_peer_proto_unlock(peer);
	wgc_count(id, WGC_CNT_COOKIE_CONSUMED);
	*peer_out = peer;
	return 0;
}

void
wgc_cookie_add_macs(struct wgc_peer_proto *peer, uint8_t *msg, size_t len,
		uint64_t now)
{
	struct wgc_peer_cookie *c = &peer->cookie;
	struct wgc_msg_macs *macs =
		(struct wgc_msg_macs *)(msg + len - sizeof(*macs));
	uint8_t key[WGC_HASH_LEN];

	peer_key(key, label_mac1, peer);
	wgc_blake2s_mac(macs->mac1, WGC_MAC_LEN, key, WGC_HASH_LEN,
		msg, len - sizeof(*macs));
	wgc_wipe(key, sizeof(key));
	memcpy(c->last_mac1_sent, macs->mac1, WGC_MAC_LEN);
	c->have_sent_mac1 = true;
	if (c->valid && wgc_age(now, c->birthdate) <
			WGC_COOKIE_SECRET_MAX_AGE - WGC_COOKIE_SECRET_LATENCY)
		wgc_blake2s_mac(macs->mac2, WGC_MAC_LEN, c->cookie,
			WGC_COOKIE_LEN, msg, len - WGC_MAC_LEN);
	else
		memset(macs->mac2, 0, WGC_MAC_LEN);
}
