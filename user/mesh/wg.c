// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Creating or adopting the host's WireGuard device, and dispatching its
 * configuration to the backend that implements it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "lib/log.h"
#include "core/model.h"
#include "mesh/wg.h"

const char *wg_kind_name(enum wg_kind k)
{
	return k == WG_KIND_KERNEL ? "kernel" : k == WG_KIND_USERSPACE ? "wireguard-go" : "none";
}

static int nl_err(int e)
{
	switch (e < 0 ? -e : e) {
	case 0: return 0;
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: return -ENODEV;
	case NLE_PERM: return -EPERM;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_NOMEM: return -ENOMEM;
	default: return -EINVAL;
	}
}

/* The link's kind ("wireguard", "tun", ...) into buf; -ENODEV if absent. */
static int link_kind(struct nl_sock *sk, const char *ifname, char *buf, size_t len)
{
	struct rtnl_link *l = NULL;
	int ret = nl_err(rtnl_link_get_kernel(sk, 0, ifname, &l));
	const char *t;

	if (ret)
		return ret;
	t = rtnl_link_get_type(l);
	snprintf(buf, len, "%s", t ? t : "");
	rtnl_link_put(l);
	return 0;
}

static int kernel_create(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int ret;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, ifname);
	ret = nl_err(rtnl_link_set_type(l, "wireguard"));
	if (!ret)
		ret = nl_err(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(l);
	return ret;
}

static int set_mtu_up(struct nl_sock *sk, const char *ifname, int mtu)
{
	struct rtnl_link *old = NULL, *chg = rtnl_link_alloc();
	int ret = chg ? nl_err(rtnl_link_get_kernel(sk, 0, ifname, &old)) : -ENOMEM;

	if (!ret) {
		if (mtu > 0)
			rtnl_link_set_mtu(chg, (unsigned int)mtu);
		rtnl_link_set_flags(chg, IFF_UP);
		ret = nl_err(rtnl_link_change(sk, old, chg, 0));
	}
	if (old)
		rtnl_link_put(old);
	if (chg)
		rtnl_link_put(chg);
	return ret;
}

int wg_dev_set_mtu(struct wg_dev *d, int mtu, char *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret = sk && !nl_connect(sk, NETLINK_ROUTE) ? set_mtu_up(sk, d->ifname, mtu) : -ENOMEM;

	if (ret)
		snprintf(err, ERR_SIZE, "%s: MTU %d: %s", d->ifname, mtu, strerror(-ret));
	if (sk)
		nl_socket_free(sk);
	return ret;
}

int wg_dev_open(struct wg_dev *d, const char *ifname, int mtu, bool allow_userspace, char *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	char kind[32] = "";
	int ret;

	memset(d, 0, sizeof(*d));
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	if (!sk || nl_connect(sk, NETLINK_ROUTE)) {
		snprintf(err, ERR_SIZE, "%s: rtnetlink: cannot connect", ifname);
		ret = -ENOMEM;
		goto out;
	}
	ret = link_kind(sk, ifname, kind, sizeof(kind));
	if (ret == 0 && !strcmp(kind, "wireguard")) {
		d->kind = WG_KIND_KERNEL;
	} else if (ret == 0) {
		/* Not the kernel's: a wireguard-go TUN of that name, or a stranger. */
		if (!allow_userspace) {
			snprintf(err, ERR_SIZE, "%s exists and is not a kernel WireGuard device", ifname);
			ret = -EEXIST;
			goto out;
		}
		ret = wg_uapi_start(d, err);
		if (ret)
			goto out;
	} else {
		ret = kernel_create(sk, ifname);
		if (!ret) {
			d->kind = WG_KIND_KERNEL;
			d->created = true;
		} else if (allow_userspace) {
			pr_info("%s: the kernel has no WireGuard (%s); using wireguard-go\n", ifname,
				strerror(-ret));
			ret = wg_uapi_start(d, err);
			if (ret)
				goto out;
		} else {
			snprintf(err, ERR_SIZE, "%s: creating a kernel WireGuard device: %s", ifname,
				 strerror(-ret));
			goto out;
		}
	}
	ret = set_mtu_up(sk, ifname, mtu);
	if (ret) {
		snprintf(err, ERR_SIZE, "%s: MTU %d and up: %s", ifname, mtu, strerror(-ret));
		goto out;
	}
	d->ifindex = (int)if_nametoindex(ifname);
	if (!d->ifindex) {
		snprintf(err, ERR_SIZE, "%s vanished", ifname);
		ret = -ENODEV;
	}
out:
	if (sk)
		nl_socket_free(sk);
	if (ret)
		d->kind = WG_KIND_NONE;
	return ret;
}

int wg_dev_set_device(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], uint16_t port, char *err)
{
	return d->kind == WG_KIND_KERNEL ? wg_genl_set_device(d, key, port, err)
					 : wg_uapi_set_device(d, key, port, err);
}

int wg_dev_set_peer(struct wg_dev *d, const struct wg_peer_cfg *p, char *err)
{
	return d->kind == WG_KIND_KERNEL ? wg_genl_set_peer(d, p, err) : wg_uapi_set_peer(d, p, err);
}

int wg_dev_remove_peer(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], char *err)
{
	return d->kind == WG_KIND_KERNEL ? wg_genl_remove_peer(d, key, err)
					 : wg_uapi_remove_peer(d, key, err);
}

int wg_dev_peers(struct wg_dev *d, struct wg_peer_state **out, size_t *n, char *err)
{
	return d->kind == WG_KIND_KERNEL ? wg_genl_peers(d, out, n, err)
					 : wg_uapi_peers(d, out, n, err);
}

void wg_dev_close(struct wg_dev *d)
{
	d->kind = WG_KIND_NONE;
}

int wg_dev_destroy(struct wg_dev *d, char *err)
{
	struct nl_sock *sk;
	struct rtnl_link *l;
	int ret;

	sk = nl_socket_alloc();
	l = rtnl_link_alloc();
	ret = sk && l && !nl_connect(sk, NETLINK_ROUTE) ? 0 : -ENOMEM;
	if (!ret) {
		rtnl_link_set_name(l, d->ifname);
		ret = nl_err(rtnl_link_delete(sk, l));
	}
	if (ret && ret != -ENODEV)
		snprintf(err, ERR_SIZE, "deleting %s: %s", d->ifname, strerror(-ret));
	if (l)
		rtnl_link_put(l);
	if (sk)
		nl_socket_free(sk);
	if (ret == -ENODEV)
		ret = 0;
	/* wireguard-go exits when its TUN goes; wait for that, then tidy up. */
	if (!ret && d->kind == WG_KIND_USERSPACE)
		ret = wg_uapi_stop(d, err);
	d->kind = WG_KIND_NONE;
	return ret;
}
