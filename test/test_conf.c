/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * lib/conf: every parser with valid and hostile inputs.
 */

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wgc_conf.h"
#include "wgc_test.h"

/* from `wg genkey` / `wg pubkey` */
static const char priv_b64[] = "GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=";
static const char pub_b64[] = "BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=";
static const char priv_hex[] =
	"186468a8aaeaeeb12fd15064f9aaa9857adb8c31fa6ab668cc53e7b4ac77fc63";
/* an unclamped key (all 0xff): wg clamps before X25519 */
static const char ff_b64[] = "//////////////////////////////////////////8=";
static const char ff_pub_b64[] = "hHwNLDdSNPNl5mCVUYejc1oPdhPRYJ06ak2MU66qWiI=";

static int
test_conf_keys(void)
{
	uint8_t k[WGC_KEY_LEN], k2[WGC_KEY_LEN], pub[WGC_KEY_LEN];
	char b64[WGC_KEY_B64_LEN + 1], url[WGC_KEY_B64URL_LEN + 1];
	char hex[WGC_KEY_HEX_LEN + 1], url_pad[WGC_KEY_B64_LEN + 1];
	static const char * const bad[] = {
		"", "AAAA", "GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM",
		"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM==",
		"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=\n",
		" GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=",
		"GGRoqKrq7rEv0VBk-aqphXrbjDH6arZozFPntKx3_GM=",
		"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GN=", /* trailing bits */
		"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/G*=",
	};
	unsigned int i;

	TEST_ASSERT_SUCCESS(wgc_key_from_base64(k, priv_b64), "base64");
	TEST_ASSERT_SUCCESS(wgc_key_from_hex(k2, priv_hex), "hex");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(k, k2, WGC_KEY_LEN, "b64 == hex");
	wgc_key_to_base64(k, b64);
	TEST_ASSERT(strcmp(b64, priv_b64) == 0, "round trip %s", b64);
	wgc_key_to_hex(k, hex);
	TEST_ASSERT(strcmp(hex, priv_hex) == 0, "hex round trip");
	wgc_key_to_base64url(k, url);
	TEST_ASSERT_EQUAL(strlen(url), 43u, "url length");
	TEST_ASSERT(strchr(url, '+') == NULL && strchr(url, '/') == NULL,
		"url alphabet %s", url);
	TEST_ASSERT_SUCCESS(wgc_key_from_base64url(k2, url), "url parse");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(k, k2, WGC_KEY_LEN, "url == b64");
	snprintf(url_pad, sizeof(url_pad), "%s=", url);
	TEST_ASSERT_SUCCESS(wgc_key_from_base64url(k2, url_pad), "url padded");
	TEST_ASSERT_FAIL(wgc_key_from_base64url(k2, priv_b64),
		"std alphabet is not url");
	TEST_ASSERT_FAIL(wgc_key_from_base64(k2, url_pad),
		"url alphabet is not std");
	memset(k2, 0, sizeof(k2));
	TEST_ASSERT_SUCCESS(wgc_key_from_any(k2, url), "any url");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(k, k2, WGC_KEY_LEN, "any url");
	memset(k2, 0, sizeof(k2));
	TEST_ASSERT_SUCCESS(wgc_key_from_any(k2, priv_b64), "any std");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(k, k2, WGC_KEY_LEN, "any std");
	for (i = 0; i < RTE_DIM(bad); i++) {
		TEST_ASSERT_FAIL(wgc_key_from_base64(k2, bad[i]), "bad %u", i);
		if (i != 6) /* 6 is valid base64url */
			TEST_ASSERT_FAIL(wgc_key_from_base64url(k2, bad[i]),
				"bad url %u", i);
	}
	TEST_ASSERT_FAIL(wgc_key_from_base64(k2, NULL), "NULL");
	TEST_ASSERT_FAIL(wgc_key_from_hex(k2, "00"), "short hex");
	TEST_ASSERT_FAIL(wgc_key_from_hex(k2,
		"g86468a8aaeaeeb12fd15064f9aaa9857adb8c31fa6ab668cc53e7b4ac77fc63"),
		"bad hex digit");

	/* public key derivation as wg pubkey, incl. clamping */
	TEST_ASSERT_SUCCESS(wgc_key_public(pub, k), "pubkey");
	wgc_key_to_base64(pub, b64);
	TEST_ASSERT(strcmp(b64, pub_b64) == 0, "pubkey %s", b64);
	TEST_ASSERT_SUCCESS(wgc_key_from_base64(k, ff_b64), "ff");
	TEST_ASSERT_SUCCESS(wgc_key_public(pub, k), "pubkey ff");
	wgc_key_to_base64(pub, b64);
	TEST_ASSERT(strcmp(b64, ff_pub_b64) == 0, "clamped pubkey %s", b64);
	TEST_ASSERT(!wgc_key_is_zero(pub), "nonzero");
	memset(k, 0, sizeof(k));
	TEST_ASSERT(wgc_key_is_zero(k), "zero");
	wgc_key_generate(k);
	TEST_ASSERT((k[0] & 7) == 0 && (k[31] & 0xc0) == 0x40, "clamped gen");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(conf_keys_autotest, fast, test_conf_keys);

static int
peer_parse(const char *json, struct wgc_peer_conf *p, uint32_t *fields,
		unsigned int flags, struct wgc_conf_error *err)
{
	cJSON *j = cJSON_Parse(json);
	int rc;

	if (j == NULL)
		return -2;
	rc = wgc_peer_conf_from_json(j, p, fields, flags, false, "peer", err);
	cJSON_Delete(j);
	return rc;
}

static int
test_conf_peer_json(void)
{
	static const struct {
		const char *json;
		enum wgc_conf_err_kind kind;
		const char *needle; /* expected in the message */
	} bad[] = {
		{ "[]", WGC_CONF_ESCHEMA, "expected an object" },
		{ "{}", WGC_CONF_ESCHEMA, "missing key \"public_key\"" },
		{ "{\"public_key\": 5}", WGC_CONF_ESCHEMA, "peer.public_key" },
		{ "{\"public_key\": \"abc\"}", WGC_CONF_EVALUE, "invalid key" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"colour\": 1}", WGC_CONF_ESCHEMA, "unknown key \"colour\"" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\"}",
		  WGC_CONF_ESCHEMA, "duplicate key" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"allowed_ips\": \"10.0.0.0/8\"}", WGC_CONF_ESCHEMA,
		  "peer.allowed_ips: expected an array" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"allowed_ips\": [\"10.0.0.0/8\", \"10.0.0.0/99\"]}",
		  WGC_CONF_EVALUE, "peer.allowed_ips[1]" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"allowed_ips\": [1]}", WGC_CONF_ESCHEMA,
		  "peer.allowed_ips[0]: expected a CIDR string" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"endpoint\": \"1.2.3.4\"}", WGC_CONF_EVALUE,
		  "peer.endpoint: invalid endpoint" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"endpoint\": 7}", WGC_CONF_ESCHEMA, "peer.endpoint" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"persistent_keepalive\": 65536}", WGC_CONF_EVALUE,
		  "out of range" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"persistent_keepalive\": -1}", WGC_CONF_EVALUE,
		  "out of range" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"persistent_keepalive\": 2.5}", WGC_CONF_EVALUE,
		  "expected an integer" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"persistent_keepalive\": \"25\"}", WGC_CONF_ESCHEMA,
		  "expected an integer" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"preshared_key\": true}", WGC_CONF_ESCHEMA,
		  "peer.preshared_key" },
		{ "{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		  "\"stats\": {}}", WGC_CONF_ESCHEMA, "unknown key \"stats\"" },
	};
	struct wgc_conf_error err;
	struct wgc_peer_conf p, q;
	char buf[WGC_ADDR_STR_LEN];
	uint32_t fields;
	unsigned int i;
	cJSON *j;
	char *s;

	for (i = 0; i < RTE_DIM(bad); i++) {
		memset(&err, 0, sizeof(err));
		TEST_ASSERT_EQUAL(peer_parse(bad[i].json, &p, &fields, 0, &err),
			-1, "bad[%u] accepted", i);
		TEST_ASSERT_EQUAL(err.kind, bad[i].kind, "bad[%u] kind %d: %s",
			i, err.kind, err.msg);
		TEST_ASSERT(strstr(err.msg, bad[i].needle) != NULL,
			"bad[%u] message '%s' lacks '%s'", i, err.msg,
			bad[i].needle);
		TEST_ASSERT_NULL(p.allowed_ips, "freed on error");
	}

	TEST_ASSERT_SUCCESS(peer_parse("{"
		"\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\","
		"\"preshared_key\": \"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=\","
		"\"endpoint\": \"[fd00::2]:51820\","
		"\"allowed_ips\": [\"10.9.0.1/24\", \"10.9.0.0/24\", \"fd00:9::/64\"],"
		"\"persistent_keepalive\": 25}", &p, &fields, 0, &err),
		"good peer: %s", err.msg);
	TEST_ASSERT_EQUAL(fields, WGC_PEER_F_ALL, "fields");
	TEST_ASSERT_EQUAL(p.n_allowed_ips, 2u, "dedup after normalise");
	TEST_ASSERT(strcmp(wgc_prefix_format(&p.allowed_ips[0], buf,
		sizeof(buf)), "10.9.0.0/24") == 0, "normalised %s", buf);
	TEST_ASSERT_EQUAL(p.persistent_keepalive, 25, "keepalive");
	TEST_ASSERT(!wgc_key_is_zero(p.preshared_key), "psk");

	/* emit: no secrets, round-trips through the parser */
	j = wgc_peer_conf_to_json(&p);
	TEST_ASSERT_NOT_NULL(j, "to_json");
	s = cJSON_PrintUnformatted(j);
	TEST_ASSERT(strstr(s, "GGRoqKrq") == NULL, "psk leaked: %s", s);
	TEST_ASSERT(strstr(s, "\"has_preshared_key\":true") != NULL, "%s", s);
	TEST_ASSERT(strstr(s, "\"endpoint\":\"[fd00::2]:51820\"") != NULL, "%s",
		s);
	TEST_ASSERT_SUCCESS(wgc_peer_conf_from_json(j, &q, &fields, 0, true,
		"", &err), "re-parse own output: %s", err.msg);
	TEST_ASSERT_BUFFERS_ARE_EQUAL(p.public_key, q.public_key, WGC_KEY_LEN,
		"pub");
	TEST_ASSERT_EQUAL(q.n_allowed_ips, 2u, "ips");
	free(s);
	cJSON_Delete(j);
	wgc_peer_conf_free(&q);

	TEST_ASSERT_SUCCESS(wgc_peer_conf_copy(&q, &p), "copy");
	TEST_ASSERT(q.allowed_ips != p.allowed_ips, "deep copy");
	wgc_peer_conf_free(&q);
	wgc_peer_conf_free(&p);
	TEST_ASSERT(wgc_key_is_zero(p.preshared_key), "psk wiped");

	/* partial: public key optional, only given fields flagged */
	TEST_ASSERT_SUCCESS(peer_parse("{\"endpoint\": null}", &p, &fields,
		WGC_PEER_JSON_PARTIAL, &err), "partial: %s", err.msg);
	TEST_ASSERT_EQUAL(fields, WGC_PEER_F_ENDPOINT, "partial fields");
	wgc_peer_conf_free(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(conf_peer_json_autotest, fast, test_conf_peer_json);

static const char full_config[] =
	"{\n"
	"  \"eal\": [\"--no-huge\", \"-m\", \"256\"],\n"
	"  \"interface\": {\"name\": \"wgc7\",\n"
	"    \"private_key\": \"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=\",\n"
	"    \"listen_port\": 51999, \"max_peers\": 100000},\n"
	"  \"outer\": [{\"port\": \"net_af_packet0\", \"ipv4\": \"192.0.2.1/24\",\n"
	"    \"gateway4\": \"192.0.2.254\", \"ipv6\": \"2001:db8::1/64\",\n"
	"    \"gateway6\": \"2001:db8::fe\", \"vlan\": 100, \"mtu\": 9000}],\n"
	"  \"inner\": {\"type\": \"virtio_user\", \"name\": \"/tmp/vu.sock\",\n"
	"    \"addresses\": [\"10.8.0.1/16\"], \"mtu\": 1400},\n"
	"  \"workers\": [1, 2],\n"
	"  \"spread\": \"off\",\n"
	"  \"peers\": [{\"public_key\":\n"
	"    \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\",\n"
	"    \"allowed_ips\": [\"10.8.1.0/24\"]}],\n"
	"  \"control\": {\"socket\": \"/tmp/x.sock\", \"state_dir\": \"/tmp/st\",\n"
	"    \"group\": \"wheel\", \"state_wins\": false, \"max_body\": 65536,\n"
	"    \"timeout\": 5, \"uapi_dir\": \"\"}\n"
	"}\n";

static int
startup_expect_fail(const char *json, enum wgc_conf_err_kind kind,
		const char *needle)
{
	struct wgc_startup_conf c;
	struct wgc_conf_error err;

	memset(&err, 0, sizeof(err));
	TEST_ASSERT_FAIL(wgc_startup_conf_parse(&c, json, strlen(json), &err),
		"accepted: %s", json);
	TEST_ASSERT_EQUAL(err.kind, kind, "kind %d for %s: %s", err.kind, json,
		err.msg);
	TEST_ASSERT(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'",
		err.msg, needle);
	TEST_ASSERT_NULL(c.peers, "freed");
	return TEST_SUCCESS;
}

static int
test_conf_startup(void)
{
	struct wgc_startup_conf c;
	struct wgc_conf_error err;
	char buf[WGC_ADDR_STR_LEN], b64[WGC_KEY_B64_LEN + 1];
	char dir[] = "/tmp/wgc-ctl-conf-XXXXXX", path[128], kpath[128];
	int fd;

	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, full_config,
		strlen(full_config), &err), "full: %s", err.msg);
	TEST_ASSERT_EQUAL(c.eal_argc, 3, "eal");
	TEST_ASSERT(strcmp(c.eal_argv[2], "256") == 0, "eal[2]");
	TEST_ASSERT(strcmp(c.iface.name, "wgc7") == 0, "name");
	TEST_ASSERT_EQUAL(c.iface.listen_port, 51999, "port");
	TEST_ASSERT_EQUAL(c.iface.max_peers, 100000u, "max_peers");
	wgc_key_to_base64(c.iface.public_key, b64);
	TEST_ASSERT(strcmp(b64, pub_b64) == 0, "derived public key");
	TEST_ASSERT_EQUAL(c.n_outer, 1u, "outer");
	TEST_ASSERT(strcmp(c.outer[0].port, "net_af_packet0") == 0, "port");
	TEST_ASSERT(strcmp(wgc_prefix_format(&c.outer[0].ipv4, buf,
		sizeof(buf)), "192.0.2.1/24") == 0, "ipv4 keeps host bits: %s", buf);
	TEST_ASSERT(c.outer[0].has_ipv6 && c.outer[0].gateway6.family ==
		AF_INET6, "v6");
	TEST_ASSERT_EQUAL(c.outer[0].vlan, 100, "vlan");
	TEST_ASSERT_EQUAL(c.outer[0].mtu, 9000, "outer mtu");
	TEST_ASSERT_EQUAL(c.inner.type, WGC_INNER_VIRTIO_USER, "inner type");
	TEST_ASSERT_EQUAL(c.inner.mtu, 1400, "mtu");
	TEST_ASSERT_EQUAL(c.iface.mtu, 1400, "iface mtu");
	TEST_ASSERT_EQUAL(c.iface.n_addresses, 1u, "iface addresses");
	TEST_ASSERT_EQUAL(c.n_workers, 2u, "workers");
	TEST_ASSERT(c.spread_off, "spread");
	TEST_ASSERT_EQUAL(c.n_peers, 1u, "peers");
	TEST_ASSERT(strcmp(c.control.socket, "/tmp/x.sock") == 0, "socket");
	TEST_ASSERT(!c.control.state_wins, "state_wins");
	TEST_ASSERT_EQUAL(c.control.max_body, 65536u, "max_body");
	TEST_ASSERT(c.control.uapi_dir[0] == '\0', "uapi off");
	wgc_startup_conf_free(&c);

	/* defaults */
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, "{}", 2, &err), "{}");
	TEST_ASSERT(strcmp(c.control.socket, "/run/wgc/wgc.sock") == 0,
		"default socket");
	TEST_ASSERT(strcmp(c.control.uapi_dir, "/var/run/wireguard") == 0,
		"default uapi");
	TEST_ASSERT(c.control.state_wins, "default state_wins");
	TEST_ASSERT_EQUAL(c.inner.type, WGC_INNER_TUN, "default inner");
	TEST_ASSERT(strcmp(c.inner.name, "wgc0") == 0, "inner name default");
	TEST_ASSERT_EQUAL(c.iface.listen_port, 51820, "default port");
	wgc_startup_conf_free(&c);

	TEST_CHECK(startup_expect_fail("{", WGC_CONF_ESYNTAX, "invalid JSON"));
	TEST_CHECK(startup_expect_fail("{} x", WGC_CONF_ESYNTAX,
		"trailing data"));
	TEST_CHECK(startup_expect_fail("[]", WGC_CONF_ESCHEMA, "an object"));
	TEST_CHECK(startup_expect_fail("{\"bogus\": 1}", WGC_CONF_ESCHEMA,
		"unknown key \"bogus\""));
	TEST_CHECK(startup_expect_fail("{\"eal\": [1]}", WGC_CONF_ESCHEMA,
		"eal[0]"));
	TEST_CHECK(startup_expect_fail("{\"interface\": {\"name\": \"a/b\"}}",
		WGC_CONF_EVALUE, "interface.name"));
	TEST_CHECK(startup_expect_fail(
		"{\"interface\": {\"name\": \"waytoolonginterfacename\"}}",
		WGC_CONF_EVALUE, "interface.name"));
	TEST_CHECK(startup_expect_fail(
		"{\"interface\": {\"listen_port\": 70000}}", WGC_CONF_EVALUE,
		"interface.listen_port"));
	TEST_CHECK(startup_expect_fail("{\"interface\": {\"private_key\": "
		"\"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=\", "
		"\"private_key_file\": \"/x\"}}", WGC_CONF_EVALUE, "not both"));
	TEST_CHECK(startup_expect_fail("{\"interface\": {\"max_peers\": 0}}",
		WGC_CONF_EVALUE, "interface.max_peers"));
	TEST_CHECK(startup_expect_fail("{\"interface\": {\"mtu\": 1}}",
		WGC_CONF_ESCHEMA, "interface: unknown key \"mtu\""));
	TEST_CHECK(startup_expect_fail("{\"outer\": [{}]}", WGC_CONF_ESCHEMA,
		"outer[0]: missing key \"port\""));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"ipv4\": \"1.2.3.4\"}]}",
		WGC_CONF_EVALUE, "outer[0].ipv4"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"ipv4\": \"fd00::1/64\"}]}",
		WGC_CONF_EVALUE, "not an IPv4"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"gateway4\": \"1.2.3.4\"}]}",
		WGC_CONF_EVALUE, "needs ipv4"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"vlan\": 4095}]}",
		WGC_CONF_EVALUE, "outer[0].vlan"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"mtu\": 9001}]}",
		WGC_CONF_EVALUE, "outer[0].mtu"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"mtu\": \"1400\"}]}",
		WGC_CONF_ESCHEMA, "outer[0].mtu"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"ipv6\": \"fd00::1/64\", "
		"\"mtu\": 1200}]}", WGC_CONF_EVALUE, "below IPv6"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"ipv4\": \"192.0.2.1/24\"}, "
		"{\"port\": \"a\", \"ipv4\": \"198.51.100.1/24\"}]}",
		WGC_CONF_EVALUE, "outer[1].port"));
	/* several ports: each needs an address, none shared, at most 4 */
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\"}]}",
		WGC_CONF_EVALUE, "outer[0]: no address"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"ipv4\": \"192.0.2.1/24\"}, "
		"{\"port\": \"b\", \"vlan\": 7}]}",
		WGC_CONF_EVALUE, "outer[1]: no address: give ipv4, ipv6"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"ipv4\": \"192.0.2.1/24\"}, "
		"{\"port\": \"b\", \"ipv4\": \"192.0.2.1/25\"}]}",
		WGC_CONF_EVALUE,
		"outer[1].ipv4: 192.0.2.1 already used by outer[0]"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"ipv6\": \"fd00::1/64\"}, "
		"{\"port\": \"b\", \"ipv4\": \"192.0.2.1/24\"}, "
		"{\"port\": \"c\", \"ipv6\": \"fd00::1/48\"}]}",
		WGC_CONF_EVALUE,
		"outer[2].ipv6: fd00::1 already used by outer[0]"));
	TEST_CHECK(startup_expect_fail(
		"{\"outer\": [{\"port\": \"a\", \"ipv4\": \"10.0.0.1/24\"}, "
		"{\"port\": \"b\", \"ipv4\": \"10.0.1.1/24\"}, "
		"{\"port\": \"c\", \"ipv4\": \"10.0.2.1/24\"}, "
		"{\"port\": \"d\", \"ipv4\": \"10.0.3.1/24\"}, "
		"{\"port\": \"e\", \"ipv4\": \"10.0.4.1/24\"}]}",
		WGC_CONF_EVALUE, "outer: 5 ports, at most 4"));
	TEST_CHECK(startup_expect_fail("{\"inner\": {\"type\": \"tap\"}}",
		WGC_CONF_EVALUE, "inner.type"));
	TEST_CHECK(startup_expect_fail("{\"inner\": {\"mtu\": 100000}}",
		WGC_CONF_EVALUE, "inner.mtu"));
	TEST_CHECK(startup_expect_fail("{\"workers\": [1, 1]}",
		WGC_CONF_EVALUE, "workers[1]"));
	TEST_CHECK(startup_expect_fail("{\"workers\": [-1]}",
		WGC_CONF_EVALUE, "workers[0]"));
	TEST_CHECK(startup_expect_fail("{\"peers\": [{\"public_key\": "
		"\"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\"}, "
		"{\"public_key\": \"GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=\"}, "
		"{\"public_key\": \"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\"}]}",
		WGC_CONF_EVALUE, "peers[2].public_key: same key as peers[0]"));
	TEST_CHECK(startup_expect_fail("{\"peers\": [{\"public_key\": "
		"\"BP7axYdCBskJN7oy0xRHKsjHv5ht5DP+K5a5kQqrLRM=\", "
		"\"allowed_ips\": [\"x\"]}]}",
		WGC_CONF_EVALUE, "peers[0].allowed_ips[0]"));
	TEST_CHECK(startup_expect_fail("{\"control\": {\"socket\": \"rel\"}}",
		WGC_CONF_EVALUE, "control.socket"));
	TEST_CHECK(startup_expect_fail("{\"control\": {\"max_body\": 1}}",
		WGC_CONF_EVALUE, "control.max_body"));
	TEST_CHECK(startup_expect_fail("{\"control\": {\"state_wins\": 1}}",
		WGC_CONF_ESCHEMA, "control.state_wins"));
	TEST_CHECK(startup_expect_fail("{\"control\": {\"x\": 1}}",
		WGC_CONF_ESCHEMA, "control: unknown key"));
	TEST_CHECK(startup_expect_fail("{\"spread\": \"on\"}",
		WGC_CONF_EVALUE, "spread: \"on\" is not one of auto, off"));
	TEST_CHECK(startup_expect_fail("{\"spread\": true}",
		WGC_CONF_ESCHEMA, "spread"));
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, "{\"spread\": \"auto\"}",
		18, &err), "auto: %s", err.msg);
	TEST_ASSERT(!c.spread_off, "auto");
	wgc_startup_conf_free(&c);
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, "{}", 2, &err),
		"default: %s", err.msg);
	TEST_ASSERT(!c.spread_off, "auto by default");
	wgc_startup_conf_free(&c);

	/* load from files: private_key_file must be 0600 */
	TEST_ASSERT_NOT_NULL(mkdtemp(dir), "mkdtemp");
	snprintf(kpath, sizeof(kpath), "%s/key", dir);
	snprintf(path, sizeof(path), "%s/c.json", dir);
	fd = open(kpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	TEST_ASSERT(fd >= 0, "key file");
	TEST_ASSERT(write(fd, priv_b64, strlen(priv_b64)) > 0 &&
		write(fd, "\n", 1) == 1, "write key");
	close(fd);
	chmod(kpath, 0644);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	TEST_ASSERT(fd >= 0, "config file");
	dprintf(fd, "{\"interface\": {\"private_key_file\": \"%s\"}}", kpath);
	close(fd);
	TEST_ASSERT_FAIL(wgc_startup_conf_load(&c, path, &err), "0644 key");
	TEST_ASSERT(strstr(err.msg, "chmod 600") != NULL, "%s", err.msg);
	chmod(kpath, 0600);
	TEST_ASSERT_SUCCESS(wgc_startup_conf_load(&c, path, &err), "load: %s",
		err.msg);
	wgc_key_to_base64(c.iface.public_key, b64);
	TEST_ASSERT(strcmp(b64, pub_b64) == 0, "key from file");
	wgc_startup_conf_free(&c);
	TEST_ASSERT_FAIL(wgc_startup_conf_load(&c, "/nonexistent/x", &err),
		"missing file");
	TEST_ASSERT_EQUAL(err.kind, WGC_CONF_EIO, "EIO");
	unlink(kpath);
	unlink(path);
	rmdir(dir);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(conf_startup_autotest, fast, test_conf_startup);

/* The shipped example must parse. */
static int
test_conf_example(void)
{
	static const char * const paths[] = {
		"config/example.json", "../config/example.json",
		"../../config/example.json",
	};
	struct wgc_startup_conf c;
	struct wgc_conf_error err;
	unsigned int i;

	for (i = 0; i < RTE_DIM(paths); i++) {
		if (access(paths[i], R_OK) != 0)
			continue;
		TEST_ASSERT_SUCCESS(wgc_startup_conf_load(&c, paths[i], &err),
			"%s: %s", paths[i], err.msg);
		TEST_ASSERT(c.n_peers >= 1, "example has peers");
		wgc_startup_conf_free(&c);
		return TEST_SUCCESS;
	}
	printf("config/example.json not found from the working directory\n");
	return TEST_SKIPPED;
}
WGC_TEST_REGISTER(conf_example_autotest, fast, test_conf_example);

/*
 * The interface learns where peers reach it (every outer port's
 * addresses) and reports it as "endpoints" with the listen port; the
 * "peers" key is told apart from no key (a SIGHUP reload keeps the peers
 * of a file without one).
 */
static int
test_conf_endpoints(void)
{
	static const char with[] =
		"{\"interface\": {\"listen_port\": 51820},"
		" \"outer\": [{\"port\": \"p\", \"ipv4\": \"192.0.2.2/24\","
		" \"ipv6\": \"2001:db8::2/64\"}], \"peers\": []}";
	static const char without[] =
		"{\"outer\": [{\"port\": \"p\", \"ipv4\": \"192.0.2.2/24\"}]}";
	static const char two[] =
		"{\"interface\": {\"listen_port\": 51820}, \"outer\": ["
		"{\"port\": \"p\", \"ipv4\": \"192.0.2.2/24\"},"
		"{\"port\": \"q\", \"ipv4\": \"198.51.100.2/24\","
		" \"ipv6\": \"2001:db8::2/64\", \"vlan\": 12, \"mtu\": 9000}]}";
	struct wgc_startup_conf c;
	struct wgc_conf_error err;
	cJSON *j, *e;
	char *txt;

	wgc_startup_conf_init(&c);
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, with, sizeof(with) - 1,
		&err), "%s", err.msg);
	TEST_ASSERT(c.peers_given, "peers key seen");
	TEST_ASSERT_EQUAL(c.iface.n_outer_addrs, 2u, "two outer addresses");
	j = wgc_iface_conf_to_json(&c.iface, 0);
	TEST_ASSERT_NOT_NULL(j, "json");
	e = cJSON_GetObjectItem(j, "endpoints");
	txt = cJSON_PrintUnformatted(e);
	TEST_ASSERT(txt != NULL && strcmp(txt,
		"[\"192.0.2.2:51820\",\"[2001:db8::2]:51820\"]") == 0,
		"endpoints %s", txt != NULL ? txt : "(null)");
	free(txt);
	cJSON_Delete(j);
	wgc_startup_conf_free(&c);

	wgc_startup_conf_init(&c);
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, without,
		sizeof(without) - 1, &err), "%s", err.msg);
	TEST_ASSERT(!c.peers_given, "no peers key");
	TEST_ASSERT_EQUAL(c.iface.n_outer_addrs, 1u, "one outer address");
	wgc_startup_conf_free(&c);

	/* every port's addresses, in order */
	wgc_startup_conf_init(&c);
	TEST_ASSERT_SUCCESS(wgc_startup_conf_parse(&c, two, sizeof(two) - 1,
		&err), "%s", err.msg);
	TEST_ASSERT_EQUAL(c.n_outer, 2u, "two ports");
	TEST_ASSERT_EQUAL(c.outer[1].vlan, 12u, "port 1's own VLAN");
	TEST_ASSERT_EQUAL(c.outer[1].mtu, 9000u, "port 1's own MTU");
	TEST_ASSERT_EQUAL(c.iface.n_outer_addrs, 3u, "three outer addresses");
	j = wgc_iface_conf_to_json(&c.iface, 0);
	TEST_ASSERT_NOT_NULL(j, "json");
	txt = cJSON_PrintUnformatted(cJSON_GetObjectItem(j, "endpoints"));
	TEST_ASSERT(txt != NULL && strcmp(txt, "[\"192.0.2.2:51820\","
		"\"198.51.100.2:51820\",\"[2001:db8::2]:51820\"]") == 0,
		"endpoints %s", txt != NULL ? txt : "(null)");
	free(txt);
	cJSON_Delete(j);
	wgc_startup_conf_free(&c);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(conf_endpoints_autotest, fast, test_conf_endpoints);

