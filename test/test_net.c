/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * lib/net: classification of every class and drop reason, ARP / ND / echo
 * replies byte for byte, the neighbour table on an injected clock, routing
 * and in-place encap with independently verified checksums.
 *
 * Frames are built here from scratch; checksums are checked with a
 * reference implementation in this file, not with lib/net's.
 */

#include <arpa/inet.h>
#include <time.h>
#include <netinet/in.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_iobuf.h"
#include "wgc_net.h"
#include "wgc_test.h"
#include "test_ref.h"

#define POOL_N 255
#define LPORT 51820

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct wgc_net_port *port;

static const struct rte_ether_addr our_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr peer_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };
static const struct rte_ether_addr gw_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe } };
static const struct rte_ether_addr bcast = {
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static uint32_t
ip4(const char *s)
{
	uint32_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void
ip6(const char *s, uint8_t *a)
{
	inet_pton(AF_INET6, s, a);
}

/* checksum (host order) over an IPv4 / IPv6 pseudo-header + l4 */
static uint16_t
ref_l4_4(const uint8_t *ip, const uint8_t *l4, uint32_t len, uint8_t proto)
{
	uint32_t s = ref_sum(ip + 12, 8, 0) + proto + len;

	return ref_fold(ref_sum(l4, len, s));
}

static uint16_t
ref_l4_6(const uint8_t *ip, const uint8_t *l4, uint32_t len, uint8_t proto)
{
	uint32_t s = ref_sum(ip + 8, 32, 0) + proto + len;

	return ref_fold(ref_sum(l4, len, s));
}

static int
net_setup_conf(struct wgc_net_port_conf *c)
{
	pool = rte_pktmbuf_pool_create("t_net", POOL_N, 0, 0,
		wgc_iobuf_data_room(1500), SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	c->pool = pool;
	port = wgc_net_port_create(c);
	return port == NULL ? TEST_FAILED : TEST_SUCCESS;
}

static void
base_conf(struct wgc_net_port_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "t_net";
	c->mac = our_mac;
	c->listen_port = LPORT;
	c->nb_ip4 = 1;
	wgc_prefix_parse(&c->ip4[0], "10.0.0.1/24", WGC_PREFIX_IFADDR, NULL);
	wgc_addr_parse(&c->gw4, "10.0.0.254");
	c->nb_ip6 = 1;
	wgc_prefix_parse(&c->ip6[0], "fd00::1/64", WGC_PREFIX_IFADDR, NULL);
	wgc_addr_parse(&c->gw6, "fd00::fe");
	c->neigh_size = 16;
	c->slow_ring_size = 64;
}

static int
net_setup(void)
{
	struct wgc_net_port_conf c;

	base_conf(&c);
	return net_setup_conf(&c);
}

static int
net_setup_vlan(void)
{
	struct wgc_net_port_conf c;

	base_conf(&c);
	c.vlan = 100;
	return net_setup_conf(&c);
}

static void
net_teardown(void)
{
	wgc_net_port_free(port);
	port = NULL;
	rte_mempool_free(pool);
	pool = NULL;
}

/* ---- frame builders ---- */

static uint8_t *
new_view(struct wgc_view *v, uint16_t len)
{
	uint8_t *d;

	if (wgc_view_alloc_bulk(&rc, v, 1) != 1)
		return NULL;
	d = wgc_view_append(v, len);
	memset(d, 0, len);
	return d;
}

/* Ethernet (+ VLAN if vlan >= 0); returns the L3 offset */
static uint16_t
put_l2(uint8_t *d, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, int vlan, uint16_t type)
{
	memcpy(d, dst, 6);
	memcpy(d + 6, src, 6);
	if (vlan < 0) {
		put16(d + 12, type);
		return 14;
	}
	put16(d + 12, 0x8100);
	put16(d + 14, (uint16_t)vlan);
	put16(d + 16, type);
	return 18;
}

struct frame {
	struct wgc_view v;
	uint8_t *d;
	uint16_t l3, l4;
	uint8_t *payload;
};

static void
ip4_hdr(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto,
		uint16_t l4len)
{
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, ref_fold(ref_sum(ip, 20, 0)));
}

static void
ip6_hdr(uint8_t *ip, const uint8_t *src, const uint8_t *dst, uint8_t nh,
		uint16_t l4len, uint8_t hops)
{
	ip[0] = 0x60;
	put16(ip + 4, l4len);
	ip[6] = nh;
	ip[7] = hops;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/* UDP over IPv4 from src:sport to dst:dport, plen payload bytes (0xa5..) */
static int
mk_udp4(struct frame *f, int vlan, uint32_t src, uint16_t sport,
		uint32_t dst, uint16_t dport, uint16_t plen, uint16_t pad)
{
	uint16_t l2 = vlan < 0 ? 14 : 18, i;
	uint8_t *u;

	f->d = new_view(&f->v, (uint16_t)(l2 + 28 + plen + pad));
	if (f->d == NULL)
		return -1;
	put_l2(f->d, &our_mac, &peer_mac, vlan, 0x0800);
	f->l3 = l2;
	f->l4 = (uint16_t)(l2 + 20);
	u = f->d + f->l4;
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + plen));
	f->payload = u + 8;
	for (i = 0; i < plen; i++)
		f->payload[i] = (uint8_t)(0xa5 + i);
	ip4_hdr(f->d + l2, src, dst, 17, (uint16_t)(8 + plen));
	put16(u + 6, ref_l4_4(f->d + l2, u, 8 + plen, 17));
	return 0;
}

static int
mk_udp6(struct frame *f, int vlan, const char *src, uint16_t sport,
		const char *dst, uint16_t dport, uint16_t plen)
{
	uint16_t l2 = vlan < 0 ? 14 : 18, i;
	uint8_t s[16], t[16], *u;

	f->d = new_view(&f->v, (uint16_t)(l2 + 48 + plen));
	if (f->d == NULL)
		return -1;
	put_l2(f->d, &our_mac, &peer_mac, vlan, 0x86dd);
	ip6(src, s);
	ip6(dst, t);
	f->l3 = l2;
	f->l4 = (uint16_t)(l2 + 40);
	ip6_hdr(f->d + l2, s, t, 17, (uint16_t)(8 + plen), 64);
	u = f->d + f->l4;
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + plen));
	f->payload = u + 8;
	for (i = 0; i < plen; i++)
		f->payload[i] = (uint8_t)(0x5a + i);
	put16(u + 6, ref_l4_6(f->d + l2, u, 8 + plen, 17));
	return 0;
}

static int
mk_echo4(struct frame *f, uint32_t src, uint32_t dst, uint16_t plen)
{
	uint8_t *ic;
	uint16_t i;

	f->d = new_view(&f->v, (uint16_t)(14 + 20 + 8 + plen));
	if (f->d == NULL)
		return -1;
	put_l2(f->d, &our_mac, &peer_mac, -1, 0x0800);
	f->l3 = 14;
	f->l4 = 34;
	ip4_hdr(f->d + 14, src, dst, 1, (uint16_t)(8 + plen));
	ic = f->d + 34;
	ic[0] = 8;
	put16(ic + 4, 0x4242);
	put16(ic + 6, 7);
	for (i = 0; i < plen; i++)
		ic[8 + i] = (uint8_t)i;
	put16(ic + 2, ref_fold(ref_sum(ic, 8 + plen, 0)));
	return 0;
}

static int
mk_echo6(struct frame *f, const char *src, const char *dst, uint16_t plen)
{
	uint8_t s[16], t[16], *ic;
	uint16_t i;

	f->d = new_view(&f->v, (uint16_t)(14 + 40 + 8 + plen));
	if (f->d == NULL)
		return -1;
	put_l2(f->d, &our_mac, &peer_mac, -1, 0x86dd);
	ip6(src, s);
	ip6(dst, t);
	f->l3 = 14;
	f->l4 = 54;
	ip6_hdr(f->d + 14, s, t, 58, (uint16_t)(8 + plen), 64);
	ic = f->d + 54;
	ic[0] = 128;
	put16(ic + 4, 0x4242);
	put16(ic + 6, 9);
	for (i = 0; i < plen; i++)
		ic[8 + i] = (uint8_t)(i * 3);
	put16(ic + 2, ref_l4_6(f->d + 14, ic, 8 + plen, 58));
	return 0;
}

static int
mk_arp(struct frame *f, int vlan, const struct rte_ether_addr *dmac,
		uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
		uint32_t tip)
{
	uint16_t l2 = vlan < 0 ? 14 : 18;
	uint8_t *a;

	f->d = new_view(&f->v, (uint16_t)(l2 + 28));
	if (f->d == NULL)
		return -1;
	put_l2(f->d, dmac, sha, vlan, 0x0806);
	f->l3 = l2;
	a = f->d + l2;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, &sip, 4);
	if (op == 2)
		memcpy(a + 18, &our_mac, 6);
	memcpy(a + 24, &tip, 4);
	return 0;
}

/* NS (type 135) or NA (136) from src to dst for target, with an option */
static int
mk_nd(struct frame *f, uint8_t type, const char *src, const char *dst,
		const char *target, const struct rte_ether_addr *lladdr,
		uint8_t hops, uint32_t flags)
{
	uint8_t s[16], t[16], tg[16], *ic;
	uint16_t l4len = lladdr ? 32 : 24;
	struct rte_ether_addr dmac;

	ip6(src, s);
	ip6(dst, t);
	ip6(target, tg);
	f->d = new_view(&f->v, (uint16_t)(14 + 40 + l4len));
	if (f->d == NULL)
		return -1;
	if (t[0] == 0xff) {
		dmac.addr_bytes[0] = 0x33;
		dmac.addr_bytes[1] = 0x33;
		memcpy(&dmac.addr_bytes[2], t + 12, 4);
	} else {
		dmac = our_mac;
	}
	put_l2(f->d, &dmac, &peer_mac, -1, 0x86dd);
	f->l3 = 14;
	f->l4 = 54;
	ip6_hdr(f->d + 14, s, t, 58, l4len, hops);
	ic = f->d + 54;
	ic[0] = type;
	ic[4] = (uint8_t)(flags >> 24);
	memcpy(ic + 8, tg, 16);
	if (lladdr != NULL) {
		ic[24] = type == 135 ? 1 : 2;
		ic[25] = 1;
		memcpy(ic + 26, lladdr, 6);
	}
	put16(ic + 2, ref_l4_6(f->d + 14, ic, l4len, 58));
	return 0;
}

/* ---- checks ---- */

static int
classify_one(struct frame *f, unsigned int cls, unsigned int reason)
{
	struct wgc_net_meta m;
	uint16_t n;

	memset(&m, 0xee, sizeof(m));
	n = wgc_net_classify(port, &f->v, &m, 1);
	TEST_ASSERT_EQUAL(m.cls, cls, "class %s, expected %s (reason %s)",
		wgc_net_class_name(m.cls), wgc_net_class_name(cls),
		wgc_net_drop_name(m.reason));
	TEST_ASSERT_EQUAL(n, cls == WGC_NET_CLASS_WG ? 1 : 0, "count");
	if (cls == WGC_NET_CLASS_DROP)
		TEST_ASSERT_EQUAL(m.reason, reason, "reason %s, expected %s",
			wgc_net_drop_name(m.reason), wgc_net_drop_name(reason));
	return TEST_SUCCESS;
}

