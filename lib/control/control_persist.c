/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Crash-safe persistence under control.state_dir (mode 0700):
 *
 *   snapshot     full state: header line, one peer per line, trailer line;
 *                replaced atomically (write tmp, fsync, rename, fsync dir)
 *   journal      one change set per line ({"seq": N, ...}), appended and
 *                fdatasync'ed before the reply; truncated by compaction
 *   private_key  the interface key, base64, mode 0600, replaced atomically
 *
 * Every file is 0600. Load = snapshot, then journal records with a seq
 * above the snapshot's (a crash between the snapshot rename and the
 * journal truncation replays nothing twice); a torn last journal line was
 * never acknowledged and is ignored. The control plane compacts at every
 * start, so the journal only ever grows from a clean state.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "control_priv.h"

#define SNAPSHOT "snapshot"
#define SNAPSHOT_TMP "snapshot.tmp"
#define JOURNAL "journal"
#define KEYFILE "private_key"
#define KEYFILE_TMP "private_key.tmp"
#define LOAD_BATCH 65536

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

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
write_key_file(struct wgc_control *ctl, const uint8_t key[WGC_KEY_LEN])
{
	char b64[WGC_KEY_B64_LEN + 2];
	int fd, rc = -1;

	if (wgc_key_is_zero(key)) {
		if (unlinkat(ctl->persist.dirfd, KEYFILE, 0) != 0 &&
				errno != ENOENT)
			return -1;
		return fsync(ctl->persist.dirfd);
	}
	fd = openat(ctl->persist.dirfd, KEYFILE_TMP,
		O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	wgc_key_to_base64(key, b64);
	b64[WGC_KEY_B64_LEN] = '\n';
	if (fchmod(fd, 0600) == 0 &&
			write_all(fd, b64, WGC_KEY_B64_LEN + 1) == 0 &&
			fsync(fd) == 0)
		rc = 0;
	sodium_memzero(b64, sizeof(b64));
	close(fd);
	if (rc == 0)
		rc = renameat(ctl->persist.dirfd, KEYFILE_TMP,
			ctl->persist.dirfd, KEYFILE);
	if (rc == 0)
		rc = fsync(ctl->persist.dirfd);
	return rc;
}

static int
read_key_file(struct wgc_control *ctl, uint8_t key[WGC_KEY_LEN], bool *found)
{
	char buf[128];
	ssize_t n;
	int fd, rc;

	*found = false;
	fd = openat(ctl->persist.dirfd, KEYFILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	rc = wgc_key_from_base64(key, buf);
	sodium_memzero(buf, sizeof(buf));
	if (rc != 0) {
		errno = EINVAL;
		return -1;
	}
	*found = true;
	return 0;
}

/* Apply a change set straight to the device (no journaling). */
static int
load_apply(struct wgc_control *ctl, struct wgc_changeset *cs,
		struct wgc_conf_error *err)
{
	int rc = ctl->ops->apply(ctl->ctx, cs, err);

	wgc_changeset_free(cs);
	memset(cs, 0, sizeof(*cs));
	return rc;
}

static int
load_snapshot(struct wgc_control *ctl, uint64_t *seq, bool *found,
		struct wgc_conf_error *err)
{
	struct wgc_changeset cs;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t count = 0, lineno = 0, want = UINT64_MAX;
	bool header = false, trailer = false;
	FILE *f;
	int fd;

	*found = false;
	memset(&cs, 0, sizeof(cs));
	fd = openat(ctl->persist.dirfd, SNAPSHOT, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"state: snapshot: %s", strerror(errno));
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	}
	*found = true;
	cs.replace_peers = true;
	cs.steal_allowed_ips = true;
	while ((len = getline(&line, &cap, f)) > 0) {
		cJSON *j;

		lineno++;
		if (trailer)
			goto corrupt;
		j = cJSON_ParseWithLength(line, (size_t)len);
		if (j == NULL)
			goto corrupt;
		if (!header) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(j,
				"wgc_snapshot");
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(j,
				"seq");
			const cJSON *lp = cJSON_GetObjectItemCaseSensitive(j,
				"listen_port");
			const cJSON *fw = cJSON_GetObjectItemCaseSensitive(j,
				"fwmark");

			if (!cJSON_IsNumber(v) || v->valueint != 1 ||
					!cJSON_IsNumber(s) || !cJSON_IsNumber(lp) ||
					!cJSON_IsNumber(fw)) {
				cJSON_Delete(j);
				goto corrupt;
			}
			*seq = (uint64_t)s->valuedouble;
			cs.iface_fields = WGC_IFACE_F_LISTEN_PORT |
				WGC_IFACE_F_FWMARK;
			cs.iface.listen_port = (uint16_t)lp->valuedouble;
			cs.iface.fwmark = (uint32_t)fw->valuedouble;
			header = true;
		} else if (cJSON_GetObjectItemCaseSensitive(j, "end") != NULL) {
			want = (uint64_t)cJSON_GetObjectItemCaseSensitive(j,
				"end")->valuedouble;
			trailer = true;
		} else {
			struct wgc_peer_change *c = wgc_changeset_add(&cs);
			char path[40];

			snprintf(path, sizeof(path), "snapshot line %" PRIu64,
				lineno);
			if (c == NULL || wgc_peer_conf_from_json(j, &c->conf,
					NULL, 0, true, path, err) != 0) {
				cJSON_Delete(j);
				goto fail;
			}
			c->op = WGC_PEER_OP_REPLACE;
			c->fields = WGC_PEER_F_ALL;
			count++;
		}
		cJSON_Delete(j);
	}
	if (!trailer || want != count)
		goto corrupt;
	free(line);
	fclose(f);
	if (load_apply(ctl, &cs, err) != 0)
		return -1;
	CTL_LOG(INFO, "state: snapshot with %" PRIu64 " peers, seq %" PRIu64,
		count, *seq);
	return 0;
corrupt:
	wgc_conf_error_set(err, WGC_CONF_EIO,
		"state: snapshot is corrupt near line %" PRIu64
		" (refusing to start; move it away to start from the config)",
		lineno);
fail:
	free(line);
	fclose(f);
	wgc_changeset_free(&cs);
	return -1;
}

