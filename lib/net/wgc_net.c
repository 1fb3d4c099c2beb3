/* SPDX-License-Identifier: BSD-3-Clause */
/* stubs: the API is published first, bodies follow */
#include <errno.h>
#include <stdio.h>
#include <rte_errno.h>
#include "wgc_net.h"

struct wgc_net_port *wgc_net_port_create(const struct wgc_net_port_conf *conf) { RTE_SET_USED(conf); rte_errno = ENOTSUP; return NULL; }
void wgc_net_port_free(struct wgc_net_port *port) { RTE_SET_USED(port); }
uint16_t wgc_net_classify(const struct wgc_net_port *port, struct wgc_view *v, struct wgc_net_meta *meta, uint16_t n) { RTE_SET_USED(port); RTE_SET_USED(v); RTE_SET_USED(meta); RTE_SET_USED(n); return 0; }
uint16_t wgc_net_rx(struct wgc_net_port *port, struct wgc_view *v, struct wgc_net_meta *meta, uint16_t n) { RTE_SET_USED(port); RTE_SET_USED(meta); wgc_view_release_all(v, n); return 0; }
int wgc_net_route(const struct wgc_net_port *port, const struct wgc_net_addr *dst, struct wgc_net_addr *nexthop) { RTE_SET_USED(port); RTE_SET_USED(dst); RTE_SET_USED(nexthop); return -ENETUNREACH; }
uint16_t wgc_net_encap(struct wgc_net_port *port, struct wgc_view *v, const struct wgc_net_endpoint *dst, uint16_t n) { RTE_SET_USED(port); RTE_SET_USED(dst); wgc_view_release_all(v, n); return 0; }
uint16_t wgc_net_slow_poll(struct wgc_net_port *port, uint64_t now_ms, struct wgc_view *out, uint16_t max) { RTE_SET_USED(port); RTE_SET_USED(now_ms); RTE_SET_USED(out); RTE_SET_USED(max); return 0; }
int wgc_net_slow_input(struct wgc_net_port *port, uint64_t now_ms, struct wgc_view *v, struct wgc_view *out) { RTE_SET_USED(port); RTE_SET_USED(now_ms); RTE_SET_USED(out); wgc_view_release(v); return 0; }
int wgc_net_neigh_lookup(const struct wgc_net_port *port, const struct wgc_net_addr *addr, struct rte_ether_addr *mac) { RTE_SET_USED(port); RTE_SET_USED(addr); RTE_SET_USED(mac); return -ENOENT; }
int wgc_net_neigh_add(struct wgc_net_port *port, const struct wgc_net_addr *addr, const struct rte_ether_addr *mac, uint64_t now_ms) { RTE_SET_USED(port); RTE_SET_USED(addr); RTE_SET_USED(mac); RTE_SET_USED(now_ms); return -ENOSPC; }
unsigned int wgc_net_neigh_list(const struct wgc_net_port *port, struct wgc_net_neigh_info *info, unsigned int max) { RTE_SET_USED(port); RTE_SET_USED(info); RTE_SET_USED(max); return 0; }
void wgc_net_stats_get(const struct wgc_net_port *port, struct wgc_net_stats *sum) { RTE_SET_USED(port); memset(sum, 0, sizeof(*sum)); }
int wgc_net_stats_lcore(const struct wgc_net_port *port, unsigned int lcore, struct wgc_net_stats *st) { RTE_SET_USED(port); RTE_SET_USED(lcore); memset(st, 0, sizeof(*st)); return 0; }
void wgc_net_stats_reset(struct wgc_net_port *port) { RTE_SET_USED(port); }
const char *wgc_net_drop_name(unsigned int reason) { RTE_SET_USED(reason); return "?"; }
const char *wgc_net_class_name(unsigned int cls) { RTE_SET_USED(cls); return "?"; }
int wgc_net_endpoint_parse(const char *s, bool want_port, struct wgc_net_endpoint *ep) { RTE_SET_USED(s); RTE_SET_USED(want_port); RTE_SET_USED(ep); return -EINVAL; }
int wgc_net_endpoint_format(const struct wgc_net_endpoint *ep, char *buf, size_t size) { RTE_SET_USED(ep); return snprintf(buf, size, "?"); }