/* classify f, expecting a drop for reason, through wgc_net_rx too */
static int
expect_drop(struct frame *f, unsigned int reason, const char *what)
{
	struct wgc_net_stats before, after;
	struct wgc_net_meta m;
	int rc;

	rc = classify_one(f, WGC_NET_CLASS_DROP, reason);
	if (rc != TEST_SUCCESS) {
		printf("  case: %s\n", what);
		wgc_view_release(&f->v);
		return rc;
	}
	wgc_net_stats_get(port, &before);
	TEST_ASSERT_EQUAL(wgc_net_rx(port, &f->v, &m, 1), 0, "%s: rx", what);
	TEST_ASSERT(wgc_view_is_empty(&f->v), "%s: view not taken", what);
	wgc_net_stats_get(port, &after);
	TEST_ASSERT_EQUAL(after.drop[reason], before.drop[reason] + 1,
		"%s: counter", what);
	return TEST_SUCCESS;
}

static int
test_net_classify_wg(void)
{
	struct wgc_net_meta m;
	struct frame f;
	uint8_t s6[16];
	uint8_t *payload;
	uint16_t plen;

	/* IPv4, with Ethernet padding after a short datagram */
	TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, ip4("192.0.2.7"), 40000,
		ip4("10.0.0.1"), LPORT, 4, 20), "build");
	payload = f.payload;
	TEST_ASSERT_EQUAL(wgc_net_classify(port, &f.v, &m, 1), 1, "wg");
	TEST_ASSERT_EQUAL(m.cls, WGC_NET_CLASS_WG, "class");
	TEST_ASSERT_EQUAL(f.v.data, payload, "view starts at the payload");
	TEST_ASSERT_EQUAL(f.v.len, 4u, "padding trimmed");
	TEST_ASSERT_EQUAL(f.v.headroom, RTE_PKTMBUF_HEADROOM + 42,
		"headers kept in headroom");
	TEST_ASSERT_EQUAL(m.src.addr.family, AF_INET, "family");
	TEST_ASSERT_EQUAL(m.src.addr.ip4, ip4("192.0.2.7"), "src ip");
	TEST_ASSERT_EQUAL(m.src.port, 40000, "src port");
	TEST_ASSERT_EQUAL(m.vlan, 0, "vlan");
	wgc_view_release(&f.v);

	/* a zero UDP checksum is fine over IPv4 */
	TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, ip4("192.0.2.7"), 40000,
		ip4("10.0.0.1"), LPORT, 32, 0), "build");
	put16(f.d + f.l4 + 6, 0);
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_WG, 0));
	TEST_ASSERT_EQUAL(f.v.len, 32u, "len");
	wgc_view_release(&f.v);

	/* IPv6 */
	TEST_ASSERT_SUCCESS(mk_udp6(&f, -1, "2001:db8::7", 40001, "fd00::1",
		LPORT, 148), "build");
	payload = f.payload;
	TEST_ASSERT_EQUAL(wgc_net_classify(port, &f.v, &m, 1), 1, "wg6");
	TEST_ASSERT_EQUAL(f.v.data, payload, "payload6");
	TEST_ASSERT_EQUAL(f.v.len, 148u, "len6");
	TEST_ASSERT_EQUAL(payload[0], 0x5a, "payload bytes");
	ip6("2001:db8::7", s6);
	TEST_ASSERT_EQUAL(m.src.addr.family, AF_INET6, "family6");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(m.src.addr.bytes, s6, 16, "src6");
	TEST_ASSERT_EQUAL(m.src.port, 40001, "port6");
	wgc_view_release(&f.v);

	/* every payload length (odd ones too): good passes, one bit fails */
	for (plen = 1; plen < 300; plen += 7) {
		TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, ip4("192.0.2.7"), 1,
			ip4("10.0.0.1"), LPORT, plen, 0), "build");
		TEST_CHECK(classify_one(&f, WGC_NET_CLASS_WG, 0));
		TEST_ASSERT_EQUAL(f.v.len, plen, "len %u", plen);
		wgc_view_release(&f.v);
		TEST_ASSERT_SUCCESS(mk_udp6(&f, -1, "2001:db8::7", 1, "fd00::1",
			LPORT, plen), "build");
		f.payload[plen - 1] ^= 0x80;
		TEST_CHECK(classify_one(&f, WGC_NET_CLASS_DROP,
			WGC_NET_DROP_UDP_CKSUM));
		wgc_view_release(&f.v);
	}
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_classify_wg_autotest, fast, net_setup,
	test_net_classify_wg, net_teardown);

static int
test_net_classify_slow(void)
{
	struct frame f;

	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 1, &peer_mac,
		ip4("10.0.0.2"), ip4("10.0.0.1")), "arp");
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_ARP, 0));
	wgc_view_release(&f.v);
	TEST_ASSERT_SUCCESS(mk_nd(&f, 135, "fd00::2", "ff02::1:ff00:1",
		"fd00::1", &peer_mac, 255, 0), "ns");
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_ND, 0));
	wgc_view_release(&f.v);
	TEST_ASSERT_SUCCESS(mk_nd(&f, 136, "fd00::2", "fd00::1", "fd00::2",
		&peer_mac, 255, 0x60000000), "na");
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_ND, 0));
	wgc_view_release(&f.v);
	TEST_ASSERT_SUCCESS(mk_echo4(&f, ip4("10.0.0.2"), ip4("10.0.0.1"),
		56), "echo4");
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_ECHO, 0));
	wgc_view_release(&f.v);
	TEST_ASSERT_SUCCESS(mk_echo6(&f, "fd00::2", "fd00::1", 56), "echo6");
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_ECHO, 0));
	wgc_view_release(&f.v);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_classify_slow_autotest, fast, net_setup,
	test_net_classify_slow, net_teardown);

/*
 * The software UDP checksum (lib/net's vectorised sum) on every payload
 * length from 0 to 1472 with random bytes, against the reference: the
 * datagram is accepted, and with one bit flipped it is dropped.
 */
static int
test_net_udp_cksum_lengths(void)
{
	uint32_t peer = ip4("192.0.2.7"), us = ip4("10.0.0.1");
	uint64_t seed = 0x5eed;
	struct frame f;
	uint16_t plen, i, ck;

	for (plen = 0; plen <= 1472; plen++) {
		TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, peer, 40000, us, LPORT,
			plen, 0), "build %u", plen);
		for (i = 0; i < plen; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			f.payload[i] = (uint8_t)(seed >> 56);
		}
		put16(f.d + f.l4 + 6, 0);
		ck = ref_l4_4(f.d + f.l3, f.d + f.l4, 8u + plen, 17);
		put16(f.d + f.l4 + 6, ck == 0 ? 0xffff : ck);
		if (classify_one(&f, WGC_NET_CLASS_WG, 0) != TEST_SUCCESS) {
			printf("  payload %u bytes\n", plen);
			wgc_view_release(&f.v);
			return TEST_FAILED;
		}
		wgc_view_release(&f.v);
		if (plen == 0)
			continue;
		TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, peer, 40000, us, LPORT,
			plen, 0), "build %u", plen);
		f.payload[(seed >> 8) % plen] ^= (uint8_t)(1u << (seed & 7));
		if (classify_one(&f, WGC_NET_CLASS_DROP,
				WGC_NET_DROP_UDP_CKSUM) != TEST_SUCCESS) {
			printf("  payload %u bytes, one bit flipped\n", plen);
			wgc_view_release(&f.v);
			return TEST_FAILED;
		}
		wgc_view_release(&f.v);
	}
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_udp_cksum_lengths_autotest, fast, net_setup,
	test_net_udp_cksum_lengths, net_teardown);

static int
test_net_classify_drops(void)
{
	uint32_t peer = ip4("192.0.2.7"), us = ip4("10.0.0.1");
	struct frame f;
	uint8_t *ip;

#define UDP4() TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, peer, 40000, us, LPORT, \
	64, 0), "build")
#define UDP6() TEST_ASSERT_SUCCESS(mk_udp6(&f, -1, "2001:db8::7", 40000, \
	"fd00::1", LPORT, 64), "build")
