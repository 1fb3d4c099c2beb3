/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * JSON side of the configuration model: peers, interface, change sets and
 * the startup configuration file. Strict: unknown keys, duplicate keys and
 * wrong types are errors with the JSON path in the message.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "wgc_conf.h"

#define PATH_LEN 128
#define MAX_CONFIG_BYTES (256u << 20)
#define MAX_EAL_ARGS 128
#define MAX_LCORE_ID 1023

/* ------------------------------------------------------------- helpers */

static const char *
json_type_name(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNull(j))
		return "null";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsObject(j))
		return "an object";
	return "invalid";
}

static int
type_error(struct wgc_conf_error *err, const char *path, const char *want,
		const cJSON *got)
{
	return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
		"%s: expected %s, got %s", path, want, json_type_name(got));
}

/* Reject duplicate keys in an object (cJSON keeps all of them). */
static int
check_duplicates(const cJSON *obj, const char *path,
		struct wgc_conf_error *err)
{
	const cJSON *a, *b;

	for (a = obj->child; a != NULL; a = a->next)
		for (b = a->next; b != NULL; b = b->next)
			if (a->string != NULL && b->string != NULL &&
					strcmp(a->string, b->string) == 0)
				return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
					"%s: duplicate key \"%s\"", path,
					a->string);
	return 0;
}

static int
unknown_key(struct wgc_conf_error *err, const char *path, const cJSON *c)
{
	return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
		"%s: unknown key \"%.64s\"", path, c->string);
}

/* append @p s to out[*n] (bounded by PATH_LEN, always terminated);
 * paths are built for every field of every peer of a bulk load, so
 * without snprintf */
static void
path_put(char *out, size_t *n, const char *s)
{
	size_t k = strlen(s);

	if (k > PATH_LEN - 1 - *n)
		k = PATH_LEN - 1 - *n;
	memcpy(out + *n, s, k);
	*n += k;
	out[*n] = '\0';
}

static void
subpath(char *out, const char *path, const char *key)
{
	size_t n = 0;

	out[0] = '\0';
	if (path != NULL && path[0] != '\0') {
		path_put(out, &n, path);
		path_put(out, &n, ".");
	}
	path_put(out, &n, key);
}

static void
indexpath(char *out, const char *path, unsigned int i)
{
	char num[16], *d = num + sizeof(num) - 1;
	size_t n = 0;

	*d = '\0';
	do {
		*--d = (char)('0' + i % 10);
		i /= 10;
	} while (i != 0);
	out[0] = '\0';
	path_put(out, &n, path);
	path_put(out, &n, "[");
	path_put(out, &n, d);
	path_put(out, &n, "]");
}

static int
get_uint(const cJSON *j, const char *path, uint64_t min, uint64_t max,
		uint64_t *out, struct wgc_conf_error *err)
{
	double d;

	if (!cJSON_IsNumber(j))
		return type_error(err, path, "an integer", j);
	d = j->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: expected an integer", path);
	if (d < (double)min || d > (double)max)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: %.0f out of range %" PRIu64 "..%" PRIu64, path, d,
			min, max);
	*out = (uint64_t)d;
	return 0;
}

static int
get_string(const cJSON *j, const char *path, size_t maxlen, char *out,
		struct wgc_conf_error *err)
{
	size_t n;

	if (!cJSON_IsString(j) || j->valuestring == NULL)
		return type_error(err, path, "a string", j);
	n = strlen(j->valuestring);
	if (n >= maxlen)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: longer than %zu characters", path, maxlen - 1);
	memcpy(out, j->valuestring, n + 1);
	return 0;
}

static int
get_bool(const cJSON *j, const char *path, bool *out,
		struct wgc_conf_error *err)
{
	if (!cJSON_IsBool(j))
		return type_error(err, path, "a boolean", j);
	*out = cJSON_IsTrue(j);
	return 0;
}

static int
parse_key_string(const cJSON *j, const char *path, uint8_t key[WGC_KEY_LEN],
		struct wgc_conf_error *err)
{
	if (!cJSON_IsString(j) || j->valuestring == NULL)
		return type_error(err, path, "a base64 key string", j);
	if (wgc_key_from_base64(key, j->valuestring) != 0 &&
			wgc_key_from_base64url(key, j->valuestring) != 0)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: invalid key (need 32 bytes in base64, 44 characters"
			" as wg prints them)", path);
	return 0;
}

/* Parse an array of CIDR strings; dedups (after normalisation). */
static int
parse_cidr_array(const cJSON *arr, const char *path, enum wgc_prefix_mode mode,
		struct wgc_prefix **out, uint32_t *n_out,
		struct wgc_conf_error *err)
{
	char p[PATH_LEN];
	const cJSON *c;
	struct wgc_prefix *v;
	uint32_t n = 0, i, idx = 0;
	int size;

