// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Events as monitors see them: names for both ends from a real model and
 * fleet (an interface names its sender whatever the source address says;
 * another host's endpoint names its host), the kv record of an event, the
 * line `warrenctl monitor` prints from it, and the filters.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "test.h"
#include "warren.h"
#include "core/model.h"
#include "fleet/fleet.h"
#include "obs/obs.h"
#include "ctl/monitor_line.h"
#include "ctl/output.h"

/* 2026-12-04T06:10:52.123Z */
#define WALL_NS (1796364652ULL * 1000000000ULL + 123456789ULL)

static struct model m;
static struct fleet_host hosts[2];
static struct fleet fleet = { .hosts = hosts, .n_hosts = 2 };

static int add(const char *p, const char *e, const char *s, uint32_t replica, int ifindex)
{
	struct endpoint_req r = { .replica = replica };
	struct endpoint ep;
	char err[ERR_SIZE];
	int ret;

	strcpy(r.project, p);
	strcpy(r.env, e);
	strcpy(r.service, s);
	strcpy(r.netns, "wl");
	ret = model_endpoint_prepare(&m, &r, &ep, err);
	ep.ifindex = ifindex;
	return ret ?: model_endpoint_insert(&m, &ep, err);
}

/* shop/prod: api/0 (ifindex 42, .2), db/0 (43, .3); shop/dev: api/0 (44, .4); h2 has web/1. */
static void setup(void)
{
	struct fabric_config cfg;
	struct endpoint *remote = calloc(1, sizeof(*remote));
	char err[ERR_SIZE];

	prefix4_parse("10.210.0.0/16", &cfg.fabric4);
	prefix6_parse("fd77:7761:7272::/48", &cfg.fabric6);
	prefix4_parse("10.210.1.0/24", &cfg.host4);
	prefix6_parse("fd77:7761:7272:1::/64", &cfg.host6);
	model_init(&m, &cfg);
	model_project_add(&m, "shop", err);
	model_env_add(&m, "shop", "prod", false, err);
	model_env_add(&m, "shop", "dev", false, err);
	add("shop", "prod", "api", 0, 42);
	add("shop", "prod", "db", 0, 43);
	add("shop", "dev", "api", 0, 44);
	strcpy(remote->project, "shop");
	strcpy(remote->env, "prod");
	strcpy(remote->service, "web");
	strcpy(remote->host, "h2");
	remote->replica = 1;
	remote->has_v4 = remote->has_v6 = true;
	inet_pton(AF_INET, "10.210.2.9", &remote->ipv4);
	inet_pton(AF_INET6, "fd77:7761:7272:2::9", remote->ipv6);
	model_remotes_set(&m, remote, 1);

	strcpy(hosts[0].name, "h1");
	hosts[0].family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", hosts[0].underlay);
	prefix4_parse("10.210.1.0/24", &hosts[0].prefix4);
	prefix6_parse("fd77:7761:7272:1::/64", &hosts[0].prefix6);
	strcpy(hosts[1].name, "h2");
	hosts[1].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::2", hosts[1].underlay);
	prefix4_parse("10.210.2.0/24", &hosts[1].prefix4);
	prefix6_parse("fd77:7761:7272:2::/64", &hosts[1].prefix6);
}

static void event(struct warren_event *ev, int type, int reason, int dir, int v6,
		  const char *src, const char *dst, __u32 src_env, __u32 dst_env)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = (__u8)type;
	ev->reason = (__u8)reason;
	ev->dir = (__u8)dir;
	ev->family = v6 ? 6 : 4;
	ev->proto = IPPROTO_UDP;
	ev->flags = WARREN_EVF_PORTS;
	ev->sport = htons(40000);
	ev->dport = htons(53);
	ev->len = 58;
	ev->env_id = src_env;
	ev->src_env = src_env;
	ev->dst_env = dst_env;
	inet_pton(v6 ? AF_INET6 : AF_INET, src, ev->src);
	inet_pton(v6 ? AF_INET6 : AF_INET, dst, ev->dst);
}

static struct obs_names names;

static void resolve(const struct warren_event *ev, struct obs_who *s, struct obs_who *d)
{
	obs_names_resolve(&names, &m, &fleet, "h1", ev, s, d);
}

