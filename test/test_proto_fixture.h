/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _TEST_PROTO_FIXTURE_H_
#define _TEST_PROTO_FIXTURE_H_

/*
 * Two in-process WireGuard instances, A and B, each with an identity, an
 * index table and one peer (the other), driven on a fake clock.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "wgc_proto.h"
#include "wgc_test.h"
#include "test_proto_util.h"

struct tp_side {
	struct wgc_identity *id;
	struct wgc_index_table *t;
	struct wgc_peer_proto peer;   /* the other side, as seen from here */
	struct wgc_endpoint addr;   /* this side's address */
	uint8_t priv[32];
	uint8_t pub[32];
};

struct tp_pair {
	struct tp_side a, b;
	uint64_t now;
	uint64_t wall;
	struct wgc_aead_engine *eng;
};

static __rte_unused struct wgc_peer_proto *
tp_lookup(void *ctx, const uint8_t remote_static[WGC_KEY_LEN])
{
	struct tp_side *s = ctx;

	return memcmp(s->peer.remote_static, remote_static, 32) == 0 ?
		&s->peer : NULL;
}

static __rte_unused int
tp_side_init(struct tp_side *s, const char *name, uint64_t seed, uint8_t ip,
		struct rte_rcu_qsbr *qsbr)
{
	char n[32];

	test_rand_bytes(&seed, s->priv, 32);
	snprintf(n, sizeof(n), "tp_id_%s", name);
	s->id = wgc_identity_create(n, s->priv, SOCKET_ID_ANY);
	if (s->id == NULL)
		return -1;
	wgc_identity_public_key(s->id, s->pub);
	snprintf(n, sizeof(n), "tp_ix_%s", name);
	s->t = wgc_index_table_create(n, 64, SOCKET_ID_ANY, qsbr);
	if (s->t == NULL)
		return -1;
	memset(&s->addr, 0, sizeof(s->addr));
	s->addr.addr.family = AF_INET;
	s->addr.addr.bytes[0] = 192;
	s->addr.addr.bytes[1] = 0;
	s->addr.addr.bytes[2] = 2;
	s->addr.addr.bytes[3] = ip;
	s->addr.port = 51820;
	return 0;
}

/* Set up A and B, each knowing the other; psk may be NULL; B's index
 * table uses qsbr_b if not NULL. */
static __rte_unused int
tp_pair_init_rcu(struct tp_pair *p, const uint8_t *psk, uint64_t seed,
		struct rte_rcu_qsbr *qsbr_b)
{
	memset(p, 0, sizeof(*p));
	p->now = 1000 * WGC_NSEC_PER_SEC;
	p->wall = 1700000000ULL * WGC_NSEC_PER_SEC;
	if (tp_side_init(&p->a, "a", seed, 1, NULL) < 0 ||
			tp_side_init(&p->b, "b", seed + 1, 2, qsbr_b) < 0)
		return -1;
	if (wgc_peer_proto_init(&p->a.peer, p->a.id, p->a.t, p->b.pub, psk,
			&p->a) < 0 ||
			wgc_peer_proto_init(&p->b.peer, p->b.id, p->b.t,
				p->a.pub, psk, &p->b) < 0)
		return -1;
	p->eng = wgc_aead_engine_create(WGC_AEAD_ENGINE_AUTO, SOCKET_ID_ANY);
	return p->eng == NULL ? -1 : 0;
}

static __rte_unused int
tp_pair_init(struct tp_pair *p, const uint8_t *psk, uint64_t seed)
{
	return tp_pair_init_rcu(p, psk, seed, NULL);
}

static __rte_unused void
tp_pair_fini(struct tp_pair *p)
{
	wgc_peer_proto_fini(&p->a.peer);
	wgc_peer_proto_fini(&p->b.peer);
	wgc_index_table_free(p->a.t);
	wgc_index_table_free(p->b.t);
	wgc_identity_free(p->a.id);
	wgc_identity_free(p->b.id);
	wgc_aead_engine_free(p->eng);
}