static int
load_journal(struct wgc_control *ctl, uint64_t *seq,
		struct wgc_conf_error *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t lineno = 0, replayed = 0;
	FILE *f;
	int fd;

	fd = openat(ctl->persist.dirfd, JOURNAL, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"state: journal: %s", strerror(errno));
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		struct wgc_conf_error e2;
		struct wgc_changeset cs;
		const cJSON *s;
		cJSON *j;
		int c;

		lineno++;
		if (line[len - 1] != '\n') {
			CTL_LOG(WARNING, "state: journal line %" PRIu64
				" is torn (never acknowledged): ignored",
				lineno);
			break;
		}
		j = cJSON_ParseWithLength(line, (size_t)len);
		s = j != NULL ? cJSON_GetObjectItemCaseSensitive(j, "seq") :
			NULL;
		if (j == NULL || !cJSON_IsNumber(s)) {
			cJSON_Delete(j);
			/* only the last line may be damaged by a crash */
			c = fgetc(f);
			if (c == EOF) {
				CTL_LOG(WARNING, "state: journal line %" PRIu64
					" unreadable at the end: ignored",
					lineno);
				break;
			}
			free(line);
			fclose(f);
			return wgc_conf_error_set(err, WGC_CONF_EIO,
				"state: journal line %" PRIu64 " is corrupt",
				lineno);
		}
		if ((uint64_t)s->valuedouble <= *seq) {
			cJSON_Delete(j);
			continue; /* already in the snapshot */
		}
		*seq = (uint64_t)s->valuedouble;
		if (wgc_changeset_from_json(j, &cs, &e2) != 0) {
			cJSON_Delete(j);
			CTL_LOG(ERR, "state: journal line %" PRIu64 ": %s",
				lineno, e2.msg);
			continue;
		}
		cJSON_Delete(j);
		if (load_apply(ctl, &cs, &e2) != 0)
			CTL_LOG(ERR, "state: journal line %" PRIu64
				" does not apply: %s", lineno, e2.msg);
		else
			replayed++;
	}
	free(line);
	fclose(f);
	CTL_LOG(INFO, "state: replayed %" PRIu64 " journal records", replayed);
	return 0;
}

