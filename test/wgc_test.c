/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgc-test: runs registered tests by name or by suite.
 *
 *   wgc-test --list                 list tests with their suites
 *   wgc-test --suite fast           run a suite (repeatable)
 *   wgc-test NAME...                run tests by name
 *
 * EAL arguments come from WGC_TEST_EAL (split on blanks) or default to a
 * no-NIC set; a unique --file-prefix is added unless one is given.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "wgc_test.h"

#define EXIT_USAGE 2
#define MAX_EAL_ARGS 64

static const char * const known_suites[] = { "fast", "perf", "scale" };
static const char default_eal[] =
	"--no-huge -m 512 --no-pci --no-shconf --log-level=*:notice";

static struct wgc_test *registry;
static unsigned int nb_registered;
static bool heap_check_skip;

void
wgc_test_register(struct wgc_test *t)
{
	struct wgc_test **p = &registry;

	/* keep file order stable: append */
	while (*p != NULL)
		p = &(*p)->next;
	t->next = NULL;
	*p = t;
	nb_registered++;
}

void
wgc_test_fail_report(const char *file, int line, const char *expr,
		const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: assertion failed: %s: ", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
wgc_test_heap_check_skip(void)
{
	heap_check_skip = true;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
wgc_test_median(double *v, unsigned int n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
pool_check_cb(struct rte_mempool *mp, void *arg)
{
	unsigned int *leaks = arg;
	unsigned int used = rte_mempool_in_use_count(mp);

	if (used == 0)
		return;
	fprintf(stderr, "leak: mempool %s has %u of %u objects in use\n",
		mp->name, used, mp->size);
	(*leaks)++;
}

int
wgc_test_pools_full(void)
{
	unsigned int leaks = 0;

	rte_mempool_walk(pool_check_cb, &leaks);
	return leaks;
}

static uint64_t
heap_alloc_count(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++) {
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
				&st) == 0)
			n += st.alloc_count;
	}
	return n;
}

static struct wgc_test *
find_test(const char *name)
{
	struct wgc_test *t;

	for (t = registry; t != NULL; t = t->next)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static bool
suite_known(const char *s)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(known_suites); i++)
		if (strcmp(known_suites[i], s) == 0)
			return true;
	return false;
}

static void
list_tests(FILE *f)
{
	struct wgc_test *t;

	for (t = registry; t != NULL; t = t->next)
		fprintf(f, "%-40s %s\n", t->name, t->suite);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
run_one(struct wgc_test *t)
{
	uint64_t heap_before;
	double t0;
	int rc;

	printf("=== RUN   %s\n", t->name);
	fflush(stdout);
	heap_check_skip = false;
	heap_before = heap_alloc_count();
	t0 = now_ms();
	rc = TEST_SUCCESS;
	if (t->setup != NULL)
		rc = t->setup();
	if (rc == TEST_SUCCESS) {
		rc = t->fn();
		if (t->teardown != NULL)
			t->teardown();
	} else if (rc != TEST_SKIPPED) {
		fprintf(stderr, "%s: setup failed\n", t->name);
		rc = TEST_FAILED;
	}
	if (rc != TEST_SKIPPED) {
		if (wgc_test_pools_full() != 0) {
			fprintf(stderr, "%s: mempool objects leaked\n",
				t->name);
			rc = TEST_FAILED;
		}
		if (!heap_check_skip && heap_alloc_count() > heap_before) {
			fprintf(stderr, "%s: %" PRIu64 " DPDK heap allocations leaked\n",
				t->name, heap_alloc_count() - heap_before);
			rc = TEST_FAILED;
		}
	}
	printf("--- %s  %s (%.1f ms)\n",
		rc == TEST_SUCCESS ? "PASS" :
		rc == TEST_SKIPPED ? "SKIP" : "FAIL",
		t->name, now_ms() - t0);
	fflush(stdout);
	return rc;
}

static int
eal_setup(const char *prog)
{
	static char prefix[64];
	char *eal_argv[MAX_EAL_ARGS];
	const char *env = getenv("WGC_TEST_EAL");
	bool has_prefix = false;
	char *copy, *tok, *save;
	int eal_argc = 0, rc;

	copy = strdup(env != NULL && env[0] != '\0' ? env : default_eal);
	if (copy == NULL)
		return -1;
	eal_argv[eal_argc++] = (char *)(uintptr_t)prog;
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
			tok = strtok_r(NULL, " \t", &save)) {
		if (eal_argc >= MAX_EAL_ARGS - 2) {
			fprintf(stderr, "WGC_TEST_EAL: too many arguments\n");
			free(copy);
			return -1;
		}
		if (strncmp(tok, "--file-prefix", 13) == 0)
			has_prefix = true;
		eal_argv[eal_argc++] = tok;
	}
	if (!has_prefix) {
		snprintf(prefix, sizeof(prefix), "--file-prefix=wgc-test-%d",
			(int)getpid());
		eal_argv[eal_argc++] = prefix;
	}
	rc = rte_eal_init(eal_argc, eal_argv);
	/* EAL keeps pointers into argv: copy stays allocated until exit */
	if (rc < 0) {
		fprintf(stderr, "rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		free(copy);
		return -1;
	}
	return 0;
}

/* add t to the selection once, whatever the number of times it is named */
static void
select_test(struct wgc_test **sel, unsigned int *nb, struct wgc_test *t)
{
	unsigned int i;

	for (i = 0; i < *nb; i++)
		if (sel[i] == t)
			return;
	sel[(*nb)++] = t;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--list] [--suite fast|perf|scale]... [NAME]...\n"
		"EAL arguments come from WGC_TEST_EAL (default: %s)\n",
		prog, default_eal);
}

