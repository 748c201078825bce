// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The state file: round trip, and bad files refused whole with a line number. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "test.h"
#include "core/statefile.h"

static char path[64];

static void setup(struct model *m)
{
	struct fabric_config cfg;
	struct endpoint_req r = {};
	struct endpoint ep;
	char err[ERR_SIZE];

	prefix4_parse("10.210.0.0/16", &cfg.fabric4);
	prefix6_parse("fd77:7761:7272::/48", &cfg.fabric6);
	prefix4_parse("10.210.1.0/24", &cfg.host4);
	prefix6_parse("fd77:7761:7272:1::/64", &cfg.host6);
	model_init(m, &cfg);
	model_project_add(m, "api", err);
	model_env_add(m, "api", "prod", false, err);
	model_env_add(m, "api", "v6", true, err);
	model_env_del(m, "api", "prod", err);
	model_env_add(m, "api", "prod2", false, err);	/* takes id 1 again */
	strcpy(r.project, "api");
	strcpy(r.env, "v6");
	strcpy(r.service, "web");
	strcpy(r.type, "worker");
	strcpy(r.netns, "/proc/1/ns/net");
	r.replica = 3;
	r.build = true;
	port_list_parse("http=8080/tcp,dns=53/udp", &r.ports, err, sizeof(err));
	model_endpoint_prepare(m, &r, &ep, err);
	ep.ifindex = 99;
	model_endpoint_insert(m, &ep, err);
	/* A CNI attachment beside it. */
	strcpy(r.service, "api");
	strcpy(r.type, "");
	strcpy(r.container, "94bac0ce73e0");
	strcpy(r.wl_ifname, "eth1");
	r.replica = 0;
	model_endpoint_prepare(m, &r, &ep, err);
	model_endpoint_insert(m, &ep, err);
	m->slot_cursor = 40;
}

static void test_round_trip(void)
{
	struct model a, b;
	char err[ERR_SIZE];
	struct endpoint *x, *y;

	snprintf(path, sizeof(path), "/tmp/warren-state-test.%d", getpid());
	setup(&a);
	if (!ASSERT_OK(statefile_save(&a, path, err), "save"))
		goto out;
	if (!ASSERT_OK(statefile_load(&b, path, err), err))
		goto out;
	ASSERT_EQ(b.n_projects, 1, "projects");
	ASSERT_EQ(b.n_envs, 2, "envs");
	ASSERT_EQ(model_env_find(&b, "api", "v6")->id, model_env_find(&a, "api", "v6")->id,
		  "env id kept");
	ASSERT_TRUE(model_env_find(&b, "api", "v6")->ipv6_only, "ipv6-only kept");
	ASSERT_EQ(b.slot_cursor, 40, "cursor kept");
	ASSERT_EQ(b.next_endpoint_id, a.next_endpoint_id, "next id kept");
	x = &a.endpoints[0];
	y = model_endpoint_by_id(&b, x->id);
	if (ASSERT_TRUE(y != NULL, "endpoint back")) {
		ASSERT_STREQ(y->type, "worker", "type");
		ASSERT_STREQ(y->netns, "/proc/1/ns/net", "netns");
		ASSERT_EQ(y->replica, 3, "replica");
		ASSERT_TRUE(y->build, "build");
		ASSERT_FALSE(y->has_v4, "no v4");
		ASSERT_MEMEQ(y->ipv6, x->ipv6, 16, "v6");
		ASSERT_MEMEQ(y->wl_mac, x->wl_mac, 6, "mac");
		ASSERT_STREQ(y->ifname, x->ifname, "ifname");
		ASSERT_TRUE(y->ports.n == 2 && port_list_equal(&y->ports, &x->ports), "ports");
	}
	y = model_endpoint_by_container(&b, "94bac0ce73e0", "eth1");
	if (ASSERT_TRUE(y != NULL, "attachment back by container id"))
		ASSERT_STREQ(y->service, "api", "attachment's service");
	ASSERT_STREQ(x->container, "", "a plain endpoint has no container");
	model_free(&b);
out:
	model_free(&a);
	unlink(path);
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void test_bad_files(void)
{
	static const char head[] = "warren-state 1\nfabric4 10.210.0.0/16\n"
				   "fabric6 fd77::/48\nhost4 10.210.1.0/24\nhost6 fd77:0:0:1::/64\n";
	static const struct { const char *body; int line; } bad[] = {
		{ "project api\nenv project=api name=prod id=1 ipv6-only=2\n", 7 },
		{ "project API\n", 6 },
		{ "env project=nope name=prod id=1 ipv6-only=0\n", 6 },
		{ "project a\nenv project=a name=x id=1 ipv6-only=0\n"
		  "env project=a name=y id=1 ipv6-only=0\n", 8 },
		{ "endpoint id=1 project=a env=b\n", 6 },
		{ "bogus\n", 6 },
		{ "endpoint-cni id=9 container=c wl-ifname=eth0\n", 6 },	/* no endpoint 9 */
	};
	struct model m;
	char err[ERR_SIZE], want[32], text[1024];

	snprintf(path, sizeof(path), "/tmp/warren-state-test.%d", getpid());
	write_file("not a state file\n");
	ASSERT_ERR(statefile_load(&m, path, err), -EINVAL, "bad magic");
	ASSERT_TRUE(strstr(err, ":1:") != NULL, "line 1 named");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", head, bad[i].body);
		write_file(text);
		ASSERT_ERR(statefile_load(&m, path, err), -EINVAL, bad[i].body);
		snprintf(want, sizeof(want), ":%d:", bad[i].line);
		if (!ASSERT_TRUE(strstr(err, want) != NULL, "line named"))
			printf("# %s\n", err);
	}
	unlink(path);
	ASSERT_ERR(statefile_load(&m, path, err), -ENOENT, "missing file");
}

