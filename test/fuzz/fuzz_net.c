/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * libFuzzer target for lib/net: every input is a frame as it would come
 * off the outer port. It is classified, dispatched, answered by the slow
 * path (ARP / ND / echo, in place), and its payload window is
 * re-encapsulated; the port's slow poll then runs its timers. Frames live
 * in the port's own mempool, so the usual invariants are checked after
 * every input: nothing crashes, every buffer is back in the pool.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dwerror=false
 *   ninja -C build-fuzz test/fuzz/fuzz_net
 *   build-fuzz/test/fuzz/fuzz_net -max_total_time=60 \
 *       test/fuzz/corpus/net
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_iobuf.h"
#include "wgc_net.h"

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct wgc_net_port *ports[2];
static uint64_t now_ms;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *eal[] = { "fuzz_net", "--no-huge", "-m", "128",
		"--no-pci", "--no-shconf", "--log-level=*:error",
		"--file-prefix=wgcnet-fuzz", NULL };
	struct wgc_net_port_conf c;
	unsigned int i;

	(void)argc;
	(void)argv;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz_net", 255, 0, 0,
		wgc_iobuf_data_room(1500), SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	wgc_recycler_mempool_init(&rc, pool);
	for (i = 0; i < 2; i++) {
		memset(&c, 0, sizeof(c));
		c.name = i ? "fuzz_vlan" : "fuzz";
		c.mac = (struct rte_ether_addr){ { 2, 0, 0, 0, 0, 1 } };
		c.vlan = i ? 100 : 0;
		c.listen_port = 51820;
		c.nb_ip4 = 1;
		wgc_prefix_parse(&c.ip4[0], "10.0.0.1/24", WGC_PREFIX_IFADDR,
			NULL);
		wgc_addr_parse(&c.gw4, "10.0.0.254");
		c.nb_ip6 = 1;
		wgc_prefix_parse(&c.ip6[0], "fd00::1/64", WGC_PREFIX_IFADDR,
			NULL);
		wgc_addr_parse(&c.gw6, "fd00::fe");
		c.pool = pool;
		c.neigh_size = 16;
		c.slow_ring_size = 64;
		ports[i] = wgc_net_port_create(&c);
		if (ports[i] == NULL)
			abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_net_port *p;
	struct wgc_view v, out[32];
	struct wgc_net_meta m;
	uint8_t *d;
	uint16_t n;

	if (size < 1 || size > 1600)
		return 0;
	p = ports[data[0] & 1];
	data++;
	size--;
	if (wgc_view_alloc_bulk(&rc, &v, 1) != 1)
		abort();
	d = wgc_view_append(&v, (uint16_t)size);
	if (d == NULL) {
		wgc_view_release(&v);
		return 0;
	}
	memcpy(d, data, size);

	/* worker side: classify and dispatch; echo wireguard payloads back */
	n = wgc_net_rx(p, &v, &m, 1);
	if (n == 1) {
		if (v.len > size)
			abort();
		if (wgc_net_encap(p, &v, &m.src, 1) == 1) {
			if (v.len != (uint32_t)size && v.len > size + 66u)
				abort();
			wgc_view_release(&v);
		}
	}
	/* fragments in reassembly are fuzz_frag's business */
	wgc_net_frag_flush(p);
	/* slow path: replies, learning, timers (time moves 250 ms a frame) */
	now_ms += 250;
	n = wgc_net_slow_poll(p, now_ms, out, RTE_DIM(out));
	wgc_view_release_all(out, n);
	if (rte_mempool_in_use_count(pool) != 0) {
		/* only held frames may stay (bounded by the table) */
		struct wgc_net_neigh_info ni[16];
		unsigned int i, k, held = 0;

		k = wgc_net_neigh_list(p, ni, RTE_DIM(ni));
		for (i = 0; i < k; i++)
			held += ni[i].held;
		k = wgc_net_neigh_list(ports[!(data[-1] & 1)], ni,
			RTE_DIM(ni));
		for (i = 0; i < k; i++)
			held += ni[i].held;
		if (rte_mempool_in_use_count(pool) != held) {
			fprintf(stderr, "fuzz_net: %u buffers out, %u held\n",
				rte_mempool_in_use_count(pool), held);
			abort();
		}
	}
	return 0;
}
