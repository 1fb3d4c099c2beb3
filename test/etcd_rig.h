/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _ETCD_RIG_H_
#define _ETCD_RIG_H_

/*
 * A real etcd (Debian's etcd-server) for the cluster tests: started on two
 * loopback ports of the test's own with a data directory under /tmp,
 * stopped and restarted on the same data, removed afterwards.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wgc_cluster.h"
#include "wgc_test.h"

#define ETCD_BIN "/usr/bin/etcd"

static pid_t etcd_pid;
static char etcd_dir[64];
static char etcd_url[64];
static char etcd_peer[64];

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* start etcd on the data directory (kept across restarts) */
static int
etcd_start(void)
{
	const char *const ep[] = { etcd_url };
	struct wgc_etcd *e;
	uint64_t t0 = ms_now();
	int up = 0;

	etcd_pid = fork();
	if (etcd_pid < 0)
		return -1;
	if (etcd_pid == 0) {
		char cl[128];

		snprintf(cl, sizeof(cl), "t=%s", etcd_peer);
		/* a test process that aborts (a sanitizer, an assertion in a
		 * thread) takes its etcd with it */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
				getppid() == 1)
			_exit(125);
		if (freopen("/dev/null", "w", stdout) == NULL ||
				freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		execl(ETCD_BIN, ETCD_BIN, "--name", "t", "--data-dir",
			etcd_dir, "--listen-client-urls", etcd_url,
			"--advertise-client-urls", etcd_url,
			"--listen-peer-urls", etcd_peer,
			"--initial-advertise-peer-urls", etcd_peer,
			"--initial-cluster", cl, (char *)NULL);
		_exit(127);
	}
	e = wgc_etcd_create(ep, 1, 500);
	while (e != NULL && !up && ms_now() - t0 < 15000) {
		up = wgc_etcd_get(e, "x", 1, NULL, NULL) >= 0;
		if (!up)
			sleep_ms(100);
	}
	wgc_etcd_free(e);
	return up ? 0 : -1;
}

static void
etcd_stop(void)
{
	if (etcd_pid > 0) {
		kill(etcd_pid, SIGTERM);
		waitpid(etcd_pid, NULL, 0);
		etcd_pid = 0;
	}
}

/* start etcd on 127.0.0.1:base + 2 x (pid mod 400) and the next port,
 * with a data directory of its own; TEST_SKIPPED without etcd */
static int
etcd_rig_setup(unsigned int base)
{
	unsigned int port;

	if (access(ETCD_BIN, X_OK) != 0) {
		printf("%s missing (apt-get install etcd-server, or "
			"devtools/install-deps.sh)\n", ETCD_BIN);
		return TEST_SKIPPED;
	}
	snprintf(etcd_dir, sizeof(etcd_dir), "/tmp/wgc-etcd-test.XXXXXX");
	if (mkdtemp(etcd_dir) == NULL)
		return TEST_FAILED;
	port = base + (unsigned int)(getpid() % 400) * 2;
	snprintf(etcd_url, sizeof(etcd_url), "http://127.0.0.1:%u", port);
	snprintf(etcd_peer, sizeof(etcd_peer), "http://127.0.0.1:%u",
		port + 1);
	if (etcd_start() != 0) {
		etcd_stop();
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static void
etcd_teardown(void)
{
	char cmd[128];

	etcd_stop();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", etcd_dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", etcd_dir);
}

/* until cond holds or ms passed */
#define WAIT_FOR(cond, ms) do { \
	uint64_t t0_ = ms_now(); \
	while (!(cond) && ms_now() - t0_ < (ms)) \
		sleep_ms(20); \
} while (0)

#endif /* _ETCD_RIG_H_ */
