/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * libFuzzer target for lib/pipeline's inner MTU handling (pl_inner.c):
 * every input is an inner IP packet (after one flags byte). It goes
 * through TCP MSS clamping on a heap buffer of exactly its size (ASan sees
 * any read past the end), then, as a packet above a 576-byte tunnel MTU,
 * through the ICMP error builder in a pool buffer. After every input: a
 * clamped segment changed only inside its TCP header and keeps a valid
 * checksum if it had one; an ICMP error fits 576 / 1280 bytes, has valid
 * checksums and quotes the packet; every buffer is back in the pool.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dwerror=false
 *   ninja -C build-fuzz test/fuzz/fuzz_inner_mtu
 *   build-fuzz/test/fuzz/fuzz_inner_mtu -max_total_time=60 \
 *       test/fuzz/corpus/inner_mtu
 */

#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "pl_private.h"
#include "wgc_iobuf.h"

#define MTU 576

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct wgc_pipeline_conf conf;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *eal[] = { "fuzz_inner_mtu", "--no-huge", "-m", "128",
		"--no-pci", "--no-shconf", "--log-level=*:error",
		"--file-prefix=wi-fuzz", NULL };

	(void)argc;
	(void)argv;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz_imtu", 63, 0, 0,
		wgc_iobuf_data_room(1600), SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	wgc_recycler_mempool_init(&rc, pool);
	conf.mtu = MTU;
	return 0;
}

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* L4 checksum of a well-formed IPv4 / IPv6 packet (0: valid), or -1 */
static int
l4_cksum(const uint8_t *ip, size_t len)
{
	uint32_t l4, l4len, s;

	if (len >= 20 && (ip[0] >> 4) == 4) {
		l4 = (ip[0] & 0xfu) * 4;
		if (l4 < 20 || ((uint32_t)ip[2] << 8 | ip[3]) > len ||
				((uint32_t)ip[2] << 8 | ip[3]) < l4)
			return -1;
		l4len = ((uint32_t)ip[2] << 8 | ip[3]) - l4;
		s = sum16(ip + 12, 8, 0) + ip[9] + l4len;
	} else if (len >= 40 && (ip[0] >> 4) == 6) {
		l4 = 40;
		l4len = (uint32_t)ip[4] << 8 | ip[5];
		if (l4 + l4len > len)
			return -1;
		s = sum16(ip + 8, 32, 0) + ip[6] + l4len;
	} else {
		return -1;
	}
	return fold(sum16(ip + l4, l4len, s));
}

static void
check_mss(const uint8_t *data, size_t size)
{
	uint8_t *h = malloc(size);
	int before = l4_cksum(data, size);
	size_t i, l4 = (data[0] >> 4) == 6 ? 40 : (data[0] & 0xfu) * 4u;

	if (h == NULL)
		abort();
	memcpy(h, data, size);
	if (pl_mss_clamp(h, (uint32_t)size, 1380, 1360)) {
		for (i = 0; i < size; i++)
			if (h[i] != data[i] && (i < l4 + 16 || i >= l4 + 60))
				abort();
		if (before == 0 && l4_cksum(h, size) != 0)
			abort();
	} else if (memcmp(h, data, size) != 0) {
		abort();
	}
	free(h);
}

static void
check_too_big(const uint8_t *data, size_t size, uint8_t flags)
{
	struct wgc_pipeline_stats st;
	struct pl_bucket b;
	struct wgc_view v, icmp;
	uint8_t *d;
	bool v6 = (data[0] >> 4) == 6;

	/* the pipeline routes only IPv4 / IPv6 headers this long */
	if (size <= MTU || (!v6 && (data[0] >> 4) != 4) ||
			(v6 && size < 40))
		return;
	memset(&st, 0, sizeof(st));
	pl_bucket_init(&b, 1000, flags & 1 ? 1 : 50, 0);
	if (flags & 2)
		pl_bucket_take(&b, 0);
	conf.icmp_src4.family = flags & 4 ? AF_INET : 0;
	conf.icmp_src6.family = flags & 4 ? AF_INET6 : 0;
	if (wgc_view_alloc_bulk(&rc, &v, 1) != 1)
		abort();
	d = wgc_view_append(&v, (uint16_t)size);
	if (d == NULL)
		abort();
	memcpy(d, data, size);
	if (pl_inner_too_big(&conf, &b, &st, &v, 0, &icmp) == 1) {
		const uint8_t *ip = icmp.data;

		if (!wgc_view_is_empty(&v) || st.icmp_tx != 1 ||
				icmp.len > (v6 ? 1280u : 576u))
			abort();
		if (v6 ? memcmp(ip + 48, data, icmp.len - 48) != 0 :
				memcmp(ip + 28, data, icmp.len - 28) != 0)
			abort();
		if (v6 ? l4_cksum(ip, icmp.len) != 0 :
				fold(sum16(ip, 20, 0)) != 0 ||
				fold(sum16(ip + 20, icmp.len - 20, 0)) != 0)
			abort();
		wgc_view_release(&icmp);
	} else if (!wgc_view_is_empty(&v)) {
		abort();
	}
	if (st.drop[WGC_PL_DROP_TOO_BIG] + st.drop[WGC_PL_DROP_TOO_BIG_NO_DF]
			!= 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t flags;

	if (size < 2 || size > 1500)
		return 0;
	flags = data[0];
	data++;
	size--;
	check_mss(data, size);
	check_too_big(data, size, flags);
	if (rte_mempool_in_use_count(pool) != 0)
		abort();
	return 0;
}
