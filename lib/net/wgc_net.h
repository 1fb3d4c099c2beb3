/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_NET_H_
#define _WGC_NET_H_

/**
 * @file
 * The outer-side host stack: classification, ARP / IPv6 ND, ICMP echo, a
 * bounded neighbour table, next-hop routing and in-place outer encap.
 *
 * lib/net works on views only (lib/iobuf); it knows nothing about peers,
 * keys or ports. One struct wgc_net_port is the host state of one outer
 * port: our MAC, addresses, gateways, VLAN, listen port, neighbours.
 *
 * Data path (workers, any number, no locks):
 *   n = wgc_ethdev_rx_burst(...);
 *   nwg = wgc_net_rx(port, views, meta, n);      wireguard payloads first
 *   ... the WireGuard layer handles views[0..nwg-1] ...
 *   nready = wgc_net_encap(port, out, dst, k);    outer headers in headroom
 *   wgc_ethdev_tx_burst_or_drop(..., out, nready);
 *
 * Slow path (one lcore, normally the main lcore, its own TX queue):
 *   nout = wgc_net_slow_poll(port, now_ms, out, max);
 *   wgc_ethdev_tx_burst_or_drop(..., out, nout);
 *
 * Ownership:
 * - wgc_net_classify() only reads and adjusts views; it never frees.
 * - wgc_net_rx() takes every view it is given: wireguard-class views are
 *   compacted to the front and handed back; ARP / ND / echo views go to the
 *   port's slow-path ring (owned by lib/net until wgc_net_slow_poll() turns
 *   them into replies); ICMP / ICMPv6 errors about packets we sent are
 *   counted (rx_icmp_error) and released, never forwarded; UDP fragments
 *   to one of our addresses go to the calling lcore's reassembly table
 *   (rte_ip_frag) and come back as one wireguard-class view when their
 *   datagram is complete; dropped views
 *   are released and counted.
 * - wgc_net_encap() takes every view: views ready to send are compacted to
 *   the front and handed back; views whose next hop is not resolved yet are
 *   handed to the slow path, which holds a few per neighbour (bounded) and
 *   returns them from wgc_net_slow_poll() once resolved; others are
 *   released and counted (no headroom, no route, hold queue full).
 * - wgc_net_slow_poll() returns views the caller owns and must send or
 *   release (replies, requests, formerly held packets).
 *
 * Neighbour table concurrency: a fixed-size open-addressed table written
 * only by the slow-path lcore and read by workers without locks. Each entry
 * is guarded by a sequence counter (rte_seqlock): a reader copies the key
 * and the MAC and retries if the writer changed the entry meanwhile. Slots
 * are never freed back to the heap while the port exists, so readers need
 * no RCU. The writer is a single lcore by contract.
 *
 * Reassembly is per lcore (one table each, created with the port for
 * every EAL lcore): all fragments of a datagram must reach the same lcore,
 * which RSS does (it hashes fragments on the addresses only). It holds at
 * most frag_entries x RTE_LIBRTE_IP_FRAG_MAX_FRAG buffers per lcore.
 *
 * wgc_net_rx(), wgc_net_classify(), wgc_net_encap(), wgc_net_route() and
 * wgc_net_neigh_lookup() may run on any lcore at once (the slow-path lcore
 * included, e.g. for handshake replies); counters go to the calling
 * lcore's struct wgc_net_stats (rte_lcore_id(); non-EAL threads share one
 * extra slot). wgc_net_port_free() runs once no lcore uses the port.
 *
 * Addresses and ports in packets are in network byte order; struct
 * wgc_endpoint (wgc_addr.h) keeps its address in network order and its port
 * in host order; configuration values noted "host order" are in host order.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#include "wgc_addr.h"
#include "wgc_iobuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most addresses per family on one port (conf + IPv6 link-local). */
#define WGC_NET_ADDRS_MAX 4

/** Packets held per unresolved neighbour. */
#define WGC_NET_NEIGH_HOLD 4

/** Class of a received packet. */
enum wgc_net_class {
	WGC_NET_CLASS_WG = 0,   /**< UDP to our listen port: view = payload */
	WGC_NET_CLASS_ARP,      /**< ARP for us: slow path */
	WGC_NET_CLASS_ND,       /**< ICMPv6 NS / NA: slow path */
	WGC_NET_CLASS_ECHO,     /**< ICMP / ICMPv6 echo request to us */
	WGC_NET_CLASS_ICMP_ERR, /**< ICMP / ICMPv6 error about a packet we
	                         *   sent: consumed and counted */
	WGC_NET_CLASS_DROP,     /**< see reason */
	WGC_NET_CLASS_FRAG,     /**< UDP fragment to us: reassembly */
};

