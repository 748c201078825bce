// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The directory's reconcile input: the fleet state built from this
 * host's own part and the view. Clashes are settled by age (the younger
 * record is left out, a host with its endpoints), this host's part always
 * wins, this host's records in etcd are never used in place of the
 * agent's own, and the result passes the fleet file's whole checks.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "directory/dir_build.h"

#define P "/warren/v1/"
#define K1 "0Prd1feUoSXJ4QkaEpMFvsi8zka4DHa2BnI3J8MD+2M="
#define K2 "/loMhSIv60oqz7+BCxQRKfX9gR8QwTSyw8tmlbmyV0E="
#define K3 "e20IDrD58AlRGUDJwAhexIsTtzMebRZ4iSgnyQZPT1c="

static struct fabric_config cfg;

static void put(struct dir_view *v, const char *k, const char *val, int64_t rev)
{
	struct etcd_kv kv = { .key = (const uint8_t *)k, .key_len = strlen(k),
			      .value = (const uint8_t *)val, .value_len = strlen(val),
			      .create_revision = rev };
	char err[ERR_SIZE];

	if (!ASSERT_OK(dir_view_put(v, P, &kv, err), k))
		printf("# %s\n", err);
}

/* This host h1: its record, env shop/prod, endpoint api/0 at slot 2. */
static void locals(struct fleet *f)
{
	char err[ERR_SIZE];

	memset(f, 0, sizeof(*f));
	ASSERT_OK(fleet_parse_record("host name=h1 underlay=192.0.2.1 public-key=" K1
				     " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64",
				     strlen("host name=h1 underlay=192.0.2.1 public-key=" K1
					    " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64"),
				     f, err), "self");
	ASSERT_OK(fleet_parse_record("env project=shop env=prod", 25, f, err), "env");
	ASSERT_OK(fleet_parse_record("endpoint host=h1 project=shop env=prod service=api slot=2 "
				     "netns=wl-a", 68, f, err), err);
}

static size_t eps_on(const struct fleet *f, const char *host)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_endpoints; i++)
		n += !strcmp(f->endpoints[i].host, host);
	return n;
}

static void test_merge(void)
{
	struct dir_view v = {};
	struct fleet loc, f;
	size_t left;
	char err[ERR_SIZE];

	locals(&loc);
	put(&v, P "hosts/h2", "host name=h2 underlay=192.0.2.2 public-key=" K2
	    " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:2::/64", 10);
	put(&v, P "envs/shop/prod", "env project=shop env=prod", 11);
	put(&v, P "envs/shop/dev", "env project=shop env=dev", 12);
	put(&v, P "endpoints/h2/shop/prod/api/1", "endpoint host=h2 project=shop env=prod "
	    "service=api replica=1 slot=2", 13);
	put(&v, P "endpoints/h2/shop/dev/db/0", "endpoint host=h2 project=shop env=dev "
	    "service=db slot=3", 14);
	/* This host's records in etcd are the agent's to write, not to read. */
	put(&v, P "hosts/h1", "host name=h1 underlay=192.0.2.9 public-key=" K3
	    " prefix4=10.210.9.0/24 prefix6=fd77:7761:7272:9::/64", 15);
	put(&v, P "endpoints/h1/shop/prod/web/0", "endpoint host=h1 project=shop env=prod "
	    "service=web slot=7", 16);
	put(&v, P "projects/shop", "project name=shop", 17);
	put(&v, P "claims/2", "h2", 18);
	ASSERT_OK(dir_fleet_build(&v, &loc, &cfg, &f, &left, err), err);
	ASSERT_EQ(left, 0, "nothing left out");
	ASSERT_EQ(f.n_hosts, 2, "h1 and h2");
	ASSERT_STREQ(f.hosts[0].name, "h1", "this host first");
	ASSERT_EQ(f.hosts[0].underlay[3], 1, "this host's own record, not etcd's");
	ASSERT_EQ(f.n_envs, 2, "prod once, and dev");
	ASSERT_EQ(eps_on(&f, "h1"), 1, "only the agent's own endpoints here");
	ASSERT_EQ(eps_on(&f, "h2"), 2, "h2's endpoints");
	ASSERT_OK(fleet_check(&f, &cfg, err), "the built state passes the file's checks");
	fleet_free(&f);
	fleet_free(&loc);
	dir_view_free(&v);
}