	*out = NULL;
	*n_out = 0;
	if (!cJSON_IsArray(arr))
		return type_error(err, path, "an array of CIDR strings", arr);
	size = cJSON_GetArraySize(arr);
	if (size > WGC_PEER_MAX_ALLOWED_IPS)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: more than %d entries", path,
			WGC_PEER_MAX_ALLOWED_IPS);
	if (size == 0)
		return 0;
	v = calloc((size_t)size, sizeof(*v));
	if (v == NULL)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "%s: out of memory",
			path);
	cJSON_ArrayForEach(c, arr) {
		const char *why = NULL;
		struct wgc_prefix x;
		bool dup = false;

		indexpath(p, path, idx++);
		if (!cJSON_IsString(c) || c->valuestring == NULL) {
			free(v);
			return type_error(err, p, "a CIDR string", c);
		}
		if (wgc_prefix_parse(&x, c->valuestring, mode, &why) != 0) {
			free(v);
			return wgc_conf_error_set(err, WGC_CONF_EVALUE,
				"%s: invalid %s \"%.64s\": %s", p,
				mode == WGC_PREFIX_IFADDR ? "address" : "CIDR",
				c->valuestring, why);
		}
		for (i = 0; i < n && !dup; i++)
			dup = mode != WGC_PREFIX_IFADDR &&
				wgc_prefix_equal(&v[i], &x);
		if (!dup)
			v[n++] = x;
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* ---------------------------------------------------------------- peers */

void
wgc_peer_conf_free(struct wgc_peer_conf *p)
{
	if (p == NULL)
		return;
	free(p->allowed_ips);
	p->allowed_ips = NULL;
	p->n_allowed_ips = 0;
	sodium_memzero(p->preshared_key, sizeof(p->preshared_key));
}

int
wgc_peer_conf_copy(struct wgc_peer_conf *dst, const struct wgc_peer_conf *src)
{
	*dst = *src;
	dst->allowed_ips = NULL;
	if (src->n_allowed_ips > 0) {
		dst->allowed_ips = malloc(src->n_allowed_ips *
			sizeof(*dst->allowed_ips));
		if (dst->allowed_ips == NULL) {
			dst->n_allowed_ips = 0;
			errno = ENOMEM;
			return -1;
		}
		memcpy(dst->allowed_ips, src->allowed_ips,
			src->n_allowed_ips * sizeof(*dst->allowed_ips));
	}
	return 0;
}

int
wgc_peer_conf_from_json(const cJSON *obj, struct wgc_peer_conf *p,
		uint32_t *fields, unsigned int flags, bool ignore_stats,
		const char *path, struct wgc_conf_error *err)
{
	char sp[PATH_LEN];
	const cJSON *c;
	bool have_pub = false;
	uint32_t f = 0;

	memset(p, 0, sizeof(*p));
	if (fields != NULL)
		*fields = 0;
	if (!cJSON_IsObject(obj))
		return type_error(err, path[0] ? path : "(peer)", "an object",
			obj);
	if (check_duplicates(obj, path, err) != 0)
		return -1;
	cJSON_ArrayForEach(c, obj) {
		const char *k = c->string;
		const char *why = NULL;
		uint64_t v;

		subpath(sp, path, k);
		if (strcmp(k, "public_key") == 0) {
			if (parse_key_string(c, sp, p->public_key, err) != 0)
				goto fail;
			have_pub = true;
		} else if (strcmp(k, "preshared_key") == 0) {
			if (cJSON_IsNull(c)) {
				memset(p->preshared_key, 0, WGC_KEY_LEN);
			} else if (parse_key_string(c, sp, p->preshared_key,
					err) != 0) {
				goto fail;
			}
			f |= WGC_PEER_F_PRESHARED_KEY;
		} else if (strcmp(k, "endpoint") == 0) {
			if (cJSON_IsNull(c)) {
				memset(&p->endpoint, 0, sizeof(p->endpoint));
			} else if (!cJSON_IsString(c)) {
				type_error(err, sp, "a string \"ip:port\"", c);
				goto fail;
			} else if (wgc_endpoint_parse(&p->endpoint,
					c->valuestring, &why) != 0) {
				wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: invalid endpoint \"%.64s\": %s",
					sp, c->valuestring, why);
				goto fail;
			}
			f |= WGC_PEER_F_ENDPOINT;
		} else if (strcmp(k, "allowed_ips") == 0) {
			free(p->allowed_ips);
			if (parse_cidr_array(c, sp, WGC_PREFIX_ROUTE,
					&p->allowed_ips, &p->n_allowed_ips,
					err) != 0)
				goto fail;
			f |= WGC_PEER_F_ALLOWED_IPS;
		} else if (strcmp(k, "persistent_keepalive") == 0) {
			if (get_uint(c, sp, 0, 65535, &v, err) != 0)
				goto fail;
			p->persistent_keepalive = (uint16_t)v;
			f |= WGC_PEER_F_KEEPALIVE;
		} else if (ignore_stats && (strcmp(k, "stats") == 0 ||
				strcmp(k, "has_preshared_key") == 0)) {
			continue;
		} else {
			unknown_key(err, path[0] ? path : "(peer)", c);
			goto fail;
		}
	}
	if (!have_pub && !(flags & (WGC_PEER_JSON_PARTIAL |
			WGC_PEER_JSON_NO_PUBKEY))) {
		wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"%s: missing key \"public_key\"",
			path[0] ? path : "(peer)");
		goto fail;
	}
	if (fields != NULL)
		*fields = f;
	return 0;
fail:
	wgc_peer_conf_free(p);
	return -1;
}
/* o[name] = an array of CIDR strings; -1 when out of memory */
static int
add_cidr_array(cJSON *o, const char *name, const struct wgc_prefix *c,
		uint32_t n)
{
	char buf[WGC_ADDR_STR_LEN];
	cJSON *a = cJSON_AddArrayToObject(o, name);
	uint32_t k;

	if (a == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		cJSON *s = cJSON_CreateString(wgc_prefix_format(&c[k], buf,
			sizeof(buf)));

		if (s == NULL)
			return -1;
		cJSON_AddItemToArray(a, s);
	}
	return 0;
}


