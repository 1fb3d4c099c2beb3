/* SPDX-License-Identifier: BSD-3-Clause */
/* stubs: the API is published first, bodies follow */
#include <errno.h>
#include <rte_errno.h>
#include "wgc_ethdev.h"

struct wgc_ethdev *wgc_ethdev_open(const struct wgc_ethdev_conf *conf) { RTE_SET_USED(conf); rte_errno = ENOTSUP; return NULL; }
int wgc_ethdev_start(struct wgc_ethdev *e) { RTE_SET_USED(e); return -ENOTSUP; }
int wgc_ethdev_stop(struct wgc_ethdev *e) { RTE_SET_USED(e); return -ENOTSUP; }
void wgc_ethdev_close(struct wgc_ethdev *e) { RTE_SET_USED(e); }
uint16_t wgc_ethdev_rx_burst(struct wgc_ethdev *e, uint16_t queue, struct wgc_view *v, uint16_t n) { RTE_SET_USED(e); RTE_SET_USED(queue); RTE_SET_USED(v); RTE_SET_USED(n); return 0; }
uint16_t wgc_ethdev_tx_burst(struct wgc_ethdev *e, uint16_t queue, struct wgc_view *v, uint16_t n) { RTE_SET_USED(e); RTE_SET_USED(queue); RTE_SET_USED(v); RTE_SET_USED(n); return 0; }
uint16_t wgc_ethdev_tx_burst_or_drop(struct wgc_ethdev *e, uint16_t queue, struct wgc_view *v, uint16_t n) { RTE_SET_USED(e); RTE_SET_USED(queue); wgc_view_release_all(v, n); return 0; }
uint16_t wgc_ethdev_port_id(const struct wgc_ethdev *e) { RTE_SET_USED(e); return 0; }
const char *wgc_ethdev_name(const struct wgc_ethdev *e) { RTE_SET_USED(e); return ""; }
const struct rte_ether_addr *wgc_ethdev_mac(const struct wgc_ethdev *e) { RTE_SET_USED(e); return NULL; }
const struct wgc_ethdev_caps *wgc_ethdev_caps(const struct wgc_ethdev *e) { RTE_SET_USED(e); return NULL; }
struct rte_mempool *wgc_ethdev_pool(const struct wgc_ethdev *e) { RTE_SET_USED(e); return NULL; }
struct wgc_recycler *wgc_ethdev_recycler(struct wgc_ethdev *e) { RTE_SET_USED(e); return NULL; }
uint16_t wgc_ethdev_nb_rx_queues(const struct wgc_ethdev *e) { RTE_SET_USED(e); return 0; }
uint16_t wgc_ethdev_nb_tx_queues(const struct wgc_ethdev *e) { RTE_SET_USED(e); return 0; }
int wgc_ethdev_link(const struct wgc_ethdev *e, struct rte_eth_link *link) { RTE_SET_USED(e); RTE_SET_USED(link); return -ENOTSUP; }
int wgc_ethdev_queue_stats(const struct wgc_ethdev *e, uint16_t queue, bool rx, struct wgc_ethdev_queue_stats *st) { RTE_SET_USED(e); RTE_SET_USED(queue); RTE_SET_USED(rx); RTE_SET_USED(st); return -EINVAL; }
void wgc_ethdev_stats(const struct wgc_ethdev *e, struct wgc_ethdev_queue_stats *st) { RTE_SET_USED(e); RTE_SET_USED(st); }
