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
#include "fleet/fleet.h"

#define K1 "0Prd1feUoSXJ4QkaEpMFvsi8zka4DHa2BnI3J8MD+2M="
#define K2 "/loMhSIv60oqz7+BCxQRKfX9gR8QwTSyw8tmlbmyV0E="
#define K3 "e20IDrD58AlRGUDJwAhexIsTtzMebRZ4iSgnyQZPT1c="

#define H1 "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
#define H2 "host name=h2 underlay=192.0.2.2 public-key=" K2 " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:2::/64\n"
#define ENV "env project=a env=b\n"

static const char good[] =
	"# a fleet\r\n"
	"host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	"host name=h2 underlay=2001:db8::2 port=51821 keepalive=0 public-key=" K2
	"  prefix4=10.210.2.0/24\tprefix6=fd77:7761:7272:2::/64   # v6 underlay\n"
	"\n"
	"   # an indented comment\n"
	"env project=shop env=prod\r\n"
	"host name=h3 underlay=192.0.2.1 port=51822 keepalive=3600 public-key=" K3
	" prefix4=10.210.4.0/22 prefix6=fd77:7761:7272:3::/112\n"
	"env project=shop env=v6 ipv6-only=yes\n"
	"env project=shop env=dev ipv6-only=no\n"
	"endpoint host=h1 project=shop env=prod service=api replica=0 slot=2 netns=wl-a"
	" ports=http=8080/tcp,dns=53/udp\n"
	"endpoint host=h2 project=shop env=prod service=api replica=1 slot=2 type=web build=yes\n"
	"endpoint host=h3 project=shop env=v6 service=db slot=1022 netns=/run/netns/x build=no\n"
	"endpoint slot=3 service=db host=h2 env=v6 project=shop replica=99999 type=pg";

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
	char err[ERR_SIZE] = "", buf[ADDR_STRLEN];
	uint8_t k[WG_KEY_LEN], u6[16];
	const struct fleet_endpoint *e;

	fabric(&cfg);
	if (!ASSERT_OK(fleet_parse(good, strlen(good), &cfg, &f, err), err))
		return;
	ASSERT_EQ(f.n_hosts, 3, "hosts");
	ASSERT_EQ(f.n_envs, 3, "envs");
	ASSERT_EQ(f.n_endpoints, 4, "endpoints");

	ASSERT_STREQ(f.hosts[0].name, "h1", "name");
	ASSERT_EQ(f.hosts[0].family, AF_INET, "v4 underlay");
	ASSERT_MEMEQ(f.hosts[0].underlay, "\xc0\x00\x02\x01", 4, "underlay bytes");
	ASSERT_EQ(f.hosts[0].port, FLEET_DEFAULT_PORT, "default port");
	ASSERT_EQ(f.hosts[0].keepalive, FLEET_DEFAULT_KEEPALIVE, "default keepalive");
	ASSERT_EQ(f.hosts[0].line, 2, "line of h1");
	wg_key_from_base64(K1, k);
	ASSERT_MEMEQ(f.hosts[0].public_key, k, WG_KEY_LEN, "key");
	prefix4_format(&f.hosts[0].prefix4, buf, sizeof(buf));
	ASSERT_STREQ(buf, "10.210.1.0/24", "prefix4");
	prefix6_format(&f.hosts[0].prefix6, buf, sizeof(buf));
	ASSERT_STREQ(buf, "fd77:7761:7272:1::/64", "prefix6");

	ASSERT_STREQ(f.hosts[1].name, "h2", "name h2");
	ASSERT_EQ(f.hosts[1].family, AF_INET6, "v6 underlay");
	inet_pton(AF_INET6, "2001:db8::2", u6);
	ASSERT_MEMEQ(f.hosts[1].underlay, u6, 16, "v6 underlay bytes");
	ASSERT_EQ(f.hosts[1].port, 51821, "port");
	ASSERT_EQ(f.hosts[1].keepalive, 0, "keepalive 0");
	ASSERT_EQ(f.hosts[1].prefix4.len, 24, "prefix4 len");
	wg_key_from_base64(K2, k);
	ASSERT_MEMEQ(f.hosts[1].public_key, k, WG_KEY_LEN, "key h2");
	ASSERT_EQ(f.hosts[1].line, 3, "line of h2");

	ASSERT_STREQ(f.hosts[2].name, "h3", "host declared after an env");
	ASSERT_EQ(f.hosts[2].port, 51822, "same address, other port");
	ASSERT_EQ(f.hosts[2].keepalive, 3600, "keepalive max");
	ASSERT_EQ(f.hosts[2].prefix4.len, 22, "prefix4 /22");
	ASSERT_EQ(f.hosts[2].prefix6.len, 112, "prefix6 /112");
	ASSERT_EQ(f.hosts[2].line, 7, "line of h3");

	ASSERT_STREQ(f.envs[0].project, "shop", "project");
	ASSERT_STREQ(f.envs[0].env, "prod", "env");
	ASSERT_FALSE(f.envs[0].ipv6_only, "default ipv6-only");
	ASSERT_EQ(f.envs[0].line, 6, "env line");
	ASSERT_TRUE(f.envs[1].ipv6_only, "ipv6-only=yes");
	ASSERT_FALSE(f.envs[2].ipv6_only, "ipv6-only=no");

	e = &f.endpoints[0];
	ASSERT_STREQ(e->host, "h1", "host");
	ASSERT_STREQ(e->req.project, "shop", "ep project");
	ASSERT_STREQ(e->req.env, "prod", "ep env");
	ASSERT_STREQ(e->req.service, "api", "service");
	ASSERT_EQ(e->req.replica, 0, "replica");
	ASSERT_EQ(e->slot, 2, "slot");
	ASSERT_STREQ(e->req.netns, "wl-a", "netns");
	ASSERT_STREQ(e->req.type, "", "no type");
	ASSERT_FALSE(e->req.build, "default build");
	ASSERT_EQ(e->line, 10, "endpoint line");
	ASSERT_TRUE(e->req.ports.n == 2 && !strcmp(e->req.ports.p[0].name, "http") &&
		    e->req.ports.p[0].number == 8080 && e->req.ports.p[0].proto == PORT_TCP &&
		    e->req.ports.p[1].number == 53 && e->req.ports.p[1].proto == PORT_UDP, "ports");
	e = &f.endpoints[1];
	ASSERT_STREQ(e->req.type, "web", "type");
	ASSERT_TRUE(e->req.build, "build");
	ASSERT_EQ(e->req.replica, 1, "replica 1");
	ASSERT_STREQ(e->req.netns, "", "no netns");
	ASSERT_EQ(e->req.ports.n, 0, "no ports");
	e = &f.endpoints[2];
	ASSERT_EQ(e->slot, 1022, "last slot of a /22");
	ASSERT_STREQ(e->req.netns, "/run/netns/x", "netns path");
	ASSERT_EQ(e->req.replica, 0, "default replica");
	e = &f.endpoints[3];
	ASSERT_STREQ(e->host, "h2", "fields in any order");
	ASSERT_STREQ(e->req.env, "v6", "env v6");
	ASSERT_EQ(e->req.replica, 99999, "replica max");
	ASSERT_STREQ(e->req.type, "pg", "type, no newline at the end");
	ASSERT_EQ(e->slot, 3, "slot 3");
	fleet_free(&f);
	ASSERT_TRUE(!f.hosts && !f.n_hosts && !f.endpoints, "free empties");
}

