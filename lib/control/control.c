/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Control plane core: life cycle, the apply path (backend, then journal),
 * socket creation and peer-credential checks, change-set JSON.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <malloc.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>
#include <sodium.h>

#include "control_priv.h"

RTE_LOG_REGISTER(wgc_logtype_control, wgc.control, INFO);
RTE_LOG_REGISTER(wgc_logtype_audit, wgc.audit, INFO);

/* ------------------------------------------------------------- sbuf */

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p != NULL ? b->p + b->len : NULL, room, fmt,
			ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap == 0 ? 4096 : b->cap;
			char *q;

			while (cap - b->len <= (size_t)n)
				cap *= 2;
			q = realloc(b->p, cap);
			if (q == NULL) {
				b->oom = true;
				return;
			}
			b->p = q;
			b->cap = cap;
		}
	}
}

void
sbuf_free(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------ sockets */

int
ctl_check_peer(struct wgc_control *ctl, int fd, long *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[256];
	int ngroups = RTE_DIM(groups), i;
	struct passwd pw, *pwp = NULL;
	char buf[4096];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return -1;
	if (uid != NULL)
		*uid = (long)cr.uid;
	if (cr.uid == 0 || cr.uid == geteuid())
		return 0;
	if (ctl->gid == (gid_t)-1)
		return -1;
	if (cr.gid == ctl->gid)
		return 0;
	/* supplementary groups of the peer's user */
	if (getpwuid_r(cr.uid, &pw, buf, sizeof(buf), &pwp) != 0 ||
			pwp == NULL)
		return -1;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
		return -1;
	for (i = 0; i < ngroups; i++)
		if (groups[i] == ctl->gid)
			return 0;
	return -1;
}

int
ctl_unix_listen(struct wgc_control *ctl, const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	char dir[sizeof(sa.sun_path)];
	char *slash;
	mode_t old;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* create the parent directory if missing (one level) */
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -1;
	}
	/* a stale socket from a previous run */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		umask(old);
		close(fd);
		errno = e;
		return -1;
	}
	umask(old);
	if (chmod(path, 0660) != 0 ||
			(ctl->gid != (gid_t)-1 && chown(path, (uid_t)-1,
				ctl->gid) != 0) ||
			listen(fd, 64) != 0) {
		int e = errno;

		close(fd);
		unlink(path);
		errno = e;
		return -1;
	}
	return fd;
}

/* ----------------------------------------------------- change-set JSON */

static const char * const op_names[] = {
	[WGC_PEER_OP_UPSERT] = "upsert",
	[WGC_PEER_OP_REPLACE] = "replace",
	[WGC_PEER_OP_UPDATE] = "update",
	[WGC_PEER_OP_UPDATE_ONLY] = "update_only",
	[WGC_PEER_OP_REMOVE] = "remove",
};

const char *
ctl_op_name(enum wgc_peer_op op)
{
	return (unsigned int)op < RTE_DIM(op_names) && op_names[op] != NULL ?
		op_names[op] : "upsert";
}

/* ------------------------------------------------------------- walking */

uint64_t
ctl_walk(const struct wgc_control_ops *ops, void *ctx, const uint8_t *after,
		uint64_t max, bool stats, ctl_walk_fn fn, void *arg)
{
	struct wgc_control_peer_stats st;
	struct wgc_peer_conf pc;
	uint8_t last[WGC_KEY_LEN];
	uint64_t n = 0;
	int stop;

	if (ops->peer_walk != NULL)
		return ops->peer_walk(ctx, after, max, stats, fn, arg);
	if (after != NULL)
		memcpy(last, after, WGC_KEY_LEN);
	while (n < max && ops->peer_next(ctx, n == 0 && after == NULL ? NULL :
			last, &pc, stats ? &st : NULL) == 0) {
		memcpy(last, pc.public_key, WGC_KEY_LEN);
		stop = fn(arg, &pc, stats ? &st : NULL);
		wgc_peer_conf_free(&pc);
		n++;
		if (stop != 0)
			break;
	}
	return n;
}

