// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fleet directory's encoding: every key kind round trips and has one
 * spelling; values are fleet records that must agree with their key;
 * garbage, other kinds, other versions and names spoken for another key
 * are refused with a reason. The view keeps a good record when garbage
 * is written over it.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "directory/dir_records.h"
#include "directory/dir_view.h"

#define P "/warren/v1/"
#define K1 "0Prd1feUoSXJ4QkaEpMFvsi8zka4DHa2BnI3J8MD+2M="
#define HOST1 "host name=h1 underlay=192.0.2.1 port=51820 public-key=" K1 \
	" prefix4=10.210.1.0/24 prefix6=fd77:7761:7272:1::/64 keepalive=25"
#define EP1 "endpoint host=h1 project=shop env=prod service=api replica=0 slot=2 build=no"

static struct etcd_kv kv_of(const char *k, const char *v, int64_t rev)
{
	return (struct etcd_kv){ .key = (const uint8_t *)k, .key_len = strlen(k),
				 .value = (const uint8_t *)v, .value_len = strlen(v),
				 .create_revision = rev, .mod_revision = rev };
}

static void test_keys(void)
{
	static const char *const good[] = {
		P "hosts/h1", P "endpoints/h1/shop/prod/api/0", P "endpoints/h-2/a/b/web2/99999",
		P "envs/shop/prod", P "projects/shop", P "claims/1", P "claims/65535",
	};
	static const char *const bad[] = {
		"/warren/v2/hosts/h1", P "hosts/", P "hosts/H1", P "hosts/h1/x", P "zzz/x",
		P "endpoints/h1/shop/prod/api", P "endpoints/h1/shop/prod/api/01",
		P "endpoints/h1/shop/prod/api/-1", P "endpoints/h1/shop/prod/api/100000",
		P "endpoints/h1/shop//api/0", P "envs/shop", P "claims/0x1", P "claims/01",
		P "claims/", P "projects/a_b", P, "/other",
	};
	struct dir_key k;
	char err[256], buf[DIR_KEY_MAX];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ASSERT_OK(dir_key_parse(P, (const uint8_t *)good[i], strlen(good[i]), &k, err), good[i]);
		ASSERT_OK(dir_key_format(P, &k, buf), "format");
		ASSERT_STREQ(buf, good[i], "one spelling");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_ERR(dir_key_parse(P, (const uint8_t *)bad[i], strlen(bad[i]), &k, err),
			   -EINVAL, bad[i]);
		ASSERT_TRUE(err[0] != '\0', "a reason");
	}
	ASSERT_ERR(dir_key_parse(P, (const uint8_t *)P "hosts/h\0x", sizeof(P "hosts/h\0x") - 1,
				 &k, err), -EINVAL, "a NUL in a key");
	ASSERT_OK(dir_prefix_check("/warren/v1/", err), "default prefix");
	ASSERT_OK(dir_prefix_check("/", err), "root");
	ASSERT_ERR(dir_prefix_check("warren/", err), -EINVAL, "relative");
	ASSERT_ERR(dir_prefix_check("/warren", err), -EINVAL, "no trailing slash");
	ASSERT_ERR(dir_prefix_check("/war ren/", err), -EINVAL, "a space");
}

static void test_values(void)
{
	struct etcd_kv kv;
	struct dir_record r;
	char err[ERR_SIZE], buf[DIR_VALUE_MAX];

	kv = kv_of(P "hosts/h1", HOST1, 5);
	ASSERT_OK(dir_record_decode(P, &kv, &r, err), err);
	ASSERT_EQ(r.key.kind, DIR_HOST, "kind");
	ASSERT_STREQ(r.host.name, "h1", "name");
	ASSERT_EQ(r.host.port, 51820, "port");
	ASSERT_OK(dir_host_value(&r.host, buf), "write it back");
	ASSERT_STREQ(buf, HOST1, "the same line");

	kv = kv_of(P "endpoints/h1/shop/prod/api/0", EP1 " netns=wl-a", 6);
	ASSERT_OK(dir_record_decode(P, &kv, &r, err), err);
	ASSERT_STREQ(r.ep.req.netns, "", "another host's netns is not kept");
	ASSERT_EQ(r.ep.slot, 2, "slot");
	ASSERT_OK(dir_endpoint_value(&r.ep, buf), "write");
	ASSERT_STREQ(buf, EP1, "the same line");

	kv = kv_of(P "envs/shop/prod", "env project=shop env=prod ipv6-only=yes", 7);
	ASSERT_OK(dir_record_decode(P, &kv, &r, err), err);
	ASSERT_TRUE(r.env.ipv6_only, "ipv6-only");
	kv = kv_of(P "projects/shop", "project name=shop", 8);
	ASSERT_OK(dir_record_decode(P, &kv, &r, err), err);
	kv = kv_of(P "claims/3", "h1", 9);
	ASSERT_OK(dir_record_decode(P, &kv, &r, err), err);
	ASSERT_STREQ(r.owner, "h1", "owner");
	ASSERT_EQ(r.key.claim, 3, "pair");
}

