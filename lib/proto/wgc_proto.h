/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_PROTO_H_
#define _WGC_PROTO_H_

/**
 * @file
 * The WireGuard protocol core: Noise_IKpsk2 handshake, cookies and MACs,
 * per-source rate limiter, keypairs, replay window, transport encap/decap
 * on bursts of views, timers. It knows nothing about ports or threads.
 *
 * Objects:
 * - struct wgc_identity: the device's static key pair, MAC1/cookie keys,
 *   cookie secret (rotated every 120 s) and the drop/handshake counters.
 * - struct wgc_peer_proto: per-peer protocol state, embedded in (or
 *   pointed to by) the data plane's peer. No endpoint, allowed-IPs, stats.
 * - struct wgc_index_table: 32-bit receiver index -> handshake or keypair
 *   (and its peer), lock-free reads, one writer.
 * - struct wgc_keypair: session keys, send counter, replay window.
 * - struct wgc_ratelimiter: token bucket per source address.
 * - struct wgc_timer_wheel: schedules peers whose timers are armed.
 *
 * Threads (see doc/protocol.md):
 * - "Control" threads (the handshake lcores, the timer thread, the
 *   control plane) call every function except the ones marked "worker".
 *   Several may run at once: each function that reads or writes a peer's
 *   handshake, cookie or keypair slots holds that peer's own lock
 *   (wgc_peer_proto_lock(), recursive, so that a caller may hold it
 *   across several calls), never a table-wide one; the index table
 *   serialises its writers; the cookie secret is shared under its own
 *   lock; the identity's keys are read under wgc_identity_keys_read_lock()
 *   by threads that may run beside wgc_identity_set_private_key(). Holding
 *   a peer's lock, lib/proto never waits for an RCU grace period, so a
 *   thread that is an online RCU reader may handshake.
 * - Worker lcores call wgc_index_lookup*(), wgc_transport_encap_burst(),
 *   wgc_transport_decap_burst(), wgc_keypair_*() helpers and the data timer
 *   hooks. Readers must be registered with the rte_rcu_qsbr given to
 *   wgc_index_table_create() and report quiescent states; keypairs are
 *   freed only after a grace period (wgc_index_table_reclaim()). The
 *   control thread must not be an online reader of that qsbr: when the
 *   defer queue is full it waits for a grace period
 *   (rte_rcu_qsbr_synchronize()).
 * - Packets of one keypair may be decapsulated on several lcores at once:
 *   the replay window takes its spinlock around each check-and-update.
 *
 * Time: every function takes `now`, monotonic nanoseconds from the caller's
 * (injectable) clock; wgc_handshake_create_initiation() also takes the wall
 * clock for its TAI64N timestamp.
 *
 * Errors: functions returning int return 0 or a negative errno-style value;
 * create functions return NULL and set rte_errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "wgc_addr.h"
#include "wgc_crypto.h"
#include "wgc_iobuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Protocol constants (whitepaper section 6, Linux messages.h) ---- */

#define WGC_NSEC_PER_SEC 1000000000ULL

#define WGC_REKEY_AFTER_MESSAGES (1ULL << 60)
#define WGC_REJECT_AFTER_MESSAGES (UINT64_MAX - (1ULL << 13)) /* 2^64-2^13-1 */
#define WGC_REKEY_TIMEOUT (5 * WGC_NSEC_PER_SEC)
#define WGC_REKEY_TIMEOUT_JITTER_MAX (WGC_NSEC_PER_SEC / 3)
#define WGC_REKEY_AFTER_TIME (120 * WGC_NSEC_PER_SEC)
#define WGC_REJECT_AFTER_TIME (180 * WGC_NSEC_PER_SEC)
#define WGC_REKEY_ATTEMPT_TIME (90 * WGC_NSEC_PER_SEC)
#define WGC_KEEPALIVE_TIMEOUT (10 * WGC_NSEC_PER_SEC)
#define WGC_INITIATIONS_PER_SECOND 50
#define WGC_MAX_TIMER_HANDSHAKES (90 / 5)  /* REKEY_ATTEMPT / REKEY_TIMEOUT */
#define WGC_COOKIE_SECRET_MAX_AGE (120 * WGC_NSEC_PER_SEC)
#define WGC_COOKIE_SECRET_LATENCY (5 * WGC_NSEC_PER_SEC)
#define WGC_MAX_STAGED_PACKETS 128  /* advice for the data plane */

/* ---- Wire format ---- */

#define WGC_MSG_INITIATION 1
#define WGC_MSG_RESPONSE 2
#define WGC_MSG_COOKIE_REPLY 3
#define WGC_MSG_TRANSPORT 4

#define WGC_MSG_INITIATION_LEN 148
#define WGC_MSG_RESPONSE_LEN 92
#define WGC_MSG_COOKIE_REPLY_LEN 64
#define WGC_MSG_TRANSPORT_HDR_LEN 16
#define WGC_MSG_TRANSPORT_MIN_LEN (WGC_MSG_TRANSPORT_HDR_LEN + WGC_AEAD_TAG_LEN)
#define WGC_TIMESTAMP_LEN 12  /* TAI64N */
#define WGC_COOKIE_LEN 16

/** MAC1 and MAC2, the last 32 bytes of initiation and response. */
struct wgc_msg_macs {
	uint8_t mac1[WGC_MAC_LEN];
	uint8_t mac2[WGC_MAC_LEN];
} __rte_packed;

