/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Persistence: what was acknowledged is on disk. Write, "crash" (re-open
 * from disk into a fresh backend), compare; torn journal tails; corrupt
 * files; state_wins; and kill -9 at random moments in a child process.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "control_priv.h"
#include "control_test_client.h"
#include "wgc_test.h"

/* The whole state as UAPI text: keys, peers, allowed IPs, in key order. */
static char *
dump(struct wgc_mem_backend *mb)
{
	char *out = NULL;
	size_t len;

	if (wgc_uapi_format_get(&wgc_mem_backend_ops, mb, &out, &len) != 0)
		return NULL;
	return out;
}

static int
add_pair(struct wgc_control *ctl, unsigned int i, bool psk,
		struct wgc_conf_error *err)
{
	struct wgc_changeset cs;
	unsigned int k;

	memset(&cs, 0, sizeof(cs));
	for (k = 0; k < 2; k++) {
		struct wgc_peer_change *c = wgc_changeset_add(&cs);

		test_key(2 * i + k + 1, c->conf.public_key);
		c->op = WGC_PEER_OP_UPSERT;
		c->fields = WGC_PEER_F_ALLOWED_IPS | WGC_PEER_F_KEEPALIVE;
		c->conf.persistent_keepalive = (uint16_t)(i % 60);
		c->conf.allowed_ips = calloc(1, sizeof(struct wgc_prefix));
		c->conf.n_allowed_ips = 1;
		wgc_prefix_parse(&c->conf.allowed_ips[0], "10.0.0.0/32",
			WGC_PREFIX_ROUTE, NULL);
		c->conf.allowed_ips[0].addr.bytes[1] = (uint8_t)(i >> 8);
		c->conf.allowed_ips[0].addr.bytes[2] = (uint8_t)i;
		c->conf.allowed_ips[0].addr.bytes[3] = (uint8_t)k;
		if (psk) {
			test_key(7 * i + 3, c->conf.preshared_key);
			c->fields |= WGC_PEER_F_PRESHARED_KEY;
		}
		if (i % 3 == 0) {
			wgc_endpoint_parse(&c->conf.endpoint,
				"[2001:db8::5]:51820", NULL);
			c->fields |= WGC_PEER_F_ENDPOINT;
		}
	}
	k = (unsigned int)wgc_control_apply(ctl, &cs, err);
	wgc_changeset_free(&cs);
	return (int)k;
}

static int
remove_peer(struct wgc_control *ctl, unsigned int seed,
		struct wgc_conf_error *err)
{
	struct wgc_changeset cs;
	struct wgc_peer_change *c;
	int rc;

	memset(&cs, 0, sizeof(cs));
	c = wgc_changeset_add(&cs);
	test_key(seed, c->conf.public_key);
	c->op = WGC_PEER_OP_REMOVE;
	rc = wgc_control_apply(ctl, &cs, err);
	wgc_changeset_free(&cs);
	return rc;
}

/* Re-open the state into a fresh, empty backend. */
static int
reopen(struct ctl_fixture *f, bool state_wins)
{
	struct wgc_iface_conf i = fixture_iface(NULL);

	wgc_control_destroy(f->ctl);
	f->ctl = NULL;
	wgc_mem_backend_destroy(f->mb);
	f->mb = wgc_mem_backend_create(&i);
	wgc_iface_conf_free(&i);
	if (f->mb == NULL)
		return -1;
	f->conf.state_wins = state_wins;
	return fixture_start(f, false);
}

static struct ctl_fixture fx;

static int
persist_setup(void)
{
	return fixture_init(&fx, false, true) == 0 ? TEST_SUCCESS :
		TEST_FAILED;
}

static void
persist_teardown(void)
{
	fixture_fini(&fx);
}

static int
file_mode(const char *dir, const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/state/%s", dir, name);
	if (stat(p, &st) != 0)
		return -1;
	return (int)(st.st_mode & 0777);
}

