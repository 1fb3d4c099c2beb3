/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Spread: one receiving queue's transport messages decrypted on several
 * workers, delivered in arrival order.
 *
 * RSS puts every datagram of one peer (one outer 5-tuple) on one queue.
 * When that queue is busy (a full outer RX burst), its worker (the
 * *origin*) hands whole bursts to a worker that is not busy itself (the
 * *helper*) over the helper's job ring; the helper looks the keypairs up,
 * decrypts, checks the replay window (under the window's spinlock, as for
 * any two workers), applies roaming and the allowed-IPs check, and hands
 * the burst back over the origin's done ring. The origin gives a
 * sequence number to every burst it hands over and to every burst it
 * decrypts itself while an earlier one is still out (with nothing out, a
 * burst decrypted here is in order as it is and goes straight out; one
 * decrypted here joins the last burst waiting when that has room), and
 * keeps a reorder window of those bursts: it sends the window's head on
 * its own inner TX queue (the queue keeps one writer) as soon as it is
 * there, so inner packets leave in the order the worker received them.
 * Messages dropped on the way (bad tag, replay) are simply absent from
 * their burst: they never hold the order up.
 *
 * A helper gets a burst only if it polled since it got the last one (a
 * worker that is not running is not given work it would hold up), and
 * never if its lcore shares a CPU with the origin's: it could only run
 * instead of the origin, never beside it.
 *
 * Bounds, never a stall:
 * - an origin has PL_SPREAD_JOBS bursts (jobs) and a window as large, so
 *   sequence numbers never alias; a helper holds at most
 *   PL_SPREAD_INFLIGHT of one origin's jobs;
 * - a missing head that holds up bursts already there is waited for at
 *   most PL_SPREAD_WAIT_NS, then skipped (reorder_timeout);
 * - no job free: the missing heads are skipped at once so that the
 *   window drains (reorder_overflow); still none: the burst is dropped
 *   (spread_full);
 * - at most PL_SPREAD_DRAIN bursts go to the inner TX queue per drain;
 * - a skipped burst that comes back later is dropped (reorder_late).
 *
 * Why bursts and not rte_reorder: work moves in bursts, so one sequence
 * number per burst orders every packet of the queue at one check per
 * burst; a decrypted packet is a view (its window on the buffer, its
 * recycler), not a bare rte_mbuf; and DPDK 22.11's rte_reorder can mark
 * no gap and cannot give up a missing sequence number after a bounded
 * wait (rte_reorder_drain_up_to_seqn() arrived in 23.03).
 *
 * Keypairs are never handed over: the helper looks them up by receiver
 * index inside its own RCU read side.
 */

#include <errno.h>
#include <sched.h>
#include <stdio.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "pl_private.h"

/* bursts in flight or waiting per origin (a power of 2) */
#define PL_SPREAD_JOBS 64
#define PL_SPREAD_MASK (PL_SPREAD_JOBS - 1)
/* one origin's jobs a helper may hold */
#define PL_SPREAD_INFLIGHT 4
/* jobs a helper decrypts per poll */
#define PL_SPREAD_HELP 4
/* bursts sent per drain: an inner TX queue is not handed a whole window
 * at once (a gap that fills releases everything behind it) */
#define PL_SPREAD_DRAIN 8
/* how long a missing burst may hold up the ones behind it: longer than
 * a scheduler time slice, for workers that share a CPU */
#define PL_SPREAD_WAIT_NS (10 * 1000 * 1000ull)

/* one burst of transport messages and, once decrypted, its inner packets */
struct pl_job {
	uint32_t seq;                       /* in its origin's order */
	uint16_t origin;
	uint16_t helper;
	uint16_t n;                         /* messages in v */
	uint16_t port;                      /* the outer port they came by */
	uint16_t no;                        /* inner packets in out */
	uint32_t idx[BURST];
	struct wgc_endpoint src[BURST];
	struct wgc_view v[BURST];
	struct wgc_view out[BURST];
} __rte_cache_aligned;

