/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_APP_RELOAD_H_
#define _WGC_APP_RELOAD_H_

/*
 * SIGHUP: read the startup file again and apply what can change live
 * (interface private key and listen port, the peers) through the control
 * plane's write path, like `wg syncconf`.
 */

#include "wgc_conf.h"
#include "wgc_control.h"

/**
 * Reload @p path against the configuration the daemon started with
 * (@p running). A file that does not parse, or that changes a setting
 * needing a restart (EAL, ports, inner edge, workers, control plane,
 * interface name or capacity), changes nothing and logs one line saying
 * why. Main thread.
 *
 * @return 0 applied (or nothing to do), -1 refused or failed.
 */
int wgc_app_reload(const struct wgc_startup_conf *running,
		struct wgc_control *ctl, const char *path);

/**
 * Names of the restart-only settings that differ between @p a and @p b,
 * comma-separated into @p out ("" if none). Exposed for tests.
 * @return the number of settings named.
 */
unsigned int wgc_app_reload_restart_only(const struct wgc_startup_conf *a,
		const struct wgc_startup_conf *b, char *out, size_t len);

#endif /* _WGC_APP_RELOAD_H_ */