#define REIP4CK() do { put16(ip + 10, 0); \
	put16(ip + 10, ref_fold(ref_sum(ip, (ip[0] & 0xf) * 4, 0))); } while (0)

	/* runts */
	f.d = new_view(&f.v, 10);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_RUNT, "10-byte frame"));
	UDP4();
	wgc_view_trim(&f.v, f.v.len - 24);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_RUNT, "short IPv4"));
	UDP6();
	wgc_view_trim(&f.v, f.v.len - 40);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_RUNT, "short IPv6"));
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 1, &peer_mac, peer, us),
		"arp");
	wgc_view_trim(&f.v, 4);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_RUNT, "short ARP"));

	/* Ethernet */
	UDP4();
	f.d[0] = 0x02;
	f.d[5] = 0x77;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_NOT_OUR_MAC, "other MAC"));
	UDP4();
	put16(f.d + 12, 0x88cc);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ETHERTYPE, "LLDP"));
	TEST_ASSERT_SUCCESS(mk_udp4(&f, 7, peer, 40000, us, LPORT, 64, 0),
		"vlan");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_VLAN, "tag on untagged port"));
	UDP4();
	put16(f.d + 12, 0x88a8);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_VLAN, "QinQ"));

	/* IPv4 header */
	UDP4();
	ip = f.d + f.l3;
	ip[0] = 0x55;
	REIP4CK();
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP4_HDR, "version 5"));
	UDP4();
	ip = f.d + f.l3;
	ip[0] = 0x44;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP4_HDR, "IHL 4"));
	UDP4();
	ip = f.d + f.l3;
	ip[0] = 0x4f;
	wgc_view_trim(&f.v, f.v.len - 14 - 40);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP4_HDR, "IHL past frame"));
	UDP4();
	ip = f.d + f.l3;
	put16(ip + 2, (uint16_t)(get16(ip + 2) + 1));
	REIP4CK();
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP4_LEN, "total > frame"));
	UDP4();
	ip = f.d + f.l3;
	put16(ip + 2, 19);
	REIP4CK();
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP4_LEN, "total < IHL"));
	UDP4();
	ip = f.d + f.l3;
	ip[11] ^= 0x01;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP4_CKSUM, "IP checksum"));
	UDP4();
	ip = f.d + f.l3;
	put16(ip + 6, 0x2000);  /* MF */
	REIP4CK();
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_FRAG, 0));
	wgc_view_release(&f.v);
	UDP4();
	ip = f.d + f.l3;
	put16(ip + 6, 0x0010);  /* offset 128 */
	REIP4CK();
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_FRAG, 0));
	wgc_view_release(&f.v);
	UDP4();
	ip = f.d + f.l3;
	put16(ip + 6, 0x2010);
	ip[9] = 6;              /* a TCP fragment is not reassembled */
	REIP4CK();
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP4_FRAG, "TCP fragment"));
	UDP4();
	ip = f.d + f.l3;
	put16(ip + 2, (uint16_t)(get16(ip + 2) - 1));
	put16(ip + 6, 0x2000);  /* MF with a length not a multiple of 8 */
	REIP4CK();
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_FRAG_MALFORMED, "odd MF"));
	UDP4();
	ip = f.d + f.l3;
	put16(ip + 6, 0x1fff);  /* offset 65528: past 64 KiB */
	REIP4CK();
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_FRAG_MALFORMED, "> 64 KiB"));
	UDP4();
	ip = f.d + f.l3;
	put16(ip + 6, 0x4000);  /* DF alone is fine */
	REIP4CK();
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_WG, 0));
	wgc_view_release(&f.v);
	TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, peer, 40000, ip4("10.0.0.9"),
		LPORT, 64, 0), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_NOT_OUR_IP, "other IPv4"));
	UDP4();
	ip = f.d + f.l3;
	ip[9] = 6;
	REIP4CK();
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_PROTO, "TCP"));

	/* UDP over IPv4 */
	UDP4();
	put16(f.d + f.l4 + 4, 73);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_UDP_LEN, "UDP len > IP"));
	UDP4();
	put16(f.d + f.l4 + 4, 7);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_UDP_LEN, "UDP len < 8"));
	UDP4();
	f.payload[3] ^= 0x40;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_UDP_CKSUM, "UDP checksum"));
	TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, peer, 40000, us, 53, 64, 0), "p");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_UDP_PORT, "wrong port"));

	/* IPv6 */
	UDP6();
	f.d[f.l3] = 0x40;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP6_HDR, "version 4 in v6"));
	UDP6();
	put16(f.d + f.l3 + 4, 100);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP6_HDR, "payload > frame"));
	UDP6();
	f.d[f.l3 + 6] = 0;      /* hop-by-hop */
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP6_EXT, "hop-by-hop"));
	UDP6();
	f.d[f.l3 + 6] = 44;     /* fragment */
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_IP6_EXT, "v6 fragment"));
	UDP6();
	f.d[f.l3 + 6] = 6;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_PROTO, "TCP over v6"));
	TEST_ASSERT_SUCCESS(mk_udp6(&f, -1, "2001:db8::7", 40000, "fd00::9",
		LPORT, 64), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_NOT_OUR_IP, "other IPv6"));
	UDP6();
	put16(f.d + f.l4 + 6, 0);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_UDP_CKSUM, "zero cksum v6"));
	UDP6();
	f.payload[0] ^= 1;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_UDP_CKSUM, "bad cksum v6"));
	UDP6();
	put16(f.d + f.l4 + 4, 100);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_UDP_LEN, "UDP len v6"));
	TEST_ASSERT_SUCCESS(mk_udp6(&f, -1, "2001:db8::7", 40000, "fd00::1",
		443, 64), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_UDP_PORT, "wrong port v6"));

	/* ICMP */
	TEST_ASSERT_SUCCESS(mk_echo4(&f, peer, us, 8), "echo");
	f.d[f.l4 + 9] ^= 1;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP, "echo checksum"));
	TEST_ASSERT_SUCCESS(mk_echo4(&f, peer, us, 8), "echo");
	f.d[f.l4] = 13;         /* timestamp */
	put16(f.d + f.l4 + 2, 0);
	put16(f.d + f.l4 + 2, ref_fold(ref_sum(f.d + f.l4, 16, 0)));
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP, "ICMP type 13"));
	TEST_ASSERT_SUCCESS(mk_echo6(&f, "fd00::2", "fd00::1", 8), "echo6");
	f.d[f.l4 + 9] ^= 1;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP, "echo6 checksum"));

	/* ARP and ND */
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 1, &peer_mac, peer,
		ip4("10.0.0.3")), "arp");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ARP, "ARP for another IP"));
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 1, &peer_mac, peer, us),
		"arp");
	f.d[f.l3 + 4] = 8;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ARP, "ARP hlen 8"));
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 3, &peer_mac, peer, us),
		"arp");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ARP, "RARP opcode"));
	TEST_ASSERT_SUCCESS(mk_nd(&f, 135, "fd00::2", "ff02::1:ff00:1",
		"fd00::1", &peer_mac, 254, 0), "ns");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ND, "NS hop limit 254"));
	TEST_ASSERT_SUCCESS(mk_nd(&f, 135, "fd00::2", "ff02::1:ff00:1",
		"fd00::1", &peer_mac, 255, 0), "ns");
	f.d[f.l4 + 25] = 0;     /* option length 0 */
	put16(f.d + f.l4 + 2, 0);
	put16(f.d + f.l4 + 2, ref_l4_6(f.d + f.l3, f.d + f.l4, 32, 58));
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ND, "ND option length 0"));
	TEST_ASSERT_SUCCESS(mk_nd(&f, 135, "fd00::2", "ff02::1:ff00:9",
		"fd00::9", &peer_mac, 255, 0), "ns");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_NOT_OUR_IP,
		"NS to another solicited-node group"));
	TEST_ASSERT_SUCCESS(mk_nd(&f, 135, "fd00::2", "fd00::1", "fd00::9",
		&peer_mac, 255, 0), "ns");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ND, "NS for another target"));
#undef UDP4
#undef UDP6
#undef REIP4CK
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_classify_drops_autotest, fast, net_setup,
	test_net_classify_drops, net_teardown);

static int
test_net_classify_vlan(void)
{
	struct wgc_net_meta m;
	struct frame f;

	TEST_ASSERT_SUCCESS(mk_udp4(&f, 100, ip4("192.0.2.7"), 40000,
		ip4("10.0.0.1"), LPORT, 64, 0), "tagged");
	TEST_ASSERT_EQUAL(wgc_net_classify(port, &f.v, &m, 1), 1, "wg");
	TEST_ASSERT_EQUAL(m.vlan, 100, "vlan");
	TEST_ASSERT_EQUAL(f.v.len, 64u, "len");
	TEST_ASSERT_EQUAL(f.v.data, f.payload, "payload");
	wgc_view_release(&f.v);
	TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, ip4("192.0.2.7"), 40000,
		ip4("10.0.0.1"), LPORT, 64, 0), "untagged");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_VLAN, "untagged"));
	TEST_ASSERT_SUCCESS(mk_udp4(&f, 200, ip4("192.0.2.7"), 40000,
		ip4("10.0.0.1"), LPORT, 64, 0), "other tag");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_VLAN, "vlan 200"));
	TEST_ASSERT_SUCCESS(mk_udp4(&f, 100, ip4("192.0.2.7"), 40000,
		ip4("10.0.0.1"), LPORT, 64, 0), "stacked");
	put16(f.d + 16, 0x8100);
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_VLAN, "two tags"));
	TEST_ASSERT_SUCCESS(mk_udp6(&f, 100, "2001:db8::7", 40000, "fd00::1",
		LPORT, 16), "tagged v6");
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_WG, 0));
	wgc_view_release(&f.v);
	TEST_ASSERT_SUCCESS(mk_arp(&f, 100, &bcast, 1, &peer_mac,
		ip4("10.0.0.2"), ip4("10.0.0.1")), "arp");
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_ARP, 0));
	wgc_view_release(&f.v);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_classify_vlan_autotest, fast, net_setup_vlan,
	test_net_classify_vlan, net_teardown);

/* wgc_net_rx: dispatch of a mixed burst, slow path through the ring */
static int
test_net_rx_dispatch(void)
{
	struct wgc_view v[6], out[8];
	struct wgc_net_meta m[6];
	struct wgc_net_stats st;
	struct frame f;
	uint8_t *p0, *p1;
	uint16_t n, i;

	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 1, &peer_mac,
		ip4("10.0.0.2"), ip4("10.0.0.1")), "arp");
	v[0] = f.v;
	TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, ip4("192.0.2.7"), 40000,
		ip4("10.0.0.1"), LPORT, 32, 0), "wg");
	v[1] = f.v;
	p0 = f.payload;
	TEST_ASSERT_SUCCESS(mk_udp4(&f, -1, ip4("192.0.2.7"), 40000,
		ip4("10.0.0.1"), 9, 32, 0), "bad port");
	v[2] = f.v;
	TEST_ASSERT_SUCCESS(mk_echo4(&f, ip4("10.0.0.2"), ip4("10.0.0.1"), 8),
		"echo");
	v[3] = f.v;
	TEST_ASSERT_SUCCESS(mk_udp6(&f, -1, "2001:db8::7", 40001, "fd00::1",
		LPORT, 48), "wg6");
	v[4] = f.v;
	p1 = f.payload;
	f.d = new_view(&f.v, 3);
	v[5] = f.v;

	n = wgc_net_rx(port, v, m, 6);
	TEST_ASSERT_EQUAL(n, 2, "two wireguard packets");
	TEST_ASSERT_EQUAL(v[0].data, p0, "first wg compacted to 0");
	TEST_ASSERT_EQUAL(v[1].data, p1, "second wg compacted to 1");
	TEST_ASSERT_EQUAL(m[1].src.port, 40001, "meta moved along");
	for (i = 2; i < 6; i++)
		TEST_ASSERT(wgc_view_is_empty(&v[i]), "view %u left", i);
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.rx_wg, 2u, "rx_wg");
	TEST_ASSERT_EQUAL(st.rx_arp, 1u, "rx_arp");
	TEST_ASSERT_EQUAL(st.rx_echo, 1u, "rx_echo");
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_UDP_PORT], 1u, "port drop");
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_RUNT], 1u, "runt drop");
	wgc_view_release_all(v, n);

	/* the slow path answers both queued frames (plus gateway requests) */
	n = wgc_net_slow_poll(port, 1000, out, RTE_DIM(out));
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.arp_reply_tx, 1u, "ARP reply");
	TEST_ASSERT_EQUAL(st.echo_reply_tx, 1u, "echo reply");
	TEST_ASSERT_EQUAL(st.arp_request_tx, 1u, "gateway4 resolution");
	TEST_ASSERT_EQUAL(st.nd_ns_tx, 1u, "gateway6 resolution");
	TEST_ASSERT_EQUAL(n, 4, "four frames out");
	wgc_view_release_all(out, n);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_rx_dispatch_autotest, fast, net_setup,
	test_net_rx_dispatch, net_teardown);

/* ---- ICMP errors arriving on the outer port ---- */

/*
 * An ICMP (v4) error from src to dst (us) quoting qlen bytes of an IPv4 /
 * UDP datagram qsrc:51820 -> 192.0.2.7:40000.
 */
static int
mk_icmp_err4(struct frame *f, uint8_t type, uint8_t code, uint32_t qsrc,
		uint16_t qlen)
{
	uint8_t *ic, *q;

	f->d = new_view(&f->v, (uint16_t)(14 + 20 + 8 + qlen));
	if (f->d == NULL)
		return -1;
	put_l2(f->d, &our_mac, &peer_mac, -1, 0x0800);
	f->l3 = 14;
	f->l4 = 34;
	ip4_hdr(f->d + 14, ip4("192.0.2.254"), ip4("10.0.0.1"), 1,
		(uint16_t)(8 + qlen));
	ic = f->d + 34;
	ic[0] = type;
	ic[1] = code;
	put16(ic + 6, 1280);
	q = ic + 8;
	if (qlen >= 28) {
		ip4_hdr(q, qsrc, ip4("192.0.2.7"), 17, 8 + 100);
		put16(q + 20, LPORT);
		put16(q + 22, 40000);
		put16(q + 24, 108);
	}
	put16(ic + 2, ref_fold(ref_sum(ic, 8 + qlen, 0)));
	return 0;
}

/* an ICMPv6 error from 2001:db8::fe to fd00::1 quoting qlen bytes of an
 * IPv6 / UDP datagram qsrc -> 2001:db8::7 */
static int
mk_icmp_err6(struct frame *f, uint8_t type, uint8_t code, const char *qsrc,
		uint16_t qlen)
{
	uint8_t s[16], t[16], qs[16], *ic, *q;

	f->d = new_view(&f->v, (uint16_t)(14 + 40 + 8 + qlen));
	if (f->d == NULL)
		return -1;
	put_l2(f->d, &our_mac, &peer_mac, -1, 0x86dd);
	ip6("2001:db8::fe", s);
	ip6("fd00::1", t);
	ip6(qsrc, qs);
	f->l3 = 14;
	f->l4 = 54;
	ip6_hdr(f->d + 14, s, t, 58, (uint16_t)(8 + qlen), 64);
	ic = f->d + 54;
	ic[0] = type;
	ic[1] = code;
	put16(ic + 6, 1280);
	q = ic + 8;
	if (qlen >= 48) {
		ip6(qsrc, qs);
		ip6("2001:db8::7", t);
		ip6_hdr(q, qs, t, 17, 108, 64);
		put16(q + 40, LPORT);
		put16(q + 42, 40000);
	}
	put16(ic + 2, ref_l4_6(f->d + 14, ic, 8 + qlen, 58));
	return 0;
}

