/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Handshake lcores (lib/pipeline): a responder device whose handshake
 * messages are spread over two handshake lcores (threads running
 * wgc_pipeline_handshake_main()), answering initiators made with lib/proto
 * while a control-plane thread writes to the peer table.
 *
 * handshake_lcores_race_autotest: the writer holds the table's mutex
 *   while a whole round of handshakes completes (handshakes do not wait
 *   for it); then it removes and re-adds some initiators' peers, changes
 *   others' PSK to the same value and adds and removes filler peers in
 *   bulk, while every round's initiations go on. Every untouched
 *   initiator completes every round (its response consumed by lib/proto
 *   on its side), both handshake lcores answered, nothing leaks.
 * handshake_lcores_conf_autotest: the configuration key, and a handshake
 *   lcore that is also a worker refused with an error naming the key.
 * handshake_lcores_perf: responder handshakes per second with one and
 *   with two handshake lcores (distinct initiators, the messages queued
 *   first, then the lcores started; the main thread sleeps). Prints
 *   figures; never fails on timing.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "wgc_conf.h"
#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_pipeline.h"
#include "wgc_proto.h"
#include "wgc_test.h"
#include "pipeline_rig.h"

#define NSRC 8                  /* source addresses of the initiators */
#define SRC_IP(k) WGC_TEST_IPV4(192, 0, 2, 100 + (k))
#define R_IP WGC_TEST_IPV4(192, 0, 2, 1)

/* the race */
#define NI 48                   /* initiators */
#define NVICTIM 8               /* ... whose peers come and go */
#define ROUNDS 12
#define FILLERS 2000            /* peers a bulk change adds and removes */

/* an initiator: its identity and the responder as its peer */
struct initiator {
	struct wgc_identity *id;
	struct wgc_peer_proto peer;
	uint8_t pub[WGC_KEY_LEN];
	uint32_t src;               /* host order */
	uint16_t port;
	unsigned int done;          /* responses consumed */
	bool victim;                /* its peer is removed and re-added */
	bool answered;              /* this round */
};

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct rte_ring *wire_in, *wire_out;
static struct rte_rcu_qsbr *qsbr;
static struct wgc_index_table *itab;
static struct dev R;
static uint64_t fake_ns;
static uint16_t hs_nb;
/* the next hs_dev_init(): handshakes on the main lcore's poll, without
 * RCU, so under the peer table's mutex (the design before handshake
 * lcores) */
static bool hs_on_main;

static uint64_t
hs_clock(void)
{
	return __atomic_load_n(&fake_ns, __ATOMIC_RELAXED);
}

static void
hs_conf(struct wgc_pipeline_conf *pc)
{
	pc->nb_handshake = hs_nb;
	pc->handshake_remote = !hs_on_main;
	pc->handshake_ring_size = 1 << 16;
}

/* the responder (2 RCU readers besides its worker) and an index table for
 * the initiators' side */
static int
hs_dev_init(uint16_t nb, uint32_t max_peers)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1 + WGC_PIPELINE_HANDSHAKE_MAX);

	pool = rte_pktmbuf_pool_create("hsl_pool", 16383, 256, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	qsbr = rte_zmalloc("hsl_qsbr", sz, RTE_CACHE_LINE_SIZE);
	wire_in = rte_ring_create("hsl_in", 16384, SOCKET_ID_ANY, 0);
	wire_out = rte_ring_create("hsl_out", 16384, SOCKET_ID_ANY, 0);
	itab = wgc_index_table_create("hsl_it", 4 * max_peers, SOCKET_ID_ANY,
		NULL);
	if (pool == NULL || qsbr == NULL || wire_in == NULL ||
			wire_out == NULL || itab == NULL)
		return TEST_FAILED;
	if (rte_rcu_qsbr_init(qsbr, 1 + WGC_PIPELINE_HANDSHAKE_MAX) != 0)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	fake_ns = 1000 * WGC_NSEC_PER_SEC;
	hs_nb = nb;
	rig_clock = hs_clock;
	rig_conf = hs_conf;
	rig_qsbr = hs_on_main ? NULL : qsbr;
	rig_max_peers = max_peers;
	return dev_init(&R, "hsl_r", 0x33, 1, wire_in, wire_out, pool, &rc);
}