cJSON *
wgc_peer_conf_to_json(const struct wgc_peer_conf *p)
{
	char buf[WGC_ADDR_STR_LEN];
	char key[WGC_KEY_B64_LEN + 1];
	cJSON *o;

	o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	wgc_key_to_base64(p->public_key, key);
	if (cJSON_AddStringToObject(o, "public_key", key) == NULL)
		goto fail;
	if (p->endpoint.addr.family != 0) {
		if (cJSON_AddStringToObject(o, "endpoint", wgc_endpoint_format(
				&p->endpoint, buf, sizeof(buf))) == NULL)
			goto fail;
	} else if (cJSON_AddNullToObject(o, "endpoint") == NULL) {
		goto fail;
	}
	if (add_cidr_array(o, "allowed_ips", p->allowed_ips,
			p->n_allowed_ips) < 0)
		goto fail;
	if (cJSON_AddNumberToObject(o, "persistent_keepalive",
			p->persistent_keepalive) == NULL ||
			cJSON_AddBoolToObject(o, "has_preshared_key",
			!wgc_key_is_zero(p->preshared_key)) == NULL)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* ------------------------------------------------------------ interface */

void
wgc_iface_conf_free(struct wgc_iface_conf *i)
{
	if (i == NULL)
		return;
	free(i->private_key_file);
	i->private_key_file = NULL;
	free(i->addresses);
	i->addresses = NULL;
	i->n_addresses = 0;
	sodium_memzero(i->private_key, sizeof(i->private_key));
}

int
wgc_iface_conf_copy(struct wgc_iface_conf *dst,
		const struct wgc_iface_conf *src)
{
	*dst = *src;
	dst->private_key_file = NULL;
	dst->addresses = NULL;
	if (src->private_key_file != NULL) {
		dst->private_key_file = strdup(src->private_key_file);
		if (dst->private_key_file == NULL)
			goto fail;
	}
	if (src->n_addresses > 0) {
		dst->addresses = malloc(src->n_addresses *
			sizeof(*dst->addresses));
		if (dst->addresses == NULL)
			goto fail;
		memcpy(dst->addresses, src->addresses,
			src->n_addresses * sizeof(*dst->addresses));
	}
	return 0;
fail:
	dst->n_addresses = 0;
	wgc_iface_conf_free(dst);
	errno = ENOMEM;
	return -1;
}

int
wgc_iface_set_private_key(struct wgc_iface_conf *i,
		const uint8_t key[WGC_KEY_LEN])
{
	uint8_t pub[WGC_KEY_LEN];

	if (wgc_key_is_zero(key)) {
		memset(i->private_key, 0, WGC_KEY_LEN);
		memset(i->public_key, 0, WGC_KEY_LEN);
		return 0;
	}
	if (wgc_key_public(pub, key) != 0)
		return -1;
	memcpy(i->private_key, key, WGC_KEY_LEN);
	memcpy(i->public_key, pub, WGC_KEY_LEN);
	return 0;
}

int
wgc_iface_load_key_file(struct wgc_iface_conf *i, struct wgc_conf_error *err)
{
	char buf[128];
	uint8_t key[WGC_KEY_LEN];
	struct stat st;
	ssize_t n;
	int fd, rc;

	if (i->private_key_file == NULL)
		return 0;
	fd = open(i->private_key_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"interface.private_key_file: cannot open %.100s: %s",
			i->private_key_file, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"interface.private_key_file: not a regular file");
	}
	if (st.st_mode & 077) {
		close(fd);
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"interface.private_key_file: mode %03o is readable by "
			"group or others (chmod 600)",
			(unsigned int)(st.st_mode & 0777));
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"interface.private_key_file: read: %s", strerror(errno));
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	rc = wgc_key_from_base64(key, buf);
	sodium_memzero(buf, sizeof(buf));
	if (rc != 0)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"interface.private_key_file: not one base64 key");
	rc = wgc_iface_set_private_key(i, key);
	sodium_memzero(key, sizeof(key));
	if (rc != 0)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"interface.private_key_file: weak key");
	return 0;
}

/* "endpoints": the outer addresses with the listen port */
static int
add_endpoints(cJSON *o, const struct wgc_iface_conf *i)
{
	cJSON *a = cJSON_AddArrayToObject(o, "endpoints");
	struct wgc_endpoint e;
	char buf[WGC_ADDR_STR_LEN];
	uint32_t k, n = i->n_outer_addrs;

	if (a == NULL)
		return -1;
	if (n > sizeof(i->outer_addrs) / sizeof(i->outer_addrs[0]))
		n = sizeof(i->outer_addrs) / sizeof(i->outer_addrs[0]);
	for (k = 0; k < n && i->listen_port != 0; k++) {
		cJSON *s;

		e.addr = i->outer_addrs[k];
		e.port = i->listen_port;
		s = cJSON_CreateString(wgc_endpoint_format(&e, buf,
			sizeof(buf)));
		if (s == NULL || !cJSON_AddItemToArray(a, s)) {
			cJSON_Delete(s);
			return -1;
		}
	}
	return 0;
}