static void test_names_endpoints(void)
{
	struct warren_event ev;
	struct obs_who s, d;

	/* shop/prod api -> shop/dev api: cross_env, both named by address. */
	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_CROSS_ENV, WARREN_DIR_FROM_WL, 0, "10.210.1.2",
	      "10.210.1.4", 1, 2);
	ev.ifindex = 42;
	resolve(&ev, &s, &d);
	ASSERT_STREQ(s.project, "shop", "src project");
	ASSERT_STREQ(s.env, "prod", "src env");
	ASSERT_STREQ(s.service, "api", "src service");
	ASSERT_EQ(s.replica, 0, "src replica");
	ASSERT_STREQ(s.host, "h1", "a local endpoint is this host's");
	ASSERT_STREQ(d.env, "dev", "dst env");
	ASSERT_STREQ(d.service, "api", "dst service");
	/* IPv6 to the remote endpoint: its host. */
	event(&ev, WARREN_EVENT_FLOW, WARREN_PATH_MESH, WARREN_DIR_FROM_WL, 1,
	      "fd77:7761:7272:1::3", "fd77:7761:7272:2::9", 1, 1);
	ev.ifindex = 43;
	resolve(&ev, &s, &d);
	ASSERT_STREQ(s.service, "db", "v6 src service");
	ASSERT_STREQ(d.service, "web", "remote service");
	ASSERT_EQ(d.replica, 1, "remote replica");
	ASSERT_STREQ(d.host, "h2", "remote host");
}

/* The interface says who sent it; a forged source names nobody else. */
static void test_names_spoofed(void)
{
	struct warren_event ev;
	struct obs_who s, d;

	/* dev's api (ifindex 44) forges prod db's address. */
	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_SPOOFED, WARREN_DIR_FROM_WL, 0, "10.210.1.3",
	      "10.210.1.2", 2, 0);
	ev.ifindex = 44;
	resolve(&ev, &s, &d);
	ASSERT_STREQ(s.env, "dev", "the sender is the interface's endpoint");
	ASSERT_STREQ(s.service, "api", "its service");
	/* Without the interface (the uplink's view): an address of another env than seen. */
	ev.dir = WARREN_DIR_FROM_UPLINK;
	ev.ifindex = 2;
	resolve(&ev, &s, &d);
	ASSERT_STREQ(s.env, "dev", "the environment the datapath saw");
	ASSERT_STREQ(s.service, "", "no endpoint of that environment has the address");
	ASSERT_EQ(s.replica, -1, "no replica");
	/* Into a workload (from_host): the interface names the receiver. */
	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_CROSS_ENV, WARREN_DIR_FROM_HOST, 0, "10.210.1.4",
	      "10.210.1.2", 2, 1);
	ev.ifindex = 43;
	resolve(&ev, &s, &d);
	ASSERT_STREQ(d.service, "db", "the receiver is the interface's endpoint");
}

static void test_names_hosts(void)
{
	struct warren_event ev;
	struct obs_who s, d;

	/* An unknown address in h2's prefix; a stranger to h2's underlay address. */
	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_NO_ENDPOINT, WARREN_DIR_FROM_WL, 0, "10.210.1.2",
	      "10.210.2.99", 1, 0);
	ev.ifindex = 42;
	resolve(&ev, &s, &d);
	ASSERT_STREQ(d.project, "", "nobody's");
	ASSERT_STREQ(d.host, "h2", "the host whose prefix it is");
	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_NOT_PEER, WARREN_DIR_FROM_UPLINK, 1,
	      "2001:db8::66", "2001:db8::2", 0, 0);
	resolve(&ev, &s, &d);
	ASSERT_STREQ(s.host, "", "a stranger");
	ASSERT_STREQ(d.host, "h2", "a host by its underlay address");
	/* No addresses at all: environments only. */
	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_MALFORMED, WARREN_DIR_FROM_MESH, 0, "0.0.0.0",
	      "0.0.0.0", 1, 0);
	ev.family = 0;
	resolve(&ev, &s, &d);
	ASSERT_STREQ(s.env, "prod", "env by id");
	ASSERT_STREQ(s.host, "", "no address, no host");
	/* An id past the table (no agent writes one) names nothing, and reads nothing past it. */
	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_CROSS_ENV, WARREN_DIR_FROM_UPLINK, 0, "10.210.1.2",
	      "10.210.1.3", WARREN_MAX_ENVS + 5, 0);
	resolve(&ev, &s, &d);
	ASSERT_STREQ(s.env, "", "no environment of that id");
}

