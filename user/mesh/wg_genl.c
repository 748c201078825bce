// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel's WireGuard, configured over generic netlink ("wireguard"
 * family, include/uapi/linux/wireguard.h) with libnl-genl.
 *
 * Not exercised on hosts without the module (wireguard-go is used there);
 * the VM runner boots kernels with it, where the same end-to-end suite
 * drives this file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/wireguard.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "core/model.h"
#include "mesh/wg.h"

struct genl {
	struct nl_sock *sk;
	int family;
};

static int genl_open(struct genl *g)
{
	g->sk = nl_socket_alloc();
	if (!g->sk)
		return -ENOMEM;
	if (genl_connect(g->sk)) {
		nl_socket_free(g->sk);
		return -ECONNREFUSED;
	}
	g->family = genl_ctrl_resolve(g->sk, WG_GENL_NAME);
	if (g->family < 0) {
		nl_socket_free(g->sk);
		return -EOPNOTSUPP;
	}
	return 0;
}

static struct nl_msg *device_msg(struct genl *g, struct wg_dev *d, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m)
		return NULL;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0, flags, WG_CMD_SET_DEVICE,
			 WG_GENL_VERSION) ||
	    nla_put_string(m, WGDEVICE_A_IFNAME, d->ifname)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* Send and wait for the kernel's ack. */
static int send_sync(struct genl *g, struct nl_msg *m)
{
	int ret = nl_send_sync(g->sk, m);	/* frees m */

	return ret ? (ret == -NLE_NODEV || ret == -NLE_OBJ_NOTFOUND ? -ENODEV : -EINVAL) : 0;
}

static int finish(struct genl *g, struct nl_msg *m, struct wg_dev *d, const char *what, char *err)
{
	int ret = m ? send_sync(g, m) : -ENOMEM;

	if (ret)
		snprintf(err, ERR_SIZE, "%s: %s (generic netlink): %s", d->ifname, what, strerror(-ret));
	nl_socket_free(g->sk);
	return ret;
}

int wg_genl_set_device(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], uint16_t port, char *err)
{
	struct genl g;
	struct nl_msg *m;
	int ret = genl_open(&g);

	if (ret) {
		snprintf(err, ERR_SIZE, "%s: the wireguard generic netlink family: %s", d->ifname,
			 strerror(-ret));
		return ret;
	}
	m = device_msg(&g, d, NLM_F_REQUEST | NLM_F_ACK);
	if (m && (nla_put(m, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, key) ||
		  nla_put_u16(m, WGDEVICE_A_LISTEN_PORT, port))) {
		nlmsg_free(m);
		m = NULL;
	}
	return finish(&g, m, d, "setting key and port", err);
}

static int put_allowed(struct nl_msg *m, int family, const void *addr, int len, int idx)
{
	struct nlattr *a = nla_nest_start(m, idx);

	if (!a || nla_put_u16(m, WGALLOWEDIP_A_FAMILY, (uint16_t)family) ||
	    nla_put(m, WGALLOWEDIP_A_IPADDR, family == AF_INET ? 4 : 16, addr) ||
	    nla_put_u8(m, WGALLOWEDIP_A_CIDR_MASK, (uint8_t)len))
		return -ENOMEM;
	nla_nest_end(m, a);
	return 0;
}

int wg_genl_set_peer(struct wg_dev *d, const struct wg_peer_cfg *p, char *err)
{
	struct nlattr *peers, *peer, *ips;
	struct genl g;
	struct nl_msg *m;
	int ret = genl_open(&g), bad = 0;

	if (ret) {
		snprintf(err, ERR_SIZE, "%s: the wireguard generic netlink family: %s", d->ifname,
			 strerror(-ret));
		return ret;
	}
	m = device_msg(&g, d, NLM_F_REQUEST | NLM_F_ACK);
	if (!m)
		return finish(&g, NULL, d, "setting a peer", err);
	peers = nla_nest_start(m, WGDEVICE_A_PEERS);
	peer = peers ? nla_nest_start(m, 0) : NULL;
	bad = !peer || nla_put(m, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, p->public_key) ||
	      nla_put_u32(m, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS) ||
	      nla_put_u16(m, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive);
	if (!bad && p->family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(p->port) };

		memcpy(&sin.sin_addr, p->addr, 4);
		bad = nla_put(m, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
	} else if (!bad) {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(p->port) };

		memcpy(&sin6.sin6_addr, p->addr, 16);
		bad = nla_put(m, WGPEER_A_ENDPOINT, sizeof(sin6), &sin6);
	}
	ips = bad ? NULL : nla_nest_start(m, WGPEER_A_ALLOWEDIPS);
	bad = bad || !ips;
	if (!bad && p->has4)
		bad = put_allowed(m, AF_INET, &p->allowed4.addr, p->allowed4.len, 0);
	if (!bad && p->has6)
		bad = put_allowed(m, AF_INET6, p->allowed6.addr, p->allowed6.len, 1);
	if (bad) {
		nlmsg_free(m);
		return finish(&g, NULL, d, "setting a peer", err);
	}
	nla_nest_end(m, ips);
	nla_nest_end(m, peer);
	nla_nest_end(m, peers);
	return finish(&g, m, d, "setting a peer", err);
}