int
persist_open(struct wgc_control *ctl, struct wgc_conf_error *err)
{
	struct persist *ps = &ctl->persist;
	struct wgc_iface_conf iface;
	struct stat st;
	bool have_snap = false, have_key = false, have_state;
	uint64_t seq = 0;

	if (ctl->conf.state_dir[0] == '\0')
		return 0;
	if (mkdir(ctl->conf.state_dir, 0700) != 0 && errno != EEXIST)
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"control.state_dir %s: %s", ctl->conf.state_dir,
			strerror(errno));
	ps->dirfd = open(ctl->conf.state_dir, O_RDONLY | O_DIRECTORY |
		O_CLOEXEC);
	if (ps->dirfd < 0)
		return wgc_conf_error_set(err, WGC_CONF_EIO,
			"control.state_dir %s: %s", ctl->conf.state_dir,
			strerror(errno));
	if (fstat(ps->dirfd, &st) == 0 && (st.st_mode & 077) != 0)
		fchmod(ps->dirfd, 0700);
	have_state = fstatat(ps->dirfd, SNAPSHOT, &st, 0) == 0 ||
		fstatat(ps->dirfd, JOURNAL, &st, 0) == 0 ||
		fstatat(ps->dirfd, KEYFILE, &st, 0) == 0;
	if (have_state && ctl->conf.state_wins) {
		uint8_t key[WGC_KEY_LEN];

		if (load_snapshot(ctl, &seq, &have_snap, err) != 0 ||
				load_journal(ctl, &seq, err) != 0)
			goto fail;
		if (read_key_file(ctl, key, &have_key) != 0) {
			wgc_conf_error_set(err, WGC_CONF_EIO,
				"state: private_key: %s", strerror(errno));
			goto fail;
		}
		if (have_key) {
			struct wgc_changeset cs;

			memset(&cs, 0, sizeof(cs));
			cs.iface_fields = WGC_IFACE_F_PRIVATE_KEY;
			memcpy(cs.iface.private_key, key, WGC_KEY_LEN);
			sodium_memzero(key, sizeof(key));
			if (load_apply(ctl, &cs, err) != 0)
				goto fail;
		}
	} else if (have_state) {
		CTL_LOG(NOTICE, "state: control.state_wins is false: the "
			"startup config replaces the saved state");
	}
	ps->seq = seq;
	/* the key file follows the live key unless it was just loaded */
	if (!have_key) {
		if (ctl->ops->iface_get(ctl->ctx, &iface) != 0) {
			wgc_conf_error_set(err, WGC_CONF_EIO, "out of memory");
			goto fail;
		}
		if (write_key_file(ctl, iface.private_key) != 0) {
			wgc_iface_conf_free(&iface);
			wgc_conf_error_set(err, WGC_CONF_EIO,
				"state: private_key: %s", strerror(errno));
			goto fail;
		}
		wgc_iface_conf_free(&iface);
	}
	ps->journal_fd = openat(ps->dirfd, JOURNAL, O_WRONLY | O_CREAT |
		O_APPEND | O_CLOEXEC, 0600);
	if (ps->journal_fd < 0) {
		wgc_conf_error_set(err, WGC_CONF_EIO, "state: journal: %s",
			strerror(errno));
		goto fail;
	}
	if (persist_compact(ctl) != 0) {
		wgc_conf_error_set(err, WGC_CONF_EIO, "state: snapshot: %s",
			strerror(errno));
		goto fail;
	}
	return 0;
fail:
	persist_close(ctl);
	return -1;
}

void
persist_close(struct wgc_control *ctl)
{
	struct persist *ps = &ctl->persist;

	if (ps->journal_fd >= 0)
		close(ps->journal_fd);
	if (ps->dirfd >= 0)
		close(ps->dirfd);
	ps->journal_fd = ps->dirfd = -1;
}

