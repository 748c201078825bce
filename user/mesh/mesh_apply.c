// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Applying the fleet state on this host. The order matters for traffic:
 * environments exist before anything refers to their ids; the WireGuard
 * device exists before other hosts' endpoints point at its ifindex; new
 * map entries and peers are written before stale ones are removed, so an
 * endpoint or host present in both the old and the new state never
 * disappears for an instant.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/agent.h"
#include "lib/log.h"
#include "mesh/mesh.h"
#include "core/netns.h"

static bool same_prefixes(const struct fleet_host *h, const struct fabric_config *cfg)
{
	return h->prefix4.addr == cfg->host4.addr && h->prefix4.len == cfg->host4.len &&
	       !memcmp(h->prefix6.addr, cfg->host6.addr, 16) && h->prefix6.len == cfg->host6.len;
}

static const struct fleet_env *fleet_env_of(const struct fleet *f, const char *project,
					    const char *env)
{
	for (size_t i = 0; i < f->n_envs; i++)
		if (!strcmp(f->envs[i].project, project) && !strcmp(f->envs[i].env, env))
			return &f->envs[i];
	return NULL;
}

static const struct fleet_endpoint *fleet_local_find(const struct fleet *f, const char *self,
						     const struct endpoint *ep)
{
	for (size_t i = 0; i < f->n_endpoints; i++) {
		const struct fleet_endpoint *fe = &f->endpoints[i];

		if (!strcmp(fe->host, self) && !strcmp(fe->req.project, ep->project) &&
		    !strcmp(fe->req.env, ep->env) && !strcmp(fe->req.service, ep->service) &&
		    fe->req.replica == ep->replica)
			return fe;
	}
	return NULL;
}

/* An existing local endpoint is kept only if nothing about its datapath changed. */
static bool local_unchanged(const struct endpoint *ep, const struct fleet_endpoint *fe)
{
	return fe && ep->slot == fe->slot && !strcmp(ep->netns, fe->req.netns) &&
	       !strcmp(ep->type, fe->req.type) && ep->build == fe->req.build;
}

