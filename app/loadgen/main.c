/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgc-loadgen: a WireGuard initiator and traffic generator on lib/proto.
 *
 * It completes a real Noise_IKpsk2 handshake with a target over a plain
 * UDP socket (answering a cookie reply if the target is under load), then
 * either pings through the tunnel (ICMP echo, the answer is decrypted and
 * checked) or pre-encrypts a stream of IPv4/UDP packets with consecutive
 * counters and sends them with sendmmsg(), reporting the sent rate.
 *
 * EAL runs without hugepages, PCI or shared config (rte_malloc and
 * rte_hash under lib/proto need it); no DPDK port is used.
 *
 * Exit codes: 0 success, 1 bad arguments, 2 setup error (EAL, socket,
 * memory), 3 handshake failed or timed out, 4 ping not answered.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_udp.h>

#include "wgc_conf.h"
#include "wgc_crypto.h"
#include "wgc_proto.h"

#define LG_EXIT_OK 0
#define LG_EXIT_USAGE 1
#define LG_EXIT_SETUP 2
#define LG_EXIT_HANDSHAKE 3
#define LG_EXIT_PING 4

#define LG_HEADROOM 64                   /* >= transport header */
#define LG_TAILROOM 64                   /* >= padding + tag */
#define LG_MAX_SIZE 9000                 /* largest inner packet */
#define LG_MIN_UDP_SIZE (20 + 8)         /* IPv4 + UDP, no payload */
#define LG_MIN_PING_SIZE (20 + 8)        /* IPv4 + ICMP echo header */
#define LG_BATCH_MAX 1024
#define LG_RETRANSMIT_NS (1 * WGC_NSEC_PER_SEC)
#define LG_MAX_KEYPAIR_AGE (100 * WGC_NSEC_PER_SEC)

struct lg_opts {
	uint8_t priv[WGC_KEY_LEN];
	uint8_t peer_pub[WGC_KEY_LEN];
	uint8_t psk[WGC_KEY_LEN];
	bool have_priv, have_peer, have_psk;
	struct wgc_endpoint target;
	struct wgc_endpoint bind;
	bool have_target, have_bind;
	struct in_addr inner_src, inner_dst;
	bool have_inner_src, have_inner_dst;
	uint16_t sport, dport;
	bool ping;
	unsigned int ping_count;
	unsigned int ping_size;
	uint64_t stream;
	unsigned int size;
	uint64_t pps;
	unsigned int batch;
	unsigned int mtu;
	double timeout;
	uint64_t max_mem;
	unsigned int lcore;
	bool handshake_only;
	int sndbuf;
	bool raw;
};

struct lg_ctx {
	struct lg_opts *o;
	int fd;
	struct wgc_identity *id;
	struct wgc_index_table *t;
	struct wgc_peer_proto peer;
	struct wgc_aead_engine *eng;
	uint64_t rx_transport, rx_keepalive, rx_other, rx_bad;
	/* --raw: AF_PACKET socket and the outer headers of every frame */
	int raw_fd;
	uint8_t raw_hdr[RTE_ETHER_HDR_LEN + 20 + 8];
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
"usage: %s --private-key KEY|--private-key-file F --peer-key KEY\n"
"          --target IP:PORT [options] [--handshake-only|--ping|--stream N]\n"
"Keys are base64 as `wg` prints them.\n"
"  --private-key KEY        our static private key\n"
"  --private-key-file F     ... read from a file (as `wg genkey` writes)\n"
"  --peer-key KEY           the target's static public key\n"
"  --psk KEY | --psk-file F preshared key (default none)\n"
"  --target IP:PORT         the target's endpoint ([v6]:port for IPv6)\n"
"  --bind IP:PORT           local address/port (default: any, ephemeral)\n"
"  --handshake-only         handshake, print its time, exit\n"
"  --ping                   send ICMP echo requests through the tunnel and\n"
"                           wait for the decrypted replies\n"
"  --ping-count N           echo requests (default 3)\n"
"  --ping-size S            inner IPv4 packet size (default 84)\n"
"  --stream N               pre-encrypt N IPv4/UDP packets, then send them\n"
"  --size S                 inner IPv4 packet size in bytes (default 64)\n"
"  --inner-src IPV4         inner source (our tunnel address); required\n"
"  --inner-dst IPV4         inner destination; required\n"
"  --sport N / --dport N    inner UDP ports (default 9999 / 9)\n"
"  --pps R                  pace the stream to R packets/s (default 0: max)\n"
"  --batch B                packets per sendmmsg() (1..%u, default 64)\n"
"  --mtu M                  inner MTU bounding the padding (default 1420)\n"
"  --timeout SEC            bound on each wait (default 5)\n"
"  --max-mem MB             memory bound for the stream (default 2048)\n"
"  --sndbuf BYTES           socket send buffer (default 4194304)\n"
"  --lcore N                CPU for the EAL main lcore (default 0)\n"
"  --raw                    send the stream as pre-built Ethernet frames on\n"
"                           an AF_PACKET socket (IPv4, on-link target; same\n"
"                           addresses and ports as the UDP socket; outer\n"
"                           checksums computed while building)\n"
"Exit: 0 ok, 1 bad arguments, 2 setup error, 3 handshake failed,\n"
"4 ping not answered.\n", prog, LG_BATCH_MAX);
}

