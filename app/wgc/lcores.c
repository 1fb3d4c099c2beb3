/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Which lcores run what: the workers (the config's `workers`, else every
 * worker lcore that is not a handshake lcore) and the handshake lcores
 * (`handshake_lcores`; the main lcore among them, or none, keeps the
 * first on the main lcore).
 */

#include <stdio.h>

#include <rte_lcore.h>

#include "daemon.h"

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

int
wgc_app_setup_workers(struct wgc_daemon *d)
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