/* Everything that needs this host's point of view, before anything changes. */
static int mesh_check(struct agent *a, const struct fleet *f, char *err)
{
	const struct fabric_config *cfg = &a->model.cfg;
	const struct fleet_host *me = fleet_host_find(f, a->mesh.self);
	char p[ADDR_STRLEN];

	if (!me) {
		snprintf(err, ERR_SIZE, "host %s (this agent's --host) is not in the fleet state",
			 a->mesh.self);
		return -ENOENT;
	}
	if (!same_prefixes(me, cfg)) {
		prefix4_format(&cfg->host4, p, sizeof(p));
		snprintf(err, ERR_SIZE, "line %d: host %s: its prefixes differ from this agent's "
			 "(--host4 %s and --host6)", me->line, me->name, p);
		return -EINVAL;
	}
	for (size_t i = 0; i < f->n_envs; i++) {
		const struct fleet_env *fe = &f->envs[i];
		struct env *e = model_env_find(&a->model, fe->project, fe->env);

		if (e && e->ipv6_only != fe->ipv6_only) {
			snprintf(err, ERR_SIZE, "line %d: environment %s/%s exists with ipv6-only=%s; "
				 "remove it first to change that", fe->line, fe->project, fe->env,
				 e->ipv6_only ? "yes" : "no");
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < f->n_endpoints; i++) {
		const struct fleet_endpoint *fe = &f->endpoints[i];
		struct endpoint *ep;
		int fd;

		if (strcmp(fe->host, a->mesh.self))
			continue;
		if (!fe->req.netns[0]) {
			snprintf(err, ERR_SIZE, "line %d: endpoint %s/%s/%s/%u is on this host (%s) "
				 "and needs netns=", fe->line, fe->req.project, fe->req.env,
				 fe->req.service, fe->req.replica, a->mesh.self);
			return -EINVAL;
		}
		if (fe->slot >= model_slot_end(&a->model)) {
			snprintf(err, ERR_SIZE, "line %d: field slot: %u is past this host's last "
				 "usable slot %u", fe->line, fe->slot, model_slot_end(&a->model) - 1);
			return -ERANGE;
		}
		ep = model_endpoint_find(&a->model, fe->req.project, fe->req.env, fe->req.service,
					 fe->req.replica);
		if (ep && local_unchanged(ep, fe))
			continue;
		fd = netns_open(fe->req.netns);
		if (fd < 0) {
			snprintf(err, ERR_SIZE, "line %d: field netns: \"%s\": %s", fe->line,
				 fe->req.netns, fd == -EINVAL ? "not a network namespace" :
				 strerror(-fd));
			return fd;
		}
		close(fd);
	}
	return 0;
}

static int ensure_env(struct agent *a, const struct fleet_env *fe, char *err)
{
	if (!model_project_find(&a->model, fe->project)) {
		int ret = model_project_add(&a->model, fe->project, err);

		if (ret)
			return ret;
	}
	if (model_env_find(&a->model, fe->project, fe->env))
		return 0;
	return model_env_add(&a->model, fe->project, fe->env, fe->ipv6_only, err);
}

/* Environments and projects the fleet state no longer has, once empty. */
static void prune_envs(struct agent *a, const struct fleet *f)
{
	struct model *m = &a->model;
	char err[ERR_SIZE];

	for (size_t i = m->n_envs; i-- > 0;) {
		struct env e = m->envs[i];

		if (!fleet_env_of(f, e.project, e.name) &&
		    !model_env_del(m, e.project, e.name, err))
			maps_env_reset(&a->dp, e.id, model_slot_end(m));
	}
	for (size_t i = m->n_projects; i-- > 0;) {
		bool used = false;

		for (size_t j = 0; j < f->n_envs && !used; j++)
			used = !strcmp(f->envs[j].project, m->projects[i].name);
		for (size_t j = 0; j < a->mesh.n_keep_projects && !used; j++)
			used = !strcmp(a->mesh.keep_projects[j], m->projects[i].name);
		if (!used)
			model_project_del(m, m->projects[i].name, err);
	}
}

static int sync_locals(struct agent *a, const struct fleet *f, char *err)
{
	struct model *m = &a->model;

	for (size_t i = m->n_endpoints; i-- > 0;) {
		struct endpoint *ep = &m->endpoints[i];
		const struct fleet_endpoint *fe = fleet_local_find(f, a->mesh.self, ep);

		if (!local_unchanged(ep, fe)) {
			endpoint_delete(a, ep->id);
		} else if (!port_list_equal(&ep->ports, &fe->req.ports)) {
			/* Names only: the veth stays, DNS sees the new ports at once. */
			ep->ports = fe->req.ports;
			m->gen++;
		}
	}
	for (size_t i = 0; i < f->n_endpoints; i++) {
		const struct fleet_endpoint *fe = &f->endpoints[i];
		struct endpoint_req r = fe->req;
		int ret;

		if (strcmp(fe->host, a->mesh.self) ||
		    model_endpoint_find(m, r.project, r.env, r.service, r.replica))
			continue;
		r.slot = fe->slot;
		ret = endpoint_create(a, &r, NULL, err);
		if (ret) {
			char why[ERR_SIZE];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, ERR_SIZE, "line %d: %s", fe->line, why);
			return ret;
		}
	}
	return 0;
}

static bool same_remote(const struct endpoint *a, const struct endpoint *b)
{
	return !strcmp(a->project, b->project) && !strcmp(a->env, b->env) &&
	       !strcmp(a->service, b->service) && a->replica == b->replica &&
	       !strcmp(a->host, b->host) && a->slot == b->slot && a->build == b->build &&
	       a->has_v4 == b->has_v4 && a->ipv4 == b->ipv4 && !strcmp(a->type, b->type) &&
	       port_list_equal(&a->ports, &b->ports);
}

/* Other hosts' endpoints: map entries through the device, and DNS names. */
static int sync_remotes(struct agent *a, const struct fleet *f, bool rewrite, char *err)
{
	struct model *m = &a->model;
	struct endpoint *r;
	size_t n = 0;

	r = calloc(f->n_endpoints + 1, sizeof(*r));
	if (!r) {
		snprintf(err, ERR_SIZE, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < f->n_endpoints; i++) {
		const struct fleet_endpoint *fe = &f->endpoints[i];
		const struct fleet_host *h = fleet_host_find(f, fe->host);
		const struct fleet_env *fenv = fleet_env_of(f, fe->req.project, fe->req.env);
		struct endpoint *ep = &r[n];
		bool known = false;
		int ret;

		if (!strcmp(fe->host, a->mesh.self))
			continue;
		strcpy(ep->project, fe->req.project);
		strcpy(ep->env, fe->req.env);
		strcpy(ep->service, fe->req.service);
		strcpy(ep->type, fe->req.type);
		strcpy(ep->host, fe->host);
		ep->replica = fe->req.replica;
		ep->build = fe->req.build;
		ep->ports = fe->req.ports;
		ep->slot = fe->slot;
		ep->has_v6 = true;
		prefix6_nth(&h->prefix6, fe->slot, ep->ipv6);
		if (!fenv->ipv6_only) {
			ep->has_v4 = true;
			prefix4_nth(&h->prefix4, fe->slot, &ep->ipv4);
		}
		for (size_t j = 0; j < m->n_remotes && !known; j++)
			known = same_remote(&m->remotes[j], ep);
		if (!known || rewrite) {
			ret = maps_remote_put(&a->dp, ep, model_env_find(m, ep->project, ep->env)->id,
					      a->mesh.wg.ifindex, err);
			if (ret) {
				free(r);
				return ret;
			}
		}
		n++;
	}
	model_remotes_set(m, r, n);
	maps_remote_prune(&a->dp, m);
	return 0;
}

static void peer_cfg_of(const struct fleet_host *h, struct wg_peer_cfg *p)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->public_key, h->public_key, WG_KEY_LEN);
	p->family = h->family;
	memcpy(p->addr, h->underlay, 16);
	p->port = h->port;
	p->keepalive = h->keepalive;
	p->has4 = p->has6 = true;
	p->allowed4 = h->prefix4;
	p->allowed6 = h->prefix6;
}

