// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Names for the two ends of an event: environment ids by index, addresses
 * and interfaces by binary search over an index of the model rebuilt when
 * its generation moves (events come in bursts; the model changes rarely).
 * Fleet hosts are looked up in the applied fleet at the time of the event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "obs/obs.h"
#include "fleet/fleet.h"

void obs_names_free(struct obs_names *n)
{
	free(n->env_by_id);
	free(n->addrs);
	free(n->by_ifindex);
	memset(n, 0, sizeof(*n));
}

static int addr_cmp(const void *a, const void *b)
{
	const struct obs_addr *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

static int ifindex_cmp(const void *a, const void *b)
{
	const struct endpoint *x = *(const struct endpoint *const *)a;
	const struct endpoint *y = *(const struct endpoint *const *)b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static void add_addrs(struct obs_names *n, const struct endpoint *ep)
{
	if (ep->has_v4) {
		struct obs_addr *a = &n->addrs[n->n_addrs++];

		memset(a, 0, sizeof(*a));
		a->family = 4;
		memcpy(a->addr, &ep->ipv4, 4);
		a->ep = ep;
	}
	if (ep->has_v6) {
		struct obs_addr *a = &n->addrs[n->n_addrs++];

		a->family = 6;
		memcpy(a->addr, ep->ipv6, 16);
		a->ep = ep;
	}
}

/* On failure the index stays empty and names fall back to environments. */
static int build(struct obs_names *n, const struct model *m)
{
	size_t eps = m->n_endpoints + m->n_remotes;

	free(n->addrs);
	free(n->by_ifindex);
	n->addrs = NULL;
	n->by_ifindex = NULL;
	n->n_addrs = n->n_ifindex = 0;
	if (!n->env_by_id)
		n->env_by_id = calloc(WARREN_MAX_ENVS, sizeof(*n->env_by_id));
	else
		memset(n->env_by_id, 0, WARREN_MAX_ENVS * sizeof(*n->env_by_id));
	n->addrs = calloc(eps * 2 + 1, sizeof(*n->addrs));
	n->by_ifindex = calloc(m->n_endpoints + 1, sizeof(*n->by_ifindex));
	if (!n->env_by_id || !n->addrs || !n->by_ifindex)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_envs; i++)
		if (m->envs[i].id < WARREN_MAX_ENVS)
			n->env_by_id[m->envs[i].id] = &m->envs[i];
	for (size_t i = 0; i < m->n_endpoints; i++) {
		add_addrs(n, &m->endpoints[i]);
		if (m->endpoints[i].ifindex > 0)
			n->by_ifindex[n->n_ifindex++] = &m->endpoints[i];
	}
	for (size_t i = 0; i < m->n_remotes; i++)
		add_addrs(n, &m->remotes[i]);
	qsort(n->addrs, n->n_addrs, sizeof(*n->addrs), addr_cmp);
	qsort(n->by_ifindex, n->n_ifindex, sizeof(*n->by_ifindex), ifindex_cmp);
	return 0;
}

static void fresh(struct obs_names *n, const struct model *m)
{
	if (n->built && n->gen == m->gen)
		return;
	n->built = !build(n, m);
	n->gen = m->gen;
}

const struct env *obs_names_env(struct obs_names *n, const struct model *m, uint32_t env_id)
{
	fresh(n, m);
	if (!n->built || env_id == WARREN_ENV_NONE || env_id >= WARREN_MAX_ENVS)
		return NULL;
	return n->env_by_id[env_id];
}

static const struct endpoint *by_addr(struct obs_names *n, int family, const uint8_t *addr)
{
	struct obs_addr key = { .family = (uint8_t)family };
	const struct obs_addr *hit;

	memcpy(key.addr, addr, family == 4 ? 4 : 16);
	hit = bsearch(&key, n->addrs, n->n_addrs, sizeof(*n->addrs), addr_cmp);
	return hit ? hit->ep : NULL;
}

static const struct endpoint *by_ifindex(struct obs_names *n, uint32_t ifindex)
{
	struct endpoint probe = { .ifindex = (int)ifindex };
	const struct endpoint *key = &probe, *const *hit;

	if (!ifindex)
		return NULL;
	hit = bsearch(&key, n->by_ifindex, n->n_ifindex, sizeof(*n->by_ifindex), ifindex_cmp);
	return hit ? *hit : NULL;
}

/* The fleet host an address belongs to: its underlay address, or a prefix of its. */
static const char *host_of(const struct fleet *f, int family, const uint8_t *addr)
{
	uint32_t a4;

	if (!f)
		return NULL;
	memcpy(&a4, addr, 4);
	for (size_t i = 0; i < f->n_hosts; i++) {
		const struct fleet_host *h = &f->hosts[i];

		if ((family == 4 && h->family == AF_INET && !memcmp(h->underlay, addr, 4)) ||
		    (family == 6 && h->family == AF_INET6 && !memcmp(h->underlay, addr, 16)))
			return h->name;
		if ((family == 4 && prefix4_contains(&h->prefix4, a4)) ||
		    (family == 6 && prefix6_contains(&h->prefix6, addr)))
			return h->name;
	}
	return NULL;
}

static void name_endpoint(struct obs_who *w, const struct endpoint *ep, const char *self)
{
	snprintf(w->project, sizeof(w->project), "%s", ep->project);
	snprintf(w->env, sizeof(w->env), "%s", ep->env);
	snprintf(w->service, sizeof(w->service), "%s", ep->service);
	w->replica = (int)ep->replica;
	snprintf(w->host, sizeof(w->host), "%s", ep->host[0] ? ep->host : self);
}

static void name_env(struct obs_who *w, const struct env *e)
{
	if (!e)
		return;
	snprintf(w->project, sizeof(w->project), "%s", e->project);
	snprintf(w->env, sizeof(w->env), "%s", e->name);
}

/* An endpoint of the environment the datapath saw (or of any, when it saw none). */
static const struct endpoint *endpoint_of(struct obs_names *n, const struct model *m,
					  const struct warren_event *ev, const uint8_t *addr,
					  uint32_t env_id)
{
	const struct endpoint *ep;
	const struct env *e;

	if (!ev->family)
		return NULL;
	ep = by_addr(n, ev->family, addr);
	if (!ep || env_id == WARREN_ENV_NONE)
		return ep;
	e = env_id < WARREN_MAX_ENVS ? n->env_by_id[env_id] : NULL;
	return e && !strcmp(e->project, ep->project) && !strcmp(e->name, ep->env) ? ep : NULL;
}

static void resolve_one(struct obs_names *n, const struct model *m, const struct fleet *f,
			const char *self, const struct warren_event *ev, const uint8_t *addr,
			uint32_t env_id, const struct endpoint *iface_ep, struct obs_who *w)
{
	const struct endpoint *ep = iface_ep ?: endpoint_of(n, m, ev, addr, env_id);
	const char *host;

	memset(w, 0, sizeof(*w));
	w->replica = -1;
	if (ep) {
		name_endpoint(w, ep, self);
		return;
	}
	name_env(w, obs_names_env(n, m, env_id));
	if (!ev->family)
		return;
	host = host_of(f, ev->family, addr);
	if (!host && ((ev->family == 4 && prefix4_contains(&m->cfg.host4, *(const uint32_t *)addr)) ||
		      (ev->family == 6 && prefix6_contains(&m->cfg.host6, addr))))
		host = self;
	snprintf(w->host, sizeof(w->host), "%s", host ?: "");
}

void obs_names_resolve(struct obs_names *n, const struct model *m, const struct fleet *f,
		       const char *self, const struct warren_event *ev, struct obs_who *src,
		       struct obs_who *dst)
{
	const struct endpoint *sender = NULL, *receiver = NULL;
	uint32_t a4[4];

	fresh(n, m);
	if (!n->built) {
		memset(src, 0, sizeof(*src));
		memset(dst, 0, sizeof(*dst));
		src->replica = dst->replica = -1;
		return;
	}
	if (ev->dir == WARREN_DIR_FROM_WL)
		sender = by_ifindex(n, ev->ifindex);
	else if (ev->dir == WARREN_DIR_FROM_HOST)
		receiver = by_ifindex(n, ev->ifindex);
	/* Aligned copies: the prefix helpers read 32-bit words. */
	memcpy(a4, ev->src, 16);
	resolve_one(n, m, f, self ?: "", ev, (const uint8_t *)a4, ev->src_env, sender, src);
	memcpy(a4, ev->dst, 16);
	resolve_one(n, m, f, self ?: "", ev, (const uint8_t *)a4, ev->dst_env, receiver, dst);
}
