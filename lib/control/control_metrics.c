/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * GET /metrics: the Prometheus text format (0.0.4). Every family has HELP
 * and TYPE; a family never mixes a device total with per-worker series
 * (those are wgc_worker_*); with ?peers=1 the per-peer series follow,
 * streamed in batches (a million peers never sit in memory), under wgc's
 * names and under the de-facto WireGuard exporter's (wireguard_*, labels
 * interface, public_key, allowed_ips) so that existing dashboards work.
 * `promtool check metrics` is clean on the output (test/dts).
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "control_priv.h"

#define METRICS_PEERS_BATCH 256

/* names that Prometheus' linter refuses (abbreviated units, a type in
 * the name): exported under another name */
static const struct {
	const char *from, *to;
} renames[] = {
	{ "net_nd_ns_tx", "net_nd_solicitation_tx" },
	{ "net_nd_na_tx", "net_nd_advertisement_tx" },
	{ "port_net_nd_ns_tx", "port_net_nd_solicitation_tx" },
	{ "port_net_nd_na_tx", "port_net_nd_advertisement_tx" },
	{ "proto_transport_counter_exhausted",
		"proto_transport_nonce_exhausted" },
};

/* help of the counters the daemon reports without a text of their own */
static const struct {
	const char *name, *help;
} helps[] = {
	{ "outer_rx", "Views received from the outer edge." },
	{ "wg_rx", "WireGuard messages after the outer host stack." },
	{ "handshake_rx", "Handshake messages queued to the handshake stage." },
	{ "decap_ok", "Transport messages decrypted." },
	{ "keepalive_rx", "Keepalives received." },
	{ "inner_tx", "Packets handed to the inner edge." },
	{ "inner_rx", "Packets received from the inner edge." },
	{ "encap_ok", "Packets encrypted." },
	{ "outer_tx", "Frames handed to the outer edge." },
	{ "staged", "Packets parked for a peer without a keypair." },
	{ "roamed", "Peer endpoint changes." },
	{ "handshake_tx", "Handshake messages sent." },
	{ "keepalive_tx", "Keepalives sent." },
	{ "spread_out", "Transport messages handed to another worker to "
		"decrypt (spread)." },
	{ "spread_in", "Transport messages decrypted for another worker "
		"(spread)." },
	{ "reorder_timeout", "Bursts whose place in the receive order was "
		"given up after the bounded wait (spread)." },
	{ "reorder_overflow", "Bursts whose place in the receive order was "
		"given up because the reorder window was full (spread)." },
	{ "drops", "Packets dropped, by reason." },
	{ "rx_bytes", "Bytes received from peers." },
	{ "tx_bytes", "Bytes sent to peers." },
	{ "rx_packets", "Packets received from peers." },
	{ "tx_packets", "Packets sent to peers." },
};

static const char *
export_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(renames); i++)
		if (strcmp(renames[i].from, name) == 0)
			return renames[i].to;
	return name;
}

static void
family_name(char *out, size_t len, const struct wgc_stat *st)
{
	size_t i;

	snprintf(out, len, "wgc_%s%s%s", st->worker >= 0 ? "worker_" : "",
		export_name(st->name), st->gauge ? "" : "_total");
	for (i = 0; out[i] != '\0'; i++) {
		char ch = out[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				(ch >= '0' && ch <= '9') || ch == '_'))
			out[i] = '_';
	}
}

static void
help_of(char *out, size_t len, const struct wgc_stat *st)
{
	const char *h = st->help;
	unsigned int i;

	for (i = 0; h == NULL && i < RTE_DIM(helps); i++)
		if (strcmp(helps[i].name, st->name) == 0)
			h = helps[i].help;
	if (h != NULL)
		snprintf(out, len, "%s%s", h, st->worker >= 0 ?
			" Per worker (the last is the handshake stage)." : "");
	else
		snprintf(out, len, "wgc %s %s%s (see doc/rest.md).",
			st->gauge ? "gauge" : "counter", export_name(st->name),
			st->worker >= 0 ? ", per worker" : "");
}

/* a label value: \, " and newline escaped */
static void
label_value(struct sbuf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			sbuf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			sbuf_printf(b, "\\n");
		else
			sbuf_printf(b, "%c", *v);
	}
}