/* One peer as JSON, as wgc_peer_conf_from_json() reads it, with the
 * preshared key, formatted directly (keys, CIDRs and endpoints need no
 * escaping): snapshot lines and journal records. */
static char *
put(char *d, const char *s)
{
	size_t n = strlen(s);

	memcpy(d, s, n);
	return d + n;
}

static void
write_peer_obj(FILE *f, const struct wgc_peer_conf *pc)
{
	char b64[WGC_KEY_B64_LEN + 1], buf[WGC_ADDR_STR_LEN];
	char line[512], *d = line;
	uint32_t i;

	/* formatted by hand into one buffer: snapshots of a million peers
	 * spend their time here */
	wgc_key_to_base64(pc->public_key, b64);
	d = put(d, "{\"public_key\":\"");
	d = put(d, b64);
	d = put(d, "\"");
	if (pc->endpoint.addr.family != 0) {
		d = put(d, ",\"endpoint\":\"");
		d = put(d, wgc_endpoint_format(&pc->endpoint, buf,
			sizeof(buf)));
		d = put(d, "\"");
	}
	d = put(d, ",\"allowed_ips\":[");
	for (i = 0; i < pc->n_allowed_ips; i++) {
		if (d - line > (ptrdiff_t)sizeof(line) - WGC_ADDR_STR_LEN - 4) {
			fwrite_unlocked(line, 1, (size_t)(d - line), f);
			d = line;
		}
		if (i > 0)
			*d++ = ',';
		*d++ = '"';
		d = put(d, wgc_prefix_format(&pc->allowed_ips[i], buf,
			sizeof(buf)));
		*d++ = '"';
	}
	d += snprintf(d, 48, "],\"persistent_keepalive\":%u",
		pc->persistent_keepalive);
	if (!wgc_key_is_zero(pc->preshared_key)) {
		wgc_key_to_base64(pc->preshared_key, b64);
		d = put(d, ",\"preshared_key\":\"");
		d = put(d, b64);
		d = put(d, "\"");
	}
	*d++ = '}';
	fwrite_unlocked(line, 1, (size_t)(d - line), f);
	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(line, sizeof(line));
}

struct snap_writer {
	FILE *f;
	uint64_t count;
};

static int
write_peer_line(void *arg, const struct wgc_peer_conf *pc,
		const struct wgc_device_peer_stats *st)
{
	struct snap_writer *sw = arg;

	(void)st;
	write_peer_obj(sw->f, pc);
	fputc_unlocked('\n', sw->f);
	sw->count++;
	return 0;
}

/* A journal record (one line), as wgc_changeset_from_json() reads it,
 * formatted directly: a 100 000-peer bulk needs no JSON tree. */
static void
write_record(FILE *f, const struct wgc_changeset *cs, uint64_t seq)
{
	uint32_t i;

	/* the private key lives in its own file, never in the journal */
	fprintf(f, "{\"iface_fields\":%u,\"listen_port\":%u,\"fwmark\":%u,"
		"\"replace_peers\":%s,\"steal\":%s,\"remove_absent_ok\":%s,"
		"\"peers\":[", cs->iface_fields & ~WGC_IFACE_F_PRIVATE_KEY,
		cs->iface.listen_port, cs->iface.fwmark,
		cs->replace_peers ? "true" : "false",
		cs->steal_allowed_ips ? "true" : "false",
		cs->remove_absent_ok ? "true" : "false");
	for (i = 0; i < cs->n; i++) {
		const struct wgc_peer_change *c = &cs->peers[i];

		fprintf(f, "%s{\"op\":\"%s\",\"fields\":%u,\"append\":%s,"
			"\"peer\":", i > 0 ? "," : "", wgc_peer_op_name(c->op),
			c->fields, c->append_allowed_ips ? "true" : "false");
		write_peer_obj(f, &c->conf);
		fputc('}', f);
	}
	fprintf(f, "],\"seq\":%" PRIu64 "}\n", seq);
}