/* The index follows the model: a removed endpoint is named no more. */
static void test_names_follow_model(void)
{
	struct warren_event ev;
	struct obs_who s, d;
	struct endpoint *db = model_endpoint_find(&m, "shop", "prod", "db", 0);

	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_NO_ENDPOINT, WARREN_DIR_FROM_WL, 0, "10.210.1.2",
	      "10.210.1.3", 1, 1);
	ev.ifindex = 42;
	resolve(&ev, &s, &d);
	ASSERT_STREQ(d.service, "db", "named while it exists");
	if (!ASSERT_TRUE(db != NULL, "db") || !ASSERT_OK(model_endpoint_remove(&m, db->id), "remove"))
		return;
	resolve(&ev, &s, &d);
	ASSERT_STREQ(d.service, "", "gone");
	ASSERT_STREQ(d.env, "prod", "its environment stays");
	add("shop", "prod", "db", 0, 43);
}

static void test_event_record(void)
{
	struct warren_event ev;
	struct obs_who s, d;
	struct kv kv;
	char line[512];

	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_CROSS_ENV, WARREN_DIR_FROM_WL, 0, "10.210.1.2",
	      "10.210.1.4", 1, 2);
	ev.ifindex = 42;
	resolve(&ev, &s, &d);
	kv_init(&kv);
	if (!ASSERT_OK(obs_event_kv(&ev, &s, &d, WALL_NS, &kv), "record"))
		return;
	ASSERT_STREQ(kv_get(&kv, "time"), "2026-12-04T06:10:52.123Z", "time");
	ASSERT_STREQ(kv_get(&kv, "type"), "drop", "type");
	ASSERT_STREQ(kv_get(&kv, "verdict"), "DROPPED", "verdict");
	ASSERT_STREQ(kv_get(&kv, "reason"), "cross_env", "reason");
	ASSERT_STREQ(kv_get(&kv, "direction"), "from_wl", "direction");
	ASSERT_STREQ(kv_get(&kv, "src"), "10.210.1.2", "src");
	ASSERT_STREQ(kv_get(&kv, "dport"), "53", "dport");
	ASSERT_STREQ(kv_get(&kv, "src-service"), "api", "src service");
	ASSERT_STREQ(kv_get(&kv, "dst-env"), "dev", "dst env");
	ASSERT_STREQ(kv_get(&kv, "dst-env-id"), "2", "dst env id");
	monitor_line(&kv, 0, line, sizeof(line));
	ASSERT_STREQ(line, "2026-12-04T06:10:52.123Z DROPPED cross_env from_wl shop/prod/api/0 [h1] "
		     "10.210.1.2:40000 -> shop/dev/api/0 [h1] 10.210.1.4:53 udp len 58", "line");
	kv_free(&kv);

	/* IPv6 ICMP flow to another host; no ports. */
	event(&ev, WARREN_EVENT_FLOW, WARREN_PATH_MESH, WARREN_DIR_FROM_WL, 1,
	      "fd77:7761:7272:1::2", "fd77:7761:7272:2::9", 1, 1);
	ev.ifindex = 42;
	ev.proto = IPPROTO_ICMPV6;
	ev.flags = WARREN_EVF_ICMP;
	ev.icmp_type = 128;
	resolve(&ev, &s, &d);
	kv_init(&kv);
	ASSERT_OK(obs_event_kv(&ev, &s, &d, WALL_NS, &kv), "flow record");
	ASSERT_STREQ(kv_get(&kv, "path"), "mesh", "path");
	ASSERT_TRUE(kv_get(&kv, "sport") == NULL, "no ports for ICMP");
	monitor_line(&kv, 0, line, sizeof(line));
	ASSERT_STREQ(line, "2026-12-04T06:10:52.123Z FORWARDED mesh from_wl shop/prod/api/0 [h1] "
		     "fd77:7761:7272:1::2 -> shop/prod/web/1 [h2] fd77:7761:7272:2::9 icmpv6 type 128 "
		     "code 0 len 58", "flow line");
	kv_free(&kv);

	/* No IP header: no addresses, environments only. */
	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_MALFORMED, WARREN_DIR_FROM_WL, 0, "0.0.0.0",
	      "0.0.0.0", 1, 0);
	ev.family = 0;
	ev.flags = 0;
	ev.ifindex = 99;
	resolve(&ev, &s, &d);
	kv_init(&kv);
	ASSERT_OK(obs_event_kv(&ev, &s, &d, WALL_NS, &kv), "malformed record");
	ASSERT_TRUE(kv_get(&kv, "src") == NULL, "no address");
	monitor_line(&kv, 0, line, sizeof(line));
	ASSERT_STREQ(line, "2026-12-04T06:10:52.123Z DROPPED malformed from_wl shop/prod -> - "
		     "(no IP header) len 58", "malformed line");
	kv_free(&kv);
}

