/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgc-ctl-server: the wgc control plane alone, on a configuration without
 * a data plane (wgc_mem_backend, lib/device).
 * Serves the REST API and the UAPI exactly as the daemon does, with
 * persistence, but moves no packets. Used by dts/ctl_wg_tools.sh (wg
 * against wgc) and the control-plane benchmarks.
 *
 *   wgc-ctl-server [--config FILE] [--name IF] [--socket PATH]
 *                  [--uapi-dir DIR] [--state-dir DIR] [--max-body N]
 *                  [--fake-handshakes]
 *
 * --config reads a wgc startup configuration (interface, peers, control);
 * the other options override its control keys. --fake-handshakes gives
 * every new peer a unique fake handshake time (tests check that changes
 * keep sessions). SIGINT/SIGTERM stop it.
 */

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wgc_conf.h"
#include "wgc_control.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--config FILE] [--name IF] [--socket PATH]\n"
		"          [--uapi-dir DIR] [--state-dir DIR] [--max-body N]\n"
		"          [--fake-handshakes]\n",
		prog);
}

static int
copy_opt(char *dst, size_t len, const char *src, const char *what)
{
	if (strlen(src) >= len) {
		fprintf(stderr, "wgc-ctl-server: %s too long\n", what);
		return -1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "uapi-dir", required_argument, NULL, 'u' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "max-body", required_argument, NULL, 'b' },
		{ "fake-handshakes", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct wgc_startup_conf sc;
	struct wgc_conf_error err;
	struct wgc_control_params p;
	struct wgc_mem_backend *mb;
	struct wgc_control *ctl;
	struct wgc_changeset cs;
	const char *config = NULL;
	char name[WGC_IFNAME_LEN] = "", socket_path[108] = "";
	char uapi_dir[200] = "", state_dir[256] = "";
	unsigned long long max_body = 0;
	bool have_uapi = false, have_state = false, fake = false;
	uint32_t i;
	int c;

	while ((c = getopt_long(argc, argv, "c:n:s:u:d:b:fh", opts,
			NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'n':
			if (copy_opt(name, sizeof(name), optarg, "--name") != 0)
				return 2;
			break;
		case 's':
			if (copy_opt(socket_path, sizeof(socket_path), optarg,
					"--socket") != 0)
				return 2;
			break;
		case 'u':
			if (copy_opt(uapi_dir, sizeof(uapi_dir), optarg,
					"--uapi-dir") != 0)
				return 2;
			have_uapi = true;
			break;
		case 'd':
			if (copy_opt(state_dir, sizeof(state_dir), optarg,
					"--state-dir") != 0)
				return 2;
			have_state = true;
			break;
		case 'b':
			max_body = strtoull(optarg, NULL, 10);
			break;
		case 'f':
			fake = true;
			break;
		default:
			usage(argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return 2;
	}
	if (config != NULL) {
		if (wgc_startup_conf_load(&sc, config, &err) != 0) {
			fprintf(stderr, "wgc-ctl-server: %s: %s\n", config,
				err.msg);
			return 1;
		}
	} else {
		wgc_startup_conf_init(&sc);
	}
	if (name[0] != '\0')
		memcpy(sc.iface.name, name, sizeof(name));
	if (socket_path[0] != '\0')
		memcpy(sc.control.socket, socket_path, sizeof(socket_path));
	if (have_uapi)
		memcpy(sc.control.uapi_dir, uapi_dir, sizeof(uapi_dir));
	if (have_state)
		memcpy(sc.control.state_dir, state_dir, sizeof(state_dir));
	if (max_body != 0)
		sc.control.max_body = max_body;

	mb = wgc_mem_backend_create(&sc.iface);
	if (mb == NULL) {
		fprintf(stderr, "wgc-ctl-server: out of memory\n");
		wgc_startup_conf_free(&sc);
		return 1;
	}
	/* tests: new peers get a unique fake handshake time */
	wgc_mem_backend_fake_handshakes(mb, fake);
	/* the startup peers, then the state directory (if it wins) */
	memset(&cs, 0, sizeof(cs));
	for (i = 0; i < sc.n_peers; i++) {
		struct wgc_peer_change *pc = wgc_changeset_add(&cs);

		if (pc == NULL || wgc_peer_conf_copy(&pc->conf,
				&sc.peers[i]) != 0) {
			fprintf(stderr, "wgc-ctl-server: out of memory\n");
			return 1;
		}
		pc->op = WGC_PEER_OP_REPLACE;
		pc->fields = WGC_PEER_F_ALL;
	}
	if (wgc_mem_backend_ops.apply(mb, &cs, &err) != 0) {
		fprintf(stderr, "wgc-ctl-server: peers: %s\n", err.msg);
		return 1;
	}
	wgc_changeset_free(&cs);

	memset(&p, 0, sizeof(p));
	p.conf = &sc.control;
	p.ifname = sc.iface.name;
	p.ops = &wgc_mem_backend_ops;
	p.ctx = mb;
	ctl = wgc_control_create(&p, &err);
	if (ctl == NULL) {
		fprintf(stderr, "wgc-ctl-server: %s\n", err.msg);
		wgc_mem_backend_destroy(mb);
		wgc_startup_conf_free(&sc);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	printf("wgc-ctl-server: %s: REST %s, UAPI %s/%s.sock, state %s, "
		"%" PRIu64 " peers\n", sc.iface.name, sc.control.socket,
		sc.control.uapi_dir, sc.iface.name,
		sc.control.state_dir[0] != '\0' ? sc.control.state_dir : "(off)",
		wgc_mem_backend_ops.peer_count(mb));
	fflush(stdout);
	while (!stop)
		pause();
	wgc_control_destroy(ctl);
	wgc_mem_backend_destroy(mb);
	wgc_startup_conf_free(&sc);
	printf("wgc-ctl-server: stopped\n");
	return 0;
}
