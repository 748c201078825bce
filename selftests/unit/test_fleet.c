// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fleet state's text format: every field of a valid file, defaults,
 * comments, the canonical round trip, and for each kind of fault the
 * exact line and field named in the error with nothing returned. Keys
 * (base64 and hex) round trip and reject what wg(8) would.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "test.h"
#include "fleet.h"

#define K1 "0Prd1feUoSXJ4QkaEpMFvsi8zka4DHa2BnI3J8MD+2M="
#define K2 "/loMhSIv60oqz7+BCxQRKfX9gR8QwTSyw8tmlbmyV0E="
#define K3 "e20IDrD58AlRGUDJwAhexIsTtzMebRZ4iSgnyQZPT1c="

static const char good[] =
	"# a fleet\r\n"
	"host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	"host name=h2 underlay=2001:db8::2 port=51821 keepalive=0 public-key=" K2
	"  prefix4=10.210.2.0/24\tprefix6=fd77:7761:7272:2::/64   # v6 underlay\n"
	"\n"
	"env project=shop env=prod\n"
	"env project=shop env=v6 ipv6-only=yes\n"
	"endpoint host=h1 project=shop env=prod service=api replica=0 slot=2 netns=wl-a\n"
	"endpoint host=h2 project=shop env=prod service=api replica=1 slot=2 type=web build=yes\n"
	"endpoint host=h2 project=shop env=v6 service=db slot=3";

static void fabric(struct fabric_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	prefix4_parse("10.210.0.0/16", &cfg->fabric4);
	prefix6_parse("fd77:7761:7272::/48", &cfg->fabric6);
}

static void test_good(void)
{
	struct fabric_config cfg;
	struct fleet f;
	char err[ERR_SIZE] = "";
	uint8_t k[WG_KEY_LEN];

	fabric(&cfg);
	if (!ASSERT_OK(fleet_parse(good, strlen(good), &cfg, &f, err), err))
		return;
	ASSERT_EQ(f.n_hosts, 2, "hosts");
	ASSERT_EQ(f.n_envs, 2, "envs");
	ASSERT_EQ(f.n_endpoints, 3, "endpoints");
	ASSERT_STREQ(f.hosts[0].name, "h1", "name");
	ASSERT_EQ(f.hosts[0].family, AF_INET, "v4 underlay");
	ASSERT_EQ(f.hosts[0].port, FLEET_DEFAULT_PORT, "default port");
	ASSERT_EQ(f.hosts[0].keepalive, FLEET_DEFAULT_KEEPALIVE, "default keepalive");
	ASSERT_EQ(f.hosts[0].line, 2, "line of h1");
	wg_key_from_base64(K1, k);
	ASSERT_MEMEQ(f.hosts[0].public_key, k, WG_KEY_LEN, "key");
	ASSERT_EQ(f.hosts[1].family, AF_INET6, "v6 underlay");
	ASSERT_EQ(f.hosts[1].port, 51821, "port");
	ASSERT_EQ(f.hosts[1].keepalive, 0, "keepalive 0");
	ASSERT_EQ(f.hosts[1].prefix4.len, 24, "prefix4");
	ASSERT_TRUE(f.envs[1].ipv6_only, "ipv6-only");
	ASSERT_FALSE(f.envs[0].ipv6_only, "default ipv6-only");
	ASSERT_STREQ(f.endpoints[0].req.netns, "wl-a", "netns");
	ASSERT_EQ(f.endpoints[0].slot, 2, "slot");
	ASSERT_STREQ(f.endpoints[1].req.type, "web", "type");
	ASSERT_TRUE(f.endpoints[1].req.build, "build");
	ASSERT_EQ(f.endpoints[1].req.replica, 1, "replica");
	ASSERT_EQ(f.endpoints[2].req.replica, 0, "default replica");
	ASSERT_STREQ(f.endpoints[2].req.netns, "", "no netns");
	fleet_free(&f);
}

