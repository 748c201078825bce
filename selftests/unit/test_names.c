// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Names that become DNS labels, replica numbers, netns references. */
#include "test.h"
#include "lib/names.h"

static void test_labels(void)
{
	static const char *const good[] = { "a", "web", "api-v2", "0", "x1",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	static const char *const bad[] = { "", "-web", "web-", "Web", "we b", "we.b", "wé",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a_b" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ASSERT_TRUE(name_valid(good[i]), good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_FALSE(name_valid(bad[i]), bad[i]);
	ASSERT_FALSE(name_valid(NULL), "NULL");
}

static void test_replica(void)
{
	uint32_t r;

	ASSERT_OK(replica_parse("0", &r), "0");
	ASSERT_EQ(r, 0, "value 0");
	ASSERT_OK(replica_parse("99999", &r), "max");
	ASSERT_ERR(replica_parse("100000", &r), -EINVAL, "too big");
	ASSERT_ERR(replica_parse("07", &r), -EINVAL, "leading zero");
	ASSERT_ERR(replica_parse("-1", &r), -EINVAL, "negative");
	ASSERT_ERR(replica_parse("1x", &r), -EINVAL, "junk");
	ASSERT_ERR(replica_parse("", &r), -EINVAL, "empty");
	ASSERT_ERR(replica_parse(NULL, &r), -EINVAL, "missing");
	ASSERT_ERR(u32_parse("99999999999", UINT32_MAX, &r), -EINVAL, "overflow");
}

static void test_netns_ref(void)
{
	ASSERT_TRUE(netns_ref_valid("wl1"), "name");
	ASSERT_TRUE(netns_ref_valid("/proc/123/ns/net"), "path");
	ASSERT_FALSE(netns_ref_valid("a/b"), "relative path");
	ASSERT_FALSE(netns_ref_valid("../x"), "dotdot");
	ASSERT_FALSE(netns_ref_valid("/run/netns/../x"), "dotdot in path");
	ASSERT_FALSE(netns_ref_valid("a b"), "space");
	ASSERT_FALSE(netns_ref_valid(""), "empty");
	ASSERT_FALSE(netns_ref_valid("."), "dot");
}

static struct test_case tests[] = {
	{ "dns labels", test_labels },
	{ "replica numbers", test_replica },
	{ "netns references", test_netns_ref },
};

TEST_MAIN(tests)
