/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGCCTL_H_
#define _WGCCTL_H_

/* wgcctl's subcommands in their own files share main.c's REST client */

/** A REST reply: HTTP status and malloc'd body. */
struct wgcctl_reply {
	int status;
	char *body;
};

/**
 * One request over the Unix socket @p sock (@p body NULL: none).
 * @return 0 with @p r filled (free r->body), or -1 after a one-line
 *   error on stderr.
 */
int wgcctl_request(const char *sock, const char *method, const char *path,
		const char *body, struct wgcctl_reply *r);

/** `wgcctl peer ...` (peer_add.c); @p argv starts after "peer". */
int wgcctl_peer(const char *sock, int argc, char **argv);

#endif /* _WGCCTL_H_ */
