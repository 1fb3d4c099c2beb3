/* SPDX-License-Identifier: BSD-3-Clause */

/* Self-tests of the harness: its leak checks must see leaks. */

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "wgc_test.h"

static int
test_harness_asserts(void)
{
	static const char a[] = "abc";
	char b[4];

	memcpy(b, a, sizeof(b));
	TEST_ASSERT_EQUAL(1 + 1, 2, "arithmetic");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(a, b, sizeof(a), "copy differs");
	TEST_ASSERT_NULL(NULL, "NULL is not NULL");
	TEST_ASSERT_NOT_NULL(a, "array is NULL");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(harness_asserts_autotest, fast, test_harness_asserts);

/* a failing assertion returns TEST_FAILED from the function it is in */
static int
failing_check(int v)
{
	TEST_ASSERT_EQUAL(v, 0, "v is %d", v);
	return TEST_SUCCESS;
}

static int
test_harness_assert_fails(void)
{
	TEST_ASSERT_EQUAL(failing_check(0), TEST_SUCCESS, "0 must pass");
	TEST_ASSERT_EQUAL(failing_check(1), TEST_FAILED, "1 must fail");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(harness_assert_fails_autotest, fast,
	test_harness_assert_fails);

static int
test_harness_pool_leak_seen(void)
{
	struct rte_mempool *mp;
	struct rte_mbuf *m;
	int leaks;

	mp = rte_pktmbuf_pool_create("t_harness", 63, 0, 0, 256,
		SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(mp, "pool create");
	TEST_ASSERT_EQUAL(wgc_test_pools_full(), 0, "pools full at start");
	m = rte_pktmbuf_alloc(mp);
	TEST_ASSERT_NOT_NULL(m, "alloc");
	leaks = wgc_test_pools_full();
	rte_pktmbuf_free(m);
	TEST_ASSERT_EQUAL(leaks, 1, "an mbuf in use must count as a leak");
	TEST_ASSERT_EQUAL(wgc_test_pools_full(), 0, "pools full at end");
	rte_mempool_free(mp);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(harness_pool_leak_seen_autotest, fast,
	test_harness_pool_leak_seen);
