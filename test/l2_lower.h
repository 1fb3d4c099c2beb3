/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _L2_LOWER_H_
#define _L2_LOWER_H_

/*
 * A scripted lower edge under drivers/l2's adapter, for test_l2.c and
 * fuzz_l2.c: its rx hands out the views queued in `in` (then none until
 * more are queued); each user brings its own tx.
 */

#include <rte_common.h>

#include "wgc_iobuf.h"
#include "wgc_pipeline.h"

#define L2_LOWER_MAX WGC_PIPELINE_BURST

struct l2_lower {
	struct wgc_view in[L2_LOWER_MAX];   /* queued for the next rx */
	uint16_t nin;
	struct wgc_view out[L2_LOWER_MAX];  /* what tx kept, if it keeps */
	uint16_t nout;
	uint16_t out_q;                     /* queue of the last tx */
};

static __rte_unused uint16_t
l2_lower_rx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	struct l2_lower *f = ctx;
	uint16_t i, k = RTE_MIN(n, f->nin);

	for (i = 0; i < k; i++)
		wgc_view_claim(&v[i], &f->in[i]);
	f->nin = 0;
	return k;
}

#endif /* _L2_LOWER_H_ */
