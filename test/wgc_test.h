/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_TEST_H_
#define _WGC_TEST_H_

/**
 * @file
 * wgc-test: registered tests in the manner of DPDK's dpdk-test.
 *
 * A test file registers its tests from a constructor:
 *
 *     static int test_foo(void) { TEST_ASSERT(1 + 1 == 2, "math"); ... }
 *     WGC_TEST_REGISTER(foo_autotest, fast, test_foo);
 *
 * The harness initialises EAL once, runs the selected tests and, after each,
 * checks that no mempool has objects in use and that the DPDK heap holds no
 * more allocations than before the test (leak check). A test that keeps
 * heap memory on purpose calls wgc_test_heap_check_skip().
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#define TEST_SUCCESS 0
#define TEST_FAILED (-1)
#define TEST_SKIPPED 77

/** A registered test. */
struct wgc_test {
	const char *name;
	const char *suite;
	int (*setup)(void);
	int (*fn)(void);
	void (*teardown)(void);
	const char *file;
	struct wgc_test *next;
};

/** Add a test to the registry (called from constructors). */
void wgc_test_register(struct wgc_test *t);

/** Report an assertion failure (used by the TEST_ASSERT macros). */
void wgc_test_fail_report(const char *file, int line, const char *expr,
		const char *fmt, ...) __rte_format_printf(4, 5);

/** The current test keeps DPDK heap memory on purpose (e.g. a cache). */
void wgc_test_heap_check_skip(void);

/** Median of n values (benchmarks: medians of rounds); sorts v. */
double wgc_test_median(double *v, unsigned int n);

/**
 * Check that every mempool is full (no object in use).
 *
 * @return
 *   0 if no pool has objects in use, else the number of leaking pools
 *   (each is printed).
 */
int wgc_test_pools_full(void);

#define WGC_TEST_REGISTER_FULL(name, suite, setup, fn, teardown) \
	static struct wgc_test wgc_test_ ## name = { \
		#name, #suite, setup, fn, teardown, __FILE__, NULL }; \
	RTE_INIT(wgc_test_init_ ## name) \
	{ \
		wgc_test_register(&wgc_test_ ## name); \
	}

#define WGC_TEST_REGISTER(name, suite, fn) \
	WGC_TEST_REGISTER_FULL(name, suite, NULL, fn, NULL)

#define TEST_ASSERT(cond, fmt, ...) do { \
	if (!(cond)) { \
		wgc_test_fail_report(__FILE__, __LINE__, #cond, \
			fmt, ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_EQUAL(a, b, fmt, ...) \
	TEST_ASSERT((a) == (b), fmt, ##__VA_ARGS__)

#define TEST_ASSERT_NOT_EQUAL(a, b, fmt, ...) \
	TEST_ASSERT((a) != (b), fmt, ##__VA_ARGS__)

#define TEST_ASSERT_SUCCESS(val, fmt, ...) \
	TEST_ASSERT((val) == 0, fmt, ##__VA_ARGS__)

#define TEST_ASSERT_FAIL(val, fmt, ...) \
	TEST_ASSERT((val) != 0, fmt, ##__VA_ARGS__)

#define TEST_ASSERT_NULL(val, fmt, ...) \
	TEST_ASSERT((val) == NULL, fmt, ##__VA_ARGS__)

#define TEST_ASSERT_NOT_NULL(val, fmt, ...) \
	TEST_ASSERT((val) != NULL, fmt, ##__VA_ARGS__)

#define TEST_ASSERT_BUFFERS_ARE_EQUAL(a, b, len, fmt, ...) \
	TEST_ASSERT(memcmp((a), (b), (len)) == 0, fmt, ##__VA_ARGS__)

/**
 * An IPv4 address in host order. DPDK 22.11's RTE_IPV4() shifts a signed
 * int (undefined behaviour for a first octet >= 128, which UBSan reports):
 * tests use this instead.
 */
#define WGC_TEST_IPV4(a, b, c, d) \
	(((uint32_t)(a) & 0xff) << 24 | ((uint32_t)(b) & 0xff) << 16 | \
	 ((uint32_t)(c) & 0xff) << 8 | ((uint32_t)(d) & 0xff))

/** Run a sub-check returning TEST_SUCCESS; propagate its failure. */
#define TEST_CHECK(expr) do { \
	int wgc_test_rc_ = (expr); \
	if (wgc_test_rc_ != TEST_SUCCESS) \
		return wgc_test_rc_; \
} while (0)

#endif /* _WGC_TEST_H_ */
