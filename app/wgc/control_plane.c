/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The control plane's start: REST and UAPI sockets (never one another
 * live process serves), the device's operations, the state directory.
 */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "wgc_device.h"

#include "daemon.h"

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

int
wgc_app_setup_control(struct wgc_daemon *d)
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