static int parse(const char *const *kvs, struct obs_filter *f, char *err)
{
	struct kv req;
	int ret;

	kv_init(&req);
	for (; *kvs; kvs += 2)
		kv_add(&req, kvs[0], kvs[1]);
	ret = obs_filter_parse(&req, f, err);
	kv_free(&req);
	return ret;
}

static void test_filters(void)
{
	static const char *const none[] = { NULL };
	static const char *const by_reason[] = { "reason", "spoofed", NULL };
	static const char *const by_path[] = { "reason", "egress", NULL };
	static const char *const dev_api[] = { "project", "shop", "env", "dev", "service", "api", NULL };
	static const char *const bad_type[] = { "type", "drops", NULL };
	static const char *const bad_reason[] = { "type", "drop", "reason", "egress", NULL };
	static const char *const bad_name[] = { "project", "Shop!", NULL };
	struct warren_event ev;
	struct obs_who s, d;
	struct obs_filter f;
	char err[ERR_SIZE];

	event(&ev, WARREN_EVENT_DROP, WARREN_DROP_CROSS_ENV, WARREN_DIR_FROM_WL, 0, "10.210.1.2",
	      "10.210.1.4", 1, 2);
	ev.ifindex = 42;
	resolve(&ev, &s, &d);
	ASSERT_OK(parse(none, &f, err), "no filter");
	ASSERT_TRUE(obs_filter_match(&f, &ev, &s, &d), "no filter takes everything");
	ASSERT_OK(parse(by_reason, &f, err), "reason");
	ASSERT_EQ(f.type, WARREN_EVENT_DROP, "a drop reason means drops");
	ASSERT_FALSE(obs_filter_match(&f, &ev, &s, &d), "another reason");
	ASSERT_OK(parse(by_path, &f, err), "path");
	ASSERT_EQ(f.type, WARREN_EVENT_FLOW, "a path means flows");
	ASSERT_FALSE(obs_filter_match(&f, &ev, &s, &d), "a drop is no flow");
	ASSERT_OK(parse(dev_api, &f, err), "names");
	ASSERT_TRUE(obs_filter_match(&f, &ev, &s, &d), "the destination's names match");
	strcpy(f.service, "db");
	ASSERT_FALSE(obs_filter_match(&f, &ev, &s, &d), "all names on one end");
	ASSERT_ERR(parse(bad_type, &f, err), -EINVAL, "bad type");
	ASSERT_TRUE(strstr(err, "drops") != NULL, "says which");
	ASSERT_ERR(parse(bad_reason, &f, err), -EINVAL, "a path is no drop reason");
	ASSERT_ERR(parse(bad_name, &f, err), -EINVAL, "bad project name");
}

static struct test_case tests[] = {
	{ "names: endpoints by address, here and on other hosts", test_names_endpoints },
	{ "names: the interface names the sender of a spoofed packet", test_names_spoofed },
	{ "names: hosts by prefix and underlay address", test_names_hosts },
	{ "names: the index follows the model", test_names_follow_model },
	{ "event record and monitor line", test_event_record },
	{ "filters: type, reason, names on either end; bad values refused", test_filters },
};

/* The cast is built once, before the tests; TEST_MAIN's main runs them. */
#define main tests_main
TEST_MAIN(tests)
#undef main

int main(void)
{
	int ret;

	setup();
	ret = tests_main();
	obs_names_free(&names);
	model_free(&m);
	return ret;
}
