/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_CLUSTER_PRIVATE_H_
#define _WGC_CLUSTER_PRIVATE_H_

/* Shared by the files of lib/cluster; not part of the public API. */

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <rte_log.h>

#include "wgc_cluster.h"

extern int wgc_logtype_cluster;
#define CLUSTER_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_cluster, "cluster: " fmt "\n", \
		##__VA_ARGS__)

/* largest answer read (a page of peers, or a watch message) */
#define ETCD_ANSWER_MAX (16u * 1024 * 1024)

/* a growing answer buffer, bounded by max */
struct etcd_buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
	int overflow;
};

/* libcurl write callback into a struct etcd_buf (NUL-terminated) */
size_t etcd_buf_write(char *ptr, size_t size, size_t n, void *ud);
void etcd_buf_reset(struct etcd_buf *b);

/* base64 of n bytes, malloc'd (NULL: ENOMEM) */
char *etcd_b64(const void *p, size_t n);
/* the bytes of a base64 string, malloc'd; 0 or -EBADMSG/-E2BIG/-ENOMEM */
int etcd_unb64(const char *s, uint8_t **out, size_t *len);
/* key + 1 on the last byte that is not 0xff: the end of a prefix range;
 * malloc'd, *len set; a prefix of only 0xff (or empty) gives "\0" */
uint8_t *etcd_prefix_end(const uint8_t *prefix, size_t n, size_t *len);

/* an int64 field, sent by the gateway as a string; def if absent;
 * *bad set if present but not a number */
int64_t etcd_json_i64(const cJSON *o, const char *name, int64_t def,
		int *bad);
/* decode a mvccpb.KeyValue object; the buffers are malloc'd into *kb and *vb
 * (free both, even on failure) */
int etcd_json_kv(const cJSON *kv, struct wgc_etcd_kv *out, uint8_t **kb,
		uint8_t **vb);
/* the endpoints of a client or a watch: base URLs, checked and copied */
struct etcd_urls {
	char *url[WGC_ETCD_ENDPOINTS_MAX];
	unsigned int n;
};

/* 0, -EINVAL (a count or URL that is not http://host[:port]) or -ENOMEM */
int etcd_urls_init(struct etcd_urls *u, const char *const *endpoints,
		unsigned int n);
void etcd_urls_free(struct etcd_urls *u);

#endif /* _WGC_CLUSTER_PRIVATE_H_ */
