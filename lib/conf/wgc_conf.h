/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_CONF_H_
#define _WGC_CONF_H_

/**
 * @file
 * wgc configuration model: keys, peer and
 * interface configuration, change sets, and the startup configuration file
 * (JSON, cJSON). Every parser is strict: it consumes the whole input or
 * fails, and every failure carries a message naming the JSON path (or the
 * input) and the reason.
 *
 * Conventions
 * - Keys are 32 bytes. Text forms: standard base64 with padding (44
 *   characters, as `wg` prints them) and base64url (RFC 4648 section 5, 43
 *   characters, padding optional). Non-canonical encodings (trailing bits
 *   set) are rejected.
 * - Allowed IPs are NORMALISED: host bits set are cleared
 *   (10.1.2.3/24 -> 10.1.2.0/24), as the WireGuard implementations do; a
 *   bare address means a host route (/32 or /128).
 * - Interface addresses (outer.ipv4, inner.addresses, ...) KEEP their host
 *   bits: they are "address/prefix length" pairs, and the length is required.
 * - Ports are in host byte order; addresses in network byte order.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "wgc_addr.h"

#include <cjson/cJSON.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WGC_KEY_LEN 32          /**< bytes in a Curve25519 key or a PSK */
#define WGC_KEY_B64_LEN 44      /**< standard base64 text, with padding */
#define WGC_KEY_B64URL_LEN 43   /**< base64url text, without padding */
#define WGC_KEY_HEX_LEN 64      /**< hex text (UAPI) */
#define WGC_IFNAME_LEN 16       /**< interface name incl. NUL (IFNAMSIZ) */
#define WGC_CONF_ERR_LEN 256
/** Most outer ports in a configuration (outer[]). */
#define WGC_CONF_OUTER_MAX 4

/** Error classes: how the control plane maps failures to statuses. */
enum wgc_conf_err_kind {
	WGC_CONF_OK = 0,
	WGC_CONF_ESYNTAX,   /**< not JSON at all (HTTP 400) */
	WGC_CONF_ESCHEMA,   /**< wrong type, unknown or missing key (400) */
	WGC_CONF_EVALUE,    /**< invalid key, CIDR, endpoint, range (422) */
	WGC_CONF_ECONFLICT, /**< conflicts with existing state (409) */
	WGC_CONF_ENOENT,    /**< refers to a peer that does not exist (404) */
	WGC_CONF_EIO,       /**< file unreadable, out of memory (500) */
	WGC_CONF_ENOSPC,    /**< a live table is full; nothing changed (507) */
	WGC_CONF_EUNAVAIL,  /**< the shared store (etcd) is unreachable (503) */
};

/** A parse or validation error: class plus "path: reason" text. */
struct wgc_conf_error {
	enum wgc_conf_err_kind kind;
	char msg[WGC_CONF_ERR_LEN];
};

