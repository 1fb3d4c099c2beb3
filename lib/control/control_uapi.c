/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The WireGuard cross-platform UAPI on <uapi_dir>/<ifname>.sock, so that
 * unmodified `wg show|showconf|set|setconf|syncconf` drive wgc.
 *
 * A "set=1" request is parsed completely into one change set and applied
 * all or nothing (WireGuard applies line by line; wgc never half-applies).
 * Replies end with "errno=0" or "errno=-E" (negative, as wg expects).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <sodium.h>

#include "control_priv.h"

#define UAPI_LINE_MAX 4096
/* bytes of one set=1 request (a `wg setconf` of 1M peers with one allowed
 * IP each is about 150 MB) and of all clients' requests held at once */
#define UAPI_SET_MAX (256ull << 20)
#define UAPI_BUDGET (384ull << 20)
#define UAPI_REQ_TIMEOUTS 3   /* a request's budget, in control timeouts */

/* ------------------------------------------------------------ parsing */

static bool
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 20)
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static int
add_allowed_ip(struct wgc_peer_change *c, const struct wgc_prefix *x)
{
	struct wgc_prefix *v;
	uint32_t i;

	for (i = 0; i < c->conf.n_allowed_ips; i++)
		if (wgc_prefix_equal(&c->conf.allowed_ips[i], x))
			return 0;
	if (c->conf.n_allowed_ips >= WGC_PEER_MAX_ALLOWED_IPS)
		return -1;
	v = realloc(c->conf.allowed_ips, (c->conf.n_allowed_ips + 1) *
		sizeof(*v));
	if (v == NULL)
		return -1;
	v[c->conf.n_allowed_ips++] = *x;
	c->conf.allowed_ips = v;
	return 0;
}