static int
test_persist_reload(void)
{
	struct wgc_conf_error err;
	struct wgc_changeset cs;
	char *before, *after;
	unsigned int i;

	for (i = 0; i < 40; i++)
		TEST_ASSERT_SUCCESS(add_pair(fx.ctl, i, i % 2 == 0, &err),
			"pair %u: %s", i, err.msg);
	TEST_ASSERT_SUCCESS(remove_peer(fx.ctl, 5, &err), "remove");
	memset(&cs, 0, sizeof(cs));
	cs.iface_fields = WGC_IFACE_F_LISTEN_PORT | WGC_IFACE_F_PRIVATE_KEY |
		WGC_IFACE_F_FWMARK;
	cs.iface.listen_port = 4444;
	cs.iface.fwmark = 9;
	wgc_key_from_base64(cs.iface.private_key,
		"//////////////////////////////////////////8=");
	TEST_ASSERT_SUCCESS(wgc_control_apply(fx.ctl, &cs, &err), "iface");
	wgc_changeset_free(&cs);
	/* a refused change leaves nothing behind */
	TEST_ASSERT_FAIL(remove_peer(fx.ctl, 5, &err), "absent");
	TEST_ASSERT_EQUAL(err.kind, WGC_CONF_ENOENT, "enoent");

	TEST_ASSERT_EQUAL(file_mode(fx.dir, "journal"), 0600, "journal 0600");
	TEST_ASSERT_EQUAL(file_mode(fx.dir, "snapshot"), 0600, "snapshot 0600");
	TEST_ASSERT_EQUAL(file_mode(fx.dir, "private_key"), 0600,
		"private_key 0600");
	TEST_ASSERT_EQUAL(file_mode(fx.dir, ""), 0700, "state dir 0700");

	before = dump(fx.mb);
	TEST_ASSERT(strstr(before, "listen_port=4444") != NULL, "%s", before);
	TEST_ASSERT_SUCCESS(reopen(&fx, true), "reopen");
	after = dump(fx.mb);
	TEST_ASSERT(strcmp(before, after) == 0, "state differs after reload:\n"
		"--- before\n%.400s\n--- after\n%.400s", before, after);
	free(after);

	/* compaction, more changes, reload again */
	TEST_ASSERT_SUCCESS(wgc_control_compact(fx.ctl), "compact");
	TEST_ASSERT_SUCCESS(add_pair(fx.ctl, 100, true, &err), "after compact");
	free(before);
	before = dump(fx.mb);
	TEST_ASSERT_SUCCESS(reopen(&fx, true), "reopen 2");
	after = dump(fx.mb);
	TEST_ASSERT(strcmp(before, after) == 0, "differs after compaction");
	free(after);
	free(before);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_persist_reload_autotest, fast, persist_setup,
	test_persist_reload, persist_teardown);

static int
append_file(const char *dir, const char *name, const char *text)
{
	char p[256];
	int fd, rc;

	snprintf(p, sizeof(p), "%s/state/%s", dir, name);
	fd = open(p, O_WRONLY | O_APPEND);
	if (fd < 0)
		return -1;
	rc = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return rc;
}

static int
test_persist_damage(void)
{
	struct wgc_conf_error err;
	char *before, *after;
	unsigned int i;

	for (i = 0; i < 5; i++)
		TEST_ASSERT_SUCCESS(add_pair(fx.ctl, i, true, &err), "add");
	before = dump(fx.mb);
	wgc_control_destroy(fx.ctl);
	fx.ctl = NULL;

	/* a torn last record (no newline) was never acknowledged */
	TEST_ASSERT_SUCCESS(append_file(fx.dir, "journal",
		"{\"iface_fields\":0,\"peers\":[{\"op\":\"rem"), "tear");
	TEST_ASSERT_SUCCESS(reopen(&fx, true), "torn tail ignored");
	after = dump(fx.mb);
	TEST_ASSERT(strcmp(before, after) == 0, "state after torn tail");
	free(after);

	/* garbage in the middle of the journal: refuse to start */
	wgc_control_destroy(fx.ctl);
	fx.ctl = NULL;
	TEST_ASSERT_SUCCESS(append_file(fx.dir, "journal", "garbage\n"
		"{\"seq\":99,\"iface_fields\":0,\"listen_port\":0,\"fwmark\":0,"
		"\"peers\":[]}\n"), "corrupt");
	TEST_ASSERT_FAIL(reopen(&fx, true), "corrupt journal accepted");

	/* a damaged snapshot: refuse to start, with a clear message */
	{
		char p[256];
		FILE *f;

		snprintf(p, sizeof(p), "%s/state/journal", fx.dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/state/snapshot", fx.dir);
		f = fopen(p, "w");
		fputs("{\"wgc_snapshot\":1,\"seq\":3,\"listen_port\":1,"
			"\"fwmark\":0}\n{\"public_key\":\"x\"}\n", f);
		fclose(f);
	}
	wgc_mem_backend_destroy(fx.mb);
	fx.mb = wgc_mem_backend_create(NULL);
	{
		struct wgc_control_params p = {
			.conf = &fx.conf, .ifname = "wgcctl0",
			.ops = &wgc_mem_backend_ops, .ctx = fx.mb,
			.no_threads = true,
		};

		fx.ctl = wgc_control_create(&p, &err);
		TEST_ASSERT_NULL(fx.ctl, "corrupt snapshot accepted");
		TEST_ASSERT(strstr(err.msg, "snapshot") != NULL, "%s", err.msg);
	}
	/* state_wins = false: the startup state is written over it */
	TEST_ASSERT_SUCCESS(reopen(&fx, false), "config wins");
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(fx.mb), 0u, "empty");
	TEST_ASSERT_SUCCESS(reopen(&fx, true), "reload rewritten state");
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(fx.mb), 0u,
		"rewritten");
	free(before);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_persist_damage_autotest, fast, persist_setup,
	test_persist_damage, persist_teardown);

/*
 * kill -9 at a random moment while a child applies changes; every
 * acknowledged change must be there and no change half-applied (each adds
 * two peers in one change set).
 */