static void
series(struct sbuf *b, const char *fam, const struct wgc_stat *st)
{
	bool lbl = st->label[0] != '\0';

	sbuf_printf(b, "%s", fam);
	if (st->worker >= 0 || lbl) {
		sbuf_printf(b, "{");
		if (st->worker >= 0)
			sbuf_printf(b, "worker=\"%d\"%s", st->worker,
				lbl ? "," : "");
		if (lbl) {
			sbuf_printf(b, "%s=\"", st->label_key[0] != '\0' ?
				st->label_key : "reason");
			label_value(b, st->label);
			sbuf_printf(b, "\"");
		}
		sbuf_printf(b, "}");
	}
	sbuf_printf(b, " %" PRIu64 "\n", st->value);
}

static void
gauge(struct sbuf *b, const char *name, const char *help, uint64_t v)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %" PRIu64 "\n",
		name, help, name, name, v);
}

static void
metrics_static(struct wgc_control *ctl, struct sbuf *b)
{
	struct wgc_stat *st;
	char fam[96], other[96], help[200];
	int n, i, j, w;
	char reason[8];

	n = ctl_stats_collect(ctl, &st);
	gauge(b, "wgc_up", "The control plane is serving.", 1);
	gauge(b, "wgc_healthy", "1 while /v1/health says ok, else 0.",
		ctl_health(ctl, reason, sizeof(reason)) == 0);
	gauge(b, "wgc_uptime_seconds", "Seconds since the control plane "
		"started.", (uint64_t)(time(NULL) - ctl->started));
	gauge(b, "wgc_peers", "Configured peers.",
		__atomic_load_n(&ctl->peers_cached, __ATOMIC_RELAXED));
	/* one group per family, in order of first appearance */
	for (i = 0; st != NULL && i < n; i++) {
		bool seen = false;

		if (strcmp(st[i].name, "peers") == 0)
			continue;
		family_name(fam, sizeof(fam), &st[i]);
		for (j = 0; j < i && !seen; j++) {
			family_name(other, sizeof(other), &st[j]);
			seen = strcmp(other, fam) == 0;
		}
		if (seen)
			continue;
		help_of(help, sizeof(help), &st[i]);
		sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", fam, help, fam,
			st[i].gauge ? "gauge" : "counter");
		for (j = i; j < n; j++) {
			family_name(other, sizeof(other), &st[j]);
			if (strcmp(other, fam) == 0)
				series(b, fam, &st[j]);
		}
	}
	free(st);
	sbuf_printf(b, "# HELP wgc_control_http_responses_total REST "
		"responses by status class.\n"
		"# TYPE wgc_control_http_responses_total counter\n");
	for (w = 1; w <= 5; w++)
		sbuf_printf(b, "wgc_control_http_responses_total{class=\"%dxx\"}"
			" %" PRIu64 "\n", w, ctl->cnt.http_status[w]);
	sbuf_printf(b, "# HELP wgc_control_refused_total Clients refused "
		"for their peer credentials, by socket.\n"
		"# TYPE wgc_control_refused_total counter\n"
		"wgc_control_refused_total{socket=\"rest\"} %" PRIu64 "\n"
		"wgc_control_refused_total{socket=\"uapi\"} %" PRIu64 "\n",
		ctl->cnt.http_refused, ctl->cnt.uapi_refused);
#define CNT(nm, help, v) sbuf_printf(b, "# HELP " nm " " help "\n" \
	"# TYPE " nm " counter\n" nm " %" PRIu64 "\n", (uint64_t)(v))
	CNT("wgc_control_uapi_requests_total", "UAPI requests.",
		ctl->cnt.uapi_requests);
	CNT("wgc_control_uapi_errors_total", "UAPI requests that failed.",
		ctl->cnt.uapi_errors);
	CNT("wgc_control_changes_total", "Change sets applied.",
		ctl->cnt.changes_applied);
	CNT("wgc_control_journal_writes_total", "Records appended to the "
		"journal.", ctl->cnt.journal_writes);
	CNT("wgc_control_compactions_total", "Snapshots written.",
		ctl->cnt.compactions);
	CNT("wgc_control_persist_errors_total", "Changes applied but not "
		"persisted.", ctl->cnt.persist_errors);
#undef CNT
}

/* ------------------------------------------------ per-peer series */

struct peer_family {
	const char *name, *help;
	bool gauge;
	bool exporter;         /* the WireGuard exporter's labels */
	int field;             /* 0 rx bytes, 1 tx bytes, 2 handshake */
};

