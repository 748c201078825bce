// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Endpoints: a workload's veth, its addresses and routes on both sides,
 * the hooks and the map entries, built completely before `endpoint add`
 * returns and undone completely when any step fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/agent.h"
#include "core/attach.h"
#include "lib/log.h"
#include "core/netlink.h"
#include "core/netns.h"
#include "dns/resolver.h"

/*
 * The gateway every workload sees: link-local, so it never collides with
 * a fabric address, answered by a permanent neighbour entry rather than
 * ARP/ND: workloads need no shared L2 and the host side needs no address.
 */
static const uint8_t gw4[4] = { 169, 254, 1, 1 };
static const uint8_t gw6[16] = { 0xfe, 0x80, [15] = 0x01 };

/* Inside the workload: link up, its addresses, the gateway, routes to the fabric. */
static int setup_workload_side(struct agent *a, const struct endpoint *ep, int nsfd, char *err)
{
	const struct fabric_config *cfg = &a->model.cfg;
	struct wnl *nl = NULL;
	int saved = -1, ifindex, ret;
	const char *step;

	ret = netns_enter(nsfd, &saved);
	if (ret) {
		snprintf(err, ERR_SIZE, "entering netns %s: %s", ep->netns, strerror(-ret));
		return ret;
	}
	step = "netlink";
	ret = wnl_open(&nl);
	if (ret)
		goto out;
	step = "finding the workload's interface";
	ifindex = ret = wnl_link_index(nl, endpoint_wl_ifname(ep));
	if (ret < 0)
		goto out;
	step = "link up";
	ret = wnl_link_set_up(nl, ifindex);
	if (ret)
		goto out;
	if (ep->has_v4) {
		step = "IPv4 address";
		ret = wnl_addr_add(nl, ifindex, AF_INET, &ep->ipv4, 32);
		if (!ret) {
			step = "IPv4 gateway neighbour";
			ret = wnl_neigh_add(nl, ifindex, AF_INET, gw4, ep->host_mac);
		}
		if (!ret) {
			step = "IPv4 fabric route";
			ret = wnl_route_add_mtu(nl, ifindex, AF_INET, &cfg->fabric4.addr,
					       cfg->fabric4.len, gw4, true, a->fabric_mtu);
		}
		if (ret)
			goto out;
	}
	if (ep->has_v6) {
		step = "IPv6 address";
		ret = wnl_addr_add(nl, ifindex, AF_INET6, ep->ipv6, 128);
		if (!ret) {
			step = "IPv6 gateway neighbour";
			ret = wnl_neigh_add(nl, ifindex, AF_INET6, gw6, ep->host_mac);
		}
		if (!ret) {
			step = "IPv6 fabric route";
			ret = wnl_route_add_mtu(nl, ifindex, AF_INET6, cfg->fabric6.addr,
					       cfg->fabric6.len, gw6, true, a->fabric_mtu);
		}
	}
out:
	if (ret < 0)
		snprintf(err, ERR_SIZE, "netns %s: %s: %s", ep->netns, step, strerror(-ret));
	if (nl)
		wnl_close(nl);
	netns_leave(saved);
	return ret < 0 ? ret : 0;
}

int endpoint_set_mtu(struct agent *a, const struct endpoint *ep, int mtu, char *err)
{
	const struct fabric_config *cfg = &a->model.cfg;
	int nsfd, saved = -1, ifindex, ret;
	struct wnl *nl = NULL;

	nsfd = netns_open(ep->netns);
	if (nsfd < 0) {
		snprintf(err, ERR_SIZE, "netns \"%s\": %s", ep->netns, strerror(-nsfd));
		return nsfd;
	}
	ret = netns_enter(nsfd, &saved);
	if (!ret)
		ret = wnl_open(&nl);
	ifindex = ret ? ret : wnl_link_index(nl, WL_IFNAME);
	ret = ifindex < 0 ? ifindex : 0;
	if (!ret && ep->has_v4)
		ret = wnl_route_replace_mtu(nl, ifindex, AF_INET, &cfg->fabric4.addr,
					    cfg->fabric4.len, gw4, true, mtu);
	if (!ret && ep->has_v6)
		ret = wnl_route_replace_mtu(nl, ifindex, AF_INET6, cfg->fabric6.addr,
					    cfg->fabric6.len, gw6, true, mtu < 1280 ? 1280 : mtu);
	if (ret)
		snprintf(err, ERR_SIZE, "netns %s: fabric route MTU %d: %s", ep->netns, mtu,
			 strerror(-ret));
	if (nl)
		wnl_close(nl);
	if (saved >= 0)
		netns_leave(saved);
	close(nsfd);
	return ret;
}