static void
hs_dev_fini(void)
{
	dev_fini(&R);
	ring_drain(wire_in);
	ring_drain(wire_out);
	rte_ring_free(wire_in);
	rte_ring_free(wire_out);
	wgc_index_table_free(itab);
	rte_mempool_free(pool);
	rte_free(qsbr);
	rig_clock = NULL;
	rig_conf = NULL;
	rig_qsbr = NULL;
	rig_max_peers = 0;
	wire_in = wire_out = NULL;
	itab = NULL;
	pool = NULL;
	qsbr = NULL;
}

static int
initiators_init(struct initiator *in, unsigned int n, uint32_t seed)
{
	uint8_t sk[WGC_KEY_LEN];
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < WGC_KEY_LEN; k++)
			sk[k] = (uint8_t)(seed * 31 + k * 13);
		/* distinct initiators, distinct keys */
		memcpy(sk + 8, &i, sizeof(i));
		in[i].id = wgc_identity_create("hsl_i", sk, SOCKET_ID_ANY);
		if (in[i].id == NULL ||
				wgc_identity_public_key(in[i].id, in[i].pub) ||
				wgc_peer_proto_init(&in[i].peer, in[i].id, itab,
					R.pub, NULL, &in[i]) != 0)
			return TEST_FAILED;
		in[i].src = SRC_IP(i % NSRC);
		in[i].port = (uint16_t)(20000 + i);
	}
	return TEST_SUCCESS;
}

static void
initiators_fini(struct initiator *in, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (in[i].id == NULL)
			continue;
		wgc_peer_proto_fini(&in[i].peer);
		wgc_identity_free(in[i].id);
	}
}

/* the peer of initiator i on the responder (writer: table lock held) */
static int
responder_add(const struct initiator *in)
{
	return wgc_peers_add(R.peers, in->pub, NULL) == NULL ? -1 : 0;
}

/* the initiators' source MAC: from their address */
static void
src_mac(struct rte_ether_addr *a, uint32_t src)
{
	memset(a, 0, sizeof(*a));
	a->addr_bytes[0] = 0x02;
	a->addr_bytes[4] = (uint8_t)(src >> 8);
	a->addr_bytes[5] = (uint8_t)src;
}

/* an Ethernet frame to the responder's MAC: IPv4/UDP from src */
static struct rte_mbuf *
frame(uint32_t src, uint16_t sport, const uint8_t *msg, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eh) + sizeof(*ip) + sizeof(*udp) + len);
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(&eh->dst_addr, 0, sizeof(eh->dst_addr));
	eh->dst_addr.addr_bytes[0] = 0x02;
	eh->dst_addr.addr_bytes[5] = 1;
	src_mac(&eh->src_addr, src);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*udp) + len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(R_IP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(51820);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + len);
	udp->dgram_cksum = 0;
	memcpy(udp + 1, msg, len);
	return m;
}

/* who-has the responder, tell src: the responder learns src's MAC */
static struct rte_mbuf *
arp_request(uint32_t src)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *a;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eh) + sizeof(*a));
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(eh, 0, sizeof(*eh) + sizeof(*a));
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	src_mac(&eh->src_addr, src);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(eh + 1);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = eh->src_addr;
	a->arp_data.arp_sip = rte_cpu_to_be_32(src);
	a->arp_data.arp_tip = rte_cpu_to_be_32(R_IP);
	return m;
}

/* queue one initiation from each initiator (wall: seconds, its TAI64N
 * timestamp, which must grow from one initiation to the next) */
