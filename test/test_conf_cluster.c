/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * control.cluster in the startup file: the shape of issue 13 parsed into
 * struct wgc_cluster_conf, defaults, and every bad input refused with a
 * message naming the key. Without control.cluster wgc is a single box.
 */

#include <stdio.h>
#include <string.h>

#include "wgc_conf.h"
#include "wgc_test.h"

static int
parse(const char *cluster, struct wgc_startup_conf *c,
		struct wgc_conf_error *err)
{
	char json[1024];

	snprintf(json, sizeof(json), "{\"control\": {\"cluster\": %s}}",
		cluster);
	memset(err, 0, sizeof(*err));
	return wgc_startup_conf_parse(c, json, strlen(json), err);
}

static int
test_conf_cluster(void)
{
	static const struct {
		const char *json;
		const char *msg;  /* in the error */
	} bad[] = {
		{ "[]", "control.cluster: expected an object" },
		{ "{\"prefix\": \"/wgc/a/\", \"node\": \"n1\"}",
			"missing key \"etcd\"" },
		{ "{\"etcd\": [\"http://h:1\"], \"node\": \"n1\"}",
			"missing key \"prefix\"" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"/a/\"}",
			"missing key \"node\"" },
		{ "{\"etcd\": \"http://h:1\", \"prefix\": \"/a/\", "
			"\"node\": \"n\"}", "control.cluster.etcd: expected an "
			"array" },
		{ "{\"etcd\": [], \"prefix\": \"/a/\", \"node\": \"n\"}",
			"control.cluster.etcd: expected 1..8" },
		{ "{\"etcd\": [\"https://h:1\"], \"prefix\": \"/a/\", "
			"\"node\": \"n\"}", "control.cluster.etcd[0]" },
		{ "{\"etcd\": [\"http://h:1/v3\"], \"prefix\": \"/a/\", "
			"\"node\": \"n\"}", "no path" },
		{ "{\"etcd\": [\"http://h:1\", 5], \"prefix\": \"/a/\", "
			"\"node\": \"n\"}", "control.cluster.etcd[1]: expected "
			"a string" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"wgc/a\", "
			"\"node\": \"n\"}", "control.cluster.prefix: \"wgc/a\" "
			"must start and end with '/'" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"/a b/\", "
			"\"node\": \"n\"}", "control.cluster.prefix: only "
			"printable" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"/a/\", "
			"\"node\": \"n/1\"}", "control.cluster.node" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"/a/\", "
			"\"node\": \"\"}", "control.cluster.node: expected "
			"1..63" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"/a/\", "
			"\"node\": \"n\", \"on_demand\": 1}",
			"control.cluster.on_demand: expected a boolean" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"/a/\", "
			"\"node\": \"n\", \"on_demand\": true, "
			"\"idle_evict\": -1}", "control.cluster.idle_evict" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"/a/\", "
			"\"node\": \"n\", \"idle_evict\": 60}",
			"set on_demand true" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"/a/\", "
			"\"node\": \"n\", \"nodes\": 1}",
			"unknown key \"nodes\"" },
		{ "{\"etcd\": [\"http://h:1\"], \"prefix\": \"/a/\", "
			"\"node\": \"n\", \"node\": \"m\"}",
			"control.cluster.node: duplicate key" },
	};
	struct wgc_startup_conf c;
	struct wgc_conf_error err;
	const struct wgc_cluster_conf *cc = &c.control.cluster;
	unsigned int i;

	/* without it: a single box */
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, "{}", 2, &err), "{}");
	TEST_ASSERT(!cc->enabled, "no cluster by default");
	wgc_startup_conf_free(&c);

	TEST_ASSERT_SUCCESS(parse("{\"etcd\": [\"http://127.0.0.1:2379\", "
		"\"http://10.0.0.2:2379\"], \"prefix\": \"/wgc/prod/\", "
		"\"node\": \"node-a.1\", \"on_demand\": false, "
		"\"idle_evict\": 0}", &c, &err), "%s", err.msg);
	TEST_ASSERT(cc->enabled && cc->n_etcd == 2 &&
		strcmp(cc->etcd[1], "http://10.0.0.2:2379") == 0 &&
		strcmp(cc->prefix, "/wgc/prod/") == 0 &&
		strcmp(cc->node, "node-a.1") == 0 && !cc->on_demand &&
		cc->idle_evict == 0, "parsed");
	wgc_startup_conf_free(&c);
	TEST_ASSERT_SUCCESS(parse("{\"etcd\": [\"http://h\"], \"prefix\": "
		"\"/\", \"node\": \"n\", \"on_demand\": true, \"idle_evict\": "
		"600}", &c, &err), "%s", err.msg);
	TEST_ASSERT(cc->on_demand && cc->idle_evict == 600, "on demand");
	wgc_startup_conf_free(&c);

	for (i = 0; i < RTE_DIM(bad); i++) {
		TEST_ASSERT_FAIL(parse(bad[i].json, &c, &err), "bad[%u] "
			"accepted", i);
		TEST_ASSERT(strstr(err.msg, bad[i].msg) != NULL,
			"bad[%u]: \"%s\" does not say \"%s\"", i, err.msg,
			bad[i].msg);
	}
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(conf_cluster_autotest, fast, test_conf_cluster);
