// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prefix parsing, membership and the n-th address. */
#include <arpa/inet.h>
#include "test.h"
#include "lib/addr.h"

static void test_prefix4_parse(void)
{
	static const char *const bad[] = { "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.1/24",
					   "10.0.0.0/-1", "10.0.0.0/+8", "x/8", "10.0.0.0/8x",
					   "/8", "10.0.0.0/024x", "" };
	struct prefix4 p;
	char buf[ADDR_STRLEN];

	if (!ASSERT_OK(prefix4_parse("10.210.1.0/24", &p), "parse"))
		return;
	ASSERT_EQ(p.len, 24, "len");
	ASSERT_EQ(p.addr, inet_addr("10.210.1.0"), "addr");
	prefix4_format(&p, buf, sizeof(buf));
	ASSERT_STREQ(buf, "10.210.1.0/24", "format");
	ASSERT_OK(prefix4_parse("0.0.0.0/0", &p), "default route");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_ERR(prefix4_parse(bad[i], &p), -EINVAL, bad[i]);
}

static void test_prefix6_parse(void)
{
	static const char *const bad[] = { "fd00::", "fd00::/129", "fd00::1/64", "fd00::/x",
					   "10.0.0.0/8", "fd00:::/48" };
	struct prefix6 p;
	char buf[ADDR_STRLEN];

	if (!ASSERT_OK(prefix6_parse("fd77:7761:7272:1::/64", &p), "parse"))
		return;
	ASSERT_EQ(p.len, 64, "len");
	prefix6_format(&p, buf, sizeof(buf));
	ASSERT_STREQ(buf, "fd77:7761:7272:1::/64", "format");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_ERR(prefix6_parse(bad[i], &p), -EINVAL, bad[i]);
}

static void test_masks(void)
{
	uint8_t m[16];

	ASSERT_EQ(prefix4_mask(0), 0, "/0");
	ASSERT_EQ(prefix4_mask(16), inet_addr("255.255.0.0"), "/16");
	ASSERT_EQ(prefix4_mask(32), 0xffffffffu, "/32");
	prefix6_mask(52, m);
	ASSERT_EQ(m[5], 0xff, "byte 5");
	ASSERT_EQ(m[6], 0xf0, "byte 6");
	ASSERT_EQ(m[7], 0, "byte 7");
}

static void test_contains_within(void)
{
	struct prefix4 f4, h4, o4;
	struct prefix6 f6, h6, o6;
	uint32_t a;

	prefix4_parse("10.210.0.0/16", &f4);
	prefix4_parse("10.210.1.0/24", &h4);
	prefix4_parse("10.211.0.0/24", &o4);
	prefix6_parse("fd77::/48", &f6);
	prefix6_parse("fd77:0:0:1::/64", &h6);
	prefix6_parse("fd78::/64", &o6);
	ASSERT_TRUE(prefix4_within(&h4, &f4), "host4 in fabric4");
	ASSERT_FALSE(prefix4_within(&f4, &h4), "fabric4 not in host4");
	ASSERT_FALSE(prefix4_within(&o4, &f4), "other4 not in fabric4");
	ASSERT_TRUE(prefix6_within(&h6, &f6), "host6 in fabric6");
	ASSERT_FALSE(prefix6_within(&o6, &f6), "other6 not in fabric6");
	addr4_parse("10.210.200.3", &a);
	ASSERT_TRUE(prefix4_contains(&f4, a), "contains");
	ASSERT_FALSE(prefix4_contains(&h4, a), "not contains");
}

static void test_nth(void)
{
	struct prefix4 p4;
	struct prefix6 p6;
	uint8_t a6[16], want[16];
	uint32_t a4;

	prefix4_parse("10.210.1.0/24", &p4);
	ASSERT_OK(prefix4_nth(&p4, 7, &a4), "nth 7");
	ASSERT_EQ(a4, inet_addr("10.210.1.7"), "10.210.1.7");
	ASSERT_OK(prefix4_nth(&p4, 255, &a4), "nth 255");
	ASSERT_ERR(prefix4_nth(&p4, 256, &a4), -ERANGE, "past the end");
	ASSERT_EQ(prefix4_size(&p4), 256, "size");

	prefix6_parse("fd77:7761:7272:1::/64", &p6);
	ASSERT_OK(prefix6_nth(&p6, 0x10203, a6), "nth6");
	addr6_parse("fd77:7761:7272:1::1:203", want);
	ASSERT_MEMEQ(a6, want, 16, "fd77:7761:7272:1::1:203");
	ASSERT_EQ(prefix6_size(&p6), UINT32_MAX, "size saturates");
	prefix6_parse("fd77::/126", &p6);
	ASSERT_ERR(prefix6_nth(&p6, 4, a6), -ERANGE, "/126 has 4");
}

static void test_mac(void)
{
	uint8_t mac[6];
	char buf[18];

	ASSERT_OK(mac_parse("02:77:00:00:00:2a", mac), "parse");
	mac_format(mac, buf, sizeof(buf));
	ASSERT_STREQ(buf, "02:77:00:00:00:2a", "round trip");
	ASSERT_ERR(mac_parse("02:77:00:00:00", mac), -EINVAL, "short");
	ASSERT_ERR(mac_parse("02:77:00:00:00:2a:", mac), -EINVAL, "trailing");
}

static struct test_case tests[] = {
	{ "prefix4 parse", test_prefix4_parse },
	{ "prefix6 parse", test_prefix6_parse },
	{ "masks", test_masks },
	{ "contains and within", test_contains_within },
	{ "n-th address", test_nth },
	{ "mac", test_mac },
};

TEST_MAIN(tests)
