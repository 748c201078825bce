// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warren.h"
#include "core/model.h"

static int fail(char *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, ERR_SIZE, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Grow an array by one element; on failure nothing changes. */
static void *grow(void *arr, size_t n, size_t size)
{
	return realloc(arr, (n + 1) * size);
}

int fabric_config_check(const struct fabric_config *cfg, char *err)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (!prefix4_within(&cfg->host4, &cfg->fabric4)) {
		prefix4_format(&cfg->host4, a, sizeof(a));
		prefix4_format(&cfg->fabric4, b, sizeof(b));
		return fail(err, -EINVAL, "host prefix %s is not inside fabric prefix %s", a, b);
	}
	if (!prefix6_within(&cfg->host6, &cfg->fabric6)) {
		prefix6_format(&cfg->host6, a, sizeof(a));
		prefix6_format(&cfg->fabric6, b, sizeof(b));
		return fail(err, -EINVAL, "host prefix %s is not inside fabric prefix %s", a, b);
	}
	if (cfg->host4.len > 29)
		return fail(err, -EINVAL, "host IPv4 prefix /%d leaves no room for endpoints",
			    cfg->host4.len);
	if (cfg->host6.len > 125)
		return fail(err, -EINVAL, "host IPv6 prefix /%d leaves no room for endpoints",
			    cfg->host6.len);
	return 0;
}

void model_init(struct model *m, const struct fabric_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->next_endpoint_id = 1;
	m->slot_cursor = SLOT_FIRST;
}

void model_free(struct model *m)
{
	free(m->remotes);
	free(m->projects);
	free(m->envs);
	free(m->endpoints);
	memset(m, 0, sizeof(*m));
}

struct project *model_project_find(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_projects; i++)
		if (!strcmp(m->projects[i].name, name))
			return &m->projects[i];
	return NULL;
}

int model_project_add(struct model *m, const char *name, char *err)
{
	struct project *p;

	if (!name_valid(name))
		return fail(err, -EINVAL, "project name \"%s\" is not a DNS label ([a-z0-9-], 1-63)",
			    name ? name : "");
	if (model_project_find(m, name))
		return fail(err, -EEXIST, "project %s exists", name);
	p = grow(m->projects, m->n_projects, sizeof(*p));
	if (!p)
		return fail(err, -ENOMEM, "out of memory");
	m->projects = p;
	p = &m->projects[m->n_projects++];
	memset(p, 0, sizeof(*p));
	strcpy(p->name, name);
	m->gen++;
	return 0;
}

int model_project_del(struct model *m, const char *name, char *err)
{
	struct project *p = model_project_find(m, name);

	if (!p)
		return fail(err, -ENOENT, "unknown project \"%s\"", name);
	for (size_t i = 0; i < m->n_envs; i++)
		if (!strcmp(m->envs[i].project, name))
			return fail(err, -EBUSY, "project %s still has environment %s", name,
				    m->envs[i].name);
	*p = m->projects[--m->n_projects];
	m->gen++;
	return 0;
}

struct env *model_env_find(const struct model *m, const char *project, const char *name)
{
	for (size_t i = 0; i < m->n_envs; i++)
		if (!strcmp(m->envs[i].project, project) && !strcmp(m->envs[i].name, name))
			return &m->envs[i];
	return NULL;
}

struct env *model_env_by_id(const struct model *m, uint32_t id)
{
	for (size_t i = 0; i < m->n_envs; i++)
		if (m->envs[i].id == id)
			return &m->envs[i];
	return NULL;
}