/* classified as an ICMP error, then consumed and counted by wgc_net_rx */
static int
expect_icmp_err(struct frame *f, const char *what)
{
	struct wgc_net_stats before, after;
	struct wgc_net_meta m;
	int rc;

	rc = classify_one(f, WGC_NET_CLASS_ICMP_ERR, 0);
	if (rc != TEST_SUCCESS) {
		printf("  case: %s\n", what);
		wgc_view_release(&f->v);
		return rc;
	}
	wgc_net_stats_get(port, &before);
	TEST_ASSERT_EQUAL(wgc_net_rx(port, &f->v, &m, 1), 0, "%s: rx", what);
	TEST_ASSERT(wgc_view_is_empty(&f->v), "%s: view not taken", what);
	wgc_net_stats_get(port, &after);
	TEST_ASSERT_EQUAL(after.rx_icmp_error, before.rx_icmp_error + 1,
		"%s: counter", what);
	TEST_ASSERT_EQUAL(after.rx_echo + after.rx_arp + after.rx_nd,
		before.rx_echo + before.rx_arp + before.rx_nd,
		"%s: not queued for the slow path", what);
	return TEST_SUCCESS;
}

static int
test_net_icmp_errors(void)
{
	uint32_t us = ip4("10.0.0.1");
	struct wgc_view out[8];
	struct frame f;
	uint16_t n;

	/* valid errors about our own datagrams: consumed, counted */
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 3, 4, us, 28), "build");
	TEST_CHECK(expect_icmp_err(&f, "frag needed"));
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 3, 3, us, 128), "build");
	TEST_CHECK(expect_icmp_err(&f, "port unreachable, long quote"));
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 11, 0, us, 28), "build");
	TEST_CHECK(expect_icmp_err(&f, "time exceeded"));
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 12, 0, us, 28), "build");
	TEST_CHECK(expect_icmp_err(&f, "parameter problem"));
	TEST_ASSERT_SUCCESS(mk_icmp_err6(&f, 2, 0, "fd00::1", 48), "build");
	TEST_CHECK(expect_icmp_err(&f, "packet too big"));
	TEST_ASSERT_SUCCESS(mk_icmp_err6(&f, 1, 4, "fd00::1", 200), "build");
	TEST_CHECK(expect_icmp_err(&f, "v6 port unreachable"));
	TEST_ASSERT_SUCCESS(mk_icmp_err6(&f, 3, 0, "fd00::1", 48), "build");
	TEST_CHECK(expect_icmp_err(&f, "v6 time exceeded"));
	TEST_ASSERT_SUCCESS(mk_icmp_err6(&f, 4, 1, "fd00::1", 48), "build");
	TEST_CHECK(expect_icmp_err(&f, "v6 parameter problem"));

	/* malformed: counted drops */
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 3, 4, us, 28), "build");
	f.d[f.l4 + 20] ^= 1;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "checksum"));
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 3, 4, us, 12), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "quote short"));
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 3, 4, us, 0), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "no quote"));
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 3, 16, us, 28), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "code 16"));
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 11, 2, us, 28), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "code 2"));
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 3, 4, ip4("10.0.0.9"), 28),
		"build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR,
		"about a datagram that is not ours"));
	TEST_ASSERT_SUCCESS(mk_icmp_err4(&f, 3, 4, us, 28), "build");
	f.d[f.l4 + 8] = 0x65;   /* quoted version 6 */
	put16(f.d + f.l4 + 2, 0);
	put16(f.d + f.l4 + 2, ref_fold(ref_sum(f.d + f.l4, 36, 0)));
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "quoted v6"));
	TEST_ASSERT_SUCCESS(mk_icmp_err6(&f, 2, 0, "fd00::1", 48), "build");
	f.d[f.l4 + 30] ^= 1;
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "v6 checksum"));
	TEST_ASSERT_SUCCESS(mk_icmp_err6(&f, 2, 0, "fd00::1", 40), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "v6 quote short"));
	TEST_ASSERT_SUCCESS(mk_icmp_err6(&f, 2, 1, "fd00::1", 48), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "PTB code 1"));
	TEST_ASSERT_SUCCESS(mk_icmp_err6(&f, 1, 9, "fd00::1", 48), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR, "unreach code 9"));
	TEST_ASSERT_SUCCESS(mk_icmp_err6(&f, 2, 0, "fd00::9", 48), "build");
	TEST_CHECK(expect_drop(&f, WGC_NET_DROP_ICMP_ERROR,
		"v6 about a datagram that is not ours"));

	/* the slow path has nothing to answer */
	n = wgc_net_slow_poll(port, 1000, out, RTE_DIM(out));
	{
		struct wgc_net_stats st;

		wgc_net_stats_get(port, &st);
		TEST_ASSERT_EQUAL(st.echo_reply_tx, 0u, "no reply to errors");
	}
	wgc_view_release_all(out, n);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_icmp_errors_autotest, fast, net_setup,
	test_net_icmp_errors, net_teardown);

static int
test_net_arp_reply(void)
{
	static const uint8_t expect[42] = {
		/* Ethernet: to the asker, from us */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
		/* ARP reply */
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 10, 0, 0, 1,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 10, 0, 0, 2,
	};
	struct rte_ether_addr mac;
	struct wgc_addr a;
	struct wgc_view out;
	struct frame f;
	unsigned int i;

	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 1, &peer_mac,
		ip4("10.0.0.2"), ip4("10.0.0.1")), "arp");
	/* the request's padding (garbage here) must not be echoed */
	memset(f.d + f.v.len, 0xa5, 18);
	TEST_ASSERT_NOT_NULL(wgc_view_append(&f.v, 18), "pad");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 5, &f.v, &out), 1, "reply");
	TEST_ASSERT(wgc_view_is_empty(&f.v), "request taken");
	TEST_ASSERT_EQUAL(out.len, 60u, "reply padded to the minimum frame");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out.data, expect, sizeof(expect),
		"reply bytes");
	for (i = sizeof(expect); i < 60; i++)
		TEST_ASSERT_EQUAL(out.data[i], 0, "padding byte %u is zero", i);
	TEST_ASSERT_EQUAL(out.data, f.d, "answered in place");
	wgc_view_release(&out);

	/* the asker was learned */
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.ip4 = ip4("10.0.0.2");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_lookup(port, &a, &mac), "learned");
	TEST_ASSERT(rte_is_same_ether_addr(&mac, &peer_mac), "MAC");

	/* a reply teaches too, and produces nothing */
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &our_mac, 2, &gw_mac,
		ip4("10.0.0.254"), ip4("10.0.0.1")), "reply");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 6, &f.v, &out), 0, "none");
	a.ip4 = ip4("10.0.0.254");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_lookup(port, &a, &mac), "gw");
	TEST_ASSERT(rte_is_same_ether_addr(&mac, &gw_mac), "gw MAC");

	/* an off-link sender is answered but creates no entry */
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 1, &peer_mac,
		ip4("192.0.2.9"), ip4("10.0.0.1")), "off-link");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 7, &f.v, &out), 1, "reply");
	wgc_view_release(&out);
	a.ip4 = ip4("192.0.2.9");
	TEST_ASSERT_EQUAL(wgc_net_neigh_lookup(port, &a, &mac), -ENOENT,
		"off-link sender not learned");

	/* gratuitous ARP: a known neighbour moves, an unknown one is not added */
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 1, &gw_mac,
		ip4("10.0.0.2"), ip4("10.0.0.2")), "garp");
	TEST_CHECK(classify_one(&f, WGC_NET_CLASS_ARP, 0));
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 8, &f.v, &out), 0,
		"no answer to a gratuitous ARP");
	a.ip4 = ip4("10.0.0.2");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_lookup(port, &a, &mac), "known");
	TEST_ASSERT(rte_is_same_ether_addr(&mac, &gw_mac), "MAC updated");
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &bcast, 1, &gw_mac,
		ip4("10.0.0.33"), ip4("10.0.0.33")), "garp");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 8, &f.v, &out), 0, "-");
	a.ip4 = ip4("10.0.0.33");
	TEST_ASSERT_EQUAL(wgc_net_neigh_lookup(port, &a, &mac), -ENOENT,
		"unknown not added");
	return TEST_SUCCESS;
}

static int
test_net_arp_vlan(void)
{
	struct wgc_view out;
	struct frame f;

	TEST_ASSERT_SUCCESS(mk_arp(&f, 100, &bcast, 1, &peer_mac,
		ip4("10.0.0.2"), ip4("10.0.0.1")), "arp");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 5, &f.v, &out), 1, "reply");
	TEST_ASSERT_EQUAL(out.len, 60u, "tagged reply, padded");
	TEST_ASSERT_EQUAL(get16(out.data + 12), 0x8100, "TPID kept");
	TEST_ASSERT_EQUAL(get16(out.data + 14), 100, "VLAN kept");
	TEST_ASSERT_EQUAL(get16(out.data + 16), 0x0806, "ARP");
	TEST_ASSERT_EQUAL(get16(out.data + 18 + 6), 2, "reply");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out.data + 18 + 8, &our_mac, 6, "sha");
	wgc_view_release(&out);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_arp_vlan_autotest, fast, net_setup_vlan,
	test_net_arp_vlan, net_teardown);
WGC_TEST_REGISTER_FULL(net_arp_reply_autotest, fast, net_setup,
	test_net_arp_reply, net_teardown);

/* check an NA: addresses, flags, target, TLLA, checksums (reference) */
static int
check_na(const struct wgc_view *v, const char *src, const char *dst,
		const struct rte_ether_addr *dmac, uint8_t flags)
{
	uint8_t s[16], t[16];
	const uint8_t *ip = v->data + 14, *ic = v->data + 54;

	ip6(src, s);
	ip6(dst, t);
	TEST_ASSERT_EQUAL(v->len, 14u + 40 + 32, "NA length");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(v->data, dmac, 6, "dst MAC");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(v->data + 6, &our_mac, 6, "src MAC");
	TEST_ASSERT_EQUAL(get16(v->data + 12), 0x86dd, "ethertype");
	TEST_ASSERT_EQUAL(ip[0], 0x60, "version");
	TEST_ASSERT_EQUAL(get16(ip + 4), 32, "payload length");
	TEST_ASSERT_EQUAL(ip[6], 58, "ICMPv6");
	TEST_ASSERT_EQUAL(ip[7], 255, "hop limit");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 8, s, 16, "src");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 24, t, 16, "dst");
	TEST_ASSERT_EQUAL(ic[0], 136, "type NA");
	TEST_ASSERT_EQUAL(ic[1], 0, "code");
	TEST_ASSERT_EQUAL(ic[4], flags, "flags");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ic + 8, s, 16, "target");
	TEST_ASSERT_EQUAL(ic[24], 2, "TLLA option");
	TEST_ASSERT_EQUAL(ic[25], 1, "option length");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ic + 26, &our_mac, 6, "TLLA");
	TEST_ASSERT_EQUAL(ref_l4_6(ip, ic, 32, 58), 0, "ICMPv6 checksum");
	return TEST_SUCCESS;
}

