/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgc: the concentrator daemon.
 *
 *   wgc [--config FILE] [--once]
 *
 * Without --config it runs on the embedded default (config/default.json):
 * a net_null outer port, no NIC needed. --once prints the state and exits.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "wgc_iobuf.h"

extern const char wgc_default_config[];
extern const size_t wgc_default_config_len;

#define MAX_EAL_ARGS 64
#define MAX_CONFIG_SIZE (64u << 20)

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
		"usage: %s [--config FILE] [--once]\n"
		"  --config FILE  startup configuration (JSON); default: embedded\n"
		"  --once         start, print the state and exit\n", prog);
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (f == NULL) {
		fprintf(stderr, "wgc: cannot open %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
			(unsigned long)n > MAX_CONFIG_SIZE ||
			fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "wgc: %s: unreadable or larger than %u bytes\n",
			path, MAX_CONFIG_SIZE);
		fclose(f);
		return NULL;
	}
	buf = malloc(n + 1);
	if (buf != NULL && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
		fprintf(stderr, "wgc: %s: read error\n", path);
	}
	if (buf != NULL)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
eal_args_from_config(const cJSON *root, const char *prog, char **argv,
		int *argc)
{
	const cJSON *eal = cJSON_GetObjectItemCaseSensitive(root, "eal");
	const cJSON *a;

	*argc = 0;
	argv[(*argc)++] = (char *)(uintptr_t)prog;
	if (eal == NULL)
		return 0;
	if (!cJSON_IsArray(eal)) {
		fprintf(stderr, "wgc: config: 'eal' must be an array of strings\n");
		return -1;
	}
	cJSON_ArrayForEach(a, eal) {
		if (!cJSON_IsString(a)) {
			fprintf(stderr, "wgc: config: 'eal' must be an array of strings\n");
			return -1;
		}
		if (*argc >= MAX_EAL_ARGS - 1) {
			fprintf(stderr, "wgc: config: more than %d EAL arguments\n",
				MAX_EAL_ARGS - 2);
			return -1;
		}
		argv[(*argc)++] = a->valuestring;
	}
	return 0;
}

static int
config_mtu(const cJSON *root, uint16_t *mtu)
{
	const cJSON *inner = cJSON_GetObjectItemCaseSensitive(root, "inner");
	const cJSON *m;

	*mtu = 1420;
	if (inner == NULL)
		return 0;
	m = cJSON_GetObjectItemCaseSensitive(inner, "mtu");
	if (m == NULL)
		return 0;
	if (!cJSON_IsNumber(m) || m->valuedouble != (int)m->valuedouble ||
			m->valueint < 576 || m->valueint > 9000) {
		fprintf(stderr, "wgc: config: 'inner.mtu' must be an integer 576..9000\n");
		return -1;
	}
	*mtu = m->valueint;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL;
	char *eal_argv[MAX_EAL_ARGS];
	struct rte_mempool *mp;
	bool once = false;
	char *text = NULL;
	int eal_argc, opt, rc = EXIT_FAILURE;
	uint16_t mtu, port;
	cJSON *root;

	while ((opt = getopt_long(argc, argv, "c:oh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'o':
			once = true;
			break;
		case 'h':
			usage(argv[0]);
			return EXIT_SUCCESS;
		default:
			usage(argv[0]);
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wgc: unexpected argument '%s'\n", argv[optind]);
		usage(argv[0]);
		return EXIT_FAILURE;
	}

	if (config_path != NULL) {
		text = read_file(config_path);
		if (text == NULL)
			return EXIT_FAILURE;
	}
	root = cJSON_ParseWithLength(text != NULL ? text : wgc_default_config,
		text != NULL ? strlen(text) : wgc_default_config_len);
	if (root == NULL || !cJSON_IsObject(root)) {
		fprintf(stderr, "wgc: %s: not a JSON object (near byte %ld)\n",
			config_path != NULL ? config_path : "default config",
			cJSON_GetErrorPtr() == NULL ? 0L :
			(long)(cJSON_GetErrorPtr() -
			(text != NULL ? text : wgc_default_config)));
		goto out_json;
	}
	if (eal_args_from_config(root, argv[0], eal_argv, &eal_argc) < 0 ||
			config_mtu(root, &mtu) < 0)
		goto out_json;

	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "wgc: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		goto out_json;
	}
	mp = wgc_iobuf_default_pool_create(mtu, 0, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "wgc: default pool: %s\n",
			rte_strerror(rte_errno));
		goto out_eal;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("wgc: up: %u lcores, %u ports, default pool %s: %u buffers of %u B (MTU %u)\n",
		rte_lcore_count(), rte_eth_dev_count_avail(), mp->name,
		mp->size, rte_pktmbuf_data_room_size(mp), mtu);
	RTE_ETH_FOREACH_DEV(port) {
		char name[RTE_ETH_NAME_MAX_LEN];

		if (rte_eth_dev_get_name_by_port(port, name) == 0)
			printf("wgc: port %u: %s\n", port, name);
	}
	fflush(stdout);
	while (!once && !stop)
		usleep(100 * 1000);

	printf("wgc: stopping; default pool %u/%u buffers free\n",
		rte_mempool_avail_count(mp), mp->size);
	wgc_iobuf_default_pool_free();
	rc = EXIT_SUCCESS;
out_eal:
	rte_eal_cleanup();
out_json:
	cJSON_Delete(root);
	free(text);
	return rc;
}