int
wgc_uapi_parse_set(const char *text, size_t len, struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	char line[UAPI_LINE_MAX + 1];
	struct wgc_peer_change *c = NULL;
	size_t off = 0;
	unsigned int lineno = 0;
	bool ok = false;

	memset(cs, 0, sizeof(*cs));
	cs->steal_allowed_ips = true;
	cs->remove_absent_ok = true;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t ll = nl != NULL ? (size_t)(nl - (text + off)) :
			len - off;
		char *key, *val;
		uint64_t v;
		const char *why = NULL;

		lineno++;
		if (ll > UAPI_LINE_MAX) {
			wgc_conf_error_set(err, WGC_CONF_ESYNTAX,
				"line %u: longer than %d bytes", lineno,
				UAPI_LINE_MAX);
			goto out;
		}
		memcpy(line, text + off, ll);
		line[ll] = '\0';
		off += ll + (nl != NULL ? 1 : 0);
		if (memchr(line, '\0', ll) != NULL) {
			wgc_conf_error_set(err, WGC_CONF_ESYNTAX,
				"line %u: NUL byte", lineno);
			goto out;
		}
		key = line;
		val = strchr(line, '=');
		if (val == NULL || val == line) {
			wgc_conf_error_set(err, WGC_CONF_ESYNTAX,
				"line %u: expected key=value", lineno);
			goto out;
		}
		*val++ = '\0';
#define BAD(fmt, ...) do { \
	wgc_conf_error_set(err, WGC_CONF_EVALUE, "line %u: " fmt, lineno, \
		##__VA_ARGS__); \
	goto out; \
} while (0)
		if (strcmp(key, "public_key") == 0) {
			c = wgc_changeset_add(cs);
			if (c == NULL) {
				wgc_conf_error_set(err, WGC_CONF_EIO,
					"out of memory");
				goto out;
			}
			c->op = WGC_PEER_OP_UPSERT;
			c->append_allowed_ips = true;
			if (wgc_key_from_hex(c->conf.public_key, val) != 0)
				BAD("public_key: not 64 hex digits");
			continue;
		}
		if (c == NULL) {
			/* device keys */
			if (strcmp(key, "private_key") == 0) {
				if (wgc_key_from_hex(cs->iface.private_key,
						val) != 0)
					BAD("private_key: not 64 hex digits");
				cs->iface_fields |= WGC_IFACE_F_PRIVATE_KEY;
			} else if (strcmp(key, "listen_port") == 0) {
				if (!parse_u64(val, 65535, &v))
					BAD("listen_port: not 0..65535");
				/* 0 asks for a random port: `wg setconf`
				 * sends it for a file without ListenPort; a
				 * concentrator keeps its port */
				if (v != 0) {
					cs->iface.listen_port = (uint16_t)v;
					cs->iface_fields |=
						WGC_IFACE_F_LISTEN_PORT;
				}
			} else if (strcmp(key, "fwmark") == 0) {
				if (!parse_u64(val, UINT32_MAX, &v))
					BAD("fwmark: not a 32-bit number");
				cs->iface.fwmark = (uint32_t)v;
				cs->iface_fields |= WGC_IFACE_F_FWMARK;
			} else if (strcmp(key, "replace_peers") == 0) {
				if (strcmp(val, "true") != 0)
					BAD("replace_peers: only \"true\"");
				cs->replace_peers = true;
			} else {
				BAD("unknown device key \"%.32s\"", key);
			}
			continue;
		}
		/* peer keys */
		if (strcmp(key, "remove") == 0) {
			if (strcmp(val, "true") != 0)
				BAD("remove: only \"true\"");
			c->op = WGC_PEER_OP_REMOVE;
		} else if (strcmp(key, "update_only") == 0) {
			if (strcmp(val, "true") != 0)
				BAD("update_only: only \"true\"");
			if (c->op != WGC_PEER_OP_REMOVE)
				c->op = WGC_PEER_OP_UPDATE_ONLY;
		} else if (strcmp(key, "preshared_key") == 0) {
			if (wgc_key_from_hex(c->conf.preshared_key, val) != 0)
				BAD("preshared_key: not 64 hex digits");
			c->fields |= WGC_PEER_F_PRESHARED_KEY;
		} else if (strcmp(key, "endpoint") == 0) {
			if (wgc_endpoint_parse(&c->conf.endpoint, val,
					&why) != 0)
				BAD("endpoint \"%.64s\": %s", val, why);
			c->fields |= WGC_PEER_F_ENDPOINT;
		} else if (strcmp(key, "persistent_keepalive_interval") == 0) {
			if (!parse_u64(val, 65535, &v))
				BAD("persistent_keepalive_interval: not "
					"0..65535");
			c->conf.persistent_keepalive = (uint16_t)v;
			c->fields |= WGC_PEER_F_KEEPALIVE;
		} else if (strcmp(key, "replace_allowed_ips") == 0) {
			if (strcmp(val, "true") != 0)
				BAD("replace_allowed_ips: only \"true\"");
			c->append_allowed_ips = false;
			c->conf.n_allowed_ips = 0;
			c->fields |= WGC_PEER_F_ALLOWED_IPS;
		} else if (strcmp(key, "allowed_ip") == 0) {
			struct wgc_prefix x;

			if (strchr(val, '/') == NULL ||
					wgc_prefix_parse(&x, val,
						WGC_PREFIX_ROUTE, &why) != 0)
				BAD("allowed_ip \"%.64s\": %s", val,
					why != NULL ? why : "need addr/len");
			if (add_allowed_ip(c, &x) != 0)
				BAD("allowed_ip: too many");
			c->fields |= WGC_PEER_F_ALLOWED_IPS;
		} else if (strcmp(key, "protocol_version") == 0) {
			if (strcmp(val, "1") != 0)
				BAD("protocol_version: only 1");
		} else {
			BAD("unknown peer key \"%.32s\"", key);
		}
#undef BAD
	}
	ok = true;
out:
	sodium_memzero(line, sizeof(line));
	if (!ok) {
		wgc_changeset_free(cs);
		return -1;
	}
	return 0;
}

static int
get_one(void *arg, const struct wgc_peer_conf *pc,
		const struct wgc_device_peer_stats *st)
{
	char hex[WGC_KEY_HEX_LEN + 1], buf[WGC_ADDR_STR_LEN];
	struct sbuf *b = arg;
	uint32_t i;

	wgc_key_to_hex(pc->public_key, hex);
	sbuf_printf(b, "public_key=%s\n", hex);
	wgc_key_to_hex(pc->preshared_key, hex);
	sbuf_printf(b, "preshared_key=%s\n", hex);
	sodium_memzero(hex, sizeof(hex));
	sbuf_printf(b, "protocol_version=1\n");
	if (pc->endpoint.addr.family != 0)
		sbuf_printf(b, "endpoint=%s\n", wgc_endpoint_format(
			&pc->endpoint, buf, sizeof(buf)));
	sbuf_printf(b, "last_handshake_time_sec=%" PRId64 "\n"
		"last_handshake_time_nsec=%" PRId64 "\n"
		"tx_bytes=%" PRIu64 "\nrx_bytes=%" PRIu64 "\n"
		"persistent_keepalive_interval=%u\n",
		st->last_handshake_sec, st->last_handshake_nsec,
		st->tx_bytes, st->rx_bytes, pc->persistent_keepalive);
	for (i = 0; i < pc->n_allowed_ips; i++)
		sbuf_printf(b, "allowed_ip=%s\n", wgc_prefix_format(
			&pc->allowed_ips[i], buf, sizeof(buf)));
	return b->oom ? 1 : 0;
}

