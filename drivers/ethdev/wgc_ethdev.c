/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * DPDK ports as wgc edges: open by name (hot-plug vdevs), one pool per
 * port, RSS across the RX queues, views in and out without copies.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pci.h>

#include "wgc_ethdev.h"

RTE_LOG_REGISTER(wgc_logtype_ethdev, wgc.ethdev, INFO);
#define ETH_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_ethdev, \
		"wgc.ethdev: " fmt "\n", ##__VA_ARGS__)

#define DEFAULT_DESC 1024
#define POOL_CACHE 256u
#define MAX_FRAME_HDR WGC_ETHDEV_FRAME_HDR_MAX

static uint32_t pool_seq; /* pool names stay unique if one is kept */

struct queue_stats {
	struct wgc_ethdev_queue_stats s;
} __rte_cache_aligned;

struct wgc_ethdev {
	uint16_t port_id;
	uint16_t nb_rxq;
	uint16_t nb_txq;
	bool probed;            /* we hot-plugged it: remove on close */
	bool started;
	struct rte_device *dev;
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_ether_addr mac;
	struct wgc_ethdev_caps caps;
	struct rte_mempool *pool;
	bool own_pool;          /* created here, freed on close */
	struct wgc_recycler rc; /* own pool's recycler */
	struct wgc_recycler *rcp; /* the recycler RX views get */
	struct queue_stats rxs[WGC_ETHDEV_QUEUES_MAX];
	struct queue_stats txs[WGC_ETHDEV_QUEUES_MAX];
};

/*
 * Device name: the devargs string up to the first comma; a PCI address in
 * any accepted form ("01:00.0") becomes the full name ethdev uses
 * ("0000:01:00.0").
 */
static void
dev_name(const char *devargs, char *name, size_t size)
{
	struct rte_pci_addr pci;
	size_t n = strcspn(devargs, ",");

	if (n >= size)
		n = size - 1;
	memcpy(name, devargs, n);
	name[n] = '\0';
	if (rte_pci_addr_parse(name, &pci) == 0)
		rte_pci_device_name(&pci, name, size);
}

static int
find_or_probe(const char *devargs, char *name, size_t size, uint16_t *port,
		bool *probed)
{
	int rc;

	dev_name(devargs, name, size);
	*probed = false;
	if (rte_eth_dev_get_port_by_name(name, port) == 0)
		return 0;
	rc = rte_dev_probe(devargs);
	if (rc < 0) {
		ETH_LOG(ERR, "cannot probe '%s': %s", devargs,
			rte_strerror(-rc));
		return -ENODEV;
	}
	if (rte_eth_dev_get_port_by_name(name, port) != 0) {
		struct rte_devargs da;

		ETH_LOG(ERR, "'%s' probed but no port named '%s'", devargs,
			name);
		/* unplug what was plugged, whatever it is called */
		if (rte_devargs_parse(&da, devargs) == 0) {
			if (da.bus != NULL)
				rte_eal_hotplug_remove(rte_bus_name(da.bus),
					da.name);
			rte_devargs_reset(&da);
		}
		return -ENODEV;
	}
	*probed = true;
	return 0;
}

/* after rte_eth_dev_close(): unplug the device we plugged */
static void
remove_device(struct rte_device *dev)
{
	int rc;

	if (dev == NULL)
		return;
	rc = rte_dev_remove(dev);
	if (rc != 0)
		ETH_LOG(WARNING, "cannot remove device: %s", rte_strerror(-rc));
}

int
wgc_ethdev_max_queues(const char *devname, uint16_t *max_rx, uint16_t *max_tx)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	uint16_t port;
	bool probed;
	int rc;

	if (devname == NULL || devname[0] == '\0')
		return -EINVAL;
	rc = find_or_probe(devname, name, sizeof(name), &port, &probed);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_info_get(port, &info);
	if (rc == 0) {
		*max_rx = info.max_rx_queues;
		*max_tx = info.max_tx_queues;
	}
	/* a port plugged in to be asked is unplugged again */
	if (probed) {
		rte_eth_dev_close(port);
		remove_device(rc == 0 ? info.device : NULL);
	}
	return rc;
}

