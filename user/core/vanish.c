// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Endpoints whose workload vanished: when a netns is deleted (a container
 * that crashed, `ip netns del`) the kernel destroys the veth pair, and the
 * host end's RTM_DELLINK is all the agent hears. The endpoint then goes
 * the way `endpoint del` takes it (maps first, hooks, resolv.conf), out of
 * the model (so DNS stops naming it and a later `endpoint add` of the same
 * replica works), the state file, and every record kept elsewhere.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/netlink.h"
#include "lib/log.h"

struct gone_batch {
	struct agent *a;
	bool changed;
};

void endpoint_vanished(struct agent *a, uint32_t id, const char *why)
{
	struct endpoint *found = model_endpoint_by_id(&a->model, id);
	struct endpoint ep;

	if (!found)
		return;
	ep = *found;
	pr_warn("endpoint %u %s/%s/%s/%u (%s): %s; removing the endpoint\n", ep.id, ep.project,
		ep.env, ep.service, ep.replica, ep.ifname, why);
	endpoint_delete(a, ep.id);
	/*
	 * Records of it outside the model go too. The mesh's applied fleet
	 * state: see mesh_endpoint_gone(). A directory (etcd) that publishes
	 * this host's endpoints removes its record here as well.
	 */
	mesh_endpoint_gone(a, &ep);
}

/* Save once per batch: a burst of removals writes the state file once. */
static void save_after(struct agent *a)
{
	char err[ERR_SIZE];

	if (agent_save(a, err))
		pr_warn("%s (the next change saves again)\n", err);
}

static void on_link_gone(int ifindex, const char *ifname, void *arg)
{
	struct gone_batch *b = arg;
	struct model *m = &b->a->model;

	for (size_t i = 0; i < m->n_endpoints; i++) {
		const struct endpoint *ep = &m->endpoints[i];

		/* The name too: an ifindex the kernel handed out again is not ours. */
		if (ep->ifindex != ifindex || (ifname[0] && strcmp(ifname, ep->ifname)))
			continue;
		endpoint_vanished(b->a, ep->id, "its interface is gone (netns deleted)");
		b->changed = true;
		return;
	}
}

int endpoints_rescan(struct agent *a)
{
	struct model *m = &a->model;
	struct wnl *nl;
	int removed = 0, ret;

	ret = wnl_open(&nl);
	if (ret)
		return ret;
	for (size_t i = 0; i < m->n_endpoints;) {
		const struct endpoint *ep = &m->endpoints[i];
		int ifindex = wnl_link_index(nl, ep->ifname);

		if (ifindex == -ENODEV || (ifindex > 0 && ifindex != ep->ifindex)) {
			/* endpoint_delete moves the last endpoint here: look at i again. */
			endpoint_vanished(a, ep->id, "its interface is gone (found by rescan)");
			removed++;
			continue;
		}
		i++;
	}
	wnl_close(nl);
	return removed;
}

static void on_links(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct agent *a = arg;
	struct gone_batch b = { .a = a };
	int ret = wnl_link_monitor_read(a->links, on_link_gone, &b);

	if (ret == -ENOBUFS) {
		/* Some removals were lost with the overflow: ask the kernel instead. */
		pr_warn("link notifications overflowed; rescanning endpoints' interfaces\n");
		ret = endpoints_rescan(a);
		if (ret > 0)
			b.changed = true;
		else if (ret < 0)
			pr_warn("rescanning endpoints: %s\n", strerror(-ret));
	} else if (ret) {
		pr_warn("link notifications: %s\n", strerror(-ret));
	}
	if (b.changed)
		save_after(a);
}

int vanish_watch_start(struct agent *a, char *err)
{
	int ret = wnl_link_monitor_open(&a->links);

	if (ret) {
		snprintf(err, ERR_SIZE, "link notifications: %s", strerror(-ret));
		return ret;
	}
	ret = loop_add(&a->loop, wnl_link_monitor_fd(a->links), EPOLLIN, on_links, a);
	if (ret) {
		snprintf(err, ERR_SIZE, "event loop: %s", strerror(-ret));
		wnl_link_monitor_close(a->links);
		a->links = NULL;
	}
	return ret;
}

void vanish_watch_stop(struct agent *a)
{
	if (!a->links)
		return;
	loop_del(&a->loop, wnl_link_monitor_fd(a->links));
	wnl_link_monitor_close(a->links);
	a->links = NULL;
}