int
wgc_uapi_format_get(const struct wgc_device_ops *ops, void *ctx, char **out,
		size_t *out_len)
{
	char hex[WGC_KEY_HEX_LEN + 1];
	struct wgc_iface_conf iface;
	struct sbuf b = { 0 };
	int rc;

	*out = NULL;
	*out_len = 0;
	rc = ops->iface_get(ctx, &iface);
	if (rc != 0)
		return rc;
	if (!wgc_key_is_zero(iface.private_key)) {
		wgc_key_to_hex(iface.private_key, hex);
		sbuf_printf(&b, "private_key=%s\n", hex);
	}
	sbuf_printf(&b, "listen_port=%u\n", iface.listen_port);
	if (iface.fwmark != 0)
		sbuf_printf(&b, "fwmark=%u\n", iface.fwmark);
	wgc_iface_conf_free(&iface);
	ctl_walk(ops, ctx, NULL, UINT64_MAX, true, get_one, &b);
	sodium_memzero(hex, sizeof(hex));
	if (b.oom) {
		if (b.p != NULL)
			sodium_memzero(b.p, b.len);
		sbuf_free(&b);
		return -ENOMEM;
	}
	if (b.p == NULL)
		sbuf_printf(&b, "%s", "");
	*out = b.p;
	*out_len = b.len;
	return 0;
}

/* ------------------------------------------------------------ server */

struct reader {
	int fd;
	double deadline;       /* ms (CLOCK_MONOTONIC): the request's end */
	char buf[65536];
	size_t start, end;
};

/* Read one line (without '\n') into @p line; 1 = line, 0 = EOF, -1 error */
static int
read_line(struct reader *r, char *line, size_t max, size_t *len)
{
	size_t n = 0;

	for (;;) {
		while (r->start < r->end) {
			char ch = r->buf[r->start++];

			if (ch == '\n') {
				line[n] = '\0';
				*len = n;
				return 1;
			}
			if (n >= max)
				return -1;
			line[n++] = ch;
		}
		{
			struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
			double left = r->deadline - ctl_ms();
			ssize_t k;
			int pr;

			/* a client that sends too slowly is cut off */
			if (left <= 0)
				return -1;
			pr = poll(&pfd, 1, (int)(left + 1));
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr <= 0)
				return -1;
			k = read(r->fd, r->buf, sizeof(r->buf));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return n == 0 && k == 0 ? 0 : -1;
			r->start = 0;
			r->end = (size_t)k;
		}
	}
}

static int
send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
errno_of(enum wgc_conf_err_kind k)
{
	switch (k) {
	case WGC_CONF_ENOENT:
		return ENOENT;
	case WGC_CONF_ECONFLICT:
		return EEXIST;
	case WGC_CONF_EIO:
		return EIO;
	case WGC_CONF_ENOSPC:
		return ENOSPC;
	case WGC_CONF_EUNAVAIL:
		return EHOSTUNREACH;
	default:
		return EINVAL;
	}
}

/* take @p n bytes of the budget shared by every client: 0 or -1 */
static int
budget_take(struct wgc_control *ctl, uint64_t n)
{
	int rc = -1;

	pthread_mutex_lock(&ctl->uapi_mu);
	if (ctl->uapi_held + n <= ctl->uapi_budget) {
		ctl->uapi_held += n;
		rc = 0;
	}
	pthread_mutex_unlock(&ctl->uapi_mu);
	return rc;
}

static void
budget_give(struct wgc_control *ctl, uint64_t n)
{
	pthread_mutex_lock(&ctl->uapi_mu);
	ctl->uapi_held -= n;
	pthread_mutex_unlock(&ctl->uapi_mu);
}

