/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * wgcctl peer add --generate [--name NAME] [--endpoint HOST:PORT]
 *                 [--keepalive SECONDS]
 *
 * Road-warrior provisioning: make a key pair for a client, give it the
 * next free address of each inner prefix of the interface (a /32 and a
 * /128 that no peer's allowed IPs cover, nor the interface's own
 * address), add it through REST and print a wg-quick configuration for
 * the client on stdout (Endpoint: the first of the interface's endpoints,
 * i.e. wgc's outer address and listen port). With `qrencode` in PATH and
 * a terminal on stderr, the same configuration as a QR code on stderr.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "wgc_conf.h"

#include "wgcctl.h"

#define MAX_TRIES 16         /* PUT refused with 409: another client won */
#define MAX_HOSTS 65534u     /* candidates looked at per prefix */

struct taken {
	struct wgc_prefix *c;
	size_t n, cap;
};

static int
taken_add(struct taken *t, const struct wgc_prefix *c)
{
	if (t->n == t->cap) {
		size_t cap = t->cap == 0 ? 64 : t->cap * 2;
		struct wgc_prefix *v = realloc(t->c, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		t->c = v;
		t->cap = cap;
	}
	t->c[t->n++] = *c;
	return 0;
}

/* does prefix @p c contain address @p a? */
static int
cidr_contains(const struct wgc_prefix *c, const struct wgc_addr *a)
{
	unsigned int bits = c->len, i;

	if (c->addr.family != a->family)
		return 0;
	for (i = 0; i < bits / 8; i++)
		if (c->addr.bytes[i] != a->bytes[i])
			return 0;
	if (bits % 8 != 0) {
		uint8_t m = (uint8_t)(0xff << (8 - bits % 8));

		if ((c->addr.bytes[i] & m) != (a->bytes[i] & m))
			return 0;
	}
	return 1;
}

/* host number @p h of prefix @p p (h counted from the network address) */
static void
host_addr(const struct wgc_prefix *p, uint32_t h, struct wgc_addr *out)
{
	unsigned int alen = wgc_addr_len(p->addr.family);
	struct wgc_prefix net = *p;
	int i;

	wgc_prefix_normalise(&net);
	*out = net.addr;
	for (i = (int)alen - 1; i >= 0 && h != 0; i--) {
		uint32_t v = out->bytes[i] + (h & 0xff);

		out->bytes[i] = (uint8_t)v;
		h = (h >> 8) + (v >> 8);
	}
}

/*
 * The next free host of prefix @p p from host number @p *from on: not
 * the network or (IPv4) broadcast address, not @p p's own address, not
 * covered by @p t.
 */
static int
next_free(const struct wgc_prefix *p, const struct taken *t, uint32_t *from,
		struct wgc_addr *out)
{
	unsigned int hostbits = (p->addr.family == AF_INET ? 32 : 128) - p->len;
	uint64_t last;
	uint32_t h;
	size_t k;

	/* no host besides the interface's own address in a /31, /32, /128 */
	if (hostbits < (p->addr.family == AF_INET ? 2u : 1u))
		return -1;
	last = hostbits >= 32 ? MAX_HOSTS : (1ull << hostbits) - 1;
	if (p->addr.family == AF_INET && hostbits < 32)
		last--;              /* broadcast */
	if (last > MAX_HOSTS)
		last = MAX_HOSTS;
	for (h = *from; h <= last; h++) {
		host_addr(p, h, out);
		if (wgc_addr_equal(out, &p->addr))
			continue;
		for (k = 0; k < t->n; k++)
			if (cidr_contains(&t->c[k], out))
				break;
		if (k == t->n) {
			*from = h;
			return 0;
		}
	}
	return -1;
}

/* every allowed IP of every peer, page by page */
static int
collect_taken(const char *sock, struct taken *t)
{
	char path[160] = "/v1/peers?limit=1000";
	struct wgcctl_reply r;

	for (;;) {
		const cJSON *p, *ip, *next;
		cJSON *j;

		if (wgcctl_request(sock, "GET", path, NULL, &r) != 0)
			return -1;
		j = cJSON_Parse(r.body);
		if (r.status != 200 || j == NULL) {
			fprintf(stderr, "wgcctl: GET /v1/peers: %s\n", r.body);
			free(r.body);
			cJSON_Delete(j);
			return -1;
		}
		free(r.body);
		cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "peers"))
			cJSON_ArrayForEach(ip, cJSON_GetObjectItem(p,
					"allowed_ips")) {
				struct wgc_prefix c;

				if (cJSON_IsString(ip) && wgc_prefix_parse(&c,
						ip->valuestring,
						WGC_PREFIX_ROUTE, NULL) == 0 &&
						taken_add(t, &c) != 0) {
					cJSON_Delete(j);
					return -1;
				}
			}
		next = cJSON_GetObjectItem(j, "next");
		if (!cJSON_IsString(next)) {
			cJSON_Delete(j);
			return 0;
		}
		snprintf(path, sizeof(path), "/v1/peers?limit=1000&after=%s",
			next->valuestring);
		cJSON_Delete(j);
	}
}