/*
 * Host side: up, and routes plus permanent neighbours for the workload's
 * addresses, so what the host stack sends it (replies to its public
 * egress, the host's own services) finds it. Fabric traffic never comes
 * this way: it is redirected before the host stack sees it.
 */
static int setup_host_side(struct wnl *nl, const struct endpoint *ep, char *err)
{
	const char *step = "link up";
	int ret;

	ret = wnl_link_set_up(nl, ep->ifindex);
	if (!ret && ep->has_v4) {
		step = "IPv4 route";
		ret = wnl_route_add(nl, ep->ifindex, AF_INET, &ep->ipv4, 32, NULL, false);
		if (!ret) {
			step = "IPv4 neighbour";
			ret = wnl_neigh_add(nl, ep->ifindex, AF_INET, &ep->ipv4, ep->wl_mac);
		}
	}
	if (!ret && ep->has_v6) {
		step = "IPv6 route";
		ret = wnl_route_add(nl, ep->ifindex, AF_INET6, ep->ipv6, 128, NULL, false);
		if (!ret) {
			step = "IPv6 neighbour";
			ret = wnl_neigh_add(nl, ep->ifindex, AF_INET6, ep->ipv6, ep->wl_mac);
		}
	}
	if (ret)
		snprintf(err, ERR_SIZE, "%s: %s: %s", ep->ifname, step, strerror(-ret));
	return ret;
}

/* Everything in the kernel for one endpoint; on failure nothing is left. */
static int endpoint_build(struct agent *a, struct endpoint *ep, uint32_t env_id, char *err)
{
	struct wnl *nl = NULL;
	int nsfd, ret;

	nsfd = netns_open(ep->netns);
	if (nsfd < 0) {
		snprintf(err, ERR_SIZE, "netns \"%s\": %s", ep->netns,
			 nsfd == -EINVAL ? "not a network namespace" : strerror(-nsfd));
		return nsfd;
	}
	ret = wnl_open(&nl);
	if (ret) {
		snprintf(err, ERR_SIZE, "netlink: %s", strerror(-ret));
		goto out;
	}
	ret = wnl_veth_create(nl, ep->ifname, ep->host_mac, endpoint_wl_ifname(ep), ep->wl_mac,
			      nsfd);
	if (ret) {
		snprintf(err, ERR_SIZE, "creating veth %s/%s in netns %s: %s", ep->ifname,
			 endpoint_wl_ifname(ep), ep->netns,
			 ret == -EEXIST ? "an interface of that name exists" : strerror(-ret));
		goto out;
	}
	ep->ifindex = wnl_link_index(nl, ep->ifname);
	if (ep->ifindex < 0) {
		ret = ep->ifindex;
		ep->ifindex = 0;
		snprintf(err, ERR_SIZE, "%s vanished: %s", ep->ifname, strerror(-ret));
		goto out;
	}
	/* Maps and hooks before anything can send: the first packet is judged. */
	ret = maps_endpoint_put(&a->dp, ep, env_id, err);
	if (!ret)
		ret = attach_veth(&a->dp, ep->ifindex, ep->ifname, err);
	if (!ret)
		ret = setup_host_side(nl, ep, err);
	if (!ret)
		ret = setup_workload_side(a, ep, nsfd, err);
out:
	if (ret && ep->ifindex > 0) {
		maps_endpoint_del(&a->dp, ep);
		detach_veth(&a->dp, ep->ifindex, ep->ifname);
		wnl_link_del(nl, ep->ifindex);
		ep->ifindex = 0;
	}
	if (nl)
		wnl_close(nl);
	close(nsfd);
	return ret;
}

/* Unreachable first (maps), then the hooks, then the interface. */
static void endpoint_unbuild(struct agent *a, const struct endpoint *ep)
{
	struct env *env = model_endpoint_env(&a->model, ep);
	struct wnl *nl;

	maps_endpoint_del(&a->dp, ep);
	/* Its own environment is told "refused" from now on, everyone else nothing. */
	if (env)
		maps_slot_tombstone(&a->dp, ep->slot, env->id);
	detach_veth(&a->dp, ep->ifindex, ep->ifname);
	resolver_conf_remove(ep);
	if (wnl_open(&nl) == 0) {
		int ifindex = wnl_link_index(nl, ep->ifname);

		/*
		 * Gone already when its netns was deleted: that is fine. An
		 * ifindex of 0 means not re-adopted yet (teardown): go by name.
		 */
		if (ifindex > 0 && (!ep->ifindex || ifindex == ep->ifindex))
			wnl_link_del(nl, ifindex);
		wnl_close(nl);
	}
}