static void test_round_trip(void)
{
	struct fabric_config cfg;
	struct fleet f, g;
	char err[ERR_SIZE] = "", *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	fabric(&cfg);
	if (!ASSERT_OK(fleet_parse(good, strlen(good), &cfg, &f, err), err))
		return;
	ASSERT_OK(fleet_format(&f, &a, &la), "format");
	if (ASSERT_OK(fleet_parse(a, la, &cfg, &g, err), err)) {
		ASSERT_OK(fleet_format(&g, &b, &lb), "format again");
		ASSERT_EQ(la, lb, "same length");
		ASSERT_TRUE(b && !memcmp(a, b, la), "a fixed point");
		ASSERT_EQ(g.n_endpoints, f.n_endpoints, "same endpoints");
		ASSERT_MEMEQ(g.hosts[1].underlay, f.hosts[1].underlay, 16, "same underlay");
		fleet_free(&g);
	}
	free(a);
	free(b);
	fleet_free(&f);
}

static const struct { const char *why, *text, *expect; } bad[] = {
	{ "unknown record", "hots name=h1\n", "line 1: unknown record" },
	{ "not key=value", "env project=a env\n", "line 1: \"env\" is not key=value" },
	{ "empty value", "env project= env=b\n", "line 1: field project: empty value" },
	{ "repeated field", "env project=a env=b env=c\n", "line 1: field env: given twice" },
	{ "unknown field", "env project=a env=b colour=red\n", "line 1: field colour: not a field" },
	{ "missing field", "\n\nenv project=a\n", "line 3: field env: missing" },
	{ "bad yes/no", "env project=a env=b ipv6-only=true\n", "line 1: field ipv6-only" },
	{ "bad name", "env project=A env=b\n", "line 1: field project" },
	{ "bad key", "host name=h1 underlay=192.0.2.1 public-key=abc prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n", "line 1: field public-key" },
	{ "bad underlay", "host name=h1 underlay=192.0.2.300 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n", "line 1: field underlay" },
	{ "bad port", "host name=h1 underlay=192.0.2.1 port=0 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n", "line 1: field port" },
	{ "prefix outside the fabric", "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.99.1.0/24 prefix6=fd77:7761:7272:1::/64\n", "line 1: field prefix4: outside" },
	{ "host bits", "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.1/24 prefix6=fd77:7761:7272:1::/64\n", "line 1: field prefix4" },
	{ "overlapping prefixes",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.0.0/23 prefix6=fd77:7761:7272:1::/64\n"
	  "host name=h2 underlay=192.0.2.2 public-key=" K2 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:2::/64\n",
	  "line 2: field prefix4: overlaps host h1" },
	{ "duplicate host",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	  "host name=h1 underlay=192.0.2.2 public-key=" K2 " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:2::/64\n",
	  "line 2: field name" },
	{ "duplicate key",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	  "host name=h2 underlay=192.0.2.2 public-key=" K1 " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:2::/64\n",
	  "line 2: field public-key" },
	{ "duplicate env", "env project=a env=b\nenv project=a env=b\n", "line 2: environment a/b already declared on line 1" },
	{ "undeclared host", "env project=a env=b\nendpoint host=h9 project=a env=b service=s slot=2\n", "line 2: field host" },
	{ "undeclared env",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	  "endpoint host=h1 project=a env=b service=s slot=2\n", "line 2: field env" },
	{ "slot 1 (the host's own)",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	  "env project=a env=b\nendpoint host=h1 project=a env=b service=s slot=1\n", "line 3: field slot" },
	{ "slot past the prefix",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	  "env project=a env=b\nendpoint host=h1 project=a env=b service=s slot=255\n", "line 3: field slot" },
	{ "duplicate slot",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	  "env project=a env=b\nendpoint host=h1 project=a env=b service=s slot=2\n"
	  "endpoint host=h1 project=a env=b service=t slot=2\n", "line 4: field slot: slot 2 of host h1 already used on line 3" },
	{ "duplicate replica",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	  "env project=a env=b\nendpoint host=h1 project=a env=b service=s slot=2\n"
	  "endpoint host=h1 project=a env=b service=s slot=3\n", "line 4: replica 0 of a/b/s already declared on line 3" },
	{ "service that is a number", "env project=a env=b\nendpoint host=h1 project=a env=b service=12 slot=2\n", "line 2: field service" },
	{ "control character", "env project=a env=b\x01\n", "line 1: a control character" },
};