static int
send_initiations(struct initiator *in, unsigned int n, uint64_t wall)
{
	uint8_t msg[WGC_MSG_INITIATION_LEN];
	struct rte_mbuf *m;
	unsigned int i;

	for (i = 0; i < n; i++) {
		in[i].answered = false;
		TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(
			&in[i].peer, msg, hs_clock(), wall * WGC_NSEC_PER_SEC),
			"initiation %u", i);
		m = frame(in[i].src, in[i].port, msg, sizeof(msg));
		TEST_ASSERT_NOT_NULL(m, "alloc");
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(wire_in, m), "enqueue");
	}
	return TEST_SUCCESS;
}

/* consume the responses on the wire; returns how many were consumed */
static unsigned int
take_responses(void)
{
	struct wgc_peer_proto *got;
	struct wgc_index_entry *e;
	struct initiator *it;
	unsigned int n = 0;
	void *o;

	while (rte_ring_dequeue(wire_out, &o) == 0) {
		struct rte_mbuf *m = o;
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		size_t off = sizeof(struct rte_ether_hdr) + sizeof(
			struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);

		if (m->data_len == off + WGC_MSG_RESPONSE_LEN &&
				wgc_msg_classify(p + off,
					WGC_MSG_RESPONSE_LEN) ==
				WGC_MSG_RESPONSE) {
			e = wgc_index_lookup(itab, wgc_msg_receiver_index(
				p + off, WGC_MSG_RESPONSE));
			it = e == NULL ? NULL : e->peer->user;
			got = NULL;
			if (it != NULL && wgc_handshake_consume_response(it->id,
					itab, p + off, WGC_MSG_RESPONSE_LEN,
					hs_clock(), &got) == 0 &&
					got == &it->peer) {
				it->answered = true;
				it->done++;
				n++;
			}
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

/* run the worker and the timer stage until want responses came back
 * (or 10 s of real time: a liveness bound, not a measurement) */
static unsigned int
collect(unsigned int want)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	unsigned int got = 0;

	while (got < want && rte_get_timer_cycles() < end) {
		wgc_pipeline_worker_poll(R.pl, 0);
		wgc_pipeline_main_poll(R.pl);
		got += take_responses();
		rte_pause();
	}
	return got;
}

/* run the worker and the timer stage for ms milliseconds */
static void
drain_for(unsigned int ms)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	while (rte_get_timer_cycles() < end) {
		wgc_pipeline_worker_poll(R.pl, 0);
		wgc_pipeline_main_poll(R.pl);
		take_responses();
	}
}

/* as collect(), until every untouched initiator has its answer */
static void
collect_untouched(const struct initiator *in)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	unsigned int i;

	while (rte_get_timer_cycles() < end) {
		wgc_pipeline_worker_poll(R.pl, 0);
		wgc_pipeline_main_poll(R.pl);
		take_responses();
		for (i = 0; i < NI && (in[i].victim || in[i].answered); i++)
			;
		if (i == NI)
			return;
	}
}

static void *
hs_thread(void *arg)
{
	wgc_pipeline_handshake_main(arg);
	return NULL;
}

static int
start_lcores(pthread_t *th, struct wgc_pipeline_launch *l, uint16_t nb)
{
	uint16_t k;

	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_attr_t attr;
	cpu_set_t cpus;
	int rc = TEST_SUCCESS;

	/* one CPU each, the first not the main lcore's (a thread would
	 * inherit the main lcore's CPU) */
	for (k = 0; k < nb && rc == TEST_SUCCESS; k++) {
		l[k].pl = R.pl;
		l[k].worker = k;
		CPU_ZERO(&cpus);
		CPU_SET(ncpu > 0 ? (k + 1) % ncpu : 0, &cpus);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
		if (pthread_create(&th[k], &attr, hs_thread, &l[k]) != 0)
			rc = TEST_FAILED;
		pthread_attr_destroy(&attr);
	}
	return rc;
}

static void
stop_lcores(pthread_t *th, uint16_t nb)
{
	uint16_t k;

	wgc_pipeline_stop(R.pl);
	for (k = 0; k < nb; k++)
		pthread_join(th[k], NULL);
}

/* ---- the race ---- */


struct writer {
	struct initiator *in;
	int phase;                  /* 1: hold the lock until released */
	int holding;
	int release;
	int stop;
	unsigned int changes;
	int err;
};