/** Set an error (printf style); returns -1 for convenience. */
int wgc_conf_error_set(struct wgc_conf_error *err,
		enum wgc_conf_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- keys */

/** Parse standard base64 with padding (exactly 44 chars). 0 or -1. */
int wgc_key_from_base64(uint8_t key[WGC_KEY_LEN], const char *s);

/** Parse base64url (43 chars, or 44 with one '='). 0 or -1. */
int wgc_key_from_base64url(uint8_t key[WGC_KEY_LEN], const char *s);

/** Parse either alphabet, padding optional (URL path segments). 0 or -1. */
int wgc_key_from_any(uint8_t key[WGC_KEY_LEN], const char *s);

/** Parse 64 lowercase or uppercase hex digits (UAPI). 0 or -1. */
int wgc_key_from_hex(uint8_t key[WGC_KEY_LEN], const char *s);

/** Format as standard base64 (44 chars + NUL). */
void wgc_key_to_base64(const uint8_t key[WGC_KEY_LEN],
		char out[WGC_KEY_B64_LEN + 1]);

/** Format as base64url without padding (43 chars + NUL). */
void wgc_key_to_base64url(const uint8_t key[WGC_KEY_LEN],
		char out[WGC_KEY_B64URL_LEN + 1]);

/** Format as lowercase hex (64 chars + NUL). */
void wgc_key_to_hex(const uint8_t key[WGC_KEY_LEN],
		char out[WGC_KEY_HEX_LEN + 1]);

/** True if all 32 bytes are zero. */
bool wgc_key_is_zero(const uint8_t key[WGC_KEY_LEN]);

/**
 * Derive the public key from a private key: the private key is clamped as
 * WireGuard does, then X25519 with the base point (libsodium).
 *
 * @return 0, or -1 if the result is the all-zero point.
 */
int wgc_key_public(uint8_t pub[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN]);

/** Generate a random clamped private key (libsodium randombytes). */
void wgc_key_generate(uint8_t priv[WGC_KEY_LEN]);

/* ------------------------------------------------------------- peers */

/** Which fields of a struct wgc_peer_conf are given (PATCH semantics). */
#define WGC_PEER_F_PRESHARED_KEY (1u << 0)
#define WGC_PEER_F_ENDPOINT      (1u << 1)
#define WGC_PEER_F_ALLOWED_IPS   (1u << 2)
#define WGC_PEER_F_KEEPALIVE     (1u << 3)
#define WGC_PEER_F_ALL           0xfu

/** Upper bound of allowed IPs per peer accepted by the parsers. */
#define WGC_PEER_MAX_ALLOWED_IPS 4096

/** A peer's configuration. */
struct wgc_peer_conf {
	uint8_t public_key[WGC_KEY_LEN];
	uint8_t preshared_key[WGC_KEY_LEN]; /**< all zero = none */
	struct wgc_endpoint endpoint;        /**< family 0 = none */
	uint16_t persistent_keepalive;       /**< seconds, 0 = off */
	uint32_t n_allowed_ips;
	struct wgc_prefix *allowed_ips;        /**< malloc'd, n_allowed_ips */
};

/** Free the allowed IPs and wipe the preshared key. */
void wgc_peer_conf_free(struct wgc_peer_conf *p);

/** Deep copy; 0 or -1 (ENOMEM). @p dst is overwritten (not freed). */
int wgc_peer_conf_copy(struct wgc_peer_conf *dst,
		const struct wgc_peer_conf *src);

/** Flags for wgc_peer_conf_from_json(). */
#define WGC_PEER_JSON_PARTIAL   (1u << 0) /**< public_key optional (PATCH) */
#define WGC_PEER_JSON_NO_PUBKEY (1u << 1) /**< public_key may be absent */

/**
 * Parse a peer object: public_key, preshared_key (string, or null = none),
 * endpoint (string or null), allowed_ips (array of strings),
 * persistent_keepalive (0..65535). Unknown keys are errors; "stats" is
 * accepted and ignored only if @p ignore_stats (so that GET output can be
 * fed back).
 *
 * @param path     JSON path for messages, e.g. "peers[3]".
 * @param fields   out: WGC_PEER_F_* of the fields present.
 * @return 0, or -1 with @p err set.
 */
int wgc_peer_conf_from_json(const cJSON *obj, struct wgc_peer_conf *p,
		uint32_t *fields, unsigned int flags, bool ignore_stats,
		const char *path, struct wgc_conf_error *err);

/**
 * Peer as JSON without secrets: public_key (base64), endpoint (or null),
 * allowed_ips, persistent_keepalive, has_preshared_key (bool).
 *
 * @return a new cJSON object, or NULL (ENOMEM).
 */
cJSON *wgc_peer_conf_to_json(const struct wgc_peer_conf *p);

/* --------------------------------------------------------- interface */

#define WGC_IFACE_F_PRIVATE_KEY (1u << 0)
#define WGC_IFACE_F_LISTEN_PORT (1u << 1)
#define WGC_IFACE_F_FWMARK      (1u << 2)

/** The WireGuard interface. */
struct wgc_iface_conf {
	char name[WGC_IFNAME_LEN];
	uint8_t private_key[WGC_KEY_LEN];  /**< all zero = none */
	uint8_t public_key[WGC_KEY_LEN];   /**< derived, zero if no key */
	char *private_key_file;            /**< malloc'd path or NULL */
	uint16_t listen_port;              /**< 0 = none/random */
	uint32_t fwmark;                   /**< UAPI only, stored */
	uint16_t mtu;                      /**< tunnel MTU (inner.mtu) */
	uint32_t max_peers;                /**< table capacity, 0 = default */
	uint32_t n_addresses;
	struct wgc_prefix *addresses;        /**< inner addresses, malloc'd */
	uint32_t n_outer_addrs;
	/** where peers reach wgc (each outer port's IPv4, IPv6), read-only */
	struct wgc_addr outer_addrs[2 * WGC_CONF_OUTER_MAX];
};

/** Free owned memory and wipe the private key. */
void wgc_iface_conf_free(struct wgc_iface_conf *i);

/** Deep copy; 0 or -1. @p dst is overwritten (not freed). */
int wgc_iface_conf_copy(struct wgc_iface_conf *dst,
		const struct wgc_iface_conf *src);

/**
 * Set the private key and derive the public key (zero key clears both).
 * @return 0, or -1 if the key yields the zero point.
 */
int wgc_iface_set_private_key(struct wgc_iface_conf *i,
		const uint8_t key[WGC_KEY_LEN]);

/**
 * Read interface.private_key_file (one base64 key, optional trailing
 * newline) into @p i. Fails if the file is readable by group/others.
 */
int wgc_iface_load_key_file(struct wgc_iface_conf *i,
		struct wgc_conf_error *err);

/**
 * Interface as JSON without the private key: name, public_key (or null),
 * listen_port, mtu, addresses, endpoints (outer address:listen_port, where
 * peers reach wgc) and "peers" = @p n_peers.
 */
cJSON *wgc_iface_conf_to_json(const struct wgc_iface_conf *i,
		uint64_t n_peers);

/* ------------------------------------------------------ change sets */

/** What to do with one peer of a change set. */
enum wgc_peer_op {
	WGC_PEER_OP_UPSERT,   /**< create, or update the fields given */
	WGC_PEER_OP_REPLACE,  /**< create, or replace every field */
	WGC_PEER_OP_UPDATE,   /**< update the fields given; peer must exist */
	WGC_PEER_OP_UPDATE_ONLY, /**< as UPDATE but absent peer is skipped */
	WGC_PEER_OP_REMOVE,   /**< remove; absent is an error unless UAPI */
};

/** One peer change. */
struct wgc_peer_change {
	enum wgc_peer_op op;
	uint32_t fields;           /**< WGC_PEER_F_* given in conf */
	bool append_allowed_ips;   /**< allowed IPs added to the existing */
	struct wgc_peer_conf conf;
};

/**
 * A set of changes applied atomically (all or nothing), in order. Changing
 * an existing peer keeps its session; only REMOVE (or replace_peers
 * dropping it) ends it.
 */
struct wgc_changeset {
	uint32_t iface_fields;     /**< WGC_IFACE_F_* to change */
	struct wgc_iface_conf iface;
	bool replace_peers;        /**< peers not named here are removed */
	bool steal_allowed_ips;    /**< UAPI: an allowed IP owned by another
	                            *   peer moves (else: conflict, 409) */
	bool remove_absent_ok;     /**< REMOVE of an absent peer is a no-op */
	uint32_t n;
	uint32_t cap;
	struct wgc_peer_change *peers;
};

/** Append an empty change (zeroed); NULL on ENOMEM. */
struct wgc_peer_change *wgc_changeset_add(struct wgc_changeset *cs);

/** Free every change and the interface part. */
void wgc_changeset_free(struct wgc_changeset *cs);

/** Name of a change operation ("upsert", "replace", ...). */
const char *wgc_peer_op_name(enum wgc_peer_op op);

/**
 * A change set as JSON (a journal record): every field but the private
 * key; preshared keys only when @p secrets.
 *
 * @return a new cJSON object, or NULL (ENOMEM).
 */
cJSON *wgc_changeset_to_json(const struct wgc_changeset *cs, bool secrets);

/**
 * Read a change set written by wgc_changeset_to_json() into @p cs
 * (zeroed first; free with wgc_changeset_free()).
 *
 * @return 0, or -1 with @p err set and @p cs empty.
 */
int wgc_changeset_from_json(const cJSON *j, struct wgc_changeset *cs,
		struct wgc_conf_error *err);

/* ---------------------------------------------- startup configuration */

/** Inner edge type. */
enum wgc_inner_type {
	WGC_INNER_TUN,
	WGC_INNER_VIRTIO_USER,
	WGC_INNER_ETHDEV,
};

/** One outer port. */
struct wgc_outer_conf {
	char port[128];            /**< DPDK device name or PCI address */
	bool has_ipv4;
	struct wgc_prefix ipv4;      /**< address/len (host bits kept) */
	struct wgc_addr gateway4;  /**< family 0 = none */
	bool has_ipv6;
	struct wgc_prefix ipv6;
	struct wgc_addr gateway6;  /**< family 0 = none */
	uint16_t vlan;             /**< 0 = untagged, else 1..4094 */
	uint16_t mtu;              /**< L3 MTU 576..9000; 0 = the port's
	                            *   as its PMD reports it */
};

/** The inner edge. */
struct wgc_inner_conf {
	enum wgc_inner_type type;
	char name[128];            /**< TUN name, virtio-user path, ethdev */
	uint32_t n_addresses;
	struct wgc_prefix *addresses; /**< malloc'd */
	uint16_t mtu;              /**< default 1420 */
	bool offload;              /**< TUN IFF_VNET_HDR offloads (true) */
	uint16_t port_mtu;         /**< ethdev / virtio_user port MTU
	                            *   (0: the larger of 1500 and mtu) */
	uint16_t mss_clamp;        /**< WGC_MSS_CLAMP_OFF, _AUTO or an MSS */
};

/** inner.mss_clamp "off" */
#define WGC_MSS_CLAMP_OFF 0
/** inner.mss_clamp "auto": MTU - 40 (IPv4), MTU - 60 (IPv6) */
#define WGC_MSS_CLAMP_AUTO 1
/** Range of a numeric inner.mss_clamp. */
#define WGC_MSS_CLAMP_MIN 536
#define WGC_MSS_CLAMP_MAX 9000

/** Endpoints of control.cluster.etcd. */
#define WGC_CLUSTER_ETCD_MAX 8
/** Longest etcd endpoint URL, prefix and node id (incl. NUL). */
#define WGC_CLUSTER_URL_LEN 128
#define WGC_CLUSTER_PREFIX_LEN 128
#define WGC_CLUSTER_NODE_LEN 64

/** control.cluster: peers shared with other nodes through etcd. */
struct wgc_cluster_conf {
	bool enabled;              /**< control.cluster given */
	uint32_t n_etcd;
	char etcd[WGC_CLUSTER_ETCD_MAX][WGC_CLUSTER_URL_LEN]; /**< http:// */
	char prefix[WGC_CLUSTER_PREFIX_LEN]; /**< "/wgc/<name>/" */
	char node[WGC_CLUSTER_NODE_LEN];     /**< this node's id */
	bool on_demand;            /**< install unknown peers from etcd */
	uint32_t idle_evict;       /**< s; 0 = never evict on-demand peers */
};

/**
 * Parse control.cluster into @p cc (enabled set). @p path names the
 * object in messages ("control.cluster").
 * @return 0, or -1 with @p err naming the key.
 */
int wgc_cluster_conf_parse(const cJSON *j, const char *path,
		struct wgc_cluster_conf *cc, struct wgc_conf_error *err);

/** The control plane. */
struct wgc_control_conf {
	char socket[108];          /**< REST socket, /run/wgc/wgc.sock */
	char state_dir[256];       /**< "" = no persistence */
	char group[64];            /**< "" = root only */
	char uapi_dir[200];        /**< /var/run/wireguard; "" = no UAPI */
	bool state_wins;           /**< state_dir peers beat "peers" (true) */
	uint64_t max_body;         /**< REST body limit, default 64 MiB */
	uint32_t timeout;          /**< idle connection timeout, s (10) */
	struct wgc_cluster_conf cluster; /**< enabled false: a single box */
};

/** The whole startup configuration file. */
struct wgc_startup_conf {
	int eal_argc;
	char **eal_argv;           /**< malloc'd strings */
	struct wgc_iface_conf iface;
	uint32_t n_outer;
	struct wgc_outer_conf *outer;
	struct wgc_inner_conf inner;
	uint32_t n_workers;
	uint32_t *workers;         /**< lcore ids; empty = all but main
	                            *   and the handshake lcores */
	uint32_t n_handshake_lcores;
	/** lcore ids that answer handshakes (none of them a worker);
	 * empty = the main lcore */
	uint32_t *handshake_lcores;
	/** "spread": false ("auto", the default): a worker whose queue is
	 * busy hands transport bursts to idle workers; true ("off"): each
	 * worker decrypts its own queue's. No effect with one worker */
	bool spread_off;
	uint32_t n_peers;
	struct wgc_peer_conf *peers;
	bool peers_given;          /**< the file has a "peers" key */
	struct wgc_control_conf control;
};

/** Fill @p c with the defaults (no peers, no outer port). */
void wgc_startup_conf_init(struct wgc_startup_conf *c);

/**
 * Parse a startup configuration from JSON text. interface.private_key_file
 * is NOT read here (see wgc_startup_conf_load()). Unknown keys are errors.
 * iface.addresses/mtu are copied from "inner".
 *
 * @return 0, or -1 with @p err ("path: reason"); @p c is then freed.
 */
int wgc_startup_conf_parse(struct wgc_startup_conf *c, const char *json,
		size_t len, struct wgc_conf_error *err);

/** Read a file, parse it and read the private key file if given. */
int wgc_startup_conf_load(struct wgc_startup_conf *c, const char *path,
		struct wgc_conf_error *err);

/** Free everything and wipe secrets. */
void wgc_startup_conf_free(struct wgc_startup_conf *c);

/** Name of an inner type ("tun", "virtio_user", "ethdev"). */
const char *wgc_inner_type_name(enum wgc_inner_type t);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_CONF_H_ */