static int
test_net_nd(void)
{
	static const struct rte_ether_addr all_nodes_mac = {
		{ 0x33, 0x33, 0, 0, 0, 1 } };
	struct rte_ether_addr mac;
	struct wgc_addr a;
	struct wgc_view out;
	struct frame f;
	char ll[64];
	uint8_t lla[16];

	/* NS to our solicited-node group: solicited + override NA */
	TEST_ASSERT_SUCCESS(mk_nd(&f, 135, "fd00::2", "ff02::1:ff00:1",
		"fd00::1", &peer_mac, 255, 0), "ns");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 5, &f.v, &out), 1, "NA");
	TEST_CHECK(check_na(&out, "fd00::1", "fd00::2", &peer_mac, 0x60));
	wgc_view_release(&out);
	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	ip6("fd00::2", a.bytes);
	TEST_ASSERT_SUCCESS(wgc_net_neigh_lookup(port, &a, &mac), "learned");
	TEST_ASSERT(rte_is_same_ether_addr(&mac, &peer_mac), "MAC");

	/* NS without SLLA (tailroom grows the frame for our option) */
	TEST_ASSERT_SUCCESS(mk_nd(&f, 135, "fd00::3", "fd00::1", "fd00::1",
		NULL, 255, 0), "ns unicast");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 5, &f.v, &out), 1, "NA");
	TEST_CHECK(check_na(&out, "fd00::1", "fd00::3", &peer_mac, 0x60));
	wgc_view_release(&out);

	/* DAD probe: answer to all-nodes, not solicited */
	TEST_ASSERT_SUCCESS(mk_nd(&f, 135, "::", "ff02::1:ff00:1", "fd00::1",
		NULL, 255, 0), "dad");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 5, &f.v, &out), 1, "NA");
	TEST_CHECK(check_na(&out, "fd00::1", "ff02::1", &all_nodes_mac, 0x20));
	wgc_view_release(&out);

	/* our link-local address (fe80::EUI-64 of 02:00:00:00:00:01) */
	snprintf(ll, sizeof(ll), "fe80::ff:fe00:1");
	ip6(ll, lla);
	TEST_ASSERT_SUCCESS(mk_nd(&f, 135, "fe80::2", "ff02::1:ff00:1", ll,
		&peer_mac, 255, 0), "ns ll");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 5, &f.v, &out), 1, "NA ll");
	TEST_CHECK(check_na(&out, ll, "fe80::2", &peer_mac, 0x60));
	wgc_view_release(&out);

	/* NA without Override does not move a known neighbour; with it, does */
	TEST_ASSERT_SUCCESS(mk_nd(&f, 136, "fd00::2", "fd00::1", "fd00::2",
		&gw_mac, 255, 0x40000000), "na S");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 6, &f.v, &out), 0, "quiet");
	ip6("fd00::2", a.bytes);
	TEST_ASSERT_SUCCESS(wgc_net_neigh_lookup(port, &a, &mac), "known");
	TEST_ASSERT(rte_is_same_ether_addr(&mac, &peer_mac), "not overridden");
	TEST_ASSERT_SUCCESS(mk_nd(&f, 136, "fd00::2", "fd00::1", "fd00::2",
		&gw_mac, 255, 0x60000000), "na SO");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 7, &f.v, &out), 0, "quiet");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_lookup(port, &a, &mac), "known");
	TEST_ASSERT(rte_is_same_ether_addr(&mac, &gw_mac), "overridden");

	/* NA for an address we never asked about: not learned */
	TEST_ASSERT_SUCCESS(mk_nd(&f, 136, "fd00::5", "fd00::1", "fd00::5",
		&gw_mac, 255, 0x60000000), "na");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 5, &f.v, &out), 0, "quiet");
	ip6("fd00::5", a.bytes);
	TEST_ASSERT_EQUAL(wgc_net_neigh_lookup(port, &a, &mac), -ENOENT,
		"unsolicited NA ignored");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_nd_autotest, fast, net_setup, test_net_nd,
	net_teardown);

static int
test_net_echo(void)
{
	struct wgc_view out;
	struct frame f;
	uint8_t req[200];
	uint16_t len;
	uint8_t *ip, *ic;

	TEST_ASSERT_SUCCESS(mk_echo4(&f, ip4("10.0.0.2"), ip4("10.0.0.1"), 56),
		"echo");
	len = (uint16_t)f.v.len;
	memcpy(req, f.d, len);
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 1, &f.v, &out), 1, "reply");
	TEST_ASSERT_EQUAL(out.len, len, "same length");
	ip = out.data + 14;
	ic = out.data + 34;
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out.data, &peer_mac, 6, "dst MAC");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(out.data + 6, &our_mac, 6, "src MAC");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 12, req + 14 + 16, 4, "src = us");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 16, req + 14 + 12, 4, "dst = them");
	TEST_ASSERT_EQUAL(ref_fold(ref_sum(ip, 20, 0)), 0, "IP checksum");
	TEST_ASSERT_EQUAL(ic[0], 0, "echo reply");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ic + 4, req + 34 + 4, 8 + 56 - 4,
		"id, seq and data kept");
	TEST_ASSERT_EQUAL(ref_fold(ref_sum(ic, 64, 0)), 0, "ICMP checksum");
	wgc_view_release(&out);

	TEST_ASSERT_SUCCESS(mk_echo6(&f, "fd00::2", "fd00::1", 56), "echo6");
	len = (uint16_t)f.v.len;
	memcpy(req, f.d, len);
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 1, &f.v, &out), 1, "reply");
	TEST_ASSERT_EQUAL(out.len, len, "same length");
	ip = out.data + 14;
	ic = out.data + 54;
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 8, req + 14 + 24, 16, "src = us");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 24, req + 14 + 8, 16, "dst = them");
	TEST_ASSERT_EQUAL(ic[0], 129, "echo reply");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ic + 4, req + 54 + 4, 60, "data kept");
	TEST_ASSERT_EQUAL(ref_l4_6(ip, ic, 64, 58), 0, "ICMPv6 checksum");
	wgc_view_release(&out);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_echo_autotest, fast, net_setup, test_net_echo,
	net_teardown);

static int
test_net_route(void)
{
	struct wgc_endpoint ep;
	struct wgc_addr nh;

	TEST_ASSERT_SUCCESS(wgc_net_endpoint_parse("10.0.0.77", false, &ep),
		"parse");
	TEST_ASSERT_SUCCESS(wgc_net_route(port, &ep.addr, &nh), "on-link");
	TEST_ASSERT_EQUAL(nh.ip4, ip4("10.0.0.77"), "itself");
	TEST_ASSERT_SUCCESS(wgc_net_endpoint_parse("198.51.100.1", false, &ep),
		"parse");
	TEST_ASSERT_SUCCESS(wgc_net_route(port, &ep.addr, &nh), "off-link");
	TEST_ASSERT_EQUAL(nh.ip4, ip4("10.0.0.254"), "gateway");
	TEST_ASSERT_SUCCESS(wgc_net_endpoint_parse("fd00::42", false, &ep),
		"parse");
	TEST_ASSERT_SUCCESS(wgc_net_route(port, &ep.addr, &nh), "on-link6");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(nh.bytes, ep.addr.bytes, 16, "itself6");
	TEST_ASSERT_SUCCESS(wgc_net_endpoint_parse("fe80::9", false, &ep),
		"parse");
	TEST_ASSERT_SUCCESS(wgc_net_route(port, &ep.addr, &nh), "link-local");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(nh.bytes, ep.addr.bytes, 16, "ll itself");
	TEST_ASSERT_SUCCESS(wgc_net_endpoint_parse("2001:db8::1", false, &ep),
		"parse");
	TEST_ASSERT_SUCCESS(wgc_net_route(port, &ep.addr, &nh), "gw6");
	TEST_ASSERT_EQUAL(nh.bytes[15], 0xfe, "gateway6");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_route_autotest, fast, net_setup, test_net_route,
	net_teardown);