static void *
writer_thread(void *arg)
{
	struct writer *w = arg;
	uint8_t key[WGC_KEY_LEN], psk[WGC_KEY_LEN] = { 0 };
	struct wgc_peer *f[FILLERS];
	unsigned int i, k, r = 0;

	/* phase 1: one long hold of the table's mutex */
	wgc_peers_lock(R.peers);
	__atomic_store_n(&w->holding, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&w->release, __ATOMIC_ACQUIRE))
		usleep(100);
	__atomic_store_n(&w->holding, 0, __ATOMIC_RELEASE);
	wgc_peers_unlock(R.peers);

	/* phase 2: churn until stopped */
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		wgc_peers_lock(R.peers);
		for (i = 0; i < NI; i++) {
			struct wgc_peer *p = wgc_peers_lookup(R.peers,
				w->in[i].pub);

			if (w->in[i].victim && p != NULL) {
				wgc_peers_remove(R.peers, p);
				if (responder_add(&w->in[i]) != 0)
					w->err = 1;
			} else if (p != NULL) {
				wgc_peer_proto_set_psk(&p->proto, psk);
			}
		}
		for (i = 0; i < FILLERS; i++) {
			memset(key, 0, sizeof(key));
			memcpy(key, &i, sizeof(i));
			memcpy(key + 8, &r, sizeof(r));
			key[31] = 0x5a;
			f[i] = wgc_peers_add(R.peers, key, NULL);
		}
		for (k = 0; k < FILLERS; k++)
			if (f[k] != NULL)
				wgc_peers_remove(R.peers, f[k]);
		wgc_peers_reclaim(R.peers);
		wgc_peers_unlock(R.peers);
		w->changes += NI + 2 * FILLERS;
		r++;
		usleep(200);
	}
	return NULL;
}

