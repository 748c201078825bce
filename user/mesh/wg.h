/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The host's WireGuard device, whichever implementation backs it.
 *
 * wg_dev_open() creates the device with the kernel's module over
 * rtnetlink ("type wireguard") and configures it over generic netlink
 * (wg_genl.c). Where the kernel has no WireGuard it starts (or adopts an
 * already running) wireguard-go for the same name and configures it
 * through its UAPI socket (wg_uapi.c). Everything above this header is
 * the same code for both; wg_dev.kind says which one is in use.
 *
 * Every call works in the calling thread's current network namespace.
 * Errors: -errno, with one line for people in err (ERR_SIZE bytes).
 */
#ifndef WARREN_WG_H
#define WARREN_WG_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "lib/addr.h"
#include "mesh/wg_key.h"

enum wg_kind {
	WG_KIND_NONE = 0,
	WG_KIND_KERNEL,		/* the wireguard module, generic netlink */
	WG_KIND_USERSPACE,	/* wireguard-go, UAPI socket */
};

struct wg_dev {
	char ifname[IF_NAMESIZE];
	enum wg_kind kind;
	int ifindex;
	bool created;		/* made by this open (not adopted): no old peers */
	char uapi_path[108];	/* WG_KIND_USERSPACE: its socket */
};

/* What this host's device must look like. */
struct wg_peer_cfg {
	uint8_t public_key[WG_KEY_LEN];
	/* The peer's underlay address and port. */
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* IPv4 in the first 4 bytes, network order */
	uint16_t port;
	uint16_t keepalive;		/* seconds; 0 = off */
	/* allowed-ips: exactly these (replacing what the peer had). */
	bool has4, has6;
	struct prefix4 allowed4;
	struct prefix6 allowed6;
};

/* What the device reports of a peer (warrenctl status). */
struct wg_peer_state {
	uint8_t public_key[WG_KEY_LEN];
	int64_t last_handshake;		/* unix seconds, 0 = never */
	uint64_t rx_bytes, tx_bytes;
};

const char *wg_kind_name(enum wg_kind k);	/* "kernel", "wireguard-go", "none" */

/*
 * Create the device, or adopt an existing one of that name (a kernel
 * device, or a wireguard-go whose UAPI socket answers), and bring it up
 * with the given MTU. wireguard-go is looked up as $WARREN_WIREGUARD_GO,
 * else "wireguard-go" in PATH. allow_userspace = false refuses to fall
 * back (the choice is logged either way).
 */
int wg_dev_open(struct wg_dev *d, const char *ifname, int mtu, bool allow_userspace,
		char *err);
/* The device's MTU, changed in place (sessions survive). */
int wg_dev_set_mtu(struct wg_dev *d, int mtu, char *err);
/* Private key and listen port; peers untouched. */
int wg_dev_set_device(struct wg_dev *d, const uint8_t private_key[WG_KEY_LEN], uint16_t port,
		      char *err);
/*
 * Add a peer or update one in place (an existing session survives):
 * endpoint, keepalive, and allowed-ips replaced by exactly the given ones.
 */
int wg_dev_set_peer(struct wg_dev *d, const struct wg_peer_cfg *p, char *err);
/* Remove a peer; absent is not an error. */
int wg_dev_remove_peer(struct wg_dev *d, const uint8_t public_key[WG_KEY_LEN], char *err);
/* The peers the device has now; *out is malloc'ed (free it), *n may be 0. */
int wg_dev_peers(struct wg_dev *d, struct wg_peer_state **out, size_t *n, char *err);
/* Forget the handle; the device and its peers stay (the agent restarts). */
void wg_dev_close(struct wg_dev *d);
/* Remove the device: the link (kernel), or the link and the wireguard-go process. */
int wg_dev_destroy(struct wg_dev *d, char *err);

/* Backends, called by wg.c only. */
int wg_genl_set_device(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], uint16_t port, char *err);
int wg_genl_set_peer(struct wg_dev *d, const struct wg_peer_cfg *p, char *err);
int wg_genl_remove_peer(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], char *err);
int wg_genl_peers(struct wg_dev *d, struct wg_peer_state **out, size_t *n, char *err);
int wg_uapi_start(struct wg_dev *d, char *err);	/* start or adopt wireguard-go */
int wg_uapi_set_device(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], uint16_t port, char *err);
int wg_uapi_set_peer(struct wg_dev *d, const struct wg_peer_cfg *p, char *err);
int wg_uapi_remove_peer(struct wg_dev *d, const uint8_t key[WG_KEY_LEN], char *err);
int wg_uapi_peers(struct wg_dev *d, struct wg_peer_state **out, size_t *n, char *err);
int wg_uapi_stop(struct wg_dev *d, char *err);

#endif