struct wgc_ethdev *
wgc_ethdev_open(const struct wgc_ethdev_conf *c)
{
	struct rte_eth_conf pconf;
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_txconf txconf;
	struct wgc_ethdev *e;
	char pname[RTE_MEMPOOL_NAMESIZE];
	uint16_t nb_rxd, nb_txd, q, mtu, pmd_mtu;
	unsigned int nb_mbufs, room;
	int socket, rc;

	if (c == NULL || c->devname == NULL || c->devname[0] == '\0') {
		rte_errno = EINVAL;
		return NULL;
	}
	e = rte_zmalloc("wgc_ethdev", sizeof(*e), RTE_CACHE_LINE_SIZE);
	if (e == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rc = find_or_probe(c->devname, e->name, sizeof(e->name), &e->port_id,
		&e->probed);
	if (rc < 0) {
		rte_free(e);
		rte_errno = -rc;
		return NULL;
	}
	rc = rte_eth_dev_info_get(e->port_id, &info);
	if (rc != 0)
		goto fail;
	e->dev = info.device;

	e->nb_rxq = c->nb_rx_queues ? c->nb_rx_queues : 1;
	e->nb_txq = c->nb_tx_queues ? c->nb_tx_queues : e->nb_rxq;
	/* no MTU given: the port's, as the PMD reports it (else 1500) */
	if (rte_eth_dev_get_mtu(e->port_id, &pmd_mtu) != 0 || pmd_mtu == 0)
		pmd_mtu = RTE_ETHER_MTU;
	mtu = c->mtu ? c->mtu : pmd_mtu;
	if (e->nb_rxq > WGC_ETHDEV_QUEUES_MAX ||
			e->nb_txq > WGC_ETHDEV_QUEUES_MAX ||
			e->nb_rxq > info.max_rx_queues ||
			e->nb_txq > info.max_tx_queues) {
		ETH_LOG(ERR, "%s: %u/%u queues asked, the port has %u/%u",
			e->name, e->nb_rxq, e->nb_txq, info.max_rx_queues,
			info.max_tx_queues);
		rc = -EINVAL;
		goto fail;
	}
	if (mtu < RTE_ETHER_MIN_MTU || mtu > 9000 ||
			(info.max_mtu != 0 && mtu > info.max_mtu) ||
			mtu < info.min_mtu) {
		ETH_LOG(ERR, "%s: MTU %u outside %u..%u", e->name, mtu,
			info.min_mtu, info.max_mtu);
		rc = -EINVAL;
		goto fail;
	}
	rte_eth_macaddr_get(e->port_id, &e->mac);
	if (rte_is_zero_ether_addr(&e->mac)) {
		/* e.g. net_ring: make up a locally administered address */
		rte_eth_random_addr(e->mac.addr_bytes);
		(void)rte_eth_dev_default_mac_addr_set(e->port_id, &e->mac);
	}
	socket = c->socket_id;
	if (socket == SOCKET_ID_ANY || socket < 0) {
		socket = rte_eth_dev_socket_id(e->port_id);
		if (socket < 0)
			socket = SOCKET_ID_ANY;
	}

	memset(&pconf, 0, sizeof(pconf));
	pconf.rxmode.mtu = mtu;
	e->caps.max_rx_queues = info.max_rx_queues;
	e->caps.max_tx_queues = info.max_tx_queues;
	e->caps.mtu = mtu;
	if (e->nb_rxq > 1 && !c->no_rss &&
			(info.flow_type_rss_offloads &
			 (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP)) != 0) {
		pconf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pconf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
		e->caps.rss = true;
		e->caps.rss_hf = pconf.rx_adv_conf.rss_conf.rss_hf;
	}
	if (!c->no_tx_cksum_offload) {
		if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
			pconf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
			e->caps.tx_ipv4_cksum = true;
		}
		if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) {
			pconf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
			e->caps.tx_udp_cksum = true;
		}
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM) {
		pconf.rxmode.offloads |= info.rx_offload_capa &
			RTE_ETH_RX_OFFLOAD_CHECKSUM;
		e->caps.rx_cksum = true;
	}
	if (c->lsc_intr && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC) != 0)
		pconf.intr_conf.lsc = 1;
	rc = rte_eth_dev_configure(e->port_id, e->nb_rxq, e->nb_txq, &pconf);
	if (rc != 0) {
		ETH_LOG(ERR, "%s: configure: %s", e->name, rte_strerror(-rc));
		goto fail;
	}
	/* some PMDs (net_tap, net_af_packet: the kernel interface) apply
	 * an MTU only when told so, jumbo frames included */
	if (c->set_mtu && mtu != pmd_mtu) {
		rc = rte_eth_dev_set_mtu(e->port_id, mtu);
		if (rc != 0 && rc != -ENOTSUP)
			ETH_LOG(WARNING, "%s: the PMD refuses MTU %u (%s): "
				"frames above %u may not pass", e->name, mtu,
				rte_strerror(-rc), pmd_mtu);
		rc = 0;
	}

	nb_rxd = c->nb_rxd ? c->nb_rxd : DEFAULT_DESC;
	nb_txd = c->nb_txd ? c->nb_txd : DEFAULT_DESC;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(e->port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		goto fail;

	/*
	 * Pool: the RX rings full, the TX rings full, a burst in flight per
	 * queue, the lcore caches, and some slack for the slow path. Buffers
	 * hold a max-size frame plus the transport trailer added in place,
	 * after the usual headroom for outer headers.
	 */
	nb_mbufs = c->nb_mbufs;
	if (nb_mbufs == 0)
		nb_mbufs = e->nb_rxq * nb_rxd + e->nb_txq * nb_txd +
			(e->nb_rxq + e->nb_txq) * WGC_IOBUF_BURST_MAX +
			rte_lcore_count() * POOL_CACHE + 1024;
	room = RTE_PKTMBUF_HEADROOM + RTE_ALIGN_CEIL(mtu + MAX_FRAME_HDR +
		WGC_IOBUF_TRAILER_MAX, 64);
	if (room < RTE_PKTMBUF_HEADROOM + info.min_rx_bufsize)
		room = RTE_PKTMBUF_HEADROOM + info.min_rx_bufsize;
	/*
	 * net_af_packet copies whole ring frames (framesz, default 2048, less
	 * its headers) and refuses smaller mbufs without saying so in
	 * min_rx_bufsize.
	 */
	if (info.driver_name != NULL &&
			strcmp(info.driver_name, "net_af_packet") == 0 &&
			room < RTE_MBUF_DEFAULT_BUF_SIZE)
		room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (c->data_room > room)
		room = c->data_room;
	if (room > UINT16_MAX) {
		rc = -EINVAL;
		goto fail;
	}
	e->caps.data_room = (uint16_t)room;
	if ((c->pool == NULL) != (c->recycler == NULL)) {
		rc = -EINVAL;
		goto fail;
	}
	if (c->pool != NULL) {
		/* a pool the caller owns (the default pool) */
		if (rte_pktmbuf_data_room_size(c->pool) < room) {
			ETH_LOG(ERR, "%s: pool %s: data room %u B < %u B needed",
				e->name, c->pool->name,
				rte_pktmbuf_data_room_size(c->pool), room);
			rc = -EINVAL;
			goto fail;
		}
		e->pool = c->pool;
		e->rcp = c->recycler;
		nb_mbufs = c->pool->size;
		room = rte_pktmbuf_data_room_size(c->pool);
		e->caps.data_room = (uint16_t)room;
	} else {
		snprintf(pname, sizeof(pname), "wgc_eth%u_%u", e->port_id,
			__atomic_fetch_add(&pool_seq, 1, __ATOMIC_RELAXED));
		e->pool = rte_pktmbuf_pool_create(pname, nb_mbufs,
			RTE_MIN(POOL_CACHE, nb_mbufs * 2 / 3 / RTE_MAX(1u,
				rte_lcore_count())), 0, (uint16_t)room,
			socket);
		if (e->pool == NULL) {
			ETH_LOG(ERR, "%s: pool of %u x %u B: %s", e->name,
				nb_mbufs, room, rte_strerror(rte_errno));
			rc = -rte_errno;
			goto fail;
		}
		e->own_pool = true;
		wgc_recycler_mempool_init(&e->rc, e->pool);
		e->rcp = &e->rc;
	}

	rxconf = info.default_rxconf;
	rxconf.offloads = pconf.rxmode.offloads;
	for (q = 0; q < e->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(e->port_id, q, nb_rxd, socket,
			&rxconf, e->pool);
		if (rc != 0) {
			ETH_LOG(ERR, "%s: rx queue %u: %s", e->name, q,
				rte_strerror(-rc));
			goto fail;
		}
	}
	txconf = info.default_txconf;
	txconf.offloads = pconf.txmode.offloads;
	for (q = 0; q < e->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(e->port_id, q, nb_txd, socket,
			&txconf);
		if (rc != 0) {
			ETH_LOG(ERR, "%s: tx queue %u: %s", e->name, q,
				rte_strerror(-rc));
			goto fail;
		}
	}
	ETH_LOG(INFO, "%s: port %u, %u rx / %u tx queues, mtu %u, rss %s, "
		"tx cksum offload ip4 %s udp %s, pool %u x %u B",
		e->name, e->port_id, e->nb_rxq, e->nb_txq, mtu,
		e->caps.rss ? "on" : "off",
		e->caps.tx_ipv4_cksum ? "on" : "off",
		e->caps.tx_udp_cksum ? "on" : "off", nb_mbufs, room);
	return e;
fail:
	/* a port we did not plug in is left as we found it */
	if (e->probed) {
		rte_eth_dev_close(e->port_id);
		remove_device(e->dev);
	}
	if (e->own_pool)
		rte_mempool_free(e->pool);
	rte_free(e);
	rte_errno = rc < 0 ? -rc : EINVAL;
	return NULL;
}

