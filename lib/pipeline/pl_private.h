/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _PL_PRIVATE_H_
#define _PL_PRIVATE_H_

/*
 * lib/pipeline internals shared by its files:
 *   wgc_pipeline.c   life cycle, the worker loop, counters
 *   pl_rx.c          worker, outer side: classify, decrypt, deliver inside
 *   pl_tx.c          worker, inner side: route, seal, send or park; the
 *                    stage's frames out on worker 0
 *   pl_handshake.c   handshake lcores: their loop and messages (cookie
 *                    check, initiation, response, cookie reply)
 *   pl_stage.c       the main lcore's loop and the timer stage: worker
 *                    events, timers, initiations, keepalives, staged
 *                    packets
 *   pl_inner.c       inner packets above the tunnel MTU (ICMP errors back
 *                    to the sender, rate-limited) and TCP MSS clamping
 *   pl_spread.c      a busy queue's transport bursts decrypted on other
 *                    workers and put back in order (spread)
 *   pl_ports.c       the outer ports: which one a peer's packets leave by
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "wgc_iobuf.h"
#include "wgc_pipeline.h"

/* ICMP errors per second and burst of a pipeline (all workers together),
 * as Linux's net.ipv4.icmp_msgs_per_sec / icmp_msgs_burst */
#define PL_ICMP_RATE 1000
#define PL_ICMP_BURST 50

/* largest ICMP error we build: RFC 1812 (IPv4), RFC 4443 (IPv6) */
#define PL_ICMP4_MAX 576
#define PL_ICMP6_MAX 1280

/* a token bucket in nanoseconds of credit (one lcore only) */
struct pl_bucket {
	uint64_t credit;        /* ns of credit, at most cap */
	uint64_t cap;           /* burst * cost */
	uint64_t cost;          /* ns per token */
	uint64_t last;          /* time of the last refill */
};
#define BURST WGC_PIPELINE_BURST
#define EVENT_RING_SIZE 16384
#define RECLAIM_INTERVAL_NS (10 * 1000 * 1000ull)

/* worker -> stage events, carried as (peer id << 2) | event */
enum {
	EV_WANT_HANDSHAKE = 1,   /* no keypair, or rekey due */
	EV_CONFIRMED = 2,        /* a packet confirmed the `next` keypair */
	EV_RESCHEDULE = 3,       /* a timer hook armed an earlier deadline */
};

/* a handshake message on its way to the stage */
struct hs_item {
	struct wgc_view v;
	struct wgc_endpoint src;
	uint8_t port;           /* outer port (WGC_PEER_PORT_ROUTE: none) */
};

/* a worker, the stage or a handshake lcore: counters and AEAD engine */
struct worker {
	struct wgc_pipeline_stats st;       /* first: own cache lines */
	struct wgc_aead_engine *engine;
	uint64_t heartbeat;                 /* poll loops run */
	struct pl_bucket icmp;              /* ICMP errors to the inner side */
	bool online;
	bool via_ring;                      /* frames out through tx_ring */
} __rte_cache_aligned;

/* a handshake lcore: its share of the handshake messages (by source) */
struct pl_hs {
	struct worker wk;                   /* first: own cache lines */
	struct rte_ring *ring;              /* workers -> this lcore */
	struct wgc_ratelimiter *rl;         /* the sources hashed here */
	struct wgc_ephemeral_pool *eph;     /* its ephemeral keys */
	uint32_t rcu_id;                    /* qsbr thread id */
} __rte_cache_aligned;

struct wgc_pipeline {
	struct wgc_pipeline_conf c;
	char name[24];
	struct wgc_peers *peers;
	const struct wgc_peers_fast *fast;
	struct wgc_identity *id;
	struct wgc_index_table *index;
	struct rte_ring *ev_ring;
	uint16_t nb_ports;
	struct wgc_pipeline_port port[WGC_PIPELINE_PORTS_MAX];
	/* stage -> worker 0 -> outer port k */
	struct rte_ring *tx_ring[WGC_PIPELINE_PORTS_MAX];
	struct wgc_timer_wheel *wheel;
	struct wgc_ephemeral_pool *eph;     /* the stage's ephemeral keys */
	struct wgc_recycler any_mbuf;       /* frees mbufs of any pool */
	uint64_t last_reclaim;
	volatile bool stop;
	uint16_t nb_workers;
	uint16_t nb_hs;                     /* handshake lcores */
	bool hs_remote;                     /* none runs in main_poll */
	struct worker stage;                /* the stage's counters + engine */
	struct worker w[WGC_PIPELINE_WORKERS_MAX];
	struct pl_hs hs[WGC_PIPELINE_HANDSHAKE_MAX];
	struct pl_spread *spread;           /* nb_workers; NULL: spread off */
};

/* rate tokens per second, burst at most; full at `now` */
void pl_bucket_init(struct pl_bucket *b, uint32_t rate, uint32_t burst,
		uint64_t now);