static const struct peer_family peer_families[] = {
	{ "wgc_peer_rx_bytes_total", "Bytes received from the peer.",
		false, false, 0 },
	{ "wgc_peer_tx_bytes_total", "Bytes sent to the peer.",
		false, false, 1 },
	{ "wgc_peer_last_handshake_seconds", "Unix time of the peer's last "
		"handshake (0: never).", true, false, 2 },
	{ "wireguard_received_bytes_total", "Bytes received from the peer "
		"(WireGuard exporter name).", false, true, 0 },
	{ "wireguard_sent_bytes_total", "Bytes sent to the peer (WireGuard "
		"exporter name).", false, true, 1 },
	{ "wireguard_latest_handshake_seconds", "Unix time of the peer's "
		"last handshake, 0 never (WireGuard exporter name).", true,
		true, 2 },
};

struct metrics_stream {
	struct wgc_control *ctl;
	struct sbuf b;
	size_t off;
	uint8_t last[WGC_KEY_LEN];
	bool first;
	unsigned int family;   /* one pass over the peers per family */
	bool done;
};

static void
family_head(struct sbuf *b, const struct peer_family *f)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
		f->name, f->gauge ? "gauge" : "counter");
}

static int
metrics_one(void *arg, const struct wgc_peer_conf *pc,
		const struct wgc_device_peer_stats *st)
{
	struct metrics_stream *ms = arg;
	const struct peer_family *f = &peer_families[ms->family];
	char b64[WGC_KEY_B64_LEN + 1], buf[WGC_ADDR_STR_LEN];
	int64_t v = f->field == 0 ? (int64_t)st->rx_bytes :
		f->field == 1 ? (int64_t)st->tx_bytes : st->last_handshake_sec;
	uint32_t i;

	ms->first = false;
	memcpy(ms->last, pc->public_key, WGC_KEY_LEN);
	wgc_key_to_base64(pc->public_key, b64);
	if (!f->exporter) {
		sbuf_printf(&ms->b, "%s{public_key=\"%s\"} %" PRId64 "\n",
			f->name, b64, v);
		return 0;
	}
	sbuf_printf(&ms->b, "%s{interface=\"", f->name);
	label_value(&ms->b, ms->ctl->ifname);
	sbuf_printf(&ms->b, "\",public_key=\"%s\",allowed_ips=\"", b64);
	for (i = 0; i < pc->n_allowed_ips; i++)
		sbuf_printf(&ms->b, "%s%s", i > 0 ? "," : "",
			wgc_prefix_format(&pc->allowed_ips[i], buf,
				sizeof(buf)));
	sbuf_printf(&ms->b, "\"} %" PRId64 "\n", v);
	return 0;
}

static ssize_t
metrics_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct metrics_stream *ms = cls;
	struct wgc_control *ctl = ms->ctl;
	size_t n;

	(void)pos;
	while (ms->off == ms->b.len) {
		unsigned int k;

		if (ms->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		ms->b.len = 0;
		ms->off = 0;
		pthread_mutex_lock(&ctl->lock);
		k = (unsigned int)ctl_walk(ctl->ops, ctl->ctx,
			ms->first ? NULL : ms->last, METRICS_PEERS_BATCH, true,
			metrics_one, ms);
		pthread_mutex_unlock(&ctl->lock);
		if (k < METRICS_PEERS_BATCH) {
			/* this family is complete: next one, from the start */
			ms->family++;
			ms->first = true;
			if (ms->family == RTE_DIM(peer_families))
				ms->done = true;
			else
				family_head(&ms->b,
					&peer_families[ms->family]);
		}
		if (ms->b.oom)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = ms->b.len - ms->off;
	if (n > max)
		n = max;
	memcpy(buf, ms->b.p + ms->off, n);
	ms->off += n;
	return (ssize_t)n;
}

static void
metrics_free(void *cls)
{
	struct metrics_stream *ms = cls;

	sbuf_free(&ms->b);
	free(ms);
}

struct MHD_Response *
ctl_metrics_response(struct wgc_control *ctl, bool peers)
{
	const char *ctype = "text/plain; version=0.0.4; charset=utf-8";
	struct MHD_Response *r;
	struct metrics_stream *ms;
	struct sbuf b = { 0 };

	metrics_static(ctl, &b);
	if (b.oom) {
		sbuf_free(&b);
		return NULL;
	}
	if (!peers) {
		r = MHD_create_response_from_buffer(b.len, b.p,
			MHD_RESPMEM_MUST_FREE);
		if (r == NULL)
			sbuf_free(&b);
	} else {
		ms = calloc(1, sizeof(*ms));
		if (ms == NULL) {
			sbuf_free(&b);
			return NULL;
		}
		ms->ctl = ctl;
		ms->first = true;
		family_head(&b, &peer_families[0]);
		ms->b = b;
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 65536,
			metrics_reader, ms, metrics_free);
		if (r == NULL)
			metrics_free(ms);
	}
	if (r != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	return r;
}
