/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The first start: a private key generated into the state directory, and
 * how to reach the daemon and add a client once it is up.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "wgc_net.h"
#include "wgc_proto.h"

#include "daemon.h"

/*
 * A configuration without a private key and a state directory that holds
 * none yet: generate one; the control plane writes it there (0600) and
 * loads it at every later start.
 */
int
wgc_app_first_start_key(struct wgc_daemon *d)
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
void
wgc_app_print_first_steps(const struct wgc_daemon *d)
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
