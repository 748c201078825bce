// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The control protocol's framing: round trips and malformed input. */
#include <stdlib.h>
#include "test.h"
#include "lib/kv.h"

static void test_round_trip(void)
{
	struct kv a, b;
	char *buf = NULL;
	size_t len;

	kv_init(&a);
	ASSERT_OK(kv_add(&a, "cmd", "endpoint-add"), "add");
	ASSERT_OK(kv_addf(&a, "replica", "%u", 3), "addf");
	ASSERT_OK(kv_add(&a, "type", ""), "empty value");
	if (!ASSERT_OK(kv_format(&a, &buf, &len), "format"))
		goto out;
	ASSERT_STREQ(buf, "cmd=endpoint-add\nreplica=3\ntype=\n\n", "wire form");
	ASSERT_EQ(kv_parse(buf, len, &b), (int)len, "parse consumes all");
	ASSERT_STREQ(kv_get(&b, "replica"), "3", "value");
	ASSERT_STREQ(kv_get(&b, "type"), "", "empty value kept");
	ASSERT_TRUE(kv_get(&b, "nope") == NULL, "missing key");
	kv_free(&b);
out:
	free(buf);
	kv_free(&a);
}

static void test_incomplete_and_malformed(void)
{
	struct kv kv;

	ASSERT_ERR(kv_parse("cmd=x\n", 6, &kv), -EAGAIN, "no terminator yet");
	ASSERT_ERR(kv_parse("cmd=x", 5, &kv), -EAGAIN, "partial line");
	ASSERT_ERR(kv_parse("cmdx\n\n", 6, &kv), -EINVAL, "no =");
	ASSERT_ERR(kv_parse("=x\n\n", 4, &kv), -EINVAL, "empty key");
	ASSERT_ERR(kv_parse("CMD=x\n\n", 7, &kv), -EINVAL, "upper-case key");
	ASSERT_ERR(kv_parse("a=\x01\n\n", 5, &kv), -EINVAL, "control char");
	ASSERT_EQ(kv_parse("\n", 1, &kv), 1, "empty message");
	ASSERT_EQ(kv.n, 0, "no pairs");
	kv_free(&kv);
}

static void test_add_rejects(void)
{
	struct kv kv;

	kv_init(&kv);
	ASSERT_ERR(kv_add(&kv, "a", "x\ny=1"), -EINVAL, "newline injection");
	ASSERT_ERR(kv_add(&kv, "a b", "x"), -EINVAL, "space in key");
	ASSERT_EQ(kv.n, 0, "nothing added");
	kv_free(&kv);
}

static struct test_case tests[] = {
	{ "round trip", test_round_trip },
	{ "incomplete and malformed", test_incomplete_and_malformed },
	{ "add rejects injection", test_add_rejects },
};

TEST_MAIN(tests)