/* a worker as origin (jobs, window, done ring) and as helper (job ring) */
struct pl_spread {
	struct rte_ring *todo;              /* origins -> this helper */
	struct rte_ring *done;              /* helpers -> this origin */
	struct pl_job *jobs;
	struct pl_job *free[PL_SPREAD_JOBS];
	struct pl_job *win[PL_SPREAD_JOBS]; /* by seq & PL_SPREAD_MASK */
	uint32_t next;                      /* next sequence number */
	uint32_t head;                      /* next to send */
	uint64_t wait_since;                /* the head missing since */
	uint16_t nb_free;
	uint16_t nb_done;                   /* jobs in the window */
	uint16_t rr;                        /* next helper to try */
	bool waiting;
	bool full;                          /* this poll's burst was full */
	uint16_t inflight[WGC_PIPELINE_WORKERS_MAX];
	uint64_t seen[WGC_PIPELINE_WORKERS_MAX]; /* polls of each helper
	                                          * at the last hand-over */
	/* read by the other workers: spread polls run (the worker is
	 * running), whether the last poll's burst was full, the CPUs of
	 * its lcore (if known) */
	uint64_t polls __rte_cache_aligned;
	uint8_t busy;
	bool cpus_known;
	rte_cpuset_t cpus;
} __rte_cache_aligned;

