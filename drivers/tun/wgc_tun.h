/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_TUN_H_
#define _WGC_TUN_H_

/**
 * @file
 * The kernel TUN inner edge.
 *
 * One TUN device (IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE) with one
 * non-blocking file descriptor per worker: queue q is read and written only
 * by worker q. RX reads each packet into a buffer of the recycler's pool
 * (the default pool: one kernel copy, no more) and hands back views; TX
 * writes views and releases them. The device's MTU, addresses and link
 * state are set when it is opened; it disappears when it is closed.
 *
 * With offloads on (the default), the queues are opened with IFF_VNET_HDR
 * and TUNSETOFFLOAD (checksum, TSO4/6, and USO4/6 when the kernel has
 * them): the kernel hands over TCP (and UDP) super-packets of up to 64 KiB
 * and packets whose L4 checksum is only partial. RX reads a super-packet
 * into one scratch buffer per queue and splits it into MSS-sized segments,
 * each in its own default-pool buffer (wgc_tun_gso_*(), a pure function
 * tested without a device); a partial checksum is completed in place. TX
 * writes runs of in-order segments of one TCP flow as one GSO packet
 * (wgc_tun_gro(): writev of the first packet and the others' payloads, no
 * copy) and everything else behind a zero virtio_net_hdr. If the
 * kernel refuses IFF_VNET_HDR or TUNSETOFFLOAD, the device falls back to
 * plain packets (the kernel segments and checksums itself).
 */

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include "wgc_addr.h"
#include "wgc_iobuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most queues (one per worker). */
#define WGC_TUN_QUEUES_MAX 16

/** Most addresses given to the device. */
#define WGC_TUN_ADDRS_MAX 8

/** How to open the TUN device. */
struct wgc_tun_conf {
	const char *name;             /**< interface name (IFNAMSIZ) */
	uint16_t nb_queues;           /**< 1..WGC_TUN_QUEUES_MAX */
	uint16_t mtu;                 /**< 0: leave the kernel's default */
	unsigned int nb_addrs;
	struct wgc_prefix addrs[WGC_TUN_ADDRS_MAX]; /**< host bits kept */
	struct wgc_recycler *recycler; /**< mempool recycler for RX buffers */
	bool offload;                 /**< IFF_VNET_HDR + TSO/USO + GSO split */
};

/** Per-queue counters, written only by the queue's lcore. */
struct wgc_tun_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t rx_nobuf;      /**< polls that could not get buffers */
	uint64_t rx_errors;     /**< read errors other than EAGAIN */
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t tx_errors;     /**< writes that failed (dropped) */
	uint64_t tx_gro;        /**< super-packets written (coalesced) */
	uint64_t tx_gro_segs;   /**< segments they carried (in tx_packets) */
	/* IFF_VNET_HDR (offload) mode */
	uint64_t rx_gso;        /**< super-packets split */
	uint64_t rx_gso_segs;   /**< segments they gave (also in rx_packets) */
	uint64_t rx_csum;       /**< partial L4 checksums completed */
	uint64_t rx_too_big;    /**< packets longer than the read buffer */
	uint64_t rx_bad_csum;   /**< NEEDS_CSUM offsets outside the packet */
	uint64_t rx_gso_bad_type;    /**< unknown gso_type, or no NEEDS_CSUM */
	uint64_t rx_gso_ecn;         /**< gso_type with the ECN bit */
	uint64_t rx_gso_bad_size;    /**< gso_size 0 or segment too big */
	uint64_t rx_gso_bad_hdr_len; /**< hdr_len/headers beyond the packet */
	uint64_t rx_gso_bad_headers; /**< IP/TCP/UDP headers don't match */
};

/** Sum of the drop counters of the offload mode (bad vnet headers). */
#define WGC_TUN_STATS_VNET_DROPS(st) ((st)->rx_too_big + (st)->rx_bad_csum + \
	(st)->rx_gso_bad_type + (st)->rx_gso_ecn + (st)->rx_gso_bad_size + \
	(st)->rx_gso_bad_hdr_len + (st)->rx_gso_bad_headers)

/** TUN_F_USO4/6 and the UDP GSO type (older uapi headers lack them). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/**
 * A super-packet being split into segments. Filled by wgc_tun_vnet_rx(),
 * consumed by wgc_tun_gso_next(); the packet it points to must stay
 * unchanged until wgc_tun_gso_pending() is false.
 */
struct wgc_tun_gso {
	const uint8_t *pkt;  /**< the super-packet (IP header first) */
	uint32_t len;        /**< its length */
	uint32_t off;        /**< next payload byte to emit */
	uint16_t l4_off;     /**< TCP/UDP header offset */
	uint16_t hdr_len;    /**< IP + L4 headers (copied to every segment) */
	uint16_t mss;        /**< payload bytes per segment */
	uint16_t seg;        /**< segments emitted so far */
	uint8_t type;        /**< VIRTIO_NET_HDR_GSO_TCPV4/TCPV6/UDP_L4 */
	uint8_t ipv6;        /**< 1 for IPv6 */
};


