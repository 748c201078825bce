// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attachments: endpoints a container runtime asked for through the CNI
 * plugin (user/cni/), known by the runtime's container id and interface
 * name rather than by warren's endpoint id. The plugin never touches the
 * kernel; everything happens here, in the agent, one request at a time:
 *
 *   attachment-add    container, ifname, netns, project, env, service [replica] [type]
 *   attachment-del    container, ifname [netns]      (an unknown container is fine)
 *   attachment-check  container, ifname [netns]      (drift: interface or map entry gone)
 *   attachment-gc     project, env, valid=CONTAINER/IFNAME ...   (the rest goes)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>

#include "core/agent.h"
#include "core/attach.h"
#include "core/netlink.h"
#include "core/netns.h"
#include "dns/resolver.h"
#include "lib/log.h"

/* What the plugin turns into a CNI result. */
static void attachment_record(struct kv *resp, const struct agent *a, const struct endpoint *ep)
{
	const struct fabric_config *cfg = &a->model.cfg;
	char buf[ADDR_STRLEN];
	uint32_t r4;
	uint8_t r6[16];

	kv_add(resp, "record", "attachment");
	kv_addf(resp, "id", "%u", ep->id);
	kv_add(resp, "container", ep->container);
	kv_add(resp, "ifname", endpoint_wl_ifname(ep));
	kv_add(resp, "netns", ep->netns);
	kv_add(resp, "project", ep->project);
	kv_add(resp, "env", ep->env);
	kv_add(resp, "service", ep->service);
	kv_addf(resp, "replica", "%u", ep->replica);
	kv_add(resp, "type", ep->type);
	kv_add(resp, "host-ifname", ep->ifname);
	mac_format(ep->host_mac, buf, sizeof(buf));
	kv_add(resp, "host-mac", buf);
	mac_format(ep->wl_mac, buf, sizeof(buf));
	kv_add(resp, "mac", buf);
	if (ep->has_v4) {
		addr4_format(ep->ipv4, buf, sizeof(buf));
		kv_add(resp, "ipv4", buf);
		kv_add(resp, "gateway4", "169.254.1.1");
		prefix4_format(&cfg->fabric4, buf, sizeof(buf));
		kv_add(resp, "fabric4", buf);
	}
	if (ep->has_v6) {
		addr6_format(ep->ipv6, buf, sizeof(buf));
		kv_add(resp, "ipv6", buf);
		kv_add(resp, "gateway6", "fe80::1");
		prefix6_format(&cfg->fabric6, buf, sizeof(buf));
		kv_add(resp, "fabric6", buf);
	}
	if (a->fabric_mtu > 0)
		kv_addf(resp, "mtu", "%d", a->fabric_mtu);
	if (a->dns_on) {
		resolver_addrs(cfg, &r4, r6);
		if (ep->has_v4) {
			addr4_format(r4, buf, sizeof(buf));
			kv_add(resp, "resolver-ipv4", buf);
		}
		addr6_format(r6, buf, sizeof(buf));
		kv_add(resp, "resolver-ipv6", buf);
		kv_add(resp, "dns-domain", a->dns.cfg.domain);
	}
}

static int copy_field(const struct kv *req, const char *key, char *dst, size_t size,
		      bool optional, char *err)
{
	const char *v = kv_get(req, key);

	if (!v && optional) {
		dst[0] = '\0';
		return 0;
	}
	if (!v || !v[0] || strlen(v) >= size) {
		snprintf(err, ERR_SIZE, v && v[0] ? "%s is too long" : "missing %s", key);
		return -EINVAL;
	}
	strcpy(dst, v);
	return 0;
}

/* The container and interface every request names, checked. */
static int attachment_key(const struct kv *req, char *container, char *ifname, char *err)
{
	if (copy_field(req, "container", container, CONTAINER_ID_SIZE, false, err) ||
	    copy_field(req, "ifname", ifname, IF_NAMESIZE, false, err))
		return -EINVAL;
	if (!container_id_valid(container)) {
		snprintf(err, ERR_SIZE, "container id \"%s\" is not [A-Za-z0-9_.-]", container);
		return -EINVAL;
	}
	if (!ifname_valid(ifname)) {
		snprintf(err, ERR_SIZE, "interface name \"%s\" is not one the kernel takes", ifname);
		return -EINVAL;
	}
	return 0;
}

