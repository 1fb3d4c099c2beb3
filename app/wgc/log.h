/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_APP_LOG_H_
#define _WGC_APP_LOG_H_

#include <stdbool.h>

/*
 * The daemon's log stream: rte_log messages to stderr, or to the systemd
 * journal (with their priority) when stderr is the journal's stream.
 */

/* true when stderr is the journal's stream (JOURNAL_STREAM matches it) */
bool wgc_app_log_journal(void);

/* Install the stream (main thread, before rte_eal_init). 0 or -1. */
int wgc_app_log_init(void);

#endif
