/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * control.cluster in the daemon: lib/cluster bound to the control plane,
 * the state directory (the applied revision), and the node record's
 * address (the outer addresses and listen port), version and handshake
 * rate (messages of types 1-3 the workers received).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "ondemand.h"
#include "wgc_cluster.h"
#include "wgc_pipeline.h"

static uint64_t
handshakes(void *ctx)
{
	struct wgc_pipeline_stats st;

	if (ctx == NULL)
		return 0;
	wgc_pipeline_stats_sum(ctx, &st);
	return st.handshake_rx;
}

int
wgc_app_cluster_start(const struct wgc_startup_conf *conf,
		struct wgc_control *ctl, struct wgc_pipeline *pl,
		struct wgc_app_ondemand *od, struct wgc_cluster **out)
{
	const struct wgc_cluster_conf *cc = &conf->control.cluster;
	struct wgc_cluster_params p;
	char addr[128] = "", a[WGC_ADDR_STR_LEN];
	size_t off = 0;
	uint32_t i;

	*out = NULL;
	if (!cc->enabled)
		return 0;
	for (i = 0; i < conf->iface.n_outer_addrs && i < 2; i++) {
		int n = snprintf(addr + off, sizeof(addr) - off, "%s%s%s%s:%u",
			i > 0 ? " " : "",
			conf->iface.outer_addrs[i].family == AF_INET6 ? "[" : "",
			wgc_addr_format(&conf->iface.outer_addrs[i], a,
				sizeof(a)),
			conf->iface.outer_addrs[i].family == AF_INET6 ? "]" : "",
			conf->iface.listen_port);

		if (n > 0 && (size_t)n < sizeof(addr) - off)
			off += (size_t)n;
	}
	memset(&p, 0, sizeof(p));
	p.conf = cc;
	p.ctl = ctl;
	p.state_dir = conf->control.state_dir;
	p.address = addr;
	p.version = WGC_VERSION;
	p.handshakes = handshakes;
	p.cb_ctx = pl;
	wgc_app_ondemand_cluster_params(od, &p);
	*out = wgc_cluster_start(&p);
	if (*out == NULL) {
		fprintf(stderr, "wgc: control.cluster: %s\n", strerror(errno));
		return -1;
	}
	printf("wgc: cluster: node %s, peers under %speers/ in etcd %s%s\n",
		cc->node, cc->prefix, cc->etcd[0], cc->n_etcd > 1 ?
		" (and more)" : "");
	return 0;
}

void
wgc_app_cluster_stop(struct wgc_cluster *c)
{
	wgc_cluster_stop(c);
}
