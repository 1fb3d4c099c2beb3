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
 * lock. This file keeps EAL, the edges, the signals and the main loop;
 * the daemon's other parts share struct wgc_daemon (daemon.h): lcores.c,
 * state.c (SIGUSR1), monitor.c (counters, health), control_plane.c,
 * first_start.c.
 *
 * Startup order: config -> device (identity, empty peer table) -> edges ->
 * pipeline (nothing runs yet) -> the config's peers through the device's
 * apply -> control plane (the state directory wins over the config's
 * peers when control.state_wins; sockets open) -> ports start -> workers
 * launch. Traffic therefore only ever sees the final peer set.
 */

#include <errno.h>
#include <getopt.h>
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
#include "wgc_l2.h"
#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_pipeline.h"
#include "wgc_proto.h"
#include "wgc_tun.h"

#include "daemon.h"
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
setup_inner(struct wgc_daemon *d, struct wgc_pipeline_edge *edge)
{
	const struct wgc_inner_conf *in = &d->conf.inner;
	struct wgc_ethdev_conf ec = { 0 };
	char devname[300];
	struct wgc_l2_conf lc = { 0 };
	unsigned int i;

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
	/* the port carries Ethernet frames, the pipeline IP packets */
	lc.lower = (struct wgc_pipeline_edge){ wgc_app_eth_rx, wgc_app_eth_tx,
		d->inner_eth };
	lc.mac = *wgc_ethdev_mac(d->inner_eth);
	lc.socket_id = SOCKET_ID_ANY;
	d->inner_l2 = wgc_l2_create(&lc);
	if (d->inner_l2 == NULL) {
		fprintf(stderr, "wgc: inner port %s: Ethernet adapter: %s\n",
			ec.devname, rte_strerror(rte_errno));
		return -1;
	}
	*edge = wgc_l2_edge(d->inner_l2);
	return 0;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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
	if (wgc_app_setup_workers(d) < 0)
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
	dp.stats = wgc_app_daemon_stats;
	dp.stats_ctx = d;
	d->dev = wgc_device_create(&dp);
	if (d->dev == NULL) {
		fprintf(stderr, "wgc: device: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	d->id = wgc_device_identity(d->dev);
	d->peers = wgc_device_peers(d->dev);
	if (wgc_app_outer_open(&d->outer, &d->conf, d->nb_workers,
			d->dev) < 0)
		return -1;
	wgc_app_outer_edges(&d->outer, &plc);
	if (setup_inner(d, &plc.inner) < 0)
		return -1;
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
	if (wgc_app_setup_monitor(d) < 0 || wgc_app_setup_control(d) < 0 || (!d->once &&
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
		wgc_app_print_state(d);
	/* the pipeline, the peer table and the identity */
	wgc_device_destroy(d->dev);
	wgc_l2_free(d->inner_l2);
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
	if (wgc_app_first_start_key(&d) < 0) {
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
			.stats = wgc_app_daemon_stats_all,
			.info = wgc_app_daemon_info,
			.ctx = &d,
		};

		if (wgc_app_telemetry_attach(&tops) != 0)
			fprintf(stderr, "wgc: telemetry commands not "
				"registered\n");
	}
	wgc_app_print_first_steps(&d);
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
			wgc_app_print_state(&d);
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