static int
test_net_route_nogw(void)
{
	struct wgc_net_port_conf c;
	struct wgc_net_port *p;
	struct wgc_endpoint ep;
	struct wgc_addr nh;
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create("t_net_ng", 63, 0, 0, 2048,
		SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(mp, "pool");
	base_conf(&c);
	c.name = "t_net_ng";
	c.pool = mp;
	memset(&c.gw4, 0, sizeof(c.gw4));
	c.nb_ip6 = 0;
	memset(&c.gw6, 0, sizeof(c.gw6));
	p = wgc_net_port_create(&c);
	TEST_ASSERT_NOT_NULL(p, "create");
	wgc_net_endpoint_parse("198.51.100.1", false, &ep);
	TEST_ASSERT_EQUAL(wgc_net_route(p, &ep.addr, &nh), -ENETUNREACH,
		"no gateway");
	wgc_net_endpoint_parse("fd00::1", false, &ep);
	TEST_ASSERT_EQUAL(wgc_net_route(p, &ep.addr, &nh), -ENETUNREACH,
		"no IPv6");
	wgc_net_port_free(p);

	/* configuration errors */
	c.listen_port = 0;
	TEST_ASSERT_NULL(wgc_net_port_create(&c), "port 0");
	c.listen_port = 1;
	c.vlan = 4095;
	TEST_ASSERT_NULL(wgc_net_port_create(&c), "vlan 4095");
	c.vlan = 0;
	c.neigh_size = 100;
	TEST_ASSERT_NULL(wgc_net_port_create(&c), "table size");
	c.neigh_size = 0;
	c.ip4[0].len = 33;
	TEST_ASSERT_NULL(wgc_net_port_create(&c), "prefix");
	c.ip4[0].len = 24;
	c.ip4[0].addr.family = AF_INET6;
	TEST_ASSERT_NULL(wgc_net_port_create(&c), "an IPv6 address in ip4");
	c.ip4[0].addr.family = AF_INET;
	c.gw4.family = AF_INET6;
	TEST_ASSERT_NULL(wgc_net_port_create(&c), "an IPv6 gateway4");
	memset(&c.gw4, 0, sizeof(c.gw4));
	c.pool = NULL;
	TEST_ASSERT_NULL(wgc_net_port_create(&c), "no pool");
	rte_mempool_free(mp);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(net_route_nogw_autotest, fast, test_net_route_nogw);

static int
test_net_endpoint(void)
{
	struct wgc_endpoint a, b;
	char buf[64];

	TEST_ASSERT_SUCCESS(wgc_net_endpoint_parse("192.0.2.1:51820", true,
		&a), "v4");
	TEST_ASSERT_EQUAL(a.addr.family, AF_INET, "family");
	TEST_ASSERT_EQUAL(a.port, 51820, "port");
	wgc_endpoint_format(&a, buf, sizeof(buf));
	TEST_ASSERT(strcmp(buf, "192.0.2.1:51820") == 0, "format %s", buf);
	TEST_ASSERT_SUCCESS(wgc_net_endpoint_parse("[fd00::1]:7", true, &b),
		"v6");
	wgc_endpoint_format(&b, buf, sizeof(buf));
	TEST_ASSERT(strcmp(buf, "[fd00::1]:7") == 0, "format %s", buf);
	TEST_ASSERT(!wgc_endpoint_equal(&a, &b), "differ");
	b = a;
	TEST_ASSERT(wgc_endpoint_equal(&a, &b), "equal");
	TEST_ASSERT_FAIL(wgc_net_endpoint_parse("192.0.2.1", true, &a),
		"port required");
	TEST_ASSERT_FAIL(wgc_net_endpoint_parse("192.0.2.1:0", true, &a),
		"port 0");
	TEST_ASSERT_FAIL(wgc_net_endpoint_parse("192.0.2.1:65536", true, &a),
		"port range");
	TEST_ASSERT_FAIL(wgc_net_endpoint_parse("192.0.2.1:-1", true, &a),
		"negative");
	TEST_ASSERT_FAIL(wgc_net_endpoint_parse("[fd00::1", true, &a),
		"bracket");
	TEST_ASSERT_FAIL(wgc_net_endpoint_parse("300.0.0.1:1", true, &a),
		"octet");
	TEST_ASSERT_FAIL(wgc_net_endpoint_parse("", false, &a), "empty");
	TEST_ASSERT_SUCCESS(wgc_net_endpoint_parse("fd00::1", false, &a),
		"bare v6");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(net_endpoint_autotest, fast, test_net_endpoint);

/* ---- encap ---- */

static int
check_encap4(const struct wgc_view *v, int vlan, const struct rte_ether_addr *dmac,
		uint32_t dst, uint16_t dport, const uint8_t *payload,
		uint16_t plen)
{
	uint16_t l2 = vlan < 0 ? 14 : 18;
	const uint8_t *ip = v->data + l2, *u = ip + 20;

	TEST_ASSERT_EQUAL(v->len, (uint32_t)l2 + 28 + plen, "frame length");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(v->data, dmac, 6, "dst MAC");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(v->data + 6, &our_mac, 6, "src MAC");
	if (vlan >= 0) {
		TEST_ASSERT_EQUAL(get16(v->data + 12), 0x8100, "TPID");
		TEST_ASSERT_EQUAL(get16(v->data + 14), vlan, "TCI");
	}
	TEST_ASSERT_EQUAL(get16(v->data + l2 - 2), 0x0800, "ethertype");
	TEST_ASSERT_EQUAL(ip[0], 0x45, "version/IHL");
	TEST_ASSERT_EQUAL(get16(ip + 2), 28 + plen, "total length");
	TEST_ASSERT_EQUAL(get16(ip + 6) & 0x3fff, 0, "no fragment");
	TEST_ASSERT_EQUAL(ip[8], 64, "TTL");
	TEST_ASSERT_EQUAL(ip[9], 17, "UDP");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 12, &(uint32_t){ ip4("10.0.0.1") },
		4, "src ip");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 16, &dst, 4, "dst ip");
	TEST_ASSERT_EQUAL(ref_fold(ref_sum(ip, 20, 0)), 0, "IPv4 checksum");
	TEST_ASSERT_EQUAL(get16(u), LPORT, "src port");
	TEST_ASSERT_EQUAL(get16(u + 2), dport, "dst port");
	TEST_ASSERT_EQUAL(get16(u + 4), 8 + plen, "UDP length");
	TEST_ASSERT_NOT_EQUAL(get16(u + 6), 0, "UDP checksum present");
	TEST_ASSERT_EQUAL(ref_l4_4(ip, u, 8 + plen, 17), 0, "UDP checksum");
	TEST_ASSERT_EQUAL(u + 8, payload, "payload not moved");
	return TEST_SUCCESS;
}

static int
test_net_encap(void)
{
	struct wgc_endpoint dst[3];
	struct wgc_addr gw;
	struct wgc_view v[3];
	uint8_t *pl[3];
	const uint8_t *ip, *u;
	struct wgc_net_meta m;
	uint8_t d6[16];
	unsigned int i;

	/* the gateways are known; the on-link peer too */
	memset(&gw, 0, sizeof(gw));
	gw.family = AF_INET;
	gw.ip4 = ip4("10.0.0.254");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_add(port, &gw, &gw_mac, 0), "gw4");
	gw.ip4 = ip4("10.0.0.2");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_add(port, &gw, &peer_mac, 0), "nb");
	gw.family = AF_INET6;
	ip6("fd00::fe", gw.bytes);
	TEST_ASSERT_SUCCESS(wgc_net_neigh_add(port, &gw, &gw_mac, 0), "gw6");

	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, v, 3), 3, "alloc");
	for (i = 0; i < 3; i++) {
		pl[i] = wgc_view_append(&v[i], 148);
		memset(pl[i], 0x10 + i, 148);
	}
	wgc_net_endpoint_parse("198.51.100.9:4500", true, &dst[0]);
	wgc_net_endpoint_parse("10.0.0.2:51821", true, &dst[1]);
	wgc_net_endpoint_parse("[2001:db8::9]:1234", true, &dst[2]);
	TEST_ASSERT_EQUAL(wgc_net_encap(port, v, dst, 3), 3, "all ready");
	TEST_CHECK(check_encap4(&v[0], -1, &gw_mac, ip4("198.51.100.9"), 4500,
		pl[0], 148));
	TEST_CHECK(check_encap4(&v[1], -1, &peer_mac, ip4("10.0.0.2"), 51821,
		pl[1], 148));

	/* IPv6 */
	ip = v[2].data + 14;
	u = ip + 40;
	ip6("2001:db8::9", d6);
	TEST_ASSERT_EQUAL(v[2].len, 14u + 48 + 148, "frame6");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(v[2].data, &gw_mac, 6, "gw6 MAC");
	TEST_ASSERT_EQUAL(get16(v[2].data + 12), 0x86dd, "ethertype6");
	TEST_ASSERT_EQUAL(ip[0] >> 4, 6, "version");
	TEST_ASSERT_EQUAL(get16(ip + 4), 156, "payload length");
	TEST_ASSERT_EQUAL(ip[6], 17, "UDP");
	TEST_ASSERT_EQUAL(ip[7], 64, "hop limit");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 24, d6, 16, "dst6");
	ip6("fd00::1", d6);
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ip + 8, d6, 16, "src6");
	TEST_ASSERT_EQUAL(get16(u), LPORT, "sport6");
	TEST_ASSERT_EQUAL(get16(u + 2), 1234, "dport6");
	TEST_ASSERT_NOT_EQUAL(get16(u + 6), 0, "UDP checksum present");
	TEST_ASSERT_EQUAL(ref_l4_6(ip, u, 156, 17), 0, "UDP checksum6");
	TEST_ASSERT_EQUAL(u + 8, pl[2], "payload6 not moved");

	/* what we send, we would accept (sent to ourselves) */
	memcpy(v[1].data, &our_mac, 6);
	memcpy(v[1].data + 14 + 16, &(uint32_t){ ip4("10.0.0.1") }, 4);
	put16(v[1].data + 14 + 10, 0);
	put16(v[1].data + 14 + 10, ref_fold(ref_sum(v[1].data + 14, 20, 0)));
	put16(v[1].data + 34 + 2, LPORT);
	put16(v[1].data + 34 + 6, 0);
	put16(v[1].data + 34 + 6, ref_l4_4(v[1].data + 14, v[1].data + 34,
		156, 17));
	TEST_ASSERT_EQUAL(wgc_net_classify(port, &v[1], &m, 1), 1, "loop");
	TEST_ASSERT_EQUAL(v[1].data, pl[1], "payload window restored");
	wgc_view_release_all(v, 3);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_encap_autotest, fast, net_setup, test_net_encap,
	net_teardown);

static int
test_net_encap_vlan(void)
{
	struct wgc_endpoint dst;
	struct wgc_addr gw;
	struct wgc_view v;
	uint8_t *pl;

	memset(&gw, 0, sizeof(gw));
	gw.family = AF_INET;
	gw.ip4 = ip4("10.0.0.254");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_add(port, &gw, &gw_mac, 0), "gw4");
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, &v, 1), 1, "alloc");
	pl = wgc_view_append(&v, 33);
	memset(pl, 0x77, 33);
	wgc_net_endpoint_parse("203.0.113.5:51820", true, &dst);
	TEST_ASSERT_EQUAL(wgc_net_encap(port, &v, &dst, 1), 1, "ready");
	TEST_CHECK(check_encap4(&v, 100, &gw_mac, ip4("203.0.113.5"), 51820,
		pl, 33));
	wgc_view_release(&v);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_encap_vlan_autotest, fast, net_setup_vlan,
	test_net_encap_vlan, net_teardown);

static int
test_net_encap_errors(void)
{
	struct wgc_endpoint dst;
	struct wgc_net_stats st;
	struct wgc_view v;

	/* not enough headroom left in the view */
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, &v, 1), 1, "alloc");
	wgc_view_append(&v, 32);
	v.headroom = 20;
	wgc_net_endpoint_parse("10.0.0.2:1", true, &dst);
	TEST_ASSERT_EQUAL(wgc_net_encap(port, &v, &dst, 1), 0, "no room");
	TEST_ASSERT(wgc_view_is_empty(&v), "released");
	/* too big for the MTU */
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, &v, 1), 1, "alloc");
	TEST_ASSERT_NOT_NULL(wgc_view_append(&v, 1480), "append");
	TEST_ASSERT_EQUAL(wgc_net_encap(port, &v, &dst, 1), 0, "too big");
	/* no IPv6 route when the family is unknown */
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, &v, 1), 1, "alloc");
	wgc_view_append(&v, 32);
	memset(&dst, 0, sizeof(dst));
	TEST_ASSERT_EQUAL(wgc_net_encap(port, &v, &dst, 1), 0, "no family");
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_NO_HEADROOM], 1u, "headroom");
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_TOO_BIG], 1u, "too big");
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_NO_ROUTE], 1u, "route");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_encap_errors_autotest, fast, net_setup,
	test_net_encap_errors, net_teardown);

/* UDP checksum offload: flags and pseudo-header checksum in the mbuf */
static int
test_net_encap_offload(void)
{
	struct wgc_net_port_conf c;
	struct wgc_endpoint dst;
	struct wgc_addr gw;
	struct rte_mbuf *m;
	struct wgc_view v;
	const uint8_t *ip;
	uint32_t s;

	base_conf(&c);
	c.tx_ip4_cksum_offload = true;
	c.tx_udp_cksum_offload = true;
	TEST_ASSERT_SUCCESS(net_setup_conf(&c), "setup");
	memset(&gw, 0, sizeof(gw));
	gw.family = AF_INET;
	gw.ip4 = ip4("10.0.0.2");
	wgc_net_neigh_add(port, &gw, &peer_mac, 0);
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, &v, 1), 1, "alloc");
	wgc_view_append(&v, 100);
	wgc_net_endpoint_parse("10.0.0.2:9", true, &dst);
	TEST_ASSERT_EQUAL(wgc_net_encap(port, &v, &dst, 1), 1, "ready");
	m = v.backing;
	TEST_ASSERT(m->ol_flags & RTE_MBUF_F_TX_IPV4, "IPV4 flag");
	TEST_ASSERT(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM, "IP cksum flag");
	TEST_ASSERT(m->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM, "UDP cksum flag");
	TEST_ASSERT_EQUAL(m->l2_len, 14, "l2_len");
	TEST_ASSERT_EQUAL(m->l3_len, 20, "l3_len");
	ip = v.data + 14;
	TEST_ASSERT_EQUAL(get16(ip + 10), 0, "IP checksum left to the NIC");
	/* the UDP field holds the (uncomplemented) pseudo-header sum */
	s = ref_sum(ip + 12, 8, 0) + 17 + 108;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	TEST_ASSERT_EQUAL(get16(ip + 20 + 6), s, "pseudo-header checksum");
	wgc_view_release(&v);
	net_teardown();
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(net_encap_offload_autotest, fast, test_net_encap_offload);

/* ---- neighbour table ---- */