/** Type 1, 148 bytes. Integers are little-endian. */
struct wgc_msg_initiation {
	uint32_t type;                 /**< 1, then 3 zero bytes */
	uint32_t sender_index;
	uint8_t unencrypted_ephemeral[WGC_KEY_LEN];
	uint8_t encrypted_static[WGC_KEY_LEN + WGC_AEAD_TAG_LEN];
	uint8_t encrypted_timestamp[WGC_TIMESTAMP_LEN + WGC_AEAD_TAG_LEN];
	struct wgc_msg_macs macs;
} __rte_packed;

/** Type 2, 92 bytes. */
struct wgc_msg_response {
	uint32_t type;
	uint32_t sender_index;
	uint32_t receiver_index;
	uint8_t unencrypted_ephemeral[WGC_KEY_LEN];
	uint8_t encrypted_nothing[WGC_AEAD_TAG_LEN];
	struct wgc_msg_macs macs;
} __rte_packed;

/** Type 3, 64 bytes. */
struct wgc_msg_cookie_reply {
	uint32_t type;
	uint32_t receiver_index;
	uint8_t nonce[WGC_XNONCE_LEN];
	uint8_t encrypted_cookie[WGC_COOKIE_LEN + WGC_AEAD_TAG_LEN];
} __rte_packed;

/** Type 4 header, 16 bytes, followed by ciphertext and tag. */
struct wgc_msg_transport {
	uint32_t type;
	uint32_t receiver_index;
	uint64_t counter;
} __rte_packed;

/**
 * @return the message type (1..4) of a UDP payload if its length is valid
 * for that type (exact for 1..3, >= 32 for 4), else 0.
 * Worker-safe.
 */