/* a change set survives its JSON record (the journal's format): ops,
 * fields, flags, a peer's keys and allowed IPs; the private key never
 * appears, the preshared key only when asked for; a bad record is refused */
static int
test_conf_changeset_json(void)
{
	struct wgc_changeset cs = { 0 }, back;
	struct wgc_peer_change *c;
	struct wgc_conf_error err;
	struct wgc_prefix ip;
	char *txt;
	cJSON *j;

	cs.iface_fields = WGC_IFACE_F_LISTEN_PORT | WGC_IFACE_F_PRIVATE_KEY;
	cs.iface.listen_port = 51999;
	memset(cs.iface.private_key, 0x42, WGC_KEY_LEN);
	cs.steal_allowed_ips = true;
	c = wgc_changeset_add(&cs);
	TEST_ASSERT_NOT_NULL(c, "add");
	c->op = WGC_PEER_OP_UPDATE;
	c->fields = WGC_PEER_F_ALLOWED_IPS | WGC_PEER_F_PRESHARED_KEY;
	c->append_allowed_ips = true;
	memset(c->conf.public_key, 0x11, WGC_KEY_LEN);
	memset(c->conf.preshared_key, 0x22, WGC_KEY_LEN);
	TEST_ASSERT_SUCCESS(wgc_prefix_parse(&ip, "10.9.0.0/16",
		WGC_PREFIX_ROUTE, NULL), "cidr");
	c->conf.allowed_ips = calloc(1, sizeof(ip));
	TEST_ASSERT_NOT_NULL(c->conf.allowed_ips, "alloc");
	c->conf.allowed_ips[0] = ip;
	c->conf.n_allowed_ips = 1;
	c = wgc_changeset_add(&cs);
	TEST_ASSERT_NOT_NULL(c, "add");
	c->op = WGC_PEER_OP_REMOVE;
	memset(c->conf.public_key, 0x33, WGC_KEY_LEN);

	j = wgc_changeset_to_json(&cs, false);
	TEST_ASSERT_NOT_NULL(j, "to json");
	txt = cJSON_PrintUnformatted(j);
	TEST_ASSERT_NOT_NULL(txt, "print");
	TEST_ASSERT(strstr(txt, "private_key") == NULL, "no private key: %s",
		txt);
	TEST_ASSERT(strstr(txt, "\"preshared_key\"") == NULL, "no psk: %s",
		txt);
	TEST_ASSERT(strstr(txt, "\"op\":\"remove\"") != NULL, "%s", txt);
	free(txt);
	cJSON_Delete(j);

	j = wgc_changeset_to_json(&cs, true);
	TEST_ASSERT_NOT_NULL(j, "to json with secrets");
	TEST_ASSERT_SUCCESS(wgc_changeset_from_json(j, &back, &err), "%s",
		err.msg);
	cJSON_Delete(j);
	TEST_ASSERT_EQUAL(back.iface_fields, WGC_IFACE_F_LISTEN_PORT,
		"private key field dropped");
	TEST_ASSERT_EQUAL(back.iface.listen_port, 51999, "port");
	TEST_ASSERT(back.steal_allowed_ips && !back.replace_peers, "flags");
	TEST_ASSERT_EQUAL(back.n, 2u, "two changes");
	TEST_ASSERT(back.peers[0].op == WGC_PEER_OP_UPDATE &&
		back.peers[0].fields == cs.peers[0].fields &&
		back.peers[0].append_allowed_ips, "first change");
	TEST_ASSERT(memcmp(back.peers[0].conf.preshared_key,
		cs.peers[0].conf.preshared_key, WGC_KEY_LEN) == 0, "psk");
	TEST_ASSERT(back.peers[0].conf.n_allowed_ips == 1 &&
		wgc_prefix_equal(&back.peers[0].conf.allowed_ips[0], &ip),
		"ips");
	TEST_ASSERT(back.peers[1].op == WGC_PEER_OP_REMOVE &&
		memcmp(back.peers[1].conf.public_key,
			cs.peers[1].conf.public_key, WGC_KEY_LEN) == 0,
		"removal");
	wgc_changeset_free(&back);
	wgc_changeset_free(&cs);

	j = cJSON_Parse("{\"iface_fields\":0,\"listen_port\":0,\"fwmark\":0,"
		"\"peers\":[{\"op\":\"explode\",\"fields\":0,\"peer\":{}}]}");
	TEST_ASSERT_NOT_NULL(j, "parse");
	TEST_ASSERT_FAIL(wgc_changeset_from_json(j, &back, &err), "bad op");
	TEST_ASSERT(strstr(err.msg, "peers[0]") != NULL, "%s", err.msg);
	TEST_ASSERT_EQUAL(back.n, 0u, "nothing kept");
	cJSON_Delete(j);
	j = cJSON_Parse("{\"iface_fields\":0,\"listen_port\":70000,"
		"\"fwmark\":0,\"peers\":[]}");
	TEST_ASSERT_NOT_NULL(j, "parse");
	TEST_ASSERT_FAIL(wgc_changeset_from_json(j, &back, &err), "port");
	cJSON_Delete(j);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER(conf_changeset_json_autotest, fast, test_conf_changeset_json);
