/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * control.cluster: the etcd endpoints, the key prefix and the node id of a
 * node sharing its peers with others. Strict like the rest of the file:
 * unknown, duplicate or missing keys and wrong types are errors naming
 * the key.
 */

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wgc_conf.h"

/* a year: longer idle times are a typo */
#define IDLE_EVICT_MAX (365u * 86400u)

static int
cl_string(const cJSON *j, const char *path, size_t cap, char *out,
		struct wgc_conf_error *err)
{
	size_t n;

	if (!cJSON_IsString(j) || j->valuestring == NULL)
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"%s: expected a string", path);
	n = strlen(j->valuestring);
	if (n == 0 || n >= cap)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: expected 1..%zu characters", path, cap - 1);
	memcpy(out, j->valuestring, n + 1);
	return 0;
}

/* http://host[:port], nothing after: what lib/cluster's client takes */
static int
cl_url(const char *u, const char *path, struct wgc_conf_error *err)
{
	const char *h = u + strlen("http://");
	const char *c;

	if (strncmp(u, "http://", strlen("http://")) != 0 || *h == '\0')
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: \"%.64s\" is not http://host[:port] (etcd's "
			"client URL; https is not supported)", path, u);
	for (c = h; *c != '\0'; c++)
		if (*c == '/' || *c == '?' || *c == '#' || *c == '@' ||
				!isgraph((unsigned char)*c))
			return wgc_conf_error_set(err, WGC_CONF_EVALUE,
				"%s: \"%.64s\": only http://host[:port], no "
				"path or user", path, u);
	return 0;
}

static int
cl_etcd(const cJSON *a, const char *path, struct wgc_cluster_conf *cc,
		struct wgc_conf_error *err)
{
	const cJSON *e;
	char sp[160];
	int n;

	if (!cJSON_IsArray(a))
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"%s: expected an array of URLs", path);
	n = cJSON_GetArraySize(a);
	if (n < 1 || n > WGC_CLUSTER_ETCD_MAX)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: expected 1..%u endpoints", path,
			WGC_CLUSTER_ETCD_MAX);
	cc->n_etcd = 0;
	cJSON_ArrayForEach(e, a) {
		snprintf(sp, sizeof(sp), "%.120s[%u]", path, cc->n_etcd);
		if (cl_string(e, sp, WGC_CLUSTER_URL_LEN,
				cc->etcd[cc->n_etcd], err) != 0 ||
				cl_url(cc->etcd[cc->n_etcd], sp, err) != 0)
			return -1;
		cc->n_etcd++;
	}
	return 0;
}

static int
cl_prefix(const char *p, const char *path, struct wgc_conf_error *err)
{
	size_t n = strlen(p), i;

	if (p[0] != '/' || p[n - 1] != '/')
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: \"%.64s\" must start and end with '/' (e.g. "
			"\"/wgc/prod/\")", path, p);
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)p[i]))
			return wgc_conf_error_set(err, WGC_CONF_EVALUE,
				"%s: only printable characters, no spaces",
				path);
	return 0;
}

static int
cl_node(const char *p, const char *path, struct wgc_conf_error *err)
{
	const char *c;

	for (c = p; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' &&
				*c != '.')
			return wgc_conf_error_set(err, WGC_CONF_EVALUE,
				"%s: \"%.64s\": letters, digits, '-', '_' and "
				"'.' only (it is part of an etcd key)", path,
				p);
	return 0;
}

int
wgc_cluster_conf_parse(const cJSON *j, const char *path,
		struct wgc_cluster_conf *cc, struct wgc_conf_error *err)
{
	static const char * const required[] = { "etcd", "prefix", "node" };
	const cJSON *k, *o;
	char sp[160];
	unsigned int i;

	memset(cc, 0, sizeof(*cc));
	if (!cJSON_IsObject(j))
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"%s: expected an object", path);
	cJSON_ArrayForEach(k, j) {
		for (o = j->child; o != k; o = o->next)
			if (strcmp(o->string, k->string) == 0)
				return wgc_conf_error_set(err,
					WGC_CONF_ESCHEMA, "%s.%.64s: duplicate "
					"key", path, k->string);
		snprintf(sp, sizeof(sp), "%.80s.%.64s", path, k->string);
		if (strcmp(k->string, "etcd") == 0) {
			if (cl_etcd(k, sp, cc, err) != 0)
				return -1;
		} else if (strcmp(k->string, "prefix") == 0) {
			if (cl_string(k, sp, sizeof(cc->prefix), cc->prefix,
					err) != 0 ||
					cl_prefix(cc->prefix, sp, err) != 0)
				return -1;
		} else if (strcmp(k->string, "node") == 0) {
			if (cl_string(k, sp, sizeof(cc->node), cc->node,
					err) != 0 ||
					cl_node(cc->node, sp, err) != 0)
				return -1;
		} else if (strcmp(k->string, "on_demand") == 0) {
			if (!cJSON_IsBool(k))
				return wgc_conf_error_set(err,
					WGC_CONF_ESCHEMA,
					"%s: expected a boolean", sp);
			cc->on_demand = cJSON_IsTrue(k);
		} else if (strcmp(k->string, "idle_evict") == 0) {
			double d = k->valuedouble;

			if (!cJSON_IsNumber(k) || !isfinite(d) ||
					d != floor(d) || d < 0 ||
					d > IDLE_EVICT_MAX)
				return wgc_conf_error_set(err,
					WGC_CONF_EVALUE, "%s: expected "
					"seconds, an integer 0..%u", sp,
					IDLE_EVICT_MAX);
			cc->idle_evict = (uint32_t)d;
		} else {
			return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
				"%s: unknown key \"%.64s\" (etcd, prefix, "
				"node, on_demand, idle_evict)", path,
				k->string);
		}
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(j, required[i]) == NULL)
			return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
				"%s: missing key \"%s\"", path, required[i]);
	if (cc->idle_evict > 0 && !cc->on_demand)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s.idle_evict: evicts peers installed on demand; "
			"set on_demand true or idle_evict 0", path);
	cc->enabled = true;
	return 0;
}