/* take one token if there is one */
bool pl_bucket_take(struct pl_bucket *b, uint64_t now);

/*
 * An inner packet (view at its IP header) longer than the tunnel MTU:
 * counted as a drop (too_big; IPv4 without DF: too_big_no_df). When an
 * error is due (IPv4 with DF: "fragmentation needed", IPv6: "packet too
 * big"; never about an ICMP error, a non-first fragment or a multicast /
 * broadcast / unspecified address) and the bucket allows it, the error is
 * built in place in v's buffer, claimed into *icmp, counted (icmp_tx) and
 * 1 is returned; otherwise v is released (icmp_rate_limited when the
 * bucket said no) and 0 is returned. Worker only.
 */
unsigned int pl_inner_too_big(const struct wgc_pipeline_conf *c,
		struct pl_bucket *b, struct wgc_pipeline_stats *st,
		struct wgc_view *v, uint64_t now, struct wgc_view *icmp);

/*
 * Clamp the MSS option of a TCP SYN (or SYN-ACK) in the IP packet at ip
 * (len bytes) to mss4 (IPv4) / mss6 (IPv6; 0: leave that family alone),
 * updating the TCP checksum incrementally (RFC 1624). Fragments, IPv6
 * with extension headers, truncated headers and malformed options are
 * left alone; nothing is read past ip + len.
 *
 * @return true if the MSS was lowered.
 */
bool pl_mss_clamp(uint8_t *ip, uint32_t len, uint16_t mss4, uint16_t mss6);

/* ---- worker (pl_rx.c, pl_tx.c) ---- */

/* one RX burst of worker w on outer port `port`: transport messages
 * decrypted and delivered to the inner edge, handshake messages queued
 * for the stage; returns the views received */
unsigned int pl_worker_outer(struct wgc_pipeline *pl, uint16_t w,
		struct worker *wk, uint64_t now, uint16_t port);

/* one inner RX burst of worker w: sealed and sent, parked, or answered
 * with an ICMP error; returns the views received */
unsigned int pl_worker_inner(struct wgc_pipeline *pl, uint16_t w,
		struct worker *wk, uint64_t now);

/*
 * nd transport messages (views dv with their sources and receiver
 * indices): keypair lookup, decrypt in place, replay window, roaming,
 * allowed-IPs check (outer port `port`). The inner packets are claimed
 * into out, in arrival order; the others are dropped and counted in wk. Returns the inner
 * packets. Any worker (wk its own).
 */
uint16_t pl_rx_transport(struct wgc_pipeline *pl, struct worker *wk,
		struct wgc_view *dv, struct wgc_endpoint *dsrc,
		const uint32_t *idx, uint16_t nd, uint64_t now,
		struct wgc_view *out, uint16_t port);

/* ---- spread (pl_spread.c) ---- */

/* each worker's jobs, reorder window and rings (pl->spread); 0 or a
 * negative errno */
int pl_spread_create(struct wgc_pipeline *pl);

/* release every view held and free (workers stopped) */
void pl_spread_free(struct wgc_pipeline *pl);

/* worker w's loop starts on its lcore: the CPUs it runs on (a worker
 * never hands bursts to one that shares a CPU). Worker w. */
void pl_spread_worker_start(struct wgc_pipeline *pl, uint16_t w);

/*
 * nd transport messages that worker w received (claimed): decrypted here
 * or, when busy (a full RX burst), handed to a worker that is not; sent
 * at once if nothing earlier is out, else given the next burst sequence
 * number of queue w and kept in w's reorder window. Worker w.
 */
void pl_spread_outer(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		struct wgc_view *dv, struct wgc_endpoint *dsrc,
		const uint32_t *idx, uint16_t nd, bool busy, uint64_t now,
		uint16_t port);

/*
 * One spread poll of worker w: decrypt the bursts other workers handed
 * to it, take back its own, send its reorder window's head in order on
 * inner TX queue w (skipping a missing burst after the bounded wait).
 * Returns the work done. Worker w.
 */
unsigned int pl_spread_poll(struct wgc_pipeline *pl, uint16_t w,
		struct worker *wk, uint64_t now);

/* worker 0: send what the stage queued on its TX ring */
unsigned int pl_worker_stage_tx(struct wgc_pipeline *pl);

/*
 * Seal views for peers (kps given), add outer headers, send on queue q
 * (wk == &pl->stage: through the stage's TX ring). Views whose peer has no
 * endpoint are dropped. A worker, or the stage.
 */
void pl_seal_and_send(struct wgc_pipeline *pl, uint16_t q, struct worker *wk,
		struct wgc_view *ev, struct wgc_keypair **kps,
		struct wgc_peer **peers, uint16_t n, uint64_t now,
		bool keepalive);

/* ---- the handshake stage (pl_stage.c, pl_handshake.c) ---- */

