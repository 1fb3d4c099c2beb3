/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * libFuzzer target for the TUN edge's offload path (drivers/tun): every
 * input is what one read of an IFF_VNET_HDR queue returns, a 10-byte
 * virtio_net_hdr and the packet behind it. The header is checked, partial
 * checksums completed, super-packets split into segments (each in its own
 * pool buffer), and the segments coalesced again as the TX side would
 * (GRO). After every input: every segment fits the buffer, a drop is
 * counted once, and every buffer is back in the pool.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dwerror=false
 *   ninja -C build-fuzz test/fuzz/fuzz_tun_vnet
 *   build-fuzz/test/fuzz/fuzz_tun_vnet -max_total_time=60 \
 *       test/fuzz/corpus/tun_vnet
 */

#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_iobuf.h"
#include "wgc_tun.h"

#define MTU 1420

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static uint32_t seg_max;
static uint8_t pkt[70000];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *eal[] = { "fuzz_tun_vnet", "--no-huge", "-m", "128",
		"--no-pci", "--no-shconf", "--log-level=*:error",
		"--file-prefix=wgctun-fuzz", NULL };
	struct wgc_view v;

	(void)argc;
	(void)argv;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz_tun", 1023, 0, 0,
		wgc_iobuf_data_room(MTU), SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	wgc_recycler_mempool_init(&rc, pool);
	if (wgc_view_alloc_bulk(&rc, &v, 1) != 1)
		abort();
	/* what the TUN edge allows: the buffer less the transport tag */
	seg_max = v.tailroom - 16u;
	wgc_view_release(&v);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_view v[WGC_IOBUF_BURST_MAX];
	struct virtio_net_hdr h, gh;
	struct wgc_tun_stats st;
	struct wgc_tun_gso g;
	uint64_t drops;
	uint32_t len;
	uint16_t n, k, i;
	int r;

	if (size < sizeof(h) || size - sizeof(h) > sizeof(pkt))
		return 0;
	memcpy(&h, data, sizeof(h));
	len = (uint32_t)(size - sizeof(h));
	memcpy(pkt, data + sizeof(h), len);
	memset(&st, 0, sizeof(st));
	memset(&g, 0, sizeof(g));

	r = wgc_tun_vnet_rx(&h, pkt, len, seg_max, &g, &st);
	if (r < -1 || r > 1)
		abort();
	drops = WGC_TUN_STATS_VNET_DROPS(&st);
	if ((r == -1) != (drops == 1) || drops > 1)
		abort();
	while (r == 1 && wgc_tun_gso_pending(&g)) {
		n = wgc_tun_gso_next(&g, &rc, v, RTE_DIM(v), &st);
		if (n == 0)
			abort(); /* the pool is big enough: no progress is a bug */
		for (k = 0; k < n; k++)
			if (v[k].len > seg_max)
				abort();
		/* the segments, coalesced again as TX would */
		for (i = 0; i < n; i += k) {
			k = wgc_tun_gro(v + i, (uint16_t)(n - i), &gh);
			if (k == 0 || k > n - i)
				abort();
		}
		wgc_view_release_all(v, n);
	}
	if (rte_mempool_in_use_count(pool) != 0)
		abort();
	return 0;
}
