/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_NET_PRIVATE_H_
#define _WGC_NET_PRIVATE_H_

/*
 * lib/net internals shared by its files:
 *   wgc_net.c      port life cycle, counters, names, endpoint text
 *   net_parse.c    header parsing and classification (workers)
 *   net_encap.c    route + outer encap (workers)
 *   net_neigh.c    neighbour table, requests, timers, hold queues (slow)
 *   net_slow.c     ARP / ND / echo replies and the slow-path poll (slow)
 *   net_frag.c     outer reassembly (rte_ip_frag) and fragmentation
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_seqlock.h>

#include "wgc_iobuf.h"
#include "wgc_net.h"

extern int wgc_logtype_net;
#define NET_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_net, \
		"wgc.net: " fmt "\n", ##__VA_ARGS__)

#define NEIGH_WINDOW 8          /* slots probed per lookup */
#define NET_TIMER_MS 100        /* neighbour timer scan period */

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define IP4_HLEN 20
#define IP6_HLEN 40
#define UDP_HLEN 8
#define ARP_LEN 28
#define ND_NS_LEN 24            /* type..target */
#define ND_OPT_LEN 8            /* one link-layer address option */

#define IPPROTO_ICMP6 58
#define ICMP4_DEST_UNREACH 3
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_PARAM_PROBLEM 12
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ND_NS 135
#define ND_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2

/* what travels on the slow-path ring */
enum slow_kind {
	SLOW_INPUT = 1,         /* ARP / ND / echo frame to answer */
	SLOW_HOLD,              /* encapsulated frame waiting for its MAC */
};

struct slow_item {
	struct wgc_view v;
	struct wgc_addr nh; /* SLOW_HOLD: next hop */
	uint32_t kind;
};

/* one neighbour slot: readers use the seqlock, one writer */
struct neigh_entry {
	rte_seqlock_t lock;
	struct wgc_addr key;
	struct rte_ether_addr mac;
	uint8_t state;
	/* writer-only below */
	uint8_t probes;
	uint8_t nb_held;
	uint8_t flush;          /* usable with held packets: send them */
	uint64_t updated_ms;
	uint64_t next_ms;
} __rte_cache_aligned;

struct net_frag;

/* per-lcore private state: counters, IP id counters, reassembly */
struct net_lcore {
	struct wgc_net_stats st;
	struct net_frag *frag;      /* NULL: non-EAL slot */
	uint32_t ip6_id;
	uint16_t ip_id;
} __rte_cache_aligned;

struct wgc_net_port {
	char name[32];
	struct rte_ether_addr mac;
	uint16_t vlan;
	rte_be16_t vlan_tci_be;     /* vlan in network order */
	rte_be16_t listen_port;     /* network order; atomic (control) */
	uint16_t mtu;
	uint8_t nb_ip4;
	uint8_t nb_ip6;
	rte_be32_t ip4[WGC_NET_ADDRS_MAX];
	rte_be32_t mask4[WGC_NET_ADDRS_MAX];
	uint8_t ip6[WGC_NET_ADDRS_MAX][16];
	uint8_t prefix6[WGC_NET_ADDRS_MAX];
	rte_be32_t gw4;
	uint8_t gw6[16];
	bool has_gw6;
	bool tx_ip4_offload;
	bool tx_udp_offload;
	int ll6;                    /* index of the link-local address, or -1 */

	struct wgc_recycler pool_rc; /* conf pool: requests we originate */
	struct rte_ring *slow;      /* slow_item elements, MP / SC */

	/* neighbours */
	uint32_t neigh_mask;
	struct neigh_entry *neigh;
	struct wgc_view *held;      /* neigh_size * WGC_NET_NEIGH_HOLD */
	uint32_t reachable_ms, retrans_ms, max_probes, stale_ms;
	/* echo reply token bucket (slow-path lcore only), in 1/1000 tokens */
	uint64_t echo_tokens, echo_max, echo_last_ms;
	uint32_t echo_rate;
	uint64_t last_scan_ms;
	uint32_t flush_pending;
	uint32_t frag_entries;
	uint64_t frag_cycles;       /* reassembly timeout in TSC cycles */

	struct net_lcore lc[RTE_MAX_LCORE + 1];
};

static inline struct net_lcore *
net_lcore(struct wgc_net_port *p)
{
	unsigned int id = rte_lcore_id();

	if (unlikely(id >= RTE_MAX_LCORE))
		id = RTE_MAX_LCORE;
	return &p->lc[id];
}