int
wgc_ethdev_start(struct wgc_ethdev *e)
{
	int rc;

	rc = rte_eth_dev_start(e->port_id);
	if (rc != 0) {
		ETH_LOG(ERR, "%s: start: %s", e->name, rte_strerror(-rc));
		return rc;
	}
	e->started = true;
	/* not every PMD can: promiscuous off is the default anyway */
	(void)rte_eth_promiscuous_disable(e->port_id);
	if (e->nb_rxq > 0 && rte_eth_promiscuous_get(e->port_id) == 1)
		ETH_LOG(DEBUG, "%s: promiscuous stays on", e->name);
	return 0;
}

int
wgc_ethdev_stop(struct wgc_ethdev *e)
{
	int rc;

	if (!e->started)
		return 0;
	rc = rte_eth_dev_stop(e->port_id);
	if (rc == 0)
		e->started = false;
	return rc;
}

unsigned int
wgc_ethdev_close_checked(struct wgc_ethdev *e)
{
	unsigned int in_use;

	if (e == NULL)
		return 0;
	/*
	 * Drain what the RX queues still hold: some PMDs (net_ring, whose
	 * TX and RX share rings) do not free queued mbufs on close.
	 */
	if (e->started) {
		struct rte_mbuf *m[WGC_IOBUF_BURST_MAX];
		uint16_t q, k;
		int guard;

		for (q = 0; q < e->nb_rxq; q++)
			for (guard = 0; guard < 1024; guard++) {
				k = rte_eth_rx_burst(e->port_id, q, m,
					RTE_DIM(m));
				if (k == 0)
					break;
				rte_pktmbuf_free_bulk(m, k);
			}
	}
	wgc_ethdev_stop(e);
	/* closing releases the queues and the mbufs the PMD keeps there */
	rte_eth_dev_close(e->port_id);
	if (e->probed)
		remove_device(e->dev);
	if (!e->own_pool) {
		/* the owner checks and frees its pool; views out name its
		 * recycler, which outlives the port */
		rte_free(e);
		return 0;
	}
	in_use = rte_mempool_in_use_count(e->pool);
	if (in_use != 0) {
		/*
		 * Views still out point at e->rc: keep the recycler and the
		 * pool alive (a leak, logged) rather than free under them.
		 */
		ETH_LOG(ERR, "%s: %u buffers still in use: pool %s kept",
			e->name, in_use, e->pool->name);
		return in_use;
	}
	rte_mempool_free(e->pool);
	rte_free(e);
	return 0;
}

