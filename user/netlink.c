// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "netlink.h"

struct wnl {
	struct nl_sock *sk;
};

/* libnl speaks its own error codes; the rest of warren speaks errno. */
static int nl_errno(int nlerr)
{
	switch (abs(nlerr)) {
	case 0: return 0;
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV: return -ENODEV;
	case NLE_PERM: return -EPERM;
	case NLE_INVAL: return -EINVAL;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_BUSY: return -EBUSY;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_RANGE: return -ERANGE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_NOACCESS: return -EACCES;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_INTR: return -EINTR;
	default: return -EIO;
	}
}

int wnl_open(struct wnl **out)
{
	struct wnl *nl = calloc(1, sizeof(*nl));
	int ret;

	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	ret = nl_connect(nl->sk, NETLINK_ROUTE);
	if (ret < 0) {
		nl_socket_free(nl->sk);
		free(nl);
		return nl_errno(ret);
	}
	*out = nl;
	return 0;
}

void wnl_close(struct wnl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

static struct nl_addr *mac_addr(const uint8_t mac[6])
{
	return nl_addr_build(AF_LLC, mac, 6);
}

int wnl_veth_create(struct wnl *nl, const char *name, const uint8_t mac[6],
		   const char *peer_name, const uint8_t peer_mac[6], int peer_netns_fd)
{
	struct nl_addr *a = NULL, *pa = NULL;
	struct rtnl_link *link, *peer;
	int ret;

	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link);
	a = mac_addr(mac);
	pa = mac_addr(peer_mac);
	if (!a || !pa) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_link_set_name(link, name);
	rtnl_link_set_addr(link, a);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_addr(peer, pa);
	/* Created inside the workload directly: no window where it sits on the host. */
	rtnl_link_set_ns_fd(peer, peer_netns_fd);
	ret = nl_errno(rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL));
out:
	nl_addr_put(a);
	nl_addr_put(pa);
	rtnl_link_put(peer);	/* the reference get_peer took */
	rtnl_link_veth_release(link);
	return ret;
}

static int link_get(struct wnl *nl, int ifindex, const char *name, struct rtnl_link **out)
{
	int ret = rtnl_link_get_kernel(nl->sk, ifindex, name, out);

	return ret < 0 ? nl_errno(ret) : 0;
}

int wnl_link_index(struct wnl *nl, const char *name)
{
	struct rtnl_link *link;
	int ret = link_get(nl, 0, name, &link);

	if (ret)
		return ret == -EINVAL ? -ENODEV : ret;
	ret = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ret > 0 ? ret : -ENODEV;
}

int wnl_link_mac(struct wnl *nl, int ifindex, uint8_t mac[6])
{
	struct rtnl_link *link;
	struct nl_addr *a;
	int ret = link_get(nl, ifindex, NULL, &link);

	if (ret)
		return ret;
	a = rtnl_link_get_addr(link);
	if (a && nl_addr_get_len(a) == 6)
		memcpy(mac, nl_addr_get_binary_addr(a), 6);
	else
		ret = -EINVAL;
	rtnl_link_put(link);
	return ret;
}

int wnl_link_set_up(struct wnl *nl, int ifindex)
{
	struct rtnl_link *orig, *change;
	int ret = link_get(nl, ifindex, NULL, &orig);

	if (ret)
		return ret;
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(orig);
		return -ENOMEM;
	}
	rtnl_link_set_flags(change, IFF_UP);
	ret = nl_errno(rtnl_link_change(nl->sk, orig, change, 0));
	rtnl_link_put(change);
	rtnl_link_put(orig);
	return ret;
}

int wnl_link_del(struct wnl *nl, int ifindex)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int ret;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	ret = nl_errno(rtnl_link_delete(nl->sk, link));
	rtnl_link_put(link);
	return ret;
}

static struct nl_addr *ip_addr(int family, const void *addr, int prefixlen)
{
	struct nl_addr *a = nl_addr_build(family, addr, family == AF_INET ? 4 : 16);

	if (a && prefixlen >= 0)
		nl_addr_set_prefixlen(a, prefixlen);
	return a;
}

int wnl_addr_add(struct wnl *nl, int ifindex, int family, const void *addr, int prefixlen)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *a = ip_addr(family, addr, prefixlen);
	int ret = -ENOMEM;

	if (!ra || !a)
		goto out;
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, family);
	ret = nl_errno(rtnl_addr_set_local(ra, a));
	if (ret)
		goto out;
	rtnl_addr_set_prefixlen(ra, prefixlen);
	/* Usable at once: no duplicate address detection delay. */
	if (family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	ret = nl_errno(rtnl_addr_add(nl->sk, ra, NLM_F_CREATE | NLM_F_EXCL));
out:
	nl_addr_put(a);
	rtnl_addr_put(ra);
	return ret;
}

int wnl_route_add(struct wnl *nl, int ifindex, int family, const void *dst, int dst_len,
		 const void *gw, bool onlink)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d = ip_addr(family, dst, dst_len), *g = NULL;
	int ret = -ENOMEM;

	if (!r || !nh || !d || (gw && !(g = ip_addr(family, gw, -1))))
		goto out;
	rtnl_route_set_family(r, family);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_scope(r, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	ret = nl_errno(rtnl_route_set_dst(r, d));
	if (ret)
		goto out;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (g)
		rtnl_route_nh_set_gateway(nh, g);
	if (onlink)
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
	rtnl_route_add_nexthop(r, nh);
	nh = NULL;	/* owned by the route now */
	ret = nl_errno(rtnl_route_add(nl->sk, r, NLM_F_CREATE | NLM_F_EXCL));
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(d);
	nl_addr_put(g);
	rtnl_route_put(r);
	return ret;
}

int wnl_neigh_add(struct wnl *nl, int ifindex, int family, const void *addr,
		 const uint8_t mac[6])
{
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *dst = ip_addr(family, addr, -1), *ll = mac_addr(mac);
	int ret = -ENOMEM;

	if (!n || !dst || !ll)
		goto out;
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_family(n, family);
	ret = nl_errno(rtnl_neigh_set_dst(n, dst));
	if (ret)
		goto out;
	rtnl_neigh_set_lladdr(n, ll);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	ret = nl_errno(rtnl_neigh_add(nl->sk, n, NLM_F_CREATE | NLM_F_REPLACE));
out:
	nl_addr_put(dst);
	nl_addr_put(ll);
	rtnl_neigh_put(n);
	return ret;
}
