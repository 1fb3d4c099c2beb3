/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgcctl: a small human client of the wgc REST API.
 *
 *   wgcctl [-s SOCKET] show                 interface + table of peers
 *   wgcctl [-s SOCKET] health               ok / degraded and why
 *   wgcctl [-s SOCKET] get PATH             raw GET (JSON printed)
 *   wgcctl [-s SOCKET] put|patch|post PATH [BODY|-]
 *   wgcctl [-s SOCKET] delete PATH
 *   wgcctl [-s SOCKET] peer add --generate [--name NAME]   (peer_add.c)
 *
 * SOCKET defaults to /run/wgc/wgc.sock (or $WGC_SOCKET). Exit status: 0 on
 * 2xx, 1 otherwise (the error JSON is printed on stderr).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "wgcctl.h"

struct reply {
	int status;
	char *body;
};

static int
request(const char *sock, const char *method, const char *path,
		const char *body, struct reply *r)
{
	struct sockaddr_un sa;
	size_t cap = 65536, n = 0, blen = body != NULL ? strlen(body) : 0;
	char head[1024], *buf, *hdr_end;
	int fd, k;

	memset(r, 0, sizeof(*r));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "wgcctl: socket path too long\n");
		return -1;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "wgcctl: %s: %s\n", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	k = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: wgc\r\n"
		"Connection: close\r\n", method, path);
	if (body != NULL)
		k += snprintf(head + k, sizeof(head) - (size_t)k,
			"Content-Type: application/json\r\n"
			"Content-Length: %zu\r\n", blen);
	k += snprintf(head + k, sizeof(head) - (size_t)k, "\r\n");
	if (write(fd, head, (size_t)k) != k || (blen > 0 &&
			write(fd, body, blen) != (ssize_t)blen)) {
		/* the server may answer early (413/415) */
	}
	buf = malloc(cap + 1);
	while (buf != NULL) {
		ssize_t got;

		if (n == cap) {
			char *q = realloc(buf, cap * 2 + 1);

			if (q == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = q;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (buf == NULL)
		return -1;
	buf[n] = '\0';
	hdr_end = strstr(buf, "\r\n\r\n");
	if (hdr_end == NULL || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1) {
		fprintf(stderr, "wgcctl: bad reply\n");
		free(buf);
		return -1;
	}
	r->body = strdup(hdr_end + 4);
	free(buf);
	return r->body != NULL ? 0 : -1;
}

static void
age(char *out, size_t len, double t)
{
	long long s = (long long)difftime(time(NULL), (time_t)t);

	if (t <= 0)
		snprintf(out, len, "never");
	else if (s < 120)
		snprintf(out, len, "%llds ago", s);
	else if (s < 7200)
		snprintf(out, len, "%lldm %llds ago", s / 60, s % 60);
	else if (s < 172800)
		snprintf(out, len, "%lldh %lldm ago", s / 3600, (s / 60) % 60);
	else
		snprintf(out, len, "%lldd ago", s / 86400);
}

static void
bytes(char *out, size_t len, double b)
{
	static const char * const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int i = 0;

	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(out, len, i == 0 ? "%.0f %s" : "%.1f %s", b, u[i]);
}

static int
show(const char *sock)
{
	char path[160] = "/v1/peers?limit=1000";
	struct reply r;
	cJSON *j, *p;
	unsigned long n = 0;

	if (request(sock, "GET", "/v1/interface", NULL, &r) != 0)
		return 1;
	j = cJSON_Parse(r.body);
	if (r.status != 200 || j == NULL) {
		fprintf(stderr, "%s\n", r.body);
		free(r.body);
		cJSON_Delete(j);
		return 1;
	}
	printf("interface %s  public key %s  port %d  peers %d\n",
		cJSON_GetStringValue(cJSON_GetObjectItem(j, "name")),
		cJSON_IsString(cJSON_GetObjectItem(j, "public_key")) ?
		cJSON_GetStringValue(cJSON_GetObjectItem(j, "public_key")) :
		"(none)",
		cJSON_GetObjectItem(j, "listen_port")->valueint,
		cJSON_GetObjectItem(j, "peers")->valueint);
	cJSON_Delete(j);
	free(r.body);
	printf("%-44s  %-24s  %-14s  %10s  %10s  %s\n", "PEER", "ENDPOINT",
		"HANDSHAKE", "RX", "TX", "ALLOWED IPS");
	for (;;) {
		const cJSON *next;

		if (request(sock, "GET", path, NULL, &r) != 0)
			return 1;
		j = cJSON_Parse(r.body);
		free(r.body);
		if (r.status != 200 || j == NULL) {
			cJSON_Delete(j);
			return 1;
		}
		cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "peers")) {
			const cJSON *st = cJSON_GetObjectItem(p, "stats");
			const cJSON *ep = cJSON_GetObjectItem(p, "endpoint");
			const cJSON *ip;
			char hs[32], rx[32], tx[32];

			age(hs, sizeof(hs), cJSON_GetObjectItem(st,
				"last_handshake")->valuedouble);
			bytes(rx, sizeof(rx), cJSON_GetObjectItem(st,
				"rx_bytes")->valuedouble);
			bytes(tx, sizeof(tx), cJSON_GetObjectItem(st,
				"tx_bytes")->valuedouble);
			printf("%-44s  %-24s  %-14s  %10s  %10s  ",
				cJSON_GetStringValue(cJSON_GetObjectItem(p,
					"public_key")),
				cJSON_IsString(ep) ? ep->valuestring : "-",
				hs, rx, tx);
			cJSON_ArrayForEach(ip, cJSON_GetObjectItem(p,
					"allowed_ips"))
				printf("%s%s", ip == cJSON_GetObjectItem(p,
					"allowed_ips")->child ? "" : ",",
					ip->valuestring);
			printf("\n");
			n++;
		}
		next = cJSON_GetObjectItem(j, "next");
		if (!cJSON_IsString(next)) {
			cJSON_Delete(j);
			break;
		}
		snprintf(path, sizeof(path), "/v1/peers?limit=1000&after=%s",
			next->valuestring);
		cJSON_Delete(j);
	}
	return 0;
}

