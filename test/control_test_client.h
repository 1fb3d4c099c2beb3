/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _CONTROL_TEST_CLIENT_H_
#define _CONTROL_TEST_CLIENT_H_

/*
 * A tiny HTTP/1.1 client over AF_UNIX for the control-plane tests, and a
 * fixture that runs a control plane on the in-memory backend in a private
 * temporary directory.
 */

#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wgc_conf.h"
#include "wgc_control.h"

struct http_resp {
	int status;
	char *headers;   /* raw header block, NUL-terminated */
	char *body;      /* NUL-terminated (de-chunked) */
	size_t body_len;
	cJSON *json;     /* parsed body if JSON, else NULL */
};

static inline void
http_resp_free(struct http_resp *r)
{
	free(r->headers);
	free(r->body);
	cJSON_Delete(r->json);
	memset(r, 0, sizeof(*r));
}

static inline int
unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static inline int
write_full(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len > 0) {
		ssize_t n = send(fd, c, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read until EOF (the client always sends Connection: close). */
static inline char *
read_all(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1);

	while (b != NULL) {
		ssize_t k;

		if (n == cap) {
			char *q = realloc(b, cap * 2 + 1);

			if (q == NULL) {
				free(b);
				return NULL;
			}
			b = q;
			cap *= 2;
		}
		k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	if (b != NULL)
		b[n] = '\0';
	*len = n;
	return b;
}

static inline int
http_parse(char *raw, size_t len, struct http_resp *r)
{
	char *hdr_end = strstr(raw, "\r\n\r\n");
	char *body;
	size_t blen;

	memset(r, 0, sizeof(*r));
	if (hdr_end == NULL || sscanf(raw, "HTTP/1.%*d %d", &r->status) != 1)
		return -1;
	*hdr_end = '\0';
	r->headers = strdup(raw);
	body = hdr_end + 4;
	blen = len - (size_t)(body - raw);
	if (strcasestr(r->headers, "transfer-encoding: chunked") != NULL) {
		char *out = malloc(blen + 1), *p = body;
		size_t o = 0;

		while (out != NULL) {
			unsigned long c = strtoul(p, &p, 16);

			p = strstr(p, "\r\n");
			if (p == NULL || c == 0)
				break;
			p += 2;
			memcpy(out + o, p, c);
			o += c;
			p += c + 2;
		}
		if (out != NULL)
			out[o] = '\0';
		r->body = out;
		r->body_len = o;
	} else {
		r->body = malloc(blen + 1);
		if (r->body != NULL) {
			memcpy(r->body, body, blen);
			r->body[blen] = '\0';
		}
		r->body_len = blen;
	}
	if (r->body != NULL && r->body_len > 0 &&
			strcasestr(r->headers, "application/json") != NULL)
		r->json = cJSON_Parse(r->body);
	return 0;
}

/* One request; returns 0 and fills @p r, or -1 (connect/IO failure). */
static inline int
http_req(const char *sock, const char *method, const char *url,
		const char *ctype, const char *body, size_t body_len,
		struct http_resp *r)
{
	char head[1024];
	char *raw;
	size_t len;
	int fd, n, rc;

	memset(r, 0, sizeof(*r));
	fd = unix_connect(sock);
	if (fd < 0)
		return -1;
	n = snprintf(head, sizeof(head),
		"%s %s HTTP/1.1\r\nHost: wgc\r\nConnection: close\r\n",
		method, url);
	if (body != NULL)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
			"Content-Type: %s\r\nContent-Length: %zu\r\n",
			ctype != NULL ? ctype : "application/json", body_len);
	n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
	if (write_full(fd, head, (size_t)n) != 0 || (body != NULL &&
			write_full(fd, body, body_len) != 0)) {
		/* the server may answer early (413/415) and close */
	}
	shutdown(fd, SHUT_WR);
	raw = read_all(fd, &len);
	close(fd);
	if (raw == NULL)
		return -1;
	rc = http_parse(raw, len, r);
	free(raw);
	return rc;
}

static inline int
http_json(const char *sock, const char *method, const char *url,
		const char *body, struct http_resp *r)
{
	return http_req(sock, method, url, NULL, body,
		body != NULL ? strlen(body) : 0, r);
}

static inline const char *
json_error_code(const struct http_resp *r)
{
	const cJSON *e = cJSON_GetObjectItem(r->json, "error");
	const cJSON *c = cJSON_GetObjectItem(e, "code");

	return cJSON_IsString(c) ? c->valuestring : "";
}

/* ------------------------------------------------------------- fixture */

struct ctl_fixture {
	char dir[64];
	char rest[128];
	char uapi[128];
	struct wgc_control_conf conf;
	struct wgc_mem_backend *mb;
	struct wgc_control *ctl;
};

static int
rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static inline void
rm_rf(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static inline struct wgc_iface_conf
fixture_iface(const char *priv_b64)
{
	struct wgc_iface_conf i;
	uint8_t k[WGC_KEY_LEN];

	memset(&i, 0, sizeof(i));
	snprintf(i.name, sizeof(i.name), "wgcctl0");
	i.listen_port = 51820;
	i.mtu = 1420;
	if (priv_b64 != NULL && wgc_key_from_base64(k, priv_b64) == 0)
		wgc_iface_set_private_key(&i, k);
	return i;
}

static inline int
fixture_start(struct ctl_fixture *f, bool threads)
{
	struct wgc_control_params p;
	struct wgc_conf_error err;

	memset(&p, 0, sizeof(p));
	p.conf = &f->conf;
	p.ifname = "wgcctl0";
	p.ops = &wgc_mem_backend_ops;
	p.ctx = f->mb;
	p.no_threads = !threads;
	f->ctl = wgc_control_create(&p, &err);
	if (f->ctl == NULL)
		printf("wgc_control_create: %s\n", err.msg);
	return f->ctl != NULL ? 0 : -1;
}

static inline int
fixture_init(struct ctl_fixture *f, bool threads, bool persist)
{
	struct wgc_iface_conf i =
		fixture_iface("GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=");

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/wgc-ctl-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->conf.socket, sizeof(f->conf.socket), "%s/rest.sock",
		f->dir);
	snprintf(f->conf.uapi_dir, sizeof(f->conf.uapi_dir), "%s", f->dir);
	if (persist)
		snprintf(f->conf.state_dir, sizeof(f->conf.state_dir),
			"%s/state", f->dir);
	f->conf.state_wins = true;
	f->conf.max_body = 65536;
	f->conf.timeout = 1;
	snprintf(f->rest, sizeof(f->rest), "%s", f->conf.socket);
	snprintf(f->uapi, sizeof(f->uapi), "%s/wgcctl0.sock", f->dir);
	f->mb = wgc_mem_backend_create(&i);
	wgc_iface_conf_free(&i);
	if (f->mb == NULL)
		return -1;
	return fixture_start(f, threads);
}

static inline void
fixture_fini(struct ctl_fixture *f)
{
	wgc_control_destroy(f->ctl);
	wgc_mem_backend_destroy(f->mb);
	f->ctl = NULL;
	f->mb = NULL;
	rm_rf(f->dir);
}

/* A deterministic test key: 32 bytes from a seed, as base64. */
static inline void
test_key(unsigned int seed, uint8_t key[WGC_KEY_LEN])
{
	unsigned int i;

	for (i = 0; i < WGC_KEY_LEN; i++)
		key[i] = (uint8_t)((seed * 2654435761u) >> ((i % 4) * 8)) ^
			(uint8_t)(i * 7 + (seed >> 8));
	key[0] = (uint8_t)(seed >> 16);
	key[1] = (uint8_t)(seed >> 8);
	key[2] = (uint8_t)seed;
}

static inline void
test_key_b64(unsigned int seed, char out[WGC_KEY_B64_LEN + 1])
{
	uint8_t k[WGC_KEY_LEN];

	test_key(seed, k);
	wgc_key_to_base64(k, out);
}

static inline void
test_key_url(unsigned int seed, char out[WGC_KEY_B64URL_LEN + 1])
{
	uint8_t k[WGC_KEY_LEN];

	test_key(seed, k);
	wgc_key_to_base64url(k, out);
}

#endif /* _CONTROL_TEST_CLIENT_H_ */
