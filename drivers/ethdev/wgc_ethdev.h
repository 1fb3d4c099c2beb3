/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_ETHDEV_H_
#define _WGC_ETHDEV_H_

/**
 * @file
 * DPDK ports as wgc edges (outer side, or the `ethdev` inner side).
 *
 * A port is opened by device name: a vdev string such as
 * `net_af_packet0,iface=veth0`, `net_ring0` or `net_null0` (hot-plugged with
 * rte_dev_probe() unless a port of that name already exists), or the name of
 * an already probed device such as a PCI address `0000:01:00.0`. Each port
 * gets its own right-sized pktmbuf pool; RX bursts return views backed by the
 * RX mbufs whose recycler is that pool's (wgc_recycler_mempool_init()).
 *
 * Threading and ownership:
 * - open / start / stop / close and the stats readers run on the main lcore;
 * - each RX queue and each TX queue is polled by exactly one lcore (usually
 *   queue i by worker i; give the main lcore its own TX queue for the slow
 *   path: nb_tx_queues = workers + 1). No locks are taken on the burst path;
 * - wgc_ethdev_rx_burst() hands ownership of the returned views to the
 *   caller; multi-segment mbufs are freed and counted (rx_multiseg);
 * - wgc_ethdev_tx_burst() takes ownership of the views it sends (they are
 *   empty afterwards); views it could not send stay valid and owned by the
 *   caller, who retries or releases them. A view that is not backed by an
 *   mbuf is copied into a port mbuf first (counted as tx_copied) and the
 *   caller's view then refers to that mbuf.
 * - mbuf TX offload flags set by lib/net's encap (IPv4 / UDP checksum) are
 *   kept; they are only requested when wgc_ethdev_caps says the port has
 *   them.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ethdev.h>

#include "wgc_iobuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most queues per direction on one port. */
#define WGC_ETHDEV_QUEUES_MAX 16

/** How to open a port. Zero values pick defaults. */
/** Most bytes a frame adds to an IP packet on a port: Ethernet, one VLAN
 * tag, CRC. A pool given in wgc_ethdev_conf needs buffers of at least
 * RTE_PKTMBUF_HEADROOM + the MTU + this + WGC_IOBUF_TRAILER_MAX, rounded
 * up to 64 bytes. */
#define WGC_ETHDEV_FRAME_HDR_MAX (RTE_ETHER_HDR_LEN + 4 + RTE_ETHER_CRC_LEN)

struct wgc_ethdev_conf {
	const char *devname;      /**< vdev string, device name or PCI address */
	uint16_t nb_rx_queues;    /**< RX queues, one per worker (0: 1) */
	uint16_t nb_tx_queues;    /**< TX queues (0: same as nb_rx_queues) */
	uint16_t nb_rxd;          /**< RX descriptors per queue (0: 1024) */
	uint16_t nb_txd;          /**< TX descriptors per queue (0: 1024) */
	uint16_t mtu;             /**< L3 MTU of the port (0: the port's as
	                           *   its PMD reports it, else 1500); up to
	                           *   9000 and the PMD's max */
	bool set_mtu;             /**< also set it on the port
	                           *   (rte_eth_dev_set_mtu(): net_tap and
	                           *   net_af_packet change the kernel
	                           *   interface's MTU); a PMD that refuses
	                           *   gets a warning */
	unsigned int nb_mbufs;    /**< pool size (0: computed from the rings) */
	uint16_t data_room;       /**< at least this mbuf data room (0: sized
	                           *   for the MTU and the PMD) */
	int socket_id;            /**< NUMA socket (SOCKET_ID_ANY: the port's) */
	bool promiscuous;         /**< default false: promiscuous off */
	bool no_rss;              /**< do not enable RSS even if offered */
	bool no_tx_cksum_offload; /**< never use TX checksum offloads */
	/** RX into this pool and hand views out with this recycler (both
	 * or neither; not owned: closing the port leaves them), e.g. the
	 * default pool for virtio-user. Its data room must hold the frames
	 * (EINVAL otherwise). NULL: a pool of the port's own. */
	struct rte_mempool *pool;
	struct wgc_recycler *recycler;
	bool lsc_intr;            /**< link-state interrupts if the PMD has
	                           *   them (virtio_user needs them to see a
	                           *   vhost-user peer leave and, as server,
	                           *   to accept it back) */
};

/** What the port can do, as configured. */
struct wgc_ethdev_caps {
	bool rss;                 /**< RSS on IP/UDP enabled across RX queues */
	bool tx_ipv4_cksum;       /**< IPv4 header checksum offload enabled */
	bool tx_udp_cksum;        /**< UDP checksum offload enabled */
	bool rx_cksum;            /**< the PMD reports RX checksum status */
	bool allmulti;            /**< all-multicast on (no multicast filter) */
	uint16_t max_rx_queues;   /**< from the PMD */
	uint16_t max_tx_queues;   /**< from the PMD */
	uint16_t mtu;             /**< configured MTU */
	uint16_t data_room;       /**< mbuf data room of the port pool */
	uint64_t rss_hf;          /**< hash functions enabled */
};

/** Per-queue counters, written only by the queue's lcore. */
struct wgc_ethdev_queue_stats {
	uint64_t rx_packets;      /**< views returned by RX */
	uint64_t rx_bytes;        /**< their bytes */
	uint64_t rx_multiseg;     /**< multi-segment mbufs dropped */
	uint64_t tx_packets;      /**< views sent */
	uint64_t tx_bytes;        /**< their bytes */
	uint64_t tx_unsent;       /**< views handed back (TX ring full) */
	uint64_t tx_copied;       /**< non-mbuf views copied into port mbufs */
	uint64_t tx_copy_fail;    /**< ... that could not be (pool empty) */
	uint64_t rx_vlan_fail;    /**< stripped VLAN tag could not be put back */
};

