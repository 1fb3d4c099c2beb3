/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * single_peer_perf: one peer's decrypt stream, all on one receiving queue
 * (as RSS puts one outer 5-tuple), through the pipeline rig with one
 * worker and with two workers and spread on. A (one worker, on the main
 * thread, untimed) seals the stream onto the wire ring; then B's workers
 * run on threads of their own (one CPU each; the main thread sleeps) until
 * every packet left B's inner edge, whose TX checks the order (tags
 * strictly rising). Prints, per size, Mpps (the median of the rounds) and
 * the speedup of two workers over one:
 *   RESULT single_peer size=S workers=1 mpps=N
 *   RESULT single_peer size=S workers=2 mpps=N speedup=X
 * Never fails on timing: a packet out of order fails, a packet given up
 * (late, bounded wait) is printed.
 */

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "wgc_test.h"
#include "pipeline_rig.h"

#define SPP_FRAMES 48000u
#define SPP_POOL 65535u
#define SPP_WIRE 65536u
#define SPP_ROUNDS_MAX 15

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct rte_ring *wire_ab, *wire_ba;
static struct dev A, B;
static uint16_t spp_workers;

/* B's inner edge: nothing in, the order checked out (worker 0 only) */
static struct {
	uint32_t next;          /* the next tag expected */
	uint64_t got;
	uint64_t disorder;      /* a tag below one already seen */
	uint64_t missing;       /* tags skipped */
	uint64_t last_tsc;
} egress;

static uint16_t
spp_inner_rx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	return 0;
}

static uint16_t
spp_inner_tx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	uint32_t tag;
	uint16_t i;

	for (i = 0; i < n; i++) {
		memcpy(&tag, v[i].data + 28, sizeof(tag));
		if (tag < egress.next) {
			egress.disorder++;
		} else {
			egress.missing += tag - egress.next;
			egress.next = tag + 1;
		}
	}
	wgc_view_release_all(v, n);
	egress.last_tsc = rte_rdtsc();
	__atomic_store_n(&egress.got, egress.got + n, __ATOMIC_RELEASE);
	return n;
}

static struct wgc_pipeline_edge spp_inner = { spp_inner_rx, spp_inner_tx,
	NULL };

static void
spp_conf_b(struct wgc_pipeline_conf *pc)
{
	pc->nb_workers = spp_workers;
	pc->spread = true;
	pc->outer.rx = ring_rx_q0;
}

static int
spp_setup(uint16_t workers)
{
	int r;

	spp_workers = workers;
	wire_ab = rte_ring_create("p_sp_ab", SPP_WIRE, SOCKET_ID_ANY, 0);
	wire_ba = rte_ring_create("p_sp_ba", SPP_WIRE, SOCKET_ID_ANY, 0);
	if (wire_ab == NULL || wire_ba == NULL)
		return TEST_FAILED;
	r = dev_init(&A, "p_spa", 0x41, 1, wire_ba, wire_ab, pool, &rc);
	rig_conf = spp_conf_b;
	rig_inner = &spp_inner;
	if (r == TEST_SUCCESS)
		r = dev_init(&B, "p_spb", 0x42, 2, wire_ab, wire_ba, pool,
			&rc);
	rig_conf = NULL;
	rig_inner = NULL;
	return r;
}

static void
spp_teardown(void)
{
	rig_pair_fini(&A, &B, &wire_ab, &wire_ba);
}

/* A seals n packets of `size` inner bytes, tags first.. (B not polled) */
static int
spp_seal(uint16_t size, uint32_t first, unsigned int n)
{
	struct rte_mbuf *m;
	unsigned int i;

	for (i = 0; i < n; i++) {
		m = make_packet(pool, WGC_TEST_IPV4(10, 0, 1, 1),
			WGC_TEST_IPV4(10, 0, 2, 1), size - 28, 0);
		TEST_ASSERT_NOT_NULL(m, "alloc");
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 28),
			&(uint32_t){ first + i }, sizeof(uint32_t));
		while (rte_ring_enqueue(A.inner_in, m) != 0)
			wgc_pipeline_worker_poll(A.pl, 0);
	}
	while (rte_ring_count(A.inner_in) > 0)
		wgc_pipeline_worker_poll(A.pl, 0);
	TEST_ASSERT_EQUAL(rte_ring_count(wire_ab), n, "sealed");
	return TEST_SUCCESS;
}

static int
spp_establish(void)
{
	unsigned int r;

	TEST_ASSERT_NOT_NULL(add_peer(&A, B.pub, 2, 2), "peer B on A");
	TEST_ASSERT_NOT_NULL(add_peer(&B, A.pub, 1, 0), "peer A on B");
	TEST_ASSERT_SUCCESS(rte_ring_enqueue(A.inner_in, make_packet(pool,
		WGC_TEST_IPV4(10, 0, 1, 1), WGC_TEST_IPV4(10, 0, 2, 1), 36, 0)),
		"inject");
	for (r = 0; r < 200 && egress.got == 0; r++) {
		wgc_pipeline_worker_poll(A.pl, 0);
		wgc_pipeline_main_poll(A.pl);
		wgc_pipeline_worker_poll(B.pl, 0);
		wgc_pipeline_main_poll(B.pl);
	}
	TEST_ASSERT_EQUAL(egress.got, 1u, "no session");
	/* the streams' tags start after this packet's */
	egress.missing = 0;
	return TEST_SUCCESS;
}

struct spp_thread {
	uint16_t w;
	volatile int stop;
};

