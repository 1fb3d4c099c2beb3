/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * libFuzzer target for the inner port's Ethernet adapter (drivers/l2):
 * every input is a burst of frames from the inner network, each a 1-byte
 * length (0..255, a runt or an empty frame included) and that many bytes.
 * The adapter's RX gives IP packets only, each its frame less 14 bytes
 * and in order; the rest are counted as not_ip, once each; the packets
 * then go back through its TX, each with our MAC, the learnt one and the
 * type of its IP version in front. After every input every buffer is back
 * in the pool.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dwerror=false
 *   ninja -C build-fuzz test/fuzz/fuzz_l2
 *   build-fuzz/test/fuzz/fuzz_l2 -max_total_time=60 test/fuzz/corpus/l2
 */

#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_iobuf.h"
#include "wgc_l2.h"
#include "../l2_lower.h"

#define NB L2_LOWER_MAX

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct l2_lower lower;
static struct wgc_l2 *l2;
static const struct rte_ether_addr our_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the lower edge's tx checks each frame's header and frees it */
static uint16_t
fake_tx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	struct l2_lower *f = ctx;
	struct rte_ether_addr peer;
	uint16_t i;

	wgc_l2_peer_mac(l2, &peer);
	for (i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh = (const void *)v[i].data;
		uint16_t type = (((const uint8_t *)(eh + 1))[0] >> 4) == 6 ?
			RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;

		/* every packet handed to tx had a byte (see below) */
		if (v[i].len < sizeof(*eh) + 1 ||
				!rte_is_same_ether_addr(&eh->src_addr, &our_mac) ||
				!rte_is_same_ether_addr(&eh->dst_addr, &peer) ||
				rte_be_to_cpu_16(eh->ether_type) != type)
			abort();
	}
	f->nout += n;
	wgc_view_release_all(v, n);
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *eal[] = { "fuzz_l2", "--no-huge", "-m", "128",
		"--no-pci", "--no-shconf", "--log-level=*:error",
		"--file-prefix=wgcl2-fuzz", NULL };
	struct wgc_l2_conf c = { .mac = our_mac, .socket_id = SOCKET_ID_ANY };

	(void)argc;
	(void)argv;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		abort();
	/* no cache: the in-use count is exact */
	pool = rte_pktmbuf_pool_create("fuzz_l2", 127, 0, 0,
		RTE_PKTMBUF_HEADROOM + 512, SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	wgc_recycler_mempool_init(&rc, pool);
	c.lower = (struct wgc_pipeline_edge){ l2_lower_rx, fake_tx, &lower };
	l2 = wgc_l2_create(&c);
	if (l2 == NULL)
		abort();
	return 0;
}

/* is this frame one the adapter must hand on? */
static int
is_ip(const uint8_t *f, uint32_t len)
{
	return len >= RTE_ETHER_HDR_LEN && ((f[12] == 0x08 && f[13] == 0) ||
		(f[12] == 0x86 && f[13] == 0xdd));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_view v[NB];
	struct wgc_l2_stats s0, s1;
	uint32_t lens[NB], want = 0, nip = 0;
	size_t off = 0;
	uint16_t n, i, k = 0;

	wgc_l2_stats(l2, &s0);
	while (off < size && lower.nin < NB) {
		uint32_t len = data[off++];
		struct rte_mbuf *m;

		if (len > size - off)
			len = (uint32_t)(size - off);
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL)
			abort();
		if (len > 0)
			memcpy(rte_pktmbuf_append(m, (uint16_t)len), data + off,
				len);
		if (is_ip(data + off, len))
			lens[nip++] = len - RTE_ETHER_HDR_LEN;
		wgc_view_from_mbuf(&lower.in[lower.nin++], m, &rc);
		want++;
		off += len;
	}
	n = wgc_l2_edge(l2).rx(l2, 0, v, NB);
	wgc_l2_stats(l2, &s1);
	if (n != nip || s1.not_ip - s0.not_ip != want - nip)
		abort();
	for (i = 0; i < n; i++) {
		if (v[i].len != lens[i])
			abort();
		/* an empty IP packet has no version to send by */
		if (v[i].len == 0)
			wgc_view_release(&v[i]);
		else if (k++ != i)
			wgc_view_claim(&v[k - 1], &v[i]);
	}
	lower.nout = 0;
	if (wgc_l2_edge(l2).tx(l2, 1, v, k) != k || lower.nout != k)
		abort();
	if (rte_mempool_in_use_count(pool) != 0)
		abort();
	return 0;
}