cJSON *
wgc_iface_conf_to_json(const struct wgc_iface_conf *i, uint64_t n_peers)
{
	char key[WGC_KEY_B64_LEN + 1];
	cJSON *o;

	o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "name", i->name) == NULL)
		goto fail;
	if (!wgc_key_is_zero(i->public_key)) {
		wgc_key_to_base64(i->public_key, key);
		if (cJSON_AddStringToObject(o, "public_key", key) == NULL)
			goto fail;
	} else if (cJSON_AddNullToObject(o, "public_key") == NULL) {
		goto fail;
	}
	if (cJSON_AddNumberToObject(o, "listen_port", i->listen_port) == NULL ||
			cJSON_AddNumberToObject(o, "fwmark", i->fwmark) == NULL ||
			cJSON_AddNumberToObject(o, "mtu", i->mtu) == NULL ||
			cJSON_AddNumberToObject(o, "peers",
				(double)n_peers) == NULL)
		goto fail;
	if (add_cidr_array(o, "addresses", i->addresses, i->n_addresses) < 0)
		goto fail;
	if (add_endpoints(o, i) < 0)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* ----------------------------------------------------------- change sets */

struct wgc_peer_change *
wgc_changeset_add(struct wgc_changeset *cs)
{
	struct wgc_peer_change *c;

	if (cs->n == cs->cap) {
		uint32_t cap = cs->cap == 0 ? 16 : cs->cap * 2;
		struct wgc_peer_change *v;

		if (cap < cs->cap)
			return NULL;
		v = realloc(cs->peers, (size_t)cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		cs->peers = v;
		cs->cap = cap;
	}
	c = &cs->peers[cs->n++];
	memset(c, 0, sizeof(*c));
	return c;
}

void
wgc_changeset_free(struct wgc_changeset *cs)
{
	uint32_t i;

	if (cs == NULL)
		return;
	for (i = 0; i < cs->n; i++)
		wgc_peer_conf_free(&cs->peers[i].conf);
	free(cs->peers);
	cs->peers = NULL;
	cs->n = cs->cap = 0;
	wgc_iface_conf_free(&cs->iface);
}

/* ------------------------------------------------ startup configuration */

const char *
wgc_inner_type_name(enum wgc_inner_type t)
{
	switch (t) {
	case WGC_INNER_TUN:
		return "tun";
	case WGC_INNER_VIRTIO_USER:
		return "virtio_user";
	case WGC_INNER_ETHDEV:
		return "ethdev";
	}
	return "?";
}

void
wgc_startup_conf_init(struct wgc_startup_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->iface.name, sizeof(c->iface.name), "wgc0");
	c->iface.listen_port = 51820;
	c->iface.mtu = 1420;
	c->inner.type = WGC_INNER_TUN;
	c->inner.mtu = 1420;
	c->inner.offload = true;
	snprintf(c->control.socket, sizeof(c->control.socket),
		"/run/wgc/wgc.sock");
	snprintf(c->control.uapi_dir, sizeof(c->control.uapi_dir),
		"/var/run/wireguard");
	c->control.state_wins = true;
	c->control.max_body = 64u << 20;
	c->control.timeout = 10;
}

void
wgc_startup_conf_free(struct wgc_startup_conf *c)
{
	uint32_t i;
	int k;

	if (c == NULL)
		return;
	for (k = 0; k < c->eal_argc; k++)
		free(c->eal_argv[k]);
	free(c->eal_argv);
	wgc_iface_conf_free(&c->iface);
	free(c->outer);
	free(c->inner.addresses);
	free(c->workers);
	free(c->handshake_lcores);
	for (i = 0; i < c->n_peers; i++)
		wgc_peer_conf_free(&c->peers[i]);
	free(c->peers);
	memset(c, 0, sizeof(*c));
}

static int
parse_eal(struct wgc_startup_conf *c, const cJSON *j,
		struct wgc_conf_error *err)
{
	char p[PATH_LEN];
	const cJSON *a;
	int n, k = 0;

	if (!cJSON_IsArray(j))
		return type_error(err, "eal", "an array of strings", j);
	n = cJSON_GetArraySize(j);
	if (n > MAX_EAL_ARGS)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"eal: more than %d arguments", MAX_EAL_ARGS);
	c->eal_argv = calloc((size_t)n + 1, sizeof(char *));
	if (c->eal_argv == NULL)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	cJSON_ArrayForEach(a, j) {
		indexpath(p, "eal", (unsigned int)k);
		if (!cJSON_IsString(a) || a->valuestring == NULL)
			return type_error(err, p, "a string", a);
		c->eal_argv[k] = strdup(a->valuestring);
		if (c->eal_argv[k] == NULL)
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"out of memory");
		c->eal_argc = ++k;
	}
	return 0;
}

static int
parse_interface(struct wgc_startup_conf *c, const cJSON *j,
		struct wgc_conf_error *err)
{
	const char *path = "interface";
	char sp[PATH_LEN];
	const cJSON *k;
	bool have_key = false;
	uint64_t v;