static int
test_handshake_lcores_race(void)
{
	struct initiator *in = calloc(NI, sizeof(*in));
	struct wgc_pipeline_launch l[2];
	struct wgc_pipeline_stats st0, st1;
	struct writer w = { 0 };
	pthread_t th[2], wt;
	unsigned int i, r, stable = 0, got;
	int rc = TEST_FAILED;

	TEST_ASSERT_NOT_NULL(in, "calloc");
	if (hs_dev_init(2, 4096) != TEST_SUCCESS ||
			initiators_init(in, NI, 1) != TEST_SUCCESS)
		goto out;
	wgc_peers_lock(R.peers);
	for (i = 0; i < NI; i++) {
		in[i].victim = i % (NI / NVICTIM) == 0;
		stable += !in[i].victim;
		if (responder_add(&in[i]) != 0) {
			wgc_peers_unlock(R.peers);
			goto out;
		}
	}
	wgc_peers_unlock(R.peers);
	/* the responder learns the initiators' MACs */
	for (i = 0; i < NSRC; i++)
		if (rte_ring_enqueue(wire_in, arp_request(SRC_IP(i))) != 0)
			goto out;
	for (i = 0; i < 20; i++) {
		wgc_pipeline_worker_poll(R.pl, 0);
		wgc_pipeline_main_poll(R.pl);
	}
	ring_drain(wire_out);
	if (start_lcores(th, l, 2) != TEST_SUCCESS)
		goto out;

	/* round 0 while the writer holds the table's mutex */
	w.in = in;
	if (pthread_create(&wt, NULL, writer_thread, &w) != 0)
		goto stop;
	while (!__atomic_load_n(&w.holding, __ATOMIC_ACQUIRE))
		usleep(100);
	__atomic_add_fetch(&fake_ns, 25 * 1000 * 1000, __ATOMIC_RELAXED);
	if (send_initiations(in, NI, 1) != TEST_SUCCESS)
		goto join;
	got = collect(NI);
	if (!__atomic_load_n(&w.holding, __ATOMIC_ACQUIRE) || got != NI) {
		printf("handshake_lcores: %u of %u answered while a writer "
			"held the peer table\n", got, NI);
		goto join;
	}
	__atomic_store_n(&w.release, 1, __ATOMIC_RELEASE);

	/* then rounds against the churn */
	for (r = 1; r < ROUNDS; r++) {
		unsigned int want = 0;

		__atomic_add_fetch(&fake_ns, 25 * 1000 * 1000,
			__ATOMIC_RELAXED);
		if (send_initiations(in, NI, 1 + r) != TEST_SUCCESS)
			goto join;
		collect_untouched(in);
		for (i = 0; i < NI; i++)
			want += !in[i].victim && !in[i].answered;
		/* let late answers (victims') arrive before the next round */
		drain_for(2);
		if (want != 0) {
			struct wgc_proto_stats ps;
			unsigned int c;

			printf("handshake_lcores: round %u: %u untouched "
				"initiators unanswered\n", r, want);
			wgc_identity_stats(R.id, &ps);
			for (c = 0; c < WGC_CNT_MAX; c++)
				if (ps.c[c] != 0)
					printf("  %s %" PRIu64 "\n",
						wgc_proto_counter_name(c),
						ps.c[c]);
			for (c = 0; c < 2; c++) {
				wgc_pipeline_handshake_stats_get(R.pl, c, &st0);
				printf("  lcore %u: tx %" PRIu64
					" rx ring %u\n",
					c, st0.handshake_tx,
					rte_ring_count(wire_in));
			}
			wgc_pipeline_stats_get(R.pl, 0, &st0);
			for (c = 0; c < WGC_PL_DROP__MAX; c++)
				if (st0.drop[c] != 0)
					printf("  w0 %s %" PRIu64 "\n",
						wgc_pipeline_drop_name(c),
						st0.drop[c]);
			printf("  backlog %u\n",
				wgc_pipeline_handshake_backlog(R.pl));
			goto join;
		}
	}
	rc = TEST_SUCCESS;
join:
	__atomic_store_n(&w.release, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	pthread_join(wt, NULL);
stop:
	stop_lcores(th, 2);
	if (rc == TEST_SUCCESS) {
		unsigned int victims_done = 0;

		for (i = 0; i < NI; i++) {
			if (!in[i].victim && in[i].done != ROUNDS) {
				printf("initiator %u: %u of %u\n", i,
					in[i].done, ROUNDS);
				rc = TEST_FAILED;
			}
			victims_done += in[i].victim ? in[i].done : 0;
		}
		wgc_pipeline_handshake_stats_get(R.pl, 0, &st0);
		wgc_pipeline_handshake_stats_get(R.pl, 1, &st1);
		printf("handshake_lcores: %u rounds of %u initiators (%u come "
			"and go: %u answered), %u table changes meanwhile; "
			"responses by lcore: %" PRIu64 " + %" PRIu64 "\n",
			ROUNDS, NI, NI - stable, victims_done, w.changes,
			st0.handshake_tx, st1.handshake_tx);
		if (st0.handshake_tx == 0 || st1.handshake_tx == 0 || w.err) {
			printf("handshake_lcores: a handshake lcore idle, or "
				"a re-add failed\n");
			rc = TEST_FAILED;
		}
	}
out:
	initiators_fini(in, NI);
	free(in);
	hs_dev_fini();
	return rc;
}

WGC_TEST_REGISTER(handshake_lcores_race_autotest, fast,
	test_handshake_lcores_race);

/* ---- the benchmark ---- */

#define PERF_N 3000             /* initiators (one initiation each) */

/* responder handshakes per second with nb handshake lcores */
static int
perf_run(uint16_t nb, struct initiator *in, double *rate)
{
	struct wgc_pipeline_launch l[2];
	struct wgc_pipeline_stats st;
	uint64_t t0, t1, done = 0;
	pthread_t th[2];
	unsigned int i, k;

	if (hs_dev_init(nb, PERF_N + 64) != TEST_SUCCESS ||
			initiators_init(in, PERF_N, 2000) != TEST_SUCCESS)
		return TEST_FAILED;
	for (i = 0; i < PERF_N; i++)
		in[i].src = WGC_TEST_IPV4(192, 0, 2, 10 + i % 200);
	wgc_peers_lock(R.peers);
	for (i = 0; i < PERF_N; i++)
		if (responder_add(&in[i]) != 0)
			break;
	wgc_peers_unlock(R.peers);
	TEST_ASSERT_EQUAL(i, PERF_N, "peers");
	__atomic_add_fetch(&fake_ns, 25 * 1000 * 1000, __ATOMIC_RELAXED);
	/* queue every initiation on the handshake rings first (the worker
	 * runs here, before the lcores start) */
	for (i = 0; i < PERF_N; i += 1000) {
		TEST_CHECK(send_initiations(in + i, RTE_MIN(1000u, PERF_N - i),
			1));
		for (k = 0; k < 64; k++)
			wgc_pipeline_worker_poll(R.pl, 0);
	}
	TEST_ASSERT_EQUAL(wgc_pipeline_handshake_backlog(R.pl), PERF_N,
		"queued");
	t0 = rte_get_timer_cycles();
	TEST_CHECK(start_lcores(th, l, nb));
	/* the main thread sleeps while the handshake lcores work */
	while (wgc_pipeline_handshake_backlog(R.pl) != 0)
		usleep(500);
	for (;;) {
		done = 0;
		for (k = 0; k < nb; k++) {
			wgc_pipeline_handshake_stats_get(R.pl, k, &st);
			done += st.handshake_tx;
		}
		if (done >= PERF_N)
			break;
		usleep(100);
	}
	t1 = rte_get_timer_cycles();
	stop_lcores(th, nb);
	*rate = (double)done * rte_get_timer_hz() / (double)(t1 - t0);
	for (k = 0; k < nb; k++) {
		wgc_pipeline_handshake_stats_get(R.pl, k, &st);
		printf("  handshake lcore %u: %" PRIu64 " responses\n", k,
			st.handshake_tx);
	}
	initiators_fini(in, PERF_N);
	memset(in, 0, PERF_N * sizeof(*in));
	hs_dev_fini();
	return TEST_SUCCESS;
}

static int
test_handshake_lcores_perf(void)
{
	struct initiator *in = calloc(PERF_N, sizeof(*in));
	double one = 0, two = 0;

	TEST_ASSERT_NOT_NULL(in, "calloc");
	printf("handshake_lcores_perf: %u distinct initiators, one initiation "
		"each, queued before the handshake lcores start (threads; the "
		"main thread sleeps); ephemerals generated on demand; real "
		"stage code (MAC1, consume, response, timers)\n", PERF_N);
	printf("command: build/test/wgc-test handshake_lcores_perf\n");
	TEST_CHECK(perf_run(1, in, &one));
	printf("RESULT handshake_lcores=1 hs_per_s=%.0f\n", one);
	TEST_CHECK(perf_run(2, in, &two));
	printf("RESULT handshake_lcores=2 hs_per_s=%.0f speedup=%.2f\n", two,
		one > 0 ? two / one : 0.0);
	free(in);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(handshake_lcores_perf, perf, test_handshake_lcores_perf);

/* ---- the configuration key ---- */

static int
test_handshake_lcores_conf(void)
{
	static const struct {
		const char *json;
		const char *error;      /* NULL: accepted */
		uint32_t first;         /* accepted: the first lcore */
	} cases[] = {
		{ "{\"handshake_lcores\": [2, 3], \"workers\": [1]}", NULL,
			2 },
		{ "{\"handshake_lcores\": [0]}", NULL, 0 },
		{ "{\"handshake_lcores\": [1, 2], \"workers\": [2]}",
			"handshake_lcores[1]: lcore 2 is also workers[0]" },
		{ "{\"handshake_lcores\": [2, 2]}",
			"handshake_lcores[1]: lcore 2 listed twice" },
		{ "{\"handshake_lcores\": 2}", "handshake_lcores" },
		{ "{\"handshake_lcores\": [-1]}", "handshake_lcores[0]" },
		{ "{\"handshake_lcores\": [1024]}", "handshake_lcores[0]" },
	};
	struct wgc_startup_conf c;
	struct wgc_conf_error err;
	unsigned int i;
	int rc;

	for (i = 0; i < RTE_DIM(cases); i++) {
		memset(&err, 0, sizeof(err));
		rc = wgc_startup_conf_parse(&c, cases[i].json,
			strlen(cases[i].json), &err);
		if (cases[i].error == NULL) {
			TEST_ASSERT_SUCCESS(rc, "%s: %s", cases[i].json,
				err.msg);
			TEST_ASSERT(c.n_handshake_lcores > 0 &&
				c.handshake_lcores[0] == cases[i].first,
				"%s: lcores kept", cases[i].json);
			wgc_startup_conf_free(&c);
		} else {
			TEST_ASSERT_FAIL(rc, "%s accepted", cases[i].json);
			TEST_ASSERT_NOT_NULL(strstr(err.msg, cases[i].error),
				"%s: error \"%s\" does not say \"%s\"",
				cases[i].json, err.msg, cases[i].error);
		}
	}
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(handshake_lcores_conf_autotest, fast,
	test_handshake_lcores_conf);

/* ---- handshake latency during a bulk control-plane write ---- */

#define LAT_INIT 64             /* initiators, taking turns */
#define LAT_BULK 100000         /* peers the writer adds under the mutex */
#define LAT_HOLDS 2             /* ... in this many holds, 2 ms apart */
#define LAT_MAX 20000           /* samples kept */

struct bulk {
	uint64_t hold_ns;           /* how long the mutex was held */
	int started;
	int done;
};

static uint64_t
real_ns(void)
{
	/* in double: cycles * 10^9 overflows 64 bits after a few seconds */
	return (uint64_t)((double)rte_get_timer_cycles() * 1e9 /
		(double)rte_get_timer_hz());
}

static void *
bulk_thread(void *arg)
{
	struct bulk *b = arg;
	uint8_t key[WGC_KEY_LEN] = { 0 };
	uint64_t t0 = 0;
	uint32_t i;

	__atomic_store_n(&b->started, 1, __ATOMIC_RELEASE);
	for (i = 0; i < LAT_BULK; i++) {
		struct wgc_peer *p;
		struct wgc_prefix pf = { .addr.family = AF_INET, .len = 32 };

		if (i % (LAT_BULK / LAT_HOLDS) == 0) {
			if (i != 0) {
				b->hold_ns = RTE_MAX(b->hold_ns,
					real_ns() - t0);
				wgc_peers_unlock(R.peers);
				usleep(2000);
			}
			wgc_peers_lock(R.peers);
			t0 = real_ns();
		}
		memcpy(key, &i, sizeof(i));
		key[31] = 0xb1;
		p = wgc_peers_add(R.peers, key, NULL);
		pf.addr.bytes[0] = 10;
		memcpy(pf.addr.bytes + 1, &i, 3);
		if (p != NULL)
			wgc_peers_prefix_add(R.peers, p, &pf);
	}
	b->hold_ns = RTE_MAX(b->hold_ns, real_ns() - t0);
	wgc_peers_unlock(R.peers);
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* one handshake from a turn-taking initiator: its latency in ns (0: no
 * answer within 10 s) */
static uint64_t
one_handshake(struct initiator *in, unsigned int *turn, uint64_t *wall)
{
	struct initiator *it = &in[*turn % LAT_INIT];
	uint64_t t0, end;

	if (++*turn % LAT_INIT == 0)
		++*wall;
	__atomic_add_fetch(&fake_ns, 1000 * 1000, __ATOMIC_RELAXED);
	t0 = real_ns();
	if (send_initiations(it, 1, *wall) != TEST_SUCCESS)
		return 0;
	end = t0 + 10 * WGC_NSEC_PER_SEC;
	while (!it->answered && real_ns() < end) {
		wgc_pipeline_worker_poll(R.pl, 0);
		wgc_pipeline_main_poll(R.pl);
		take_responses();
	}
	return it->answered ? real_ns() - t0 : 0;
}

static void
print_latency(bool on_main, const char *load, uint64_t *lat, unsigned int n,
		uint64_t hold)
{
	qsort(lat, n, sizeof(*lat), u64_cmp);
	printf("RESULT handshake_latency where=%s load=%s samples=%u "
		"p50_us=%.0f p99_us=%.0f max_us=%.0f",
		on_main ? "main_lcore_under_mutex" : "handshake_lcore", load, n,
		n ? lat[n / 2] / 1e3 : 0.0, n ? lat[n * 99 / 100] / 1e3 : 0.0,
		n ? lat[n - 1] / 1e3 : 0.0);
	if (hold != 0)
		printf(" longest_hold_ms=%.0f", hold / 1e6);
	printf("\n");
}

/* idle, then during the bulk write; on_main: handshakes in the main
 * lcore's poll under the table's mutex, else on a handshake lcore */
static int
latency_run(bool on_main, struct initiator *in, uint64_t *lat)
{
	struct wgc_pipeline_launch l[1];
	struct bulk b = { 0 };
	unsigned int i, n, turn = 0;
	uint64_t wall = 1, t;
	pthread_t th[1], bt;
	char name[64];

	hs_on_main = on_main;
	TEST_CHECK(hs_dev_init(1, LAT_BULK + LAT_INIT + 64));
	TEST_CHECK(initiators_init(in, LAT_INIT, 3000));
	wgc_peers_lock(R.peers);
	for (i = 0; i < LAT_INIT; i++)
		TEST_ASSERT_SUCCESS(responder_add(&in[i]), "peer");
	wgc_peers_unlock(R.peers);
	for (i = 0; i < NSRC; i++)
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(wire_in,
			arp_request(SRC_IP(i))), "arp");
	drain_for(20);
	ring_drain(wire_out);
	if (!on_main)
		TEST_CHECK(start_lcores(th, l, 1));
	for (n = 0; n < 500; n++)
		lat[n] = one_handshake(in, &turn, &wall);
	print_latency(on_main, "idle", lat, n, 0);

	TEST_ASSERT_SUCCESS(pthread_create(&bt, NULL, bulk_thread, &b),
		"writer");
	while (!__atomic_load_n(&b.started, __ATOMIC_ACQUIRE))
		usleep(100);
	n = 0;
	while (!__atomic_load_n(&b.done, __ATOMIC_ACQUIRE) && n < LAT_MAX) {
		t = one_handshake(in, &turn, &wall);
		if (t != 0)
			lat[n++] = t;
	}
	pthread_join(bt, NULL);
	snprintf(name, sizeof(name), "bulk_add_%u_peers", LAT_BULK);
	print_latency(on_main, name, lat, n, b.hold_ns);
	if (!on_main)
		stop_lcores(th, 1);
	initiators_fini(in, LAT_INIT);
	memset(in, 0, LAT_INIT * sizeof(*in));
	hs_dev_fini();
	hs_on_main = false;
	return TEST_SUCCESS;
}

static int
test_handshake_latency_perf(void)
{
	struct initiator *in = calloc(LAT_INIT, sizeof(*in));
	uint64_t *lat = calloc(LAT_MAX, sizeof(*lat));

	TEST_ASSERT(in != NULL && lat != NULL, "calloc");
	printf("handshake_latency_perf: initiation on the wire -> response "
		"consumed, one at a time from %u initiators, the worker and "
		"the main lcore's poll run by the test thread; idle, then "
		"while a writer adds %u peers with a /32 each in %u holds of "
		"the peer table's mutex, 2 ms apart. Handshakes in the main "
		"lcore's poll under that mutex (as before handshake lcores), "
		"then on a handshake lcore (a thread on CPU 1)\n", LAT_INIT,
		LAT_BULK, LAT_HOLDS);
	printf("command: build/test/wgc-test handshake_latency_perf\n");
	TEST_CHECK(latency_run(true, in, lat));
	TEST_CHECK(latency_run(false, in, lat));
	free(in);
	free(lat);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(handshake_latency_perf, perf, test_handshake_latency_perf);