static void test_clashes(void)
{
	struct dir_view v = {};
	struct fleet loc, f;
	size_t left;
	char err[ERR_SIZE];

	locals(&loc);
	put(&v, P "envs/shop/prod", "env project=shop env=prod", 5);
	put(&v, P "hosts/h2", "host name=h2 underlay=192.0.2.2 public-key=" K2
	    " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:2::/64", 10);
	/* Younger, on h2's prefix: left out, with its endpoint. */
	put(&v, P "hosts/h3", "host name=h3 underlay=192.0.2.3 public-key=" K3
	    " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:3::/64", 20);
	put(&v, P "endpoints/h3/shop/prod/db/0", "endpoint host=h3 project=shop env=prod "
	    "service=db slot=2", 21);
	/* The name this host's endpoint has: left out (this host's part wins). */
	put(&v, P "endpoints/h2/shop/prod/api/0", "endpoint host=h2 project=shop env=prod "
	    "service=api slot=4", 22);
	/* On a host nobody registered. */
	put(&v, P "endpoints/h7/shop/prod/x/0", "endpoint host=h7 project=shop env=prod "
	    "service=x slot=2", 23);
	/* In an environment nobody declared. */
	put(&v, P "endpoints/h2/other/prod/y/0", "endpoint host=h2 project=other env=prod "
	    "service=y slot=5", 24);
	/* On this host's prefix: left out. */
	put(&v, P "hosts/h4", "host name=h4 underlay=192.0.2.4 public-key=" K1
	    " prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:4::/64", 25);
	put(&v, P "endpoints/h2/shop/prod/ok/0", "endpoint host=h2 project=shop env=prod "
	    "service=ok slot=9", 26);
	ASSERT_OK(dir_fleet_build(&v, &loc, &cfg, &f, &left, err), err);
	ASSERT_EQ(f.n_hosts, 2, "h1 and h2 only");
	ASSERT_TRUE(fleet_host_find(&f, "h2") && !fleet_host_find(&f, "h3") &&
		    !fleet_host_find(&f, "h4"), "the younger clashing hosts are out");
	ASSERT_EQ(eps_on(&f, "h2"), 1, "only h2's good endpoint");
	ASSERT_EQ(eps_on(&f, "h3") + eps_on(&f, "h7"), 0, "none on hosts left out or unknown");
	ASSERT_EQ(eps_on(&f, "h1"), 1, "this host's endpoint stays");
	ASSERT_EQ(left, 5, "h3 (with its endpoint), api/0, x, y, h4 counted");
	ASSERT_OK(fleet_check(&f, &cfg, err), "what is left holds");
	fleet_free(&f);
	/* The older one leaves: the younger comes in. */
	ASSERT_TRUE(dir_view_delete(&v, (const uint8_t *)P "hosts/h2", strlen(P "hosts/h2")),
		    "h2 goes");
	ASSERT_OK(dir_fleet_build(&v, &loc, &cfg, &f, &left, err), err);
	ASSERT_TRUE(fleet_host_find(&f, "h3") != NULL, "h3 is in once h2 is gone");
	ASSERT_EQ(eps_on(&f, "h3"), 1, "with its endpoint");
	fleet_free(&f);
	fleet_free(&loc);
	dir_view_free(&v);
}

static void test_many(void)
{
	struct dir_view v = {};
	struct fleet loc, f;
	size_t left;
	char err[ERR_SIZE], key[DIR_KEY_MAX], val[DIR_VALUE_MAX];

	locals(&loc);
	put(&v, P "hosts/h2", "host name=h2 underlay=192.0.2.2 public-key=" K2
	    " prefix4=10.210.2.0/24 prefix6=fd77:7761:7272:2::/64", 1);
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), P "envs/p%d/e", i);
		snprintf(val, sizeof(val), "env project=p%d env=e", i);
		put(&v, key, val, 2 + i);
	}
	for (int i = 0; i < 250; i++) {
		snprintf(key, sizeof(key), P "endpoints/h2/p%d/e/s/%d", i % 200, i);
		snprintf(val, sizeof(val), "endpoint host=h2 project=p%d env=e service=s "
			 "replica=%d slot=%d", i % 200, i, 2 + i);
		put(&v, key, val, 1000 + i);
	}
	/* One clash among them: a slot taken twice. */
	put(&v, P "endpoints/h2/p1/e/late/0", "endpoint host=h2 project=p1 env=e service=late "
	    "slot=7", 5000);
	ASSERT_OK(dir_fleet_build(&v, &loc, &cfg, &f, &left, err), err);
	ASSERT_EQ(left, 1, "the younger of the slot clash");
	ASSERT_EQ(eps_on(&f, "h2"), 250, "the rest");
	fleet_free(&f);
	fleet_free(&loc);
	dir_view_free(&v);
}

static struct test_case tests[] = {
	{ "this host's part and the view merge; etcd's copy of ours unused", test_merge },
	{ "clashes: the younger record is left out, this host's part wins", test_clashes },
	{ "250 endpoints in 200 envs with one slot clash", test_many },
};

static void __attribute__((constructor)) setup(void)
{
	prefix4_parse("10.210.0.0/16", &cfg.fabric4);
	prefix6_parse("fd77:7761:7272::/48", &cfg.fabric6);
}

TEST_MAIN(tests)