	if (!cJSON_IsObject(j))
		return type_error(err, path, "an object", j);
	if (check_duplicates(j, path, err) != 0)
		return -1;
	cJSON_ArrayForEach(k, j) {
		subpath(sp, path, k->string);
		if (strcmp(k->string, "name") == 0) {
			if (get_string(k, sp, WGC_IFNAME_LEN, c->iface.name,
					err) != 0)
				return -1;
			if (c->iface.name[0] == '\0' ||
					strpbrk(c->iface.name, "/ \t\n") != NULL)
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: invalid interface name", sp);
		} else if (strcmp(k->string, "private_key") == 0) {
			uint8_t key[WGC_KEY_LEN];

			if (parse_key_string(k, sp, key, err) != 0)
				return -1;
			if (wgc_iface_set_private_key(&c->iface, key) != 0) {
				sodium_memzero(key, sizeof(key));
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: weak key", sp);
			}
			sodium_memzero(key, sizeof(key));
			have_key = true;
		} else if (strcmp(k->string, "private_key_file") == 0) {
			char buf[PATH_MAX];

			if (get_string(k, sp, sizeof(buf), buf, err) != 0)
				return -1;
			if (buf[0] == '\0')
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: empty path", sp);
			c->iface.private_key_file = strdup(buf);
			if (c->iface.private_key_file == NULL)
				return wgc_conf_error_set(err, WGC_CONF_EIO,
					"out of memory");
		} else if (strcmp(k->string, "listen_port") == 0) {
			if (get_uint(k, sp, 0, 65535, &v, err) != 0)
				return -1;
			c->iface.listen_port = (uint16_t)v;
		} else if (strcmp(k->string, "fwmark") == 0) {
			if (get_uint(k, sp, 0, UINT32_MAX, &v, err) != 0)
				return -1;
			c->iface.fwmark = (uint32_t)v;
		} else if (strcmp(k->string, "max_peers") == 0) {
			if (get_uint(k, sp, 1, 1u << 21, &v, err) != 0)
				return -1;
			c->iface.max_peers = (uint32_t)v;
		} else {
			return unknown_key(err, path, k);
		}
	}
	if (have_key && c->iface.private_key_file != NULL)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"interface: give private_key or private_key_file, "
			"not both");
	return 0;
}

static int
parse_outer_one(struct wgc_outer_conf *o, const cJSON *j, const char *path,
		struct wgc_conf_error *err)
{
	char sp[PATH_LEN];
	const cJSON *k;
	bool have_port = false;
	uint64_t v;

	if (!cJSON_IsObject(j))
		return type_error(err, path, "an object", j);
	if (check_duplicates(j, path, err) != 0)
		return -1;
	cJSON_ArrayForEach(k, j) {
		const char *why = NULL;

		subpath(sp, path, k->string);
		if (strcmp(k->string, "port") == 0) {
			if (get_string(k, sp, sizeof(o->port), o->port,
					err) != 0)
				return -1;
			if (o->port[0] == '\0')
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: empty", sp);
			have_port = true;
		} else if (strcmp(k->string, "ipv4") == 0 ||
				strcmp(k->string, "ipv6") == 0) {
			bool v6 = k->string[3] == '6';
			struct wgc_prefix *cp = v6 ? &o->ipv6 : &o->ipv4;

			if (!cJSON_IsString(k))
				return type_error(err, sp, "a string", k);
			if (wgc_prefix_parse(cp, k->valuestring,
					WGC_PREFIX_IFADDR, &why) != 0)
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: invalid address \"%.64s\": %s",
					sp, k->valuestring, why);
			if (cp->addr.family != (v6 ? AF_INET6 : AF_INET))
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: not an IPv%c address", sp,
					v6 ? '6' : '4');
			if (v6)
				o->has_ipv6 = true;
			else
				o->has_ipv4 = true;
		} else if (strcmp(k->string, "gateway4") == 0 ||
				strcmp(k->string, "gateway6") == 0) {
			bool v6 = k->string[7] == '6';
			struct wgc_addr *ap = v6 ? &o->gateway6 : &o->gateway4;

			if (!cJSON_IsString(k))
				return type_error(err, sp, "a string", k);
			if (wgc_addr_parse(ap, k->valuestring) != 0 ||
					ap->family != (v6 ? AF_INET6 : AF_INET))
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: invalid IPv%c address \"%.64s\"",
					sp, v6 ? '6' : '4', k->valuestring);
		} else if (strcmp(k->string, "vlan") == 0) {
			if (get_uint(k, sp, 0, 4094, &v, err) != 0)
				return -1;
			o->vlan = (uint16_t)v;
		} else if (strcmp(k->string, "mtu") == 0) {
			if (get_uint(k, sp, 576, 9000, &v, err) != 0)
				return -1;
			o->mtu = (uint16_t)v;
		} else {
			return unknown_key(err, path, k);
		}
	}
	if (!have_port)
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"%s: missing key \"port\"", path);
	if (o->gateway4.family != 0 && !o->has_ipv4)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s.gateway4: needs ipv4", path);
	if (o->gateway6.family != 0 && !o->has_ipv6)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s.gateway6: needs ipv6", path);
	if (o->has_ipv6 && o->mtu != 0 && o->mtu < 1280)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s.mtu: %u is below IPv6's minimum link MTU 1280",
			path, o->mtu);
	if (!o->has_ipv4 && !o->has_ipv6)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: no address: give ipv4, ipv6 or both", path);
	return 0;
}

/* an address of outer[i] that an earlier port has: two host stacks would
 * answer for it */
static int
outer_addr_reused(const struct wgc_outer_conf *o, uint32_t i, const char *p,
		struct wgc_conf_error *err)
{
	char a[WGC_ADDR_STR_LEN];
	unsigned int f;
	uint32_t k;

	for (f = 0; f < 2; f++) {
		const struct wgc_prefix *x = f ? &o[i].ipv6 : &o[i].ipv4;

		if (!(f ? o[i].has_ipv6 : o[i].has_ipv4))
			continue;
		for (k = 0; k < i; k++)
			if ((f ? o[k].has_ipv6 : o[k].has_ipv4) &&
					wgc_addr_equal(&x->addr, f ?
					&o[k].ipv6.addr : &o[k].ipv4.addr))
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s.ipv%c: %s already used by "
					"outer[%u]", p, f ? '6' : '4',
					wgc_addr_format(&x->addr, a, sizeof(a)),
					k);
	}
	return 0;
}

