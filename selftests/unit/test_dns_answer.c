// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The DNS shim's decisions against a real model: per-caller views, the
 * name forms, NXDOMAIN for other environments shaped exactly like
 * NXDOMAIN for nothing, round robin, refusals, forwarding decisions, and
 * model changes seen by the very next query.
 */
#include "dns_fix.h"

static void test_views(void)
{
	struct fix f;
	struct result r;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	ask(&f, caller(&f, 2), "api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.act, DNS_ACT_REPLY, "answered here");
	ASSERT_EQ(r.rcode, DNS_RCODE_NOERROR, "rcode");
	ASSERT_TRUE(r.aa, "authoritative");
	ASSERT_EQ(r.na, 3, "p1/prod has 3 api replicas");
	ASSERT_TRUE(has_a(&r, 2) && has_a(&r, 3) && has_a(&r, 4), "exactly them");
	ask(&f, caller(&f, 6), "api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.na == 1 && has_a(&r, 6), "p1/dev sees its own");
	ask(&f, caller(&f, 7), "API.Warren.Internal", DNS_TYPE_AAAA, &r);
	ASSERT_EQ(r.naaaa, 1, "p2/prod, any case, AAAA");
	ask(&f, caller(&f, 7), "db.warren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "p2 does not see p1's db");
	teardown(&f);
}

static void test_name_forms(void)
{
	struct fix f;
	struct result r;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	ask(&f, caller(&f, 5), "1.api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.na == 1 && has_a(&r, 3), "replica 1");
	ask(&f, caller(&f, 5), "web.api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.na == 2 && has_a(&r, 2) && has_a(&r, 3), "type web");
	ask(&f, caller(&f, 5), "2.worker.api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.na == 1 && has_a(&r, 4), "replica 2 of type worker");
	ask(&f, caller(&f, 5), "0.worker.api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "no replica 0 of worker");
	ask(&f, caller(&f, 5), "0.web.api.prod.p1.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.na == 1 && has_a(&r, 2), "fully qualified replica");
	ask(&f, caller(&f, 5), "prod.p1.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 0 && r.ns == 1, "own env apex: NODATA");
	ask(&f, caller(&f, 5), "api.warren.internal", DNS_TYPE_MX, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 0 && r.ns == 1, "MX: NODATA + SOA");
	ask(&f, caller(&f, 5), "warren.internal", DNS_TYPE_SOA, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 1, "apex SOA");
	ask(&f, caller(&f, 5), "a.b.c.d.e.f.warren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "too deep");
	ASSERT_TRUE(caller(&f, 8) == NULL && caller6(&f, 8) != NULL, "IPv6-only caller");
	ask(&f, caller6(&f, 8), "api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 0, "IPv6-only env: no A");
	ask(&f, caller6(&f, 8), "api.warren.internal", DNS_TYPE_AAAA, &r);
	ASSERT_EQ(r.naaaa, 1, "IPv6-only env: AAAA");
	teardown(&f);
}

/* Same rcode, flags, counts and length: nothing tells the two apart. */
static void test_other_env_is_nxdomain(void)
{
	static const char *const pairs[][2] = {
		{ "api.prod.p2.warren.internal", "zzz.prod.p2.warren.internal" },
		{ "api.dev.p1.warren.internal", "api.dxx.p1.warren.internal" },
		{ "0.api.dev.p1.warren.internal", "0.api.dxx.p1.warren.internal" },
		{ "dev.p1.warren.internal", "dxx.p1.warren.internal" },
	};
	struct fix f;
	struct result a, b;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		ask(&f, caller(&f, 2), pairs[i][0], DNS_TYPE_A, &a);
		ask(&f, caller(&f, 2), pairs[i][1], DNS_TYPE_A, &b);
		ASSERT_EQ(a.rcode, DNS_RCODE_NXDOMAIN, pairs[i][0]);
		ASSERT_EQ(a.len, b.len, "same length");
		/* Everything after the question is identical (the SOA). */
		ASSERT_TRUE(!memcmp(a.out + 2, b.out + 2, 10), "same header");
		ASSERT_TRUE(a.len > 40 && !memcmp(a.out + a.len - 40, b.out + b.len - 40, 40),
			    "same authority section");
	}
	teardown(&f);
}

static void test_round_robin(void)
{
	struct fix f;
	struct result r;
	uint32_t first[3];

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	for (int i = 0; i < 3; i++) {
		ask(&f, caller(&f, 2), "api.warren.internal", DNS_TYPE_A, &r);
		first[i] = r.a[0];
		ASSERT_EQ(r.na, 3, "all three each time");
	}
	ASSERT_TRUE(first[0] != first[1] && first[1] != first[2] && first[0] != first[2],
		    "each answer starts with another replica");
	teardown(&f);
}

static void test_callers(void)
{
	struct fix f;
	struct result r;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	ask(&f, NULL, "api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_REFUSED, "no caller: refused");
	ask(&f, NULL, "example.com", DNS_TYPE_A, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_REFUSED, "no caller: no forwarding either");
	ASSERT_TRUE(caller(&f, 9) && caller(&f, 9)->build, "builder is slot 9");
	ask(&f, caller(&f, 9), "api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "build phase: no internal names");
	ask(&f, caller(&f, 9), "example.com", DNS_TYPE_A, &r);
	ASSERT_EQ(r.act, DNS_ACT_FORWARD, "build phase: public names forwarded");
	ask(&f, caller(&f, 2), "builder.warren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "a build-phase endpoint has no name");
	ASSERT_TRUE(caller(&f, 200) == NULL, "unused slot: no caller");
	ASSERT_TRUE(dns_view_caller4(&f.v, htonl(0x0ad20202)) == NULL, "other host's prefix");
	teardown(&f);
}

static void test_forwarding_decisions(void)
{
	struct fix f;
	struct result r;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	ask(&f, caller(&f, 2), "example.com", DNS_TYPE_A, &r);
	ASSERT_EQ(r.act, DNS_ACT_FORWARD, "public name");
	ask(&f, caller(&f, 2), "notwarren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.act, DNS_ACT_FORWARD, "suffix but not a label boundary");
	ask(&f, caller(&f, 2), "3.1.210.10.in-addr.arpa", DNS_TYPE_PTR, &r);
	ASSERT_TRUE(r.act == DNS_ACT_REPLY && r.rcode == DNS_RCODE_NXDOMAIN,
		    "fabric reverse names stay here");
	ask(&f, caller(&f, 2), "1.0.0.127.in-addr.arpa", DNS_TYPE_PTR, &r);
	ASSERT_EQ(r.act, DNS_ACT_FORWARD, "other reverse names go up");
	ask(&f, caller(&f, 2), "example.com", DNS_TYPE_AXFR, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_REFUSED, "no zone transfers through the shim");
	teardown(&f);
}

static void test_changes_seen_at_once(void)
{
	struct fix f;
	struct result r;
	char err[ERR_SIZE];
	struct endpoint *ep;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	ask(&f, caller(&f, 2), "db.warren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.na, 1, "db before");
	ASSERT_OK(model_service_rename(&f.m, "p1", "prod", "db", "database", err), "rename");
	ask(&f, caller(&f, 2), "db.warren.internal", DNS_TYPE_A, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "old name gone");
	ask(&f, caller(&f, 2), "database.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.na == 1 && has_a(&r, 5), "new name answers");
	ep = model_endpoint_find(&f.m, "p1", "prod", "api", 1);
	if (ASSERT_TRUE(ep != NULL, "api 1"))
		model_endpoint_remove(&f.m, ep->id);
	ask(&f, caller(&f, 2), "api.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.na == 2 && !has_a(&r, 3), "deleted replica gone");
	ASSERT_ERR(model_service_rename(&f.m, "p1", "prod", "api", "42", err), -EINVAL,
		   "numeric service name refused");
	ASSERT_ERR(model_service_rename(&f.m, "p1", "prod", "api", "database", err), -EEXIST,
		   "rename onto an existing service refused");
	teardown(&f);
}

static void test_truncation_and_malformed(void)
{
	struct fix f;
	struct result r;
	struct dns_query dq;
	uint8_t q[512], out[4096];
	size_t len, qlen;
	char err[ERR_SIZE];

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	/* 40 replicas of one service: more A records than 512 bytes hold. */
	for (uint32_t n = 10; n < 50; n++)
		add(&f.m, "p1", "prod", "many", n, "", false);
	ask(&f, caller(&f, 2), "many.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.tc && r.len <= 512 && r.na > 10 && r.na < 40, "UDP without EDNS: TC at 512");
	qlen = query(q, "many.warren.internal", DNS_TYPE_A, true);
	dns_answer(&f.v, caller(&f, 2), q, qlen, false, &dq, out, sizeof(out), &len, &f.st);
	ASSERT_TRUE(!(out[2] & 0x02) && (out[6] << 8 | out[7]) == 40, "EDNS 1232: all 40 fit");
	ASSERT_EQ(out[11], 1, "OPT echoed");
	dns_answer(&f.v, caller(&f, 2), q, 5, false, &dq, out, sizeof(out), &len, &f.st);
	ASSERT_EQ(dns_answer(&f.v, caller(&f, 2), q, 5, false, &dq, out, sizeof(out), &len,
			     &f.st), DNS_ACT_DROP, "short packet dropped");
	q[5] = 2;	/* two questions */
	ASSERT_EQ(dns_answer(&f.v, caller(&f, 2), q, qlen, false, &dq, out, sizeof(out), &len,
			     &f.st), DNS_ACT_REPLY, "answered");
	ASSERT_EQ(out[3] & 0xf, DNS_RCODE_FORMERR, "FORMERR");
	{
		struct dns_view bad;

		ASSERT_TRUE(dns_view_init(&bad, &f.m, "Bad..domain", 5, err) < 0,
			    "bad domain refused");
	}
	teardown(&f);
}

/*
 * A name that exists answers NOERROR with no records and the SOA for a
 * type it has none of, never NXDOMAIN: musl asks A and AAAA at once and
 * fails the lookup if either says the name does not exist.
 */
static void test_nodata(void)
{
	static const uint16_t types[] = { DNS_TYPE_A, DNS_TYPE_TXT, DNS_TYPE_MX, DNS_TYPE_SRV,
					  DNS_TYPE_PTR, DNS_TYPE_CNAME, 99 };
	static const char *const v6names[] = { "api.warren.internal", "0.api.warren.internal",
					       "api.six.p1.warren.internal",
					       "0.api.six.p1.warren.internal" };
	static const char *const names[] = { "api.warren.internal", "1.api.warren.internal",
					     "web.api.warren.internal",
					     "0.web.api.prod.p1.warren.internal", "db.warren.internal" };
	struct fix f;
	struct result r;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	for (size_t i = 0; i < sizeof(v6names) / sizeof(v6names[0]); i++) {
		ask(&f, caller6(&f, 8), v6names[i], DNS_TYPE_A, &r);
		ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 0 && r.ns == 1 && r.aa,
			    v6names[i]);
		ask(&f, caller6(&f, 8), v6names[i], DNS_TYPE_AAAA, &r);
		ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.naaaa == 1, v6names[i]);
		ask(&f, caller6(&f, 8), v6names[i], DNS_TYPE_ANY, &r);
		ASSERT_TRUE(r.naaaa == 1 && r.na == 0, "ANY in an IPv6-only env: AAAA only");
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (size_t t = 1; t < sizeof(types) / sizeof(types[0]); t++) {
			ask(&f, caller(&f, 2), names[i], types[t], &r);
			ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 0 && r.ns == 1, names[i]);
		}
	}
	/* The same types on a name that does not exist: NXDOMAIN, so the two differ. */
	ask(&f, caller(&f, 2), "7.api.warren.internal", DNS_TYPE_TXT, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "missing replica: NXDOMAIN");
	ASSERT_EQ(f.st.nodata, 4 + 5 * 6, "counted as nodata");
	teardown(&f);
}

/* 45 replicas without EDNS: what fits, TC set, a different window each time. */
static void test_truncation_rotates(void)
{
	bool seen[64] = {};
	uint32_t first = 0;
	struct fix f;
	struct result r;
	int distinct = 0;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	for (uint32_t n = 0; n < 45; n++)
		add(&f.m, "p1", "prod", "big", n, "", false);
	for (int i = 0; i < 45; i++) {
		ask(&f, caller(&f, 2), "big.warren.internal", DNS_TYPE_A, &r);
		if (!ASSERT_TRUE(r.tc && r.len <= 512 && r.an > 10 && r.an < 45 && r.ns == 0,
				 "TC, at most 512 bytes, part of the set"))
			break;
		if (i == 0)
			first = r.a[0];
		else if (i == 1)
			ASSERT_TRUE(r.a[0] != first, "the next answer starts elsewhere");
		for (int k = 0; k < r.na; k++) {
			uint32_t o = ntohl(r.a[k]) & 0xff;

			if (o < 64 && !seen[o]) {
				seen[o] = true;
				distinct++;
			}
		}
	}
	ASSERT_EQ(distinct, 45, "every replica appears in some answer");
	ask(&f, caller(&f, 2), "big.warren.internal", DNS_TYPE_AAAA, &r);
	ASSERT_TRUE(r.tc && r.len <= 512 && r.naaaa > 5, "AAAA: TC too");
	teardown(&f);
}

static struct test_case tests[] = {
	{ "per-caller views", test_views },
	{ "replica, type and fully qualified names", test_name_forms },
	{ "another environment's names look like no names", test_other_env_is_nxdomain },
	{ "round robin", test_round_robin },
	{ "refused, build-phase and unknown callers", test_callers },
	{ "what is forwarded and what is not", test_forwarding_decisions },
	{ "renames and deletes seen by the next query", test_changes_seen_at_once },
	{ "truncation and malformed queries", test_truncation_and_malformed },
	{ "existing names without the type: NODATA", test_nodata },
	{ "truncated answers rotate", test_truncation_rotates },
};

TEST_MAIN(tests)