/** Why a packet was dropped (index into wgc_net_stats.drop[]). */
enum wgc_net_drop {
	WGC_NET_DROP_RUNT = 0,        /**< shorter than the headers claim */
	WGC_NET_DROP_NOT_OUR_MAC,     /**< unicast to another MAC */
	WGC_NET_DROP_VLAN,            /**< wrong / missing / stacked VLAN tag */
	WGC_NET_DROP_ETHERTYPE,       /**< not ARP, IPv4 or IPv6 */
	WGC_NET_DROP_ARP,             /**< malformed or not for us */
	WGC_NET_DROP_IP4_HDR,         /**< IPv4 version / IHL */
	WGC_NET_DROP_IP4_LEN,         /**< IPv4 total length vs frame */
	WGC_NET_DROP_IP4_CKSUM,       /**< IPv4 header checksum */
	WGC_NET_DROP_IP4_FRAG,        /**< IPv4 fragment not reassembled
	                               *   (not UDP, not in an mbuf, or a
	                               *   non-EAL thread) */
	WGC_NET_DROP_IP6_HDR,         /**< IPv6 version / payload length */
	WGC_NET_DROP_IP6_EXT,         /**< IPv6 extension header (or a
	                               *   fragment not reassembled) */
	WGC_NET_DROP_NOT_OUR_IP,      /**< destination not one of ours */
	WGC_NET_DROP_PROTO,           /**< not UDP / ICMP / ICMPv6 */
	WGC_NET_DROP_UDP_LEN,         /**< UDP length vs IP payload */
	WGC_NET_DROP_UDP_CKSUM,       /**< bad (or, on IPv6, zero) checksum */
	WGC_NET_DROP_UDP_PORT,        /**< not our listen port */
	WGC_NET_DROP_ICMP,            /**< bad ICMP: checksum, type, size */
	WGC_NET_DROP_ND,              /**< bad ND: hop limit, options, target */
	WGC_NET_DROP_SLOW_FULL,       /**< slow-path ring full */
	WGC_NET_DROP_NO_ROUTE,        /**< encap: no address / gateway */
	WGC_NET_DROP_NO_HEADROOM,     /**< encap: view cannot take headers */
	WGC_NET_DROP_HOLD_FULL,       /**< unresolved neighbour's queue full */
	WGC_NET_DROP_NEIGH_FAILED,    /**< neighbour did not answer */
	WGC_NET_DROP_NEIGH_FULL,      /**< neighbour table full */
	WGC_NET_DROP_NO_MBUF,         /**< slow path: no buffer for a reply */
	WGC_NET_DROP_TOO_BIG,         /**< encap: outer packet above the MTU */
	WGC_NET_DROP_ECHO_RATE,       /**< echo request over the reply rate */
	WGC_NET_DROP_ICMP_ERROR,      /**< malformed ICMP / ICMPv6 error */
	WGC_NET_DROP_FRAG_TIMEOUT,    /**< fragment of a datagram never
	                               *   completed in frag_timeout_ms */
	WGC_NET_DROP_FRAG_TABLE_FULL, /**< no free reassembly entry */
	WGC_NET_DROP_FRAG_MALFORMED,  /**< bad offset or length, overlap,
	                               *   duplicate, too many fragments,
	                               *   > 64 KiB: its datagram is dropped */
	WGC_NET_DROP_FRAG_NO_ROOM,    /**< reassembled datagram does not fit
	                               *   one buffer of its pool */
	WGC_NET_DROP__MAX
};

/** Per-packet result of classification. */
struct wgc_net_meta {
	struct wgc_endpoint src;   /**< sender address and UDP port */
	uint8_t cls;                   /**< enum wgc_net_class */
	uint8_t reason;                /**< enum wgc_net_drop if DROP */
	uint16_t vlan;                 /**< VLAN id seen (0: untagged) */
};

/**
 * Counters of one lcore, on its own cache lines. Only that lcore writes
 * them; the control plane reads (each 64-bit field read once: racy but
 * never torn on x86-64).
 */