int wg_genl_remove_peer(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], char *err)
{
	struct nlattr *peers, *peer;
	struct genl g;
	struct nl_msg *m;
	int ret = genl_open(&g);

	if (ret) {
		snprintf(err, ERR_SIZE, "%s: the wireguard generic netlink family: %s", d->ifname,
			 strerror(-ret));
		return ret;
	}
	m = device_msg(&g, d, NLM_F_REQUEST | NLM_F_ACK);
	peers = m ? nla_nest_start(m, WGDEVICE_A_PEERS) : NULL;
	peer = peers ? nla_nest_start(m, 0) : NULL;
	if (!peer || nla_put(m, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key) ||
	    nla_put_u32(m, WGPEER_A_FLAGS, WGPEER_F_REMOVE_ME)) {
		if (m)
			nlmsg_free(m);
		return finish(&g, NULL, d, "removing a peer", err);
	}
	nla_nest_end(m, peer);
	nla_nest_end(m, peers);
	return finish(&g, m, d, "removing a peer", err);
}

struct peers_acc {
	struct wg_peer_state *arr;
	size_t n;
	int err;
};

/* One message of the GET_DEVICE dump: a part of the device's peers. */
static int on_device(struct nl_msg *msg, void *arg)
{
	struct peers_acc *acc = arg;
	struct nlattr *tb[WGDEVICE_A_MAX + 1], *peer;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, WGDEVICE_A_MAX, NULL) || !tb[WGDEVICE_A_PEERS])
		return NL_OK;
	nla_for_each_nested(peer, tb[WGDEVICE_A_PEERS], rem) {
		struct nlattr *pt[WGPEER_A_MAX + 1];
		struct wg_peer_state *bigger, *s;

		if (nla_parse_nested(pt, WGPEER_A_MAX, peer, NULL) || !pt[WGPEER_A_PUBLIC_KEY] ||
		    nla_len(pt[WGPEER_A_PUBLIC_KEY]) != WG_KEY_LEN)
			continue;
		bigger = realloc(acc->arr, (acc->n + 1) * sizeof(*bigger));
		if (!bigger) {
			acc->err = -ENOMEM;
			return NL_STOP;
		}
		acc->arr = bigger;
		s = &acc->arr[acc->n++];
		memset(s, 0, sizeof(*s));
		memcpy(s->public_key, nla_data(pt[WGPEER_A_PUBLIC_KEY]), WG_KEY_LEN);
		if (pt[WGPEER_A_LAST_HANDSHAKE_TIME] &&
		    nla_len(pt[WGPEER_A_LAST_HANDSHAKE_TIME]) >= (int)sizeof(int64_t))
			memcpy(&s->last_handshake, nla_data(pt[WGPEER_A_LAST_HANDSHAKE_TIME]),
			       sizeof(int64_t));
		if (pt[WGPEER_A_RX_BYTES])
			s->rx_bytes = nla_get_u64(pt[WGPEER_A_RX_BYTES]);
		if (pt[WGPEER_A_TX_BYTES])
			s->tx_bytes = nla_get_u64(pt[WGPEER_A_TX_BYTES]);
	}
	return NL_OK;
}

int wg_genl_peers(struct wg_dev *d, struct wg_peer_state **out, size_t *n, char *err)
{
	struct peers_acc acc = {};
	struct genl g;
	struct nl_msg *m;
	int ret = genl_open(&g);

	if (ret) {
		snprintf(err, ERR_SIZE, "%s: the wireguard generic netlink family: %s", d->ifname,
			 strerror(-ret));
		return ret;
	}
	m = nlmsg_alloc();
	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, g.family, 0, NLM_F_REQUEST | NLM_F_DUMP,
			       WG_CMD_GET_DEVICE, WG_GENL_VERSION) ||
	    nla_put_string(m, WGDEVICE_A_IFNAME, d->ifname)) {
		ret = -ENOMEM;
	} else {
		nl_socket_modify_cb(g.sk, NL_CB_VALID, NL_CB_CUSTOM, on_device, &acc);
		ret = nl_send_auto(g.sk, m) < 0 ? -EIO : 0;
		if (!ret && nl_recvmsgs_default(g.sk) < 0)
			ret = -EIO;
		ret = ret ?: acc.err;
	}
	if (m)
		nlmsg_free(m);
	nl_socket_free(g.sk);
	if (ret) {
		free(acc.arr);
		snprintf(err, ERR_SIZE, "%s: reading peers (generic netlink): %s", d->ifname,
			 strerror(-ret));
		return ret;
	}
	*out = acc.arr;
	*n = acc.n;
	return 0;
}
