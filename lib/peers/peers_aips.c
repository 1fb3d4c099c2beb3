/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Allowed IPs of the peer table: /32s and /128s in exact-match rte_hashes
 * (one per road warrior is the common case) looked up before rte_lpm /
 * rte_lpm6, whose next hop is the peer's slot id; each peer keeps the
 * list of its own prefixes. Writers hold the table mutex; readers are
 * the workers under RCU (see wgc_peers.h for the IPv6 tbl8 fence).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "peers_private.h"

/* an exact-match table of key_len-byte addresses, one writer (the table
 * mutex) and lock-free readers, slots reused after a grace period */
static struct rte_hash *
host_hash_create(const struct wgc_peers_params *prm, const char *suffix,
		uint32_t key_len)
{
	struct rte_hash_parameters hp = { 0 };
	char n[RTE_HASH_NAMESIZE];
	struct rte_hash *h;

	snprintf(n, sizeof(n), "%s_%s", prm->name, suffix);
	hp.name = n;
	/* one host route per peer is the common case; more go to the LPM */
	hp.entries = RTE_MAX(prm->max_peers + prm->max_peers / 4, 64u);
	hp.key_len = key_len;
	hp.hash_func = rte_hash_crc;
	hp.socket_id = prm->socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
		RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	h = rte_hash_create(&hp);
	if (h != NULL && prm->qsbr != NULL) {
		struct rte_hash_rcu_config hc = { 0 };

		hc.v = prm->qsbr;
		hc.mode = RTE_HASH_QSBR_MODE_DQ;
		if (rte_hash_rcu_qsbr_add(h, &hc) != 0) {
			rte_hash_free(h);
			return NULL;
		}
	}
	return h;
}

int
aips_create(struct wgc_peers *t, const struct wgc_peers_params *prm)
{
	struct rte_lpm_config lc = { 0 };
	struct rte_lpm6_config l6 = { 0 };
	char n[RTE_LPM_NAMESIZE];

	t->fast.host4 = host_hash_create(prm, "h4", sizeof(uint32_t));
	t->fast.host6 = host_hash_create(prm, "h6", 16);
	if (t->fast.host4 == NULL || t->fast.host6 == NULL)
		return -1;
	snprintf(n, sizeof(n), "%s_l4", prm->name);
	lc.max_rules = prm->max_routes4 != 0 ? prm->max_routes4 :
		RTE_MAX(4 * prm->max_peers, 64u);
	lc.number_tbl8s = RTE_MIN(RTE_MAX(prm->max_peers, TBL8_MIN), TBL8_MAX);
	t->fast.lpm4 = rte_lpm_create(n, prm->socket_id, &lc);
	if (t->fast.lpm4 == NULL)
		return -1;
	if (prm->qsbr != NULL) {
		struct rte_lpm_rcu_config rc = { 0 };

		rc.v = prm->qsbr;
		rc.mode = RTE_LPM_QSBR_MODE_DQ;
		if (rte_lpm_rcu_qsbr_add(t->fast.lpm4, &rc) != 0)
			return -1;
	}
	snprintf(n, sizeof(n), "%s_l6", prm->name);
	l6.max_rules = prm->max_routes6 != 0 ? prm->max_routes6 :
		RTE_MAX(4 * prm->max_peers, 64u);
	/* a long IPv6 prefix takes up to 13 tbl8 groups; most share some */
	l6.number_tbl8s = RTE_MIN(RTE_MAX(2 * l6.max_rules, TBL8_MIN),
		TBL8_MAX);
	t->fast.lpm6 = rte_lpm6_create(n, prm->socket_id, &l6);
	return t->fast.lpm6 == NULL ? -1 : 0;
}