void
wgc_ethdev_close(struct wgc_ethdev *e)
{
	wgc_ethdev_close_checked(e);
}

uint16_t
wgc_ethdev_rx_burst(struct wgc_ethdev *e, uint16_t queue, struct wgc_view *v,
		uint16_t n)
{
	struct rte_mbuf *m[WGC_IOBUF_BURST_MAX];
	struct wgc_ethdev_queue_stats *st = &e->rxs[queue].s;
	uint16_t i, nb, k = 0;
	uint64_t bytes = 0;

	if (n > RTE_DIM(m))
		n = RTE_DIM(m);
	nb = rte_eth_rx_burst(e->port_id, queue, m, n);
	for (i = 0; i < nb; i++) {
		if (unlikely(m[i]->nb_segs != 1)) {
			st->rx_multiseg++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		/*
		 * VLAN stripping is never requested; a PMD that strips anyway
		 * (af_packet: the kernel untags) gets the tag put back.
		 */
		if (unlikely(m[i]->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) &&
				rte_vlan_insert(&m[i]) != 0) {
			st->rx_vlan_fail++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		wgc_view_from_mbuf(&v[k++], m[i], e->rcp);
		bytes += m[i]->data_len;
	}
	st->rx_packets += k;
	st->rx_bytes += bytes;
	return k;
}

/* replace a view that is not backed by an mbuf by a copy in a port mbuf */
static int
copy_to_mbuf(struct wgc_ethdev *e, struct wgc_view *v)
{
	struct rte_mbuf *m;
	struct wgc_view nv;
	uint8_t *d;

	m = rte_pktmbuf_alloc(e->pool);
	if (m == NULL)
		return -ENOMEM;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)v->len);
	if (v->len > UINT16_MAX || d == NULL) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	memcpy(d, v->data, v->len);
	wgc_view_from_mbuf(&nv, m, e->rcp);
	wgc_view_release(v);
	*v = nv;
	return 0;
}

