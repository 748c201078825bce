// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_answer.h"
#include "dns/dns_fast.h"
#include "dns/dns_wire.h"

/* The client size the entries must fit: a client without EDNS0 takes 512. */
#define FAST_UDP_LIMIT DNS_UDP_MIN

void dns_fast_set_free(struct dns_fast_set *s)
{
	free(s->e);
	memset(s, 0, sizeof(*s));
}

int dns_fast_set_add(struct dns_fast_set *s, const struct dns_fast_entry *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct dns_fast_entry *bigger = realloc(s->e, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		s->e = bigger;
		s->cap = cap;
	}
	s->e[s->n++] = *e;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(&((const struct dns_fast_entry *)a)->key,
		      &((const struct dns_fast_entry *)b)->key, sizeof(struct warren_dns_key));
}

void dns_fast_set_sort(struct dns_fast_set *s)
{
	size_t w = 0;

	if (s->n)
		qsort(s->e, s->n, sizeof(s->e[0]), cmp_entry);
	/* Two spellings of one name (service and its only type) are one key. */
	for (size_t i = 0; i < s->n; i++)
		if (!w || cmp_entry(&s->e[w - 1], &s->e[i]))
			s->e[w++] = s->e[i];
	s->n = w;
}

int dns_fast_key_name(const char *name, uint8_t out[WARREN_DNS_NAME_MAX])
{
	uint8_t wire[DNS_NAME_WIRE_MAX];
	int n = dns_name_write(name, wire, sizeof(wire));

	if (n < 0)
		return n;
	if (n > WARREN_DNS_NAME_MAX)
		return -ENAMETOOLONG;
	memset(out, 0, WARREN_DNS_NAME_MAX);
	memcpy(out, wire, (size_t)n);
	return n;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The query the fast path would answer: RD set, one OPT of the smallest
 * size, so what the shim says fits every client the fast path answers.
 */
static size_t make_query(const uint8_t *wire, int wlen, uint16_t qtype, uint8_t *pkt)
{
	static const uint8_t opt[11] = { 0, 0, DNS_TYPE_OPT, FAST_UDP_LIMIT >> 8,
					 FAST_UDP_LIMIT & 0xff, 0, 0, 0, 0, 0, 0 };
	size_t o = DNS_HDR_LEN;

	memset(pkt, 0, DNS_HDR_LEN);
	pkt[2] = DNS_FLAG_RD >> 8;
	pkt[5] = 1;		/* QDCOUNT */
	pkt[11] = 1;		/* ARCOUNT: the OPT */
	memcpy(pkt + o, wire, (size_t)wlen);
	o += (size_t)wlen;
	pkt[o++] = (uint8_t)(qtype >> 8);
	pkt[o++] = (uint8_t)qtype;
	pkt[o++] = 0;
	pkt[o++] = DNS_CLASS_IN;
	memcpy(pkt + o, opt, sizeof(opt));
	return o + sizeof(opt);
}

/*
 * Read the records out of the shim's answer: 1 (entry filled), 0 (no
 * records: NXDOMAIN, NODATA), -E2BIG (truncated or too many), -EPROTO
 * (something the fast path could not reproduce).
 */
static int parse_answer(const uint8_t *a, size_t len, size_t qend, uint16_t qtype,
			struct warren_dns_answer *v)
{
	size_t alen = qtype == DNS_TYPE_A ? 4 : 16, o = qend;
	uint16_t an;

	memset(v, 0, sizeof(*v));
	if (len < qend || (a[3] & 0x0f) != DNS_RCODE_NOERROR)
		return 0;
	if (a[2] & (DNS_FLAG_TC >> 8))
		return -E2BIG;
	an = get16(a + 6);
	if (!an)
		return 0;
	if (an > WARREN_DNS_MAX_RECORDS)
		return -E2BIG;
	if (get16(a + 4) != 1 || get16(a + 8) || get16(a + 10) != 1)
		return -EPROTO;
	for (uint16_t i = 0; i < an; i++, o += 12 + alen) {
		const uint8_t *r = a + o;

		if (o + 12 + alen > len || get16(r) != (0xc000 | DNS_HDR_LEN) || get16(r + 2) != qtype ||
		    get16(r + 4) != DNS_CLASS_IN || get16(r + 10) != alen)
			return -EPROTO;
		v->ttl = (uint32_t)get16(r + 6) << 16 | get16(r + 8);
		memcpy(v->addr[i], r + 12, alen);
	}
	/* The OPT: the size the fast path echoes. */
	if (o + 11 != len || a[o] || get16(a + o + 1) != DNS_TYPE_OPT)
		return -EPROTO;
	v->udp_size = get16(a + o + 3);
	v->count = (uint8_t)an;
	return 1;
}

/* Ask the shim's builder name/qtype as caller; add an entry when it has records. */
static int ask(struct dns_view *v, const struct endpoint *caller, uint32_t env_id,
	       const char *name, struct dns_group *g, uint16_t qtype, struct dns_fast_set *out)
{
	uint8_t wire[WARREN_DNS_NAME_MAX], pkt[DNS_HDR_LEN + WARREN_DNS_NAME_MAX + 4 + 11];
	uint8_t ans[FAST_UDP_LIMIT];
	struct dns_fast_entry e = {};
	struct dns_stats st = {};
	struct dns_query q;
	size_t len, alen = 0;
	int wlen = dns_fast_key_name(name, wire), ret;

	if (wlen == -ENAMETOOLONG) {
		out->too_long++;
		return 0;
	}
	if (wlen < 0)
		return 0;
	len = make_query(wire, wlen, qtype, pkt);
	/* The answer in its first rotation, whatever the shim's own position. */
	g->rr = 0;
	if (dns_answer(v, caller, pkt, len, false, &q, ans, sizeof(ans), &alen, &st) != DNS_ACT_REPLY)
		return 0;
	ret = parse_answer(ans, alen, q.question_end, qtype, &e.val);
	if (ret == -E2BIG)
		out->too_big++;
	if (ret <= 0)
		return 0;
	e.key.env_id = env_id;
	e.key.qtype = htons(qtype);
	memcpy(e.key.name, wire, sizeof(e.key.name));
	return dns_fast_set_add(out, &e);
}

/* The spellings of an endpoint's names for its own environment's callers. */
static int names_of(const struct endpoint *ep, const char *domain, char out[8][DNS_NAME_STR_SIZE])
{
	char rel[4][3 * NAME_SIZE + 16];
	int n = 0, k = 0;

	snprintf(rel[n++], sizeof(rel[0]), "%s", ep->service);
	snprintf(rel[n++], sizeof(rel[0]), "%u.%s", ep->replica, ep->service);
	if (ep->type[0]) {
		snprintf(rel[n++], sizeof(rel[0]), "%s.%s", ep->type, ep->service);
		snprintf(rel[n++], sizeof(rel[0]), "%u.%s.%s", ep->replica, ep->type, ep->service);
	}
	for (int i = 0; i < n; i++) {
		snprintf(out[k++], DNS_NAME_STR_SIZE, "%s.%s", rel[i], domain);
		snprintf(out[k++], DNS_NAME_STR_SIZE, "%s.%s.%s.%s", rel[i], ep->env, ep->project,
			 domain);
	}
	return k;
}

/* A local endpoint of the environment that the shim answers: a caller to ask as. */
static const struct endpoint *caller_of(const struct model *m, const struct env *e)
{
	for (size_t i = 0; i < m->n_endpoints; i++) {
		const struct endpoint *ep = &m->endpoints[i];

		if (!ep->build && !strcmp(ep->project, e->project) && !strcmp(ep->env, e->name))
			return ep;
	}
	return NULL;
}

int dns_fast_build(struct dns_view *v, struct dns_fast_set *out)
{
	static const uint16_t types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
	const struct model *m = v->m;
	char names[8][DNS_NAME_STR_SIZE];
	int ret = dns_view_refresh(v);

	memset(out, 0, sizeof(*out));
	if (ret)
		return ret;
	for (size_t i = 0; i < m->n_envs; i++) {
		const struct env *e = &m->envs[i];
		const struct endpoint *caller = caller_of(m, e);

		if (!caller)
			continue;
		for (size_t gi = 0; gi < v->n_groups; gi++) {
			struct dns_group *g = &v->groups[gi];

			if (strcmp(g->project, e->project) || strcmp(g->env, e->name))
				continue;
			for (size_t k = 0; k < g->n; k++) {
				int nn = names_of(v->sorted[g->first + k], v->domain, names);

				for (int j = 0; j < nn; j++)
					for (int t = 0; t < 2; t++) {
						ret = ask(v, caller, e->id, names[j], g, types[t], out);
						if (ret)
							goto fail;
					}
			}
		}
	}
	dns_fast_set_sort(out);
	return 0;
fail:
	dns_fast_set_free(out);
	return ret;
}

int dns_fast_apply(const struct dns_fast_set *cur, const struct dns_fast_set *want,
		   const struct dns_fast_ops *ops, size_t *changed)
{
	size_t i = 0, j = 0;
	int ret = 0;

	*changed = 0;
	/* Both sorted: one merge. New and changed entries first, then the gone ones. */
	while (j < want->n && !ret) {
		int c = i < cur->n ? cmp_entry(&cur->e[i], &want->e[j]) : 1;

		if (c < 0) {
			i++;
			continue;
		}
		if (c > 0 || memcmp(&cur->e[i].val, &want->e[j].val, sizeof(want->e[j].val))) {
			ret = ops->put(ops->ctx, &want->e[j].key, &want->e[j].val);
			if (!ret)
				(*changed)++;
		}
		if (c == 0)
			i++;
		j++;
	}
	for (i = 0, j = 0; i < cur->n && !ret; i++) {
		while (j < want->n && cmp_entry(&want->e[j], &cur->e[i]) < 0)
			j++;
		if (j < want->n && !cmp_entry(&want->e[j], &cur->e[i]))
			continue;
		ret = ops->del(ops->ctx, &cur->e[i].key);
		if (ret == -ENOENT)
			ret = 0;
		if (!ret)
			(*changed)++;
	}
	return ret;
}