cJSON *
ctl_changeset_to_json(const struct wgc_changeset *cs, bool secrets)
{
	cJSON *o, *a, *e, *p;
	uint32_t i;

	o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	/* the private key lives in its own file, never in the journal */
	cJSON_AddNumberToObject(o, "iface_fields",
		cs->iface_fields & ~WGC_IFACE_F_PRIVATE_KEY);
	cJSON_AddNumberToObject(o, "listen_port", cs->iface.listen_port);
	cJSON_AddNumberToObject(o, "fwmark", cs->iface.fwmark);
	cJSON_AddBoolToObject(o, "replace_peers", cs->replace_peers);
	cJSON_AddBoolToObject(o, "steal", cs->steal_allowed_ips);
	cJSON_AddBoolToObject(o, "remove_absent_ok", cs->remove_absent_ok);
	a = cJSON_AddArrayToObject(o, "peers");
	if (a == NULL)
		goto fail;
	for (i = 0; i < cs->n; i++) {
		const struct wgc_peer_change *c = &cs->peers[i];

		e = cJSON_CreateObject();
		if (e == NULL)
			goto fail;
		cJSON_AddItemToArray(a, e);
		if (cJSON_AddStringToObject(e, "op", op_names[c->op]) == NULL ||
				cJSON_AddNumberToObject(e, "fields",
					c->fields) == NULL ||
				cJSON_AddBoolToObject(e, "append",
					c->append_allowed_ips) == NULL)
			goto fail;
		p = wgc_peer_conf_to_json(&c->conf);
		if (p == NULL)
			goto fail;
		cJSON_AddItemToObject(e, "peer", p);
		if (secrets && !wgc_key_is_zero(c->conf.preshared_key)) {
			char b64[WGC_KEY_B64_LEN + 1];

			wgc_key_to_base64(c->conf.preshared_key, b64);
			if (cJSON_AddStringToObject(p, "preshared_key",
					b64) == NULL) {
				sodium_memzero(b64, sizeof(b64));
				goto fail;
			}
			sodium_memzero(b64, sizeof(b64));
		}
	}
	if (cJSON_IsInvalid(o))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static int
json_u(const cJSON *o, const char *k, uint64_t max, uint64_t *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(j) || j->valuedouble < 0 ||
			j->valuedouble > (double)max)
		return -1;
	*v = (uint64_t)j->valuedouble;
	return 0;
}

int
ctl_changeset_from_json(const cJSON *j, struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	const cJSON *a, *e;
	uint64_t v;
	unsigned int i = 0;

	memset(cs, 0, sizeof(*cs));
	if (!cJSON_IsObject(j) ||
			json_u(j, "iface_fields", 0xff, &v) != 0)
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: bad header");
	cs->iface_fields = (uint32_t)v;
	if (json_u(j, "listen_port", 65535, &v) != 0)
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: listen_port");
	cs->iface.listen_port = (uint16_t)v;
	if (json_u(j, "fwmark", UINT32_MAX, &v) != 0)
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: fwmark");
	cs->iface.fwmark = (uint32_t)v;
	cs->replace_peers = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
		"replace_peers"));
	cs->steal_allowed_ips = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(j, "steal"));
	cs->remove_absent_ok = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(j, "remove_absent_ok"));
	a = cJSON_GetObjectItemCaseSensitive(j, "peers");
	if (!cJSON_IsArray(a))
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: peers");
	cJSON_ArrayForEach(e, a) {
		struct wgc_peer_change *c = wgc_changeset_add(cs);
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(e, "op");
		char path[32];
		unsigned int k;

		if (c == NULL) {
			wgc_changeset_free(cs);
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"out of memory");
		}
		snprintf(path, sizeof(path), "peers[%u]", i++);
		if (!cJSON_IsString(op) || json_u(e, "fields", WGC_PEER_F_ALL,
				&v) != 0)
			goto bad;
		for (k = 0; k < RTE_DIM(op_names); k++)
			if (strcmp(op->valuestring, op_names[k]) == 0)
				break;
		if (k == RTE_DIM(op_names))
			goto bad;
		c->op = (enum wgc_peer_op)k;
		c->fields = (uint32_t)v;
		c->append_allowed_ips = cJSON_IsTrue(
			cJSON_GetObjectItemCaseSensitive(e, "append"));
		if (wgc_peer_conf_from_json(cJSON_GetObjectItemCaseSensitive(e,
				"peer"), &c->conf, NULL, 0, true, path,
				err) != 0) {
			wgc_changeset_free(cs);
			return -1;
		}
		continue;
bad:
		wgc_changeset_free(cs);
		return wgc_conf_error_set(err, WGC_CONF_ESCHEMA,
			"record: %s: bad op", path);
	}
	return 0;
}

/* ---------------------------------------------------------- apply path */

/* at most this many public keys in one audit line, then a count */
#define AUDIT_KEYS_MAX 4