/* A file written before endpoints had ports loads, with none. */
static void test_without_ports(void)
{
	static const char text[] =
		"warren-state 1\nfabric4 10.210.0.0/16\nfabric6 fd77:7761:7272::/48\n"
		"host4 10.210.1.0/24\nhost6 fd77:7761:7272:1::/64\nproject a\n"
		"env project=a name=b id=1 ipv6-only=0\n"
		"endpoint id=1 project=a env=b service=web replica=0 type=- netns=x build=0 slot=2 "
		"ipv4=10.210.1.2 ipv6=fd77:7761:7272:1::2 ifname=wrn1 host-mac=02:00:00:00:00:01 "
		"wl-mac=02:00:00:00:00:02\nnext-endpoint-id 2\nslot-cursor 3\n";
	struct model m;
	char err[ERR_SIZE];

	snprintf(path, sizeof(path), "/tmp/warren-state-test.%d", getpid());
	write_file(text);
	if (ASSERT_OK(statefile_load(&m, path, err), err)) {
		ASSERT_TRUE(m.n_endpoints == 1 && m.endpoints[0].ports.n == 0, "no ports");
		model_free(&m);
	}
	write_file("warren-state 1\nfabric4 10.210.0.0/16\nfabric6 fd77:7761:7272::/48\n"
		   "host4 10.210.1.0/24\nhost6 fd77:7761:7272:1::/64\nproject a\n"
		   "env project=a name=b id=1 ipv6-only=0\n"
		   "endpoint id=1 project=a env=b service=web replica=0 type=- netns=x build=0 slot=2 "
		   "ipv4=10.210.1.2 ipv6=fd77:7761:7272:1::2 ifname=wrn1 host-mac=02:00:00:00:00:01 "
		   "wl-mac=02:00:00:00:00:02 ports=http=0/tcp\n");
	ASSERT_ERR(statefile_load(&m, path, err), -EINVAL, "a bad port refused");
	unlink(path);
}

static struct test_case tests[] = {
	{ "round trip", test_round_trip },
	{ "bad files refused with line", test_bad_files },
	{ "files without ports", test_without_ports },
};

TEST_MAIN(tests)