static int
test_net_neigh_resolve(void)
{
	struct wgc_endpoint dst;
	struct wgc_net_stats st;
	struct wgc_view v[6], out[16];
	struct wgc_net_neigh_info info[16];
	struct frame f;
	uint16_t n, i;
	uint8_t *pl[6];

	/* five packets to an unknown on-link peer: four held, one dropped */
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, v, 5), 5, "alloc");
	for (i = 0; i < 5; i++) {
		pl[i] = wgc_view_append(&v[i], 32);
		memset(pl[i], i, 32);
	}
	wgc_net_endpoint_parse("10.0.0.5:51820", true, &dst);
	for (i = 0; i < 5; i++)
		TEST_ASSERT_EQUAL(wgc_net_encap(port, &v[i], &dst, 1), 0,
			"not resolved");
	/* t=1000: the gateways + the peer are asked once each */
	n = wgc_net_slow_poll(port, 1000, out, RTE_DIM(out));
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.tx_held, 5u, "handed to the slow path");
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_HOLD_FULL], 1u, "hold bound");
	TEST_ASSERT_EQUAL(st.arp_request_tx, 2u, "peer + gateway4");
	TEST_ASSERT_EQUAL(n, 3, "two ARP + one NS");
	for (i = 0; i < n; i++) {
		const uint8_t *d = out[i].data;

		if (get16(d + 12) != 0x0806 ||
				memcmp(d + 14 + 24,
					&(uint32_t){ ip4("10.0.0.5") }, 4))
			continue;
		TEST_ASSERT_BUFFERS_ARE_EQUAL(d, &bcast, 6, "broadcast");
		TEST_ASSERT_EQUAL(get16(d + 14 + 6), 1, "request");
		TEST_ASSERT_BUFFERS_ARE_EQUAL(d + 14 + 8, &our_mac, 6, "sha");
		TEST_ASSERT_BUFFERS_ARE_EQUAL(d + 14 + 14,
			&(uint32_t){ ip4("10.0.0.1") }, 4, "spa");
	}
	wgc_view_release_all(out, n);
	TEST_ASSERT_EQUAL(wgc_net_neigh_list(port, info, 16), 3u, "entries");

	/* the answer comes: the four held frames leave with its MAC */
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &our_mac, 2, &peer_mac,
		ip4("10.0.0.5"), ip4("10.0.0.1")), "reply");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 1200, &f.v, out), 0, "-");
	n = wgc_net_slow_poll(port, 1210, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(n, 4, "held frames flushed");
	for (i = 0; i < 4; i++) {
		TEST_CHECK(check_encap4(&out[i], -1, &peer_mac,
			ip4("10.0.0.5"), 51820, pl[i], 32));
	}
	wgc_view_release_all(out, n);

	/* now resolved: encap is immediate */
	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, v, 1), 1, "alloc");
	wgc_view_append(&v[0], 32);
	TEST_ASSERT_EQUAL(wgc_net_encap(port, v, &dst, 1), 1, "resolved");
	wgc_view_release(&v[0]);
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.hold_flushed, 4u, "flushed");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_neigh_resolve_autotest, fast, net_setup,
	test_net_neigh_resolve, net_teardown);

/* count ARP requests for a target among views, and release them */
static unsigned int
count_arp_for(struct wgc_view *out, uint16_t n, uint32_t target)
{
	unsigned int c = 0, i;

	for (i = 0; i < n; i++)
		if (get16(out[i].data + 12) == 0x0806 &&
				memcmp(out[i].data + 14 + 24, &target, 4) == 0)
			c++;
	wgc_view_release_all(out, n);
	return c;
}

static unsigned int
count_unicast_arp(const struct wgc_view *out, uint16_t n, uint32_t target)
{
	unsigned int c = 0, i;

	for (i = 0; i < n; i++)
		if (get16(out[i].data + 12) == 0x0806 &&
				memcmp(out[i].data + 14 + 24, &target, 4) == 0 &&
				memcmp(out[i].data, &peer_mac, 6) == 0)
			c++;
	return c;
}

static int
test_net_neigh_retry(void)
{
	uint32_t peer = ip4("10.0.0.5");
	struct wgc_endpoint dst;
	struct wgc_net_stats st;
	struct wgc_view v, out[16];
	struct rte_ether_addr mac;
	struct wgc_addr a;
	struct frame f;
	uint16_t n;

	TEST_ASSERT_EQUAL(wgc_view_alloc_bulk(&rc, &v, 1), 1, "alloc");
	wgc_view_append(&v, 32);
	wgc_net_endpoint_parse("10.0.0.5:51820", true, &dst);
	TEST_ASSERT_EQUAL(wgc_net_encap(port, &v, &dst, 1), 0, "held");

	/* requests at 10000, +1 s, +2 s, +4 s (backoff), failure after */
	n = wgc_net_slow_poll(port, 10000, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 1u, "first");
	n = wgc_net_slow_poll(port, 10500, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 0u, "not yet");
	n = wgc_net_slow_poll(port, 11000, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 1u, "second at +1 s");
	n = wgc_net_slow_poll(port, 12500, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 0u, "backoff");
	n = wgc_net_slow_poll(port, 13000, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 1u, "third at +3 s");
	n = wgc_net_slow_poll(port, 16000, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(n, 0, "nothing at +6 s");
	n = wgc_net_slow_poll(port, 17000, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 0u, "gave up");
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_NEIGH_FAILED], 1u,
		"held packet dropped on failure");
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.ip4 = peer;
	TEST_ASSERT_EQUAL(wgc_net_neigh_lookup(port, &a, &mac), -ENOENT,
		"entry removed");

	/* reachable -> stale (still used) -> probe (unicast) -> removed */
	TEST_ASSERT_SUCCESS(mk_arp(&f, -1, &our_mac, 2, &peer_mac, peer,
		ip4("10.0.0.1")), "reply");
	TEST_ASSERT_EQUAL(wgc_net_slow_input(port, 20000, &f.v, out), 0, "-");
	n = wgc_net_slow_poll(port, 50000, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 0u, "stale: quiet");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_lookup(port, &a, &mac), "stale ok");
	n = wgc_net_slow_poll(port, 80000, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_unicast_arp(out, n, peer), 1u,
		"probe is unicast");
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 1u, "probe");
	TEST_ASSERT_SUCCESS(wgc_net_neigh_lookup(port, &a, &mac),
		"usable while probing");
	n = wgc_net_slow_poll(port, 81000, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 1u, "probe 2");
	n = wgc_net_slow_poll(port, 83000, out, RTE_DIM(out));
	TEST_ASSERT_EQUAL(count_arp_for(out, n, peer), 1u, "probe 3");
	n = wgc_net_slow_poll(port, 87000, out, RTE_DIM(out));
	count_arp_for(out, n, peer);
	TEST_ASSERT_EQUAL(wgc_net_neigh_lookup(port, &a, &mac), -ENOENT,
		"expired");
	wgc_net_stats_get(port, &st);
	TEST_ASSERT(st.neigh_expired >= 2, "expiries counted");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_neigh_retry_autotest, fast, net_setup,
	test_net_neigh_retry, net_teardown);

static int
test_net_neigh_bounds(void)
{
	struct rte_ether_addr mac = peer_mac, got;
	struct wgc_addr a;
	unsigned int i, added = 0, found = 0;
	struct wgc_net_stats st;
	int rc;

	/* 16 slots: never more than 16 entries, each lookup exact */
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	for (i = 0; i < 64; i++) {
		a.ip4 = htonl(0x0a000100 + i);
		mac.addr_bytes[5] = (uint8_t)i;
		rc = wgc_net_neigh_add(port, &a, &mac, 1);
		TEST_ASSERT(rc == 0 || rc == -ENOSPC, "add rc %d", rc);
		added += rc == 0;
	}
	TEST_ASSERT(added >= 8 && added <= 64, "some added (%u)", added);
	for (i = 0; i < 64; i++) {
		a.ip4 = htonl(0x0a000100 + i);
		if (wgc_net_neigh_lookup(port, &a, &got) == 0) {
			TEST_ASSERT_EQUAL(got.addr_bytes[5], i, "right MAC");
			found++;
		}
	}
	TEST_ASSERT(found <= 16, "table bounded: %u found", found);
	TEST_ASSERT(found >= 8, "table used: %u found", found);
	wgc_net_stats_get(port, &st);
	TEST_ASSERT(st.drop[WGC_NET_DROP_NEIGH_FULL] > 0, "full counted");
	TEST_ASSERT(wgc_net_neigh_list(port, NULL, 0) == 0, "list max 0");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_neigh_bounds_autotest, fast, net_setup,
	test_net_neigh_bounds, net_teardown);

/* the slow ring is bounded: overflow is counted, nothing leaks */
static int
test_net_slow_full(void)
{
	struct wgc_view v[64];
	struct wgc_net_meta m[64];
	struct wgc_net_stats st;
	struct frame f;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		TEST_ASSERT_SUCCESS(mk_echo4(&f, ip4("10.0.0.2"),
			ip4("10.0.0.1"), 8), "echo");
		v[i] = f.v;
	}
	TEST_ASSERT_EQUAL(wgc_net_rx(port, v, m, 64), 0, "no wg");
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.rx_echo, 64u, "seen");
	/* ring of 64 holds 63 */
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_SLOW_FULL], 1u, "overflow");
	/* freeing the port releases what is queued */
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_slow_full_autotest, fast, net_setup,
	test_net_slow_full, net_teardown);

/* ---- perf: per-packet cost of classify and encap (no I/O) ---- */

static double
perf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
perf_net_size(uint16_t plen, bool v6)
{
	enum { BURST = 32, ROUNDS = 20000 };
	struct wgc_endpoint dst[BURST];
	struct wgc_view v[BURST], saved[BURST];
	struct wgc_net_meta m[BURST];
	struct wgc_addr gw;
	struct frame f;
	double t0, t_cls, t_enc;
	unsigned int i, r;

	memset(&gw, 0, sizeof(gw));
	gw.family = AF_INET;
	gw.ip4 = ip4("10.0.0.254");
	wgc_net_neigh_add(port, &gw, &gw_mac, 0);
	gw.family = AF_INET6;
	ip6("fd00::fe", gw.bytes);
	wgc_net_neigh_add(port, &gw, &gw_mac, 0);
	for (i = 0; i < BURST; i++) {
		int rc = v6 ? mk_udp6(&f, -1, "2001:db8::7", 40000, "fd00::1",
				LPORT, plen) :
			mk_udp4(&f, -1, ip4("192.0.2.7"), 40000,
				ip4("10.0.0.1"), LPORT, plen, 0);

		TEST_ASSERT_SUCCESS(rc, "build");
		saved[i] = f.v;
	}
	/* classify: the whole header check, UDP checksum included */
	t0 = perf_now_ns();
	for (r = 0; r < ROUNDS; r++) {
		memcpy(v, saved, sizeof(v));
		if (wgc_net_classify(port, v, m, BURST) != BURST)
			break;
	}
	t_cls = (perf_now_ns() - t0) / ((double)ROUNDS * BURST);
	TEST_ASSERT_EQUAL(r, (unsigned int)ROUNDS, "all classified");
	/* encap back to the sender, software checksums */
	for (i = 0; i < BURST; i++)
		dst[i] = m[i].src;
	memcpy(saved, v, sizeof(v));
	t0 = perf_now_ns();
	for (r = 0; r < ROUNDS; r++) {
		memcpy(v, saved, sizeof(v));
		if (wgc_net_encap(port, v, dst, BURST) != BURST)
			break;
	}
	t_enc = (perf_now_ns() - t0) / ((double)ROUNDS * BURST);
	TEST_ASSERT_EQUAL(r, (unsigned int)ROUNDS, "all encapsulated");
	printf("net perf %s payload %4u B: classify %6.1f ns/pkt (%5.1f Mpps), "
		"encap %6.1f ns/pkt (%5.1f Mpps)\n", v6 ? "IPv6" : "IPv4",
		plen, t_cls, 1e3 / t_cls, t_enc, 1e3 / t_enc);
	wgc_view_release_all(v, BURST);
	return TEST_SUCCESS;
}