static int
parse_outer(struct wgc_startup_conf *c, const cJSON *j,
		struct wgc_conf_error *err)
{
	char p[PATH_LEN];
	const cJSON *e;
	uint32_t i = 0, k;
	int n;

	if (!cJSON_IsArray(j))
		return type_error(err, "outer", "an array of objects", j);
	n = cJSON_GetArraySize(j);
	if (n > WGC_CONF_OUTER_MAX)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"outer: %d ports, at most %u", n, WGC_CONF_OUTER_MAX);
	if (n == 0)
		return 0;
	c->outer = calloc((size_t)n, sizeof(*c->outer));
	if (c->outer == NULL)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	cJSON_ArrayForEach(e, j) {
		indexpath(p, "outer", i);
		if (parse_outer_one(&c->outer[i], e, p, err) != 0)
			return -1;
		for (k = 0; k < i; k++)
			if (strcmp(c->outer[k].port, c->outer[i].port) == 0)
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s.port: \"%.64s\" already used by "
					"outer[%u]", p, c->outer[i].port, k);
		if (outer_addr_reused(c->outer, i, p, err) != 0)
			return -1;
		c->n_outer = ++i;
	}
	return 0;
}

/* inner.mss_clamp: "off", "auto" or an MSS */
static int
parse_mss_clamp(const cJSON *k, const char *sp, uint16_t *out,
		struct wgc_conf_error *err)
{
	uint64_t v;

	if (cJSON_IsString(k)) {
		if (strcmp(k->valuestring, "off") == 0) {
			*out = WGC_MSS_CLAMP_OFF;
			return 0;
		}
		if (strcmp(k->valuestring, "auto") == 0) {
			*out = WGC_MSS_CLAMP_AUTO;
			return 0;
		}
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: \"%.32s\" is not one of off, auto or a number "
			"%u..%u", sp, k->valuestring, WGC_MSS_CLAMP_MIN,
			WGC_MSS_CLAMP_MAX);
	}
	if (!cJSON_IsNumber(k))
		return type_error(err, sp, "\"off\", \"auto\" or an integer",
			k);
	if (get_uint(k, sp, WGC_MSS_CLAMP_MIN, WGC_MSS_CLAMP_MAX, &v,
			err) != 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* spread: "auto" or "off" */
static int
parse_spread(struct wgc_startup_conf *c, const cJSON *k,
		struct wgc_conf_error *err)
{
	if (!cJSON_IsString(k))
		return type_error(err, "spread", "\"auto\" or \"off\"", k);
	if (strcmp(k->valuestring, "auto") == 0)
		c->spread_off = false;
	else if (strcmp(k->valuestring, "off") == 0)
		c->spread_off = true;
	else
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"spread: \"%.32s\" is not one of auto, off",
			k->valuestring);
	return 0;
}

static int
parse_inner(struct wgc_startup_conf *c, const cJSON *j,
		struct wgc_conf_error *err)
{
	const char *path = "inner";
	char sp[PATH_LEN];
	const cJSON *k;
	uint64_t v;

	if (!cJSON_IsObject(j))
		return type_error(err, path, "an object", j);
	if (check_duplicates(j, path, err) != 0)
		return -1;
	cJSON_ArrayForEach(k, j) {
		subpath(sp, path, k->string);
		if (strcmp(k->string, "type") == 0) {
			if (!cJSON_IsString(k))
				return type_error(err, sp, "a string", k);
			if (strcmp(k->valuestring, "tun") == 0)
				c->inner.type = WGC_INNER_TUN;
			else if (strcmp(k->valuestring, "virtio_user") == 0)
				c->inner.type = WGC_INNER_VIRTIO_USER;
			else if (strcmp(k->valuestring, "ethdev") == 0)
				c->inner.type = WGC_INNER_ETHDEV;
			else
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: \"%.32s\" is not one of tun, "
					"virtio_user, ethdev", sp,
					k->valuestring);
		} else if (strcmp(k->string, "name") == 0) {
			if (get_string(k, sp, sizeof(c->inner.name),
					c->inner.name, err) != 0)
				return -1;
		} else if (strcmp(k->string, "addresses") == 0) {
			free(c->inner.addresses);
			if (parse_cidr_array(k, sp, WGC_PREFIX_IFADDR,
					&c->inner.addresses,
					&c->inner.n_addresses, err) != 0)
				return -1;
		} else if (strcmp(k->string, "mtu") == 0) {
			if (get_uint(k, sp, 576, 9000, &v, err) != 0)
				return -1;
			c->inner.mtu = (uint16_t)v;
		} else if (strcmp(k->string, "offload") == 0) {
			if (get_bool(k, sp, &c->inner.offload, err) != 0)
				return -1;
		} else if (strcmp(k->string, "port_mtu") == 0) {
			if (get_uint(k, sp, 576, 9000, &v, err) != 0)
				return -1;
			c->inner.port_mtu = (uint16_t)v;
		} else if (strcmp(k->string, "mss_clamp") == 0) {
			if (parse_mss_clamp(k, sp, &c->inner.mss_clamp,
					err) != 0)
				return -1;
		} else {
			return unknown_key(err, path, k);
		}
	}
	if (c->inner.port_mtu != 0 && c->inner.type == WGC_INNER_TUN)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"inner.port_mtu: only for the ethdev and virtio_user "
			"edges (a TUN has inner.mtu)");
	if (c->inner.port_mtu != 0 && c->inner.port_mtu < c->inner.mtu)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"inner.port_mtu: %u is below inner.mtu %u",
			c->inner.port_mtu, c->inner.mtu);
	if (c->inner.type == WGC_INNER_TUN &&
			strlen(c->inner.name) >= WGC_IFNAME_LEN)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"inner.name: a TUN name has at most %d characters",
			WGC_IFNAME_LEN - 1);
	return 0;
}

