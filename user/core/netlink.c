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

#include "core/netlink.h"

struct wnl {
	struct nl_sock *sk;
	int kernel_err;		/* errno of the last NLMSG_ERROR (negative), or 0 */
};

/* For errors libnl makes up itself; the kernel's own are caught below. */
static int nl_errno(int nlerr)
{
	switch (abs(nlerr)) {
	case 0: return 0;
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV: return -ENODEV;
	case NLE_PERM: return -EPERM;
	case NLE_INVAL:
	case NLE_MISSING_ATTR: return -EINVAL;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_BUSY: return -EBUSY;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_RANGE: return -ERANGE;
	case NLE_MSGSIZE: return -EMSGSIZE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
	case NLE_AF_MISMATCH: return -EAFNOSUPPORT;
	case NLE_NOACCESS: return -EACCES;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_INTR: return -EINTR;
	case NLE_BAD_SOCK: return -EBADF;
	default: return -EIO;
	}
}

/*
 * libnl folds the kernel's errno into its own codes and loses some on the
 * way (ENETUNREACH and EBADF come back as NLE_FAILURE and NLE_BAD_SOCK), so
 * keep the errno of the error message itself. NL_STOP makes libnl return
 * exactly what it would have without this callback.
 */
static int catch_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct wnl *nl = arg;

	nl->kernel_err = e->error;
	return NL_STOP;
}

/* The outcome of one libnl call as 0 or -errno, the kernel's if it gave one. */
static int result(struct wnl *nl, int nlerr)
{
	int kerr = nl->kernel_err;

	nl->kernel_err = 0;
	if (nlerr >= 0)
		return 0;
	return kerr < 0 ? kerr : nl_errno(nlerr);
}

int wnl_open(struct wnl **out)
{
	struct wnl *nl;
	int ret = -ENOMEM;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		goto err;
	ret = nl_errno(nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, catch_error, nl));
	if (ret)
		goto err;
	ret = nl_errno(nl_connect(nl->sk, NETLINK_ROUTE));
	if (ret)
		goto err;
	*out = nl;
	return 0;
err:
	nl_socket_free(nl->sk);
	free(nl);
	return ret;
}

void wnl_close(struct wnl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

static int mac_addr(const uint8_t mac[6], struct nl_addr **out)
{
	*out = nl_addr_build(AF_LLC, mac, 6);
	return *out ? 0 : -ENOMEM;
}

static int addr_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

/* addr/prefixlen as an nl_addr, after the checks libnl leaves to us. */
static int ip_addr(int family, const void *addr, int prefixlen, struct nl_addr **out)
{
	int bits = addr_bits(family);

	*out = NULL;
	if (!bits)
		return -EAFNOSUPPORT;
	if (prefixlen < 0 || prefixlen > bits)
		return -EINVAL;
	*out = nl_addr_build(family, addr, bits / 8);
	if (!*out)
		return -ENOMEM;
	nl_addr_set_prefixlen(*out, prefixlen);
	return 0;
}

static int host_addr(int family, const void *addr, struct nl_addr **out)
{
	return ip_addr(family, addr, addr_bits(family), out);
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
	/*
	 * The veth type made the peer along with the link and frees it with
	 * rtnl_link_veth_release(); get_peer adds a reference of our own.
	 */
	peer = rtnl_link_veth_get_peer(link);
	ret = mac_addr(mac, &a);
	if (!ret)
		ret = mac_addr(peer_mac, &pa);
	if (ret)
		goto out;
	rtnl_link_set_name(link, name);
	rtnl_link_set_addr(link, a);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_addr(peer, pa);
	/* Created inside the workload directly: no window where it sits on the host. */
	rtnl_link_set_ns_fd(peer, peer_netns_fd);
	ret = result(nl, rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL));
out:
	nl_addr_put(a);
	nl_addr_put(pa);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	return ret;
}

/*
 * One link straight from the kernel, by ifindex or by name. libnl asserts
 * (aborts) when given neither, so a missing one is refused here first.
 */
static int link_get(struct wnl *nl, int ifindex, const char *name, struct rtnl_link **out)
{
	if (ifindex <= 0 && !name)
		return -ENODEV;
	return result(nl, rtnl_link_get_kernel(nl->sk, ifindex, name, out));
}

