/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Transport messages (type 4) on bursts of views, in place.
 *
 * Per packet, around the AEAD, only: validity checks, one atomic
 * fetch-add for the send counter, the 16-byte header, and (receive) the
 * replay window after authentication. Ops live on the stack in chunks of
 * WGC_TRANSPORT_BURST_MAX; nothing is allocated; the only lock is the
 * replay window's, once per run of one keypair's packets (and the rare key
 * confirmation's).
 */

#include <string.h>

#include <rte_byteorder.h>

#include "wgc_proto_private.h"

static inline bool
keypair_expired(const struct wgc_keypair *kp, uint64_t now, bool sending)
{
	bool valid = sending ?
		__atomic_load_n(&kp->sending_valid, __ATOMIC_RELAXED) :
		__atomic_load_n(&kp->receiving_valid, __ATOMIC_RELAXED);

	return !valid || wgc_age(now, kp->birthdate) >= WGC_REJECT_AFTER_TIME;
}

static inline void
count(struct wgc_keypair *kp, enum wgc_proto_counter c)
{
	wgc_count(kp->entry.peer->identity, c);
}

/*
 * Send counters are taken with one atomic fetch-add per run of consecutive
 * packets under the same keypair (rather than one per packet): the run's
 * packets get consecutive counters, in order, exactly as per-packet adds
 * from this thread would give them. A counter taken for a packet that then
 * fails is skipped on the wire, which receivers tolerate (as after any
 * loss).
 */
static uint16_t
encap_chunk(struct wgc_aead_engine *e, struct wgc_view *views,
		struct wgc_keypair *const kps[], uint16_t n, uint32_t mtu,
		uint64_t now, uint8_t status[])
{
	struct wgc_aead_op ops[WGC_TRANSPORT_BURST_MAX];
	uint32_t padded[WGC_TRANSPORT_BURST_MAX];
	uint16_t idx[WGC_TRANSPORT_BURST_MAX];
	struct wgc_keypair *run_kp = NULL;
	uint64_t ctr = 0;
	uint16_t i, j, nops = 0, ok, left = 0;

	/* pass 1: per-packet checks; status OK means "wants a counter" */
	for (i = 0; i < n; i++) {
		struct wgc_view *v = &views[i];
		struct wgc_keypair *kp = kps[i];
		uint32_t len = v->len, pad;

		if (unlikely(kp == NULL)) {
			status[i] = WGC_TRANSPORT_NO_KEYPAIR;
			continue;
		}
		if (kp != run_kp) {
			run_kp = kp;
			if (unlikely(keypair_expired(kp, now, true)))
				run_kp = NULL;
		}
		if (unlikely(run_kp == NULL)) {
			status[i] = WGC_TRANSPORT_KEYPAIR_EXPIRED;
			count(kp, WGC_CNT_TRANSPORT_KEYPAIR_EXPIRED);
			continue;
		}
		pad = RTE_ALIGN_CEIL(len, 16);
		if (pad > mtu)
			pad = RTE_MAX(len, mtu);
		if (unlikely(v->headroom < WGC_MSG_TRANSPORT_HDR_LEN ||
				v->tailroom < pad - len + WGC_AEAD_TAG_LEN)) {
			status[i] = WGC_TRANSPORT_NO_ROOM;
			count(kp, WGC_CNT_TRANSPORT_NO_ROOM);
			continue;
		}
		padded[i] = pad;
		status[i] = WGC_TRANSPORT_OK;
	}
	/* pass 2: counters per run, header, padding, AEAD op */
	run_kp = NULL;
	for (i = 0; i < n; i++) {
		struct wgc_view *v = &views[i];
		struct wgc_keypair *kp = kps[i];
		uint64_t le;
		uint8_t *hdr;

		if (status[i] != WGC_TRANSPORT_OK)
			continue;
		if (kp != run_kp || left == 0) {
			/* reserve exactly the counters this run will use */
			left = 1;
			for (j = i + 1; j < n && kps[j] == kp; j++)
				left += status[j] == WGC_TRANSPORT_OK;
			ctr = __atomic_fetch_add(&kp->send_counter, left,
				__ATOMIC_RELAXED);
			run_kp = kp;
		} else {
			ctr++;
		}
		left--;
		if (unlikely(ctr >= WGC_REJECT_AFTER_MESSAGES)) {
			__atomic_store_n(&kp->sending_valid, false,
				__ATOMIC_RELAXED);
			status[i] = WGC_TRANSPORT_COUNTER_EXHAUSTED;
			count(kp, WGC_CNT_TRANSPORT_COUNTER_EXHAUSTED);
			continue;
		}
		if (padded[i] > v->len)
			memset(v->data + v->len, 0, padded[i] - v->len);
		hdr = v->data - WGC_MSG_TRANSPORT_HDR_LEN;
		hdr[0] = WGC_MSG_TRANSPORT;
		hdr[1] = 0;
		hdr[2] = 0;
		hdr[3] = 0;
		wgc_put_le32(hdr + 4, kp->remote_index);
		le = rte_cpu_to_le_64(ctr);
		memcpy(hdr + 8, &le, 8);
		ops[nops].data = v->data;
		ops[nops].len = padded[i];
		ops[nops].tag = v->data + padded[i];
		ops[nops].key = kp->send_key;
		ops[nops].counter = ctr;
		ops[nops].aad = NULL;
		ops[nops].aad_len = 0;
		idx[nops] = i;
		nops++;
	}
	if (nops == 0)
		return 0;
	wgc_aead_seal_burst(e, ops, nops);
	ok = 0;
	for (i = 0; i < nops; i++) {
		struct wgc_view *v = &views[idx[i]];
		uint32_t grow = ops[i].len - v->len + WGC_AEAD_TAG_LEN;

		if (unlikely(ops[i].status != WGC_AEAD_OK)) {
			status[idx[i]] = WGC_TRANSPORT_BAD_TAG;
			continue;
		}
		v->data -= WGC_MSG_TRANSPORT_HDR_LEN;
		v->headroom -= WGC_MSG_TRANSPORT_HDR_LEN;
		v->len += WGC_MSG_TRANSPORT_HDR_LEN + grow;
		v->tailroom -= grow;
		status[idx[i]] = WGC_TRANSPORT_OK;
		ok++;
	}
	return ok;
}

uint16_t
wgc_transport_encap_burst(struct wgc_aead_engine *e, struct wgc_view *views,
		struct wgc_keypair *const kps[], uint16_t n, uint32_t mtu,
		uint64_t now, uint8_t status[])
{
	uint16_t done = 0, ok = 0, chunk;

	while (done < n) {
		chunk = RTE_MIN(n - done, WGC_TRANSPORT_BURST_MAX);
		ok += encap_chunk(e, views + done, kps + done, chunk, mtu, now,
			status + done);
		done += chunk;
	}
	return ok;
}

/* Phase 1: checks and AEAD open; counters[] always written. */
static uint16_t
open_chunk(struct wgc_aead_engine *e, struct wgc_view *views,
		struct wgc_keypair *const kps[], uint16_t n, uint64_t now,
		uint8_t status[], uint64_t counters[])
{
	struct wgc_aead_op ops[WGC_TRANSPORT_BURST_MAX];
	uint16_t idx[WGC_TRANSPORT_BURST_MAX];
	uint16_t i, nops = 0, ok = 0;

	for (i = 0; i < n; i++) {
		struct wgc_view *v = &views[i];
		struct wgc_keypair *kp = kps[i];
		uint64_t le;

		counters[i] = 0;
		if (unlikely(kp == NULL)) {
			status[i] = WGC_TRANSPORT_NO_KEYPAIR;
			continue;
		}
		if (unlikely(v->len < WGC_MSG_TRANSPORT_MIN_LEN ||
				v->data[0] != WGC_MSG_TRANSPORT ||
				v->data[1] != 0 || v->data[2] != 0 ||
				v->data[3] != 0)) {
			status[i] = WGC_TRANSPORT_BAD_LENGTH;
			count(kp, WGC_CNT_TRANSPORT_BAD_LENGTH);
			continue;
		}
		if (unlikely(keypair_expired(kp, now, false))) {
			status[i] = WGC_TRANSPORT_KEYPAIR_EXPIRED;
			count(kp, WGC_CNT_TRANSPORT_KEYPAIR_EXPIRED);
			continue;
		}
		memcpy(&le, v->data + 8, 8);
		counters[i] = rte_le_to_cpu_64(le);
		ops[nops].counter = counters[i];
		ops[nops].data = v->data + WGC_MSG_TRANSPORT_HDR_LEN;
		ops[nops].len = v->len - WGC_MSG_TRANSPORT_MIN_LEN;
		ops[nops].tag = ops[nops].data + ops[nops].len;
		ops[nops].key = kp->recv_key;
		ops[nops].aad = NULL;
		ops[nops].aad_len = 0;
		idx[nops] = i;
		nops++;
	}
	if (nops == 0)
		return 0;
	wgc_aead_open_burst(e, ops, nops);
	for (i = 0; i < nops; i++) {
		uint16_t j = idx[i];

		if (unlikely(ops[i].status != WGC_AEAD_OK)) {
			status[j] = WGC_TRANSPORT_BAD_TAG;
			count(kps[j], WGC_CNT_TRANSPORT_BAD_TAG);
			continue;
		}
		status[j] = WGC_TRANSPORT_OK;
		ok++;
	}
	return ok;
}

uint16_t
wgc_transport_open_burst(struct wgc_aead_engine *e, struct wgc_view *views,
		struct wgc_keypair *const kps[], uint16_t n, uint64_t now,
		uint8_t status[], uint64_t counters[])
{
	uint16_t done = 0, ok = 0, chunk;

	while (done < n) {
		chunk = RTE_MIN(n - done, WGC_TRANSPORT_BURST_MAX);
		ok += open_chunk(e, views + done, kps + done, chunk, now,
			status + done, counters + done);
		done += chunk;
	}
	return ok;
}

uint16_t
wgc_transport_accept_burst(struct wgc_view *views,
		struct wgc_keypair *const kps[], uint16_t n, uint8_t status[],
		const uint64_t counters[], bool key_confirmed[])
{
	struct wgc_keypair *locked = NULL;
	uint16_t i, ok = 0;

	for (i = 0; i < n; i++) {
		struct wgc_view *v = &views[i];
		struct wgc_keypair *kp = kps[i];

		if (key_confirmed != NULL)
			key_confirmed[i] = false;
		if (status[i] != WGC_TRANSPORT_OK)
			continue;
		/* one lock per run of a keypair's packets */
		if (kp != locked) {
			if (locked != NULL)
				rte_spinlock_unlock(&locked->replay.lock);
			rte_spinlock_lock(&kp->replay.lock);
			locked = kp;
		}
		if (unlikely(!wgc_replay_check(&kp->replay, counters[i]))) {
			status[i] = WGC_TRANSPORT_REPLAY;
			count(kp, WGC_CNT_TRANSPORT_REPLAY);
			continue;
		}
		v->data += WGC_MSG_TRANSPORT_HDR_LEN;
		v->headroom += WGC_MSG_TRANSPORT_HDR_LEN;
		v->len -= WGC_MSG_TRANSPORT_MIN_LEN;
		v->tailroom += WGC_AEAD_TAG_LEN;
		if (unlikely(wgc_keypairs_received_with(kp->entry.peer, kp))) {
			count(kp, WGC_CNT_KEY_CONFIRMED);
			if (key_confirmed != NULL)
				key_confirmed[i] = true;
		}
		ok++;
	}
	if (locked != NULL)
		rte_spinlock_unlock(&locked->replay.lock);
	return ok;
}

uint16_t
wgc_transport_decap_burst(struct wgc_aead_engine *e, struct wgc_view *views,
		struct wgc_keypair *const kps[], uint16_t n, uint64_t now,
		uint8_t status[], uint64_t counters[], bool key_confirmed[])
{
	uint64_t ctr[WGC_TRANSPORT_BURST_MAX];
	uint16_t done = 0, ok = 0, chunk;

	while (done < n) {
		chunk = RTE_MIN(n - done, WGC_TRANSPORT_BURST_MAX);
		open_chunk(e, views + done, kps + done, chunk, now,
			status + done, ctr);
		ok += wgc_transport_accept_burst(views + done, kps + done,
			chunk, status + done, ctr,
			key_confirmed != NULL ? key_confirmed + done : NULL);
		if (counters != NULL)
			memcpy(counters + done, ctr, chunk * sizeof(ctr[0]));
		done += chunk;
	}
	return ok;
}

int32_t
wgc_transport_inner_len(const uint8_t *p, uint32_t len)
{
	uint32_t l;

	if (len == 0)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		if (len < 20)
			return -1;
		l = ((uint32_t)p[2] << 8) | p[3];
		if (l < 20)
			return -1;
		break;
	case 6:
		if (len < 40)
			return -1;
		l = 40 + (((uint32_t)p[4] << 8) | p[5]);
		break;
	default:
		return -1;
	}
	return l <= len ? (int32_t)l : -1;
}