int handle_attachment_add(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *replica = kv_get(req, "replica");
	struct endpoint_req r = {};
	struct endpoint *old, ep;
	int ret;

	if (attachment_key(req, r.container, r.wl_ifname, err) ||
	    copy_field(req, "project", r.project, sizeof(r.project), false, err) ||
	    copy_field(req, "env", r.env, sizeof(r.env), false, err) ||
	    copy_field(req, "service", r.service, sizeof(r.service), false, err) ||
	    copy_field(req, "type", r.type, sizeof(r.type), true, err) ||
	    copy_field(req, "netns", r.netns, sizeof(r.netns), false, err))
		return -EINVAL;
	/* The same ADD again (a runtime retrying) gets the same answer. */
	old = model_endpoint_by_container(&a->model, r.container, r.wl_ifname);
	if (old && !strcmp(old->netns, r.netns)) {
		attachment_record(resp, a, old);
		return 0;
	}
	if (replica && replica_parse(replica, &r.replica)) {
		snprintf(err, ERR_SIZE, "replica must be a number from 0 to 99999");
		return -EINVAL;
	}
	if (!replica)
		r.replica = model_replica_free(&a->model, r.project, r.env, r.service);
	ret = endpoint_create(a, &r, &ep, err);
	if (ret)
		return ret;
	ret = agent_save(a, err);
	if (ret) {
		endpoint_delete(a, ep.id);
		return ret;
	}
	attachment_record(resp, a, &ep);
	return 0;
}

/* Through endpoint-del, so the order (state saved, then unreachable, then gone) is one. */
static int delete_endpoint(struct agent *a, uint32_t id, char *err)
{
	struct kv req, out;
	int ret;

	kv_init(&req);
	kv_init(&out);
	ret = kv_addf(&req, "id", "%u", id);
	if (!ret)
		ret = handle_endpoint_del(a, &req, &out, err);
	kv_free(&req);
	kv_free(&out);
	return ret;
}

static bool ifname_owned(const struct model *m, const char *ifname)
{
	for (size_t i = 0; i < m->n_endpoints; i++)
		if (!strcmp(m->endpoints[i].ifname, ifname))
			return true;
	return false;
}

/*
 * A veth is ours when its host end is named wrn<id>, carries warren's
 * gateway MAC prefix (model.c, endpoint_macs) and has an entry in this
 * datapath's warren_ifaces: another agent's veths (its own pins and maps)
 * are never touched. One that no endpoint owns was made by an ADD the agent
 * did not finish (killed between the maps and the state file): deleting
 * the host end takes the workload's end with it; readopt then prunes the
 * entries.
 */
void attachments_sweep(struct agent *a)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	struct wnl *nl;
	uint8_t mac[6];

	if (!ifs)
		return;
	if (wnl_open(&nl))
		goto out;
	for (i = ifs; i->if_index; i++) {
		const char *n = i->if_name;

		if (strncmp(n, "wrn", 3) || !n[3] || strspn(n + 3, "0123456789") != strlen(n + 3) ||
		    ifname_owned(&a->model, n) || wnl_link_mac(nl, (int)i->if_index, mac) ||
		    mac[0] != 0x02 || mac[1] != 0x77 || !maps_iface_known(&a->dp, (int)i->if_index))
			continue;
		pr_warn("%s: a veth no endpoint owns (an unfinished attachment); removing it\n", n);
		detach_veth(&a->dp, (int)i->if_index, n);
		wnl_link_del(nl, (int)i->if_index);
	}
	wnl_close(nl);
out:
	if_freenameindex(ifs);
}

/*
 * The rest of an ADD killed before its map entries: the workload's end,
 * named as the runtime asked, with warren's MAC prefix, owned by no
 * endpoint. Only on the runtime's DEL for that very (netns, ifname).
 */
static void remove_leftover(struct agent *a, const char *netns, const char *ifname)
{
	int nsfd, saved = -1, ifindex;
	struct wnl *nl = NULL;
	uint8_t mac[6];

	if (!netns || !netns_ref_valid(netns) || netns[0] != '/')
		return;
	nsfd = netns_open(netns);
	if (nsfd < 0)
		return;	/* the netns is gone, and the veth with it */
	if (netns_enter(nsfd, &saved) || wnl_open(&nl))
		goto out;
	ifindex = wnl_link_index(nl, ifname);
	if (ifindex > 0 && !wnl_link_mac(nl, ifindex, mac) && mac[0] == 0x06 && mac[1] == 0x77) {
		for (size_t i = 0; i < a->model.n_endpoints; i++)
			if (!memcmp(a->model.endpoints[i].wl_mac, mac, 6))
				goto out;
		pr_warn("netns %s: removing %s, left by an unfinished attachment\n", netns, ifname);
		wnl_link_del(nl, ifindex);
	}
out:
	if (nl)
		wnl_close(nl);
	netns_leave(saved);
	close(nsfd);
}

int handle_attachment_del(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	char container[CONTAINER_ID_SIZE], ifname[IF_NAMESIZE];
	struct endpoint *ep;
	int ret;

	if (attachment_key(req, container, ifname, err))
		return -EINVAL;
	ep = model_endpoint_by_container(&a->model, container, ifname);
	if (!ep) {
		/* DEL is idempotent: nothing to remove is success. */
		remove_leftover(a, kv_get(req, "netns"), ifname);
		kv_add(resp, "record", "attachment-gone");
		return 0;
	}
	attachment_record(resp, a, ep);
	ret = delete_endpoint(a, ep->id, err);
	if (ret)
		kv_free(resp);
	return ret;
}