int model_env_add(struct model *m, const char *project, const char *name, bool ipv6_only,
		  char *err)
{
	struct env *e;
	uint32_t id;

	if (!model_project_find(m, project))
		return fail(err, -ENOENT, "unknown project \"%s\"", project);
	if (!name_valid(name))
		return fail(err, -EINVAL,
			    "environment name \"%s\" is not a DNS label ([a-z0-9-], 1-63)", name);
	if (model_env_find(m, project, name))
		return fail(err, -EEXIST, "environment %s/%s exists", project, name);
	/* Lowest free id: ids index a fixed-size counters array. */
	for (id = 1; id < WARREN_MAX_ENVS && model_env_by_id(m, id); id++)
		;
	if (id >= WARREN_MAX_ENVS)
		return fail(err, -ENOSPC, "no environment id left (at most %d)",
			    WARREN_MAX_ENVS - 1);
	e = grow(m->envs, m->n_envs, sizeof(*e));
	if (!e)
		return fail(err, -ENOMEM, "out of memory");
	m->envs = e;
	e = &m->envs[m->n_envs++];
	memset(e, 0, sizeof(*e));
	strcpy(e->project, project);
	strcpy(e->name, name);
	e->id = id;
	e->ipv6_only = ipv6_only;
	m->gen++;
	return 0;
}

int model_env_del(struct model *m, const char *project, const char *name, char *err)
{
	struct env *e = model_env_find(m, project, name);

	if (!e)
		return fail(err, -ENOENT, "unknown environment %s/%s", project, name);
	for (size_t i = 0; i < m->n_endpoints; i++) {
		struct endpoint *ep = &m->endpoints[i];

		if (!strcmp(ep->project, project) && !strcmp(ep->env, name))
			return fail(err, -EBUSY, "environment %s/%s still has endpoint %u", project,
				    name, ep->id);
	}
	for (size_t i = 0; i < m->n_remotes; i++) {
		struct endpoint *ep = &m->remotes[i];

		if (!strcmp(ep->project, project) && !strcmp(ep->env, name))
			return fail(err, -EBUSY, "environment %s/%s still has endpoints on host %s",
				    project, name, ep->host);
	}
	*e = m->envs[--m->n_envs];
	m->gen++;
	return 0;
}

struct endpoint *model_endpoint_by_id(const struct model *m, uint32_t id)
{
	for (size_t i = 0; i < m->n_endpoints; i++)
		if (m->endpoints[i].id == id)
			return &m->endpoints[i];
	return NULL;
}

struct endpoint *model_endpoint_find(const struct model *m, const char *project,
				     const char *env, const char *service, uint32_t replica)
{
	for (size_t i = 0; i < m->n_endpoints; i++) {
		struct endpoint *ep = &m->endpoints[i];

		if (ep->replica == replica && !strcmp(ep->service, service) &&
		    !strcmp(ep->env, env) && !strcmp(ep->project, project))
			return ep;
	}
	return NULL;
}

struct env *model_endpoint_env(const struct model *m, const struct endpoint *ep)
{
	return model_env_find(m, ep->project, ep->env);
}

static bool slot_used(const struct model *m, uint32_t slot)
{
	for (size_t i = 0; i < m->n_endpoints; i++)
		if (m->endpoints[i].slot == slot)
			return true;
	return false;
}

/* Slots [SLOT_FIRST, end): the IPv4 broadcast-looking last address is skipped. */
static uint32_t slot_end(const struct model *m)
{
	uint32_t n4 = prefix4_size(&m->cfg.host4) - 1;
	uint32_t n6 = prefix6_size(&m->cfg.host6);

	uint32_t n = n4 < n6 ? n4 : n6;

	return n < WARREN_MAX_SLOTS ? n : WARREN_MAX_SLOTS;
}

/*
 * Next-fit from the cursor: a just-freed address is the last to be handed
 * out again, so a peer's stale connection does not reach a new workload.
 */