/* why a set=1 request was not read whole */
enum set_fail {
	SET_OK,
	SET_IO,        /* connection: closed, timed out, line too long */
	SET_TOO_BIG,   /* larger than uapi_set_max */
	SET_BUDGET,    /* all clients together: more than uapi_budget */
};

static void
uapi_serve(struct wgc_control *ctl, long uid, int fd)
{
	const struct ctl_who who = { "uapi", uid };
	struct reader *r = malloc(sizeof(*r));
	char line[UAPI_LINE_MAX + 1];
	char tail[32];
	size_t len;

	if (r == NULL)
		return;
	r->fd = fd;
	r->start = r->end = 0;
	for (;;) {
		struct wgc_conf_error err = { 0 };
		int e = 0, rc;
		bool big;

		/* each request must arrive within UAPI_REQ_TIMEOUTS times the
		 * control timeout (the first line within one timeout) */
		r->deadline = ctl_ms() + 1000.0 * ctl->conf.timeout;
		rc = read_line(r, line, UAPI_LINE_MAX, &len);
		if (rc <= 0)
			break;
		r->deadline = ctl_ms() + 1000.0 * ctl->conf.timeout *
			UAPI_REQ_TIMEOUTS;
		__atomic_fetch_add(&ctl->cnt.uapi_requests, 1,
			__ATOMIC_RELAXED);
		if (strcmp(line, "get=1") == 0) {
			char *out = NULL;
			size_t out_len = 0;

			if (read_line(r, line, UAPI_LINE_MAX, &len) != 1 ||
					len != 0)
				break;
			pthread_mutex_lock(&ctl->lock);
			e = wgc_uapi_format_get(ctl->ops, ctl->ctx, &out,
				&out_len);
			pthread_mutex_unlock(&ctl->lock);
			if (e == 0) {
				rc = send_all(fd, out, out_len);
				sodium_memzero(out, out_len);
				free(out);
				if (rc != 0)
					break;
			} else {
				e = -e;
			}
		} else if (strcmp(line, "set=1") == 0) {
			struct sbuf b = { 0 };
			struct wgc_changeset cs;
			enum set_fail why = SET_OK;

			for (;;) {
				rc = read_line(r, line, UAPI_LINE_MAX, &len);
				if (rc != 1) {
					why = SET_IO;
					break;
				}
				if (len == 0)
					break;
				if (b.len + len + 1 > ctl->uapi_set_max) {
					why = SET_TOO_BIG;
					break;
				}
				if (b.cap - b.len <= len + 1) {
					size_t cap = b.cap == 0 ? 65536 : b.cap;
					char *q;

					while (cap - b.len <= len + 1)
						cap *= 2;
					cap = RTE_MIN(cap, (size_t)
						ctl->uapi_set_max + 1);
					if (budget_take(ctl, cap - b.cap) != 0) {
						why = SET_BUDGET;
						break;
					}
					q = realloc(b.p, cap);
					if (q == NULL) {
						budget_give(ctl, cap - b.cap);
						why = SET_BUDGET;
						break;
					}
					b.p = q;
					b.cap = cap;
				}
				memcpy(b.p + b.len, line, len);
				b.p[b.len + len] = '\n';
				b.len += len + 1;
			}
			if (why != SET_OK) {
				if (b.p != NULL)
					sodium_memzero(b.p, b.len);
				budget_give(ctl, b.cap);
				sbuf_free(&b);
				e = why == SET_TOO_BIG ? EMSGSIZE :
					why == SET_BUDGET ? ENOMEM : EPROTO;
				if (why == SET_TOO_BIG)
					CTL_LOG(NOTICE, "uapi: set refused: "
						"request larger than %" PRIu64
						" bytes", ctl->uapi_set_max);
				else if (why == SET_BUDGET)
					CTL_LOG(NOTICE, "uapi: set refused: "
						"requests of all clients above "
						"%" PRIu64 " bytes",
						ctl->uapi_budget);
				__atomic_fetch_add(&ctl->cnt.uapi_errors, 1,
					__ATOMIC_RELAXED);
				/* read the rest of the request without keeping
				 * it (within the request's deadline), so that
				 * the client reads the answer, not a reset */
				while (why != SET_IO && read_line(r, line,
						UAPI_LINE_MAX, &len) == 1 &&
						len != 0)
					;
				snprintf(tail, sizeof(tail), "errno=%d\n\n", -e);
				send_all(fd, tail, strlen(tail));
				break;
			}
			big = false;
			if (wgc_uapi_parse_set(b.p != NULL ? b.p : "", b.len,
					&cs, &err) != 0) {
				e = errno_of(err.kind);
			} else {
				big = cs.n > 10000;
				if (ctl_apply_from(ctl, &cs, &err, &who) != 0)
					e = errno_of(err.kind);
				wgc_changeset_free(&cs);
			}
			if (e != 0)
				CTL_LOG(NOTICE, "uapi: set refused: %s",
					err.msg);
			if (b.p != NULL)
				sodium_memzero(b.p, b.len);
			budget_give(ctl, b.cap);
			sbuf_free(&b);
			/* a `wg setconf` of many peers leaves its request text
			 * and change set in freed heap: give it back */
			if (big)
				malloc_trim(0);
		} else {
			CTL_LOG(NOTICE, "uapi: unknown operation");
			__atomic_fetch_add(&ctl->cnt.uapi_errors, 1,
				__ATOMIC_RELAXED);
			break;
		}
		if (e != 0)
			__atomic_fetch_add(&ctl->cnt.uapi_errors, 1,
				__ATOMIC_RELAXED);
		snprintf(tail, sizeof(tail), "errno=%d\n\n", -e);
		if (send_all(fd, tail, strlen(tail)) != 0)
			break;
	}
	sodium_memzero(line, sizeof(line));
	sodium_memzero(r, sizeof(*r));
	free(r);
}

