/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_APP_NOTIFY_H_
#define _WGC_APP_NOTIFY_H_

/*
 * systemd service notifications (sd_notify, Type=notify). Built without
 * libsystemd, or run outside systemd ($NOTIFY_SOCKET unset), every call
 * does nothing. Main thread.
 */

/** READY=1 with a STATUS line: ports and control sockets are up. */
void wgc_app_notify_ready(const char *status);

/** RELOADING=1 before a SIGHUP reload (READY=1 follows). */
void wgc_app_notify_reloading(void);

/** STOPPING=1 when the daemon begins to shut down. */
void wgc_app_notify_stopping(void);

/**
 * WATCHDOG=1 at half the service's WatchdogSec (cheap to call from every
 * main-loop turn: it only sends when due). Nothing if no watchdog is set.
 */
void wgc_app_notify_watchdog(void);

#endif /* _WGC_APP_NOTIFY_H_ */