static bool same_peer(const struct fleet_host *a, const struct fleet_host *b)
{
	struct wg_peer_cfg x, y;

	peer_cfg_of(a, &x);
	peer_cfg_of(b, &y);
	return !memcmp(&x, &y, sizeof(x));
}

/* The device: this host's key and port, one peer per other host, nothing else. */
static int sync_device(struct agent *a, const struct fleet *f, bool all, char *err)
{
	struct mesh *ms = &a->mesh;
	const struct fleet_host *me = fleet_host_find(f, ms->self);
	struct wg_peer_state *have = NULL;
	uint8_t key[WG_KEY_LEN];
	size_t n_have = 0;
	int ret;

	ret = wg_key_read_file(ms->key_path, key, err, ERR_SIZE);
	if (ret)
		return ret;
	if (ms->wg.kind == WG_KIND_NONE) {
		ret = wg_dev_open(&ms->wg, ms->wg_ifname, ms->tunnel_mtu ?: ms->mtu,
				  ms->allow_userspace, err);
		if (ret)
			return ret;
		pr_info("WireGuard device %s: %s\n", ms->wg_ifname, wg_kind_name(ms->wg.kind));
		all = true;
	}
	ret = attach_wg_in(&a->dp, ms->wg.ifindex, ms->wg_ifname, err);
	if (!ret)
		ret = wg_dev_set_device(&ms->wg, key, me->port, err);
	memset(key, 0, sizeof(key));
	for (size_t i = 0; !ret && i < f->n_hosts; i++) {
		const struct fleet_host *h = &f->hosts[i];
		const struct fleet_host *old = fleet_host_find(&ms->fleet, h->name);
		struct wg_peer_cfg p;

		if (h == me || (!all && old && same_peer(old, h)))
			continue;
		peer_cfg_of(h, &p);
		ret = wg_dev_set_peer(&ms->wg, &p, err);
	}
	if (!ret)
		ret = wg_dev_peers(&ms->wg, &have, &n_have, err);
	for (size_t i = 0; !ret && i < n_have; i++) {
		bool wanted = false;

		for (size_t j = 0; j < f->n_hosts && !wanted; j++)
			wanted = &f->hosts[j] != me &&
				 !memcmp(f->hosts[j].public_key, have[i].public_key, WG_KEY_LEN);
		if (!wanted)
			ret = wg_dev_remove_peer(&ms->wg, have[i].public_key, err);
	}
	free(have);
	return ret;
}