static void *
spp_worker(void *arg)
{
	struct spp_thread *t = arg;

	/* an lcore id of its own: the mempool's per-lcore cache */
	rte_thread_register();
	while (!t->stop)
		wgc_pipeline_worker_poll(B.pl, t->w);
	rte_thread_unregister();
	return NULL;
}

/* B's workers decrypt n sealed frames; returns Mpps, 0 on a failure */
static double
spp_run(unsigned int n)
{
	struct spp_thread t[2];
	pthread_t th[2];
	pthread_attr_t attr;
	cpu_set_t cpus;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t t0, want = egress.got + n, last = 0, seen;
	unsigned int idle = 0;
	uint16_t w;

	t0 = rte_rdtsc();
	for (w = 0; w < spp_workers; w++) {
		t[w].w = w;
		t[w].stop = 0;
		CPU_ZERO(&cpus);
		/* worker 0 not on the main thread's CPU */
		CPU_SET(ncpu > 0 ? (w + 1) % ncpu : 0, &cpus);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
		if (pthread_create(&th[w], &attr, spp_worker, &t[w]) != 0)
			return 0;
		pthread_attr_destroy(&attr);
	}
	/* until everything left, or nothing moved for 200 ms (given up) */
	while ((seen = __atomic_load_n(&egress.got, __ATOMIC_ACQUIRE)) <
			want && idle < 200) {
		usleep(1000);
		idle = seen == last ? idle + 1 : 0;
		last = seen;
	}
	for (w = 0; w < spp_workers; w++) {
		t[w].stop = 1;
		pthread_join(th[w], NULL);
	}
	return (double)(seen - (want - n)) /
		((double)(egress.last_tsc - t0) / rte_get_tsc_hz()) / 1e6;
}

static int
spp_measure(uint16_t workers, uint16_t size, unsigned int rounds,
		double *mpps)
{
	struct wgc_pipeline_stats s0, s1;
	double fig[SPP_ROUNDS_MAX];
	unsigned int r;
	uint32_t tag;

	memset(&egress, 0, sizeof(egress));
	TEST_CHECK(spp_setup(workers));
	TEST_CHECK(spp_establish());
	for (r = 0; r < rounds; r++) {
		tag = egress.next;
		TEST_CHECK(spp_seal(size, tag, SPP_FRAMES));
		fig[r] = spp_run(SPP_FRAMES);
		wgc_pipeline_main_poll(B.pl);
	}
	*mpps = wgc_test_median(fig, rounds);
	wgc_pipeline_stats_get(B.pl, 0, &s0);
	memset(&s1, 0, sizeof(s1));
	if (workers > 1)
		wgc_pipeline_stats_get(B.pl, 1, &s1);
	printf("single_peer: %4u B, %u worker%s: %.3f Mpps (median of %u); "
		"decrypted by worker 0 %" PRIu64 ", worker 1 %" PRIu64
		"; delivered %" PRIu64 ", out of order %" PRIu64
		", missing %" PRIu64 " (reorder_timeout %" PRIu64
		", reorder_overflow %" PRIu64 ", reorder_late %" PRIu64 ")\n",
		size, workers, workers > 1 ? "s" : "", *mpps, rounds,
		s0.decap_ok, s1.decap_ok, egress.got, egress.disorder,
		egress.missing, s0.reorder_timeout, s0.reorder_overflow,
		s0.drop[WGC_PL_DROP_REORDER_LATE]);
	spp_teardown();
	TEST_ASSERT_EQUAL(egress.disorder, 0u, "out of order at egress");
	return TEST_SUCCESS;
}

static int
spp_pool_setup(void)
{
	pool = rte_pktmbuf_pool_create("p_sp_pool", SPP_POOL, 256, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	return TEST_SUCCESS;
}

static void
spp_pool_teardown(void)
{
	rte_mempool_free(pool);
	pool = NULL;
}

static int
test_single_peer_perf(void)
{
	static const uint16_t sizes[] = { 1420, 64 };
	const char *env = getenv("WGC_PERF_ROUNDS");
	unsigned int rounds = env != NULL ? (unsigned int)atoi(env) : 5;
	double one, two;
	unsigned int i;

	if (rounds == 0 || rounds > SPP_ROUNDS_MAX)
		rounds = 5;
	printf("single_peer_perf: one peer's stream on one receiving queue, "
		"%u frames a round, %u rounds; workers on threads of their "
		"own CPU, the main thread sleeping; %s, TSC %.2f GHz, %ld CPUs\n"
		"command: build/test/wgc-test single_peer_perf (EAL flags from "
		"WGC_TEST_EAL; WGC_PERF_ROUNDS)\n", SPP_FRAMES, rounds,
		rte_eal_has_hugepages() ? "hugepages" : "no hugepages",
		rte_get_tsc_hz() / 1e9, sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 0; i < RTE_DIM(sizes); i++) {
		TEST_CHECK(spp_measure(1, sizes[i], rounds, &one));
		TEST_CHECK(spp_measure(2, sizes[i], rounds, &two));
		printf("RESULT single_peer size=%u workers=1 mpps=%.3f\n",
			sizes[i], one);
		printf("RESULT single_peer size=%u workers=2 mpps=%.3f "
			"speedup=%.2f\n", sizes[i], two, one > 0 ? two / one : 0);
	}
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(single_peer_perf, perf, spp_pool_setup,
	test_single_peer_perf, spp_pool_teardown);