/* clear host bits; -EINVAL for a bad family or length */
static int
prefix_normalise(const struct wgc_prefix *in, struct wgc_prefix *out)
{
	unsigned int bytes, i;

	if (in == NULL || wgc_addr_len(in->addr.family) == 0 ||
			in->len > wgc_addr_len(in->addr.family) * 8)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->addr.family = in->addr.family;
	out->len = in->len;
	bytes = wgc_addr_len(in->addr.family);
	for (i = 0; i < bytes; i++) {
		unsigned int bits = i * 8;

		if (bits + 8 <= in->len)
			out->addr.bytes[i] = in->addr.bytes[i];
		else if (bits < in->len)
			out->addr.bytes[i] = in->addr.bytes[i] &
				(uint8_t)(0xff << (8 - (in->len - bits)));
	}
	return 0;
}

static uint32_t
prefix_v4(const struct wgc_prefix *p)
{
	return rte_be_to_cpu_32(p->addr.ip4);
}

static int
aip_find(const struct wgc_peer *p, const struct wgc_prefix *x)
{
	uint32_t i;

	for (i = 0; i < p->n_aips; i++)
		if (p->aips[i].addr.family == x->addr.family &&
				p->aips[i].len == x->len &&
				memcmp(p->aips[i].addr.bytes, x->addr.bytes,
					16) == 0)
			return (int)i;
	return -1;
}

/*
 * A lower bound of the capacity of p->aips: the inline array, or a heap
 * array whose size is a power of two >= 2 x WGC_PEER_AIPS_INLINE holding
 * n_aips (growing doubles it; deletes never shrink it).
 */
static uint32_t
aips_cap(const struct wgc_peer *p)
{
	if (p->aips == p->aips_inline)
		return WGC_PEER_AIPS_INLINE;
	return RTE_MAX(rte_align32pow2(p->n_aips),
		2u * WGC_PEER_AIPS_INLINE);
}

static void
aip_forget(struct wgc_peer *p, int i)
{
	p->aips[i] = p->aips[--p->n_aips];
}

/*
 * rte_lpm6 (DPDK 22.11) has no RCU: rte_lpm6_delete() returns a prefix's
 * tbl8 groups to the pool at once and the next rte_lpm6_add() takes them
 * back (the pool is a stack) and refills them, while a reader may still be
 * walking one of them: it would read another prefix's next hop. Deletes
 * longer than /24 (only those free groups) start a grace period; an add
 * longer than /24 (only those take groups) waits for it first. Sleeps
 * between checks (a reader may share this CPU); bounded.
 */
static void
lpm6_fence_start(struct wgc_peers *t, uint8_t len)
{
	if (t->qsbr == NULL || len <= 24)
		return;
	t->lpm6_token = rte_rcu_qsbr_start(t->qsbr);
	t->lpm6_fence = true;
}

static int
lpm6_fence_wait(struct wgc_peers *t, uint8_t len)
{
	uint64_t deadline;

	if (!t->lpm6_fence || len <= 24)
		return 0;
	deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() * WGC_PEERS_GRACE_WAIT_MS / 1000;
	while (rte_rcu_qsbr_check(t->qsbr, t->lpm6_token, false) != 1) {
		if (rte_get_timer_cycles() > deadline) {
			PEERS_LOG(WARNING, "%s: IPv6 prefix not added: a "
				"reader passed no quiescent state in %u ms",
				t->name, WGC_PEERS_GRACE_WAIT_MS);
			return -EBUSY;
		}
		rte_delay_us_sleep(20);
	}
	t->lpm6_fence = false;
	return 0;
}

/*
 * Add or move an IPv4 /32: into the exact-match table, or into the LPM when
 * that table is full (ENOSPC). present and nh tell who owned it before.
 */
