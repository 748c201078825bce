// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The DNS shim's decisions against a real model: per-caller views, the
 * name forms, NXDOMAIN for other environments shaped exactly like
 * NXDOMAIN for nothing, round robin, refusals, forwarding decisions, and
 * model changes seen by the very next query.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include "test.h"
#include "dns/dns_answer.h"
#include "core/model.h"


struct fix {
	struct model m;
	struct dns_view v;
	struct dns_stats st;
};

static int add(struct model *m, const char *p, const char *e, const char *s, uint32_t n,
	       const char *type, bool build)
{
	struct endpoint_req r = { .replica = n, .build = build };
	struct endpoint ep;
	char err[ERR_SIZE];
	int ret;

	snprintf(r.project, sizeof(r.project), "%s", p);
	snprintf(r.env, sizeof(r.env), "%s", e);
	snprintf(r.service, sizeof(r.service), "%s", s);
	snprintf(r.type, sizeof(r.type), "%s", type);
	snprintf(r.netns, sizeof(r.netns), "wl%s%s%s%u", p, e, s, n);
	ret = model_endpoint_prepare(m, &r, &ep, err);
	return ret ? ret : model_endpoint_insert(m, &ep, err);
}

static bool setup(struct fix *f)
{
	struct fabric_config cfg;
	char err[ERR_SIZE];

	memset(f, 0, sizeof(*f));
	prefix4_parse("10.210.0.0/16", &cfg.fabric4);
	prefix6_parse("fd77:7761:7272::/48", &cfg.fabric6);
	prefix4_parse("10.210.1.0/24", &cfg.host4);
	prefix6_parse("fd77:7761:7272:1::/64", &cfg.host6);
	model_init(&f->m, &cfg);
	/* slots from 2 in order: p1/prod api 0,1,2 = .2 .3 .4, db .5, p1/dev api .6, p2 api .7 */
	return !model_project_add(&f->m, "p1", err) && !model_project_add(&f->m, "p2", err) &&
	       !model_env_add(&f->m, "p1", "prod", false, err) &&
	       !model_env_add(&f->m, "p1", "dev", false, err) &&
	       !model_env_add(&f->m, "p2", "prod", false, err) &&
	       !model_env_add(&f->m, "p1", "six", true, err) &&
	       !add(&f->m, "p1", "prod", "api", 0, "web", false) &&
	       !add(&f->m, "p1", "prod", "api", 1, "web", false) &&
	       !add(&f->m, "p1", "prod", "api", 2, "worker", false) &&
	       !add(&f->m, "p1", "prod", "db", 0, "", false) &&
	       !add(&f->m, "p1", "dev", "api", 0, "", false) &&
	       !add(&f->m, "p2", "prod", "api", 0, "", false) &&
	       !add(&f->m, "p1", "six", "api", 0, "", false) &&
	       !add(&f->m, "p1", "prod", "builder", 0, "", true) &&
	       !dns_view_init(&f->v, &f->m, "warren.internal", 5, err);
}

static void teardown(struct fix *f)
{
	dns_view_free(&f->v);
	model_free(&f->m);
}

static const struct endpoint *caller(struct fix *f, int last_octet)
{
	return dns_view_caller4(&f->v, htonl(0x0ad20100u | (uint32_t)last_octet));
}

/* An IPv6-only endpoint asks from its IPv6 address. */
static const struct endpoint *caller6(struct fix *f, int slot)
{
	uint8_t a[16] = { 0xfd, 0x77, 0x77, 0x61, 0x72, 0x72, 0, 1, [15] = (uint8_t)slot };

	return dns_view_caller6(&f->v, a);
}

