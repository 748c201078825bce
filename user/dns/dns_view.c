// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dns/dns_view.h"
#include "lib/names.h"

bool dns_domain_valid(const char *d)
{
	char label[NAME_SIZE];
	size_t n = strlen(d);

	if (n == 0 || n > 253)
		return false;
	while (*d) {
		const char *dot = strchr(d, '.');
		size_t len = dot ? (size_t)(dot - d) : strlen(d);

		if (len == 0 || len > NAME_MAX_LEN)
			return false;
		memcpy(label, d, len);
		label[len] = '\0';
		if (!name_valid(label))
			return false;
		d += len + (dot ? 1 : 0);
		if (dot && !*d)
			return false;
	}
	return true;
}

int dns_view_init(struct dns_view *v, const struct model *m, const char *domain, uint32_t ttl,
		  char *err)
{
	memset(v, 0, sizeof(*v));
	if (!dns_domain_valid(domain)) {
		snprintf(err, ERR_SIZE, "DNS domain \"%s\" is not a lower-case DNS name "
			 "(labels of [a-z0-9-], no trailing dot)", domain);
		return -EINVAL;
	}
	snprintf(v->domain, sizeof(v->domain), "%s", domain);
	v->m = m;
	v->ttl = ttl;
	return 0;
}

void dns_view_free(struct dns_view *v)
{
	free(v->sorted);
	free(v->groups);
	free(v->by_slot);
	memset(v, 0, sizeof(*v));
}

static int cmp_service(const struct endpoint *a, const struct endpoint *b)
{
	int r = strcmp(a->project, b->project);

	if (!r)
		r = strcmp(a->env, b->env);
	if (!r)
		r = strcmp(a->service, b->service);
	return r;
}

static int cmp_endpoint(const void *pa, const void *pb)
{
	const struct endpoint *a = *(const struct endpoint *const *)pa;
	const struct endpoint *b = *(const struct endpoint *const *)pb;
	int r = cmp_service(a, b);

	if (!r)
		r = strcmp(a->type, b->type);
	if (!r)
		r = (a->replica > b->replica) - (a->replica < b->replica);
	return r;
}

int dns_view_refresh(struct dns_view *v)
{
	const struct model *m = v->m;
	const struct endpoint **sorted = NULL, **by_slot = NULL;
	struct dns_group *groups = NULL;
	size_t n = 0, ng = 0, nslots = 0;

	if (v->built && v->gen == m->gen)
		return 0;
	for (size_t i = 0; i < m->n_endpoints; i++)
		if (m->endpoints[i].slot + 1 > nslots)
			nslots = m->endpoints[i].slot + 1;
	/* Names cover every host's replicas; callers are only this host's. */
	sorted = calloc(m->n_endpoints + m->n_remotes + 1, sizeof(*sorted));
	groups = calloc(m->n_endpoints + m->n_remotes + 1, sizeof(*groups));
	by_slot = calloc(nslots + 1, sizeof(*by_slot));
	if (!sorted || !groups || !by_slot) {
		free(sorted);
		free(groups);
		free(by_slot);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n_endpoints; i++) {
		const struct endpoint *ep = &m->endpoints[i];

		by_slot[ep->slot] = ep;
		/* A build-phase workload cannot be reached: never name it. */
		if (!ep->build)
			sorted[n++] = ep;
	}
	for (size_t i = 0; i < m->n_remotes; i++)
		if (!m->remotes[i].build)
			sorted[n++] = &m->remotes[i];
	qsort(sorted, n, sizeof(*sorted), cmp_endpoint);
	for (size_t i = 0; i < n; i++) {
		struct dns_group *g = &groups[ng];
		struct dns_group *old;

		if (ng && !cmp_service(sorted[groups[ng - 1].first], sorted[i])) {
			groups[ng - 1].n++;
			continue;
		}
		strcpy(g->project, sorted[i]->project);
		strcpy(g->env, sorted[i]->env);
		strcpy(g->service, sorted[i]->service);
		g->first = i;
		g->n = 1;
		/* Round-robin positions carry over for services that still exist. */
		old = v->built ? dns_view_service(v, g->project, g->env, g->service) : NULL;
		if (old)
			g->rr = old->rr;
		ng++;
	}
	free(v->sorted);
	free(v->groups);
	free(v->by_slot);
	v->sorted = sorted;
	v->n_sorted = n;
	v->groups = groups;
	v->n_groups = ng;
	v->by_slot = by_slot;
	v->n_slots = nslots;
	v->gen = m->gen;
	v->built = true;
	return 0;
}

const struct endpoint *dns_view_caller4(struct dns_view *v, uint32_t addr)
{
	const struct prefix4 *p = &v->m->cfg.host4;
	const struct endpoint *ep;
	uint32_t slot;

	if (dns_view_refresh(v) && !v->built)
		return NULL;
	if (!prefix4_contains(p, addr))
		return NULL;
	slot = ntohl(addr) - ntohl(p->addr);
	if (slot >= v->n_slots)
		return NULL;
	ep = v->by_slot[slot];
	return ep && ep->has_v4 && ep->ipv4 == addr ? ep : NULL;
}

const struct endpoint *dns_view_caller6(struct dns_view *v, const uint8_t addr[16])
{
	const struct prefix6 *p = &v->m->cfg.host6;
	const struct endpoint *ep;
	uint32_t slot;

	if (dns_view_refresh(v) && !v->built)
		return NULL;
	if (!prefix6_contains(p, addr))
		return NULL;
	/* Slots are below 2^16; the exact comparison below rejects the rest. */
	slot = (uint32_t)addr[12] << 24 | (uint32_t)addr[13] << 16 | (uint32_t)addr[14] << 8 |
	       addr[15];
	if (slot >= v->n_slots)
		return NULL;
	ep = v->by_slot[slot];
	return ep && ep->has_v6 && !memcmp(ep->ipv6, addr, 16) ? ep : NULL;
}

static int cmp_group(const struct dns_group *g, const char *project, const char *env,
		     const char *service)
{
	int r = strcmp(g->project, project);

	if (!r)
		r = strcmp(g->env, env);
	if (!r)
		r = strcmp(g->service, service);
	return r;
}

struct dns_group *dns_view_service(struct dns_view *v, const char *project, const char *env,
				   const char *service)
{
	size_t lo = 0, hi = v->n_groups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp_group(&v->groups[mid], project, env, service);

		if (!r)
			return &v->groups[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