int
persist_record(struct wgc_control *ctl, const struct wgc_changeset *cs)
{
	struct persist *ps = &ctl->persist;
	char *s = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (cs->iface_fields & WGC_IFACE_F_PRIVATE_KEY) {
		if (write_key_file(ctl, cs->iface.private_key) != 0)
			return -1;
		if ((cs->iface_fields & ~WGC_IFACE_F_PRIVATE_KEY) == 0 &&
				cs->n == 0 && !cs->replace_peers)
			return 0;
	}
	/* a change set as large as half the state: a snapshot is cheaper
	 * than a journal record (and needs no JSON tree of it) */
	if (cs->n > 4096 && cs->n > ctl->ops->peer_count(ctl->ctx) / 2) {
		ps->seq++;
		if (persist_compact(ctl) != 0) {
			ps->seq--;
			return -1;
		}
		ctl->cnt.journal_writes++;
		return 0;
	}
	f = open_memstream(&s, &len);
	if (f == NULL)
		return -1;
	write_record(f, cs, ps->seq + 1);
	if (fclose(f) != 0 || s == NULL) {
		if (s != NULL)
			sodium_memzero(s, len);
		free(s);
		errno = ENOMEM;
		return -1;
	}
	rc = write_all(ps->journal_fd, s, len);
	if (rc == 0)
		rc = fdatasync(ps->journal_fd);
	sodium_memzero(s, len);
	free(s);
	if (rc != 0)
		return -1;
	ps->seq++;
	ps->journal_bytes += len;
	ctl->cnt.journal_writes++;
	return 0;
}

int
persist_compact(struct wgc_control *ctl)
{
	struct persist *ps = &ctl->persist;
	struct wgc_iface_conf iface;
	struct snap_writer sw = { NULL, 0 };
	double t0, t1;
	struct stat st;
	FILE *f;
	int fd, rc = -1;

	fd = openat(ps->dirfd, SNAPSHOT_TMP, O_WRONLY | O_CREAT | O_TRUNC |
		O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -1;
	}
	setvbuf(f, NULL, _IOFBF, 1u << 20);
	if (ctl->ops->iface_get(ctl->ctx, &iface) != 0)
		goto out;
	fprintf(f, "{\"wgc_snapshot\":1,\"seq\":%" PRIu64 ",\"listen_port\":%u,"
		"\"fwmark\":%u}\n", ps->seq, iface.listen_port, iface.fwmark);
	wgc_iface_conf_free(&iface);
	sw.f = f;
	t0 = ctl_ms();
	ctl_walk(ctl->ops, ctl->ctx, NULL, UINT64_MAX, false, write_peer_line,
		&sw);
	fprintf(f, "{\"end\":%" PRIu64 "}\n", sw.count);
	t1 = ctl_ms();
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		goto out;
	if (sw.count > 10000)
		CTL_LOG(NOTICE, "state: snapshot of %" PRIu64 " peers: "
			"%.0f ms, write + fsync %.0f ms", sw.count, t1 - t0,
			ctl_ms() - t1);
	rc = 0;
out:
	if (fclose(f) != 0)
		rc = -1;
	if (rc != 0) {
		unlinkat(ps->dirfd, SNAPSHOT_TMP, 0);
		CTL_LOG(ERR, "state: snapshot failed: %s", strerror(errno));
		return -1;
	}
	if (renameat(ps->dirfd, SNAPSHOT_TMP, ps->dirfd, SNAPSHOT) != 0 ||
			fsync(ps->dirfd) != 0)
		return -1;
	/* the snapshot holds every record: the journal can go */
	if (ftruncate(ps->journal_fd, 0) != 0 || fsync(ps->journal_fd) != 0)
		return -1;
	ps->journal_bytes = 0;
	if (fstatat(ps->dirfd, SNAPSHOT, &st, 0) == 0)
		ps->snapshot_bytes = (uint64_t)st.st_size;
	ctl->cnt.compactions++;
	return 0;
}