static int
arg_error(const char *fmt, const char *opt, const char *val)
{
	fprintf(stderr, "wgc-loadgen: ");
	fprintf(stderr, fmt, opt, val);
	fprintf(stderr, "\n");
	return -1;
}

static int
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
		uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s == '\0' || *s == '-')
		return arg_error("%s: '%s' is not a number", opt, s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return arg_error("%s: '%s' is not a number", opt, s);
	if (v < min || v > max) {
		fprintf(stderr, "wgc-loadgen: %s: %llu out of range %llu..%llu\n",
			opt, v, (unsigned long long)min,
			(unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_uint(const char *opt, const char *s, unsigned int min,
		unsigned int max, unsigned int *out)
{
	uint64_t v;

	if (parse_u64(opt, s, min, max, &v) < 0)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int
parse_key(const char *opt, const char *s, uint8_t key[WGC_KEY_LEN])
{
	if (wgc_key_from_base64(key, s) < 0)
		return arg_error("%s: '%s' is not a base64 key (44 chars)",
			opt, s);
	return 0;
}

static int
parse_key_file(const char *opt, const char *path, uint8_t key[WGC_KEY_LEN])
{
	char buf[128];
	size_t n;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "wgc-loadgen: %s: cannot open %s: %s\n", opt,
			path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
			buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (wgc_key_from_base64(key, buf) < 0) {
		fprintf(stderr, "wgc-loadgen: %s: %s does not hold a base64 key\n",
			opt, path);
		return -1;
	}
	return 0;
}

static int
parse_endpoint(const char *opt, const char *s, struct wgc_endpoint *e)
{
	const char *why = NULL;

	if (wgc_endpoint_parse(e, s, &why) < 0) {
		fprintf(stderr, "wgc-loadgen: %s: '%s': %s\n", opt, s,
			why != NULL ? why : "not IP:PORT");
		return -1;
	}
	return 0;
}

static int
parse_ipv4(const char *opt, const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1)
		return arg_error("%s: '%s' is not an IPv4 address", opt, s);
	return 0;
}

enum {
	OPT_PRIV = 256, OPT_PRIV_FILE, OPT_PEER, OPT_PSK, OPT_PSK_FILE,
	OPT_TARGET, OPT_BIND, OPT_HS_ONLY, OPT_PING, OPT_PING_COUNT,
	OPT_PING_SIZE, OPT_STREAM, OPT_SIZE, OPT_INNER_SRC, OPT_INNER_DST,
	OPT_SPORT, OPT_DPORT, OPT_PPS, OPT_BATCH, OPT_MTU, OPT_TIMEOUT,
	OPT_MAX_MEM, OPT_SNDBUF, OPT_LCORE, OPT_RAW, OPT_HELP,
};

static const struct option long_opts[] = {
	{ "private-key", required_argument, NULL, OPT_PRIV },
	{ "private-key-file", required_argument, NULL, OPT_PRIV_FILE },
	{ "peer-key", required_argument, NULL, OPT_PEER },
	{ "psk", required_argument, NULL, OPT_PSK },
	{ "psk-file", required_argument, NULL, OPT_PSK_FILE },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "handshake-only", no_argument, NULL, OPT_HS_ONLY },
	{ "ping", no_argument, NULL, OPT_PING },
	{ "ping-count", required_argument, NULL, OPT_PING_COUNT },
	{ "ping-size", required_argument, NULL, OPT_PING_SIZE },
	{ "stream", required_argument, NULL, OPT_STREAM },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "inner-src", required_argument, NULL, OPT_INNER_SRC },
	{ "inner-dst", required_argument, NULL, OPT_INNER_DST },
	{ "sport", required_argument, NULL, OPT_SPORT },
	{ "dport", required_argument, NULL, OPT_DPORT },
	{ "pps", required_argument, NULL, OPT_PPS },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-mem", required_argument, NULL, OPT_MAX_MEM },
	{ "sndbuf", required_argument, NULL, OPT_SNDBUF },
	{ "lcore", required_argument, NULL, OPT_LCORE },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int
parse_timeout(const char *s, double *out)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || end == s || !(v > 0) || v > 3600)
		return arg_error("%s: '%s' is not a number of seconds in "
			"(0, 3600]", "--timeout", s);
	*out = v;
	return 0;
}

/* @return 0, 1 (help printed) or -1 (error printed). */
static int
parse_args(int argc, char **argv, struct lg_opts *o)
{
	unsigned int modes;
	uint64_t v;
	int c, r = 0;

	memset(o, 0, sizeof(*o));
	o->sport = 9999;
	o->dport = 9;
	o->ping_count = 3;
	o->ping_size = 84;
	o->size = 64;
	o->batch = 64;
	o->mtu = 1420;
	o->timeout = 5;
	o->max_mem = 2048;
	o->sndbuf = 4 << 20;
	opterr = 0;
	optind = 1;
	while (r == 0 && (c = getopt_long(argc, argv, ":h", long_opts,
			NULL)) != -1) {
		const char *name = optind > 1 && optind - 1 < argc ?
			argv[optind - 1] : "option";

		switch (c) {
		case OPT_PRIV:
			r = parse_key("--private-key", optarg, o->priv);
			o->have_priv = true;
			break;
		case OPT_PRIV_FILE:
			r = parse_key_file("--private-key-file", optarg,
				o->priv);
			o->have_priv = true;
			break;
		case OPT_PEER:
			r = parse_key("--peer-key", optarg, o->peer_pub);
			o->have_peer = true;
			break;
		case OPT_PSK:
			r = parse_key("--psk", optarg, o->psk);
			o->have_psk = true;
			break;
		case OPT_PSK_FILE:
			r = parse_key_file("--psk-file", optarg, o->psk);
			o->have_psk = true;
			break;
		case OPT_TARGET:
			r = parse_endpoint("--target", optarg, &o->target);
			o->have_target = true;
			break;
		case OPT_BIND:
			r = parse_endpoint("--bind", optarg, &o->bind);
			o->have_bind = true;
			break;
		case OPT_HS_ONLY:
			o->handshake_only = true;
			break;
		case OPT_PING:
			o->ping = true;
			break;
		case OPT_PING_COUNT:
			r = parse_uint("--ping-count", optarg, 1, 1000000,
				&o->ping_count);
			break;
		case OPT_PING_SIZE:
			r = parse_uint("--ping-size", optarg, LG_MIN_PING_SIZE,
				LG_MAX_SIZE, &o->ping_size);
			break;
		case OPT_STREAM:
			r = parse_u64("--stream", optarg, 1, UINT32_MAX,
				&o->stream);
			break;
		case OPT_SIZE:
			r = parse_uint("--size", optarg, LG_MIN_UDP_SIZE,
				LG_MAX_SIZE, &o->size);
			break;
		case OPT_INNER_SRC:
			r = parse_ipv4("--inner-src", optarg, &o->inner_src);
			o->have_inner_src = true;
			break;
		case OPT_INNER_DST:
			r = parse_ipv4("--inner-dst", optarg, &o->inner_dst);
			o->have_inner_dst = true;
			break;
		case OPT_SPORT:
			r = parse_u64("--sport", optarg, 1, 65535, &v);
			o->sport = (uint16_t)v;
			break;
		case OPT_DPORT:
			r = parse_u64("--dport", optarg, 1, 65535, &v);
			o->dport = (uint16_t)v;
			break;
		case OPT_PPS:
			r = parse_u64("--pps", optarg, 0, 1000000000, &o->pps);
			break;
		case OPT_BATCH:
			r = parse_uint("--batch", optarg, 1, LG_BATCH_MAX,
				&o->batch);
			break;
		case OPT_MTU:
			r = parse_uint("--mtu", optarg, 576, LG_MAX_SIZE,
				&o->mtu);
			break;
		case OPT_TIMEOUT:
			r = parse_timeout(optarg, &o->timeout);
			break;
		case OPT_MAX_MEM:
			r = parse_u64("--max-mem", optarg, 1, 1 << 20,
				&o->max_mem);
			break;
		case OPT_SNDBUF:
			r = parse_u64("--sndbuf", optarg, 4096, INT_MAX, &v);
			o->sndbuf = (int)v;
			break;
		case OPT_RAW:
			o->raw = true;
			break;
		case OPT_LCORE:
			r = parse_uint("--lcore", optarg, 0, RTE_MAX_LCORE - 1,
				&o->lcore);
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout, argv[0]);
			return 1;
		case ':':
			fprintf(stderr, "wgc-loadgen: %s needs a value\n",
				name);
			return -1;
		default:
			fprintf(stderr, "wgc-loadgen: unknown option '%s' "
				"(--help lists them)\n", name);
			return -1;
		}
	}
	if (r < 0)
		return -1;
	if (optind < argc) {
		fprintf(stderr, "wgc-loadgen: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (!o->have_priv) {
		fprintf(stderr, "wgc-loadgen: --private-key or "
			"--private-key-file is required\n");
		return -1;
	}
	if (!o->have_peer) {
		fprintf(stderr, "wgc-loadgen: --peer-key is required\n");
		return -1;
	}
	if (!o->have_target) {
		fprintf(stderr, "wgc-loadgen: --target IP:PORT is required\n");
		return -1;
	}
	if (o->have_bind && o->bind.addr.family != o->target.addr.family) {
		fprintf(stderr, "wgc-loadgen: --bind and --target are of "
			"different address families\n");
		return -1;
	}
	modes = (o->handshake_only ? 1 : 0) + (o->ping ? 1 : 0) +
		(o->stream ? 1 : 0);
	if (modes != 1) {
		fprintf(stderr, "wgc-loadgen: give exactly one of "
			"--handshake-only, --ping, --stream N\n");
		return -1;
	}
	if ((o->ping || o->stream) &&
			(!o->have_inner_src || !o->have_inner_dst)) {
		fprintf(stderr, "wgc-loadgen: --ping and --stream need "
			"--inner-src and --inner-dst\n");
		return -1;
	}
	if (o->raw && (!o->stream || o->target.addr.family != AF_INET)) {
		fprintf(stderr, "wgc-loadgen: --raw applies to --stream with an "
			"IPv4 --target\n");
		return -1;
	}
	if (o->stream && o->size > o->mtu) {
		fprintf(stderr, "wgc-loadgen: --size %u is larger than "
			"--mtu %u\n", o->size, o->mtu);
		return -1;
	}
	if (o->ping && o->ping_size > o->mtu) {
		fprintf(stderr, "wgc-loadgen: --ping-size %u is larger than "
			"--mtu %u\n", o->ping_size, o->mtu);
		return -1;
	}
	return 0;
}

/* ---- time ---- */

static double
ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void
sleep_until(uint64_t deadline)
{
	struct timespec ts;
	uint64_t now = wgc_clock_mono_ns();

	if (now >= deadline)
		return;
	if (deadline - now < 50000) {
		while (wgc_clock_mono_ns() < deadline)
			rte_pause();
		return;
	}
	ts.tv_sec = deadline / WGC_NSEC_PER_SEC;
	ts.tv_nsec = deadline % WGC_NSEC_PER_SEC;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* ---- socket ---- */

static int
open_socket(struct lg_ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, fam = c->o->target.addr.family;

	fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "wgc-loadgen: socket: %s\n", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &c->o->sndbuf,
			sizeof(c->o->sndbuf)) < 0)
		fprintf(stderr, "wgc-loadgen: SO_SNDBUF: %s (ignored)\n",
			strerror(errno));
	if (c->o->have_bind) {
		sl = wgc_endpoint_to_sockaddr(&c->o->bind, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
			fprintf(stderr, "wgc-loadgen: bind: %s\n",
				strerror(errno));
			close(fd);
			return -1;
		}
	}
	sl = wgc_endpoint_to_sockaddr(&c->o->target, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "wgc-loadgen: connect: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	c->fd = fd;
	return 0;
}

static int
send_msg(struct lg_ctx *c, const void *p, size_t len)
{
	ssize_t n = send(c->fd, p, len, 0);

	/* a pending ICMP error is reported (and cleared) once: retry */
	if (n < 0 && (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			errno == ENETUNREACH || errno == EHOSTDOWN ||
			errno == ENOBUFS))
		n = send(c->fd, p, len, 0);

	if (n != (ssize_t)len) {
		fprintf(stderr, "wgc-loadgen: send: %s\n",
			n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

/*
 * Wait until deadline for one datagram. ICMP errors (port unreachable)
 * surface as ECONNREFUSED on a connected socket and are retried.
 * @return its length, 0 on timeout, -1 on error.
 */
static ssize_t
recv_until(struct lg_ctx *c, uint8_t *buf, size_t cap, uint64_t deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	for (;;) {
		uint64_t now = wgc_clock_mono_ns();
		int ms, r;
		ssize_t n;

		if (now >= deadline)
			return 0;
		ms = (int)((deadline - now + 999999) / 1000000);
		r = poll(&pfd, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "wgc-loadgen: poll: %s\n",
				strerror(errno));
			return -1;
		}
		if (r == 0)
			continue;
		n = recv(c->fd, buf, cap, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR ||
				errno == ECONNREFUSED || errno == EHOSTUNREACH ||
				errno == ENETUNREACH || errno == EHOSTDOWN))
			continue;
		if (n < 0) {
			fprintf(stderr, "wgc-loadgen: recv: %s\n",
				strerror(errno));
			return -1;
		}
		return n;
	}
}

/* ---- protocol ---- */

static int
setup_proto(struct lg_ctx *c)
{
	char name[64];

	snprintf(name, sizeof(name), "wgce2e_lg_id_%d", getpid());
	c->id = wgc_identity_create(name, c->o->priv, SOCKET_ID_ANY);
	if (c->id == NULL) {
		fprintf(stderr, "wgc-loadgen: identity: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	snprintf(name, sizeof(name), "wgce2e_lg_ix_%d", getpid());
	c->t = wgc_index_table_create(name, 64, SOCKET_ID_ANY, NULL);
	if (c->t == NULL) {
		fprintf(stderr, "wgc-loadgen: index table: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	if (wgc_peer_proto_init(&c->peer, c->id, c->t, c->o->peer_pub,
			c->o->have_psk ? c->o->psk : NULL, c) < 0) {
		fprintf(stderr, "wgc-loadgen: peer setup failed (bad key?)\n");
		return -1;
	}
	c->eng = wgc_aead_engine_create(WGC_AEAD_ENGINE_AUTO, SOCKET_ID_ANY);
	if (c->eng == NULL) {
		fprintf(stderr, "wgc-loadgen: AEAD engine: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
send_initiation(struct lg_ctx *c, uint64_t now)
{
	uint8_t init[WGC_MSG_INITIATION_LEN];
	int r;

	r = wgc_handshake_create_initiation(&c->peer, init, now,
		wgc_clock_wall_ns());
	if (r < 0) {
		fprintf(stderr, "wgc-loadgen: cannot create an initiation: %s\n",
			strerror(-r));
		return -1;
	}
	return send_msg(c, init, sizeof(init));
}

/* @return 0 when a session is established, -1 otherwise. */
static int
do_handshake(struct lg_ctx *c, uint64_t *took_ns)
{
	uint64_t start = wgc_clock_mono_ns();
	uint64_t deadline = start + (uint64_t)(c->o->timeout * 1e9);
	uint64_t next_retx;
	unsigned int sent = 1, cookies = 0;
	uint8_t buf[2048];

	if (send_initiation(c, start) < 0)
		return -1;
	next_retx = start + LG_RETRANSMIT_NS;
	for (;;) {
		struct wgc_peer_proto *got = NULL;
		uint64_t now = wgc_clock_mono_ns();
		ssize_t n;
		unsigned int type;

		if (now >= deadline) {
			fprintf(stderr, "wgc-loadgen: handshake timed out after "
				"%.1f s (%u initiations sent, %u cookie "
				"replies)\n", c->o->timeout, sent, cookies);
			return -1;
		}
		if (now >= next_retx) {
			if (send_initiation(c, now) < 0)
				return -1;
			sent++;
			next_retx = now + LG_RETRANSMIT_NS;
		}
		n = recv_until(c, buf, sizeof(buf), RTE_MIN(deadline,
			next_retx));
		if (n < 0)
			return -1;
		if (n == 0)
			continue;
		now = wgc_clock_mono_ns();
		type = wgc_msg_classify(buf, (size_t)n);
		if (type == WGC_MSG_RESPONSE) {
			if (wgc_cookie_validate(c->id, NULL, buf, (size_t)n,
					&c->o->target, false, now) !=
					WGC_MAC_ACCEPT) {
				c->rx_bad++;
				continue;
			}
			if (wgc_handshake_consume_response(c->id, c->t, buf,
					(size_t)n, now, &got) != 0 ||
					got != &c->peer) {
				c->rx_bad++;
				continue;
			}
			*took_ns = now - start;
			return 0;
		} else if (type == WGC_MSG_COOKIE_REPLY) {
			if (wgc_cookie_consume_reply(c->id, c->t, buf,
					(size_t)n, now, &got) != 0) {
				c->rx_bad++;
				continue;
			}
			cookies++;
			/* The next initiation carries MAC2. */
			if (send_initiation(c, now) < 0)
				return -1;
			sent++;
			next_retx = now + LG_RETRANSMIT_NS;
		} else {
			c->rx_other++;
		}
	}
}

/* Fill an IPv4 header; payload_len follows it. */
static void
build_ipv4(uint8_t *p, uint16_t total, uint8_t proto, uint16_t id,
		const struct lg_opts *o)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = o->inner_src.s_addr;
	ip->dst_addr = o->inner_dst.s_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* An IPv4/UDP packet of o->size bytes carrying sequence number seq. */
static void
build_udp(uint8_t *p, const struct lg_opts *o, uint64_t seq)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + sizeof(*ip));
	uint8_t *pl = (uint8_t *)(udp + 1);
	uint16_t plen = (uint16_t)(o->size - sizeof(*ip) - sizeof(*udp));
	uint16_t i;

	build_ipv4(p, (uint16_t)o->size, IPPROTO_UDP, (uint16_t)seq, o);
	udp->src_port = rte_cpu_to_be_16(o->sport);
	udp->dst_port = rte_cpu_to_be_16(o->dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(plen + sizeof(*udp)));
	udp->dgram_cksum = 0;
	for (i = 0; i < plen; i++)
		pl[i] = (uint8_t)(i < 8 ? seq >> (56 - 8 * i) : i);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
}

static void
build_echo(uint8_t *p, const struct lg_opts *o, uint16_t ident,
		uint16_t seq)
{
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(p + 20);
	uint16_t len = (uint16_t)(o->ping_size - 20), i;
	uint8_t *pl = (uint8_t *)(icmp + 1);

	build_ipv4(p, (uint16_t)o->ping_size, IPPROTO_ICMP, seq, o);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = rte_cpu_to_be_16(ident);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(seq);
	for (i = 0; i < len - sizeof(*icmp); i++)
		pl[i] = (uint8_t)i;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, len);
	if (icmp->icmp_cksum == 0)
		icmp->icmp_cksum = 0xffff;
}

static void
slot_view(struct wgc_view *v, uint8_t *slot, uint32_t len, uint32_t cap)
{
	memset(v, 0, sizeof(*v));
	v->data = slot + LG_HEADROOM;
	v->len = len;
	v->headroom = LG_HEADROOM;
	v->tailroom = (uint16_t)(cap - LG_HEADROOM - len);
}

/* Encrypt one inner packet in slot (built at LG_HEADROOM) and send it. */
static int
send_inner(struct lg_ctx *c, uint8_t *slot, uint32_t len, uint32_t cap)
{
	struct wgc_keypair *kp;
	struct wgc_view v;
	uint64_t now = wgc_clock_mono_ns();
	uint8_t st;

	kp = wgc_keypair_current(&c->peer, now);
	if (kp == NULL) {
		fprintf(stderr, "wgc-loadgen: no valid session to send on\n");
		return -1;
	}
	slot_view(&v, slot, len, cap);
	if (wgc_transport_encap_burst(c->eng, &v, &kp, 1, c->o->mtu, now,
			&st) != 1) {
		fprintf(stderr, "wgc-loadgen: encapsulation failed (status "
			"%u)\n", st);
		return -1;
	}
	return send_msg(c, v.data, v.len);
}

static int
send_keepalive(struct lg_ctx *c)
{
	uint8_t slot[LG_HEADROOM + LG_TAILROOM];

	return send_inner(c, slot, 0, sizeof(slot));
}

/*
 * Receive and decrypt one transport message into buf.
 * @return inner length (0: keepalive), -1 error, -2 timeout.
 */
static int
recv_inner(struct lg_ctx *c, uint8_t *buf, size_t cap, uint64_t deadline,
		uint8_t **inner)
{
	for (;;) {
		struct wgc_keypair *kp;
		struct wgc_view v;
		ssize_t n;
		uint8_t st;
		int32_t il;

		n = recv_until(c, buf + LG_HEADROOM, cap - LG_HEADROOM -
			LG_TAILROOM, deadline);
		if (n < 0)
			return -1;
		if (n == 0)
			return -2;
		if (wgc_msg_classify(buf + LG_HEADROOM, (size_t)n) !=
				WGC_MSG_TRANSPORT) {
			c->rx_other++;
			continue;
		}
		kp = wgc_index_lookup_keypair(c->t, wgc_msg_receiver_index(
			buf + LG_HEADROOM, WGC_MSG_TRANSPORT));
		if (kp == NULL) {
			c->rx_bad++;
			continue;
		}
		slot_view(&v, buf, (uint32_t)n, (uint32_t)cap);
		if (wgc_transport_decap_burst(c->eng, &v, &kp, 1,
				wgc_clock_mono_ns(), &st, NULL, NULL) != 1) {
			c->rx_bad++;
			continue;
		}
		c->rx_transport++;
		il = wgc_transport_inner_len(v.data, v.len);
		if (il < 0) {
			c->rx_bad++;
			continue;
		}
		if (il == 0)
			c->rx_keepalive++;
		*inner = v.data;
		return il;
	}
}

static int
do_ping(struct lg_ctx *c)
{
	const struct lg_opts *o = c->o;
	uint32_t cap = LG_HEADROOM + LG_MAX_SIZE + LG_TAILROOM;
	uint16_t ident = (uint16_t)getpid();
	unsigned int i, answered = 0;
	uint8_t *slot, *rbuf;
	int ret = LG_EXIT_OK;

	slot = malloc(cap);
	rbuf = malloc(cap);
	if (slot == NULL || rbuf == NULL) {
		free(slot);
		free(rbuf);
		fprintf(stderr, "wgc-loadgen: out of memory\n");
		return LG_EXIT_SETUP;
	}
	for (i = 0; i < o->ping_count; i++) {
		uint64_t t0 = wgc_clock_mono_ns();
		uint64_t deadline = t0 + (uint64_t)(o->timeout * 1e9);
		bool ok = false;

		build_echo(slot + LG_HEADROOM, o, ident, (uint16_t)i);
		if (send_inner(c, slot, o->ping_size, cap) < 0) {
			ret = LG_EXIT_PING;
			break;
		}
		while (!ok) {
			const struct rte_ipv4_hdr *ip;
			const struct rte_icmp_hdr *icmp;
			uint8_t *in = NULL;
			int il;

			il = recv_inner(c, rbuf, cap, deadline, &in);
			if (il == -2 || il == -1)
				break;
			if (il < (int)(20 + sizeof(*icmp)))
				continue;
			ip = (const struct rte_ipv4_hdr *)in;
			if ((ip->version_ihl >> 4) != 4 ||
					ip->next_proto_id != IPPROTO_ICMP ||
					ip->src_addr != o->inner_dst.s_addr ||
					ip->dst_addr != o->inner_src.s_addr)
				continue;
			icmp = (const struct rte_icmp_hdr *)(in +
				rte_ipv4_hdr_len(ip));
			if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REPLY &&
					rte_be_to_cpu_16(icmp->icmp_ident) ==
					ident &&
					rte_be_to_cpu_16(icmp->icmp_seq_nb) ==
					(uint16_t)i)
				ok = true;
		}
		if (!ok) {
			printf("loadgen: ping seq=%u: no reply within %.1f s\n",
				i, o->timeout);
			continue;
		}
		answered++;
		printf("loadgen: ping seq=%u reply from %s time=%.3f ms\n", i,
			inet_ntoa(o->inner_dst),
			(double)(wgc_clock_mono_ns() - t0) / 1e6);
		if (i + 1 < o->ping_count)
			sleep_until(wgc_clock_mono_ns() + 200000000ULL);
	}
	printf("loadgen: ping sent=%u answered=%u\n", o->ping_count,
		answered);
	free(slot);
	free(rbuf);
	if (ret == LG_EXIT_OK && answered != o->ping_count)
		ret = LG_EXIT_PING;
	return ret;
}

/*
 * --raw: find the interface holding the UDP socket's local address, its
 * MAC, the target's MAC from the kernel's ARP table (filled by the
 * handshake), open an AF_PACKET socket on it and prepare the outer
 * Ethernet/IPv4/UDP headers.
 */
static int
raw_setup(struct lg_ctx *c)
{
	struct sockaddr_in local;
	socklen_t sl = sizeof(local);
	struct ifaddrs *ifa, *it;
	char ifname[IF_NAMESIZE] = "", line[256], tip[INET_ADDRSTRLEN];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)c->raw_hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	struct sockaddr_ll sll;
	struct ifreq ifr;
	bool have_mac = false;
	int one = 1;
	FILE *f;

	if (getsockname(c->fd, (struct sockaddr *)&local, &sl) < 0 ||
			getifaddrs(&ifa) < 0) {
		fprintf(stderr, "wgc-loadgen: --raw: %s\n", strerror(errno));
		return -1;
	}
	for (it = ifa; it != NULL; it = it->ifa_next)
		if (it->ifa_addr != NULL && it->ifa_addr->sa_family == AF_INET &&
				((struct sockaddr_in *)it->ifa_addr)->sin_addr.s_addr
				== local.sin_addr.s_addr) {
			snprintf(ifname, sizeof(ifname), "%s", it->ifa_name);
			break;
		}
	freeifaddrs(ifa);
	if (ifname[0] == '\0') {
		fprintf(stderr, "wgc-loadgen: --raw: no interface holds %s\n",
			inet_ntoa(local.sin_addr));
		return -1;
	}
	inet_ntop(AF_INET, &c->o->target.addr.v4, tip, sizeof(tip));
	f = fopen("/proc/net/arp", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char a[64], hw[64], dev[64];
		unsigned int m[6], k;

		if (sscanf(line, "%63s %*s %*s %63s %*s %63s", a, hw, dev) != 3 ||
				strcmp(a, tip) != 0 || strcmp(dev, ifname) != 0 ||
				sscanf(hw, "%x:%x:%x:%x:%x:%x", &m[0], &m[1],
				&m[2], &m[3], &m[4], &m[5]) != 6)
			continue;
		for (k = 0; k < 6; k++)
			eth->dst_addr.addr_bytes[k] = (uint8_t)m[k];
		have_mac = !rte_is_zero_ether_addr(&eth->dst_addr);
	}
	if (f != NULL)
		fclose(f);
	if (!have_mac) {
		fprintf(stderr, "wgc-loadgen: --raw: no ARP entry for %s on %s "
			"(the target must be on-link)\n", tip, ifname);
		return -1;
	}
	c->raw_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (c->raw_fd < 0) {
		fprintf(stderr, "wgc-loadgen: --raw: AF_PACKET socket: %s\n",
			strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(c->raw_fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "wgc-loadgen: --raw: %s: %s\n", ifname,
			strerror(errno));
		return -1;
	}
	memcpy(eth->src_addr.addr_bytes, ifr.ifr_hwaddr.sa_data, 6);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0; /* send only */
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (bind(c->raw_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "wgc-loadgen: --raw: bind %s: %s\n", ifname,
			strerror(errno));
		return -1;
	}
	setsockopt(c->raw_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		sizeof(one));
	setsockopt(c->raw_fd, SOL_SOCKET, SO_SNDBUF, &c->o->sndbuf,
		sizeof(c->o->sndbuf));
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->src_addr = local.sin_addr.s_addr;
	ip->dst_addr = c->o->target.addr.v4.s_addr;
	udp->src_port = local.sin_port;
	udp->dst_port = rte_cpu_to_be_16(c->o->target.port);
	printf("loadgen: raw frames on %s from %s:%u\n", ifname,
		inet_ntoa(local.sin_addr), ntohs(local.sin_port));
	return 0;
}

/* Put the outer headers in front of a transport message (in headroom). */
static void
raw_frame(struct lg_ctx *c, struct wgc_view *v)
{
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint32_t wg_len = v->len;
	uint8_t *p;

	p = wgc_view_prepend(v, sizeof(c->raw_hdr));
	memcpy(p, c->raw_hdr, sizeof(c->raw_hdr));
	ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);
	udp = (struct rte_udp_hdr *)(ip + 1);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(wg_len + 28));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(wg_len + 8));
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
}

