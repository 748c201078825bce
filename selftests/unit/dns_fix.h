/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DNS answer tests' fixture: a real model (two projects, four
 * environments, typed replicas, an IPv6-only environment, a build-phase
 * endpoint), a view over it, and a query/answer helper that decodes what
 * came back. Included by test_dns_answer.c and test_dns_srv.c.
 */
#ifndef WARREN_TEST_DNS_FIX_H
#define WARREN_TEST_DNS_FIX_H

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

static inline int add(struct model *m, const char *p, const char *e, const char *s, uint32_t n,
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

static inline bool setup(struct fix *f)
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

static inline void teardown(struct fix *f)
{
	dns_view_free(&f->v);
	model_free(&f->m);
}

static inline const struct endpoint *caller(struct fix *f, int last_octet)
{
	return dns_view_caller4(&f->v, htonl(0x0ad20100u | (uint32_t)last_octet));
}

/* An IPv6-only endpoint asks from its IPv6 address. */
static inline const struct endpoint *caller6(struct fix *f, int slot)
{
	uint8_t a[16] = { 0xfd, 0x77, 0x77, 0x61, 0x72, 0x72, 0, 1, [15] = (uint8_t)slot };

	return dns_view_caller6(&f->v, a);
}

/* A query for name/type, optionally with an OPT record. */
static inline size_t query(uint8_t *buf, const char *name, uint16_t type, bool edns)
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

static inline void ask(struct fix *f, const struct endpoint *c, const char *name, uint16_t type,
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

static inline bool has_a(const struct result *r, int last_octet)
{
	for (int i = 0; i < r->na; i++)
		if (r->a[i] == htonl(0x0ad20100u | (uint32_t)last_octet))
			return true;
	return false;
}

#endif