int wnl_link_index(struct wnl *nl, const char *name)
{
	struct rtnl_link *link;
	int ret;

	/* The kernel refuses these (ERANGE for a long name): no such link can exist. */
	if (!name || !name[0] || strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	ret = link_get(nl, 0, name, &link);
	if (ret)
		return ret;
	ret = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ret > 0 ? ret : -ENODEV;
}

int wnl_link_mac(struct wnl *nl, int ifindex, uint8_t mac[6])
{
	struct rtnl_link *link;
	struct nl_addr *a;
	int ret;

	ret = link_get(nl, ifindex, NULL, &link);
	if (ret)
		return ret;
	a = rtnl_link_get_addr(link);
	if (a && nl_addr_get_len(a) == 6)
		memcpy(mac, nl_addr_get_binary_addr(a), 6);
	else
		ret = -EINVAL;	/* not an Ethernet-like link (lo has one, wg has none) */
	rtnl_link_put(link);
	return ret;
}

int wnl_link_set_up(struct wnl *nl, int ifindex)
{
	struct rtnl_link *orig, *change;
	int ret;

	ret = link_get(nl, ifindex, NULL, &orig);
	if (ret)
		return ret;
	change = rtnl_link_alloc();
	if (!change) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	ret = result(nl, rtnl_link_change(nl->sk, orig, change, 0));
	rtnl_link_put(change);
out:
	rtnl_link_put(orig);
	return ret;
}

int wnl_link_del(struct wnl *nl, int ifindex)
{
	struct rtnl_link *link;
	int ret;

	/* ifindex 0 would reach the kernel as "no link given": EINVAL. */
	if (ifindex <= 0)
		return -ENODEV;
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	ret = result(nl, rtnl_link_delete(nl->sk, link));
	rtnl_link_put(link);
	return ret;
}

/* An address object for ifindex: addr/prefixlen of family. */
static int addr_object(int ifindex, int family, const void *addr, int prefixlen,
		       struct rtnl_addr **out)
{
	struct nl_addr *local = NULL;
	struct rtnl_addr *ra;
	int ret;

	ra = rtnl_addr_alloc();
	if (!ra)
		return -ENOMEM;
	ret = ip_addr(family, addr, prefixlen, &local);
	if (!ret) {
		rtnl_addr_set_ifindex(ra, ifindex);
		rtnl_addr_set_family(ra, family);
		/* Also sets the prefix length, from local's. */
		ret = nl_errno(rtnl_addr_set_local(ra, local));
	}
	nl_addr_put(local);
	if (ret) {
		rtnl_addr_put(ra);
		return ret;
	}
	*out = ra;
	return 0;
}

int wnl_addr_add(struct wnl *nl, int ifindex, int family, const void *addr, int prefixlen)
{
	struct rtnl_addr *ra;
	int ret = addr_object(ifindex, family, addr, prefixlen, &ra);

	if (ret)
		return ret;
	/* Usable at once: no duplicate address detection delay. */
	if (family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	ret = result(nl, rtnl_addr_add(nl->sk, ra, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_addr_put(ra);
	return ret;
}

int wnl_addr_del(struct wnl *nl, int ifindex, int family, const void *addr, int prefixlen)
{
	struct rtnl_addr *ra;
	int ret = addr_object(ifindex, family, addr, prefixlen, &ra);

	if (ret)
		return ret;
	ret = result(nl, rtnl_addr_delete(nl->sk, ra, 0));
	rtnl_addr_put(ra);
	return ret;
}

/* A single next hop out of ifindex, via gw when there is one. */
static int route_nexthop(struct rtnl_route *r, int ifindex, int family, const void *gw,
			 bool onlink)
{
	struct rtnl_nexthop *nh;
	struct nl_addr *g = NULL;
	int ret;

	if (gw) {
		ret = host_addr(family, gw, &g);
		if (ret)
			return ret;
	}
	nh = rtnl_route_nh_alloc();
	if (!nh) {
		nl_addr_put(g);
		return -ENOMEM;
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (g)
		rtnl_route_nh_set_gateway(nh, g);	/* takes its own reference */
	nl_addr_put(g);
	/* libnl sends a lone next hop's flags in rtm_flags, where the kernel looks. */
	if (onlink)
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
	rtnl_route_add_nexthop(r, nh);	/* the route owns it now */
	return 0;
}

int wnl_route_add(struct wnl *nl, int ifindex, int family, const void *dst, int dst_len,
		 const void *gw, bool onlink)
{
	return wnl_route_add_mtu(nl, ifindex, family, dst, dst_len, gw, onlink, 0);
}

static int route_put(struct wnl *nl, int ifindex, int family, const void *dst, int dst_len,
		     const void *gw, bool onlink, int mtu, int flags);

int wnl_route_add_mtu(struct wnl *nl, int ifindex, int family, const void *dst, int dst_len,
		      const void *gw, bool onlink, int mtu)
{
	return route_put(nl, ifindex, family, dst, dst_len, gw, onlink, mtu,
			 NLM_F_CREATE | NLM_F_EXCL);
}

int wnl_route_replace_mtu(struct wnl *nl, int ifindex, int family, const void *dst, int dst_len,
			  const void *gw, bool onlink, int mtu)
{
	return route_put(nl, ifindex, family, dst, dst_len, gw, onlink, mtu,
			 NLM_F_CREATE | NLM_F_REPLACE);
}

static int route_put(struct wnl *nl, int ifindex, int family, const void *dst, int dst_len,
		     const void *gw, bool onlink, int mtu, int flags)
{
	struct nl_addr *d = NULL;
	struct rtnl_route *r;
	int ret;

	r = rtnl_route_alloc();
	if (!r)
		return -ENOMEM;
	ret = ip_addr(family, dst, dst_len, &d);
	if (ret)
		goto out;
	rtnl_route_set_family(r, family);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_scope(r, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	ret = nl_errno(rtnl_route_set_type(r, RTN_UNICAST));
	if (!ret)
		ret = nl_errno(rtnl_route_set_dst(r, d));
	if (!ret)
		ret = route_nexthop(r, ifindex, family, gw, onlink);
	if (!ret && mtu > 0)
		ret = nl_errno(rtnl_route_set_metric(r, RTAX_MTU, (uint32_t)mtu));
	if (ret)
		goto out;
	ret = result(nl, rtnl_route_add(nl->sk, r, flags));
out:
	nl_addr_put(d);
	rtnl_route_put(r);
	return ret;
}

int wnl_neigh_add(struct wnl *nl, int ifindex, int family, const void *addr,
		 const uint8_t mac[6])
{
	struct nl_addr *dst = NULL, *ll = NULL;
	struct rtnl_neigh *n;
	int ret;

	n = rtnl_neigh_alloc();
	if (!n)
		return -ENOMEM;
	ret = host_addr(family, addr, &dst);
	if (!ret)
		ret = mac_addr(mac, &ll);
	if (ret)
		goto out;
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_family(n, family);
	ret = nl_errno(rtnl_neigh_set_dst(n, dst));
	if (ret)
		goto out;
	rtnl_neigh_set_lladdr(n, ll);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	/* REPLACE: adding the same neighbour again (a restart) is not an error. */
	ret = result(nl, rtnl_neigh_add(nl->sk, n, NLM_F_CREATE | NLM_F_REPLACE));
out:
	nl_addr_put(dst);
	nl_addr_put(ll);
	rtnl_neigh_put(n);
	return ret;
}

struct wnl_monitor {
	struct nl_sock *sk;
	uint8_t buf[65536];
};

/* Room for a burst: a few hundred links removed at once fit before ENOBUFS. */
#define MONITOR_RCVBUF (4 << 20)
#define MONITOR_READS 64	/* datagrams (each up to 64 KiB) per call */

int wnl_link_monitor_open(struct wnl_monitor **out)
{
	struct wnl_monitor *mon;
	int size = MONITOR_RCVBUF, ret = -ENOMEM;

	mon = calloc(1, sizeof(*mon));
	if (!mon)
		return -ENOMEM;
	mon->sk = nl_socket_alloc();
	if (!mon->sk)
		goto err;
	/* Notifications carry no sequence numbers of ours. */
	nl_socket_disable_seq_check(mon->sk);
	ret = nl_errno(nl_connect(mon->sk, NETLINK_ROUTE));
	if (!ret)
		ret = nl_errno(nl_socket_add_membership(mon->sk, RTNLGRP_LINK));
	if (!ret)
		ret = nl_errno(nl_socket_set_nonblocking(mon->sk));
	if (ret)
		goto err;
	/* FORCE passes net.core.rmem_max (root); else the capped size will do. */
	if (setsockopt(nl_socket_get_fd(mon->sk), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)))
		setsockopt(nl_socket_get_fd(mon->sk), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	*out = mon;
	return 0;
err:
	nl_socket_free(mon->sk);
	free(mon);
	return ret;
}

int wnl_link_monitor_fd(const struct wnl_monitor *mon)
{
	return nl_socket_get_fd(mon->sk);
}

static void monitor_parse(const uint8_t *buf, size_t len, wnl_link_gone_fn gone, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int left = (int)len;

	for (; nlmsg_ok(nlh, left); nlh = nlmsg_next((struct nlmsghdr *)nlh, &left)) {
		const struct ifinfomsg *ifi;
		const struct nlattr *name;
		char ifname[IFNAMSIZ] = "";

		if (nlh->nlmsg_type != RTM_DELLINK || !nlmsg_valid_hdr(nlh, sizeof(*ifi)))
			continue;
		ifi = nlmsg_data(nlh);
		if (ifi->ifi_index <= 0)
			continue;
		name = nlmsg_find_attr((struct nlmsghdr *)nlh, sizeof(*ifi), IFLA_IFNAME);
		if (name)
			nla_strlcpy(ifname, name, sizeof(ifname));
		gone(ifi->ifi_index, ifname, arg);
	}
}

int wnl_link_monitor_read(struct wnl_monitor *mon, wnl_link_gone_fn gone, void *arg)
{
	int fd = nl_socket_get_fd(mon->sk);
	bool overflow = false;

	/* Bounded, so a storm cannot hold the caller: what is left stays readable. */
	for (int reads = 0; reads < MONITOR_READS; reads++) {
		struct sockaddr_nl from = {};
		socklen_t alen = sizeof(from);
		ssize_t n = recvfrom(fd, mon->buf, sizeof(mon->buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &alen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				overflow = true;	/* messages lost; the socket works on */
				continue;
			}
			if (errno == EAGAIN)
				return overflow ? -ENOBUFS : 0;
			return -errno;
		}
		/* Only the kernel speaks on this group (another process could not, unprivileged). */
		if (alen != sizeof(from) || from.nl_pid != 0)
			continue;
		monitor_parse(mon->buf, (size_t)n, gone, arg);
	}
	return overflow ? -ENOBUFS : 0;
}

void wnl_link_monitor_close(struct wnl_monitor *mon)
{
	if (!mon)
		return;
	nl_socket_free(mon->sk);
	free(mon);
}