static void add_record(struct kv *resp, const struct model *m, const struct endpoint *ep)
{
	char a4[ADDR_STRLEN] = "", a6[ADDR_STRLEN] = "", mac[18], ports[PORTS_STR_SIZE];

	if (ep->has_v4)
		addr4_format(ep->ipv4, a4, sizeof(a4));
	if (ep->has_v6)
		addr6_format(ep->ipv6, a6, sizeof(a6));
	mac_format(ep->wl_mac, mac, sizeof(mac));
	kv_add(resp, "record", "endpoint");
	kv_addf(resp, "id", "%u", ep->id);
	kv_add(resp, "project", ep->project);
	kv_add(resp, "env", ep->env);
	kv_add(resp, "service", ep->service);
	kv_addf(resp, "replica", "%u", ep->replica);
	kv_add(resp, "type", ep->type);
	kv_add(resp, "netns", ep->netns);
	kv_add(resp, "build", ep->build ? "1" : "0");
	kv_add(resp, "ifname", ep->ifname);
	kv_addf(resp, "ifindex", "%d", ep->ifindex);
	kv_add(resp, "ipv4", a4);
	kv_add(resp, "ipv6", a6);
	kv_add(resp, "mac", mac);
	port_list_format(&ep->ports, ports, sizeof(ports));
	kv_add(resp, "ports", ports);
}

/* Every port=NAME=NUMBER/PROTO of the request (the key repeats). */
static int req_ports(const struct kv *req, struct port_list *l, char *err)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < req->n; i++) {
		struct port_spec p;
		int ret;

		if (strcmp(req->pairs[i].key, "port"))
			continue;
		ret = port_spec_parse(req->pairs[i].value, &p, err, ERR_SIZE);
		if (!ret)
			ret = port_list_add(l, &p, err, ERR_SIZE);
		if (ret)
			return ret;
	}
	return 0;
}

static int req_string(const struct kv *req, const char *key, char *dst, size_t size,
		      bool optional, char *err)
{
	const char *v = kv_get(req, key);

	if (!v && optional) {
		dst[0] = '\0';
		return 0;
	}
	if (!v || strlen(v) >= size) {
		snprintf(err, ERR_SIZE, v ? "%s is too long" : "missing %s", key);
		return -EINVAL;
	}
	strcpy(dst, v);
	return 0;
}

int handle_endpoint_add(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	struct endpoint_req r = {};
	const char *build = kv_get(req, "build");
	struct endpoint ep;
	int ret;

	if (req_string(req, "project", r.project, sizeof(r.project), false, err) ||
	    req_string(req, "env", r.env, sizeof(r.env), false, err) ||
	    req_string(req, "service", r.service, sizeof(r.service), false, err) ||
	    req_string(req, "type", r.type, sizeof(r.type), true, err) ||
	    req_string(req, "netns", r.netns, sizeof(r.netns), false, err))
		return -EINVAL;
	if (replica_parse(kv_get(req, "replica"), &r.replica)) {
		snprintf(err, ERR_SIZE, "replica must be a number from 0 to 99999");
		return -EINVAL;
	}
	if (build && strcmp(build, "0") && strcmp(build, "1")) {
		snprintf(err, ERR_SIZE, "build must be 0 or 1");
		return -EINVAL;
	}
	r.build = build && build[0] == '1';
	ret = req_ports(req, &r.ports, err);
	if (ret)
		return ret;

	ret = endpoint_create(a, &r, &ep, err);
	if (ret)
		return ret;
	ret = agent_save(a, err);
	if (ret) {
		endpoint_delete(a, ep.id);
		return ret;
	}
	add_record(resp, &a->model, &ep);
	return 0;
}

int endpoint_create(struct agent *a, const struct endpoint_req *r, struct endpoint *out,
		    char *err)
{
	struct endpoint ep;
	struct env *env;
	int ret;

	ret = model_endpoint_prepare(&a->model, r, &ep, err);
	if (ret)
		return ret;
	env = model_env_find(&a->model, ep.project, ep.env);
	ret = endpoint_build(a, &ep, env->id, err);
	if (ret)
		return ret;
	ret = model_endpoint_insert(&a->model, &ep, err);
	if (ret) {
		endpoint_unbuild(a, &ep);
		return ret;
	}
	/* Its names resolve, from inside, before we say it is there. */
	if (a->dns_on)
		ret = resolver_conf_write(a, &ep, err);
	if (!ret)
		ret = resolver_probe(a, &ep, err);
	if (ret) {
		model_endpoint_remove(&a->model, ep.id);
		endpoint_unbuild(a, &ep);
		return ret;
	}
	pr_info("endpoint %u %s/%s/%s/%u added on %s\n", ep.id, ep.project, ep.env, ep.service,
		ep.replica, ep.ifname);
	if (out)
		*out = ep;
	return 0;
}