struct wgc_net_stats {
	uint64_t rx_wg;                /**< wireguard-class packets */
	uint64_t rx_arp;               /**< ARP to the slow path */
	uint64_t rx_nd;                /**< ND to the slow path */
	uint64_t rx_echo;              /**< echo requests to the slow path */
	uint64_t rx_icmp_error;        /**< ICMP errors to us, consumed */
	uint64_t tx_encap;             /**< packets encapsulated, ready */
	uint64_t tx_held;              /**< packets handed to the hold queue */
	uint64_t arp_reply_tx;         /**< ARP replies sent */
	uint64_t arp_request_tx;       /**< ARP requests sent */
	uint64_t nd_na_tx;             /**< neighbour advertisements sent */
	uint64_t nd_ns_tx;             /**< neighbour solicitations sent */
	uint64_t echo_reply_tx;        /**< ICMP / ICMPv6 echo replies */
	uint64_t neigh_learned;        /**< entries created or updated */
	uint64_t neigh_expired;        /**< entries removed (timeout/failure) */
	uint64_t hold_flushed;         /**< held packets sent after resolution */
	uint64_t rx_frag;              /**< fragments taken for reassembly */
	uint64_t rx_reassembled;       /**< datagrams reassembled */
	uint64_t tx_fragmented;        /**< datagrams sent as fragments */
	uint64_t tx_frags;             /**< fragments they became */
	uint64_t drop[WGC_NET_DROP__MAX]; /**< drops by reason */
} __rte_cache_aligned;

/** Host configuration of one outer port. Zero values pick defaults. */
struct wgc_net_port_conf {
	const char *name;              /**< for logs and ring names (unique) */
	struct rte_ether_addr mac;     /**< our MAC */
	uint16_t vlan;                 /**< 802.1Q id 1..4094, 0: untagged */
	uint16_t listen_port;          /**< UDP listen port, host order */
	uint16_t mtu;                  /**< L3 MTU (0: 1500) */
	uint8_t nb_ip4;                /**< IPv4 addresses in ip4[] */
	uint8_t nb_ip6;                /**< IPv6 addresses in ip6[] */
	/** our IPv4 addresses with their on-link prefix lengths; ip4[0] is
	 * the source */
	struct wgc_prefix ip4[WGC_NET_ADDRS_MAX];
	struct wgc_addr gw4;           /**< IPv4 gateway (family 0: none) */
	/** our IPv6 addresses, likewise; ip6[0] is the source */
	struct wgc_prefix ip6[WGC_NET_ADDRS_MAX];
	struct wgc_addr gw6;           /**< IPv6 gateway (family 0: none) */
	bool no_link_local;            /**< do not add fe80::EUI-64 */
	bool tx_ip4_cksum_offload;     /**< set mbuf flags instead of sw cksum */
	bool tx_udp_cksum_offload;     /**< set mbuf flags, pseudo-hdr cksum */
	struct rte_mempool *pool;      /**< buffers for requests we originate */
	uint32_t neigh_size;           /**< table slots, power of 2 (0: 1024) */
	uint32_t slow_ring_size;       /**< slow-path ring, power of 2 (0: 1024) */
	uint32_t reachable_ms;         /**< reachable -> stale (0: 30000) */
	uint32_t retrans_ms;           /**< first retry interval (0: 1000) */
	uint32_t max_probes;           /**< requests before failure (0: 3) */
	uint32_t stale_ms;             /**< stale entries re-probed after (0: 60000) */
	uint32_t echo_rate;            /**< echo replies per second (0: 1000) */
	uint32_t echo_burst;           /**< ... in a burst of (0: 50) */
	uint32_t frag_entries;         /**< datagrams in reassembly per lcore
	                                *   (0: 64); each holds at most
	                                *   RTE_LIBRTE_IP_FRAG_MAX_FRAG buffers */
	uint32_t frag_timeout_ms;      /**< reassembly time limit (0: 2000) */
	int socket_id;                 /**< NUMA socket */
};

/** Neighbour states. */
enum wgc_net_neigh_state {
	WGC_NET_NEIGH_FREE = 0,
	WGC_NET_NEIGH_INCOMPLETE,      /**< request sent, no answer yet */
	WGC_NET_NEIGH_REACHABLE,       /**< confirmed recently */
	WGC_NET_NEIGH_STALE,           /**< usable, will be re-probed */
	WGC_NET_NEIGH_PROBE,           /**< usable, re-probe in flight */
};

/** A neighbour as the control plane sees it. */
struct wgc_net_neigh_info {
	struct wgc_addr addr;
	struct rte_ether_addr mac;
	uint8_t state;                 /**< enum wgc_net_neigh_state */
	uint8_t probes;                /**< requests sent in this round */
	uint16_t held;                 /**< packets waiting */
	uint64_t updated_ms;           /**< last confirmation */
};

struct wgc_net_port;

