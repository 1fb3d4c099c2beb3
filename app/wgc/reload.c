/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * SIGHUP reload of the startup file (see reload.h). The live part goes
 * through wgc_control_sync(): the same validation, device apply and
 * journal as a REST or UAPI change, all or nothing.
 */

#include <stdio.h>
#include <string.h>

#include "reload.h"

/* interface addresses keep their host bits: compare them all */
static bool
same_cidrs(const struct wgc_prefix *a, uint32_t na, const struct wgc_prefix *b,
		uint32_t nb)
{
	uint32_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].len != b[i].len ||
				!wgc_addr_equal(&a[i].addr, &b[i].addr))
			return false;
	return true;
}

static bool
same_eal(const struct wgc_startup_conf *a, const struct wgc_startup_conf *b)
{
	int i;

	if (a->eal_argc != b->eal_argc)
		return false;
	for (i = 0; i < a->eal_argc; i++)
		if (strcmp(a->eal_argv[i], b->eal_argv[i]) != 0)
			return false;
	return true;
}

static bool
same_outer(const struct wgc_startup_conf *a, const struct wgc_startup_conf *b)
{
	uint32_t i;

	if (a->n_outer != b->n_outer)
		return false;
	for (i = 0; i < a->n_outer; i++) {
		const struct wgc_outer_conf *x = &a->outer[i], *y = &b->outer[i];

		if (strcmp(x->port, y->port) != 0 ||
				x->has_ipv4 != y->has_ipv4 ||
				x->has_ipv6 != y->has_ipv6 || x->vlan != y->vlan ||
				x->mtu != y->mtu ||
				!same_cidrs(&x->ipv4, x->has_ipv4, &y->ipv4,
					y->has_ipv4) ||
				!same_cidrs(&x->ipv6, x->has_ipv6, &y->ipv6,
					y->has_ipv6) ||
				!wgc_addr_equal(&x->gateway4, &y->gateway4) ||
				!wgc_addr_equal(&x->gateway6, &y->gateway6))
			return false;
	}
	return true;
}

static bool
same_inner(const struct wgc_inner_conf *a, const struct wgc_inner_conf *b)
{
	return a->type == b->type && strcmp(a->name, b->name) == 0 &&
		a->mtu == b->mtu && a->offload == b->offload &&
		same_cidrs(a->addresses, a->n_addresses, b->addresses,
			b->n_addresses);
}

static bool
same_lcores(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static bool
same_control(const struct wgc_control_conf *a,
		const struct wgc_control_conf *b)
{
	return strcmp(a->socket, b->socket) == 0 &&
		strcmp(a->state_dir, b->state_dir) == 0 &&
		strcmp(a->group, b->group) == 0 &&
		strcmp(a->uapi_dir, b->uapi_dir) == 0 &&
		a->state_wins == b->state_wins && a->max_body == b->max_body &&
		a->timeout == b->timeout &&
		memcmp(&a->cluster, &b->cluster, sizeof(a->cluster)) == 0;
}

unsigned int
wgc_app_reload_restart_only(const struct wgc_startup_conf *a,
		const struct wgc_startup_conf *b, char *out, size_t len)
{
	unsigned int n = 0;
	size_t off = 0;

#define NAME(cond, s) do { \
		if (!(cond)) { \
			int k = snprintf(out + off, len - off, "%s%s", \
				n > 0 ? ", " : "", s); \
			if (k > 0 && (size_t)k < len - off) \
				off += (size_t)k; \
			n++; \
		} \
	} while (0)
	if (len > 0)
		out[0] = '\0';
	NAME(same_eal(a, b), "eal");
	NAME(same_outer(a, b), "outer");
	NAME(same_inner(&a->inner, &b->inner), "inner");
	NAME(same_lcores(a->workers, a->n_workers, b->workers, b->n_workers),
		"workers");
	NAME(same_lcores(a->handshake_lcores, a->n_handshake_lcores,
		b->handshake_lcores, b->n_handshake_lcores),
		"handshake_lcores");
	NAME(a->spread_off == b->spread_off, "spread");
	NAME(same_control(&a->control, &b->control), "control");
	NAME(strcmp(a->iface.name, b->iface.name) == 0, "interface.name");
	NAME(a->iface.max_peers == b->iface.max_peers,
		"interface.max_peers");
#undef NAME
	return n;
}

int
wgc_app_reload(const struct wgc_startup_conf *running,
		struct wgc_control *ctl, const char *path)
{
	struct wgc_startup_conf next;
	struct wgc_conf_error err = { 0 };
	struct wgc_control_sync_stats st;
	char names[160];
	int rc = -1;

	if (path == NULL) {
		printf("wgc: reload: running on the embedded default (no "
			"--config): nothing to reload\n");
		fflush(stdout);
		return 0;
	}
	wgc_startup_conf_init(&next);
	if (wgc_startup_conf_load(&next, path, &err) != 0) {
		fprintf(stderr, "wgc: reload: %s: %s; nothing changed\n", path,
			err.msg);
		return -1;
	}
	if (wgc_app_reload_restart_only(running, &next, names,
			sizeof(names)) > 0) {
		fprintf(stderr, "wgc: reload: %s: refused: %s need%s a restart; "
			"nothing changed\n", path, names,
			strchr(names, ',') != NULL ? "" : "s");
		goto out;
	}
	/* in a cluster the peers are etcd's */
	if (running->control.cluster.enabled)
		next.peers_given = false;
	if (wgc_control_sync(ctl, &next.iface, next.peers, next.n_peers,
			next.peers_given, &st, &err) != 0) {
		fprintf(stderr, "wgc: reload: %s: %s; nothing changed\n", path,
			err.msg);
		goto out;
	}
	if (next.peers_given)
		printf("wgc: reload: %s: %u peers added, %u changed, %u "
			"removed, %u unchanged", path, st.added, st.changed,
			st.removed, st.unchanged);
	else
		printf("wgc: reload: %s: no \"peers\": peers left as they are",
			path);
	printf("%s%s\n", (st.iface_fields & WGC_IFACE_F_PRIVATE_KEY) != 0 ?
		", new private key" : "",
		(st.iface_fields & WGC_IFACE_F_LISTEN_PORT) != 0 ?
		", new listen port" : "");
	rc = 0;
out:
	fflush(stdout);
	wgc_startup_conf_free(&next);
	return rc;
}
