// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Names that become DNS labels, replica numbers, netns references. */
#include <string.h>
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

static void test_container_ifname(void)
{
	static const char *const good_ids[] = { "a", "94bac0ce73e0", "cid-1", "x_y.z", "A9" };
	static const char *const bad_ids[] = { "", "-a", ".a", "a/b", "a b", "a;b", "a=b" };
	char longid[CONTAINER_ID_SIZE + 1];

	for (size_t i = 0; i < sizeof(good_ids) / sizeof(good_ids[0]); i++)
		ASSERT_TRUE(container_id_valid(good_ids[i]), good_ids[i]);
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		ASSERT_FALSE(container_id_valid(bad_ids[i]), bad_ids[i]);
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ASSERT_FALSE(container_id_valid(longid), "128 characters");
	longid[CONTAINER_ID_SIZE - 1] = '\0';
	ASSERT_TRUE(container_id_valid(longid), "127 characters");
	ASSERT_FALSE(container_id_valid(NULL), "NULL");

	ASSERT_TRUE(ifname_valid("eth0"), "eth0");
	ASSERT_TRUE(ifname_valid("123456789012345"), "15 bytes");
	ASSERT_FALSE(ifname_valid("1234567890123456"), "16 bytes");
	ASSERT_FALSE(ifname_valid(""), "empty");
	ASSERT_FALSE(ifname_valid("."), "dot");
	ASSERT_FALSE(ifname_valid(".."), "dotdot");
	ASSERT_FALSE(ifname_valid("a/b"), "slash");
	ASSERT_FALSE(ifname_valid("a:b"), "colon");
	ASSERT_FALSE(ifname_valid("a b"), "space");
}

static struct test_case tests[] = {
	{ "container ids and interface names", test_container_ifname },
	{ "dns labels", test_labels },
	{ "replica numbers", test_replica },
	{ "netns references", test_netns_ref },
};

TEST_MAIN(tests)
