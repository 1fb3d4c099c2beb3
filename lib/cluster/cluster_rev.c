/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The revision a node has applied, kept in its state directory
 * (`cluster.revision`: the revision and the prefix it belongs to), so that
 * a restart resumes the watch instead of reading everything again.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cluster_private.h"

/* the revision kept for this prefix, 0 if none */
int64_t
cluster_rev_load(struct wgc_cluster *c)
{
	char buf[WGC_CLUSTER_PREFIX_LEN + 64], *nl;
	long long rev;
	ssize_t n;
	int fd;

	if (c->rev_path[0] == '\0')
		return 0;
	fd = open(c->rev_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl == NULL || sscanf(buf, "%lld", &rev) != 1 || rev <= 0)
		return 0;
	/* a revision of another prefix (the configuration changed) */
	if (strncmp(nl + 1, c->conf.prefix, strlen(c->conf.prefix)) != 0 ||
			nl[1 + strlen(c->conf.prefix)] != '\n')
		return 0;
	return rev;
}

/* write-rename-fsync; an error is logged, the sync goes on */
void
cluster_rev_save(struct wgc_cluster *c, int64_t rev)
{
	char tmp[PATH_MAX + 8], buf[WGC_CLUSTER_PREFIX_LEN + 64];
	int fd, n;

	if (c->rev_path[0] == '\0')
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->rev_path);
	n = snprintf(buf, sizeof(buf), "%lld\n%s\n", (long long)rev,
		c->conf.prefix);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || fsync(fd) != 0 ||
			rename(tmp, c->rev_path) != 0) {
		CLUSTER_LOG(ERR, "%s: %s", c->rev_path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	}
	if (fd >= 0)
		close(fd);
}