static int slot_alloc(const struct model *m, uint32_t *out)
{
	uint32_t end = slot_end(m), span = end - SLOT_FIRST;
	uint32_t start = m->slot_cursor;

	if (start < SLOT_FIRST || start >= end)
		start = SLOT_FIRST;
	for (uint32_t i = 0; i < span; i++) {
		uint32_t s = SLOT_FIRST + (start - SLOT_FIRST + i) % span;

		if (!slot_used(m, s)) {
			*out = s;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Locally administered unicast MACs derived from the endpoint id. */
static void endpoint_macs(struct endpoint *ep)
{
	uint8_t id[4] = { ep->id >> 24, ep->id >> 16, ep->id >> 8, ep->id };

	ep->host_mac[0] = 0x02;
	ep->wl_mac[0] = 0x06;
	ep->host_mac[1] = ep->wl_mac[1] = 0x77;
	memcpy(ep->host_mac + 2, id, 4);
	memcpy(ep->wl_mac + 2, id, 4);
}

static int ports_check(const struct port_list *l, char *err)
{
	char why[ERR_SIZE];
	int ret = port_list_check(l, why, sizeof(why));

	return ret ? fail(err, ret, "%s", why) : 0;
}

int model_endpoint_prepare(struct model *m, const struct endpoint_req *req,
			   struct endpoint *ep, char *err)
{
	const char *what = NULL;
	struct env *env;
	int ret;

	if (!name_valid(req->project))
		what = "project";
	else if (!name_valid(req->env))
		what = "environment";
	else if (!service_name_valid(req->service))
		what = "service";
	else if (req->type[0] && !service_name_valid(req->type))
		what = "container type";
	if (what)
		return fail(err, -EINVAL, "%s name is not a DNS label ([a-z0-9-], 1-63)%s", what,
			    strcmp(what, "service") && strcmp(what, "container type") ? "" :
			    " with a letter");
	if (req->container[0] && !container_id_valid(req->container))
		return fail(err, -EINVAL, "container id \"%s\" is not [A-Za-z0-9_.-]", req->container);
	if (req->wl_ifname[0] && !ifname_valid(req->wl_ifname))
		return fail(err, -EINVAL, "interface name \"%s\" is not one the kernel takes",
			    req->wl_ifname);
	if (req->container[0] && model_endpoint_by_container(m, req->container, req->wl_ifname))
		return fail(err, -EEXIST, "container %s has an endpoint on %s", req->container,
			    req->wl_ifname[0] ? req->wl_ifname : WL_IFNAME);
	if (!netns_ref_valid(req->netns))
		return fail(err, -EINVAL, "netns \"%s\" is not a name or an absolute path",
			    req->netns);
	ret = ports_check(&req->ports, err);
	if (ret)
		return ret;
	if (!model_project_find(m, req->project))
		return fail(err, -ENOENT, "unknown project \"%s\"", req->project);
	env = model_env_find(m, req->project, req->env);
	if (!env)
		return fail(err, -ENOENT, "unknown environment %s/%s", req->project, req->env);
	if (model_endpoint_find(m, req->project, req->env, req->service, req->replica))
		return fail(err, -EEXIST, "replica %u of %s/%s/%s exists", req->replica,
			    req->project, req->env, req->service);

	memset(ep, 0, sizeof(*ep));
	strcpy(ep->project, req->project);
	strcpy(ep->env, req->env);
	strcpy(ep->service, req->service);
	strcpy(ep->type, req->type);
	strcpy(ep->netns, req->netns);
	strcpy(ep->container, req->container);
	strcpy(ep->wl_ifname, req->wl_ifname);
	ep->replica = req->replica;
	ep->build = req->build;
	ep->ports = req->ports;
	ep->id = m->next_endpoint_id;

	if (req->slot) {
		if (req->slot < SLOT_FIRST || req->slot >= slot_end(m))
			return fail(err, -ERANGE, "slot %u is outside this host's prefixes (%u..%u)",
				    req->slot, SLOT_FIRST, slot_end(m) - 1);
		if (slot_used(m, req->slot))
			return fail(err, -EEXIST, "slot %u is taken", req->slot);
		ep->slot = req->slot;
	} else {
		ret = slot_alloc(m, &ep->slot);
		if (ret)
			return fail(err, ret, "no address left in this host's prefixes");
	}
	ep->has_v6 = true;
	prefix6_nth(&m->cfg.host6, ep->slot, ep->ipv6);
	if (!env->ipv6_only) {
		ep->has_v4 = true;
		prefix4_nth(&m->cfg.host4, ep->slot, &ep->ipv4);
	}
	snprintf(ep->ifname, sizeof(ep->ifname), "wrn%u", ep->id);
	endpoint_macs(ep);
	return 0;
}

int model_endpoint_insert(struct model *m, const struct endpoint *ep, char *err)
{
	struct endpoint *arr;

	if (model_endpoint_by_id(m, ep->id) ||
	    model_endpoint_find(m, ep->project, ep->env, ep->service, ep->replica))
		return fail(err, -EEXIST, "endpoint %u exists", ep->id);
	arr = grow(m->endpoints, m->n_endpoints, sizeof(*arr));
	if (!arr)
		return fail(err, -ENOMEM, "out of memory");
	m->endpoints = arr;
	m->endpoints[m->n_endpoints++] = *ep;
	if (ep->id >= m->next_endpoint_id)
		m->next_endpoint_id = ep->id + 1;
	m->slot_cursor = ep->slot + 1;
	m->gen++;
	return 0;
}

int model_endpoint_remove(struct model *m, uint32_t id)
{
	struct endpoint *ep = model_endpoint_by_id(m, id);

	if (!ep)
		return -ENOENT;
	*ep = m->endpoints[--m->n_endpoints];
	m->gen++;
	return 0;
}

struct endpoint *model_endpoint_by_slot(const struct model *m, uint32_t slot)
{
	for (size_t i = 0; i < m->n_endpoints; i++)
		if (m->endpoints[i].slot == slot)
			return &m->endpoints[i];
	return NULL;
}

static bool service_used(const struct model *m, const char *project, const char *env,
			 const char *service)
{
	for (size_t i = 0; i < m->n_endpoints; i++) {
		const struct endpoint *ep = &m->endpoints[i];

		if (!strcmp(ep->project, project) && !strcmp(ep->env, env) &&
		    !strcmp(ep->service, service))
			return true;
	}
	return false;
}

int model_service_rename(struct model *m, const char *project, const char *env,
			 const char *from, const char *to, char *err)
{
	if (!service_name_valid(to))
		return fail(err, -EINVAL, "service name \"%s\" is not a DNS label with a letter "
			    "([a-z0-9-], 1-63)", to ? to : "");
	if (!model_env_find(m, project, env))
		return fail(err, -ENOENT, "unknown environment %s/%s", project, env);
	if (!service_used(m, project, env, from))
		return fail(err, -ENOENT, "no service %s in %s/%s", from, project, env);
	if (service_used(m, project, env, to))
		return fail(err, -EEXIST, "service %s exists in %s/%s", to, project, env);
	for (size_t i = 0; i < m->n_endpoints; i++) {
		struct endpoint *ep = &m->endpoints[i];

		if (!strcmp(ep->project, project) && !strcmp(ep->env, env) &&
		    !strcmp(ep->service, from))
			strcpy(ep->service, to);
	}
	m->gen++;
	return 0;
}

void model_remotes_set(struct model *m, struct endpoint *remotes, size_t n)
{
	free(m->remotes);
	m->remotes = remotes;
	m->n_remotes = n;
	m->gen++;
}

uint32_t model_slot_end(const struct model *m)
{
	return slot_end(m);
}

const char *endpoint_wl_ifname(const struct endpoint *ep)
{
	return ep->wl_ifname[0] ? ep->wl_ifname : WL_IFNAME;
}

struct endpoint *model_endpoint_by_container(const struct model *m, const char *container,
					     const char *wl_ifname)
{
	const char *want = wl_ifname && wl_ifname[0] ? wl_ifname : WL_IFNAME;

	for (size_t i = 0; i < m->n_endpoints; i++) {
		struct endpoint *ep = &m->endpoints[i];

		if (ep->container[0] && !strcmp(ep->container, container) &&
		    !strcmp(endpoint_wl_ifname(ep), want))
			return ep;
	}
	return NULL;
}

uint32_t model_replica_free(const struct model *m, const char *project, const char *env,
			    const char *service)
{
	uint32_t r = 0;

	/* At most n_endpoints numbers are taken, so this ends within n + 1 tries. */
	while (model_endpoint_find(m, project, env, service, r))
		r++;
	return r;
}