static uint16_t
tx_chunk(struct wgc_ethdev *e, uint16_t queue, struct wgc_view *v, uint16_t n)
{
	struct rte_mbuf *m[WGC_IOBUF_BURST_MAX];
	struct wgc_ethdev_queue_stats *st = &e->txs[queue].s;
	uint16_t i, k, sent;
	uint64_t bytes = 0;

	/* views stay whole until the PMD took the mbuf */
	for (k = 0; k < n; k++) {
		struct rte_mbuf *mb;

		if (unlikely(v[k].recycler != e->rcp &&
				wgc_recycler_mempool(v[k].recycler) == NULL)) {
			if (copy_to_mbuf(e, &v[k]) != 0) {
				st->tx_copy_fail++;
				break;
			}
			st->tx_copied++;
		}
		mb = (struct rte_mbuf *)v[k].backing;
		mb->data_off = (uint16_t)(v[k].data - (uint8_t *)mb->buf_addr);
		mb->data_len = (uint16_t)v[k].len;
		mb->pkt_len = v[k].len;
		m[k] = mb;
	}
	sent = rte_eth_tx_burst(e->port_id, queue, m, k);
	for (i = 0; i < sent; i++) {
		bytes += v[i].len;
		v[i].backing = NULL;
		v[i].recycler = NULL;
		v[i].data = NULL;
		v[i].len = 0;
	}
	st->tx_packets += sent;
	st->tx_bytes += bytes;
	st->tx_unsent += n - sent;
	return sent;
}

uint16_t
wgc_ethdev_tx_burst(struct wgc_ethdev *e, uint16_t queue, struct wgc_view *v,
		uint16_t n)
{
	uint16_t done = 0, chunk, sent;

	while (done < n) {
		chunk = RTE_MIN((uint16_t)(n - done),
			(uint16_t)WGC_IOBUF_BURST_MAX);
		sent = tx_chunk(e, queue, v + done, chunk);
		done += sent;
		if (sent < chunk) {
			/* the rest of the burst is unsent too */
			e->txs[queue].s.tx_unsent += n - done - (chunk - sent);
			break;
		}
	}
	return done;
}