static void test_bad_values(void)
{
	static const char *const bad[][2] = {
		{ P "hosts/h1", "garbage" },
		{ P "hosts/h1", "" },
		{ P "hosts/h9", HOST1 },				/* speaks for h1 */
		{ P "hosts/h1", EP1 },					/* another kind */
		{ P "hosts/h1", HOST1 " colour=blue" },			/* unknown field */
		{ P "hosts/h1", HOST1 "\nhost name=h1" },		/* two records */
		{ P "hosts/h1", HOST1 " # a comment" },
		{ P "endpoints/h2/shop/prod/api/0", EP1 },		/* another host's */
		{ P "endpoints/h1/shop/prod/api/1", EP1 },		/* another replica */
		{ P "endpoints/h1/shop/prod/api/0", "endpoint host=h1" },
		{ P "envs/shop/dev", "env project=shop env=prod" },
		{ P "projects/shop", "project name=shop " },
		{ P "projects/shop", "project name=other" },
		{ P "claims/3", "H1" },
		{ P "claims/3", "" },
		{ P "unknown/x", "y" },
	};
	struct etcd_kv kv;
	struct dir_record r;
	char err[ERR_SIZE];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kv = kv_of(bad[i][0], bad[i][1], 1);
		err[0] = '\0';
		if (!ASSERT_ERR(dir_record_decode(P, &kv, &r, err), -EINVAL, bad[i][0]))
			printf("# value: %s\n", bad[i][1]);
		ASSERT_TRUE(err[0] != '\0', "a reason");
	}
	/* NUL bytes inside a value. */
	kv = kv_of(P "hosts/h1", HOST1, 1);
	kv.value_len = strlen(HOST1) + 1;
	ASSERT_ERR(dir_record_decode(P, &kv, &r, err), -EINVAL, "a NUL in a value");
}

static void test_view(void)
{
	struct dir_view v = {};
	struct etcd_kv kv;
	char err[ERR_SIZE];
	const struct dir_entry *e;

	kv = kv_of(P "hosts/h1", HOST1, 5);
	ASSERT_OK(dir_view_put(&v, P, &kv, err), "put");
	kv = kv_of(P "envs/shop/prod", "env project=shop env=prod", 6);
	ASSERT_OK(dir_view_put(&v, P, &kv, err), "put env");
	kv = kv_of(P "hosts/h1", "garbage", 7);
	ASSERT_ERR(dir_view_put(&v, P, &kv, err), -EINVAL, "garbage refused");
	e = dir_view_get(&v, P "hosts/h1");
	ASSERT_TRUE(e && e->create_revision == 5, "the good record stays");
	ASSERT_EQ(dir_view_count(&v, DIR_HOST), 1, "one host");
	ASSERT_TRUE(dir_view_delete(&v, (const uint8_t *)P "hosts/h1", strlen(P "hosts/h1")),
		    "delete");
	ASSERT_FALSE(dir_view_delete(&v, (const uint8_t *)P "hosts/h1", strlen(P "hosts/h1")),
		     "deleted once");
	ASSERT_EQ(v.n, 1, "the env is left");
	dir_view_free(&v);
}

static struct test_case tests[] = {
	{ "keys: every kind round trips with one spelling; others refused", test_keys },
	{ "values: fleet records of the key's kind, written back the same", test_values },
	{ "bad values: garbage, other kinds, other names' records refused", test_bad_values },
	{ "the view: garbage over a good record keeps it; deletes", test_view },
};

TEST_MAIN(tests)
