/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The handshake stage's answer to a handshake message: the MACs and the
 * cookie check (a cookie reply under load), then lib/proto consumes an
 * initiation (and a response goes back), a response (and staged packets,
 * or a keepalive, confirm the session) or a cookie reply. The endpoint
 * follows the authenticated message and the peer's timers are rearmed.
 */

#include "pl_private.h"

/* the initiator's static key, kept when no peer has it */
struct key_lookup {
	struct wgc_peers *peers;
	bool missed;
	uint8_t key[WGC_KEY_LEN];
};

static struct wgc_peer_proto *
lookup_by_key(void *ctx, const uint8_t key[WGC_KEY_LEN])
{
	struct key_lookup *kl = ctx;
	struct wgc_peer *p = wgc_peers_lookup(kl->peers, key);

	if (p == NULL) {
		kl->missed = true;
		memcpy(kl->key, key, WGC_KEY_LEN);
	}
	return p == NULL ? NULL : &p->proto;
}

void
pl_stage_handshake(struct wgc_pipeline *pl, struct hs_item *it,
		uint64_t now, bool under_load)
{
	struct wgc_proto_addr src;
	struct wgc_peer_proto *pp = NULL;
	struct wgc_view *v = &it->v;
	struct wgc_peer_endpoint ep;
	struct wgc_peer *p;
	struct key_lookup kl = { .peers = pl->peers };
	unsigned int type = wgc_msg_classify(v->data, v->len);
	int rc;

	proto_addr_from_net(&src, &it->src);
	if (type == WGC_MSG_INITIATION || type == WGC_MSG_RESPONSE) {
		enum wgc_mac_verdict vd = wgc_cookie_validate(pl->id, pl->rl,
			v->data, v->len, &src, under_load, now);

		if (vd == WGC_MAC_SEND_COOKIE) {
			uint8_t msg[WGC_MSG_INITIATION_LEN];
			uint32_t len = v->len;

			memcpy(msg, v->data, len);
			wgc_view_trim(v, len);
			if (wgc_view_append(v, WGC_MSG_COOKIE_REPLY_LEN) !=
					NULL &&
					wgc_cookie_create_reply(pl->id,
						v->data, msg, len, &src,
						now) == 0) {
				pl->stage.st.handshake_tx++;
				pl_stage_send(pl, v, &it->src);
			}
			wgc_view_release(v);
			return;
		}
		if (vd != WGC_MAC_ACCEPT) {
			wgc_view_release(v);
			return;
		}
	}
	switch (type) {
	case WGC_MSG_INITIATION:
		rc = wgc_handshake_consume_initiation(pl->id, v->data, v->len,
			lookup_by_key, &kl, now, &pp);
		if (rc != 0) {
			if (kl.missed)
				pl_unknown_initiator(pl, kl.key, v, &it->src);
			break;
		}
		p = wgc_peer_from_proto(pp);
		ep_from_net(&ep, &it->src);
		wgc_peer_endpoint_set(p, &ep);
		wgc_view_trim(v, v->len);
		if (wgc_view_append(v, WGC_MSG_RESPONSE_LEN) == NULL ||
				wgc_handshake_create_response(pp, v->data,
					now) != 0)
			break;
		wgc_timers_session_derived(pp, now);
		/* an initiation is authenticated: it answers our own data */
		wgc_timers_any_authenticated_packet_received(pp, now);
		wgc_timers_any_authenticated_packet_sent(pp, now);
		wgc_timers_any_authenticated_packet_traversal(pp, now);
		pl_sched(pl, pp);
		pl->stage.st.handshake_tx++;
		pl_stage_send(pl, v, &it->src);
		break;
	case WGC_MSG_RESPONSE:
		rc = wgc_handshake_consume_response(pl->id, pl->index, v->data,
			v->len, now, &pp);
		if (rc != 0)
			break;
		p = wgc_peer_from_proto(pp);
		ep_from_net(&ep, &it->src);
		wgc_peer_endpoint_set(p, &ep);
		wgc_timers_session_derived(pp, now);
		wgc_timers_handshake_complete(pp, now);
		wgc_timers_any_authenticated_packet_received(pp, now);
		wgc_timers_any_authenticated_packet_traversal(pp, now);
		pl_handshake_done(pl, p, now);
		/* the initiator confirms the session with data or a keepalive */
		pl_flush_staged(pl, p, now, true);
		pl_sched(pl, pp);
		break;
	case WGC_MSG_COOKIE_REPLY:
		wgc_cookie_consume_reply(pl->id, pl->index, v->data, v->len,
			now, &pp);
		break;
	default:
		break;
	}
	wgc_view_release(v);
}