int
pl_spread_create(struct wgc_pipeline *pl)
{
	char n[RTE_RING_NAMESIZE];
	struct pl_spread *s;
	uint16_t w, i;

	if (!pl->c.spread || pl->nb_workers < 2)
		return 0;
	pl->spread = rte_zmalloc("wgc_spread",
		pl->nb_workers * sizeof(*pl->spread), RTE_CACHE_LINE_SIZE);
	if (pl->spread == NULL)
		return -ENOMEM;
	for (w = 0; w < pl->nb_workers; w++) {
		s = &pl->spread[w];
		s->jobs = rte_zmalloc("wgc_spread_jobs",
			PL_SPREAD_JOBS * sizeof(*s->jobs), RTE_CACHE_LINE_SIZE);
		/* sized for every job there is: enqueues never fail */
		snprintf(n, sizeof(n), "%.16s_st%u", pl->name, w);
		s->todo = rte_ring_create(n, pl->nb_workers * PL_SPREAD_JOBS,
			SOCKET_ID_ANY, RING_F_SC_DEQ | RING_F_EXACT_SZ);
		snprintf(n, sizeof(n), "%.16s_sd%u", pl->name, w);
		s->done = rte_ring_create(n, PL_SPREAD_JOBS, SOCKET_ID_ANY,
			RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (s->jobs == NULL || s->todo == NULL || s->done == NULL)
			return -ENOMEM;
		for (i = 0; i < PL_SPREAD_JOBS; i++) {
			s->jobs[i].origin = w;
			s->free[i] = &s->jobs[i];
		}
		s->nb_free = PL_SPREAD_JOBS;
	}
	return 0;
}

void
pl_spread_free(struct wgc_pipeline *pl)
{
	struct pl_spread *s;
	uint16_t w, i;

	if (pl->spread == NULL)
		return;
	for (w = 0; w < pl->nb_workers; w++) {
		s = &pl->spread[w];
		for (i = 0; s->jobs != NULL && i < PL_SPREAD_JOBS; i++) {
			wgc_view_release_all(s->jobs[i].v, BURST);
			wgc_view_release_all(s->jobs[i].out, BURST);
		}
		rte_free(s->jobs);
		rte_ring_free(s->todo);
		rte_ring_free(s->done);
	}
	rte_free(pl->spread);
	pl->spread = NULL;
}

/* decrypt a job's messages with wk's engine, counted in wk */
static inline void
job_run(struct wgc_pipeline *pl, struct worker *wk, struct pl_job *j,
		uint64_t now)
{
	j->no = pl_rx_transport(pl, wk, j->v, j->src, j->idx, j->n, now,
		j->out, j->port);
	j->n = 0;
}

/*
 * Send the window's head in order, at most max bursts. A missing head is
 * waited for while something behind it is there, at most
 * PL_SPREAD_WAIT_NS (force: not at all); then it and the missing ones
 * after it are skipped. Returns the bursts sent.
 */
static unsigned int
drain(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		struct pl_spread *s, uint64_t now, bool force, unsigned int max)
{
	struct pl_job *j;
	unsigned int sent = 0;

	while (s->head != s->next && sent < max) {
		j = s->win[s->head & PL_SPREAD_MASK];
		if (j == NULL) {
			if (s->nb_done == 0)
				break;
			if (force) {
				wk->st.reorder_overflow++;
			} else if (!s->waiting) {
				s->waiting = true;
				s->wait_since = now;
				break;
			} else if (now - s->wait_since < PL_SPREAD_WAIT_NS) {
				break;
			} else {
				wk->st.reorder_timeout++;
			}
			s->head++;
			continue;
		}
		s->win[s->head & PL_SPREAD_MASK] = NULL;
		s->nb_done--;
		s->head++;
		s->waiting = false;
		if (j->no > 0) {
			wk->st.inner_tx += j->no;
			pl->c.inner.tx(pl->c.inner.ctx, w, j->out, j->no);
			j->no = 0;
		}
		s->free[s->nb_free++] = j;
		sent++;
	}
	return sent;
}

/* a job's inner packets dropped: their place in the order is gone */
static void
job_drop_late(struct worker *wk, struct pl_job *j)
{
	wk->st.drop[WGC_PL_DROP_REORDER_LATE] += j->no;
	wgc_view_release_all(j->out, j->no);
	j->no = 0;
}

/* the jobs helpers handed back: into the window, or dropped if their
 * place was given up */
static unsigned int
collect(struct worker *wk, struct pl_spread *s)
{
	struct pl_job *jobs[PL_SPREAD_JOBS];
	struct pl_job *j;
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(s->done, (void **)jobs, RTE_DIM(jobs),
		NULL);
	for (i = 0; i < n; i++) {
		j = jobs[i];
		s->inflight[j->helper]--;
		if ((uint32_t)(j->seq - s->head) >= PL_SPREAD_JOBS) {
			job_drop_late(wk, j);
			s->free[s->nb_free++] = j;
			continue;
		}
		s->win[j->seq & PL_SPREAD_MASK] = j;
		s->nb_done++;
	}
	return n;
}

static struct pl_job *
job_get(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		struct pl_spread *s, uint64_t now)
{
	if (s->nb_free == 0) {
		collect(wk, s);
		drain(pl, w, wk, s, now, false, PL_SPREAD_DRAIN);
	}
	if (s->nb_free == 0)
		drain(pl, w, wk, s, now, true, 1);
	return s->nb_free > 0 ? s->free[--s->nb_free] : NULL;
}

void
pl_spread_worker_start(struct wgc_pipeline *pl, uint16_t w)
{
	struct pl_spread *s;

	if (pl->spread == NULL || rte_lcore_id() == LCORE_ID_ANY)
		return;
	s = &pl->spread[w];
	s->cpus = rte_lcore_cpuset(rte_lcore_id());
	__atomic_store_n(&s->cpus_known, true, __ATOMIC_RELEASE);
}

/* two workers run on lcores that share a CPU */
static bool
share_cpu(const struct pl_spread *a, const struct pl_spread *b)
{
	rte_cpuset_t both;

	if (!__atomic_load_n(&a->cpus_known, __ATOMIC_ACQUIRE) ||
			!__atomic_load_n(&b->cpus_known, __ATOMIC_ACQUIRE))
		return false;
	CPU_AND(&both, &a->cpus, &b->cpus);
	return CPU_COUNT(&both) > 0;
}

/*
 * A helper, in turn, that is not busy, holds fewer than
 * PL_SPREAD_INFLIGHT of w's jobs, does not share a CPU with w (it could
 * only run instead of w) and has polled since w last handed it one (it is
 * running); w itself if none.
 */
static uint16_t
pick_helper(const struct wgc_pipeline *pl, struct pl_spread *s, uint16_t w)
{
	const struct pl_spread *hs;
	uint64_t polls;
	uint16_t k, h;

	for (k = 0; k < pl->nb_workers; k++) {
		h = (uint16_t)((s->rr + k) % pl->nb_workers);
		hs = &pl->spread[h];
		if (h == w || s->inflight[h] >= PL_SPREAD_INFLIGHT ||
				__atomic_load_n(&hs->busy, __ATOMIC_RELAXED) ||
				share_cpu(s, hs))
			continue;
		polls = __atomic_load_n(&hs->polls, __ATOMIC_RELAXED);
		if (polls == s->seen[h])
			continue;
		s->seen[h] = polls;
		s->rr = (uint16_t)(h + 1);
		return h;
	}
	return w;
}

/*
 * A burst decrypted here: straight out if nothing earlier is out, else
 * behind it in the window, appended to the last burst there when that has
 * room (small bursts do not take a place each).
 */
static void
spread_local(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		struct pl_spread *s, struct wgc_view *dv,
		struct wgc_endpoint *dsrc, const uint32_t *idx, uint16_t nd,
		uint64_t now, uint16_t port)
{
	struct wgc_view out[BURST];
	struct pl_job *j;
	uint16_t no, i;

	no = pl_rx_transport(pl, wk, dv, dsrc, idx, nd, now, out, port);
	if (no == 0)
		return;
	if (s->head == s->next) {
		wk->st.inner_tx += no;
		pl->c.inner.tx(pl->c.inner.ctx, w, out, no);
		return;
	}
	j = s->win[(s->next - 1) & PL_SPREAD_MASK];
	if (j == NULL || j->no + no > BURST) {
		j = job_get(pl, w, wk, s, now);
		if (j == NULL) {
			wk->st.drop[WGC_PL_DROP_SPREAD_FULL] += no;
			wgc_view_release_all(out, no);
			return;
		}
		j->seq = s->next++;
		s->win[j->seq & PL_SPREAD_MASK] = j;
		s->nb_done++;
	}
	for (i = 0; i < no; i++)
		wgc_view_claim(&j->out[j->no + i], &out[i]);
	j->no += no;
	drain(pl, w, wk, s, now, false, PL_SPREAD_DRAIN);
}

void
pl_spread_outer(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		struct wgc_view *dv, struct wgc_endpoint *dsrc,
		const uint32_t *idx, uint16_t nd, bool busy, uint64_t now,
		uint16_t port)
{
	struct pl_spread *s = &pl->spread[w];
	struct pl_job *j;
	uint16_t h, i;

	s->full = busy;
	h = busy ? pick_helper(pl, s, w) : w;
	if (h == w) {
		spread_local(pl, w, wk, s, dv, dsrc, idx, nd, now, port);
		return;
	}
	j = job_get(pl, w, wk, s, now);
	if (j == NULL) {
		wk->st.drop[WGC_PL_DROP_SPREAD_FULL] += nd;
		wgc_view_release_all(dv, nd);
		return;
	}
	j->seq = s->next++;
	j->n = nd;
	j->port = port;
	for (i = 0; i < nd; i++)
		wgc_view_claim(&j->v[i], &dv[i]);
	memcpy(j->src, dsrc, nd * sizeof(*dsrc));
	memcpy(j->idx, idx, nd * sizeof(*idx));
	j->helper = h;
	if (rte_ring_mp_enqueue(pl->spread[h].todo, j) == 0) {
		s->inflight[h]++;
		wk->st.spread_out += nd;
		return;
	}
	/* not reached: the ring holds every job there is */
	job_run(pl, wk, j, now);
	s->win[j->seq & PL_SPREAD_MASK] = j;
	s->nb_done++;
	drain(pl, w, wk, s, now, false, PL_SPREAD_DRAIN);
}

unsigned int
pl_spread_poll(struct wgc_pipeline *pl, uint16_t w, struct worker *wk,
		uint64_t now)
{
	struct pl_spread *s = &pl->spread[w];
	struct pl_job *jobs[PL_SPREAD_HELP];
	struct pl_job *j;
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(s->todo, (void **)jobs, RTE_DIM(jobs),
		NULL);
	for (i = 0; i < n; i++) {
		j = jobs[i];
		wk->st.spread_in += j->n;
		job_run(pl, wk, j, now);
		/* the done ring holds every job of its origin */
		if (rte_ring_mp_enqueue(pl->spread[j->origin].done, j) != 0)
			job_drop_late(wk, j);
	}
	n += collect(wk, s);
	n += drain(pl, w, wk, s, now, false, PL_SPREAD_DRAIN);
	__atomic_store_n(&s->busy, s->full, __ATOMIC_RELAXED);
	__atomic_store_n(&s->polls, s->polls + 1, __ATOMIC_RELAXED);
	s->full = false;
	return n;
}