/**
 * Create the host state of a port.
 *
 * @return
 *   The port, or NULL with rte_errno set (EINVAL: bad configuration, e.g.
 *   no pool, bad prefix or VLAN, table size not a power of 2; ENOMEM;
 *   EEXIST: name in use).
 */
struct wgc_net_port *wgc_net_port_create(const struct wgc_net_port_conf *conf);

/**
 * Move the UDP listen port live (any thread): workers match received
 * datagrams against it and use it as the source port of what they send
 * from their next packet on (a relaxed atomic; no lock, no restart).
 *
 * @return 0, or -EINVAL for port 0.
 */
int wgc_net_port_set_listen_port(struct wgc_net_port *port, uint16_t udp_port);

/** The current UDP listen port (host order). */
uint16_t wgc_net_port_listen_port(const struct wgc_net_port *port);

/**
 * Free a port: held and queued views are released. The caller makes sure
 * no lcore uses the port any more. NULL is allowed.
 */
void wgc_net_port_free(struct wgc_net_port *port);

/**
 * Classify a burst without taking ownership.
 *
 * For each packet fills meta[i]; a wireguard-class view is adjusted to the
 * UDP payload (headers stay in the headroom for in-place re-encap, Ethernet
 * padding is trimmed). Other views are left as received. Counters are not
 * touched.
 *
 * @return
 *   Number of wireguard-class packets.
 */
uint16_t wgc_net_classify(const struct wgc_net_port *port,
		struct wgc_view *v, struct wgc_net_meta *meta, uint16_t n);

/**
 * Classify a burst and dispatch it (see the ownership rules above).
 *
 * @param v
 *   Views received on the port; on return v[0..ret-1] are wireguard
 *   payloads with meta[0..ret-1]; v[ret..n-1] are empty.
 * @return
 *   Number of wireguard-class views.
 */
uint16_t wgc_net_rx(struct wgc_net_port *port, struct wgc_view *v,
		struct wgc_net_meta *meta, uint16_t n);

/**
 * Expire reassembly entries older than frag_timeout_ms on the calling
 * lcore and free what they held (wgc_net_rx() does the same on every
 * burst with a fragment). Call it on every poll of a worker; it costs a
 * TSC read once the lcore has seen a fragment, nothing before.
 */
void wgc_net_frag_poll(struct wgc_net_port *port);

/**
 * Drop every datagram in reassembly on the calling lcore, its fragments
 * counted as timed out (tests and fuzzers: a known empty state).
 */
void wgc_net_frag_flush(struct wgc_net_port *port);

/**
 * Next hop for a destination: the destination itself when it is inside
 * one of the port's prefixes, else the gateway of its family.
 *
 * @return
 *   0, or -ENETUNREACH (no address of that family, or no gateway).
 */
int wgc_net_route(const struct wgc_net_port *port,
		const struct wgc_addr *dst, struct wgc_addr *nexthop);

/**
 * Prepend UDP, IPv4 or IPv6, optional VLAN and Ethernet headers in place,
 * for a burst of WireGuard messages.
 *
 * @param v
 *   Views holding WireGuard messages; need WGC_IOBUF_OUTER_HDR_MAX - 16
 *   bytes of headroom. On return v[0..ret-1] are frames ready to send,
 *   v[ret..n-1] are empty (held for resolution or dropped and counted).
 * @param dst
 *   Destination endpoint per view (dst[i] for v[i]).
 * @return
 *   Number of frames ready.
 */
uint16_t wgc_net_encap(struct wgc_net_port *port, struct wgc_view *v,
		const struct wgc_endpoint *dst, uint16_t n);

/** Most fragments one datagram is split into on transmission. */
#define WGC_NET_FRAG_MAX 8

/**
 * wgc_net_encap() with outer fragmentation: a packet above the port's MTU
 * leaves as fragments (IPv4 without DF, IPv6 with a fragment header), the
 * first in its own buffer, the others copied into fresh single-segment
 * buffers of the same pool (the port's pool for views not in an mbuf).
 * Ownership as wgc_net_encap(), with the ready frames in out.
 *
 * @param out
 *   Ready frames (fragments of one packet consecutive, in order); must
 *   not overlap v.
 * @param max
 *   Room in out; a packet whose fragments do not fit is dropped
 *   (too_big).
 * @return
 *   Number of frames in out.
 */
uint16_t wgc_net_encap_frag(struct wgc_net_port *port, struct wgc_view *v,
		const struct wgc_endpoint *dst, uint16_t n,
		struct wgc_view *out, uint16_t max);