static int
host4_add(struct wgc_peers *t, const struct wgc_prefix *x, uint32_t id,
		int *present, uint32_t *nh)
{
	void *data;
	uint32_t key;
	int rc;

	memcpy(&key, x->addr.bytes, 4);
	if (rte_hash_lookup_data(t->fast.host4, &key, &data) >= 0) {
		/* an owned /32 changes owner in place (atomic for readers) */
		*present = 1;
		*nh = (uint32_t)(uintptr_t)data;
		return rte_hash_add_key_data(t->fast.host4, &key,
			(void *)(uintptr_t)id);
	}
	/* not in the table: maybe an overflow /32 in the LPM; only then is
	 * the LPM's linear rule list searched */
	*present = t->lpm_host4 > 0 ? rte_lpm_is_rule_present(t->fast.lpm4,
		prefix_v4(x), 32, nh) : 0;
	if (*present == 1)
		return rte_lpm_add(t->fast.lpm4, prefix_v4(x), 32, id);
	rc = rte_hash_add_key_data(t->fast.host4, &key, (void *)(uintptr_t)id);
	if (rc == 0) {
		__atomic_fetch_add(&t->fast.nb_host4, 1, __ATOMIC_RELEASE);
		return 0;
	}
	if (rc != -ENOSPC)
		return rc;
	rc = rte_lpm_add(t->fast.lpm4, prefix_v4(x), 32, id);
	if (rc == 0)
		t->lpm_host4++;
	return rc;
}

/* the same for an IPv6 /128 (host6, or the LPM when host6 is full) */
static int
host6_add(struct wgc_peers *t, const struct wgc_prefix *x, uint32_t id,
		int *present, uint32_t *nh)
{
	uint64_t key[2];
	void *data;
	int rc;

	memcpy(key, x->addr.bytes, sizeof(key));
	if (rte_hash_lookup_data(t->fast.host6, key, &data) >= 0) {
		*present = 1;
		*nh = (uint32_t)(uintptr_t)data;
		return rte_hash_add_key_data(t->fast.host6, key,
			(void *)(uintptr_t)id);
	}
	*present = t->lpm_host6 > 0 ? rte_lpm6_is_rule_present(t->fast.lpm6,
		x->addr.bytes, 128, nh) : 0;
	if (*present == 1)
		return rte_lpm6_add(t->fast.lpm6, x->addr.bytes, 128, id);
	rc = rte_hash_add_key_data(t->fast.host6, key, (void *)(uintptr_t)id);
	if (rc == 0) {
		__atomic_fetch_add(&t->fast.nb_host6, 1, __ATOMIC_RELEASE);
		return 0;
	}
	if (rc != -ENOSPC)
		return rc;
	rc = lpm6_fence_wait(t, 128);
	if (rc != 0)
		return rc;
	rc = rte_lpm6_add(t->fast.lpm6, x->addr.bytes, 128, id);
	if (rc == 0)
		t->lpm_host6++;
	return rc;
}