/* A query for name/type, optionally with an OPT record. */
static size_t query(uint8_t *buf, const char *name, uint16_t type, bool edns)
{
	static const uint8_t hdr[12] = { 0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	int n;

	memcpy(buf, hdr, 12);
	n = dns_name_write(name, buf + 12, 300);
	if (n < 0)
		return 0;
	buf += 12 + n;
	buf[0] = (uint8_t)(type >> 8);
	buf[1] = (uint8_t)type;
	buf[2] = 0;
	buf[3] = 1;
	if (!edns)
		return 12 + (size_t)n + 4;
	memcpy(buf + 4, "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
	buf[-12 + -n + 11] = 1;	/* arcount = 1 */
	return 12 + (size_t)n + 4 + 11;
}

struct result {
	enum dns_action act;
	uint8_t rcode;
	bool aa, tc;
	int an, ns, ar;
	size_t len;
	uint32_t a[16];		/* A records, in order */
	int na;
	int naaaa;
	int nsrv;
	uint16_t srv_port[16];
	char srv_target[16][DNS_NAME_STR_SIZE];
	uint8_t out[4096];
};

static void ask(struct fix *f, const struct endpoint *c, const char *name, uint16_t type,
		struct result *r)
{
	uint8_t q[512];
	struct dns_query dq;
	size_t qlen = query(q, name, type, false), off;

	memset(r, 0, sizeof(*r));
	r->act = dns_answer(&f->v, c, q, qlen, false, &dq, r->out, sizeof(r->out), &r->len, &f->st);
	if (r->act != DNS_ACT_REPLY || r->len < 12)
		return;
	r->rcode = r->out[3] & 0xf;
	r->aa = r->out[2] & 0x04;
	r->tc = r->out[2] & 0x02;
	r->an = r->out[6] << 8 | r->out[7];
	r->ns = r->out[8] << 8 | r->out[9];
	r->ar = r->out[10] << 8 | r->out[11];
	/* Answers follow the question, each owned by a pointer to it. */
	off = qlen;
	for (int i = 0; i < r->an && off + 12 <= r->len; i++) {
		uint16_t t = (uint16_t)(r->out[off + 2] << 8 | r->out[off + 3]);
		uint16_t rdlen = (uint16_t)(r->out[off + 10] << 8 | r->out[off + 11]);

		if (t == DNS_TYPE_A && r->na < 16)
			memcpy(&r->a[r->na++], r->out + off + 12, 4);
		if (t == DNS_TYPE_AAAA)
			r->naaaa++;
		if (t == DNS_TYPE_SRV && r->nsrv < 16) {
			size_t toff = off + 12 + 6;

			r->srv_port[r->nsrv] = (uint16_t)(r->out[off + 16] << 8 | r->out[off + 17]);
			if (dns_name_read(r->out, r->len, &toff, r->srv_target[r->nsrv]) < 0)
				r->srv_target[r->nsrv][0] = '\0';
			r->nsrv++;
		}
		off += 12 + rdlen;
	}
}

static bool has_a(const struct result *r, int last_octet)
{
	for (int i = 0; i < r->na; i++)
		if (r->a[i] == htonl(0x0ad20100u | (uint32_t)last_octet))
			return true;
	return false;
}

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

static int add_ports(struct model *m, const char *s, uint32_t n, const char *type,
		     const char *ports)
{
	struct endpoint_req r = { .replica = n };
	struct endpoint ep;
	char err[ERR_SIZE];
	int ret;

	snprintf(r.project, sizeof(r.project), "p1");
	snprintf(r.env, sizeof(r.env), "prod");
	snprintf(r.service, sizeof(r.service), "%s", s);
	snprintf(r.type, sizeof(r.type), "%s", type);
	snprintf(r.netns, sizeof(r.netns), "wlp%s%u", s, n);
	if (port_list_parse(ports, &r.ports, err, sizeof(err)))
		return -EINVAL;
	ret = model_endpoint_prepare(m, &r, &ep, err);
	return ret ? ret : model_endpoint_insert(m, &ep, err);
}

/* Equal length, header and tail: an answer that tells nothing the other does not. */
static bool same_shape(const struct result *a, const struct result *b)
{
	return a->len == b->len && !memcmp(a->out + 2, b->out + 2, 10) && a->len > 40 &&
	       !memcmp(a->out + a->len - 40, b->out + b->len - 40, 40);
}

static void test_srv(void)
{
	struct fix f;
	struct result r, x;
	bool t0 = false, t1 = false;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	/* svc: replicas 0 and 1 serve http/tcp, replica 0 also dns/udp; 2 declares none */
	if (!ASSERT_OK(add_ports(&f.m, "svc", 0, "web", "http=8080/tcp,dns=53/udp"), "svc 0") ||
	    !ASSERT_OK(add_ports(&f.m, "svc", 1, "", "http=8081/tcp"), "svc 1") ||
	    !ASSERT_OK(add_ports(&f.m, "svc", 2, "", ""), "svc 2"))
		goto out;
	ask(&f, caller(&f, 2), "_http._tcp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.aa && r.nsrv == 2 && r.an == 2, "two SRV");
	for (int i = 0; i < r.nsrv && i < 2; i++) {
		t0 |= r.srv_port[i] == 8080 && !strcmp(r.srv_target[i], "0.svc.warren.internal");
		t1 |= r.srv_port[i] == 8081 && !strcmp(r.srv_target[i], "1.svc.warren.internal");
	}
	ASSERT_TRUE(t0 && t1, "ports and targets per replica");
	ASSERT_EQ(r.ar, 4, "targets' A and AAAA in the additional section");
	ask(&f, caller(&f, 2), "_http._tcp.svc.warren.internal", DNS_TYPE_SRV, &x);
	ASSERT_TRUE(x.nsrv == 2 && x.srv_port[0] != r.srv_port[0], "SRV rotates");
	ask(&f, caller(&f, 2), "0.svc.warren.internal", DNS_TYPE_A, &x);
	ASSERT_EQ(x.na, 1, "the target resolves");
	ask(&f, caller(&f, 2), "_dns._udp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.nsrv == 1 && r.srv_port[0] == 53, "dns/udp: replica 0 only");
	ask(&f, caller(&f, 2), "_http._tcp.1.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.nsrv == 1 && r.srv_port[0] == 8081, "replica form");
	ask(&f, caller(&f, 2), "_http._tcp.web.svc.prod.p1.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.nsrv == 1 && r.srv_port[0] == 8080, "type form, fully qualified");
	ask(&f, caller(&f, 2), "_http._tcp.svc.warren.internal", DNS_TYPE_A, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 0 && r.ns == 1, "A on it: NODATA");
	ask(&f, caller(&f, 2), "_http._tcp.svc.warren.internal", DNS_TYPE_ANY, &r);
	ASSERT_EQ(r.nsrv, 2, "ANY: the SRV records");
	ask(&f, caller(&f, 2), "svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NOERROR && r.an == 0, "SRV on the service: NODATA");

	/* Names no replica declares are names that do not exist, shaped alike. */
	ask(&f, caller(&f, 2), "_http._udp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ask(&f, caller(&f, 2), "_http._udp.zzz.warren.internal", DNS_TYPE_SRV, &x);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NXDOMAIN && same_shape(&r, &x), "undeclared port");
	ask(&f, caller(&f, 2), "_http._tcp.2.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "a replica without the port");
	ask(&f, caller(&f, 2), "_ht_p._tcp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "not a port name");
	ask(&f, caller(&f, 2), "_http._sctp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "not tcp or udp");
	/* Another environment's SRV name answers as one that exists nowhere. */
	ask(&f, caller(&f, 6), "_http._tcp.svc.prod.p1.warren.internal", DNS_TYPE_SRV, &r);
	ask(&f, caller(&f, 6), "_http._tcp.zzz.prod.p1.warren.internal", DNS_TYPE_SRV, &x);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NXDOMAIN && same_shape(&r, &x), "other env: exact NXDOMAIN");
	ask(&f, caller(&f, 6), "_http._tcp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ask(&f, caller(&f, 6), "_http._tcp.zzz.warren.internal", DNS_TYPE_SRV, &x);
	ASSERT_TRUE(r.rcode == DNS_RCODE_NXDOMAIN && same_shape(&r, &x), "other env, short form");
	ask(&f, caller(&f, 9), "_http._tcp.svc.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_EQ(r.rcode, DNS_RCODE_NXDOMAIN, "build-phase caller: nothing");
out:
	teardown(&f);
}

/* 45 replicas with a port: as many SRV as 512 bytes hold, TC; additional data never sets TC. */
static void test_srv_truncation(void)
{
	struct fix f;
	struct result r;

	if (!ASSERT_TRUE(setup(&f), "setup"))
		return;
	for (uint32_t n = 0; n < 45; n++)
		add_ports(&f.m, "big", n, "", "http=80/tcp");
	ask(&f, caller(&f, 2), "_http._tcp.big.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(r.tc && r.len <= 512 && r.nsrv > 5 && r.nsrv < 45, "TC at 512");
	ASSERT_EQ(r.ar, 0, "no additional data when the answers did not fit");
	add_ports(&f.m, "two", 0, "", "http=80/tcp");
	add_ports(&f.m, "two", 1, "", "http=80/tcp");
	ask(&f, caller(&f, 2), "_http._tcp.two.warren.internal", DNS_TYPE_SRV, &r);
	ASSERT_TRUE(!r.tc && r.nsrv == 2 && r.ar == 4, "two fit with their addresses");
	teardown(&f);
}

static void test_ports_rules(void)
{
	static const char *const bad[] = { "http", "=80/tcp", "http=80", "http=0/tcp",
		"http=65536/tcp", "http=080/tcp", "http=80/sctp", "http=80/TCP", "HTTP=80/tcp",
		"-http=80/tcp", "http-=80/tcp", "ht--tp=80/tcp", "1234=80/tcp",
		"abcdefghijklmnop=80/tcp", "ht_p=80/tcp", "http=8x/tcp", "http=/tcp" };
	static const char *const good[] = { "http=80/tcp", "h=1/udp", "a1-b2=65535/tcp",
		"abcdefghijklmno=8080/udp", "9p=564/tcp" };
	struct port_list l;
	struct port_spec p;
	char err[ERR_SIZE], txt[PORTS_STR_SIZE];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_ERR(port_spec_parse(bad[i], &p, err, sizeof(err)), -EINVAL, bad[i]);
		ASSERT_TRUE(strstr(err, bad[i]) != NULL, "the error names the spec");
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ASSERT_OK(port_spec_parse(good[i], &p, err, sizeof(err)), good[i]);
	ASSERT_OK(port_list_parse("http=80/tcp,http=80/udp,dns=53/udp", &l, err, sizeof(err)),
		  "list");
	port_list_format(&l, txt, sizeof(txt));
	ASSERT_STREQ(txt, "http=80/tcp,http=80/udp,dns=53/udp", "formatted back");
	ASSERT_ERR(port_list_parse("http=80/tcp,http=81/tcp", &l, err, sizeof(err)), -EEXIST,
		   "same name and protocol twice");
	ASSERT_EQ(l.n, 0, "a refused list is empty");
	ASSERT_ERR(port_list_parse("a=1/tcp,,b=2/tcp", &l, err, sizeof(err)), -EINVAL, "empty entry");
	ASSERT_ERR(port_list_parse("a=1/tcp,", &l, err, sizeof(err)), -EINVAL, "trailing comma");
	ASSERT_ERR(port_list_parse("a=1/tcp,b=1/tcp,c=1/tcp,d=1/tcp,e=1/tcp,f=1/tcp,g=1/tcp,"
				   "h=1/tcp,i=1/tcp", &l, err, sizeof(err)), -E2BIG, "nine ports");
	ASSERT_OK(port_list_parse("", &l, err, sizeof(err)), "no ports");
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
	{ "SRV for named ports", test_srv },
	{ "SRV truncation", test_srv_truncation },
	{ "port specs", test_ports_rules },
};

TEST_MAIN(tests)
