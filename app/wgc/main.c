/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgc: the concentrator daemon.
 *
 *   wgc [--config FILE] [--once]
 *
 * Without --config it runs on the embedded default (config/default.json):
 * a net_tap outer port (kernel side wgc-wan), a TUN wgc0, state in
 * /var/lib/wgc with a private key generated at first start; no NIC needed.
 * --once starts everything, prints the state and stops (no control
 * sockets). SIGINT/SIGTERM stop cleanly; SIGUSR1 prints the counters;
 * SIGHUP reloads the --config file (reload.c). Under systemd it reports
 * readiness, reloads, stopping and watchdog pings (notify.c).
 *
 * Threads: the main lcore runs the handshake stage (handshakes, timers,
 * ARP/ND); each worker lcore runs one pipeline loop on its own RX/TX
 * queues (lib/pipeline); the control plane (lib/control: REST, UAPI,
 * persistence) runs in its own threads. Every change of peers or of the
 * interface goes through the device's apply (lib/device), serialised with
 * the handshake stage by the peer table's writer mutex. Workers never
 * lock. This file keeps EAL, the edges and the signals.
 *
 * Startup order: config -> device (identity, empty peer table) -> edges ->
 * pipeline (nothing runs yet) -> the config's peers through the device's
 * apply -> control plane (the state directory wins over the config's
 * peers when control.state_wins; sockets open) -> ports start -> workers
 * launch. Traffic therefore only ever sees the final peer set.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "wgc_conf.h"
#include "wgc_control.h"
#include "wgc_device.h"
#include "wgc_ethdev.h"
#include "wgc_iobuf.h"
#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_pipeline.h"
#include "wgc_proto.h"
#include "wgc_tun.h"

#include "log.h"
#include "notify.h"
#include "cluster.h"
#include "ondemand.h"
#include "outer.h"
#include "reload.h"
#include "telemetry.h"

extern const char wgc_default_config[];
extern const size_t wgc_default_config_len;

#define MAX_EAL_ARGS 128
#define MIN_PEERS 1024u
/* virtio-user inner port: descriptors per queue, and what its frames need
 * beyond the MTU in a default-pool buffer (what drivers/ethdev checks:
 * frame headers, the transport trailer, 64-byte alignment slack) */
#define VIRTIO_QUEUE_SIZE 1024u
#define VIRTIO_POOL_EXTRA_ROOM (WGC_ETHDEV_FRAME_HDR_MAX + \
	WGC_IOBUF_TRAILER_MAX + 63u)

static volatile sig_atomic_t stop;
static volatile sig_atomic_t dump;
static volatile sig_atomic_t reload;
static pthread_t main_thread;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1) {
		dump = 1;
		return;
	}
	if (sig == SIGHUP) {
		reload = 1;
		return;
	}
	stop = 1;
	/* interrupt the main thread wherever it blocks (see set_signals) */
	if (!pthread_equal(pthread_self(), main_thread))
		pthread_kill(main_thread, sig);
}

/*
 * During setup SIGINT/SIGTERM interrupt blocking calls (no SA_RESTART):
 * a PMD probe may wait without end, e.g. virtio_user with server=1
 * accepting its vhost-user backend. Once up, calls restart as usual.
 */
static void
set_signals(bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	/* a reload request never interrupts the setup's blocking calls */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--config FILE] [--once]\n"
		"  --config FILE    startup configuration (JSON); default: embedded\n"
		"  --once           start, print the state and exit (no control\n"
		"                   sockets)\n", prog);
}

/* everything the daemon holds, torn down in reverse order */
struct wgc_daemon {
	struct wgc_startup_conf conf;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr;
	struct wgc_device *dev;
	/* the device's (freed with it) */
	struct wgc_identity *id;
	struct wgc_peers *peers;
	struct wgc_pipeline *pl;
	struct wgc_app_outer outer;
	struct wgc_tun *tun;
	struct wgc_ethdev *inner_eth;
	struct wgc_control *ctl;
	struct wgc_cluster *cluster;  /* control.cluster, else NULL */
	struct wgc_monitor *mon;
	struct wgc_app_ondemand *ondemand;  /* NULL: not on demand */
	bool once;
	uint16_t nb_workers;
	unsigned int lcores[WGC_PIPELINE_WORKERS_MAX];
	struct wgc_pipeline_launch launch[WGC_PIPELINE_WORKERS_MAX];
	/* handshake lcores other than the main one; hs_on_main: the main
	 * lcore answers handshakes too (the pipeline's first) */
	uint16_t nb_hs;
	bool hs_on_main;
	unsigned int hs_lcores[WGC_PIPELINE_HANDSHAKE_MAX];
	struct wgc_pipeline_launch hs_launch[WGC_PIPELINE_HANDSHAKE_MAX];
	bool launched;
	bool eal;
};

/* ---- edges ---- */

static uint16_t
tun_rx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	return wgc_tun_rx_burst(ctx, q, v, n);
}

static uint16_t
tun_tx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	return wgc_tun_tx_burst(ctx, q, v, n);
}

static uint16_t
null_rx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	return 0;
}

static uint16_t
null_tx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	wgc_view_release_all(v, n);
	return 0;
}

/* ---- setup ---- */