static void test_empty(void)
{
	static const char blank[] = "\n# nothing\r\n \t\n\r\n";
	struct fabric_config cfg;
	struct fleet f;
	char err[ERR_SIZE] = "", *a = NULL;
	size_t la = 99;

	fabric(&cfg);
	ASSERT_OK(fleet_parse("", 0, &cfg, &f, err), err);
	ASSERT_OK(fleet_parse(blank, strlen(blank), &cfg, &f, err), err);
	ASSERT_EQ(f.n_hosts + f.n_envs + f.n_endpoints, 0, "no records");
	ASSERT_OK(fleet_format(&f, &a, &la), "format");
	ASSERT_EQ(la, 0, "nothing written");
	free(a);
	fleet_free(&f);
}

static void test_round_trip(void)
{
	static const char canonical[] =
		"host name=h1 underlay=192.0.2.1 port=51820 public-key=" K1
		" prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64 keepalive=25\n";
	struct fabric_config cfg;
	struct fleet f, g;
	char err[ERR_SIZE] = "", *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	fabric(&cfg);
	if (!ASSERT_OK(fleet_parse(good, strlen(good), &cfg, &f, err), err))
		return;
	ASSERT_OK(fleet_format(&f, &a, &la), "format");
	ASSERT_TRUE(a && !strncmp(a, canonical, strlen(canonical)), "defaults written out");
	ASSERT_TRUE(a && strstr(a, "endpoint host=h2 project=shop env=v6 service=db replica=99999 "
				"slot=3 type=pg build=no\n"), "keys in order");
	ASSERT_TRUE(a && strstr(a, " netns=wl-a ports=http=8080/tcp,dns=53/udp build=no\n"),
		    "ports after netns");
	ASSERT_EQ(strlen(a), la, "length");
	if (ASSERT_OK(fleet_parse(a, la, &cfg, &g, err), err)) {
		ASSERT_OK(fleet_format(&g, &b, &lb), "format again");
		ASSERT_EQ(la, lb, "same length");
		ASSERT_TRUE(b && !memcmp(a, b, la), "a fixed point");
		ASSERT_EQ(g.n_hosts, f.n_hosts, "same hosts");
		ASSERT_EQ(g.n_envs, f.n_envs, "same envs");
		ASSERT_EQ(g.n_endpoints, f.n_endpoints, "same endpoints");
		/* Equal but for the line numbers: hosts first, then envs, then endpoints. */
		for (size_t i = 0; i < f.n_hosts; i++) {
			g.hosts[i].line = f.hosts[i].line;
			ASSERT_MEMEQ(&g.hosts[i], &f.hosts[i], sizeof(f.hosts[i]), "same host");
		}
		for (size_t i = 0; i < f.n_envs; i++) {
			g.envs[i].line = f.envs[i].line;
			ASSERT_MEMEQ(&g.envs[i], &f.envs[i], sizeof(f.envs[i]), "same env");
		}
		for (size_t i = 0; i < f.n_endpoints; i++) {
			g.endpoints[i].line = f.endpoints[i].line;
			ASSERT_MEMEQ(&g.endpoints[i], &f.endpoints[i], sizeof(f.endpoints[i]),
				     "same endpoint");
		}
		fleet_free(&g);
	}
	free(a);
	free(b);
	fleet_free(&f);
}