static __rte_unused void
tp_advance(struct tp_pair *p, uint64_t ns)
{
	p->now += ns;
	p->wall += ns;
}

/*
 * Full handshake, `from` initiating to `to`, with the receivers' MAC
 * checks (not under load). Returns 0 or the failing step (1..6).
 */
static __rte_unused int
tp_handshake(struct tp_pair *p, struct tp_side *from, struct tp_side *to)
{
	uint8_t init[WGC_MSG_INITIATION_LEN], resp[WGC_MSG_RESPONSE_LEN];
	struct wgc_peer_proto *got = NULL;

	if (wgc_handshake_create_initiation(&from->peer, init, p->now,
			p->wall) != 0)
		return 1;
	if (wgc_cookie_validate(to->id, NULL, init, sizeof(init), &from->addr,
			false, p->now) != WGC_MAC_ACCEPT)
		return 2;
	if (wgc_handshake_consume_initiation(to->id, init, sizeof(init),
			tp_lookup, to, p->now, &got) != 0 || got != &to->peer)
		return 3;
	if (wgc_handshake_create_response(&to->peer, resp, p->now) != 0)
		return 4;
	if (wgc_cookie_validate(from->id, NULL, resp, sizeof(resp), &to->addr,
			false, p->now) != WGC_MAC_ACCEPT)
		return 5;
	got = NULL;
	if (wgc_handshake_consume_response(from->id, from->t, resp,
			sizeof(resp), p->now, &got) != 0 || got != &from->peer)
		return 6;
	return 0;
}

/* A 2 KiB buffer with 128 bytes of headroom, as a view. */
struct tp_buf {
	uint8_t mem[2048];
};

static __rte_unused void
tp_view(struct wgc_view *v, struct tp_buf *b, const void *payload,
		uint32_t len)
{
	memset(v, 0, sizeof(*v));
	v->data = b->mem + 128;
	v->len = len;
	v->headroom = 128;
	v->tailroom = (uint16_t)(sizeof(b->mem) - 128 - len);
	if (len)
		memcpy(v->data, payload, len);
}

/*
 * Send `len` bytes from `from` to `to` through encap + decap (receiver
 * finds the keypair by index). Returns 0 or a step number; *confirmed
 * tells whether the packet confirmed a keypair.
 */
static __rte_unused int
tp_send(struct tp_pair *p, struct tp_side *from, struct tp_side *to,
		const uint8_t *payload, uint32_t len, uint32_t mtu,
		bool *confirmed)
{
	struct tp_buf *b = malloc(sizeof(*b));
	struct wgc_keypair *kp;
	struct wgc_view v;
	uint8_t st;
	bool conf = false;
	int ret = 0;

	if (b == NULL)
		return 100;
	tp_view(&v, b, payload, len);
	kp = wgc_keypair_current(&from->peer, p->now);
	if (kp == NULL) {
		ret = 1;
		goto out;
	}
	if (wgc_transport_encap_burst(p->eng, &v, &kp, 1, mtu, p->now,
			&st) != 1) {
		ret = 2;
		goto out;
	}
	if (wgc_msg_classify(v.data, v.len) != WGC_MSG_TRANSPORT) {
		ret = 3;
		goto out;
	}
	kp = wgc_index_lookup_keypair(to->t,
		wgc_msg_receiver_index(v.data, WGC_MSG_TRANSPORT));
	if (kp == NULL) {
		ret = 4;
		goto out;
	}
	if (wgc_transport_decap_burst(p->eng, &v, &kp, 1, p->now, &st, NULL,
			&conf) != 1) {
		ret = 5;
		goto out;
	}
	if (v.len < len || memcmp(v.data, payload, len) != 0)
		ret = 6;
	if (confirmed != NULL)
		*confirmed = conf;
out:
	free(b);
	return ret;
}

#endif /* _TEST_PROTO_FIXTURE_H_ */