uint16_t
wgc_ethdev_tx_burst_or_drop(struct wgc_ethdev *e, uint16_t queue,
		struct wgc_view *v, uint16_t n)
{
	uint16_t sent = wgc_ethdev_tx_burst(e, queue, v, n);

	if (sent < n)
		wgc_view_release_all(v + sent, n - sent);
	return sent;
}

int
wgc_ethdev_set_mc_addrs(struct wgc_ethdev *e, const struct rte_ether_addr *mc,
		unsigned int n)
{
	struct rte_ether_addr list[16];
	int rc;

	if (n > RTE_DIM(list))
		return -E2BIG;
	memcpy(list, mc, n * sizeof(*mc));
	rc = rte_eth_dev_set_mc_addr_list(e->port_id, list, n);
	if (rc == 0)
		return 0;
	if (rc != -ENOTSUP)
		ETH_LOG(WARNING, "%s: multicast filter: %s; all-multicast",
			e->name, rte_strerror(-rc));
	rc = rte_eth_allmulticast_enable(e->port_id);
	if (rc == 0) {
		e->caps.allmulti = true;
		return 0;
	}
	if (rc == -ENOTSUP)
		return 0;
	ETH_LOG(ERR, "%s: cannot receive IPv6 multicast: %s", e->name,
		rte_strerror(-rc));
	return rc;
}

uint16_t
wgc_ethdev_port_id(const struct wgc_ethdev *e)
{
	return e->port_id;
}

const char *
wgc_ethdev_name(const struct wgc_ethdev *e)
{
	return e->name;
}

const struct rte_ether_addr *
wgc_ethdev_mac(const struct wgc_ethdev *e)
{
	return &e->mac;
}

const struct wgc_ethdev_caps *
wgc_ethdev_caps(const struct wgc_ethdev *e)
{
	return &e->caps;
}

struct rte_mempool *
wgc_ethdev_pool(const struct wgc_ethdev *e)
{
	return e->pool;
}

struct wgc_recycler *
wgc_ethdev_recycler(struct wgc_ethdev *e)
{
	return e->rcp;
}

uint16_t
wgc_ethdev_nb_rx_queues(const struct wgc_ethdev *e)
{
	return e->nb_rxq;
}

uint16_t
wgc_ethdev_nb_tx_queues(const struct wgc_ethdev *e)
{
	return e->nb_txq;
}

int
wgc_ethdev_link(const struct wgc_ethdev *e, struct rte_eth_link *link)
{
	return rte_eth_link_get_nowait(e->port_id, link);
}

static void
qstats_read(const struct wgc_ethdev_queue_stats *src,
		struct wgc_ethdev_queue_stats *dst)
{
	const volatile uint64_t *s = (const volatile uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;
	unsigned int i;

	for (i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
		d[i] = s[i];
}

int
wgc_ethdev_queue_stats(const struct wgc_ethdev *e, uint16_t queue, bool rx,
		struct wgc_ethdev_queue_stats *st)
{
	if (rx ? queue >= e->nb_rxq : queue >= e->nb_txq)
		return -EINVAL;
	qstats_read(rx ? &e->rxs[queue].s : &e->txs[queue].s, st);
	return 0;
}

void
wgc_ethdev_stats(const struct wgc_ethdev *e, struct wgc_ethdev_queue_stats *st)
{
	struct wgc_ethdev_queue_stats q;
	uint64_t *d = (uint64_t *)st;
	const uint64_t *s = (const uint64_t *)&q;
	unsigned int i, j;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < e->nb_rxq; i++) {
		qstats_read(&e->rxs[i].s, &q);
		for (j = 0; j < sizeof(q) / sizeof(uint64_t); j++)
			d[j] += s[j];
	}
	for (i = 0; i < e->nb_txq; i++) {
		qstats_read(&e->txs[i].s, &q);
		for (j = 0; j < sizeof(q) / sizeof(uint64_t); j++)
			d[j] += s[j];
	}
}