/* The workload's end: in its netns, under its name, with its MAC. */
static int check_workload_side(const struct endpoint *ep, char *err)
{
	int nsfd, saved = -1, ifindex, ret;
	struct wnl *nl = NULL;
	uint8_t mac[6];

	nsfd = netns_open(ep->netns);
	if (nsfd < 0) {
		snprintf(err, ERR_SIZE, "netns %s: %s", ep->netns, strerror(-nsfd));
		return nsfd;
	}
	ret = netns_enter(nsfd, &saved);
	if (!ret)
		ret = wnl_open(&nl);
	if (ret) {
		snprintf(err, ERR_SIZE, "netns %s: %s", ep->netns, strerror(-ret));
		goto out;
	}
	ifindex = wnl_link_index(nl, endpoint_wl_ifname(ep));
	if (ifindex < 0) {
		ret = -ENODEV;
		snprintf(err, ERR_SIZE, "netns %s: interface %s is missing", ep->netns,
			 endpoint_wl_ifname(ep));
	} else if (wnl_link_mac(nl, ifindex, mac) || memcmp(mac, ep->wl_mac, 6)) {
		ret = -ENODEV;
		snprintf(err, ERR_SIZE, "netns %s: interface %s is not warren's veth", ep->netns,
			 endpoint_wl_ifname(ep));
	}
out:
	if (nl)
		wnl_close(nl);
	netns_leave(saved);
	close(nsfd);
	return ret;
}

int handle_attachment_check(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	char container[CONTAINER_ID_SIZE], ifname[IF_NAMESIZE];
	const char *netns = kv_get(req, "netns");
	struct endpoint *ep;
	struct wnl *nl;
	int ifindex, ret;

	if (attachment_key(req, container, ifname, err))
		return -EINVAL;
	ep = model_endpoint_by_container(&a->model, container, ifname);
	if (!ep) {
		snprintf(err, ERR_SIZE, "no attachment of container %s on %s", container, ifname);
		return -ENOENT;
	}
	if (netns && netns[0] && strcmp(netns, ep->netns)) {
		snprintf(err, ERR_SIZE, "container %s is attached in netns %s, not %s", container,
			 ep->netns, netns);
		return -EXDEV;
	}
	ret = wnl_open(&nl);
	if (ret) {
		snprintf(err, ERR_SIZE, "netlink: %s", strerror(-ret));
		return ret;
	}
	ifindex = wnl_link_index(nl, ep->ifname);
	wnl_close(nl);
	if (ifindex < 0 || ifindex != ep->ifindex) {
		snprintf(err, ERR_SIZE, "host interface %s is missing", ep->ifname);
		return -ENODEV;
	}
	ret = maps_endpoint_check(&a->dp, ep, model_endpoint_env(&a->model, ep)->id, err);
	if (!ret)
		ret = check_workload_side(ep, err);
	if (ret)
		return ret == -ENOENT ? -ENODATA : ret;	/* ENOENT means "no attachment" */
	attachment_record(resp, a, ep);
	return 0;
}

/* Is CONTAINER/IFNAME among the request's valid= values? */
static bool listed(const struct kv *req, const struct endpoint *ep)
{
	size_t clen = strlen(ep->container);

	for (size_t i = 0; i < req->n; i++) {
		const char *v = req->pairs[i].value;

		if (!strcmp(req->pairs[i].key, "valid") && !strncmp(v, ep->container, clen) &&
		    v[clen] == '/' && !strcmp(v + clen + 1, endpoint_wl_ifname(ep)))
			return true;
	}
	return false;
}

int handle_attachment_gc(struct agent *a, const struct kv *req, struct kv *resp, char *err)
{
	const char *p = kv_get(req, "project"), *e = kv_get(req, "env");
	size_t i = 0;
	int ret;

	if (!p || !e) {
		snprintf(err, ERR_SIZE, "missing %s", p ? "env" : "project");
		return -EINVAL;
	}
	if (!model_env_find(&a->model, p, e)) {
		snprintf(err, ERR_SIZE, "unknown environment %s/%s", p, e);
		return -ENOENT;
	}
	/* Only this network's attachments: endpoints added otherwise are not the runtime's. */
	while (i < a->model.n_endpoints) {
		struct endpoint ep = a->model.endpoints[i];

		if (!ep.container[0] || strcmp(ep.project, p) || strcmp(ep.env, e) ||
		    listed(req, &ep)) {
			i++;
			continue;
		}
		ret = delete_endpoint(a, ep.id, err);
		if (ret)
			return ret;
		pr_info("gc: container %s (%s) is no longer the runtime's\n", ep.container,
			endpoint_wl_ifname(&ep));
		attachment_record(resp, a, &ep);
		/* The array was compacted: index i now holds another endpoint. */
	}
	return 0;
}