/* parse result of one frame */
struct net_parse {
	uint16_t l3;                /* offset of the IP / ARP header */
	uint16_t l4;                /* offset of the UDP / ICMP header */
	uint16_t l4len;             /* bytes of L4 (UDP length for UDP) */
	uint16_t vlan;
	uint8_t cls;
	uint8_t reason;
	uint8_t family;
	int8_t addr_idx;            /* which of our addresses was targeted */
};

/*
 * Queue items on the slow-path ring (any lcore); what does not fit is
 * released and counted as slow_full.
 */
static inline unsigned int
net_slow_enqueue(struct wgc_net_port *p, struct wgc_net_stats *st,
		struct slow_item *items, unsigned int n)
{
	unsigned int q, done;

	if (n == 0)
		return 0;
	q = rte_ring_mp_enqueue_burst_elem(p->slow, items, sizeof(items[0]),
		n, NULL);
	for (done = q; q < n; q++) {
		st->drop[WGC_NET_DROP_SLOW_FULL]++;
		wgc_view_release(&items[q].v);
	}
	return done;
}

/*
 * Zero-pad a frame we build to the Ethernet minimum (60 bytes before the
 * FCS): most NICs pad short frames, not all virtual ones do.
 */
static inline void
net_pad_min(struct wgc_view *v)
{
	uint32_t len = v->len;
	uint8_t *pad;

	if (len >= RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN)
		return;
	pad = wgc_view_append(v,
		(uint16_t)(RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN - len));
	if (pad != NULL)
		memset(pad, 0, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN - len);
}

/* net_parse.c */
void net_parse_frame(const struct wgc_net_port *p, const struct wgc_view *v,
		struct net_parse *r, struct wgc_net_meta *m);

/* net_frag.c */
int net_frag_create(struct wgc_net_port *p, int socket_id);
void net_frag_free(struct wgc_net_port *p);
void net_frag_begin(struct wgc_net_port *p, struct net_lcore *lc);
int net_frag_input(struct wgc_net_port *p, struct net_lcore *lc,
		struct wgc_view *v, const struct net_parse *r);
void net_frag_end(struct net_lcore *lc);
int net_frag_split(struct wgc_net_port *p, struct net_lcore *lc,
		struct wgc_view *v, uint16_t l2, bool v4, struct wgc_view *out,
		uint16_t max);

/* net_neigh.c */
uint32_t net_neigh_hash(const struct wgc_addr *a);
struct neigh_entry *net_neigh_find(struct wgc_net_port *p,
		const struct wgc_addr *a);
struct neigh_entry *net_neigh_learn(struct wgc_net_port *p,
		const struct wgc_addr *a, const struct rte_ether_addr *mac,
		uint8_t state, bool create, uint64_t now);
int net_neigh_hold(struct wgc_net_port *p, const struct wgc_addr *nh,
		struct wgc_view *v, uint64_t now, struct wgc_view *out);
uint16_t net_neigh_timers(struct wgc_net_port *p, uint64_t now,
		struct wgc_view *out, uint16_t max);
uint16_t net_neigh_flush(struct wgc_net_port *p, struct wgc_view *out,
		uint16_t max);
void net_neigh_free_all(struct wgc_net_port *p);
int net_neigh_request(struct wgc_net_port *p, const struct wgc_addr *a,
		const struct rte_ether_addr *unicast, struct wgc_view *out);

/* helpers */
static inline bool
net_ip6_is_solicited_node(const uint8_t *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0x01, 0xff };

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

static inline void
net_ip6_solicited_node(uint8_t *dst, const uint8_t *target)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0x01, 0xff };

	memcpy(dst, pfx, sizeof(pfx));
	memcpy(dst + 13, target + 13, 3);
}

/*
 * One's complement sum of buf (not complemented, folded to 16 bits, in
 * memory byte order like rte_raw_cksum()), plus sum0. Vectorised.
 */
uint16_t net_sum(const void *buf, size_t len, uint32_t sum0);

/*
 * net_sum() of an IPv4 header without options (20 bytes), inline: five
 * 32-bit words added in 64 bits and folded (the one's complement sum does
 * not depend on the word size).
 */
static inline uint16_t
net_sum_ip4_hdr(const void *h)
{
	uint32_t w[5];
	uint64_t s;

	memcpy(w, h, sizeof(w));
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* checksum of a UDP / ICMPv6 payload with the IPv6 pseudo-header */
uint16_t net_cksum6(const uint8_t *src, const uint8_t *dst, uint8_t proto,
		const void *l4, uint32_t len);
/* same for IPv4 (UDP) */
uint16_t net_cksum4(rte_be32_t src, rte_be32_t dst, uint8_t proto,
		const void *l4, uint32_t len);

#endif /* _WGC_NET_PRIVATE_H_ */