static int
crash_round(unsigned int round, unsigned int *acked_total)
{
	struct wgc_peer_conf pc;
	unsigned int acked = 0, i, present;
	int pfd[2], st;
	uint32_t v;
	pid_t pid;

	if (pipe(pfd) != 0)
		return TEST_FAILED;
	pid = fork();
	if (pid == 0) {
		struct wgc_conf_error err;
		struct ctl_fixture cf = fx;
		struct wgc_iface_conf ic = fixture_iface(NULL);

		close(pfd[0]);
		cf.mb = wgc_mem_backend_create(&ic);
		if (cf.mb == NULL || fixture_start(&cf, false) != 0)
			_exit(3);
		for (i = 0; ; i++) {
			if (add_pair(cf.ctl, round * 100000 + i, true,
					&err) != 0)
				_exit(4);
			v = i;
			if (write(pfd[1], &v, sizeof(v)) != sizeof(v))
				_exit(5);
		}
	}
	close(pfd[1]);
	if (pid < 0)
		return TEST_FAILED;
	usleep(20000 + (unsigned int)(rand() % 60000));
	kill(pid, SIGKILL);
	while (read(pfd[0], &v, sizeof(v)) == sizeof(v))
		acked = v + 1;
	close(pfd[0]);
	waitpid(pid, &st, 0);
	TEST_ASSERT(WIFSIGNALED(st), "child died by itself: %d", st);
	TEST_ASSERT_SUCCESS(reopen(&fx, true), "reopen after kill -9");
	/* acknowledged: both present; after them: both or neither */
	for (i = 0; i < acked + 5; i++) {
		unsigned int s = round * 100000 + i, k;

		present = 0;
		for (k = 0; k < 2; k++) {
			uint8_t key[WGC_KEY_LEN];

			test_key(2 * s + k + 1, key);
			if (wgc_mem_backend_ops.peer_get(fx.mb, key, &pc,
					NULL) == 0) {
				present++;
				wgc_peer_conf_free(&pc);
			}
		}
		if (i < acked)
			TEST_ASSERT_EQUAL(present, 2u, "round %u: acked change "
				"%u lost (%u of 2)", round, i, present);
		else
			TEST_ASSERT(present == 0 || present == 2,
				"round %u: change %u half-applied", round, i);
	}
	*acked_total += acked;
	return TEST_SUCCESS;
}

static int
crash_rounds(unsigned int rounds)
{
	unsigned int r, acked = 0;

	srand((unsigned int)time(NULL));
	for (r = 0; r < rounds; r++)
		TEST_CHECK(crash_round(r + 1, &acked));
	printf("%u kill -9 rounds, %u acknowledged changes, all present, "
		"%" PRIu64 " peers on disk\n", rounds, acked,
		wgc_mem_backend_ops.peer_count(fx.mb));
	return TEST_SUCCESS;
}

static int
test_persist_crash(void)
{
	return crash_rounds(4);
}
WGC_TEST_REGISTER_FULL(control_persist_crash_autotest, fast, persist_setup,
	test_persist_crash, persist_teardown);

static int
test_persist_crash_scale(void)
{
	return crash_rounds(50);
}
WGC_TEST_REGISTER_FULL(control_persist_crash_scale, scale, persist_setup,
	test_persist_crash_scale, persist_teardown);

/* A change set larger than half the state is saved as a snapshot. */
static int
test_persist_big_changeset(void)
{
	struct wgc_conf_error err;
	struct wgc_changeset cs;
	char *before, *after;
	uint64_t snaps;
	unsigned int i;

	TEST_ASSERT_SUCCESS(add_pair(fx.ctl, 1, true, &err), "small");
	memset(&cs, 0, sizeof(cs));
	for (i = 0; i < 5000; i++) {
		struct wgc_peer_change *c = wgc_changeset_add(&cs);

		TEST_ASSERT_NOT_NULL(c, "add");
		test_key(100000 + i, c->conf.public_key);
		c->op = WGC_PEER_OP_UPSERT;
		c->fields = WGC_PEER_F_KEEPALIVE | WGC_PEER_F_PRESHARED_KEY;
		c->conf.persistent_keepalive = (uint16_t)i;
		test_key(i, c->conf.preshared_key);
	}
	snaps = fx.ctl->cnt.compactions;
	TEST_ASSERT_SUCCESS(wgc_control_apply(fx.ctl, &cs, &err), "big: %s",
		err.msg);
	wgc_changeset_free(&cs);
	TEST_ASSERT_EQUAL(fx.ctl->cnt.compactions, snaps + 1,
		"saved as a snapshot");
	TEST_ASSERT_SUCCESS(remove_peer(fx.ctl, 100000 + 7, &err), "then one");
	before = dump(fx.mb);
	TEST_ASSERT_SUCCESS(reopen(&fx, true), "reopen");
	after = dump(fx.mb);
	TEST_ASSERT(strcmp(before, after) == 0, "state differs after reload");
	TEST_ASSERT_EQUAL(wgc_mem_backend_ops.peer_count(fx.mb), 5001u,
		"5000 + 2 - 1");
	free(before);
	free(after);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER_FULL(control_persist_big_changeset_autotest, fast,
	persist_setup, test_persist_big_changeset, persist_teardown);
