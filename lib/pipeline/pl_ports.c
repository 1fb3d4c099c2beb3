/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The outer ports: a peer's packets leave by the port its endpoint was
 * learnt on (pl_out_port()); a configured endpoint, never heard from, by
 * the port the routes pick: the first port whose on-link prefixes hold
 * the address, else the first with a gateway of its family, else port 0
 * (whose lib/net then counts no_route).
 */

#include "pl_private.h"

uint16_t
wgc_pipeline_route_port(const struct wgc_pipeline *pl,
		const struct wgc_addr *dst)
{
	struct wgc_addr nh;
	uint16_t k, gw = UINT16_MAX;

	for (k = 0; k < pl->nb_ports; k++) {
		if (wgc_net_route(pl->port[k].net, dst, &nh) != 0)
			continue;
		if (wgc_addr_equal(&nh, dst))
			return k;
		if (gw == UINT16_MAX)
			gw = k;
	}
	return gw != UINT16_MAX ? gw : 0;
}

uint16_t
wgc_pipeline_nb_ports(const struct wgc_pipeline *pl)
{
	return pl->nb_ports;
}