static void test_bad(void)
{
	struct fabric_config cfg;
	char longline[FLEET_MAX_LINE + 16];

	fabric(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fleet f = { .n_hosts = 99 };
		char err[ERR_SIZE] = "";

		ASSERT_ERR(fleet_parse(bad[i].text, strlen(bad[i].text), &cfg, &f, err), -EINVAL,
			   bad[i].why);
		if (strncmp(err, bad[i].expect, strlen(bad[i].expect)))
			printf("# %s: got \"%s\"\n", bad[i].why, err);
		ASSERT_TRUE(!strncmp(err, bad[i].expect, strlen(bad[i].expect)), bad[i].why);
		ASSERT_TRUE(!f.hosts && !f.envs && !f.endpoints && !f.n_hosts, "nothing returned");
	}
	{
		static const char nul[] = "env project=a env=b\nenv project=a\0 env=c\n";
		struct fleet f;
		char err[ERR_SIZE] = "";

		ASSERT_ERR(fleet_parse(nul, sizeof(nul) - 1, &cfg, &f, err), -EINVAL, "NUL");
		ASSERT_TRUE(!strncmp(err, "line 2: a NUL byte", 18), err);
	}
	memset(longline, 'a', sizeof(longline));
	longline[sizeof(longline) - 1] = '\0';
	{
		struct fleet f;
		char err[ERR_SIZE] = "";

		ASSERT_ERR(fleet_parse(longline, strlen(longline), &cfg, &f, err), -EINVAL, "long");
		ASSERT_TRUE(strstr(err, "longer than") != NULL, err);
	}
}

static void test_edit(void)
{
	struct fabric_config cfg;
	struct fleet f, c;
	struct fleet_host h;
	char err[ERR_SIZE] = "";

	fabric(&cfg);
	if (!ASSERT_OK(fleet_parse(good, strlen(good), &cfg, &f, err), err))
		return;
	ASSERT_OK(fleet_copy(&c, &f), "copy");
	h = f.hosts[0];
	strcpy(h.name, "h3");
	h.line = 0;
	h.underlay[3] = 9;	/* 192.0.2.9: only the prefixes clash */
	wg_key_from_base64(K3, h.public_key);
	ASSERT_OK(fleet_host_append(&c, &h), "append");
	ASSERT_EQ(fleet_check(&c, &cfg, err), -EINVAL, "same prefixes as h1");
	ASSERT_TRUE(!strncmp(err, "host h3: field prefix4: overlaps host h1", 40), err);
	ASSERT_EQ(f.n_hosts, 2, "the copy is deep: the original has 2 hosts");
	fleet_host_remove(&c, "h3");
	fleet_host_remove(&c, "h2");
	ASSERT_EQ(c.n_hosts, 1, "h2 removed");
	ASSERT_EQ(c.n_endpoints, 1, "with its endpoints");
	ASSERT_OK(fleet_check(&c, &cfg, err), err);
	ASSERT_EQ(f.n_endpoints, 3, "the original keeps its endpoints");
	fleet_free(&c);
	fleet_free(&f);
}

static void test_keys(void)
{
	uint8_t k[WG_KEY_LEN], k2[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN + 1], hex[WG_KEY_HEX_LEN + 1];

	ASSERT_OK(wg_key_from_base64(K1, k), "parse");
	wg_key_to_base64(k, b64);
	ASSERT_STREQ(b64, K1, "base64 round trip");
	wg_key_to_hex(k, hex);
	ASSERT_OK(wg_key_from_hex(hex, k2), "hex");
	ASSERT_MEMEQ(k, k2, WG_KEY_LEN, "hex round trip");
	/* The last character carries 2 unused bits: non-zero ones are not canonical. */
	strcpy(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=");
	ASSERT_ERR(wg_key_from_base64(b64, k), -EINVAL, "non-canonical");
	strcpy(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=");
	ASSERT_OK(wg_key_from_base64(b64, k), "canonical");
	ASSERT_ERR(wg_key_from_base64("AAAA=", k), -EINVAL, "short");
	ASSERT_ERR(wg_key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*=", k), -EINVAL, "bad char");
	ASSERT_ERR(wg_key_from_hex("zz", k), -EINVAL, "bad hex");
}

static struct test_case tests[] = {
	{ "a valid fleet state: every field and default", test_good },
	{ "format is canonical and parses back to the same state", test_round_trip },
	{ "each fault names its line and field, nothing is returned", test_bad },
	{ "copy, append a conflicting host, remove hosts with their endpoints", test_edit },
	{ "WireGuard keys: base64 and hex round trips, non-canonical refused", test_keys },
};

TEST_MAIN(tests)