/* an array of distinct lcore ids (workers, handshake_lcores) */
static int
parse_lcores(const char *key, const cJSON *j, uint32_t **out, uint32_t *nout,
		struct wgc_conf_error *err)
{
	char p[PATH_LEN];
	const cJSON *e;
	uint32_t i = 0, k;
	uint64_t v;
	int n;

	if (!cJSON_IsArray(j))
		return type_error(err, key, "an array of lcore ids", j);
	n = cJSON_GetArraySize(j);
	if (n > MAX_LCORE_ID + 1)
		return wgc_conf_error_set(err, WGC_CONF_EVALUE,
			"%s: too many entries", key);
	if (n == 0)
		return 0;
	*out = calloc((size_t)n, sizeof(**out));
	if (*out == NULL)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	cJSON_ArrayForEach(e, j) {
		indexpath(p, key, i);
		if (get_uint(e, p, 0, MAX_LCORE_ID, &v, err) != 0)
			return -1;
		for (k = 0; k < i; k++)
			if ((*out)[k] == v)
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: lcore %u listed twice", p,
					(unsigned int)v);
		(*out)[i] = (uint32_t)v;
		*nout = ++i;
	}
	return 0;
}

/* a handshake lcore is never a worker */
static int
check_handshake_lcores(const struct wgc_startup_conf *c,
		struct wgc_conf_error *err)
{
	uint32_t i, k;

	for (i = 0; i < c->n_handshake_lcores; i++)
		for (k = 0; k < c->n_workers; k++)
			if (c->handshake_lcores[i] == c->workers[k])
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"handshake_lcores[%u]: lcore %u is also "
					"workers[%u]: a handshake lcore cannot "
					"be a worker", i,
					c->handshake_lcores[i], k);
	return 0;
}

static int
peer_index_cmp(const void *a, const void *b, void *arg)
{
	const struct wgc_peer_conf *peers = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = memcmp(peers[x].public_key, peers[y].public_key, WGC_KEY_LEN);

	if (r != 0)
		return r;
	return x < y ? -1 : x > y;
}

static int
parse_peers(struct wgc_startup_conf *c, const cJSON *j,
		struct wgc_conf_error *err)
{
	char p[PATH_LEN];
	const cJSON *e;
	uint32_t i = 0, *idx;
	int n;

	if (!cJSON_IsArray(j))
		return type_error(err, "peers", "an array of objects", j);
	n = cJSON_GetArraySize(j);
	if (n == 0)
		return 0;
	c->peers = calloc((size_t)n, sizeof(*c->peers));
	if (c->peers == NULL)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	cJSON_ArrayForEach(e, j) {
		indexpath(p, "peers", i);
		if (wgc_peer_conf_from_json(e, &c->peers[i], NULL, 0, false,
				p, err) != 0)
			return -1;
		c->n_peers = ++i;
	}
	/* duplicate public keys: sort an index, compare neighbours */
	idx = malloc(c->n_peers * sizeof(*idx));
	if (idx == NULL)
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	for (i = 0; i < c->n_peers; i++)
		idx[i] = i;
	qsort_r(idx, c->n_peers, sizeof(*idx), peer_index_cmp, c->peers);
	for (i = 1; i < c->n_peers; i++) {
		if (memcmp(c->peers[idx[i]].public_key,
				c->peers[idx[i - 1]].public_key,
				WGC_KEY_LEN) == 0) {
			wgc_conf_error_set(err, WGC_CONF_EVALUE,
				"peers[%u].public_key: same key as peers[%u]",
				idx[i], idx[i - 1]);
			free(idx);
			return -1;
		}
	}
	free(idx);
	return 0;
}

static int
parse_control(struct wgc_startup_conf *c, const cJSON *j,
		struct wgc_conf_error *err)
{
	const char *path = "control";
	struct wgc_control_conf *cc = &c->control;
	char sp[PATH_LEN];
	const cJSON *k;
	uint64_t v;

	if (!cJSON_IsObject(j))
		return type_error(err, path, "an object", j);
	if (check_duplicates(j, path, err) != 0)
		return -1;
	cJSON_ArrayForEach(k, j) {
		subpath(sp, path, k->string);
		if (strcmp(k->string, "socket") == 0) {
			if (get_string(k, sp, sizeof(cc->socket), cc->socket,
					err) != 0)
				return -1;
			if (cc->socket[0] != '/')
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: must be an absolute path", sp);
		} else if (strcmp(k->string, "state_dir") == 0) {
			if (get_string(k, sp, sizeof(cc->state_dir),
					cc->state_dir, err) != 0)
				return -1;
			if (cc->state_dir[0] != '\0' && cc->state_dir[0] != '/')
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: must be an absolute path", sp);
		} else if (strcmp(k->string, "uapi_dir") == 0) {
			if (get_string(k, sp, sizeof(cc->uapi_dir),
					cc->uapi_dir, err) != 0)
				return -1;
			if (cc->uapi_dir[0] != '\0' && cc->uapi_dir[0] != '/')
				return wgc_conf_error_set(err, WGC_CONF_EVALUE,
					"%s: must be an absolute path", sp);
		} else if (strcmp(k->string, "group") == 0) {
			if (get_string(k, sp, sizeof(cc->group), cc->group,
					err) != 0)
				return -1;
		} else if (strcmp(k->string, "state_wins") == 0) {
			if (get_bool(k, sp, &cc->state_wins, err) != 0)
				return -1;
		} else if (strcmp(k->string, "max_body") == 0) {
			if (get_uint(k, sp, 4096, 1ull << 32, &v, err) != 0)
				return -1;
			cc->max_body = v;
		} else if (strcmp(k->string, "timeout") == 0) {
			if (get_uint(k, sp, 1, 3600, &v, err) != 0)
				return -1;
			cc->timeout = (uint32_t)v;
		} else if (strcmp(k->string, "cluster") == 0) {
			if (wgc_cluster_conf_parse(k, sp, &cc->cluster,
					err) != 0)
				return -1;
		} else {
			return unknown_key(err, path, k);
		}
	}
	return 0;
}