/* `wgcctl health`: one line; exit 0 when ok, 1 when degraded or the
 * daemon does not answer (for monitoring scripts) */
static int
health(const char *sock)
{
	const cJSON *st, *why, *up, *peers;
	struct reply r;
	cJSON *j;
	int rc = 1;

	if (request(sock, "GET", "/v1/health", NULL, &r) != 0)
		return 1;
	j = cJSON_Parse(r.body);
	st = cJSON_GetObjectItem(j, "status");
	if (!cJSON_IsString(st)) {
		fprintf(stderr, "wgcctl: health: unexpected reply (HTTP %d)\n",
			r.status);
	} else {
		why = cJSON_GetObjectItem(j, "reason");
		up = cJSON_GetObjectItem(j, "uptime_seconds");
		peers = cJSON_GetObjectItem(j, "peers");
		printf("%s%s%s (up %.0f s, %.0f peers)\n", st->valuestring,
			cJSON_IsString(why) ? ": " : "",
			cJSON_IsString(why) ? why->valuestring : "",
			cJSON_IsNumber(up) ? up->valuedouble : 0,
			cJSON_IsNumber(peers) ? peers->valuedouble : 0);
		rc = r.status == 200 && strcmp(st->valuestring, "ok") == 0 ?
			0 : 1;
	}
	cJSON_Delete(j);
	free(r.body);
	return rc;
}

static char *
read_stdin(void)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1);
	size_t k;

	while (b != NULL && (k = fread(b + n, 1, cap - n, stdin)) > 0) {
		n += k;
		if (n == cap) {
			char *q = realloc(b, cap * 2 + 1);

			if (q == NULL) {
				free(b);
				return NULL;
			}
			b = q;
			cap *= 2;
		}
	}
	if (b != NULL)
		b[n] = '\0';
	return b;
}

/* the REST client for the subcommands of other files (wgcctl.h) */
int
wgcctl_request(const char *sock, const char *method, const char *path,
		const char *body, struct wgcctl_reply *out)
{
	struct reply r;
	int rc = request(sock, method, path, body, &r);

	out->status = r.status;
	out->body = r.body;
	return rc;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: wgcctl [-s SOCKET] show\n"
		"       wgcctl [-s SOCKET] health   (exit 1 when degraded)\n"
		"       wgcctl [-s SOCKET] get PATH\n"
		"       wgcctl [-s SOCKET] put|patch|post PATH [BODY|-]\n"
		"       wgcctl [-s SOCKET] delete PATH\n"
		"       wgcctl [-s SOCKET] peer add --generate [--name NAME] "
		"[--endpoint HOST:PORT] [--keepalive S]\n"
		"SOCKET: $WGC_SOCKET or /run/wgc/wgc.sock\n");
}

int
main(int argc, char **argv)
{
	const char *sock = getenv("WGC_SOCKET");
	const char *cmd, *method = NULL;
	char *body = NULL;
	struct reply r;
	int i = 1, rc;

	if (sock == NULL)
		sock = "/run/wgc/wgc.sock";
	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		sock = argv[2];
		i = 3;
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	cmd = argv[i++];
	if (strcmp(cmd, "show") == 0)
		return show(sock);
	if (strcmp(cmd, "health") == 0)
		return health(sock);
	if (strcmp(cmd, "peer") == 0)
		return wgcctl_peer(sock, argc - i, argv + i);
	if (strcmp(cmd, "get") == 0)
		method = "GET";
	else if (strcmp(cmd, "put") == 0)
		method = "PUT";
	else if (strcmp(cmd, "patch") == 0)
		method = "PATCH";
	else if (strcmp(cmd, "post") == 0)
		method = "POST";
	else if (strcmp(cmd, "delete") == 0)
		method = "DELETE";
	if (method == NULL || i >= argc) {
		usage();
		return 2;
	}
	if (i + 1 < argc)
		body = strcmp(argv[i + 1], "-") == 0 ? read_stdin() :
			strdup(argv[i + 1]);
	else if (strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 ||
			strcmp(method, "POST") == 0)
		body = read_stdin();
	rc = request(sock, method, argv[i], body, &r);
	free(body);
	if (rc != 0)
		return 1;
	fprintf(r.status / 100 == 2 ? stdout : stderr, "%s%s", r.body,
		r.body[0] != '\0' && r.body[strlen(r.body) - 1] != '\n' ?
		"\n" : "");
	free(r.body);
	return r.status / 100 == 2 ? 0 : 1;
}