struct wgc_tun;

/**
 * Create and configure the TUN device (needs CAP_NET_ADMIN).
 *
 * @return
 *   The device, or NULL with rte_errno set (EINVAL, or the errno of the
 *   failing system call).
 */
struct wgc_tun *wgc_tun_open(const struct wgc_tun_conf *conf);

/** Close every queue; the kernel removes the device. NULL allowed. */
void wgc_tun_close(struct wgc_tun *t);

/**
 * Read up to n packets from queue q.
 *
 * @return
 *   Number of views filled in; the caller owns them.
 */
uint16_t wgc_tun_rx_burst(struct wgc_tun *t, uint16_t q, struct wgc_view *v,
		uint16_t n);

/**
 * Write n packets to queue q. Every view is released (sent or dropped and
 * counted as tx_errors).
 *
 * @return
 *   Number of packets written.
 */
uint16_t wgc_tun_tx_burst(struct wgc_tun *t, uint16_t q, struct wgc_view *v,
		uint16_t n);

/** @return the kernel interface index. */
int wgc_tun_ifindex(const struct wgc_tun *t);

/** @return the interface name. */
const char *wgc_tun_name(const struct wgc_tun *t);

/** @return the number of queues. */
uint16_t wgc_tun_nb_queues(const struct wgc_tun *t);

/** Sum of all queues' counters (racy snapshot). */
void wgc_tun_stats(const struct wgc_tun *t, struct wgc_tun_stats *st);

/** @return true if the queues use IFF_VNET_HDR with offloads. */
bool wgc_tun_offload(const struct wgc_tun *t);

/**
 * Look at a packet read behind a virtio_net_hdr (IFF_VNET_HDR mode).
 *
 * A packet without GSO is finished in place: a partial checksum
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM) is completed. A GSO super-packet (TCPv4,
 * TCPv6, UDP L4) is checked and @p g is armed to split it. Anything
 * inconsistent (gso_size 0, hdr_len or checksum offsets beyond the packet,
 * unknown gso_type, ECN, headers that do not match the gso_type, segments
 * larger than @p seg_max) is counted in @p st by reason.
 *
 * @param h
 *   The virtio_net_hdr (native endian, as the TUN writes it on x86).
 * @param pkt
 *   The packet, IP header first; written to when a checksum is completed.
 * @param len
 *   Its length.
 * @param seg_max
 *   Largest packet a segment buffer can hold.
 * @param g
 *   Cursor to arm for a super-packet.
 * @param st
 *   Counters (rx_csum, rx_gso and the drop reasons).
 * @return
 *   0: a plain packet, ready; 1: a super-packet, @p g armed; -1: drop
 *   (counted).
 */
int wgc_tun_vnet_rx(const struct virtio_net_hdr *h, uint8_t *pkt,
		uint32_t len, uint32_t seg_max, struct wgc_tun_gso *g,
		struct wgc_tun_stats *st);

/**
 * Emit up to n segments of an armed super-packet, each in a new buffer
 * from recycler r (data at the default headroom, room left for outer
 * headers and the tag), with its own IP length (and IPv4 id and header
 * checksum), TCP sequence number and flags (FIN/PSH only on the last,
 * CWR only on the first) or UDP length, and a full L4 checksum.
 *
 * @return
 *   Number of views filled in (fewer than n when the super-packet ends or
 *   the pool runs dry: rx_nobuf counts that, call again later).
 */
uint16_t wgc_tun_gso_next(struct wgc_tun_gso *g, struct wgc_recycler *r,
		struct wgc_view *v, uint16_t n, struct wgc_tun_stats *st);

/**
 * Coalesce the TCP segments at the start of a burst towards the kernel
 * (GRO): count how many consecutive views, from v[0], are in-order
 * segments of one TCP flow that can travel as one GSO super-packet (ACK or
 * ACK|PSH only, PSH only on the last, valid checksums, same addresses,
 * ports, ack, window, options and TTL/TOS, IPv4 ids one apart, every
 * segment but the last of the first one's size, at most 64 KiB).
 *
 * @param v
 *   The burst (views are only read, except v[0] when coalescing).
 * @param n
 *   Views in the burst.
 * @param h
 *   Header to write before the packet(s).
 * @return
 *   k >= 1. If k >= 2, v[0] was rewritten as the super-packet's headers
 *   (length, PSH of the last, partial checksum), and the packet to write
 *   is v[0] followed by the payloads of v[1..k-1]; @p h describes it
 *   (GSO_TCPV4/6, NEEDS_CSUM). If k == 1, @p h is all zero and v[0] is
 *   untouched.
 */
uint16_t wgc_tun_gro(struct wgc_view *v, uint16_t n,
		struct virtio_net_hdr *h);

/** @return true while @p g still has segments to emit. */
static inline bool
wgc_tun_gso_pending(const struct wgc_tun_gso *g)
{
	return g->pkt != NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* _WGC_TUN_H_ */
