// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The desired-state rules: allocation, uniqueness, refusals that change nothing. */
#include <arpa/inet.h>
#include "test.h"
#include "warren.h"
#include "core/model.h"
#include "core/maps.h"

static void config(struct fabric_config *cfg, const char *host4)
{
	prefix4_parse("10.210.0.0/16", &cfg->fabric4);
	prefix6_parse("fd77:7761:7272::/48", &cfg->fabric6);
	prefix4_parse(host4, &cfg->host4);
	prefix6_parse("fd77:7761:7272:1::/64", &cfg->host6);
}

static void req(struct endpoint_req *r, const char *p, const char *e, const char *s, uint32_t n)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->project, p);
	strcpy(r->env, e);
	strcpy(r->service, s);
	strcpy(r->netns, "wl");
	r->replica = n;
}

static int add(struct model *m, const char *p, const char *e, const char *s, uint32_t n,
	       struct endpoint *ep)
{
	struct endpoint_req r;
	char err[ERR_SIZE];
	int ret;

	req(&r, p, e, s, n);
	ret = model_endpoint_prepare(m, &r, ep, err);
	return ret ? ret : model_endpoint_insert(m, ep, err);
}

static void test_config_check(void)
{
	struct fabric_config cfg;
	char err[ERR_SIZE];

	config(&cfg, "10.210.1.0/24");
	ASSERT_OK(fabric_config_check(&cfg, err), "good");
	config(&cfg, "10.211.1.0/24");
	ASSERT_ERR(fabric_config_check(&cfg, err), -EINVAL, "host outside fabric");
	ASSERT_TRUE(strstr(err, "10.211.1.0/24") != NULL, "message names the prefix");
	config(&cfg, "10.210.1.0/30");
	ASSERT_ERR(fabric_config_check(&cfg, err), -EINVAL, "too small");
}

static void test_projects_envs(void)
{
	struct fabric_config cfg;
	struct model m;
	char err[ERR_SIZE];
	struct endpoint ep;

	config(&cfg, "10.210.1.0/24");
	model_init(&m, &cfg);
	ASSERT_OK(model_project_add(&m, "api", err), "project add");
	ASSERT_ERR(model_project_add(&m, "api", err), -EEXIST, "duplicate project");
	ASSERT_ERR(model_project_add(&m, "API", err), -EINVAL, "bad name");
	ASSERT_ERR(model_env_add(&m, "nope", "prod", false, err), -ENOENT, "unknown project");
	ASSERT_TRUE(strstr(err, "unknown project") != NULL, "says unknown project");
	ASSERT_OK(model_env_add(&m, "api", "prod", false, err), "env add");
	ASSERT_OK(model_env_add(&m, "api", "staging", true, err), "env add v6-only");
	ASSERT_EQ(model_env_find(&m, "api", "prod")->id, 1, "first id");
	ASSERT_EQ(model_env_find(&m, "api", "staging")->id, 2, "second id");
	ASSERT_ERR(model_project_del(&m, "api", err), -EBUSY, "project with envs");
	ASSERT_OK(add(&m, "api", "prod", "web", 0, &ep), "endpoint");
	ASSERT_ERR(model_env_del(&m, "api", "prod", err), -EBUSY, "env with endpoints");
	ASSERT_OK(model_endpoint_remove(&m, ep.id), "remove");
	ASSERT_OK(model_env_del(&m, "api", "prod", err), "env del");
	ASSERT_OK(model_env_add(&m, "api", "dev", false, err), "env add reuses id");
	ASSERT_EQ(model_env_find(&m, "api", "dev")->id, 1, "lowest free id");
	model_free(&m);
}