static int
do_stream(struct lg_ctx *c)
{
	const struct lg_opts *o = c->o;
	uint32_t stride = RTE_ALIGN_CEIL(LG_HEADROOM + o->size + LG_TAILROOM,
		RTE_CACHE_LINE_SIZE);
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct wgc_keypair *kps[WGC_TRANSPORT_BURST_MAX];
	struct wgc_view views[WGC_TRANSPORT_BURST_MAX];
	uint8_t st[WGC_TRANSPORT_BURST_MAX];
	uint64_t i, n = o->stream, sent = 0, bytes = 0, retries = 0;
	uint64_t t0, t1, tb0, born;
	uint8_t *mem;
	int ret = LG_EXIT_OK;

	if (n * stride > o->max_mem << 20) {
		fprintf(stderr, "wgc-loadgen: --stream %" PRIu64 " --size %u "
			"needs %" PRIu64 " MB, over --max-mem %" PRIu64 "\n",
			n, o->size, (n * stride) >> 20, o->max_mem);
		return LG_EXIT_USAGE;
	}
	mem = malloc(n * stride);
	iov = calloc(n, sizeof(*iov));
	msgs = calloc(o->batch, sizeof(*msgs));
	if (mem == NULL || iov == NULL || msgs == NULL) {
		fprintf(stderr, "wgc-loadgen: out of memory for the stream\n");
		ret = LG_EXIT_SETUP;
		goto out;
	}
	if (o->raw && raw_setup(c) < 0) {
		ret = LG_EXIT_SETUP;
		goto out;
	}
	tb0 = wgc_clock_mono_ns();
	for (i = 0; i < n; i += WGC_TRANSPORT_BURST_MAX) {
		uint16_t k, m = (uint16_t)RTE_MIN((uint64_t)
			WGC_TRANSPORT_BURST_MAX, n - i);
		struct wgc_keypair *kp;
		uint64_t now = wgc_clock_mono_ns();

		kp = wgc_keypair_current(&c->peer, now);
		if (kp == NULL) {
			fprintf(stderr, "wgc-loadgen: session expired while "
				"building the stream\n");
			ret = LG_EXIT_HANDSHAKE;
			goto out;
		}
		for (k = 0; k < m; k++) {
			uint8_t *slot = mem + (i + k) * stride;

			build_udp(slot + LG_HEADROOM, o, i + k);
			slot_view(&views[k], slot, o->size, stride);
			kps[k] = kp;
		}
		if (wgc_transport_encap_burst(c->eng, views, kps, m, o->mtu,
				now, st) != m) {
			fprintf(stderr, "wgc-loadgen: encapsulation failed at "
				"packet %" PRIu64 "\n", i);
			ret = LG_EXIT_SETUP;
			goto out;
		}
		for (k = 0; k < m; k++) {
			if (o->raw)
				raw_frame(c, &views[k]);
			iov[i + k].iov_base = views[k].data;
			iov[i + k].iov_len = views[k].len;
		}
	}
	born = c->peer.keypairs.current->birthdate;
	printf("loadgen: stream built packets=%" PRIu64 " size=%u wire=%zu "
		"in %.3f s\n", n, o->size, iov[0].iov_len,
		ns_to_s(wgc_clock_mono_ns() - tb0));
	if (wgc_clock_mono_ns() - born > LG_MAX_KEYPAIR_AGE) {
		fprintf(stderr, "wgc-loadgen: building took too long: the "
			"session is older than %llu s; use a smaller --stream\n",
			LG_MAX_KEYPAIR_AGE / WGC_NSEC_PER_SEC);
		ret = LG_EXIT_SETUP;
		goto out;
	}

	t0 = wgc_clock_mono_ns();
	while (sent < n) {
		unsigned int b = (unsigned int)RTE_MIN((uint64_t)o->batch,
			n - sent), k;
		int r;

		if (o->pps)
			sleep_until(t0 + sent * WGC_NSEC_PER_SEC / o->pps);
		for (k = 0; k < b; k++) {
			msgs[k].msg_hdr.msg_iov = &iov[sent + k];
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(o->raw ? c->raw_fd : c->fd, msgs, b, 0);
		if (r < 0) {
			/*
			 * Full queues, and ICMP errors the kernel reports
			 * once on a connected socket (the target's stack
			 * may answer a frame its own data plane consumed):
			 * transient, try again.
			 */
			if (errno == ENOBUFS || errno == EAGAIN ||
					errno == EINTR || errno == ECONNREFUSED ||
					errno == EHOSTUNREACH ||
					errno == ENETUNREACH ||
					errno == EHOSTDOWN) {
				retries++;
				if (retries > 100000000ULL) {
					fprintf(stderr, "wgc-loadgen: sendmmsg "
						"keeps failing: %s\n",
						strerror(errno));
					ret = LG_EXIT_SETUP;
					goto out;
				}
				continue;
			}
			fprintf(stderr, "wgc-loadgen: sendmmsg: %s\n",
				strerror(errno));
			ret = LG_EXIT_SETUP;
			goto out;
		}
		for (k = 0; k < (unsigned int)r; k++)
			bytes += iov[sent + k].iov_len;
		sent += (uint64_t)r;
	}
	t1 = wgc_clock_mono_ns();
	printf("loadgen: stream sent=%" PRIu64 " wire_bytes=%" PRIu64
		" seconds=%.6f pps=%.0f inner_gbps=%.3f send_retries=%" PRIu64
		"\n", sent, bytes, ns_to_s(t1 - t0),
		(double)sent / ns_to_s(t1 - t0 + 1),
		(double)sent * o->size * 8 / ns_to_s(t1 - t0 + 1) / 1e9,
		retries);
out:
	free(msgs);
	free(iov);
	free(mem);
	return ret;
}

static void
teardown(struct lg_ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->raw_fd >= 0)
		close(c->raw_fd);
	if (c->t != NULL)
		wgc_peer_proto_fini(&c->peer);
	wgc_aead_engine_free(c->eng);
	wgc_index_table_free(c->t);
	wgc_identity_free(c->id);
}

