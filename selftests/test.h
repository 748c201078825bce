/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small KTAP harness in the manner of tools/testing/selftests:
 * a test is a function; ASSERT_* print "# file:line: what" on failure
 * and evaluate to false so callers can `goto out`; each test prints
 * "ok N name" / "not ok N name" / "ok N name # SKIP reason".
 */
#ifndef WARREN_TEST_H
#define WARREN_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

extern int test_failed;		/* set by a failing ASSERT in the running test */
extern const char *test_skip;	/* set by test_skip_because() */

#define test_skip_because(reason) (test_skip = (reason))

#define ASSERT_TRUE(cond, what) ({					\
	bool ___ok = (cond);						\
	if (!___ok) {							\
		printf("# %s:%d: %s: expected true\n", __FILE__, __LINE__, what); \
		test_failed = 1;					\
	}								\
	___ok;								\
})

#define ASSERT_FALSE(cond, what) ASSERT_TRUE(!(cond), what)

#define ASSERT_EQ(a, b, what) ({					\
	long long ___a = (long long)(a), ___b = (long long)(b);	\
	bool ___ok = ___a == ___b;					\
	if (!___ok) {							\
		printf("# %s:%d: %s: got %lld, expected %lld\n",	\
		       __FILE__, __LINE__, what, ___a, ___b);		\
		test_failed = 1;					\
	}								\
	___ok;								\
})

#define ASSERT_OK(err, what) ({						\
	long long ___e = (long long)(err);				\
	bool ___ok = ___e == 0;						\
	if (!___ok) {							\
		printf("# %s:%d: %s: failed: %lld (%s)\n", __FILE__, __LINE__, \
		       what, ___e, ___e < 0 ? strerror((int)-___e) : ""); \
		test_failed = 1;					\
	}								\
	___ok;								\
})

#define ASSERT_ERR(err, expected, what) ASSERT_EQ(err, expected, what)

#define ASSERT_STREQ(a, b, what) ({					\
	const char *___a = (a), *___b = (b);				\
	bool ___ok = ___a && ___b && !strcmp(___a, ___b);		\
	if (!___ok) {							\
		printf("# %s:%d: %s: got \"%s\", expected \"%s\"\n",	\
		       __FILE__, __LINE__, what, ___a ? ___a : "(null)", \
		       ___b ? ___b : "(null)");				\
		test_failed = 1;					\
	}								\
	___ok;								\
})

#define ASSERT_MEMEQ(a, b, len, what) ({				\
	bool ___ok = !memcmp((a), (b), (len));				\
	if (!___ok) {							\
		printf("# %s:%d: %s: bytes differ\n", __FILE__, __LINE__, what); \
		test_failed = 1;					\
	}								\
	___ok;								\
})

/*
 * Define the table, then `TEST_MAIN(tests)`. Exit status is 1 if any test
 * failed, so the runner and CI see failures even without parsing TAP.
 */
#define TEST_MAIN(table)						\
int test_failed;							\
const char *test_skip;							\
int main(void)								\
{									\
	int n = sizeof(table) / sizeof(table[0]), failed = 0;		\
	setvbuf(stdout, NULL, _IOLBF, 0);				\
	printf("TAP version 13\n1..%d\n", n);				\
	for (int i = 0; i < n; i++) {					\
		test_failed = 0;					\
		test_skip = NULL;					\
		table[i].fn();						\
		if (test_skip && !test_failed)				\
			printf("ok %d %s # SKIP %s\n", i + 1, table[i].name, test_skip); \
		else if (test_failed) {					\
			printf("not ok %d %s\n", i + 1, table[i].name);	\
			failed++;					\
		} else							\
			printf("ok %d %s\n", i + 1, table[i].name);	\
	}								\
	return failed ? 1 : 0;						\
}

#endif