static inline unsigned int
wgc_msg_classify(const uint8_t *p, size_t len)
{
	uint32_t t;

	if (len < 4)
		return 0;
	t = (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
		((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
	switch (t) {
	case WGC_MSG_INITIATION:
		return len == WGC_MSG_INITIATION_LEN ? t : 0;
	case WGC_MSG_RESPONSE:
		return len == WGC_MSG_RESPONSE_LEN ? t : 0;
	case WGC_MSG_COOKIE_REPLY:
		return len == WGC_MSG_COOKIE_REPLY_LEN ? t : 0;
	case WGC_MSG_TRANSPORT:
		return len >= WGC_MSG_TRANSPORT_MIN_LEN ? t : 0;
	default:
		return 0;
	}
}

/** @return the receiver index of a type 2, 3 or 4 message (host order). */
static inline uint32_t
wgc_msg_receiver_index(const uint8_t *p, unsigned int type)
{
	const uint8_t *q = p + (type == WGC_MSG_RESPONSE ? 8 : 4);

	return (uint32_t)q[0] | ((uint32_t)q[1] << 8) |
		((uint32_t)q[2] << 16) | ((uint32_t)q[3] << 24);
}

/* ---- Counters ---- */

/** Handshake and drop counters, by reason. */
enum wgc_proto_counter {
	WGC_CNT_INITIATION_SENT = 0,
	WGC_CNT_INITIATION_CONSUMED,
	WGC_CNT_RESPONSE_SENT,
	WGC_CNT_RESPONSE_CONSUMED,
	WGC_CNT_COOKIE_SENT,
	WGC_CNT_COOKIE_CONSUMED,
	WGC_CNT_SESSION_DERIVED,
	WGC_CNT_KEY_CONFIRMED,
	WGC_CNT_DROP_BAD_LENGTH,       /**< wrong size or type */
	WGC_CNT_DROP_BAD_MAC1,
	WGC_CNT_DROP_BAD_MAC2,         /**< under load, cookie reply sent */
	WGC_CNT_DROP_RATELIMITED,
	WGC_CNT_DROP_NO_IDENTITY,      /**< no private key configured */
	WGC_CNT_DROP_DECRYPT,          /**< handshake field failed to open */
	WGC_CNT_DROP_UNKNOWN_PEER,     /**< static key not configured */
	WGC_CNT_DROP_REPLAYED_TIMESTAMP,
	WGC_CNT_DROP_FLOOD,            /**< > 50 initiations/s from a peer */
	WGC_CNT_DROP_UNKNOWN_INDEX,    /**< receiver index not found */
	WGC_CNT_DROP_BAD_STATE,        /**< message unexpected in this state */
	WGC_CNT_DROP_BAD_DH,           /**< DH result zero (low order point) */
	WGC_CNT_TRANSPORT_BAD_TAG,
	WGC_CNT_TRANSPORT_REPLAY,
	WGC_CNT_TRANSPORT_KEYPAIR_EXPIRED,
	WGC_CNT_TRANSPORT_COUNTER_EXHAUSTED,
	WGC_CNT_TRANSPORT_NO_ROOM,
	WGC_CNT_TRANSPORT_BAD_LENGTH,
	WGC_CNT_MAX
};

/** A snapshot of the counters of an identity. */
struct wgc_proto_stats {
	uint64_t c[WGC_CNT_MAX];
};

/** @return the counter's name, e.g. "drop_bad_mac1". */
const char *wgc_proto_counter_name(enum wgc_proto_counter c);

/* ---- Device identity ---- */

struct wgc_identity;

/**
 * Create a device identity.
 *
 * @param name
 *   Name (for logs).
 * @param private_key
 *   32-byte X25519 private key (clamped here), or NULL: no key yet (every
 *   handshake is then dropped until wgc_identity_set_private_key()).
 * @param socket_id
 *   NUMA socket, or SOCKET_ID_ANY.
 * @return
 *   The identity, or NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct wgc_identity *wgc_identity_create(const char *name,
		const uint8_t private_key[WGC_KEY_LEN], int socket_id);

/** Wipe and free (NULL is allowed). Free or fini every peer first. */
void wgc_identity_free(struct wgc_identity *id);

/**
 * Replace (or, with NULL, remove) the private key; recomputes the public
 * key and the MAC1/cookie keys. Control thread. Afterwards the caller must
 * call wgc_peer_proto_set_identity_changed() on every peer (recomputes the
 * static-static DH and drops handshakes in flight).
 *
 * @return
 *   0, or -EINVAL if the public key cannot be derived.
 */
int wgc_identity_set_private_key(struct wgc_identity *id,
		const uint8_t private_key[WGC_KEY_LEN]);

/** @return 0 and the public key, or -ENOENT if no private key is set. */
int wgc_identity_public_key(const struct wgc_identity *id,
		uint8_t public_key[WGC_KEY_LEN]);

/**
 * Hold the identity's keys steady: a thread that handshakes while another
 * may call wgc_identity_set_private_key() holds this around each message.
 * Readers do not exclude each other. Any thread.
 */
void wgc_identity_keys_read_lock(struct wgc_identity *id);

/** Release wgc_identity_keys_read_lock(). */
void wgc_identity_keys_read_unlock(struct wgc_identity *id);

/** Sum the per-lcore counters of id into out. */
void wgc_identity_stats(const struct wgc_identity *id,
		struct wgc_proto_stats *out);

/** Zero the counters of id. */
void wgc_identity_stats_reset(struct wgc_identity *id);

/**
 * Debug key log: called with each secret a dissector needs to decrypt
 * handshakes and sessions (Wireshark's WireGuard key log labels:
 * "LOCAL_EPHEMERAL_PRIVATE_KEY", "PRESHARED_KEY"). Never enable it in
 * production: it hands out session secrets.
 */
typedef void (*wgc_keylog_t)(void *ctx, const char *label,
		const uint8_t key[WGC_KEY_LEN]);

/** Install (or with NULL remove) the debug key log of an identity. */
void wgc_identity_set_keylog(struct wgc_identity *id, wgc_keylog_t fn,
		void *ctx);

/**
 * Format one key log line, "LABEL = base64\n", into buf.
 *
 * @return
 *   buf, or NULL if len is too small (at least 80 bytes suffice).
 */
char *wgc_keylog_format(char *buf, size_t len, const char *label,
		const uint8_t key[WGC_KEY_LEN]);

/* ---- Index table ---- */

/** What an index entry points to. */
enum wgc_index_type {
	WGC_INDEX_NONE = 0,
	WGC_INDEX_HANDSHAKE,
	WGC_INDEX_KEYPAIR,
};

struct wgc_peer_proto;

/** Embedded in handshakes and keypairs; the index table stores pointers. */
struct wgc_index_entry {
	struct wgc_peer_proto *peer;
	uint32_t index;     /**< our (local) index, host order */
	uint8_t type;       /**< enum wgc_index_type */
};

struct wgc_index_table;

/**
 * Create an index table.
 *
 * @param name
 *   Unique name, at most 20 characters (names the rte_hash, and with qsbr
 *   the defer queue and overflow ring).
 * @param entries
 *   Capacity: about 4 per peer (one handshake, three keypairs).
 * @param socket_id
 *   NUMA socket, or SOCKET_ID_ANY.
 * @param qsbr
 *   RCU variable that worker readers report on, or NULL if nothing ever
 *   reads concurrently (tests, fuzzers): objects are then freed at once.
 * @return
 *   The table, or NULL with rte_errno set.
 */
struct wgc_index_table *wgc_index_table_create(const char *name,
		uint32_t entries, int socket_id, struct rte_rcu_qsbr *qsbr);

/** Free the table. Every peer using it must have been fini'd first. */
void wgc_index_table_free(struct wgc_index_table *t);

/**
 * Look an index up. Lock-free, worker-safe (inside an RCU read side).
 *
 * @return
 *   The entry (a handshake's or a keypair's), or NULL.
 */
struct wgc_index_entry *wgc_index_lookup(struct wgc_index_table *t,
		uint32_t index);

/** @return the keypair with local index `index`, or NULL. Worker-safe. */
struct wgc_keypair *wgc_index_lookup_keypair(struct wgc_index_table *t,
		uint32_t index);

/**
 * Look a burst of indices up (keypairs only), with one bulk hash lookup
 * for the distinct consecutive indices. Lock-free, worker-safe.
 *
 * @param idx
 *   n local indices (as on the wire, host order).
 * @param kps
 *   n keypairs out (NULL: no keypair with that index).
 * @return
 *   Number of keypairs found.
 */
uint16_t wgc_index_lookup_keypair_bulk(struct wgc_index_table *t,
		const uint32_t *idx, uint16_t n, struct wgc_keypair **kps);

/** @return number of indices in use. */
uint32_t wgc_index_table_count(const struct wgc_index_table *t);

/**
 * Free the objects (keypairs, hash slots) retired more than a grace period
 * ago. The control thread calls this now and then (e.g. every timer tick).
 *
 * @return
 *   Number of objects still waiting for their grace period.
 */
unsigned int wgc_index_table_reclaim(struct wgc_index_table *t);

/* ---- Replay window (RFC 6479) ---- */

#define WGC_REPLAY_BITS 8192
#define WGC_REPLAY_WORDS (WGC_REPLAY_BITS / 64)
#define WGC_REPLAY_WINDOW (WGC_REPLAY_BITS - 64) /**< 8128 counters */

/**
 * Replay window. Several lcores may check counters of one keypair at once
 * (RSS hashes a peer's outer fragments on the addresses only, its whole
 * datagrams on the ports too, so they may reach different workers): the
 * check-and-update runs under the window's spinlock, which sits on the
 * window's first cache line; an uncontended lock costs one atomic
 * exchange per run of packets of one keypair in a burst.
 */
struct wgc_replay {
	rte_spinlock_t lock; /**< serialises check-and-update */
	uint64_t next;      /**< highest accepted counter + 1 (0: none) */
	uint64_t bitmap[WGC_REPLAY_WORDS];
};

/** Reset the window (nothing seen). No lcore may use it meanwhile. */
void wgc_replay_init(struct wgc_replay *r);

/**
 * Check a counter of an authenticated packet and mark it seen. The caller
 * holds r->lock (or is the window's only user).
 *
 * @return
 *   true if the counter is new, inside the window and below
 *   WGC_REJECT_AFTER_MESSAGES; false if it must be dropped.
 */
bool wgc_replay_check(struct wgc_replay *r, uint64_t counter);

/**
 * wgc_replay_check() under r->lock: any lcore or thread, concurrently.
 */
bool wgc_replay_check_shared(struct wgc_replay *r, uint64_t counter);

/* ---- Keypairs ---- */

/** Session keys with a receiver index. Read by workers, under RCU. */
struct wgc_keypair {
	struct wgc_index_entry entry;     /**< local index, peer */
	uint32_t remote_index;            /**< put in sent transport headers */
	bool initiator;                   /**< we sent the initiation */
	bool sending_valid;               /**< cleared to expire for sending */
	bool receiving_valid;
	uint64_t birthdate;               /**< now at derivation */
	uint64_t internal_id;
	uint8_t send_key[WGC_KEY_LEN];
	uint8_t recv_key[WGC_KEY_LEN];
	/** next counter to send (atomic fetch-add by senders) */
	uint64_t send_counter __rte_cache_aligned;
	/** receive side, owned by the decapsulating lcore */
	struct wgc_replay replay __rte_cache_aligned;
};

/** previous / current / next, as in the Linux module. */
struct wgc_keypairs {
	struct wgc_keypair *current;   /**< use for sending (atomic load) */
	struct wgc_keypair *previous;
	struct wgc_keypair *next;      /**< responder: until confirmed */
	rte_spinlock_t lock;           /**< writers only */
};

/**
 * @return the current keypair of a peer if it may be used for sending at
 * now (valid, younger than REJECT_AFTER_TIME, counter not exhausted), else
 * NULL. Worker-safe (inside an RCU read side).
 */
struct wgc_keypair *wgc_keypair_current(struct wgc_peer_proto *peer,
		uint64_t now);

/**
 * @return true if, after sending with kp, the initiator should start a new
 * handshake (counter > REKEY_AFTER_MESSAGES or age > REKEY_AFTER_TIME).
 * Worker-safe.
 */
bool wgc_keypair_should_rekey_on_send(const struct wgc_keypair *kp,
		uint64_t now);

/**
 * @return true if, having received on kp, the initiator should start a new
 * handshake (age > REJECT_AFTER_TIME - KEEPALIVE - REKEY_TIMEOUT); true
 * only once per keypair generation. Worker-safe.
 */
bool wgc_keypair_should_rekey_on_receive(struct wgc_keypair *kp,
		uint64_t now);

/* ---- Handshake ---- */

/** Handshake state machine states. */
enum wgc_handshake_state {
	WGC_HS_ZEROED = 0,
	WGC_HS_CREATED_INITIATION,
	WGC_HS_CONSUMED_INITIATION,
	WGC_HS_CREATED_RESPONSE,
	WGC_HS_CONSUMED_RESPONSE,
};

/** Handshake in flight; control thread only. */
struct wgc_handshake {
	struct wgc_index_entry entry;
	uint8_t state;                         /**< enum wgc_handshake_state */
	uint32_t remote_index;
	uint8_t ephemeral_private[WGC_KEY_LEN];
	uint8_t remote_ephemeral[WGC_KEY_LEN];
	uint8_t hash[WGC_HASH_LEN];
	uint8_t chaining_key[WGC_HASH_LEN];
};

/**
 * Cookie state of a peer: the cookie it last sent us. Its MAC keys,
 * HASH("mac1----" || S_r) and HASH("cookie--" || S_r), are derived when a
 * handshake message is sent or a cookie reply opened (one BLAKE2s each,
 * beside an X25519) rather than kept: 64 bytes less per idle peer.
 */
struct wgc_peer_cookie {
	uint8_t cookie[WGC_COOKIE_LEN];
	uint64_t birthdate;                    /**< when cookie was received */
	bool valid;
	bool have_sent_mac1;
	uint8_t last_mac1_sent[WGC_MAC_LEN];
};

/** Timer state; deadlines are absolute `now` values, 0 = not armed. */
struct wgc_timers {
	uint64_t retransmit_handshake;
	uint64_t send_keepalive;
	uint64_t new_handshake;
	uint64_t zero_key_material;
	uint64_t persistent_keepalive;
	uint64_t last_sent_handshake;    /**< last initiation sent, 0 none */
	uint64_t last_handshake;         /**< last handshake completed */
	uint32_t handshake_attempts;
	uint16_t persistent_keepalive_interval; /**< seconds, 0 = off */
	bool need_another_keepalive;
	bool sent_lastminute_handshake;
	/** wheel bookkeeping (owner: the wheel's thread) */
	uint64_t scheduled;              /**< wheel deadline, 0 = not queued */
	struct wgc_peer_proto *wheel_next;
	struct wgc_peer_proto **wheel_pprev;
};

/** Per-peer protocol state. */
struct wgc_peer_proto {
	struct wgc_identity *identity;
	struct wgc_index_table *index_table;
	void *user;                            /**< the data plane's peer */
	/** the peer's own lock: handshake, cookie, keypair slots, timers of
	 * control threads (see wgc_peer_proto_lock()) */
	rte_spinlock_recursive_t lock;
	/** torn down (wgc_peer_proto_fini()): a thread that found the peer
	 * before its removal sees this once it holds the lock */
	bool removed;
	/** the peer table hashes it in place (rte_jhash reads 32-bit words) */
	uint8_t remote_static[WGC_KEY_LEN] __rte_aligned(4);
	uint8_t preshared_key[WGC_KEY_LEN];
	uint8_t precomputed_ss[WGC_KEY_LEN];   /**< DH(S_priv_i, S_pub_r) */
	bool ss_valid;                         /**< DH was not all zero */
	/** precomputed_ss is current: it is computed at the peer's first
	 * handshake, not when the peer is added (a million-peer load costs
	 * no X25519), and again after an identity change */
	bool ss_done;
	/* here, not after the handshake, so that no padding is wasted */
	uint8_t latest_timestamp[WGC_TIMESTAMP_LEN];
	struct wgc_handshake handshake;
	uint64_t last_initiation_consumed;     /**< now, 0 = never */
	struct wgc_peer_cookie cookie;
	struct wgc_keypairs keypairs;
	struct wgc_timers timers;
	uint64_t internal_id;
};

/**
 * Initialise embedded per-peer state. Control thread.
 *
 * @param peer
 *   Caller-owned memory.
 * @param id
 *   The device identity (may have no private key yet).
 * @param t
 *   The index table where the peer's handshakes and keypairs go.
 * @param remote_static
 *   The peer's public key.
 * @param psk
 *   32-byte preshared key, or NULL for none (all zero).
 * @param user
 *   Back-pointer for the caller (e.g. its struct peer).
 * @return
 *   0, or -EINVAL.
 */
int wgc_peer_proto_init(struct wgc_peer_proto *peer, struct wgc_identity *id,
		struct wgc_index_table *t, const uint8_t remote_static[WGC_KEY_LEN],
		const uint8_t psk[WGC_KEY_LEN], void *user);

/**
 * Take a peer's lock (recursive: the holder may call the functions that
 * take it themselves). A control thread holds it while it changes the
 * peer's protocol state; workers never take it. Never wait for an RCU
 * grace period while holding it.
 */
static inline void
wgc_peer_proto_lock(struct wgc_peer_proto *peer)
{
	rte_spinlock_recursive_lock(&peer->lock);
}

/** Release wgc_peer_proto_lock(). */
static inline void
wgc_peer_proto_unlock(struct wgc_peer_proto *peer)
{
	rte_spinlock_recursive_unlock(&peer->lock);
}

/**
 * Tear down: drop the handshake and keypairs (keypairs are retired through
 * the index table's RCU), remove the peer from any timer wheel beforehand
 * (caller), wipe secrets, mark it removed (under its lock). The memory of
 * peer itself must outlive the grace period if workers or handshake
 * lcores may still hold pointers to it.
 */
void wgc_peer_proto_fini(struct wgc_peer_proto *peer);

/** Set (or with NULL clear) the preshared key. Control thread. */
void wgc_peer_proto_set_psk(struct wgc_peer_proto *peer,
		const uint8_t psk[WGC_KEY_LEN]);

/** After wgc_identity_set_private_key(): recompute DH, drop handshake. */
void wgc_peer_proto_set_identity_changed(struct wgc_peer_proto *peer);

/** Drop handshake state and all keypairs (e.g. zero_key_material). */
void wgc_peer_proto_clear(struct wgc_peer_proto *peer);

/** Stop sending on the current/next keypairs (Linux expire_current). */
void wgc_peer_proto_expire_keypairs(struct wgc_peer_proto *peer);

/**
 * Create a handshake initiation (MAC1 and, if a fresh cookie is held,
 * MAC2 included). Allocates a new sender index. Control thread.
 *
 * @param peer
 *   The peer.
 * @param msg
 *   148 bytes out.
 * @param now
 *   Monotonic ns.
 * @param wall_ns
 *   Wall clock, ns since the Unix epoch (TAI64N timestamp).
 * @return
 *   0, or -ENOKEY (no private key / invalid static-static DH), -ENOSPC
 *   (index table full).
 */
int wgc_handshake_create_initiation(struct wgc_peer_proto *peer,
		uint8_t msg[WGC_MSG_INITIATION_LEN], uint64_t now, uint64_t wall_ns);

/**
 * Look a peer up by its static public key (the caller's peer table).
 * @return the peer's protocol state, or NULL if unknown.
 */
typedef struct wgc_peer_proto *(*wgc_peer_lookup_t)(void *ctx,
		const uint8_t remote_static[WGC_KEY_LEN]);

/**
 * Consume an initiation. MAC1/MAC2 must have been checked with
 * wgc_cookie_validate() first. Leaves the peer's handshake in
 * CONSUMED_INITIATION; nothing changes on failure. Control thread.
 *
 * @return
 *   0 and *peer_out, or a negative value (the reason is counted).
 */
int wgc_handshake_consume_initiation(struct wgc_identity *id,
		const uint8_t *msg, size_t len, wgc_peer_lookup_t lookup,
		void *lookup_ctx, uint64_t now, struct wgc_peer_proto **peer_out);

/**
 * Create the response to the consumed initiation and derive the session:
 * the new keypair goes to `next` until the initiator confirms it with its
 * first transport packet. Allocates a new sender index. Control thread.
 * The caller then calls wgc_timers_session_derived().
 *
 * @return
 *   0, or -EINVAL (no consumed initiation), -ENOKEY, -ENOSPC, -ENOMEM.
 */
int wgc_handshake_create_response(struct wgc_peer_proto *peer,
		uint8_t msg[WGC_MSG_RESPONSE_LEN], uint64_t now);

/**
 * Consume a response (MACs checked first) and derive the session: the new
 * keypair becomes current. Nothing changes on failure. Control thread.
 * The caller then calls wgc_timers_session_derived() and
 * wgc_timers_handshake_complete() and sends staged packets (or a
 * keepalive).
 *
 * @return
 *   0 and *peer_out, or a negative value (the reason is counted).
 */
int wgc_handshake_consume_response(struct wgc_identity *id,
		struct wgc_index_table *t, const uint8_t *msg, size_t len,
		uint64_t now, struct wgc_peer_proto **peer_out);

/* ---- Ephemeral keys ahead of need ---- */

struct wgc_ephemeral_pool;

/** Counters of an ephemeral pool. */
struct wgc_ephemeral_stats {
	uint32_t ready;        /**< pairs ready now */
	uint32_t size;         /**< capacity */
	uint64_t taken;        /**< handshakes served from the pool */
	uint64_t on_demand;    /**< handshakes that found it empty */
	uint64_t generated;    /**< pairs generated by refills */
};

/**
 * Create a pool of up to size X25519 ephemeral key pairs generated ahead
 * of need, so that a handshake does its scalar multiplications with the
 * peer's keys only (a responder: 3 instead of 4). Each pair is used once
 * and wiped when taken. Empty at creation: see
 * wgc_ephemeral_pool_refill(). One pool per handshake thread; not
 * thread-safe.
 *
 * @return
 *   The pool, or NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct wgc_ephemeral_pool *wgc_ephemeral_pool_create(const char *name,
		uint32_t size, int socket_id);

/** Wipe and free a pool (NULL is a no-op); unbind it first. */
void wgc_ephemeral_pool_free(struct wgc_ephemeral_pool *pool);

/**
 * Generate up to max pairs into the pool (fewer when it fills): its
 * owning thread calls it when idle.
 *
 * @return
 *   Pairs generated.
 */
unsigned int wgc_ephemeral_pool_refill(struct wgc_ephemeral_pool *pool,
		unsigned int max);

/**
 * Make pool the calling thread's source of ephemeral keys for
 * wgc_handshake_create_initiation() and wgc_handshake_create_response()
 * (NULL: generate each on demand, the default). A thread-local binding.
 */
void wgc_ephemeral_pool_bind(struct wgc_ephemeral_pool *pool);

/** Read a pool's counters. Its owning thread. */
void wgc_ephemeral_pool_stats(const struct wgc_ephemeral_pool *pool,
		struct wgc_ephemeral_stats *st);

/* ---- Cookies, MACs, rate limiting ---- */

struct wgc_ratelimiter;

/**
 * Create a per-source token bucket (20 packets/s, burst 5; IPv4 by address,
 * IPv6 by /64). Memory is bounded by max_entries; when full, new sources
 * are refused until idle entries (> 1 s) are collected.
 *
 * @return
 *   The limiter, or NULL with rte_errno set.
 */
struct wgc_ratelimiter *wgc_ratelimiter_create(const char *name,
		uint32_t max_entries, int socket_id);

/** Free (NULL is allowed). */
void wgc_ratelimiter_free(struct wgc_ratelimiter *rl);

/** @return true if a packet from src may be processed now. */
bool wgc_ratelimiter_allow(struct wgc_ratelimiter *rl,
		const struct wgc_endpoint *src, uint64_t now);

/** @return number of sources tracked. */
uint32_t wgc_ratelimiter_count(const struct wgc_ratelimiter *rl);

/** What to do with a handshake message after the MAC checks. */
enum wgc_mac_verdict {
	WGC_MAC_ACCEPT = 0,          /**< process it */
	WGC_MAC_SEND_COOKIE,         /**< under load, no valid MAC2: reply */
	WGC_MAC_DROP_BAD_LENGTH,     /**< not a type 1 or 2 of right size */
	WGC_MAC_DROP_BAD_MAC1,
	WGC_MAC_DROP_RATELIMITED,    /**< valid MAC2 but source over limit */
	WGC_MAC_DROP_NO_IDENTITY,    /**< no private key */
};

/**
 * Validate MAC1 (always) and, when under_load, MAC2 and the rate limit.
 *
 * @param id
 *   The device identity.
 * @param rl
 *   Rate limiter applied under load, or NULL.
 * @param msg, len
 *   An initiation or response.
 * @param src
 *   Source address and port of the datagram.
 * @param under_load
 *   The caller's handshake queue is filling up.
 * @param now
 *   Monotonic ns (cookie secret rotation).
 */
enum wgc_mac_verdict wgc_cookie_validate(struct wgc_identity *id,
		struct wgc_ratelimiter *rl, const uint8_t *msg, size_t len,
		const struct wgc_endpoint *src, bool under_load, uint64_t now);

/**
 * Create the cookie reply to an initiation or response whose MAC1 was
 * valid (after WGC_MAC_SEND_COOKIE).
 *
 * @return
 *   0, or -EINVAL.
 */
int wgc_cookie_create_reply(struct wgc_identity *id,
		uint8_t out[WGC_MSG_COOKIE_REPLY_LEN], const uint8_t *msg,
		size_t len, const struct wgc_endpoint *src, uint64_t now);

/**
 * Consume a cookie reply: the peer is found by receiver index; the cookie
 * is stored and used for MAC2 of the next message sent to that peer.
 *
 * @return
 *   0 and *peer_out, or a negative value (the reason is counted).
 */
int wgc_cookie_consume_reply(struct wgc_identity *id,
		struct wgc_index_table *t, const uint8_t *msg, size_t len,
		uint64_t now, struct wgc_peer_proto **peer_out);

/* ---- Transport ---- */

/** Per-packet status of transport encap/decap. */
enum wgc_transport_status {
	WGC_TRANSPORT_OK = 0,
	WGC_TRANSPORT_BAD_TAG,           /**< decap: authentication failed */
	WGC_TRANSPORT_REPLAY,            /**< decap: counter seen or too old */
	WGC_TRANSPORT_KEYPAIR_EXPIRED,   /**< REJECT_AFTER_TIME or invalid */
	WGC_TRANSPORT_COUNTER_EXHAUSTED, /**< REJECT_AFTER_MESSAGES */
	WGC_TRANSPORT_NO_ROOM,           /**< encap: head/tailroom too small */
	WGC_TRANSPORT_BAD_LENGTH,        /**< decap: not a transport message */
	WGC_TRANSPORT_NO_KEYPAIR,        /**< kps[i] == NULL */
};

/** Largest burst handled in one call (bigger bursts are split). */
#define WGC_TRANSPORT_BURST_MAX 64

/**
 * Encapsulate a burst in place. Worker-safe.
 *
 * For each view (plaintext inner packet; len may be 0 for a keepalive):
 * pad with zeros to a multiple of 16 but not beyond mtu (nor below len),
 * take a counter from kps[i], write the 16-byte header into the headroom,
 * seal, put the tag in the tailroom. On success the view holds the whole
 * transport message. On failure the view is unchanged.
 *
 * @param e
 *   This lcore's AEAD engine.
 * @param views
 *   n views.
 * @param kps
 *   Keypair for each view (from wgc_keypair_current()).
 * @param n
 *   Number of views.
 * @param mtu
 *   Inner MTU bounding the padding.
 * @param now
 *   Monotonic ns.
 * @param status
 *   n statuses out (enum wgc_transport_status).
 * @return
 *   Number of views encapsulated (status OK).
 */
uint16_t wgc_transport_encap_burst(struct wgc_aead_engine *e,
		struct wgc_view *views, struct wgc_keypair *const kps[],
		uint16_t n, uint32_t mtu, uint64_t now, uint8_t status[]);

/**
 * Decapsulate a burst of transport messages in place. Worker-safe; the
 * lcore (the replay windows take their locks).
 * For each view (a whole type-4 message): check the keypair may receive
 * (age < REJECT_AFTER_TIME), open in place, then check and update the
 * replay window (only after authentication), strip header and tag. The
 * padding is kept (the inner IP header gives the real length:
 * wgc_transport_inner_len()). A keypair that is the peer's `next` is
 * confirmed (rotated to current) on its first authenticated packet; the
 * key_confirmed output tells the caller to call
 * wgc_timers_handshake_complete() and send staged packets.
 *
 * @param counters
 *   If not NULL, n counters out (for diagnostics / tests).
 * @param key_confirmed
 *   If not NULL, n booleans out: this packet confirmed its keypair.
 * @return
 *   Number of views with status OK.
 */
uint16_t wgc_transport_decap_burst(struct wgc_aead_engine *e,
		struct wgc_view *views, struct wgc_keypair *const kps[],
		uint16_t n, uint64_t now, uint8_t status[], uint64_t counters[],
		bool key_confirmed[]);

/**
 * Decapsulation in two phases, for spreading one heavy peer's decryption
 * over several lcores while one owner keeps its replay window (the Linux
 * module's parallel decrypt + per-peer serial receive):
 * wgc_transport_open_burst() on any lcore (checks, authenticate and
 * decrypt in place; header and tag stay), then
 * wgc_transport_accept_burst() on the keypair's replay owner, in any order
 * (replay window, strip, key confirmation). wgc_transport_decap_burst() is
 * the two in one call.
 *
 * @param counters
 *   n counters out (needed by the accept phase).
 * @return
 *   Number of views with status OK (authenticated).
 */
uint16_t wgc_transport_open_burst(struct wgc_aead_engine *e,
		struct wgc_view *views, struct wgc_keypair *const kps[],
		uint16_t n, uint64_t now, uint8_t status[], uint64_t counters[]);

/**
 * Second phase of decapsulation (see wgc_transport_open_burst()): for the
 * views whose status is OK, check and update the replay window, strip
 * header and tag, confirm the keypair. Other views are left alone.
 *
 * @return
 *   Number of views with status OK afterwards.
 */
uint16_t wgc_transport_accept_burst(struct wgc_view *views,
		struct wgc_keypair *const kps[], uint16_t n, uint8_t status[],
		const uint64_t counters[], bool key_confirmed[]);

/**
 * Length of the IPv4/IPv6 packet at the start of a decapsulated payload
 * (to trim the padding).
 *
 * @return
 *   The length (<= len), 0 for a keepalive (len 0), or -1 if the payload is
 *   not a well-formed IP packet.
 */
int32_t wgc_transport_inner_len(const uint8_t *p, uint32_t len);

/* ---- Timers ---- */

/** Actions wgc_timers_poll() asks the caller to perform. */
enum wgc_timer_action {
	WGC_TIMER_SEND_INITIATION = 1 << 0, /**< create + send an initiation */
	WGC_TIMER_RETRY = 1 << 1,           /**< ...it is a retransmission */
	WGC_TIMER_SEND_KEEPALIVE = 1 << 2,  /**< encap an empty payload */
	WGC_TIMER_ZERO_KEYS = 1 << 3,       /**< wgc_peer_proto_clear() */
	WGC_TIMER_GIVE_UP = 1 << 4,         /**< drop staged packets */
};

/*
 * Event hooks. Each returns true if it armed a deadline earlier than the
 * one the peer is scheduled for in the timer wheel: the caller must then
 * (re)schedule the peer (on the wheel's thread: wgc_timer_wheel_schedule()
 * with wgc_timers_next_deadline()). Hooks that only move deadlines later
 * or disarm them return false, so steady traffic never touches the wheel.
 * The data hooks are worker-safe for the lcore owning the peer's traffic.
 */

/** A data packet (not a keepalive) was sent. */
bool wgc_timers_data_sent(struct wgc_peer_proto *peer, uint64_t now);
/** A data packet (not a keepalive) was received. */
bool wgc_timers_data_received(struct wgc_peer_proto *peer, uint64_t now);
/** Any authenticated packet (data, keepalive, handshake) was sent. */
bool wgc_timers_any_authenticated_packet_sent(struct wgc_peer_proto *peer,
		uint64_t now);
/** Any authenticated packet was received. */
bool wgc_timers_any_authenticated_packet_received(
		struct wgc_peer_proto *peer, uint64_t now);
/** Any authenticated packet was sent or received. */
bool wgc_timers_any_authenticated_packet_traversal(
		struct wgc_peer_proto *peer, uint64_t now);
/** An initiation was sent. */
bool wgc_timers_handshake_initiated(struct wgc_peer_proto *peer,
		uint64_t now);
/** A session was confirmed (initiator: response consumed; responder:
 * first packet on `next`). */
bool wgc_timers_handshake_complete(struct wgc_peer_proto *peer,
		uint64_t now);
/** A keypair was derived (response created or consumed). */
bool wgc_timers_session_derived(struct wgc_peer_proto *peer, uint64_t now);
/** Persistent keepalive set to interval seconds (0 = off); when turned on,
 * a keepalive is due at once. */
bool wgc_timers_persistent_keepalive_changed(struct wgc_peer_proto *peer,
		uint16_t interval, uint64_t now);

/**
 * May an initiation be sent now? Not if one was sent less than
 * REKEY_TIMEOUT ago. A non-retry resets the attempt counter (as the Linux
 * module's send_queued_handshake_initiation). Control thread.
 */
bool wgc_timers_initiation_allowed(struct wgc_peer_proto *peer,
		bool is_retry, uint64_t now);

/**
 * Fire the deadlines that have passed. Control thread.
 *
 * @return
 *   Mask of enum wgc_timer_action; *next_deadline gets the earliest armed
 *   deadline afterwards (0 = none: the peer needs no timer work).
 */
uint32_t wgc_timers_poll(struct wgc_peer_proto *peer, uint64_t now,
		uint64_t *next_deadline);

/** @return the earliest armed deadline of peer, 0 if none. */
uint64_t wgc_timers_next_deadline(const struct wgc_peer_proto *peer);

struct wgc_timer_wheel;

/**
 * Create a hashed timer wheel (4096 slots of 2^24 ns ~ 16.8 ms) holding
 * only peers with an armed deadline.
 *
 * @return
 *   The wheel, or NULL with rte_errno set.
 */
struct wgc_timer_wheel *wgc_timer_wheel_create(const char *name,
		int socket_id, uint64_t now);

/** Free (NULL is allowed); peers still queued are just forgotten. */
void wgc_timer_wheel_free(struct wgc_timer_wheel *w);

/**
 * Queue (or requeue, or with deadline 0 remove) a peer. O(1).
 */
void wgc_timer_wheel_schedule(struct wgc_timer_wheel *w,
		struct wgc_peer_proto *peer, uint64_t deadline);

/**
 * Advance to now and dequeue up to max peers whose deadline has passed.
 * The caller runs wgc_timers_poll() on each and reschedules it with the
 * returned next deadline. Call again while it returns max.
 *
 * @return
 *   Number of peers in out.
 */
unsigned int wgc_timer_wheel_expire(struct wgc_timer_wheel *w, uint64_t now,
		struct wgc_peer_proto **out, unsigned int max);

/** @return number of peers queued. */
uint32_t wgc_timer_wheel_count(const struct wgc_timer_wheel *w);

/* ---- Clock helpers ---- */

/** @return CLOCK_MONOTONIC in ns (the default `now`). */
uint64_t wgc_clock_mono_ns(void);

/** @return CLOCK_REALTIME in ns (the default wall clock). */
uint64_t wgc_clock_wall_ns(void);

/** Write the TAI64N label of wall_ns (12 bytes, big-endian). */
void wgc_tai64n(uint8_t out[WGC_TIMESTAMP_LEN], uint64_t wall_ns);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_PROTO_H_ */