int
main(int argc, char **argv)
{
	struct wgc_test **selected;
	unsigned int nb_sel = 0, passed = 0, failed = 0, skipped = 0;
	unsigned int nb_suites = 0;
	struct wgc_test *t;
	bool bad = false;
	int i, rc;

	selected = calloc(nb_registered + 1, sizeof(*selected));
	if (selected == NULL)
		return EXIT_FAILURE;

	/* resolve the selection before EAL starts: bad names fail fast */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			list_tests(stdout);
			free(selected);
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 ||
				strcmp(argv[i], "--help") == 0) {
			usage(argv[0]);
			free(selected);
			return 0;
		} else if (strcmp(argv[i], "--suite") == 0) {
			const char *s = i + 1 < argc ? argv[++i] : NULL;

			nb_suites++;
			if (s == NULL || !suite_known(s)) {
				fprintf(stderr, "unknown suite '%s'; valid suites: fast perf scale\n",
					s == NULL ? "" : s);
				bad = true;
				continue;
			}
			for (t = registry; t != NULL; t = t->next)
				if (strcmp(t->suite, s) == 0)
					select_test(selected, &nb_sel, t);
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "unknown option '%s'\n", argv[i]);
			bad = true;
		} else {
			t = find_test(argv[i]);
			if (t == NULL) {
				fprintf(stderr, "unknown test '%s'\n", argv[i]);
				bad = true;
				continue;
			}
			select_test(selected, &nb_sel, t);
		}
	}
	if (bad) {
		fprintf(stderr, "valid tests:\n");
		list_tests(stderr);
		usage(argv[0]);
		free(selected);
		return EXIT_USAGE;
	}
	if (nb_sel == 0 && nb_suites > 0) {
		printf("wgc-test: the selected suites have no tests\n");
		free(selected);
		return TEST_SKIPPED;
	}
	if (nb_sel == 0) {
		fprintf(stderr, "no test selected\n");
		usage(argv[0]);
		free(selected);
		return EXIT_USAGE;
	}

	if (eal_setup(argv[0]) < 0) {
		free(selected);
		return EXIT_FAILURE;
	}

	for (i = 0; i < (int)nb_sel; i++) {
		rc = run_one(selected[i]);
		if (rc == TEST_SUCCESS)
			passed++;
		else if (rc == TEST_SKIPPED)
			skipped++;
		else
			failed++;
	}
	free(selected);
	rte_eal_cleanup();

	printf("wgc-test: %u passed, %u failed, %u skipped\n",
		passed, failed, skipped);
	if (failed > 0)
		return EXIT_FAILURE;
	if (passed == 0)
		return TEST_SKIPPED;
	return 0;
}