struct wgc_ethdev;

/**
 * The queues a port's PMD allows (rte_eth_dev_info max_rx_queues,
 * max_tx_queues), before it is opened: a port plugged in for the question
 * is unplugged again. Main lcore.
 *
 * @return
 *   0, or a negative errno (-ENODEV: no such device and the probe failed).
 */
int wgc_ethdev_max_queues(const char *devname, uint16_t *max_rx,
		uint16_t *max_tx);

/**
 * Open and configure a port (not started).
 *
 * @param conf
 *   What to open and how.
 * @return
 *   The port, or NULL with rte_errno set (ENODEV: no such device and the
 *   probe failed; EINVAL: bad queue count or MTU; ENOMEM: pool).
 */
struct wgc_ethdev *wgc_ethdev_open(const struct wgc_ethdev_conf *conf);

/** Start the port. @return 0 or a negative errno. */
int wgc_ethdev_start(struct wgc_ethdev *e);

/** Stop the port (queues are drained by the PMD). @return 0 or -errno. */
int wgc_ethdev_stop(struct wgc_ethdev *e);

/**
 * Stop (if started) and close the port, remove the device if this module
 * probed it, and free the pool. Every view from the port should have been
 * released: if some are still out, the pool and the recycler they point at
 * are logged and kept allocated (a leak, never a use after free).
 * NULL is allowed.
 */
void wgc_ethdev_close(struct wgc_ethdev *e);

/**
 * wgc_ethdev_close(), telling whether every buffer of the port's pool came
 * back once the PMD released its queues (for a clean-shutdown check).
 *
 * @return
 *   Buffers still in use (0: clean, the pool was freed). NULL gives 0.
 */
unsigned int wgc_ethdev_close_checked(struct wgc_ethdev *e);

/**
 * Receive a burst of views.
 *
 * @param e
 *   Port.
 * @param queue
 *   RX queue, polled only by the calling lcore.
 * @param v
 *   Where to put the views.
 * @param n
 *   Room in v (at most WGC_IOBUF_BURST_MAX is useful).
 * @return
 *   Number of views filled in; the caller owns them.
 */
uint16_t wgc_ethdev_rx_burst(struct wgc_ethdev *e, uint16_t queue,
		struct wgc_view *v, uint16_t n);

/**
 * Transmit a burst of views.
 *
 * @param e
 *   Port.
 * @param queue
 *   TX queue, used only by the calling lcore.
 * @param v
 *   Views; v[0..ret-1] are sent and empty afterwards, v[ret..n-1] still
 *   belong to the caller.
 * @param n
 *   Number of views (any count; sent in chunks of WGC_IOBUF_BURST_MAX).
 * @return
 *   Number sent.
 */
uint16_t wgc_ethdev_tx_burst(struct wgc_ethdev *e, uint16_t queue,
		struct wgc_view *v, uint16_t n);

/**
 * Transmit a burst and release whatever could not be sent.
 *
 * @return
 *   Number sent (the rest were released and counted as tx_unsent).
 */
uint16_t wgc_ethdev_tx_burst_or_drop(struct wgc_ethdev *e, uint16_t queue,
		struct wgc_view *v, uint16_t n);

/**
 * Receive these multicast MAC addresses (e.g. from
 * wgc_net_port_mc_addrs()): the port's multicast filter if the PMD has
 * one, else all-multicast. Main lcore.
 *
 * @return
 *   0 (also when the PMD has neither, as virtual devices that deliver
 *   every frame do), or a negative errno.
 */
int wgc_ethdev_set_mc_addrs(struct wgc_ethdev *e,
		const struct rte_ether_addr *mc, unsigned int n);

/** @return the DPDK port id. */
uint16_t wgc_ethdev_port_id(const struct wgc_ethdev *e);

/** @return the device name (without devargs). */
const char *wgc_ethdev_name(const struct wgc_ethdev *e);

/** @return the port's MAC address. */
const struct rte_ether_addr *wgc_ethdev_mac(const struct wgc_ethdev *e);

/** @return the port's capabilities as configured. */
const struct wgc_ethdev_caps *wgc_ethdev_caps(const struct wgc_ethdev *e);

/** @return the port's pktmbuf pool. */
struct rte_mempool *wgc_ethdev_pool(const struct wgc_ethdev *e);

/** @return the recycler of the port's pool (for allocating views). */
struct wgc_recycler *wgc_ethdev_recycler(struct wgc_ethdev *e);

/** @return number of RX queues. */
uint16_t wgc_ethdev_nb_rx_queues(const struct wgc_ethdev *e);

/** @return number of TX queues. */
uint16_t wgc_ethdev_nb_tx_queues(const struct wgc_ethdev *e);

/**
 * Read the link status without waiting.
 *
 * @return
 *   0 or a negative errno.
 */
int wgc_ethdev_link(const struct wgc_ethdev *e, struct rte_eth_link *link);

/**
 * Read one queue's counters (a racy snapshot: each field is read once).
 *
 * @param rx
 *   true for the RX queue's counters, false for the TX queue's.
 * @return
 *   0, or -EINVAL for a bad queue.
 */
int wgc_ethdev_queue_stats(const struct wgc_ethdev *e, uint16_t queue,
		bool rx, struct wgc_ethdev_queue_stats *st);

/**
 * Sum of all queues' counters.
 */
void wgc_ethdev_stats(const struct wgc_ethdev *e,
		struct wgc_ethdev_queue_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_ETHDEV_H_ */