static void test_endpoint_alloc(void)
{
	struct fabric_config cfg;
	struct endpoint a, b, c;
	struct endpoint_req r;
	struct model m;
	char err[ERR_SIZE];

	config(&cfg, "10.210.1.0/24");
	model_init(&m, &cfg);
	model_project_add(&m, "api", err);
	model_env_add(&m, "api", "prod", false, err);
	model_env_add(&m, "api", "v6", true, err);

	if (!ASSERT_OK(add(&m, "api", "prod", "web", 0, &a), "first"))
		goto out;
	ASSERT_EQ(a.slot, SLOT_FIRST, "first slot");
	ASSERT_EQ(a.ipv4, inet_addr("10.210.1.2"), "first address");
	ASSERT_TRUE(a.has_v4 && a.has_v6, "dual stack");
	ASSERT_STREQ(a.ifname, "wrn1", "ifname");
	ASSERT_EQ(a.host_mac[0] & 3, 2, "host MAC locally administered unicast");
	ASSERT_EQ(a.wl_mac[0] & 3, 2, "workload MAC locally administered unicast");
	ASSERT_FALSE(!memcmp(a.host_mac, a.wl_mac, 6), "MACs differ");

	req(&r, "api", "prod", "web", 0);
	ASSERT_ERR(model_endpoint_prepare(&m, &r, &b, err), -EEXIST, "duplicate replica");
	ASSERT_TRUE(strstr(err, "replica 0") != NULL, "message names the replica");
	req(&r, "nope", "prod", "web", 1);
	ASSERT_ERR(model_endpoint_prepare(&m, &r, &b, err), -ENOENT, "unknown project");
	req(&r, "api", "prod", "web", 1);
	strcpy(r.netns, "../etc");
	ASSERT_ERR(model_endpoint_prepare(&m, &r, &b, err), -EINVAL, "bad netns");
	ASSERT_EQ(m.n_endpoints, 1, "refusals added nothing");

	ASSERT_OK(add(&m, "api", "v6", "web", 0, &b), "v6-only");
	ASSERT_FALSE(b.has_v4, "no IPv4 in an IPv6-only environment");
	ASSERT_TRUE(b.has_v6, "IPv6");
	ASSERT_EQ(b.slot, SLOT_FIRST + 1, "next slot");

	/* Next-fit: a freed address is not handed out again straight away. */
	model_endpoint_remove(&m, a.id);
	ASSERT_OK(add(&m, "api", "prod", "web", 0, &c), "re-add");
	ASSERT_EQ(c.slot, SLOT_FIRST + 2, "freed slot rests");
	ASSERT_TRUE(c.id > b.id, "ids are not reused");
out:
	model_free(&m);
}

static void test_exhaustion(void)
{
	struct fabric_config cfg;
	struct endpoint ep;
	struct model m;
	char err[ERR_SIZE];
	uint32_t n;

	config(&cfg, "10.210.1.0/29");	/* 8 addresses: .2 .. .6 for endpoints */
	model_init(&m, &cfg);
	model_project_add(&m, "p", err);
	model_env_add(&m, "p", "e", false, err);
	for (n = 0; n < 10 && add(&m, "p", "e", "s", n, &ep) == 0; n++)
		;
	ASSERT_EQ(n, 5, "five endpoints fit");
	ASSERT_ERR(add(&m, "p", "e", "s", 99, &ep), -ENOSPC, "then no space");
	/* After a delete the freed slot is found by wrapping around. */
	model_endpoint_remove(&m, model_endpoint_find(&m, "p", "e", "s", 2)->id);
	ASSERT_OK(add(&m, "p", "e", "s", 99, &ep), "wraps to the freed slot");
	ASSERT_EQ(ep.slot, SLOT_FIRST + 2, "slot of replica 2");
	model_free(&m);
}

