/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Links, addresses, routes and neighbours over rtnetlink (libnl-3).
 * The only file that includes libnl: everything comes back as -errno.
 *
 * A netlink socket works in the network namespace it was created in, so
 * a handle is opened per namespace: enter the workload's netns
 * (netns_enter), wnl_open(), do the work, wnl_close(), netns_leave().
 */
#ifndef WARREN_NETLINK_H
#define WARREN_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

struct wnl;

/* Open a route netlink handle in the calling thread's current netns. */
int wnl_open(struct wnl **out);
void wnl_close(struct wnl *nl);

/*
 * Create a veth pair: `name` stays in the current netns, `peer_name` is
 * created directly inside the netns behind peer_netns_fd (no rename dance,
 * so a name clash inside the workload is reported as -EEXIST). Both ends
 * get the given MAC addresses and are left down.
 */
int wnl_veth_create(struct wnl *nl, const char *name, const uint8_t mac[6],
		   const char *peer_name, const uint8_t peer_mac[6], int peer_netns_fd);

/* ifindex of a link by name: > 0, or -ENODEV. */
int wnl_link_index(struct wnl *nl, const char *name);
/* MAC of a link. */
int wnl_link_mac(struct wnl *nl, int ifindex, uint8_t mac[6]);
int wnl_link_set_up(struct wnl *nl, int ifindex);
/* Delete a link (for a veth, its peer goes with it). -ENODEV if absent. */
int wnl_link_del(struct wnl *nl, int ifindex);

/*
 * Add an address; family is AF_INET or AF_INET6, addr is in network byte
 * order (4 or 16 bytes). IPv6 addresses are added with IFA_F_NODAD so
 * they are usable the moment this returns.
 */
int wnl_addr_add(struct wnl *nl, int ifindex, int family, const void *addr, int prefixlen);
/* Remove an address; -EADDRNOTAVAIL if it is not there. */
int wnl_addr_del(struct wnl *nl, int ifindex, int family, const void *addr, int prefixlen);

/*
 * Add a route dst/dst_len via gw (NULL: directly on the link) out of
 * ifindex. onlink sets RTNH_F_ONLINK so a gateway outside every prefix of
 * the link (169.254.1.1, fe80::1) is accepted. -EEXIST if present.
 */
int wnl_route_add(struct wnl *nl, int ifindex, int family, const void *dst, int dst_len,
		 const void *gw, bool onlink);

/*
 * The same with an MTU on the route (0: none), e.g. the fabric route of a
 * workload whose peers on other hosts are behind a tunnel.
 */
int wnl_route_add_mtu(struct wnl *nl, int ifindex, int family, const void *dst, int dst_len,
		      const void *gw, bool onlink, int mtu);
/* The same route, its MTU changed in place (created if missing). */
int wnl_route_replace_mtu(struct wnl *nl, int ifindex, int family, const void *dst, int dst_len,
			  const void *gw, bool onlink, int mtu);

/* A permanent neighbour entry addr -> mac on ifindex (NUD_PERMANENT). */
int wnl_neigh_add(struct wnl *nl, int ifindex, int family, const void *addr,
		 const uint8_t mac[6]);

/*
 * Links removed from the netns the monitor was opened in, as the kernel
 * announces them (RTM_DELLINK on RTNLGRP_LINK): a veth goes when its
 * peer's netns is deleted, so the agent learns of workloads that vanish.
 * The socket is non-blocking; read it when its fd is readable.
 */
struct wnl_monitor;
typedef void (*wnl_link_gone_fn)(int ifindex, const char *ifname, void *arg);

int wnl_link_monitor_open(struct wnl_monitor **out);
int wnl_link_monitor_fd(const struct wnl_monitor *mon);
/*
 * Read what is queued (a bounded amount per call: the fd stays readable
 * while more is), calling gone() once per removed link (ifname "" if the
 * message had none). 0, or -ENOBUFS if the kernel dropped messages
 * because the socket was full: the caller must rescan the links it cares
 * about.
 */
int wnl_link_monitor_read(struct wnl_monitor *mon, wnl_link_gone_fn gone, void *arg);
void wnl_link_monitor_close(struct wnl_monitor *mon);

#endif
