/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "telemetry.h"

#define STATS_MAX 1024

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wgc_app_telemetry_ops tel_ops;
static int tel_attached;
static int tel_registered;

/* counters of one worker (-1: the device totals and lib/net) as a dict */
static int
stats_dict(int32_t worker, struct rte_tel_data *d)
{
	struct wgc_stat *st;
	unsigned int i, added = 0;
	char key[RTE_TEL_MAX_STRING_LEN];
	int n;

	st = calloc(STATS_MAX, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	n = tel_ops.stats(tel_ops.ctx, st, STATS_MAX);
	rte_tel_data_start_dict(d);
	for (i = 0; i < (unsigned int)RTE_MAX(n, 0); i++) {
		if (st[i].worker != worker)
			continue;
		/* telemetry names: letters, digits, '_' and '/' only */
		if (strcmp(st[i].name, "drops") == 0)
			snprintf(key, sizeof(key), "drop_%s", st[i].label);
		else if (st[i].label[0] != '\0')
			snprintf(key, sizeof(key), "%s_%s", st[i].name,
				st[i].label);
		else
			snprintf(key, sizeof(key), "%s", st[i].name);
		if (added == RTE_TEL_MAX_DICT_ENTRIES)
			break;
		if (rte_tel_data_add_dict_u64(d, key, st[i].value) == 0)
			added++;
	}
	free(st);
	return added > 0 || worker < 0 ? 0 : -EINVAL;
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	pthread_mutex_lock(&tel_lock);
	if (tel_attached)
		rc = stats_dict(-1, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int
cmd_stats_worker(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char *end;
	long w;
	int rc = -ENODEV;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	errno = 0;
	w = strtol(params, &end, 10);
	if (errno != 0 || *end != '\0' || w < 0 || w > 64)
		return -EINVAL;
	pthread_mutex_lock(&tel_lock);
	if (tel_attached)
		rc = stats_dict((int32_t)w, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int
cmd_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const char *name = "";
	unsigned int workers = 0, peers = 0, port = 0;
	int rc = -ENODEV;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	pthread_mutex_lock(&tel_lock);
	if (tel_attached) {
		tel_ops.info(tel_ops.ctx, &name, &workers, &peers, &port);
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "name", name);
		rte_tel_data_add_dict_u64(d, "workers", workers);
		rte_tel_data_add_dict_u64(d, "peers", peers);
		rte_tel_data_add_dict_u64(d, "listen_port", port);
		rc = 0;
	}
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

int
wgc_app_telemetry_attach(const struct wgc_app_telemetry_ops *ops)
{
	int rc = 0;

	pthread_mutex_lock(&tel_lock);
	tel_ops = *ops;
	tel_attached = 1;
	if (!tel_registered) {
		rc = rte_telemetry_register_cmd("/wgc/stats", cmd_stats,
			"wgc device counters and drops by reason. No parameters");
		if (rc == 0)
			rc = rte_telemetry_register_cmd("/wgc/stats_worker",
				cmd_stats_worker, "one worker's pipeline counters. "
				"Parameter: worker (the last is the handshake "
				"stage)");
		if (rc == 0)
			rc = rte_telemetry_register_cmd("/wgc/info", cmd_info,
				"interface name, workers, peers, listen port. "
				"No parameters");
		tel_registered = rc == 0;
	}
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

void
wgc_app_telemetry_detach(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_attached = 0;
	pthread_mutex_unlock(&tel_lock);
}