struct add_opts {
	const char *name;
	const char *endpoint;
	unsigned long keepalive;
	bool generate;
};

static void
peer_usage(void)
{
	fprintf(stderr, "usage: wgcctl [-s SOCKET] peer add --generate "
		"[--name NAME] [--endpoint HOST:PORT] [--keepalive SECONDS]\n");
}

static int
parse_opts(int argc, char **argv, struct add_opts *o)
{
	int i;

	o->keepalive = 25;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (strcmp(a, "--generate") == 0) {
			o->generate = true;
		} else if (i + 1 < argc && strcmp(a, "--name") == 0) {
			o->name = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--endpoint") == 0) {
			o->endpoint = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--keepalive") == 0) {
			errno = 0;
			o->keepalive = strtoul(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || o->keepalive > 65535) {
				fprintf(stderr, "wgcctl: --keepalive: 0..65535\n");
				return -1;
			}
		} else {
			fprintf(stderr, "wgcctl: peer add: unexpected '%s'\n",
				a);
			peer_usage();
			return -1;
		}
	}
	if (!o->generate) {
		fprintf(stderr, "wgcctl: peer add: only --generate is "
			"supported (wgcctl put /v1/peers/KEY adds a known key)\n");
		return -1;
	}
	if (o->name != NULL && (strlen(o->name) > 64 ||
			strpbrk(o->name, "\n\r") != NULL)) {
		fprintf(stderr, "wgcctl: --name: one line, at most 64 "
			"characters\n");
		return -1;
	}
	return 0;
}

/* the interface: wgc's public key, endpoint and inner prefixes */
struct iface_info {
	char public_key[WGC_KEY_B64_LEN + 1];
	char endpoint[WGC_ADDR_STR_LEN];
	/* first IPv4, first IPv6 inner address */
	struct wgc_prefix prefix[2];
	bool has[2];
};

static int
get_iface(const char *sock, const struct add_opts *o, struct iface_info *ii)
{
	struct wgcctl_reply r;
	const cJSON *a, *pk, *ep;
	cJSON *j;

	memset(ii, 0, sizeof(*ii));
	if (wgcctl_request(sock, "GET", "/v1/interface", NULL, &r) != 0)
		return -1;
	j = cJSON_Parse(r.body);
	if (r.status != 200 || j == NULL) {
		fprintf(stderr, "wgcctl: GET /v1/interface: %s\n", r.body);
		free(r.body);
		cJSON_Delete(j);
		return -1;
	}
	free(r.body);
	pk = cJSON_GetObjectItem(j, "public_key");
	if (!cJSON_IsString(pk)) {
		fprintf(stderr, "wgcctl: the interface has no private key yet "
			"(wgcctl patch /v1/interface '{\"private_key\": ...}')\n");
		cJSON_Delete(j);
		return -1;
	}
	snprintf(ii->public_key, sizeof(ii->public_key), "%s",
		pk->valuestring);
	ep = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "endpoints"), 0);
	if (o->endpoint != NULL)
		snprintf(ii->endpoint, sizeof(ii->endpoint), "%s", o->endpoint);
	else if (cJSON_IsString(ep))
		snprintf(ii->endpoint, sizeof(ii->endpoint), "%s",
			ep->valuestring);
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(j, "addresses")) {
		struct wgc_prefix c;
		int k;

		if (!cJSON_IsString(a) || wgc_prefix_parse(&c, a->valuestring,
				WGC_PREFIX_IFADDR, NULL) != 0)
			continue;
		k = c.addr.family == AF_INET ? 0 : 1;
		if (!ii->has[k]) {
			ii->prefix[k] = c;
			ii->has[k] = true;
		}
	}
	cJSON_Delete(j);
	if (!ii->has[0] && !ii->has[1]) {
		fprintf(stderr, "wgcctl: the interface has no inner address "
			"(inner.addresses): no prefix to take a client address "
			"from\n");
		return -1;
	}
	if (ii->endpoint[0] == '\0') {
		fprintf(stderr, "wgcctl: the interface reports no endpoint: "
			"give --endpoint HOST:PORT\n");
		return -1;
	}
	return 0;
}