/* handshake_lcores (lib/conf checked that none is a worker) */
static int
setup_handshake_lcores(struct wgc_daemon *d)
{
	unsigned int lc, i;

	d->hs_on_main = d->conf.n_handshake_lcores == 0;
	if (d->conf.n_handshake_lcores > WGC_PIPELINE_HANDSHAKE_MAX) {
		fprintf(stderr, "wgc: handshake_lcores: at most %u\n",
			WGC_PIPELINE_HANDSHAKE_MAX);
		return -1;
	}
	for (i = 0; i < d->conf.n_handshake_lcores; i++) {
		lc = d->conf.handshake_lcores[i];
		if (lc == rte_get_main_lcore()) {
			d->hs_on_main = true;
			continue;
		}
		if (lc >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lc)) {
			fprintf(stderr, "wgc: handshake_lcores[%u]: lcore %u is "
				"not enabled (EAL -l)\n", i, lc);
			return -1;
		}
		d->hs_lcores[d->nb_hs++] = lc;
	}
	return 0;
}

static bool
is_handshake_lcore(const struct wgc_daemon *d, unsigned int lc)
{
	unsigned int k;

	for (k = 0; k < d->nb_hs; k++)
		if (d->hs_lcores[k] == lc)
			return true;
	return false;
}

static int
setup_workers(struct wgc_daemon *d)
{
	unsigned int lc, i;

	if (setup_handshake_lcores(d) < 0)
		return -1;
	if (d->conf.n_workers > 0) {
		if (d->conf.n_workers > WGC_PIPELINE_WORKERS_MAX) {
			fprintf(stderr, "wgc: at most %u workers\n",
				WGC_PIPELINE_WORKERS_MAX);
			return -1;
		}
		for (i = 0; i < d->conf.n_workers; i++) {
			lc = d->conf.workers[i];
			if (lc >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lc) ||
					lc == rte_get_main_lcore()) {
				fprintf(stderr, "wgc: workers[%u]: lcore %u is "
					"not an enabled worker lcore (EAL -l)\n",
					i, lc);
				return -1;
			}
			d->lcores[d->nb_workers++] = lc;
		}
	} else {
		RTE_LCORE_FOREACH_WORKER(lc) {
			if (d->nb_workers == WGC_PIPELINE_WORKERS_MAX)
				break;
			if (!is_handshake_lcore(d, lc))
				d->lcores[d->nb_workers++] = lc;
		}
	}
	if (d->nb_workers == 0) {
		fprintf(stderr, "wgc: no worker lcore: give EAL at least two "
			"lcores (e.g. \"-l\", \"0-1\")\n");
		return -1;
	}
	return 0;
}

/*
 * virtio_user with server=1 binds its socket path and fails if the file
 * exists: a socket nobody listens on (left by a crash or an interrupted
 * start) is removed; a live one is left for bind to report.
 */