int
wgc_startup_conf_parse(struct wgc_startup_conf *c, const char *json,
		size_t len, struct wgc_conf_error *err)
{
	const char *end = NULL;
	cJSON *root;
	const cJSON *k;
	bool have_inner_name = false;
	uint32_t i;
	int rc = -1;

	wgc_startup_conf_init(c);
	if (json == NULL)
		return wgc_conf_error_set(err, WGC_CONF_ESYNTAX, "no input");
	root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (root != NULL) {
		/* only whitespace may follow the value */
		while (end < json + len && (*end == ' ' || *end == '\t' ||
				*end == '\n' || *end == '\r'))
			end++;
		if (end != json + len) {
			size_t off = (size_t)(end - json);

			cJSON_Delete(root);
			return wgc_conf_error_set(err, WGC_CONF_ESYNTAX,
				"invalid JSON: trailing data at byte %zu", off);
		}
	} else {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at != NULL && at >= json && at <= json + len ?
			(size_t)(at - json) : len;
		unsigned int line = 1;
		size_t i;

		for (i = 0; i < off; i++)
			line += json[i] == '\n';
		return wgc_conf_error_set(err, WGC_CONF_ESYNTAX,
			"invalid JSON near line %u (byte %zu)", line, off);
	}
	if (!cJSON_IsObject(root)) {
		type_error(err, "(top level)", "an object", root);
		goto out;
	}
	if (check_duplicates(root, "(top level)", err) != 0)
		goto out;
	cJSON_ArrayForEach(k, root) {
		int r;

		if (strcmp(k->string, "eal") == 0)
			r = parse_eal(c, k, err);
		else if (strcmp(k->string, "interface") == 0)
			r = parse_interface(c, k, err);
		else if (strcmp(k->string, "outer") == 0)
			r = parse_outer(c, k, err);
		else if (strcmp(k->string, "inner") == 0) {
			r = parse_inner(c, k, err);
			have_inner_name = cJSON_GetObjectItemCaseSensitive(k,
				"name") != NULL;
		} else if (strcmp(k->string, "workers") == 0)
			r = parse_lcores("workers", k, &c->workers,
				&c->n_workers, err);
		else if (strcmp(k->string, "handshake_lcores") == 0)
			r = parse_lcores("handshake_lcores", k,
				&c->handshake_lcores, &c->n_handshake_lcores,
				err);
		else if (strcmp(k->string, "spread") == 0)
			r = parse_spread(c, k, err);
		else if (strcmp(k->string, "peers") == 0) {
			r = parse_peers(c, k, err);
			c->peers_given = true;
		}
		else if (strcmp(k->string, "control") == 0)
			r = parse_control(c, k, err);
		else
			r = unknown_key(err, "(top level)", k);
		if (r != 0)
			goto out;
	}
	if (check_handshake_lcores(c, err) != 0)
		goto out;
	if (!have_inner_name)
		snprintf(c->inner.name, sizeof(c->inner.name), "%s",
			c->iface.name);
	/* the interface reports the inner addresses and MTU, and where
	 * peers reach it (each outer port's addresses) */
	c->iface.mtu = c->inner.mtu;
	for (i = 0; i < c->n_outer; i++) {
		if (c->outer[i].has_ipv4)
			c->iface.outer_addrs[c->iface.n_outer_addrs++] =
				c->outer[i].ipv4.addr;
		if (c->outer[i].has_ipv6)
			c->iface.outer_addrs[c->iface.n_outer_addrs++] =
				c->outer[i].ipv6.addr;
	}
	if (c->inner.n_addresses > 0) {
		c->iface.addresses = malloc(c->inner.n_addresses *
			sizeof(*c->iface.addresses));
		if (c->iface.addresses == NULL) {
			wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
			goto out;
		}
		memcpy(c->iface.addresses, c->inner.addresses,
			c->inner.n_addresses * sizeof(*c->iface.addresses));
		c->iface.n_addresses = c->inner.n_addresses;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	if (rc != 0)
		wgc_startup_conf_free(c);
	return rc;
}

int
wgc_startup_conf_load(struct wgc_startup_conf *c, const char *path,
		struct wgc_conf_error *err)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t off = 0;
	int fd, rc;

	wgc_startup_conf_init(c);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"%.100s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
			(uint64_t)st.st_size > MAX_CONFIG_BYTES) {
		close(fd);
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"%.100s: not a regular file of at most %u bytes", path,
			MAX_CONFIG_BYTES);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	close(fd);
	rc = wgc_startup_conf_parse(c, buf, off, err);
	sodium_memzero(buf, off);
	free(buf);
	if (rc != 0)
		return rc;
	if (wgc_iface_load_key_file(&c->iface, err) != 0) {
		wgc_startup_conf_free(c);
		return -1;
	}
	return 0;
}