static int
test_net_perf(void)
{
	static const uint16_t sizes[] = { 32, 148, 512, 1436 };
	unsigned int i;

	printf("command: build/test/wgc-test net_perf_autotest "
		"(EAL: --no-huge, one lcore, bursts of 32, software checksums)\n");
	for (i = 0; i < RTE_DIM(sizes); i++) {
		TEST_CHECK(perf_net_size(sizes[i], false));
		TEST_CHECK(perf_net_size(sizes[i], true));
	}
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_perf_autotest, perf, net_setup, test_net_perf,
	net_teardown);

/* bursts longer than the internal batches (64) */
static int
test_net_long_burst(void)
{
	enum { N = 150 };
	struct wgc_view v[N];
	struct wgc_net_meta m[N];
	struct wgc_endpoint dst[N];
	struct wgc_net_stats st;
	struct wgc_view out[64];
	struct frame f;
	unsigned int i, nwg = 0;
	uint16_t n, total;

	for (i = 0; i < N; i++) {
		switch (i % 3) {
		case 0:
			f.d = new_view(&f.v, 9);        /* runt */
			break;
		case 1:
			TEST_ASSERT_SUCCESS(mk_echo4(&f, ip4("10.0.0.2"),
				ip4("10.0.0.1"), 8), "echo");
			break;
		default:
			TEST_ASSERT_SUCCESS(mk_udp4(&f, -1,
				ip4("10.0.0.200"), (uint16_t)(1000 + i),
				ip4("10.0.0.1"), LPORT, 40, 0), "wg");
			nwg++;
			break;
		}
		TEST_ASSERT_NOT_NULL(f.d, "frame %u", i);
		v[i] = f.v;
	}
	n = wgc_net_rx(port, v, m, N);
	TEST_ASSERT_EQUAL(n, nwg, "wireguard views");
	for (i = 0; i < n; i++) {
		TEST_ASSERT_EQUAL(v[i].len, 40u, "payload %u", i);
		TEST_ASSERT_EQUAL(m[i].src.port, 1000 + 3 * i + 2,
			"order kept (%u)", i);
	}
	for (i = n; i < N; i++)
		TEST_ASSERT(wgc_view_is_empty(&v[i]), "rest empty (%u)", i);
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_RUNT], (uint64_t)N / 3, "runts");
	TEST_ASSERT_EQUAL(st.rx_echo, (uint64_t)N / 3, "echo queued");

	/* all of them go back to an unresolved on-link peer: held or dropped */
	for (i = 0; i < n; i++)
		dst[i] = m[i].src;
	TEST_ASSERT_EQUAL(wgc_net_encap(port, v, dst, n), 0, "none ready");
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.tx_held + st.drop[WGC_NET_DROP_SLOW_FULL], n,
		"each handed over or counted");
	/* the slow path answers the echoes and holds / drops the rest */
	for (total = 0; total < 1000; total += n) {
		n = wgc_net_slow_poll(port, 1, out, RTE_DIM(out));
		wgc_view_release_all(out, n);
		if (n == 0)
			break;
	}
	wgc_net_stats_get(port, &st);
	TEST_ASSERT(st.echo_reply_tx > 0, "echoes answered");
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_HOLD_FULL] +
		st.drop[WGC_NET_DROP_NEIGH_FULL] + st.drop[WGC_NET_DROP_SLOW_FULL],
		nwg - 4, "one peer holds 4, the rest are counted");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_long_burst_autotest, fast, net_setup,
	test_net_long_burst, net_teardown);

/* echo replies are rate limited (token bucket on the injected clock) */
static int
test_net_echo_rate(void)
{
	struct wgc_net_stats st;
	struct wgc_view out;
	struct frame f;
	unsigned int i, replies = 0;

	/* default: 1000/s, bursts of 50 */
	for (i = 0; i < 60; i++) {
		TEST_ASSERT_SUCCESS(mk_echo4(&f, ip4("10.0.0.2"),
			ip4("10.0.0.1"), 8), "echo");
		if (wgc_net_slow_input(port, 5000, &f.v, &out) == 1) {
			replies++;
			wgc_view_release(&out);
		}
	}
	TEST_ASSERT_EQUAL(replies, 50u, "burst of 50");
	/* 10 ms later: 10 more */
	for (i = 0; i < 20; i++) {
		TEST_ASSERT_SUCCESS(mk_echo6(&f, "fd00::2", "fd00::1", 8),
			"echo6");
		if (wgc_net_slow_input(port, 5010, &f.v, &out) == 1) {
			replies++;
			wgc_view_release(&out);
		}
	}
	TEST_ASSERT_EQUAL(replies, 60u, "refilled at 1/ms");
	wgc_net_stats_get(port, &st);
	TEST_ASSERT_EQUAL(st.drop[WGC_NET_DROP_ECHO_RATE], 20u, "counted");
	TEST_ASSERT_EQUAL(st.echo_reply_tx, 60u, "replies");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_echo_rate_autotest, fast, net_setup,
	test_net_echo_rate, net_teardown);

static int
test_net_mc_addrs(void)
{
	static const struct rte_ether_addr all_nodes = {
		{ 0x33, 0x33, 0, 0, 0, 1 } };
	static const struct rte_ether_addr sol = {
		{ 0x33, 0x33, 0xff, 0, 0, 1 } };
	struct rte_ether_addr mc[8];
	unsigned int n;

	/* fd00::1 and fe80::ff:fe00:1 share their solicited-node group */
	n = wgc_net_port_mc_addrs(port, mc, RTE_DIM(mc));
	TEST_ASSERT_EQUAL(n, 2u, "all-nodes + one group");
	TEST_ASSERT(rte_is_same_ether_addr(&mc[0], &all_nodes), "all-nodes");
	TEST_ASSERT(rte_is_same_ether_addr(&mc[1], &sol), "solicited-node");
	TEST_ASSERT_EQUAL(wgc_net_port_mc_addrs(port, mc, 1), 1u, "bounded");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_mc_addrs_autotest, fast, net_setup,
	test_net_mc_addrs, net_teardown);

static int
test_net_stats_names(void)
{
	struct wgc_net_stats all, mine;
	struct wgc_view v;
	struct wgc_net_meta m;
	unsigned int i;

	for (i = 0; i < WGC_NET_DROP__MAX; i++)
		TEST_ASSERT(strcmp(wgc_net_drop_name(i), "?") != 0,
			"reason %u has a name", i);
	TEST_ASSERT(strcmp(wgc_net_drop_name(WGC_NET_DROP__MAX), "?") == 0,
		"out of range");
	TEST_ASSERT(strcmp(wgc_net_class_name(WGC_NET_CLASS_WG), "wg") == 0,
		"class name");
	/* counter names follow the struct: the words at the names' places */
	TEST_ASSERT(strcmp(wgc_net_counter_name(0), "rx_wg") == 0 &&
		offsetof(struct wgc_net_stats, rx_wg) == 0, "first counter");
	TEST_ASSERT(strcmp(wgc_net_counter_name(offsetof(struct wgc_net_stats,
		nd_ns_tx) / 8), "nd_ns_tx") == 0, "nd_ns_tx");
	TEST_ASSERT(strcmp(wgc_net_counter_name(WGC_NET_COUNTERS - 1),
		"tx_frags") == 0, "last counter");
	TEST_ASSERT(strcmp(wgc_net_counter_name(WGC_NET_COUNTERS), "?") == 0,
		"counter out of range");
	/* a drop lands in this lcore's counters, and only there */
	TEST_ASSERT_NOT_NULL(new_view(&v, 5), "view");
	wgc_net_rx(port, &v, &m, 1);
	wgc_net_stats_get(port, &all);
	TEST_ASSERT_SUCCESS(wgc_net_stats_lcore(port, rte_lcore_id(), &mine),
		"lcore");
	TEST_ASSERT_EQUAL(mine.drop[WGC_NET_DROP_RUNT], 1u, "mine");
	TEST_ASSERT_EQUAL(all.drop[WGC_NET_DROP_RUNT], 1u, "sum");
	TEST_ASSERT_EQUAL(wgc_net_stats_lcore(port, RTE_MAX_LCORE + 1, &mine),
		-EINVAL, "bad lcore");
	wgc_net_stats_reset(port);
	wgc_net_stats_get(port, &all);
	TEST_ASSERT_EQUAL(all.drop[WGC_NET_DROP_RUNT], 0u, "reset");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_stats_names_autotest, fast, net_setup,
	test_net_stats_names, net_teardown);

/*
 * The neighbour table under a concurrent reader: a worker lcore looks
 * entries up while this (slow-path) lcore rewrites their MACs and frees
 * and re-creates them. Every MAC the worker sees must be one the writer
 * stored for that address (all six bytes equal to the address's low byte
 * or to 0xee): a torn read would mix them.
 */
static volatile bool race_stop;
static uint64_t race_hits, race_bad;

static int
race_reader(void *arg)
{
	struct wgc_addr a;
	struct rte_ether_addr mac;
	unsigned int i, k;

	RTE_SET_USED(arg);
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	for (k = 0; !race_stop; k++) {
		i = k % 8;
		a.ip4 = htonl(0x0a000010 + i);
		if (wgc_net_neigh_lookup(port, &a, &mac) != 0)
			continue;
		race_hits++;
		if (!((mac.addr_bytes[0] == 0x10 + i ||
				mac.addr_bytes[0] == 0xee) &&
				memcmp(mac.addr_bytes, mac.addr_bytes + 1, 5) == 0 &&
				mac.addr_bytes[5] == mac.addr_bytes[0]))
			race_bad++;
	}
	return 0;
}

static int
test_net_neigh_race(void)
{
	struct wgc_net_neigh_info info[16];
	struct rte_ether_addr mac;
	struct wgc_addr a;
	struct wgc_view out[32];
	unsigned int worker, i, round, freed = 0;
	uint64_t now = 1;
	uint16_t n;
	double t0;

	worker = rte_get_next_lcore(-1, 1, 0);
	if (worker >= RTE_MAX_LCORE) {
		printf("needs a second lcore\n");
		return TEST_SKIPPED;
	}
	race_stop = false;
	race_hits = race_bad = 0;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(race_reader, NULL, worker),
		"launch");
	t0 = perf_now_ns();
	for (round = 0; perf_now_ns() - t0 < 200e6; round++) {
		for (i = 0; i < 8; i++) {
			a.ip4 = htonl(0x0a000010 + i);
			memset(&mac, (round & 1) ? 0xee : (int)(0x10 + i),
				sizeof(mac));
			wgc_net_neigh_add(port, &a, &mac, now);
		}
		/* now and then let them all age out: freed, then re-created */
		if (round % 64 == 63) {
			for (i = 0; i < 8; i++) {
				now += 100000;
				n = wgc_net_slow_poll(port, now, out,
					RTE_DIM(out));
				wgc_view_release_all(out, n);
			}
			freed += wgc_net_neigh_list(port, info,
				RTE_DIM(info)) == 0;
		}
	}
	race_stop = true;
	rte_eal_wait_lcore(worker);
	printf("neigh race: %u write rounds, %u times all freed, %" PRIu64
		" lookups hit, %" PRIu64 " torn\n", round, freed, race_hits,
		race_bad);
	TEST_ASSERT(freed > 0, "entries were freed and re-created");
	TEST_ASSERT(race_hits > 0, "the reader saw entries");
	TEST_ASSERT_EQUAL(race_bad, 0u, "no torn MAC");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(net_neigh_race_autotest, fast, net_setup,
	test_net_neigh_race, net_teardown);