void endpoint_delete(struct agent *a, uint32_t id)
{
	struct endpoint *found = model_endpoint_by_id(&a->model, id);
	struct endpoint ep;

	if (!found)
		return;
	ep = *found;
	model_endpoint_remove(&a->model, id);
	endpoint_unbuild(a, &ep);
	pr_info("endpoint %u %s/%s/%s/%u deleted\n", ep.id, ep.project, ep.env, ep.service,
		ep.replica);
}

/* By id=N, or by project/env/service/replica. */
static struct endpoint *find_requested(struct agent *a, const struct kv *req, char *err)
{
	const char *id = kv_get(req, "id");
	const char *p = kv_get(req, "project"), *e = kv_get(req, "env");
	const char *s = kv_get(req, "service");
	struct endpoint *ep;
	uint32_t n;

	if (id) {
		if (u32_parse(id, UINT32_MAX, &n)) {
			snprintf(err, ERR_SIZE, "endpoint id \"%s\" is not a number", id);
			return NULL;
		}
		ep = model_endpoint_by_id(&a->model, n);
		if (!ep)
			snprintf(err, ERR_SIZE, "no endpoint %u", n);
		return ep;
	}
	if (!p || !e || !s || replica_parse(kv_get(req, "replica"), &n)) {
		snprintf(err, ERR_SIZE, "name an endpoint by id, or by project, env, service and replica");
		return NULL;
	}
	ep = model_endpoint_find(&a->model, p, e, s, n);
	if (!ep)
		snprintf(err, ERR_SIZE, "no endpoint %s/%s/%s replica %u", p, e, s, n);
	return ep;
}

int handle_endpoint_del(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	struct endpoint *found = find_requested(a, req, err);
	struct endpoint ep;
	int ret;

	if (!found)
		return -ENOENT;
	ep = *found;
	model_endpoint_remove(&a->model, ep.id);
	ret = agent_save(a, err);
	if (ret) {
		model_endpoint_insert(&a->model, &ep, NULL);
		return ret;
	}
	endpoint_unbuild(a, &ep);
	pr_info("endpoint %u %s/%s/%s/%u deleted\n", ep.id, ep.project, ep.env, ep.service,
		ep.replica);
	add_record(resp, &a->model, &ep);
	return 0;
}

static int by_id(const void *x, const void *y)
{
	const struct endpoint *a = *(struct endpoint *const *)x, *b = *(struct endpoint *const *)y;

	return a->id < b->id ? -1 : a->id > b->id;
}

int handle_endpoint_list(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *p = kv_get(req, "project"), *e = kv_get(req, "env");
	struct endpoint **sorted;
	size_t n = a->model.n_endpoints;

	sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &a->model.endpoints[i];
	qsort(sorted, n, sizeof(*sorted), by_id);
	for (size_t i = 0; i < n; i++) {
		if ((p && strcmp(p, sorted[i]->project)) || (e && strcmp(e, sorted[i]->env)))
			continue;
		add_record(resp, &a->model, sorted[i]);
	}
	free(sorted);
	return 0;
}

int endpoints_readopt(struct agent *a, char *err)
{
	struct model *m = &a->model;
	struct wnl *nl;
	int ret;

	ret = wnl_open(&nl);
	if (ret) {
		snprintf(err, ERR_SIZE, "netlink: %s", strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < m->n_endpoints;) {
		struct endpoint *ep = &m->endpoints[i];
		struct env *env = model_endpoint_env(m, ep);
		int ifindex = wnl_link_index(nl, ep->ifname);

		if (ifindex < 0) {
			/* Its netns went away while we were down, taking the veth. */
			ep->ifindex = 0;
			endpoint_vanished(a, ep->id, "its interface is gone (netns deleted "
					  "while the agent was down)");
			continue;
		}
		ep->ifindex = ifindex;
		ret = maps_endpoint_put(&a->dp, ep, env->id, err);
		if (!ret)
			ret = attach_readopt(&a->dp, ifindex, ep->ifname, err);
		if (ret)
			goto out;
		i++;
	}
	maps_prune(&a->dp, m);
	ret = agent_save(a, err);
out:
	wnl_close(nl);
	return ret;
}

void endpoints_teardown(struct agent *a)
{
	for (size_t i = 0; i < a->model.n_endpoints; i++)
		endpoint_unbuild(a, &a->model.endpoints[i]);
	a->model.n_endpoints = 0;
}