static int sync_uplink(struct agent *a, const struct fleet *f, char *err)
{
	const struct fleet_host *me = fleet_host_find(f, a->mesh.self);
	struct peer_addr *peers = calloc(f->n_hosts + 1, sizeof(*peers));
	size_t n = 0;
	int ret;

	if (!peers) {
		snprintf(err, ERR_SIZE, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < f->n_hosts; i++) {
		if (&f->hosts[i] == me)
			continue;
		peers[n].family = f->hosts[i].family;
		memcpy(peers[n].addr, f->hosts[i].underlay, 16);
		peers[n].host_index = (uint32_t)i;
		n++;
	}
	ret = maps_peers_set(&a->dp, peers, n, err);
	free(peers);
	return ret ?: maps_uplink_port(&a->dp, me->port, err);
}

static int write_fleet_file(struct agent *a, const struct fleet *f, char *err)
{
	char tmp[320], *text = NULL;
	size_t len = 0;
	int fd, ret;

	ret = fleet_format(f, &text, &len);
	if (ret) {
		snprintf(err, ERR_SIZE, "formatting the fleet state: %s", strerror(-ret));
		return ret;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->mesh.fleet_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ret = fd < 0 ? -errno : 0;
	if (!ret && (write(fd, text, len) != (ssize_t)len || fsync(fd)))
		ret = -errno ?: -EIO;
	if (fd >= 0)
		close(fd);
	if (!ret && rename(tmp, a->mesh.fleet_path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		snprintf(err, ERR_SIZE, "saving %s: %s", a->mesh.fleet_path, strerror(-ret));
	}
	free(text);
	return ret;
}

static int apply(struct agent *a, struct fleet *f, char *err)
{
	struct mesh *ms = &a->mesh;
	bool first = !ms->applied;
	int ret;

	ret = mesh_check(a, f, err);
	if (ret)
		return ret;
	for (size_t i = 0; i < f->n_envs && !ret; i++)
		ret = ensure_env(a, &f->envs[i], err);
	/* Before the device opens and endpoints are made: both take this MTU. */
	if (!ret)
		ret = mesh_mtu_sync(a, fleet_host_find(f, ms->self)->family, err);
	/* The device first: other hosts' endpoints point at its ifindex. */
	if (!ret)
		ret = sync_device(a, f, first, err);
	if (!ret)
		ret = sync_remotes(a, f, first, err);
	if (!ret)
		ret = sync_locals(a, f, err);
	if (!ret)
		ret = sync_uplink(a, f, err);
	if (ret) {
		pr_warn("applying the fleet state: %s\n", err);
		return ret;
	}
	prune_envs(a, f);
	ret = agent_save(a, err) ?: write_fleet_file(a, f, err);
	if (ret)
		return ret;
	fleet_free(&ms->fleet);
	ms->fleet = *f;
	memset(f, 0, sizeof(*f));
	ms->applied = true;
	pr_info("fleet state applied: %zu hosts, %zu endpoints here, %zu elsewhere\n",
		ms->fleet.n_hosts, a->model.n_endpoints, a->model.n_remotes);
	return 0;
}

/* Timed and counted, whoever asked: `apply`, `host add|del`, the start. */
int mesh_apply(struct agent *a, struct fleet *f, char *err)
{
	struct mesh *ms = &a->mesh;
	uint64_t t0 = hist_now_ns();
	int ret;

	if (!ms->on) {
		snprintf(err, ERR_SIZE, "this agent is not part of a fleet (start warrend with --host)");
		return -EOPNOTSUPP;
	}
	ret = apply(a, f, err);
	if (!ms->apply_time.b)
		hist_init(&ms->apply_time, &hist_apply_bounds);
	hist_since(&ms->apply_time, t0);
	if (ret)
		ms->apply_errors++;
	return ret;
}

static void fleet_endpoint_remove(struct fleet *f, size_t i)
{
	memmove(&f->endpoints[i], &f->endpoints[i + 1],
		(f->n_endpoints - i - 1) * sizeof(f->endpoints[0]));
	f->n_endpoints--;
}

void mesh_endpoint_gone(struct agent *a, const struct endpoint *ep)
{
	struct mesh *ms = &a->mesh;
	const struct fleet_endpoint *fe;
	char err[ERR_SIZE];

	if (!ms->on || !ms->applied)
		return;
	fe = fleet_local_find(&ms->fleet, ms->self, ep);
	if (!fe)
		return;
	pr_info("endpoint %s/%s/%s/%u leaves the applied fleet state (line %d)\n", ep->project,
		ep->env, ep->service, ep->replica, fe->line);
	fleet_endpoint_remove(&ms->fleet, (size_t)(fe - ms->fleet.endpoints));
	if (write_fleet_file(a, &ms->fleet, err))
		pr_warn("%s\n", err);
}

void mesh_drop_vanished(struct agent *a, struct fleet *f)
{
	for (size_t i = f->n_endpoints; i-- > 0;) {
		const struct fleet_endpoint *fe = &f->endpoints[i];
		int fd;

		if (strcmp(fe->host, a->mesh.self) || !fe->req.netns[0] ||
		    model_endpoint_find(&a->model, fe->req.project, fe->req.env, fe->req.service,
					fe->req.replica))
			continue;
		fd = netns_open(fe->req.netns);
		if (fd >= 0) {
			close(fd);
			continue;	/* back, or never built: the apply builds it */
		}
		pr_warn("endpoint %s/%s/%s/%u: netns %s is gone; dropped from the saved fleet "
			"state\n", fe->req.project, fe->req.env, fe->req.service, fe->req.replica,
			fe->req.netns);
		fleet_endpoint_remove(f, i);
	}
}
