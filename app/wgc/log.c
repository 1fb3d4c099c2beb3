/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Where the daemon's rte_log messages go: stderr, one line per message;
 * when stderr is the systemd journal's stream (JOURNAL_STREAM names its
 * device and inode, see systemd.exec(5)), each message goes to the
 * journal with its priority instead: through sd_journal_send() when
 * built with libsystemd, else as a "<N>" priority prefix that journald
 * reads from the stream.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>

#ifdef WGC_HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

#include "log.h"

static bool to_journal;
static bool journal_socket;  /* sd_journal_send() drops silently without */

/* RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8) -> LOG_EMERG (0) .. LOG_DEBUG */
static int
priority(void)
{
	int l = rte_log_cur_msg_loglevel();

	return l >= 1 && l <= 8 ? l - 1 : 6;
}

static ssize_t
log_write(void *cookie, const char *buf, size_t size)
{
	size_t n = size;

	(void)cookie;
	/* one message per write (rte_vlog formats a whole line) */
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	if (to_journal) {
#ifdef WGC_HAVE_LIBSYSTEMD
		if (journal_socket && sd_journal_send("MESSAGE=%.*s", (int)n, buf,
				"PRIORITY=%d", priority(),
				"SYSLOG_IDENTIFIER=wgc", NULL) == 0)
			return (ssize_t)size;
#endif
		fprintf(stderr, "<%d>%.*s\n", priority(), (int)n, buf);
	} else {
		fprintf(stderr, "%.*s\n", (int)n, buf);
	}
	fflush(stderr);
	return (ssize_t)size;
}

bool
wgc_app_log_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
			fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
		(unsigned long long)st.st_ino == ino;
}

int
wgc_app_log_init(void)
{
	static const cookie_io_functions_t io = { .write = log_write };
	FILE *f;

	to_journal = wgc_app_log_journal();
	journal_socket = access("/run/systemd/journal/socket", W_OK) == 0;
	f = fopencookie(NULL, "w", io);
	if (f == NULL)
		return -1;
	/* line buffered: every message reaches log_write() whole */
	setvbuf(f, NULL, _IOLBF, 0);
	return rte_openlog_stream(f);
}