struct uapi_conn {
	struct wgc_control *ctl;
	long uid;
	int fd;
	unsigned int slot;
};

static void *
uapi_conn_thread(void *arg)
{
	struct uapi_conn *c = arg;
	struct wgc_control *ctl = c->ctl;

	uapi_serve(ctl, c->uid, c->fd);
	pthread_mutex_lock(&ctl->uapi_mu);
	ctl->uapi_conn_fd[c->slot] = -1;
	close(c->fd);
	ctl->uapi_active--;
	pthread_cond_broadcast(&ctl->uapi_cv);
	pthread_mutex_unlock(&ctl->uapi_mu);
	free(c);
	/* the lcore id the device may have taken for this thread */
	rte_thread_unregister();
	return NULL;
}

/* Serve one accepted client in a thread of its own; 0, or -1 when every
 * slot is busy (the caller waits and retries). */
static int
uapi_spawn(struct wgc_control *ctl, int fd, long uid)
{
	struct uapi_conn *c;
	pthread_attr_t at;
	pthread_t th;
	unsigned int i;
	int rc;

	c = malloc(sizeof(*c));
	if (c == NULL)
		return -1;
	pthread_mutex_lock(&ctl->uapi_mu);
	for (i = 0; i < RTE_DIM(ctl->uapi_conn_fd); i++)
		if (ctl->uapi_conn_fd[i] < 0)
			break;
	if (i == RTE_DIM(ctl->uapi_conn_fd)) {
		pthread_mutex_unlock(&ctl->uapi_mu);
		free(c);
		return -1;
	}
	c->ctl = ctl;
	c->uid = uid;
	c->fd = fd;
	c->slot = i;
	ctl->uapi_conn_fd[i] = fd;
	ctl->uapi_active++;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &at, uapi_conn_thread, c);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		ctl->uapi_conn_fd[i] = -1;
		ctl->uapi_active--;
		pthread_mutex_unlock(&ctl->uapi_mu);
		free(c);
		return -1;
	}
	pthread_mutex_unlock(&ctl->uapi_mu);
	return 0;
}