#define LONG_VALUE "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG_VALUE10 LONG_VALUE LONG_VALUE LONG_VALUE LONG_VALUE LONG_VALUE \
	LONG_VALUE LONG_VALUE LONG_VALUE LONG_VALUE LONG_VALUE

static const struct { const char *why, *text; size_t len; const char *expect; } bad[] = {
	{ "unknown record", "hots name=h1\n", 0, "line 1: unknown record" },
	{ "not key=value", "env project=a env\n", 0, "line 1: \"env\" is not key=value" },
	{ "no key", "env project=a =b\n", 0, "line 1: \"=b\" is not key=value" },
	{ "empty value", "env project= env=b\n", 0, "line 1: field project: empty value" },
	{ "repeated field", "env project=a env=b env=c\n", 0, "line 1: field env: given twice" },
	{ "unknown field", "env project=a env=b colour=red\n", 0, "line 1: field colour: not a field of env" },
	{ "missing field", "\n\nenv project=a\n", 0, "line 3: field env: missing" },
	{ "missing slot", H1 ENV "endpoint host=h1 project=a env=b service=s\n", 0, "line 3: field slot: missing" },
	{ "bad yes/no", "env project=a env=b ipv6-only=true\n", 0, "line 1: field ipv6-only" },
	{ "bad build", H1 ENV "endpoint host=h1 project=a env=b service=s slot=2 build=1\n", 0, "line 3: field build" },
	{ "bad name", "env project=A env=b\n", 0, "line 1: field project" },
	{ "bad key", "host name=h1 underlay=192.0.2.1 public-key=abc prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n", 0, "line 1: field public-key" },
	{ "bad underlay", "host name=h1 underlay=192.0.2.300 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n", 0, "line 1: field underlay" },
	{ "underlay with a port", "host name=h1 underlay=192.0.2.3:51820 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n", 0, "line 1: field underlay" },
	{ "port 0", "host name=h1 underlay=192.0.2.1 port=0 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n", 0, "line 1: field port" },
	{ "port 65536", "host name=h1 underlay=192.0.2.1 port=65536 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n", 0, "line 1: field port" },
	{ "keepalive 3601", "host name=h1 underlay=192.0.2.1 keepalive=3601 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n", 0, "line 1: field keepalive" },
	{ "prefix4 outside the fabric", "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.99.1.0/24 prefix6=fd77:7761:7272:1::/64\n", 0, "line 1: field prefix4: outside" },
	{ "prefix6 outside the fabric", "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7273:1::/64\n", 0, "line 1: field prefix6: outside" },
	{ "host bits", "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.1/24 prefix6=fd77:7761:7272:1::/64\n", 0, "line 1: field prefix4" },
	{ "overlapping prefix4",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.0.0/23 prefix6=fd77:7761:7272:1::/64\n"
	  "host name=h2 underlay=192.0.2.2 public-key=" K2 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:2::/64\n",
	  0, "line 2: field prefix4: overlaps host h1's on line 1" },
	{ "overlapping prefix6, the container declared last",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64\n"
	  "host name=h2 underlay=192.0.2.2 public-key=" K2 " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272::/56\n",
	  0, "line 2: field prefix6: overlaps host h1's on line 1" },
	{ "overlap: the earliest line, not the nearest prefix",
	  "host name=h1 underlay=192.0.2.1 public-key=" K1 " prefix4=10.210.0.0/17 prefix6=fd77:7761:7272:1::/64\n"
	  "host name=h3 underlay=192.0.2.3 public-key=" K3 " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:3::/64\n"
	  "env project=a env=b\nenv project=a env=c\n"
	  "host name=h2 underlay=192.0.2.2 public-key=" K2 " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:2::/64\n",
	  0, "line 2: field prefix4: overlaps host h1's on line 1" },
	{ "duplicate host", H1
	  "host name=h1 underlay=192.0.2.2 public-key=" K2 " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:2::/64\n",
	  0, "line 2: field name: host h1 already declared on line 1" },
	{ "duplicate public key", H1
	  "host name=h2 underlay=192.0.2.2 public-key=" K1 " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:2::/64\n",
	  0, "line 2: field public-key: the same as host h1's on line 1" },
	{ "duplicate underlay and port", H1
	  "host name=h2 underlay=192.0.2.1 port=51820 public-key=" K2 " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:2::/64\n",
	  0, "line 2: field underlay: the same address and port as host h1 on line 1" },
	{ "duplicate env", ENV ENV, 0, "line 2: environment a/b already declared on line 1" },
	{ "undeclared host", ENV "endpoint host=h9 project=a env=b service=s slot=2\n", 0, "line 2: field host: no host h9" },
	{ "undeclared env", H1 "endpoint host=h1 project=a env=b service=s slot=2\n", 0, "line 2: field env: environment a/b is not declared" },
	{ "slot 0", H1 ENV "endpoint host=h1 project=a env=b service=s slot=0\n", 0, "line 3: field slot: 0 is outside host h1's slots 2..254" },
	{ "slot 1 (the host's own)", H1 ENV "endpoint host=h1 project=a env=b service=s slot=1\n", 0, "line 3: field slot: 1 is outside" },
	{ "slot past the prefix", H1 ENV "endpoint host=h1 project=a env=b service=s slot=255\n", 0, "line 3: field slot: 255 is outside" },
	{ "slot not a number", H1 ENV "endpoint host=h1 project=a env=b service=s slot=-2\n", 0, "line 3: field slot" },
	{ "duplicate slot", H1 ENV "endpoint host=h1 project=a env=b service=s slot=2\n"
	  "endpoint host=h1 project=a env=b service=t slot=2\n", 0, "line 4: field slot: slot 2 of host h1 already used on line 3" },
	{ "duplicate replica", H1 H2 ENV "endpoint host=h1 project=a env=b service=s slot=2\n"
	  "endpoint host=h2 project=a env=b service=s replica=0 slot=3\n", 0, "line 5: field replica: replica 0 of a/b/s already declared on line 4" },
	{ "replica with a leading zero", H1 ENV "endpoint host=h1 project=a env=b service=s replica=01 slot=2\n", 0, "line 3: field replica" },
	{ "service that is a number", ENV "endpoint host=h1 project=a env=b service=12 slot=2\n", 0, "line 2: field service" },
	{ "bad netns", H1 ENV "endpoint host=h1 project=a env=b service=s slot=2 netns=../x\n", 0, "line 3: field netns" },
	{ "bad port", H1 ENV "endpoint host=h1 project=a env=b service=s slot=2 ports=http=0/tcp\n", 0,
	  "line 3: field ports: port \"http=0/tcp\": the number must be 1-65535" },
	{ "bad port name", H1 ENV "endpoint host=h1 project=a env=b service=s slot=2 ports=h_t=1/tcp\n", 0,
	  "line 3: field ports: port \"h_t=1/tcp\": the name must be" },
	{ "port twice", H1 ENV "endpoint host=h1 project=a env=b service=s slot=2 ports=a=1/udp,a=2/udp\n", 0,
	  "line 3: field ports: port a/udp given twice" },
	{ "empty port entry", H1 ENV "endpoint host=h1 project=a env=b service=s slot=2 ports=a=1/udp,\n", 0,
	  "line 3: field ports: ports \"a=1/udp,\": an empty entry" },
	{ "control character", "env project=a env=b\x01\n", 0, "line 1: a control character" },
	{ "NUL byte", ENV "env project=a\0 env=c\n", sizeof(ENV "env project=a\0 env=c\n") - 1, "line 2: a NUL byte" },
	{ "NUL byte in a comment", ENV "# \0\n", sizeof(ENV "# \0\n") - 1, "line 2: a NUL byte" },
	{ "too long a line", ENV "env project=a env=" LONG_VALUE10 LONG_VALUE "\n", 0, "line 2: longer than 1024 characters" },
	{ "faults in line order: a clash before a syntax error", ENV ENV "bogus\n", 0, "line 2: environment a/b" },
	{ "faults in line order: a syntax error before a clash",
	  "env project=a env=b\nenv project=a env=c\nenv project=a env=b x=y\n", 0, "line 3: field x: not a field" },
};