/* put a peer on the timer wheel at its next deadline */
void pl_sched(struct wgc_pipeline *pl, struct wgc_peer_proto *pp);

/* hand frames to worker 0 for transmission on outer port `port`, counted
 * in wk (the stage or a handshake lcore); views are empty afterwards */
void pl_stage_tx(struct wgc_pipeline *pl, struct worker *wk,
		struct wgc_view *v, unsigned int n, uint16_t port);

/* add outer headers to a handshake message and hand it to worker 0, for
 * the outer port given (WGC_PEER_PORT_ROUTE: the routes pick) */
void pl_stage_send(struct wgc_pipeline *pl, struct worker *wk,
		struct wgc_view *v, const struct wgc_endpoint *dst,
		uint8_t port);

/* send what was staged for p, or a keepalive if nothing was and asked,
 * sealed with wk's engine (the stage or a handshake lcore) */
void pl_flush_staged(struct wgc_pipeline *pl, struct worker *wk,
		struct wgc_peer *p, uint64_t now, bool keepalive_if_empty);

/* a handshake with p completed */
void pl_handshake_done(struct wgc_pipeline *pl, struct wgc_peer *p,
		uint64_t now);

/* one poll of a handshake lcore: its ring's messages answered (the
 * caller is inside its RCU read side); returns the messages */
unsigned int pl_hs_poll(struct wgc_pipeline *pl, struct pl_hs *h);

/* the handshake lcore of a source: a hash of its address (an IPv6 /64,
 * as the rate limiter keys it) */
static inline uint16_t
pl_hs_pick(const struct wgc_pipeline *pl, const struct wgc_endpoint *src)
{
	uint64_t k;

	if (pl->nb_hs == 1)
		return 0;
	if (src->addr.family == AF_INET)
		k = src->addr.ip4;
	else
		memcpy(&k, src->addr.bytes, 8);
	k *= 0x9e3779b97f4a7c15ull;
	return (uint16_t)((k >> 32) % pl->nb_hs);
}

/* an initiation (MACs passed) whose static key no peer has: to the
 * configuration's unknown_initiator hook, if any (pl_ondemand.c) */
void pl_unknown_initiator(struct wgc_pipeline *pl,
		const uint8_t key[WGC_KEY_LEN], const struct wgc_view *v,
		const struct wgc_endpoint *src);

/* ---- outer ports (pl_ports.c) ---- */

/* the outer port a peer's packets leave by: the one its endpoint was
 * learnt on, else the routes' */
static inline uint16_t
pl_out_port(const struct wgc_pipeline *pl, uint8_t learnt,
		const struct wgc_addr *dst)
{
	if (likely(learnt < pl->nb_ports))
		return learnt;
	return pl->nb_ports == 1 ? 0 : wgc_pipeline_route_port(pl, dst);
}

/* ---- small helpers ---- */

static inline uint64_t
pl_now(const struct wgc_pipeline *pl)
{
	return pl->c.clock();
}

static inline bool
post_event(struct wgc_pipeline *pl, struct worker *wk, uint32_t id,
		unsigned int ev)
{
	void *e = (void *)(uintptr_t)(((uint64_t)id << 2) | ev);

	if (rte_ring_mp_enqueue(pl->ev_ring, e) == 0)
		return true;
	wk->st.drop[WGC_PL_DROP_EVENT_FULL]++;
	return false;
}

/* the flag stands for an event in the ring: a lost event clears it, so
 * that the next packet asks again */
static inline void
want_handshake(struct wgc_pipeline *pl, struct worker *wk, struct wgc_peer *p)
{
	if (__atomic_exchange_n(&p->handshake_wanted, 1, __ATOMIC_RELAXED) == 0 &&
			!post_event(pl, wk, p->id, EV_WANT_HANDSHAKE))
		__atomic_store_n(&p->handshake_wanted, 0, __ATOMIC_RELAXED);
}

/* the source (or destination) of an inner packet routes to this peer? */
static inline struct wgc_peer *
route_inner(const struct wgc_peers_fast *f, const uint8_t *ip, uint32_t len,
		bool dst)
{
	uint32_t a;

	if (len >= 20 && (ip[0] >> 4) == 4) {
		memcpy(&a, ip + (dst ? 16 : 12), 4);
		return wgc_peers_route4(f, a);
	}
	if (len >= 40 && (ip[0] >> 4) == 6)
		return wgc_peers_route6(f, ip + (dst ? 24 : 8));
	return NULL;
}

/*
 * Put the headers of a received burst in flight before touching them, so
 * that the first misses of 32 packets overlap. (Prefetching whole packets
 * into L2 as well measured no better: the hardware prefetcher follows the
 * checksum and AEAD loops.)
 */
static inline void
prefetch_burst(const struct wgc_view *v, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		rte_prefetch0(v[i].data);
}

#endif /* _PL_PRIVATE_H_ */