void
ctl_audit(const struct wgc_changeset *cs, const struct ctl_who *who)
{
	static const char * const iface_fields[] = {
		"private_key", "listen_port", "fwmark",
	};
	char line[600], b64[WGC_KEY_B64_LEN + 1];
	size_t off = 0;
	uint32_t i;

#define ADD(...) do { \
	int k_ = snprintf(line + off, sizeof(line) - off, __VA_ARGS__); \
	if (k_ > 0) \
		off = RTE_MIN(off + (size_t)k_, sizeof(line) - 1); \
} while (0)
	if (who->uid >= 0)
		ADD("uid=%ld via=%s", who->uid, who->via);
	else
		ADD("uid=- via=%s", who->via);
	if (cs->iface_fields != 0) {
		bool first = true;

		ADD(" interface=");
		for (i = 0; i < RTE_DIM(iface_fields); i++) {
			if (!(cs->iface_fields & (1u << i)))
				continue;
			ADD("%s%s", first ? "" : ",", iface_fields[i]);
			first = false;
		}
		if (cs->iface_fields & WGC_IFACE_F_LISTEN_PORT)
			ADD(" listen_port=%u", cs->iface.listen_port);
	}
	if (cs->replace_peers)
		ADD(" replace_peers=true");
	if (cs->n == 1) {
		wgc_key_to_base64(cs->peers[0].conf.public_key, b64);
		ADD(" op=%s peer=%s", ctl_op_name(cs->peers[0].op), b64);
	} else if (cs->n > 1) {
		ADD(" peers=%u op=%s keys=", cs->n,
			ctl_op_name(cs->peers[0].op));
		for (i = 0; i < cs->n && i < AUDIT_KEYS_MAX; i++) {
			wgc_key_to_base64(cs->peers[i].conf.public_key, b64);
			ADD("%s%s", i > 0 ? "," : "", b64);
		}
		if (cs->n > AUDIT_KEYS_MAX)
			ADD(",+%u more", cs->n - AUDIT_KEYS_MAX);
	}
#undef ADD
	rte_log(RTE_LOG_NOTICE, wgc_logtype_audit, "wgc.audit: %s\n", line);
}

int
ctl_apply_locked(struct wgc_control *ctl, const struct wgc_changeset *cs,
		struct wgc_conf_error *err, const struct ctl_who *who)
{
	double t0 = ctl_ms(), t1, t2;
	int rc;

	rc = ctl->ops->apply(ctl->ctx, cs, err);
	t1 = ctl_ms();
	if (cs->n > 10000)
		malloc_trim(0); /* give the bulk's transient memory back */
	t2 = ctl_ms();
	if (rc != 0)
		return -1;
	__atomic_store_n(&ctl->peers_cached, ctl->ops->peer_count(ctl->ctx),
		__ATOMIC_RELAXED);
	ctl_audit(cs, who);
	ctl->cnt.changes_applied++;
	if (ctl->persist.dirfd < 0)
		return 0;
	if (persist_record(ctl, cs) != 0) {
		ctl->cnt.persist_errors++;
		CTL_LOG(ERR, "change applied but NOT persisted: %s",
			strerror(errno));
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"change applied live but could not be written to the "
			"state directory (%s)", strerror(errno));
	}
	/* compact when the journal is twice the snapshot: snapshots cost
	 * at most half the journal's writes (a million-peer load in bulks
	 * writes two snapshots), a restart replays at most twice the state */
	if (ctl->persist.journal_bytes > (1u << 20) &&
			ctl->persist.journal_bytes >
			2 * ctl->persist.snapshot_bytes)
		persist_compact(ctl);
	if (cs->n > 10000)
		CTL_LOG(NOTICE, "apply: %u changes: backend %.0f ms, trim %.0f "
			"ms, persistence %.0f ms", cs->n, t1 - t0, t2 - t1,
			ctl_ms() - t2);
	return 0;
}

int
wgc_control_apply(struct wgc_control *ctl, const struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	static const struct ctl_who daemon = { "daemon", -1 };
	int rc;

	pthread_mutex_lock(&ctl->lock);
	rc = ctl_apply_locked(ctl, cs, err, &daemon);
	pthread_mutex_unlock(&ctl->lock);
	return rc;
}

int
ctl_health(struct wgc_control *ctl, char *msg, size_t len)
{
	if (__atomic_load_n(&ctl->cnt.persist_errors, __ATOMIC_RELAXED) > 0) {
		snprintf(msg, len, "persistence: state directory write "
			"failed (%" PRIu64 " changes not persisted)",
			__atomic_load_n(&ctl->cnt.persist_errors,
				__ATOMIC_RELAXED));
		return -1;
	}
	if (ctl->ops->health != NULL && ctl->ops->health(ctl->ctx, msg,
			len) != 0)
		return -1;
	if (ctl_cluster_health(ctl, msg, len) != 0)
		return -1;
	return wgc_monitor_health(ctl->monitor, msg, len);
}

#define STATS_MAX 2048

