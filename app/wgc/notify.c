/* SPDX-License-Identifier: BSD-3-Clause */

/* systemd notifications (see notify.h) */

#include <stdint.h>
#include <time.h>

#ifdef WGC_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "notify.h"

#ifdef WGC_HAVE_LIBSYSTEMD

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
wgc_app_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
wgc_app_notify_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void
wgc_app_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void
wgc_app_notify_watchdog(void)
{
	static int enabled = -1;
	static uint64_t interval, next;
	uint64_t t;

	if (enabled < 0) {
		enabled = sd_watchdog_enabled(0, &interval) > 0;
		interval /= 2;
	}
	if (!enabled)
		return;
	t = now_us();
	if (t < next)
		return;
	next = t + interval;
	sd_notify(0, "WATCHDOG=1");
}

#else /* !WGC_HAVE_LIBSYSTEMD */

void
wgc_app_notify_ready(const char *status)
{
	(void)status;
}

void
wgc_app_notify_reloading(void)
{
}

void
wgc_app_notify_stopping(void)
{
}

void
wgc_app_notify_watchdog(void)
{
}

#endif