static void test_encoding(void)
{
	struct warren_endpoint v;
	struct warren_iface i;
	struct fabric_config cfg;
	struct endpoint ep;
	struct model m;
	char err[ERR_SIZE];

	config(&cfg, "10.210.1.0/24");
	model_init(&m, &cfg);
	model_project_add(&m, "p", err);
	model_env_add(&m, "p", "e", false, err);
	add(&m, "p", "e", "s", 0, &ep);
	ep.ifindex = 42;
	ep.build = true;
	encode_iface(&ep, 7, &i);
	ASSERT_EQ(i.env_id, 7, "iface env");
	ASSERT_EQ(i.ipv4, ep.ipv4, "iface v4");
	ASSERT_MEMEQ(i.ipv6, ep.ipv6, 16, "iface v6");
	ASSERT_EQ(i.flags, WARREN_IF_HAS_V4 | WARREN_IF_HAS_V6 | WARREN_IF_BUILD, "iface flags");
	ASSERT_EQ(i.pad[0] | i.pad[1] | i.pad[2], 0, "iface pad zero");
	encode_endpoint(&ep, 7, &v);
	ASSERT_EQ(v.ifindex, 42, "ep ifindex");
	ASSERT_EQ(v.flags, WARREN_EP_LOCAL | WARREN_EP_BUILD | WARREN_EP_HAS_V4 | WARREN_EP_HAS_V6, "ep flags");
	ASSERT_MEMEQ(v.dst_mac, ep.wl_mac, 6, "dst MAC is the workload's");
	ASSERT_MEMEQ(v.src_mac, ep.host_mac, 6, "src MAC is the gateway's");
	ASSERT_EQ(v.pad | v.pad2[0] | v.pad2[1], 0, "ep pad zero");
	model_free(&m);
}

/* Container runtimes' attachments: found by (container, ifname), one each. */
static void test_attachments(void)
{
	struct fabric_config cfg;
	struct endpoint_req r;
	struct endpoint ep, *found;
	struct model m;
	char err[ERR_SIZE];

	config(&cfg, "10.210.1.0/24");
	model_init(&m, &cfg);
	model_project_add(&m, "p", err);
	model_env_add(&m, "p", "e", false, err);
	ASSERT_EQ(model_replica_free(&m, "p", "e", "api"), 0, "first replica");
	req(&r, "p", "e", "api", 0);
	strcpy(r.container, "cid-1");
	strcpy(r.wl_ifname, "eth0");
	ASSERT_OK(model_endpoint_prepare(&m, &r, &ep, err), err);
	ASSERT_OK(model_endpoint_insert(&m, &ep, err), err);
	ASSERT_EQ(add(&m, "p", "e", "api", 2, &ep), 0, "replica 2 by hand");
	ASSERT_EQ(model_replica_free(&m, "p", "e", "api"), 1, "lowest free is 1");
	found = model_endpoint_by_container(&m, "cid-1", "eth0");
	if (ASSERT_TRUE(found != NULL, "found by container"))
		ASSERT_STREQ(endpoint_wl_ifname(found), "eth0", "its ifname");
	ASSERT_TRUE(model_endpoint_by_container(&m, "cid-1", "eth1") == NULL, "other ifname");
	ASSERT_TRUE(model_endpoint_by_container(&m, "cid-2", "eth0") == NULL, "other container");
	/* The same container and interface again, for another replica: refused. */
	r.replica = 1;
	ASSERT_ERR(model_endpoint_prepare(&m, &r, &ep, err), -EEXIST, "one per (container, ifname)");
	strcpy(r.wl_ifname, "eth1");
	ASSERT_OK(model_endpoint_prepare(&m, &r, &ep, err), "a second interface of it");
	strcpy(r.container, "bad/id");
	ASSERT_ERR(model_endpoint_prepare(&m, &r, &ep, err), -EINVAL, "bad container id");
	strcpy(r.container, "cid-3");
	strcpy(r.wl_ifname, "a/b");
	ASSERT_ERR(model_endpoint_prepare(&m, &r, &ep, err), -EINVAL, "bad ifname");
	ASSERT_STREQ(endpoint_wl_ifname(model_endpoint_find(&m, "p", "e", "api", 2)), WL_IFNAME,
		     "default workload ifname");
	model_free(&m);
}

static struct test_case tests[] = {
	{ "attachments", test_attachments },
	{ "config check", test_config_check },
	{ "projects and environments", test_projects_envs },
	{ "endpoint allocation", test_endpoint_alloc },
	{ "address exhaustion", test_exhaustion },
	{ "map encoding", test_encoding },
};

TEST_MAIN(tests)
