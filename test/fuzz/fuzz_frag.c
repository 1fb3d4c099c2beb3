/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * libFuzzer target for outer reassembly (lib/net + rte_ip_frag): every
 * input is a sequence of fragments, 6 bytes each:
 *
 *   byte 0   bit 0 more fragments, bit 1 IPv6, bit 2 frame cut short,
 *            bit 3 not UDP, bits 4..7 datagram id (16 datagrams at once)
 *   1..2     offset in 8-byte units (13 bits)
 *   3..4     fragment length in bytes (11 bits, at most 1480)
 *   5        fill byte; offset 0 carries a UDP header to our port whose
 *            length is 8 + 16 x this byte (checksum 0: valid over IPv4)
 *
 * The fragments go through wgc_net_rx() in bursts of up to 8 on a port
 * with a small table (8 datagrams); reassembled datagrams are checked
 * and released. After each input wgc_net_frag_flush() drops what is
 * still in reassembly: then every buffer must be back in the pool.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dwerror=false \
 *       -Db_lundef=false
 *   ninja -C build-fuzz test/fuzz/fuzz_frag
 *   build-fuzz/test/fuzz/fuzz_frag -max_total_time=60 \
 *       test/fuzz/corpus/frag
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_iobuf.h"
#include "wgc_net.h"

#define REC 6
#define BURST 8

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct wgc_net_port *port;
static const struct rte_ether_addr us = { { 2, 0, 0, 0, 0, 1 } };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *eal[] = { "fuzz_frag", "--no-huge", "-m", "128",
		"--no-pci", "--no-shconf", "--log-level=*:error", "-l", "0",
		"--file-prefix=wgcfrag-fuzz", NULL };
	struct wgc_net_port_conf c;

	(void)argc;
	(void)argv;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz_frag", 511, 0, 0,
		wgc_iobuf_data_room(1500), SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	wgc_recycler_mempool_init(&rc, pool);
	memset(&c, 0, sizeof(c));
	c.name = "fuzz_frag";
	c.mac = us;
	c.listen_port = 51820;
	c.nb_ip4 = 1;
	wgc_prefix_parse(&c.ip4[0], "10.0.0.1/24", WGC_PREFIX_IFADDR, NULL);
	c.nb_ip6 = 1;
	wgc_prefix_parse(&c.ip6[0], "fd00::1/64", WGC_PREFIX_IFADDR, NULL);
	c.pool = pool;
	c.neigh_size = 16;
	c.slow_ring_size = 64;
	c.frag_entries = 8;
	port = wgc_net_port_create(&c);
	if (port == NULL)
		abort();
	return 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* one fragment frame from a record; 0, or -1 when nothing was made */
static int
frame(const uint8_t *r, struct wgc_view *v)
{
	bool more = r[0] & 1, v6 = r[0] & 2, cut = r[0] & 4, tcp = r[0] & 8;
	uint16_t id = r[0] >> 4;
	uint32_t ofs = ((uint32_t)(r[1] << 8 | r[2]) & 0x1fff) * 8;
	uint32_t len = (uint32_t)(r[3] << 8 | r[4]) & 0x7ff;
	uint16_t l3 = v6 ? 48 : 20;
	uint8_t *d, *ip, *p;

	if (len > 1480)
		len = 1480;
	if (wgc_view_alloc_bulk(&rc, v, 1) != 1)
		abort();
	d = wgc_view_append(v, (uint16_t)(14 + l3 + len));
	if (d == NULL) {
		wgc_view_release(v);
		return -1;
	}
	memcpy(d, &us, 6);
	memcpy(d + 6, "\x02\x00\x00\x00\x00\x09", 6);
	ip = d + 14;
	memset(ip, 0, l3);
	if (v6) {
		put16(d + 12, 0x86dd);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(8 + len));
		ip[6] = 44;
		ip[7] = 64;
		inet_pton(AF_INET6, "fd00::9", ip + 8);
		inet_pton(AF_INET6, "fd00::1", ip + 24);
		ip[40] = tcp ? 6 : 17;
		put16(ip + 42, (uint16_t)(ofs | more));
		put16(ip + 46, id);
	} else {
		uint32_t s = 0, i;

		put16(d + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + len));
		put16(ip + 4, id);
		put16(ip + 6, (uint16_t)(ofs / 8 | (more ? 0x2000 : 0)));
		ip[8] = 64;
		ip[9] = tcp ? 6 : 17;
		inet_pton(AF_INET, "10.0.0.9", ip + 12);
		inet_pton(AF_INET, "10.0.0.1", ip + 16);
		for (i = 0; i < 20; i += 2)
			s += (uint32_t)ip[i] << 8 | ip[i + 1];
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		put16(ip + 10, (uint16_t)~s);
	}
	p = ip + l3;
	memset(p, r[5], len);
	if (ofs == 0 && len >= 8) {
		put16(p, 40000);
		put16(p + 2, 51820);
		put16(p + 4, (uint16_t)(8 + 16 * r[5]));
		put16(p + 6, 0);
	}
	if (cut)
		wgc_view_trim(v, v->len / 2);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_view v[BURST];
	struct wgc_net_meta m[BURST];
	size_t off = 0;
	uint16_t n = 0, k, i;

	if (size > 64 * REC)
		return 0;
	while (off + REC <= size || n > 0) {
		if (off + REC <= size && frame(data + off, &v[n]) == 0)
			n++;
		off += REC;
		if (n < BURST && off + REC <= size)
			continue;
		k = wgc_net_rx(port, v, m, n);
		for (i = 0; i < k; i++) {
			/* a datagram to our port, within its UDP length */
			if (m[i].cls != WGC_NET_CLASS_WG ||
					v[i].len > 65535 - 8)
				abort();
		}
		wgc_view_release_all(v, k);
		n = 0;
	}
	wgc_net_frag_poll(port);
	wgc_net_frag_flush(port);
	if (rte_mempool_in_use_count(pool) != 0) {
		fprintf(stderr, "fuzz_frag: %u buffers out after a flush\n",
			rte_mempool_in_use_count(pool));
		abort();
	}
	return 0;
}