int
ctl_stats_collect(struct wgc_control *ctl, struct wgc_stat **out)
{
	struct wgc_stat *st = calloc(STATS_MAX, sizeof(*st));
	int n = 0, k;

	*out = st;
	if (st == NULL)
		return 0;
	if (ctl->ops->stats_read != NULL) {
		if (ctl->ops->stats_unlocked) {
			n = ctl->ops->stats_read(ctl->ctx, st, STATS_MAX);
		} else {
			pthread_mutex_lock(&ctl->lock);
			n = ctl->ops->stats_read(ctl->ctx, st, STATS_MAX);
			pthread_mutex_unlock(&ctl->lock);
		}
		n = RTE_MAX(n, 0);
	}
	n += ctl_cluster_stats(ctl, st + n, STATS_MAX - (unsigned int)n);
	k = wgc_monitor_stats(ctl->monitor, st + n, STATS_MAX - (unsigned)n);
	return n + RTE_MAX(k, 0);
}

int
wgc_control_compact(struct wgc_control *ctl)
{
	int rc;

	pthread_mutex_lock(&ctl->lock);
	rc = ctl->persist.dirfd >= 0 ? persist_compact(ctl) : 0;
	pthread_mutex_unlock(&ctl->lock);
	return rc;
}

/* ---------------------------------------------------------- life cycle */

struct wgc_control *
wgc_control_create(const struct wgc_control_params *p,
		struct wgc_conf_error *err)
{
	struct wgc_conf_error local;
	struct wgc_control *ctl;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (p == NULL || p->conf == NULL || p->ops == NULL ||
			p->ops->apply == NULL || p->ops->peer_get == NULL ||
			p->ops->peer_next == NULL || p->ops->iface_get == NULL ||
			p->ops->peer_count == NULL) {
		wgc_conf_error_set(err, WGC_CONF_EVALUE, "incomplete params");
		errno = EINVAL;
		return NULL;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL) {
		wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&ctl->lock, NULL);
	ctl->ops = p->ops;
	ctl->ctx = p->ctx;
	ctl->monitor = p->monitor;
	ctl->conf = *p->conf;
	snprintf(ctl->ifname, sizeof(ctl->ifname), "%s",
		p->ifname != NULL ? p->ifname : "wgc0");
	ctl->gid = (gid_t)-1;
	ctl->started = time(NULL);
	ctl->rest_fd = -1;
	ctl->uapi_fd = -1;
	ctl->uapi_stop[0] = ctl->uapi_stop[1] = -1;
	ctl->persist.dirfd = -1;
	ctl->persist.journal_fd = -1;
	if (ctl->conf.max_body == 0)
		ctl->conf.max_body = 64u << 20;
	if (ctl->conf.timeout == 0)
		ctl->conf.timeout = 10;

	if (ctl->conf.group[0] != '\0') {
		struct group gr, *grp = NULL;
		char buf[4096];

		if (getgrnam_r(ctl->conf.group, &gr, buf, sizeof(buf),
				&grp) != 0 || grp == NULL) {
			wgc_conf_error_set(err, WGC_CONF_EVALUE,
				"control.group: no group \"%s\"",
				ctl->conf.group);
			goto fail;
		}
		ctl->gid = grp->gr_gid;
	}
	pthread_mutex_lock(&ctl->lock);
	if (persist_open(ctl, err) != 0) {
		pthread_mutex_unlock(&ctl->lock);
		goto fail;
	}
	ctl->peers_cached = ctl->ops->peer_count(ctl->ctx);
	pthread_mutex_unlock(&ctl->lock);
	if (p->no_threads)
		return ctl;
	if (!p->no_rest && ctl->conf.socket[0] != '\0' && rest_start(ctl) != 0) {
		wgc_conf_error_set(err, WGC_CONF_EIO,
			"control.socket %s: %s", ctl->conf.socket,
			strerror(errno));
		goto fail;
	}
	if (!p->no_uapi && ctl->conf.uapi_dir[0] != '\0' &&
			uapi_start(ctl) != 0) {
		wgc_conf_error_set(err, WGC_CONF_EIO, "UAPI socket %s: %s",
			ctl->uapi_path, strerror(errno));
		goto fail;
	}
	CTL_LOG(INFO, "serving REST on %s, UAPI on %s",
		ctl->rest_fd >= 0 ? ctl->conf.socket : "(off)",
		ctl->uapi_running ? ctl->uapi_path : "(off)");
	return ctl;
fail:
	CTL_LOG(ERR, "%s", err->msg);
	wgc_control_destroy(ctl);
	errno = EINVAL;
	return NULL;
}

void
wgc_control_destroy(struct wgc_control *ctl)
{
	if (ctl == NULL)
		return;
	rest_stop(ctl);
	uapi_stop(ctl);
	pthread_mutex_lock(&ctl->lock);
	persist_close(ctl);
	pthread_mutex_unlock(&ctl->lock);
	pthread_mutex_destroy(&ctl->lock);
	free(ctl);
}