/**
 * Run the slow path: answer queued ARP / ND / echo packets, learn
 * neighbours, send and retry resolution requests, expire entries, resolve
 * the gateways, flush held packets. Single lcore only.
 *
 * @param now_ms
 *   Monotonic time in milliseconds (injectable for tests).
 * @param out
 *   Where to put views to transmit.
 * @param max
 *   Room in out (at least 8 is useful).
 * @return
 *   Number of views in out; the caller sends or releases them.
 */
uint16_t wgc_net_slow_poll(struct wgc_net_port *port, uint64_t now_ms,
		struct wgc_view *out, uint16_t max);

/**
 * Slow-path handling of one ARP / ND / echo view (what wgc_net_slow_poll()
 * does for each queued view), for callers that run classification and the
 * slow path on the same lcore, and for tests. Takes the view.
 *
 * @param v
 *   View as received (full frame, e.g. left by wgc_net_classify()).
 * @param out
 *   Where to put a reply (in place, or allocated from the conf pool).
 * @return
 *   1 if out holds a reply, 0 if there is nothing to send.
 */
int wgc_net_slow_input(struct wgc_net_port *port, uint64_t now_ms,
		struct wgc_view *v, struct wgc_view *out);

/**
 * Look a neighbour up (any lcore, lock-free).
 *
 * @return
 *   0 and the MAC if usable (reachable, stale or probe), else -ENOENT.
 */
int wgc_net_neigh_lookup(const struct wgc_net_port *port,
		const struct wgc_addr *addr, struct rte_ether_addr *mac);

/**
 * Add or refresh a neighbour entry as if it had just been confirmed
 * (slow-path lcore only), e.g. from configuration or tests. It then ages
 * like a learned entry (stale, probed, removed if it stops answering).
 *
 * @return
 *   0, or -ENOSPC if the table is full.
 */
int wgc_net_neigh_add(struct wgc_net_port *port,
		const struct wgc_addr *addr, const struct rte_ether_addr *mac,
		uint64_t now_ms);

/**
 * List neighbours (slow-path lcore, or a control thread while the slow path
 * is not running).
 *
 * @return
 *   Number of entries written to info (at most max), in table order.
 */
unsigned int wgc_net_neigh_list(const struct wgc_net_port *port,
		struct wgc_net_neigh_info *info, unsigned int max);

/**
 * Read counters: sum over all lcores.
 */
void wgc_net_stats_get(const struct wgc_net_port *port,
		struct wgc_net_stats *sum);

/**
 * Read the counters of one lcore (RTE_MAX_LCORE: non-EAL threads).
 *
 * @return
 *   0, or -EINVAL for a bad lcore id.
 */
int wgc_net_stats_lcore(const struct wgc_net_port *port, unsigned int lcore,
		struct wgc_net_stats *st);

/** Reset every counter (control plane; racy with writers by design). */
void wgc_net_stats_reset(struct wgc_net_port *port);

/**
 * The multicast MAC addresses the port must receive: IPv6 all-nodes and
 * the solicited-node group of each of our IPv6 addresses. A NIC with
 * promiscuous and all-multicast off drops them otherwise, and neighbour
 * solicitations for us never arrive: give them to
 * wgc_ethdev_set_mc_addrs().
 *
 * @return
 *   Number of addresses written (at most max; none without IPv6).
 */
unsigned int wgc_net_port_mc_addrs(const struct wgc_net_port *port,
		struct rte_ether_addr *mc, unsigned int max);

/** Counters of struct wgc_net_stats before drop[], as 64-bit words. */
#define WGC_NET_COUNTERS \
	(offsetof(struct wgc_net_stats, drop) / sizeof(uint64_t))

/** @return the name of counter word i of struct wgc_net_stats ("rx_wg",
 * ... "tx_frags"), or "?". Any thread. */
const char *wgc_net_counter_name(unsigned int i);

/** @return a short name for a drop reason ("ip4_cksum"...), or "?". */
const char *wgc_net_drop_name(unsigned int reason);

/** @return a short name for a class ("wg", "arp"...), or "?". */
const char *wgc_net_class_name(unsigned int cls);

/**
 * Parse "a.b.c.d", "x:y::z", "a.b.c.d:port" or "[x::y]:port" (port
 * required when want_port) into an endpoint. Host stack helper for configs
 * and tests.
 *
 * @return
 *   0, or -EINVAL.
 */
int wgc_net_endpoint_parse(const char *s, bool want_port,
		struct wgc_endpoint *ep);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_NET_H_ */