static void
virtio_user_stale_socket(const char *name)
{
	const char *args = strchr(name, ',');
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = args != NULL ? (size_t)(args - name) : strlen(name);
	struct stat st;
	int fd;

	if (args == NULL || strstr(args, ",server=1") == NULL ||
			len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, name, len);
	if (lstat(sa.sun_path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
			errno == ECONNREFUSED && unlink(sa.sun_path) == 0)
		printf("wgc: inner virtio_user: removed stale socket %s\n",
			sa.sun_path);
	close(fd);
}

/* L3 MTU of an ethdev / virtio_user inner port */
static uint16_t
inner_port_mtu(const struct wgc_inner_conf *in)
{
	if (in->port_mtu != 0)
		return in->port_mtu;
	return RTE_MAX(in->mtu, (uint16_t)RTE_ETHER_MTU);
}

/* ICMP error sources, MSS clamping: from inner.addresses, inner.mss_clamp */
static void
setup_inner_l3(const struct wgc_inner_conf *in, struct wgc_pipeline_conf *plc)
{
	unsigned int i;

	for (i = 0; i < in->n_addresses; i++) {
		const struct wgc_prefix *c = &in->addresses[i];

		if (c->addr.family == AF_INET && plc->icmp_src4.family == 0)
			plc->icmp_src4 = c->addr;
		else if (c->addr.family == AF_INET6 &&
				plc->icmp_src6.family == 0)
			plc->icmp_src6 = c->addr;
	}
	if (in->mss_clamp == WGC_MSS_CLAMP_AUTO) {
		plc->mss4 = (uint16_t)(in->mtu - 40);
		plc->mss6 = (uint16_t)(in->mtu - 60);
	} else if (in->mss_clamp != WGC_MSS_CLAMP_OFF) {
		plc->mss4 = in->mss_clamp;
		plc->mss6 = in->mss_clamp;
	}
}

static int
setup_inner(struct wgc_daemon *d, struct wgc_pipeline_edge *edge,
		bool *l2)
{
	const struct wgc_inner_conf *in = &d->conf.inner;
	struct wgc_ethdev_conf ec = { 0 };
	char devname[300];
	unsigned int i;

	*l2 = false;
	if (in->type == WGC_INNER_TUN) {
		struct wgc_tun_conf tc = { 0 };

		tc.name = in->name;
		tc.nb_queues = d->nb_workers;
		tc.mtu = in->mtu;
		tc.recycler = wgc_iobuf_default_recycler();
		tc.offload = in->offload;
		if (in->n_addresses > WGC_TUN_ADDRS_MAX) {
			fprintf(stderr, "wgc: inner: at most %u addresses\n",
				WGC_TUN_ADDRS_MAX);
			return -1;
		}
		for (i = 0; i < in->n_addresses; i++)
			tc.addrs[i] = in->addresses[i];
		tc.nb_addrs = in->n_addresses;
		d->tun = wgc_tun_open(&tc);
		if (d->tun == NULL) {
			fprintf(stderr, "wgc: TUN %s: %s\n", in->name,
				rte_strerror(rte_errno));
			return -1;
		}
		edge->rx = tun_rx;
		edge->tx = tun_tx;
		edge->ctx = d->tun;
		return 0;
	}
	if (in->type == WGC_INNER_ETHDEV && strcmp(in->name, "none") == 0) {
		edge->rx = null_rx;
		edge->tx = null_tx;
		edge->ctx = NULL;
		return 0;
	}
	if (in->type == WGC_INNER_VIRTIO_USER) {
		snprintf(devname, sizeof(devname),
			"virtio_user_wgc,path=%s,queues=%u,queue_size=%u",
			in->name, d->nb_workers, VIRTIO_QUEUE_SIZE);
		ec.devname = devname;
		/* the design: virtio-user on the default pool */
		ec.pool = d->pool;
		ec.recycler = wgc_iobuf_default_recycler();
		ec.lsc_intr = true;
		virtio_user_stale_socket(in->name);
	} else {
		ec.devname = in->name;
	}
	ec.nb_rx_queues = d->nb_workers;
	ec.nb_tx_queues = d->nb_workers;
	/* the inner link may carry packets longer than the tunnel MTU: they
	 * get an ICMP error instead of vanishing at the port */
	ec.mtu = inner_port_mtu(in);
	ec.socket_id = SOCKET_ID_ANY;
	d->inner_eth = wgc_ethdev_open(&ec);
	if (d->inner_eth == NULL) {
		fprintf(stderr, "wgc: inner port %s: %s\n", ec.devname,
			rte_strerror(rte_errno));
		if (in->type == WGC_INNER_VIRTIO_USER && !stop)
			fprintf(stderr, "wgc: inner virtio_user: is a "
				"vhost-user backend listening on that path? "
				"(or give \",server=1\" after the path and let "
				"the backend connect)\n");
		return -1;
	}
	edge->rx = wgc_app_eth_rx;
	edge->tx = wgc_app_eth_tx;
	edge->ctx = d->inner_eth;
	*l2 = true;
	return 0;
}

/* ---- control plane ---- */

/* the TUN edge's counters */
static unsigned int
stats_edges(struct wgc_daemon *d, struct wgc_stat *out, unsigned int n,
		unsigned int max)
{
	if (d->tun != NULL) {
		struct wgc_tun_stats ts;

		wgc_tun_stats(d->tun, &ts);
#define PUT(f) n = wgc_stat_put(out, n, max, "tun_" #f, "", -1, ts.f)
		PUT(rx_packets);
		PUT(rx_bytes);
		PUT(rx_nobuf);
		PUT(rx_errors);
		PUT(tx_packets);
		PUT(tx_bytes);
		PUT(tx_errors);
		PUT(tx_gro);
		PUT(rx_gso);
#undef PUT
	}
	return n;
}

/* the edges' counters for /v1/stats and /metrics: lib/net and the TUN
 * edge (the device reports lib/proto's, the pipeline's and the parking
 * lot's itself) */
static int
daemon_stats(void *ctx, struct wgc_stat *out, unsigned int max)
{
	struct wgc_daemon *d = ctx;
	struct wgc_net_stats ns;
	unsigned int n = 0, i;
	char name[32];

	wgc_app_outer_net_sum(&d->outer, &ns);
#define PUT(f) n = wgc_stat_put(out, n, max, "net_" #f, "", -1, ns.f)
	PUT(rx_wg);
	PUT(rx_arp);
	PUT(rx_nd);
	PUT(rx_echo);
	PUT(rx_icmp_error);
	PUT(tx_encap);
	PUT(tx_held);
	PUT(arp_reply_tx);
	PUT(arp_request_tx);
	PUT(nd_na_tx);
	PUT(nd_ns_tx);
	PUT(echo_reply_tx);
	PUT(neigh_learned);
	PUT(neigh_expired);
	PUT(hold_flushed);
	PUT(rx_frag);
	PUT(rx_reassembled);
	PUT(tx_fragmented);
	PUT(tx_frags);
#undef PUT
	for (i = 0; i < WGC_NET_DROP__MAX; i++) {
		snprintf(name, sizeof(name), "net_%s", wgc_net_drop_name(i));
		n = wgc_stat_put(out, n, max, "drops", name, -1, ns.drop[i]);
	}
	n = wgc_app_outer_stats(&d->outer, out, n, max);
	n = stats_edges(d, out, n, max);
	return (int)(n + wgc_app_ondemand_stats(d->ondemand, out + n,
		max - n));
}

/* rte_telemetry's /wgc/stats: the device's (the edges' included) and the
 * monitor's figures */
static int
daemon_stats_all(void *ctx, struct wgc_stat *out, unsigned int max)
{
	struct wgc_daemon *d = ctx;
	int n = RTE_MAX(wgc_device_ops.stats_read(d->dev, out, max), 0), k;

	k = wgc_monitor_stats(d->mon, out + n, max - (unsigned int)n);
	return n + RTE_MAX(k, 0);
}

static uint64_t
worker_heartbeat(void *ctx, unsigned int w)
{
	struct wgc_daemon *d = ctx;

	return wgc_pipeline_heartbeat(d->pl, (uint16_t)w);
}

/* the health monitor: every pool, the ports' links, worker heartbeats */
static int
setup_monitor(struct wgc_daemon *d)
{
	int rc;

	d->mon = wgc_monitor_create(NULL);
	if (d->mon == NULL) {
		fprintf(stderr, "wgc: monitor: out of memory\n");
		return -1;
	}
	rc = wgc_monitor_add_pool(d->mon, d->pool);
	if (rc == 0)
		rc = wgc_app_outer_monitor(&d->outer, d->mon);
	if (rc == 0 && d->inner_eth != NULL) {
		rc = wgc_monitor_add_pool(d->mon,
			wgc_ethdev_pool(d->inner_eth));
		if (rc == 0)
			rc = wgc_monitor_add_port(d->mon, "inner",
				wgc_ethdev_port_id(d->inner_eth));
	}
	if (rc == 0)
		rc = wgc_monitor_set_workers(d->mon, d->nb_workers,
			worker_heartbeat, d);
	if (rc != 0) {
		fprintf(stderr, "wgc: monitor: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* PATCH /v1/interface listen_port, UAPI listen_port=: the workers match
 * and send with the new port from their next packet on */
static int
daemon_set_port(void *ctx, uint16_t port)
{
	struct wgc_daemon *d = ctx;

	return wgc_app_outer_set_listen_port(&d->outer, port);
}

/* a socket another live process serves is never taken over */
static int
socket_in_use(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

static int
setup_control(struct wgc_daemon *d)
{
	struct wgc_control_params cp = { 0 };
	struct wgc_conf_error err = { 0 };
	struct wgc_control_conf *cc = &d->conf.control;
	char uapi[sizeof(cc->uapi_dir) + 32];
	sigset_t block, old;

	snprintf(uapi, sizeof(uapi), "%s/%s.sock", cc->uapi_dir,
		d->conf.iface.name);
	if (!d->once && socket_in_use(cc->socket)) {
		fprintf(stderr, "wgc: control.socket %s is served by another "
			"process (set control.socket)\n", cc->socket);
		return -1;
	}
	if (!d->once && cc->uapi_dir[0] != '\0' && socket_in_use(uapi)) {
		fprintf(stderr, "wgc: UAPI socket %s is served by another "
			"process (another interface named %s?)\n", uapi,
			d->conf.iface.name);
		return -1;
	}
	cp.conf = cc;
	cp.ifname = d->conf.iface.name;
	cp.ops = &wgc_device_ops;
	cp.ctx = d->dev;
	cp.monitor = d->mon;
	/* --once: the state directory still applies, no sockets */
	cp.no_rest = d->once;
	cp.no_uapi = d->once;
	/* the control threads leave the stop signals to the main thread */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	d->ctl = wgc_control_create(&cp, &err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (d->ctl == NULL) {
		fprintf(stderr, "wgc: control: %s\n", err.msg);
		return -1;
	}
	if (!d->once)
		printf("wgc: control: REST %s, UAPI %s, state %s\n",
			cc->socket[0] != '\0' ? cc->socket : "(off)",
			cc->uapi_dir[0] != '\0' ? uapi : "(off)",
			cc->state_dir[0] != '\0' ? cc->state_dir :
			"(not persisted)");
	return 0;
}

/*
 * No --single-file-segments yet, and not --legacy-mem (which excludes it:
 * with hugepages that is one file per page, more regions than vhost-user
 * takes, so say so).
 */
static bool
virtio_user_needs_sfs(const struct wgc_daemon *d)
{
	bool legacy = false, nohuge = false;
	int i;

	for (i = 0; i < d->conf.eal_argc; i++) {
		const char *a = d->conf.eal_argv[i];

		if (strcmp(a, "--single-file-segments") == 0)
			return false;
		legacy |= strcmp(a, "--legacy-mem") == 0;
		nohuge |= strcmp(a, "--no-huge") == 0;
	}
	if (legacy && !nohuge)
		fprintf(stderr, "wgc: warning: inner virtio_user with "
			"--legacy-mem on hugepages: the vhost-user backend "
			"may refuse the memory table (use --no-huge or drop "
			"--legacy-mem)\n");
	return !legacy;
}

static int
setup(struct wgc_daemon *d, const char *prog)
{
	struct wgc_peers_params pp = { 0 };
	struct wgc_device_params dp = { 0 };
	struct wgc_pipeline_conf plc = { 0 };
	struct wgc_conf_error err = { 0 };
	char *eal_argv[MAX_EAL_ARGS];
	size_t qsz;
	int i, n = 0;

	eal_argv[n++] = (char *)(uintptr_t)prog;
	for (i = 0; i < d->conf.eal_argc && n < MAX_EAL_ARGS - 2; i++)
		eal_argv[n++] = d->conf.eal_argv[i];
	if (d->conf.inner.type == WGC_INNER_VIRTIO_USER &&
			virtio_user_needs_sfs(d)) {
		/*
		 * vhost-user maps our memory from file descriptors, at most 8
		 * regions: with hugepages one file per page is too many (the
		 * backend refuses the memory table and virtio_user starts
		 * anyway, silently dead). One file per memseg list fits.
		 * --no-huge memory is memfd-backed already; the flag is
		 * harmless there.
		 */
		eal_argv[n++] = (char *)(uintptr_t)"--single-file-segments";
		printf("wgc: inner virtio_user: EAL --single-file-segments "
			"added (vhost-user shares memory by fd)\n");
	}
	eal_argv[n] = NULL;
	if (wgc_app_log_init() != 0)
		fprintf(stderr, "wgc: log stream: %s\n", strerror(errno));
	if (rte_eal_init(n, eal_argv) < 0) {
		fprintf(stderr, "wgc: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	d->eal = true;
	if (setup_workers(d) < 0)
		return -1;
	if (d->conf.inner.type == WGC_INNER_VIRTIO_USER)
		/*
		 * virtio-user receives into the default pool: room for an
		 * Ethernet frame of the MTU plus the trailer sealed in place
		 * (drivers/ethdev checks), and buffers for every descriptor
		 * of its queues on top of the usual count
		 */
		d->pool = wgc_iobuf_default_pool_create(
			inner_port_mtu(&d->conf.inner) + VIRTIO_POOL_EXTRA_ROOM, WGC_IOBUF_DEFAULT_POOL_SIZE +
			2u * VIRTIO_QUEUE_SIZE * d->nb_workers,
			rte_socket_id());
	else
		d->pool = wgc_iobuf_default_pool_create(d->conf.inner.mtu, 0,
			rte_socket_id());
	if (d->pool == NULL) {
		fprintf(stderr, "wgc: default pool: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	/* readers: the workers, then the handshake lcores */
	qsz = rte_rcu_qsbr_get_memsize(d->nb_workers + d->nb_hs + 1);
	d->qsbr = rte_zmalloc("wgc_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (d->qsbr == NULL || rte_rcu_qsbr_init(d->qsbr,
			d->nb_workers + d->nb_hs + 1) != 0) {
		fprintf(stderr, "wgc: RCU: no memory\n");
		return -1;
	}
	pp.name = "wgc";
	pp.max_peers = d->conf.iface.max_peers != 0 ?
		RTE_MAX(d->conf.iface.max_peers, d->conf.n_peers) :
		RTE_MAX(MIN_PEERS, 2 * d->conf.n_peers);
	pp.socket_id = SOCKET_ID_ANY;
	pp.qsbr = d->qsbr;
	/* the port the device reports (REST, UAPI) is the one in use */
	if (d->conf.iface.listen_port == 0)
		d->conf.iface.listen_port = 51820;
	dp.iface = &d->conf.iface;
	dp.peers = &pp;
	dp.socket_id = SOCKET_ID_ANY;
	dp.set_listen_port = daemon_set_port;
	dp.set_listen_port_ctx = d;
	dp.stats = daemon_stats;
	dp.stats_ctx = d;
	d->dev = wgc_device_create(&dp);
	if (d->dev == NULL) {
		fprintf(stderr, "wgc: device: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	d->id = wgc_device_identity(d->dev);
	d->peers = wgc_device_peers(d->dev);
	if (wgc_app_outer_open(&d->outer, &d->conf, d->nb_workers) < 0)
		return -1;
	wgc_app_outer_edges(&d->outer, &plc);
	if (setup_inner(d, &plc.inner, &plc.inner_l2) < 0)
		return -1;
	if (d->inner_eth != NULL) {
		plc.inner_mac = *wgc_ethdev_mac(d->inner_eth);
		memset(&plc.inner_peer_mac, 0xff, sizeof(plc.inner_peer_mac));
	}
	plc.name = "wgc";
	plc.peers = d->peers;
	plc.tx_recycler = wgc_ethdev_recycler(d->outer.p[0].eth);
	plc.nb_workers = d->nb_workers;
	plc.spread = !d->conf.spread_off;
	plc.nb_handshake = d->nb_hs + d->hs_on_main;
	plc.handshake_remote = !d->hs_on_main;
	plc.mtu = d->conf.inner.mtu;
	setup_inner_l3(&d->conf.inner, &plc);
	plc.qsbr = d->qsbr;
	d->ondemand = wgc_app_ondemand_prepare(&d->conf.control.cluster, &plc);
	if (d->ondemand == NULL && errno != 0) {
		fprintf(stderr, "wgc: on demand: %s\n", strerror(errno));
		return -1;
	}
	d->pl = wgc_pipeline_create(&plc);
	if (d->pl == NULL) {
		fprintf(stderr, "wgc: pipeline: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	wgc_device_set_pipeline(d->dev, d->pl);
	if (wgc_device_load(d->dev, d->conf.peers, d->conf.n_peers,
			&err) != 0) {
		fprintf(stderr, "wgc: config: %s\n", err.msg);
		return -1;
	}
	if (setup_monitor(d) < 0 || setup_control(d) < 0 || (!d->once &&
			(wgc_app_ondemand_start(d->ondemand, d->ctl, d->peers,
				d->pl, d->conf.peers, d->conf.n_peers) < 0 ||
			wgc_app_cluster_start(&d->conf, d->ctl, d->pl,
				d->ondemand, &d->cluster) < 0)))
		return -1;
	if (wgc_app_outer_start(&d->outer) < 0 ||
			(d->inner_eth != NULL &&
			wgc_ethdev_start(d->inner_eth) < 0)) {
		fprintf(stderr, "wgc: cannot start ports\n");
		return -1;
	}
	return 0;
}

static void
launch_workers(struct wgc_daemon *d)
{
	uint16_t w;

	for (w = 0; w < d->nb_workers; w++) {
		d->launch[w].pl = d->pl;
		d->launch[w].worker = w;
		rte_eal_remote_launch(wgc_pipeline_worker_main, &d->launch[w],
			d->lcores[w]);
	}
	for (w = 0; w < d->nb_hs; w++) {
		d->hs_launch[w].pl = d->pl;
		d->hs_launch[w].worker = w + d->hs_on_main;
		rte_eal_remote_launch(wgc_pipeline_handshake_main,
			&d->hs_launch[w], d->hs_lcores[w]);
	}
	d->launched = true;
}

static void
print_state(struct wgc_daemon *d)
{
	struct wgc_pipeline_stats st;
	struct wgc_net_stats ns;
	struct wgc_proto_stats ps;
	struct wgc_peer *p;
	uint32_t pos = 0;
	unsigned int i;
	char b64[WGC_KEY_B64_LEN + 1];

	wgc_pipeline_stats_sum(d->pl, &st);
	printf("wgc: stats: outer_rx %" PRIu64 " wg_rx %" PRIu64
		" handshake_rx %" PRIu64 " decap_ok %" PRIu64
		" keepalive_rx %" PRIu64 " inner_tx %" PRIu64
		" inner_rx %" PRIu64 " encap_ok %" PRIu64 " outer_tx %" PRIu64
		" staged %" PRIu64 " roamed %" PRIu64 " handshake_tx %" PRIu64
		" keepalive_tx %" PRIu64 "\n",
		st.outer_rx, st.wg_rx, st.handshake_rx, st.decap_ok,
		st.keepalive_rx, st.inner_tx, st.inner_rx, st.encap_ok,
		st.outer_tx, st.staged, st.roamed, st.handshake_tx,
		st.keepalive_tx);
	printf("wgc: inner mtu: icmp_tx %" PRIu64 " icmp_rate_limited %" PRIu64
		" mss_clamped %" PRIu64 "\n", st.icmp_tx, st.icmp_rate_limited,
		st.mss_clamped);
	printf("wgc: spread: spread_out %" PRIu64 " spread_in %" PRIu64
		" reorder_timeout %" PRIu64 " reorder_overflow %" PRIu64 "\n",
		st.spread_out, st.spread_in, st.reorder_timeout,
		st.reorder_overflow);
	for (i = 0; i < WGC_PL_DROP__MAX; i++)
		if (st.drop[i] != 0)
			printf("wgc: drop: pipeline.%s %" PRIu64 "\n",
				wgc_pipeline_drop_name(i), st.drop[i]);
	wgc_app_outer_net_sum(&d->outer, &ns);
	printf("wgc: net: rx_wg %" PRIu64 " arp %" PRIu64 " nd %" PRIu64
		" echo %" PRIu64 " tx_encap %" PRIu64 " arp_reply_tx %" PRIu64
		" nd_na_tx %" PRIu64 " nd_ns_tx %" PRIu64 "\n", ns.rx_wg,
		ns.rx_arp, ns.rx_nd, ns.rx_echo, ns.tx_encap, ns.arp_reply_tx,
		ns.nd_na_tx, ns.nd_ns_tx);
	printf("wgc: net icmp: rx_icmp_error %" PRIu64 "\n", ns.rx_icmp_error);
	printf("wgc: net frag: rx_frag %" PRIu64 " rx_reassembled %" PRIu64
		" tx_fragmented %" PRIu64 " tx_frags %" PRIu64 "\n",
		ns.rx_frag, ns.rx_reassembled, ns.tx_fragmented, ns.tx_frags);
	for (i = 0; i < WGC_NET_DROP__MAX; i++)
		if (ns.drop[i] != 0)
			printf("wgc: drop: net.%s %" PRIu64 "\n",
				wgc_net_drop_name(i), ns.drop[i]);
	{
		struct wgc_ethdev_queue_stats es;

		wgc_app_outer_print(&d->outer);
		if (d->inner_eth != NULL) {
			wgc_ethdev_stats(d->inner_eth, &es);
			printf("wgc: inner port: rx %" PRIu64 " tx %" PRIu64
				" tx_unsent %" PRIu64 "\n", es.rx_packets,
				es.tx_packets, es.tx_unsent);
		}
	}
	if (d->tun != NULL) {
		struct wgc_tun_stats ts;

		wgc_tun_stats(d->tun, &ts);
		printf("wgc: tun: rx %" PRIu64 " tx %" PRIu64 " rx_nobuf %"
			PRIu64 " rx_errors %" PRIu64 " tx_errors %" PRIu64
			"\n", ts.rx_packets, ts.tx_packets, ts.rx_nobuf,
			ts.rx_errors, ts.tx_errors);
		printf("wgc: tun: offload %s gso %" PRIu64 " gso_segs %" PRIu64
			" csum %" PRIu64 " vnet_drops %" PRIu64 " gro %" PRIu64
			" gro_segs %" PRIu64 "\n",
			wgc_tun_offload(d->tun) ? "on" : "off", ts.rx_gso,
			ts.rx_gso_segs, ts.rx_csum,
			WGC_TUN_STATS_VNET_DROPS(&ts), ts.tx_gro,
			ts.tx_gro_segs);
	}
	wgc_identity_stats(d->id, &ps);
	for (i = 0; i < WGC_CNT_MAX; i++)
		if (ps.c[i] != 0)
			printf("wgc: proto: %s %" PRIu64 "\n",
				wgc_proto_counter_name(i), ps.c[i]);
	wgc_peers_lock(d->peers);
	while ((p = wgc_peers_next(d->peers, &pos)) != NULL) {
		struct wgc_peer_stats s;

		wgc_peer_stats_get(p, &s);
		wgc_key_to_base64(p->proto.remote_static, b64);
		printf("wgc: peer %s: rx %" PRIu64 " pkts %" PRIu64
			" B, tx %" PRIu64 " pkts %" PRIu64 " B, "
			"last handshake %s\n", b64, s.rx_packets, s.rx_bytes,
			s.tx_packets, s.tx_bytes,
			p->last_handshake_wall_ns != 0 ? "yes" : "never");
	}
	wgc_peers_unlock(d->peers);
	fflush(stdout);
}

static void
daemon_info(void *ctx, const char **name, unsigned int *workers,
		unsigned int *peers, unsigned int *listen_port)
{
	struct wgc_daemon *d = ctx;

	*name = d->conf.iface.name;
	*workers = d->nb_workers;
	*peers = wgc_peers_count(d->peers);
	/* the live port (PATCH /v1/interface, wg set may change it) */
	*listen_port = wgc_net_port_listen_port(d->outer.p[0].net);
}

static int
teardown(struct wgc_daemon *d)
{
	unsigned int in_use = 0;
	int rc = 0;

	wgc_app_telemetry_detach();
	/* no more changes from outside, then no more traffic */
	wgc_app_ondemand_stop(d->ondemand);
	wgc_app_cluster_stop(d->cluster);
	wgc_control_destroy(d->ctl);
	wgc_app_ondemand_free(d->ondemand);
	wgc_monitor_free(d->mon);
	if (d->launched) {
		wgc_pipeline_stop(d->pl);
		rte_eal_mp_wait_lcore();
	}
	wgc_app_outer_stop(&d->outer);
	if (d->inner_eth != NULL)
		wgc_ethdev_stop(d->inner_eth);
	if (d->pl != NULL)
		print_state(d);
	/* the pipeline, the peer table and the identity */
	wgc_device_destroy(d->dev);
	wgc_tun_close(d->tun);
	if (wgc_ethdev_close_checked(d->inner_eth) != 0) {
		fprintf(stderr, "wgc: inner port: buffers leaked\n");
		rc = -1;
	}
	wgc_app_outer_close(&d->outer);
	rte_free(d->qsbr);
	if (d->pool != NULL) {
		in_use = rte_mempool_in_use_count(d->pool);
		printf("wgc: stopping; default pool %u/%u buffers free\n",
			d->pool->size - in_use, d->pool->size);
		if (in_use != 0) {
			fprintf(stderr, "wgc: %u buffers leaked\n", in_use);
			rc = -1;
		} else {
			wgc_iobuf_default_pool_free();
		}
	}
	fflush(stdout);
	if (d->eal)
		rte_eal_cleanup();
	return rc;
}

/* ---- first start ---- */

/*
 * A configuration without a private key and a state directory that holds
 * none yet: generate one; the control plane writes it there (0600) and
 * loads it at every later start.
 */
static int
first_start_key(struct wgc_daemon *d)
{
	const struct wgc_control_conf *cc = &d->conf.control;
	uint8_t sk[WGC_KEY_LEN];
	char path[sizeof(cc->state_dir) + 16];
	struct stat st;
	int rc;

	if (!wgc_key_is_zero(d->conf.iface.private_key) ||
			cc->state_dir[0] == '\0' || !cc->state_wins)
		return 0;
	snprintf(path, sizeof(path), "%s/private_key", cc->state_dir);
	if (stat(path, &st) == 0 || errno != ENOENT)
		return 0;
	wgc_key_generate(sk);
	rc = wgc_iface_set_private_key(&d->conf.iface, sk);
	explicit_bzero(sk, sizeof(sk));
	if (rc != 0) {
		fprintf(stderr, "wgc: cannot generate a private key\n");
		return -1;
	}
	if (!d->once)
		printf("wgc: first start: new private key, kept in %s "
			"(0600)\n", path);
	return 0;
}

/*
 * wgcctl beside this binary (a build tree: build/app/wgcctl), else the
 * one in PATH (installed: sbin/wgc, bin/wgcctl)
 */
static void
wgcctl_path(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	snprintf(out, len, "wgcctl");
	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL || (size_t)(slash - exe) + 8 >= len)
		return;
	snprintf(slash + 1, sizeof(exe) - (size_t)(slash + 1 - exe), "wgcctl");
	if (access(exe, X_OK) == 0)
		snprintf(out, len, "%s", exe);
}

/* how to reach the daemon and add a client, once it is up */
static void
print_first_steps(const struct wgc_daemon *d)
{
	const struct wgc_iface_conf *i = &d->conf.iface;
	const struct wgc_control_conf *cc = &d->conf.control;
	bool other = strcmp(cc->socket, "/run/wgc/wgc.sock") != 0;
	struct wgc_endpoint e;
	char ep[WGC_ADDR_STR_LEN] = "(no outer address)";
	char ctl[PATH_MAX];

	if (d->once || cc->socket[0] == '\0')
		return;
	if (i->n_outer_addrs > 0) {
		e.addr = i->outer_addrs[0];
		e.port = wgc_net_port_listen_port(d->outer.p[0].net);
		wgc_endpoint_format(&e, ep, sizeof(ep));
	}
	wgcctl_path(ctl, sizeof(ctl));
	printf("wgc: clients reach %s; add one with:\n"
		"wgc:   %s%s%s peer add --generate --name NAME > NAME.conf\n"
		"wgc: (a wg-quick config; README.md shows a client in a "
		"network namespace)\n", ep, ctl, other ? " -s " : "",
		other ? cc->socket : "");
}

/* SIGHUP: reload the startup file, telling systemd around it */
static void
handle_reload(struct wgc_daemon *d, const char *config_path)
{
	wgc_app_notify_reloading();
	wgc_app_reload(&d->conf, d->ctl, config_path);
	wgc_app_notify_ready("reloaded");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct wgc_daemon d;
	struct wgc_conf_error err = { 0 };
	const char *config_path = NULL;
	bool once = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:oh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'o':
			once = true;
			break;
		case 'h':
			usage(argv[0]);
			return EXIT_SUCCESS;
		default:
			usage(argv[0]);
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wgc: unexpected argument '%s'\n", argv[optind]);
		usage(argv[0]);
		return EXIT_FAILURE;
	}
	wgc_startup_conf_init(&d.conf);
	if (config_path != NULL)
		rc = wgc_startup_conf_load(&d.conf, config_path, &err);
	else
		rc = wgc_startup_conf_parse(&d.conf, wgc_default_config,
			wgc_default_config_len, &err);
	if (rc != 0) {
		fprintf(stderr, "wgc: %s: %s\n",
			config_path != NULL ? config_path : "default config",
			err.msg);
		return EXIT_FAILURE;
	}

	d.once = once;
	if (first_start_key(&d) < 0) {
		wgc_startup_conf_free(&d.conf);
		return EXIT_FAILURE;
	}
	main_thread = pthread_self();
	set_signals(false);
	/*
	 * A peer that went away (vhost-user backend, REST or UAPI client)
	 * must cost an error on that socket, not the daemon.
	 */
	signal(SIGPIPE, SIG_IGN);
	if (setup(&d, argv[0]) < 0) {
		rc = teardown(&d);
		wgc_startup_conf_free(&d.conf);
		if (stop) {
			printf("wgc: stopped during startup\n");
			return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
		}
		return EXIT_FAILURE;
	}
	set_signals(true);
	launch_workers(&d);
	{
		uint8_t pub[WGC_KEY_LEN];
		char b64[WGC_KEY_B64_LEN + 1] = "(none)";

		if (wgc_identity_public_key(d.id, pub) == 0)
			wgc_key_to_base64(pub, b64);
		printf("wgc: up: %u workers, %u peers, public key %s, "
			"listen port %u, inner %s %s, default pool %s: %u "
			"buffers of %u B (MTU %u)\n", d.nb_workers,
			wgc_peers_count(d.peers), b64,
			wgc_net_port_listen_port(d.outer.p[0].net),
			wgc_inner_type_name(d.conf.inner.type),
			d.conf.inner.name, d.pool->name, d.pool->size,
			rte_pktmbuf_data_room_size(d.pool), d.conf.inner.mtu);
		printf("wgc: port: %s\n", wgc_ethdev_name(d.outer.p[0].eth));
		if (d.inner_eth != NULL) {
			char mac[RTE_ETHER_ADDR_FMT_SIZE];

			rte_ether_format_addr(mac, sizeof(mac),
				wgc_ethdev_mac(d.inner_eth));
			printf("wgc: inner port: %s mac %s\n",
				wgc_ethdev_name(d.inner_eth), mac);
		}
		fflush(stdout);
	}
	{
		const struct wgc_app_telemetry_ops tops = {
			.stats = daemon_stats_all,
			.info = daemon_info,
			.ctx = &d,
		};

		if (wgc_app_telemetry_attach(&tops) != 0)
			fprintf(stderr, "wgc: telemetry commands not "
				"registered\n");
	}
	print_first_steps(&d);
	fflush(stdout);
	if (!once) {
		char status[96];

		snprintf(status, sizeof(status), "%u workers, %u peers, port %u",
			d.nb_workers, wgc_peers_count(d.peers),
			wgc_net_port_listen_port(d.outer.p[0].net));
		wgc_app_notify_ready(status);
	}
	while (!once && !stop) {
		if (wgc_pipeline_main_poll(d.pl) == 0)
			usleep(200);
		wgc_monitor_sample(d.mon, mono_ms());
		if (dump) {
			dump = 0;
			print_state(&d);
		}
		if (reload) {
			reload = 0;
			handle_reload(&d, config_path);
		}
		wgc_app_notify_watchdog();
	}
	if (!once)
		wgc_app_notify_stopping();
	if (once)
		wgc_pipeline_main_poll(d.pl);
	rc = teardown(&d);
	wgc_startup_conf_free(&d.conf);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
