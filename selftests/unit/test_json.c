// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lib/json: parsing strictly, typed access, building and dumping. */
#include <stdlib.h>
#include "test.h"
#include "lib/json.h"

static void test_parse_and_read(void)
{
	const char *t = " {\"cniVersion\":\"1.0.0\",\"n\":-42,\"big\":18446744073709551615,"
			"\"ok\":true,\"list\":[1,\"x\",null],\"o\":{\"k\":\"v\"}}\n";
	struct jv *v = NULL;
	char err[128] = "";
	int64_t n = 0;
	bool b = false;

	if (!ASSERT_OK(jv_parse(t, strlen(t), &v, err, sizeof(err)), "parse"))
		return;
	ASSERT_EQ(jv_kind(v), JV_OBJECT, "object");
	ASSERT_STREQ(jv_str(jv_get(v, "cniVersion")), "1.0.0", "string member");
	ASSERT_OK(jv_int(jv_get(v, "n"), &n), "integer");
	ASSERT_EQ(n, -42, "integer value");
	ASSERT_ERR(jv_int(jv_get(v, "big"), &n), -ERANGE, "past int64");
	ASSERT_ERR(jv_int(jv_get(v, "cniVersion"), &n), -EINVAL, "string is no integer");
	ASSERT_OK(jv_bool(jv_get(v, "ok"), &b), "boolean");
	ASSERT_TRUE(b, "boolean value");
	ASSERT_EQ(jv_len(jv_get(v, "list")), 3, "array length");
	ASSERT_STREQ(jv_str(jv_at(jv_get(v, "list"), 1)), "x", "array element");
	ASSERT_EQ(jv_kind(jv_at(jv_get(v, "list"), 2)), JV_NULL, "null element");
	ASSERT_TRUE(jv_at(jv_get(v, "list"), 3) == NULL, "past the end");
	ASSERT_TRUE(jv_get(v, "missing") == NULL, "missing member");
	ASSERT_TRUE(jv_get(jv_get(v, "list"), "k") == NULL, "member of a non-object");
	ASSERT_TRUE(jv_str(jv_get(v, "n")) == NULL, "integer is no string");
	ASSERT_STREQ(jv_str(jv_get(jv_get(v, "o"), "k")), "v", "nested");
	jv_free(v);
}

static void test_parse_rejects(void)
{
	static const char *const bad[] = {
		"", "   ", "{", "{\"a\":1,}", "{'a':1}", "{\"a\":1} x", "[1,2", "nul",
		"{\"a\":1}{\"b\":2}", "/* c */ {}",
	};
	struct jv *v = (struct jv *)1;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_ERR(jv_parse(bad[i], strlen(bad[i]), &v, err, sizeof(err)), -EINVAL, bad[i]);
		ASSERT_TRUE(v == NULL, "nothing returned");
		ASSERT_TRUE(err[0] != '\0', "a reason");
	}
	/* A NUL inside the text is no end of it. */
	ASSERT_ERR(jv_parse("{}\0{}", 5, &v, err, sizeof(err)), -EINVAL, "embedded NUL");
}

static int count_keys(const char *key, struct jv *val, void *arg)
{
	(*(int *)arg)++;
	return strcmp(key, "stop") ? 0 : 7;
}

static void test_build_and_dump(void)
{
	struct jv *o = jv_new_object(), *a = jv_new_array(), *back = NULL;
	char err[128], *text = NULL;
	int n = 0;

	if (!ASSERT_TRUE(o && a, "new")) {
		jv_free(a);
		goto out;
	}
	ASSERT_OK(jv_set_str(o, "name", "wl\"1/x"), "set string");
	ASSERT_OK(jv_set_int(o, "mtu", 1420), "set int");
	ASSERT_OK(jv_set_bool(o, "up", false), "set bool");
	ASSERT_OK(jv_append(a, jv_new_str("10.210.1.2/32")), "append");
	ASSERT_OK(jv_set(o, "ips", a), "set array");
	ASSERT_OK(jv_set_int(o, "mtu", 1280), "replace");
	ASSERT_ERR(jv_append(o, jv_new_int(1)), -EINVAL, "append to an object");
	ASSERT_ERR(jv_set(jv_get(o, "ips"), "k", jv_new_int(1)), -EINVAL, "set on an array");
	text = jv_dump(o, false);
	if (!ASSERT_TRUE(text != NULL, "dump"))
		goto out;
	ASSERT_STREQ(text, "{\"name\":\"wl\\\"1/x\",\"mtu\":1280,\"up\":false,"
			   "\"ips\":[\"10.210.1.2/32\"]}", "compact text");
	ASSERT_OK(jv_parse(text, strlen(text), &back, err, sizeof(err)), "round trip");
	ASSERT_STREQ(jv_str(jv_get(back, "name")), "wl\"1/x", "escapes survive");
	ASSERT_EQ(jv_each(o, count_keys, &n), 0, "each");
	ASSERT_EQ(n, 4, "every member");
	ASSERT_OK(jv_set_int(o, "stop", 1), "set");
	n = 0;
	ASSERT_EQ(jv_each(o, count_keys, &n), 7, "each stops");
	ASSERT_EQ(jv_kind(NULL), JV_NULL, "NULL is null");
	a = NULL;	/* o owns it */
out:
	free(text);
	jv_free(back);
	jv_free(o);
}

static struct test_case tests[] = {
	{ "parse and read", test_parse_and_read },
	{ "parse rejects", test_parse_rejects },
	{ "build and dump", test_build_and_dump },
};

TEST_MAIN(tests)
