/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The daemon's state on stdout: every counter (pipeline, lib/net, the
 * ports, the inner Ethernet adapter, the TUN edge, lib/proto) and each
 * peer's transfer, on SIGUSR1 and at exit.
 */

#include <inttypes.h>
#include <stdio.h>

#include "wgc_ethdev.h"
#include "wgc_l2.h"
#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_pipeline.h"
#include "wgc_proto.h"
#include "wgc_tun.h"

#include "daemon.h"

void
wgc_app_print_state(struct wgc_daemon *d)
{
	struct wgc_pipeline_stats st;
	struct wgc_net_stats ns;
	struct wgc_proto_stats ps;
	struct wgc_peer *p;
	uint32_t pos = 0;
	unsigned int i;
	char b64[WGC_KEY_B64_LEN + 1];

	wgc_pipeline_stats_sum(d->pl, &st);
	printf("wgc: stats: outer_rx %" PRIu64 " wg_rx %" PRIu64
		" handshake_rx %" PRIu64 " decap_ok %" PRIu64
		" keepalive_rx %" PRIu64 " inner_tx %" PRIu64
		" inner_rx %" PRIu64 " encap_ok %" PRIu64 " outer_tx %" PRIu64
		" staged %" PRIu64 " roamed %" PRIu64 " handshake_tx %" PRIu64
		" keepalive_tx %" PRIu64 "\n",
		st.outer_rx, st.wg_rx, st.handshake_rx, st.decap_ok,
		st.keepalive_rx, st.inner_tx, st.inner_rx, st.encap_ok,
		st.outer_tx, st.staged, st.roamed, st.handshake_tx,
		st.keepalive_tx);
	printf("wgc: inner mtu: icmp_tx %" PRIu64 " icmp_rate_limited %" PRIu64
		" mss_clamped %" PRIu64 "\n", st.icmp_tx, st.icmp_rate_limited,
		st.mss_clamped);
	printf("wgc: spread: spread_out %" PRIu64 " spread_in %" PRIu64
		" reorder_timeout %" PRIu64 " reorder_overflow %" PRIu64 "\n",
		st.spread_out, st.spread_in, st.reorder_timeout,
		st.reorder_overflow);
	for (i = 0; i < WGC_PL_DROP__MAX; i++)
		if (st.drop[i] != 0)
			printf("wgc: drop: pipeline.%s %" PRIu64 "\n",
				wgc_pipeline_drop_name(i), st.drop[i]);
	wgc_device_net_sum(d->dev, &ns);
	printf("wgc: net: rx_wg %" PRIu64 " arp %" PRIu64 " nd %" PRIu64
		" echo %" PRIu64 " tx_encap %" PRIu64 " arp_reply_tx %" PRIu64
		" nd_na_tx %" PRIu64 " nd_ns_tx %" PRIu64 "\n", ns.rx_wg,
		ns.rx_arp, ns.rx_nd, ns.rx_echo, ns.tx_encap, ns.arp_reply_tx,
		ns.nd_na_tx, ns.nd_ns_tx);
	printf("wgc: net icmp: rx_icmp_error %" PRIu64 "\n", ns.rx_icmp_error);
	printf("wgc: net frag: rx_frag %" PRIu64 " rx_reassembled %" PRIu64
		" tx_fragmented %" PRIu64 " tx_frags %" PRIu64 "\n",
		ns.rx_frag, ns.rx_reassembled, ns.tx_fragmented, ns.tx_frags);
	for (i = 0; i < WGC_NET_DROP__MAX; i++)
		if (ns.drop[i] != 0)
			printf("wgc: drop: net.%s %" PRIu64 "\n",
				wgc_net_drop_name(i), ns.drop[i]);
	{
		struct wgc_ethdev_queue_stats es;

		wgc_app_outer_print(&d->outer);
		if (d->inner_eth != NULL) {
			struct wgc_l2_stats ls;

			wgc_ethdev_stats(d->inner_eth, &es);
			wgc_l2_stats(d->inner_l2, &ls);
			printf("wgc: inner port: rx %" PRIu64 " tx %" PRIu64
				" tx_unsent %" PRIu64 " no_headroom %" PRIu64
				" mac_learnt %" PRIu64 "\n", es.rx_packets,
				es.tx_packets, es.tx_unsent, ls.no_headroom,
				ls.learnt);
			/* among the drops, under the name dts and operators match */
			if (ls.not_ip != 0)
				printf("wgc: drop: pipeline.inner_not_ip %"
					PRIu64 "\n", ls.not_ip);
		}
	}
	if (d->tun != NULL) {
		struct wgc_tun_stats ts;

		wgc_tun_stats(d->tun, &ts);
		printf("wgc: tun: rx %" PRIu64 " tx %" PRIu64 " rx_nobuf %"
			PRIu64 " rx_errors %" PRIu64 " tx_errors %" PRIu64
			"\n", ts.rx_packets, ts.tx_packets, ts.rx_nobuf,
			ts.rx_errors, ts.tx_errors);
		printf("wgc: tun: offload %s gso %" PRIu64 " gso_segs %" PRIu64
			" csum %" PRIu64 " vnet_drops %" PRIu64 " gro %" PRIu64
			" gro_segs %" PRIu64 "\n",
			wgc_tun_offload(d->tun) ? "on" : "off", ts.rx_gso,
			ts.rx_gso_segs, ts.rx_csum,
			WGC_TUN_STATS_VNET_DROPS(&ts), ts.tx_gro,
			ts.tx_gro_segs);
	}
	wgc_identity_stats(d->id, &ps);
	for (i = 0; i < WGC_CNT_MAX; i++)
		if (ps.c[i] != 0)
			printf("wgc: proto: %s %" PRIu64 "\n",
				wgc_proto_counter_name(i), ps.c[i]);
	wgc_peers_lock(d->peers);
	while ((p = wgc_peers_next(d->peers, &pos)) != NULL) {
		struct wgc_peer_stats s;

		wgc_peer_stats_get(p, &s);
		wgc_key_to_base64(p->proto.remote_static, b64);
		printf("wgc: peer %s: rx %" PRIu64 " pkts %" PRIu64
			" B, tx %" PRIu64 " pkts %" PRIu64 " B, "
			"last handshake %s\n", b64, s.rx_packets, s.rx_bytes,
			s.tx_packets, s.tx_bytes,
			p->last_handshake_wall_ns != 0 ? "yes" : "never");
	}
	wgc_peers_unlock(d->peers);
	fflush(stdout);
}