static void
print_config(FILE *f, const struct add_opts *o, const struct iface_info *ii,
		const char *sk, const char addrs[2][WGC_ADDR_STR_LEN])
{
	char pfx[WGC_ADDR_STR_LEN];
	struct wgc_prefix net;
	int k, n;

	fprintf(f, "# wgc client%s%s (wgcctl peer add --generate)\n"
		"[Interface]\nPrivateKey = %s\nAddress = ",
		o->name != NULL ? " " : "", o->name != NULL ? o->name : "", sk);
	for (k = 0, n = 0; k < 2; k++)
		if (addrs[k][0] != '\0')
			fprintf(f, "%s%s", n++ > 0 ? ", " : "", addrs[k]);
	fprintf(f, "\n\n[Peer]\nPublicKey = %s\nEndpoint = %s\nAllowedIPs = ",
		ii->public_key, ii->endpoint);
	for (k = 0, n = 0; k < 2; k++) {
		if (!ii->has[k])
			continue;
		net = ii->prefix[k];
		wgc_prefix_normalise(&net);
		fprintf(f, "%s%s", n++ > 0 ? ", " : "",
			wgc_prefix_format(&net, pfx, sizeof(pfx)));
	}
	fprintf(f, "\n");
	if (o->keepalive > 0)
		fprintf(f, "PersistentKeepalive = %lu\n", o->keepalive);
}

/* the configuration as a QR code on a terminal, when qrencode is there */
static void
print_qr(const struct add_opts *o, const struct iface_info *ii,
		const char *sk, const char addrs[2][WGC_ADDR_STR_LEN])
{
	FILE *q;

	if (!isatty(STDERR_FILENO) ||
			system("command -v qrencode >/dev/null 2>&1") != 0)
		return;
	fflush(stderr);
	q = popen("qrencode -t ansiutf8 >&2", "w");
	if (q == NULL)
		return;
	print_config(q, o, ii, sk, addrs);
	pclose(q);
}

static int
peer_add(const char *sock, int argc, char **argv)
{
	struct add_opts o = { 0 };
	struct iface_info ii;
	struct taken t = { 0 };
	uint8_t sk[WGC_KEY_LEN], pk[WGC_KEY_LEN];
	char sk64[WGC_KEY_B64_LEN + 1], pk64[WGC_KEY_B64_LEN + 1];
	char url64[WGC_KEY_B64URL_LEN + 1], path[128], body[256];
	char addrs[2][WGC_ADDR_STR_LEN];
	uint32_t from[2] = { 1, 1 };
	int tries, k, rc = 1;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if (get_iface(sock, &o, &ii) != 0 || collect_taken(sock, &t) != 0)
		goto out;
	wgc_key_generate(sk);
	if (wgc_key_public(pk, sk) != 0)
		goto out;
	wgc_key_to_base64(sk, sk64);
	wgc_key_to_base64(pk, pk64);
	wgc_key_to_base64url(pk, url64);
	snprintf(path, sizeof(path), "/v1/peers/%s", url64);
	for (tries = 0; tries < MAX_TRIES; tries++) {
		struct wgcctl_reply r;
		int len = snprintf(body, sizeof(body), "{\"allowed_ips\": [");

		for (k = 0; k < 2; k++) {
			struct wgc_addr a;
			struct wgc_prefix host;

			addrs[k][0] = '\0';
			if (!ii.has[k])
				continue;
			if (next_free(&ii.prefix[k], &t, &from[k], &a) != 0) {
				fprintf(stderr, "wgcctl: no free address left "
					"in %s\n",
					wgc_prefix_format(&ii.prefix[k],
						addrs[k], sizeof(addrs[k])));
				goto out;
			}
			host.addr = a;
			host.len = a.family == AF_INET ? 32 : 128;
			wgc_prefix_format(&host, addrs[k], sizeof(addrs[k]));
			len += snprintf(body + len, sizeof(body) - (size_t)len,
				"%s\"%s\"", len > 17 ? ", " : "", addrs[k]);
		}
		snprintf(body + len, sizeof(body) - (size_t)len, "]}");
		if (wgcctl_request(sock, "PUT", path, body, &r) != 0)
			goto out;
		if (r.status == 201 || r.status == 200) {
			free(r.body);
			break;
		}
		if (r.status != 409) {
			fprintf(stderr, "wgcctl: PUT %s: %s\n", path, r.body);
			free(r.body);
			goto out;
		}
		/* another client took one of them meanwhile: next ones */
		free(r.body);
		from[0]++;
		from[1]++;
	}
	if (tries == MAX_TRIES) {
		fprintf(stderr, "wgcctl: the addresses kept being taken "
			"(%d tries)\n", MAX_TRIES);
		goto out;
	}
	fprintf(stderr, "wgcctl: peer %s%s%s added with %s%s%s\n", pk64,
		o.name != NULL ? " " : "", o.name != NULL ? o.name : "",
		addrs[0], addrs[0][0] != '\0' && addrs[1][0] != '\0' ? ", " :
		"", addrs[1]);
	print_config(stdout, &o, &ii, sk64, addrs);
	fflush(stdout);
	print_qr(&o, &ii, sk64, addrs);
	rc = 0;
out:
	explicit_bzero(sk, sizeof(sk));
	explicit_bzero(sk64, sizeof(sk64));
	free(t.c);
	return rc;
}

int
wgcctl_peer(const char *sock, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return peer_add(sock, argc - 1, argv + 1);
	peer_usage();
	return 2;
}