static void *
uapi_thread(void *arg)
{
	struct wgc_control *ctl = arg;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = ctl->uapi_fd, .events = POLLIN },
			{ .fd = ctl->uapi_stop[0], .events = POLLIN },
		};
		struct timeval tv;
		long uid = -1;
		int fd;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		/* every slot busy: wait for one (the clients time out) */
		pthread_mutex_lock(&ctl->uapi_mu);
		while (ctl->uapi_active == RTE_DIM(ctl->uapi_conn_fd) &&
				!ctl->uapi_stopping)
			pthread_cond_wait(&ctl->uapi_cv, &ctl->uapi_mu);
		if (ctl->uapi_stopping) {
			pthread_mutex_unlock(&ctl->uapi_mu);
			break;
		}
		pthread_mutex_unlock(&ctl->uapi_mu);
		fd = accept4(ctl->uapi_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (ctl_check_peer(ctl, fd, &uid) != 0) {
			__atomic_fetch_add(&ctl->cnt.uapi_refused, 1,
				__ATOMIC_RELAXED);
			CTL_LOG(NOTICE, "uapi: refused a client (credentials)");
			close(fd);
			continue;
		}
		tv.tv_sec = ctl->conf.timeout;
		tv.tv_usec = 0;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (uapi_spawn(ctl, fd, uid) != 0) {
			CTL_LOG(ERR, "uapi: no thread for a client");
			close(fd);
		}
	}
	return NULL;
}

int
uapi_start(struct wgc_control *ctl)
{
	int r = snprintf(ctl->uapi_path, sizeof(ctl->uapi_path), "%s/%s.sock",
		ctl->conf.uapi_dir, ctl->ifname);

	if (r < 0 || (size_t)r >= sizeof(ctl->uapi_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (ctl->uapi_set_max == 0)
		ctl->uapi_set_max = UAPI_SET_MAX;
	if (ctl->uapi_budget == 0)
		ctl->uapi_budget = UAPI_BUDGET;
	pthread_mutex_init(&ctl->uapi_mu, NULL);
	pthread_cond_init(&ctl->uapi_cv, NULL);
	ctl->uapi_sync = true;
	for (r = 0; r < (int)RTE_DIM(ctl->uapi_conn_fd); r++)
		ctl->uapi_conn_fd[r] = -1;
	ctl->uapi_fd = ctl_unix_listen(ctl, ctl->uapi_path);
	if (ctl->uapi_fd < 0)
		return -1;
	/* a client gone between poll() and accept() never blocks the
	 * thread (accepted sockets are blocking: they do not inherit it) */
	if (fcntl(ctl->uapi_fd, F_SETFL, fcntl(ctl->uapi_fd, F_GETFL) |
			O_NONBLOCK) != 0)
		goto fail;
	if (pipe2(ctl->uapi_stop, O_CLOEXEC) != 0)
		goto fail;
	if (pthread_create(&ctl->uapi_thread, NULL, uapi_thread, ctl) != 0)
		goto fail;
	ctl->uapi_running = true;
	return 0;
fail:
	close(ctl->uapi_fd);
	ctl->uapi_fd = -1;
	unlink(ctl->uapi_path);
	return -1;
}

void
uapi_stop(struct wgc_control *ctl)
{
	if (ctl->uapi_running) {
		unsigned int i;

		if (write(ctl->uapi_stop[1], "x", 1) != 1)
			CTL_LOG(ERR, "uapi: cannot signal the thread");
		pthread_mutex_lock(&ctl->uapi_mu);
		ctl->uapi_stopping = true;
		pthread_cond_broadcast(&ctl->uapi_cv);
		pthread_mutex_unlock(&ctl->uapi_mu);
		pthread_join(ctl->uapi_thread, NULL);
		/* cut the clients still connected, wait for their threads */
		pthread_mutex_lock(&ctl->uapi_mu);
		for (i = 0; i < RTE_DIM(ctl->uapi_conn_fd); i++)
			if (ctl->uapi_conn_fd[i] >= 0)
				shutdown(ctl->uapi_conn_fd[i], SHUT_RDWR);
		while (ctl->uapi_active > 0)
			pthread_cond_wait(&ctl->uapi_cv, &ctl->uapi_mu);
		pthread_mutex_unlock(&ctl->uapi_mu);
		ctl->uapi_running = false;
	}
	if (ctl->uapi_fd >= 0) {
		close(ctl->uapi_fd);
		ctl->uapi_fd = -1;
		unlink(ctl->uapi_path);
	}
	if (ctl->uapi_stop[0] >= 0) {
		close(ctl->uapi_stop[0]);
		close(ctl->uapi_stop[1]);
		ctl->uapi_stop[0] = ctl->uapi_stop[1] = -1;
	}
	if (ctl->uapi_sync) {
		pthread_cond_destroy(&ctl->uapi_cv);
		pthread_mutex_destroy(&ctl->uapi_mu);
		ctl->uapi_sync = false;
	}
}
