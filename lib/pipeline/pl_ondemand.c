/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Peers on demand, the pipeline's part: an initiation from an unknown
 * static key goes to the configuration's hook (which keeps it while the
 * peer is looked up), and a kept initiation comes back to the handshake
 * ring to be answered once the peer is installed.
 */

#include "pl_private.h"

void
pl_unknown_initiator(struct wgc_pipeline *pl, const uint8_t key[WGC_KEY_LEN],
		const struct wgc_view *v, const struct wgc_endpoint *src)
{
	if (pl->c.unknown_initiator != NULL)
		pl->c.unknown_initiator(pl->c.unknown_initiator_ctx, key,
			v->data, v->len, src);
}

int
wgc_pipeline_handshake_inject(struct wgc_pipeline *pl, const uint8_t *msg,
		uint32_t len, const struct wgc_endpoint *src)
{
	struct hs_item it;

	if (msg == NULL || src == NULL || len == 0 ||
			len > WGC_MSG_INITIATION_LEN)
		return -EINVAL;
	if (wgc_view_alloc_bulk(pl->c.tx_recycler, &it.v, 1) != 1)
		return -ENOBUFS;
	if (wgc_view_append(&it.v, len) == NULL) {
		wgc_view_release(&it.v);
		return -ENOBUFS;
	}
	memcpy(it.v.data, msg, len);
	it.src = *src;
	/* the outer port it came in on is not kept: the routes pick */
	it.port = WGC_PEER_PORT_ROUTE;
	if (rte_ring_mp_enqueue_elem(pl->hs[pl_hs_pick(pl, src)].ring, &it,
			sizeof(it)) != 0) {
		wgc_view_release(&it.v);
		return -ENOSPC;
	}
	return 0;
}