static void test_bad(void)
{
	struct fabric_config cfg;

	fabric(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		struct fleet f = { .n_hosts = 99 };
		char err[ERR_SIZE] = "";

		ASSERT_ERR(fleet_parse(bad[i].text, len, &cfg, &f, err), -EINVAL, bad[i].why);
		if (strncmp(err, bad[i].expect, strlen(bad[i].expect)))
			printf("# %s: got \"%s\"\n", bad[i].why, err);
		ASSERT_TRUE(!strncmp(err, bad[i].expect, strlen(bad[i].expect)), bad[i].why);
		ASSERT_TRUE(!f.hosts && !f.envs && !f.endpoints && !f.n_hosts && !f.n_envs &&
			    !f.n_endpoints, "nothing returned");
	}
}

/* Every slot of four /16 hosts but the last: checks must not be quadratic. */
static void test_many(void)
{
	static const char *keys[] = { K1, K2, K3, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=" };
	struct fabric_config cfg;
	size_t cap = 32 << 20, len = 0;
	char *text = malloc(cap), err[ERR_SIZE] = "";
	struct fleet f;
	int n = 0;

	if (!ASSERT_TRUE(text != NULL, "malloc"))
		return;
	memset(&cfg, 0, sizeof(cfg));
	prefix4_parse("10.0.0.0/8", &cfg.fabric4);
	prefix6_parse("fd77:7761:7272::/48", &cfg.fabric6);
	for (int h = 0; h < 4; h++)
		len += snprintf(text + len, cap - len, "host name=h%d underlay=192.0.2.%d public-key=%s "
				"prefix4=10.%d.0.0/16 prefix6=fd77:7761:7272:%d::/64\n", h, h + 1,
				keys[h], h, h);
	len += snprintf(text + len, cap - len, "env project=a env=b\n");
	for (int h = 0; h < 4; h++)
		for (int s = SLOT_FIRST; s < 65535; s++, n++)
			len += snprintf(text + len, cap - len, "endpoint host=h%d project=a env=b "
					"service=s%d replica=%d slot=%d\n", h, n / 100000, n % 100000, s);
	ASSERT_TRUE(len < cap - 1, "fits");
	if (ASSERT_OK(fleet_parse(text, len, &cfg, &f, err), err)) {
		ASSERT_EQ(f.n_endpoints, n, "every endpoint");
		fleet_free(&f);
	}
	/* One more on h0 takes a used slot. */
	len += snprintf(text + len, cap - len, "endpoint host=h0 project=a env=b service=t slot=77\n");
	ASSERT_ERR(fleet_parse(text, len, &cfg, &f, err), -EINVAL, "one slot twice");
	ASSERT_TRUE(strstr(err, "field slot: slot 77 of host h0 already used on line 81") != NULL, err);
	free(text);
}

static void test_edit(void)
{
	struct fabric_config cfg;
	struct fleet f, c;
	struct fleet_host h;
	struct fleet_endpoint e;
	char err[ERR_SIZE] = "";

	fabric(&cfg);
	if (!ASSERT_OK(fleet_parse(good, strlen(good), &cfg, &f, err), err))
		return;
	ASSERT_OK(fleet_copy(&c, &f), "copy");
	ASSERT_TRUE(c.hosts != f.hosts && c.envs != f.envs && c.endpoints != f.endpoints,
		    "the copy has its own arrays");
	strcpy(c.hosts[0].name, "zz");
	c.endpoints[0].slot = 9;
	ASSERT_STREQ(f.hosts[0].name, "h1", "the original keeps its host");
	ASSERT_EQ(f.endpoints[0].slot, 2, "and its endpoint");
	fleet_free(&c);
	ASSERT_OK(fleet_copy(&c, &f), "copy again");

	ASSERT_TRUE(fleet_host_find(&c, "h2") == &c.hosts[1], "find");
	ASSERT_TRUE(fleet_host_find(&c, "h9") == NULL, "find nothing");
	h = f.hosts[0];
	strcpy(h.name, "h4");
	h.line = 0;
	h.underlay[3] = 9;	/* 192.0.2.9: only the prefixes clash */
	wg_key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=", h.public_key);
	ASSERT_OK(fleet_host_append(&c, &h), "append");
	ASSERT_EQ(c.n_hosts, 4, "appended");
	ASSERT_EQ(fleet_check(&c, &cfg, err), -EINVAL, "same prefixes as h1");
	ASSERT_STREQ(err, "host h4: field prefix4: overlaps host h1's on line 2", "named, no line");
	ASSERT_EQ(f.n_hosts, 3, "the copy is deep: the original has 3 hosts");
	fleet_host_remove(&c, "h4");
	ASSERT_OK(fleet_check(&c, &cfg, err), err);

	/* An endpoint not from a file is named by what it is. */
	e = f.endpoints[0];
	e.line = 0;
	e.slot = 300;
	e.req.replica = 5;
	c.endpoints[c.n_endpoints++] = e;	/* room: arrays hold 8 at least */
	ASSERT_EQ(fleet_check(&c, &cfg, err), -EINVAL, "slot past h1's prefix");
	ASSERT_STREQ(err, "endpoint shop/prod/api/5: field slot: 300 is outside host h1's slots "
		     "2..254", "endpoint named");
	c.n_endpoints--;
	/* Its ports get the parser's rules too (an endpoint from another source). */
	e.slot = 200;
	e.req.ports.p[0].number = 0;
	c.endpoints[c.n_endpoints++] = e;
	ASSERT_EQ(fleet_check(&c, &cfg, err), -EINVAL, "a port 0");
	ASSERT_STREQ(err, "endpoint shop/prod/api/5: field ports: port 1 is not NAME=NUMBER/PROTO "
		     "(an RFC 6335 name, 1-65535, tcp or udp)", "ports checked");
	c.endpoints[c.n_endpoints - 1].req.ports.p[0].number = 53;
	strcpy(c.endpoints[c.n_endpoints - 1].req.ports.p[0].name, "dns");
	c.endpoints[c.n_endpoints - 1].req.ports.p[0].proto = PORT_UDP;
	ASSERT_EQ(fleet_check(&c, &cfg, err), -EINVAL, "a port twice");
	ASSERT_STREQ(err, "endpoint shop/prod/api/5: field ports: port dns/udp given twice", "dup");
	c.n_endpoints--;

	fleet_host_remove(&c, "h2");
	ASSERT_EQ(c.n_hosts, 2, "h2 removed");
	ASSERT_EQ(c.n_endpoints, 2, "with its endpoints");
	ASSERT_TRUE(!strcmp(c.endpoints[0].host, "h1") && !strcmp(c.endpoints[1].host, "h3"),
		    "the others kept, in order");
	ASSERT_OK(fleet_check(&c, &cfg, err), err);
	fleet_host_remove(&c, "h9");
	ASSERT_EQ(c.n_hosts, 2, "removing no host changes nothing");
	ASSERT_EQ(f.n_endpoints, 4, "the original keeps its endpoints");
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
	{ "empty files, blank lines and comments only", test_empty },
	{ "format is canonical and parses back to the same state", test_round_trip },
	{ "each fault names its line and field, nothing is returned", test_bad },
	{ "262k endpoints parse; a clash among them is found", test_many },
	{ "copy, append a conflicting host, remove hosts with their endpoints", test_edit },
	{ "WireGuard keys: base64 and hex round trips, non-canonical refused", test_keys },
};

TEST_MAIN(tests)
