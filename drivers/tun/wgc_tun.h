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
 * IFF_VNET_HDR is not used: without TUNSETOFFLOAD the kernel segments
 * GSO/TSO itself and hands us MTU-sized packets, which is what the
 * encryption path wants (one datagram per packet). Taking 64 KiB
 * super-packets would save system calls but needs a 64 KiB read buffer per
 * queue and a software segmenter (TCP/UDP headers and checksums) before
 * encryption; see doc/dataplane.md.
 */

#include <stdbool.h>
#include <stdint.h>

#include "wgc_iobuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most queues (one per worker). */
#define WGC_TUN_QUEUES_MAX 16

/** Most addresses given to the device. */
#define WGC_TUN_ADDRS_MAX 8

/** An address with its prefix length, assigned to the device. */
struct wgc_tun_addr {
	uint8_t family;       /**< 4 or 6 */
	uint8_t prefix_len;
	uint8_t addr[16];     /**< network order */
};

/** How to open the TUN device. */
struct wgc_tun_conf {
	const char *name;             /**< interface name (IFNAMSIZ) */
	uint16_t nb_queues;           /**< 1..WGC_TUN_QUEUES_MAX */
	uint16_t mtu;                 /**< 0: leave the kernel's default */
	unsigned int nb_addrs;
	struct wgc_tun_addr addrs[WGC_TUN_ADDRS_MAX];
	struct wgc_recycler *recycler; /**< mempool recycler for RX buffers */
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

#ifdef __cplusplus
}
#endif

#endif /* _WGC_TUN_H_ */