int
main(int argc, char **argv)
{
	char prefix[64], lcores[32];
	char *eal_argv[] = {
		argv[0], "-l", lcores, "--no-huge", "-m", "256", "--no-pci",
		"--no-shconf", "--file-prefix", prefix, "--log-level", "error",
		NULL,
	};
	struct lg_opts o;
	struct lg_ctx c;
	uint64_t took = 0;
	int r, ret;

	r = parse_args(argc, argv, &o);
	if (r != 0)
		return r > 0 ? LG_EXIT_OK : LG_EXIT_USAGE;
	snprintf(prefix, sizeof(prefix), "wgce2e-%d", getpid());
	snprintf(lcores, sizeof(lcores), "%u", o.lcore);
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "wgc-loadgen: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return LG_EXIT_SETUP;
	}
	if (wgc_crypto_init() < 0) {
		fprintf(stderr, "wgc-loadgen: crypto init failed\n");
		rte_eal_cleanup();
		return LG_EXIT_SETUP;
	}
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.raw_fd = -1;
	c.o = &o;
	if (setup_proto(&c) < 0 || open_socket(&c) < 0) {
		ret = LG_EXIT_SETUP;
		goto out;
	}
	if (do_handshake(&c, &took) < 0) {
		ret = LG_EXIT_HANDSHAKE;
		goto out;
	}
	printf("loadgen: handshake ok ms=%.3f\n", (double)took / 1e6);
	/*
	 * As an initiator with nothing staged does: a keepalive confirms
	 * the session to the responder (which only then counts the
	 * handshake as complete and may send on it).
	 */
	if (send_keepalive(&c) < 0) {
		ret = LG_EXIT_SETUP;
		goto out;
	}
	if (o.ping)
		ret = do_ping(&c);
	else if (o.stream)
		ret = do_stream(&c);
	else
		ret = LG_EXIT_OK;
	printf("loadgen: received transport=%" PRIu64 " keepalive=%" PRIu64
		" other=%" PRIu64 " bad=%" PRIu64 "\n", c.rx_transport,
		c.rx_keepalive, c.rx_other, c.rx_bad);
out:
	fflush(stdout);
	teardown(&c);
	rte_eal_cleanup();
	return ret;
}