int
wgc_peers_prefix_add(struct wgc_peers *t, struct wgc_peer *p,
		const struct wgc_prefix *pfx)
{
	struct wgc_prefix x;
	uint32_t nh;
	int rc, present;

	rc = prefix_normalise(pfx, &x);
	if (rc != 0)
		return rc;
	if (aip_find(p, &x) >= 0)
		return 0;
	if (p->n_aips == aips_cap(p)) {
		uint32_t cap = 2 * p->n_aips;
		struct wgc_prefix *a;

		if (p->aips == p->aips_inline) {
			a = rte_malloc_socket("wgc_peer_aips", cap * sizeof(*a),
				0, t->socket_id);
			if (a != NULL)
				memcpy(a, p->aips_inline,
					sizeof(p->aips_inline));
		} else {
			a = rte_realloc_socket(p->aips, cap * sizeof(*a), 0,
				t->socket_id);
		}
		if (a == NULL)
			return -ENOMEM;
		p->aips = a;
	}
	if (x.len == 0) {
		uint32_t *def = x.addr.family == AF_INET ?
			&t->fast.def4 : &t->fast.def6;

		nh = *def;
		present = nh != WGC_PEER_ID_NONE;
		__atomic_store_n(def, p->id, __ATOMIC_RELEASE);
		rc = 0;
	} else if (x.addr.family == AF_INET && x.len == 32) {
		rc = host4_add(t, &x, p->id, &present, &nh);
	} else if (x.addr.family == AF_INET) {
		present = rte_lpm_is_rule_present(t->fast.lpm4, prefix_v4(&x),
			x.len, &nh);
		rc = rte_lpm_add(t->fast.lpm4, prefix_v4(&x), x.len, p->id);
	} else if (x.len == 128) {
		rc = host6_add(t, &x, p->id, &present, &nh);
	} else {
		present = rte_lpm6_is_rule_present(t->fast.lpm6,
			x.addr.bytes, x.len, &nh);
		rc = lpm6_fence_wait(t, x.len);
		if (rc == 0)
			rc = rte_lpm6_add(t->fast.lpm6, x.addr.bytes, x.len,
				p->id);
	}
	if (rc != 0)
		return rc == -ENOSPC || rc == -EBUSY ? rc :
			(rc < 0 ? rc : -EINVAL);
	if (present == 1 && nh != p->id && nh < t->fast.max_peers &&
			t->fast.slots[nh] != NULL) {
		/* the prefix moved from another peer */
		struct wgc_peer *o = t->fast.slots[nh];
		int i = aip_find(o, &x);

		if (i >= 0)
			aip_forget(o, i);
	}
	p->aips[p->n_aips++] = x;
	return 0;
}

/* a /32 in the exact-match table: remove it; false if it is not there */
static bool
host4_del(struct wgc_peers *t, const struct wgc_prefix *x)
{
	uint32_t key;

	memcpy(&key, x->addr.bytes, 4);
	if (rte_hash_del_key(t->fast.host4, &key) < 0)
		return false;
	__atomic_fetch_sub(&t->fast.nb_host4, 1, __ATOMIC_RELEASE);
	return true;
}

static bool
host6_del(struct wgc_peers *t, const struct wgc_prefix *x)
{
	uint64_t key[2];

	memcpy(key, x->addr.bytes, sizeof(key));
	if (rte_hash_del_key(t->fast.host6, key) < 0)
		return false;
	__atomic_fetch_sub(&t->fast.nb_host6, 1, __ATOMIC_RELEASE);
	return true;
}

static void
lpm_del(struct wgc_peers *t, const struct wgc_prefix *x)
{
	if (x->len == 0) {
		__atomic_store_n(x->addr.family == AF_INET ? &t->fast.def4 :
			&t->fast.def6, WGC_PEER_ID_NONE, __ATOMIC_RELEASE);
	} else if (x->addr.family == AF_INET) {
		if (x->len == 32 && host4_del(t, x))
			return;
		if (rte_lpm_delete(t->fast.lpm4, prefix_v4(x), x->len) == 0 &&
				x->len == 32 && t->lpm_host4 > 0)
			t->lpm_host4--;
	} else {
		if (x->len == 128 && host6_del(t, x))
			return;
		if (rte_lpm6_delete(t->fast.lpm6, x->addr.bytes, x->len) == 0) {
			lpm6_fence_start(t, x->len);
			if (x->len == 128 && t->lpm_host6 > 0)
				t->lpm_host6--;
		}
	}
}

int
wgc_peers_prefix_del(struct wgc_peers *t, struct wgc_peer *p,
		const struct wgc_prefix *pfx)
{
	struct wgc_prefix x;
	int i;

	if (prefix_normalise(pfx, &x) != 0)
		return -EINVAL;
	i = aip_find(p, &x);
	if (i < 0)
		return -ENOENT;
	lpm_del(t, &x);
	aip_forget(p, i);
	return 0;
}

void
wgc_peers_prefix_clear(struct wgc_peers *t, struct wgc_peer *p)
{
	while (p->n_aips > 0) {
		lpm_del(t, &p->aips[p->n_aips - 1]);
		p->n_aips--;
	}
}

