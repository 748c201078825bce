/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This host's part in the fleet: the applied fleet state, the WireGuard
 * device that carries the fabric between hosts, and the uplink guard.
 *
 * Applying a fleet state reconciles differences only: projects and
 * environments, this host's endpoints (veths in their netns), the other
 * hosts' endpoints (map entries and DNS names) and the device's peers
 * are each compared with what is there, and only what differs changes.
 * The applied state is kept next to the agent's state file, so a restart
 * comes back to it without anyone applying it again.
 */
#ifndef WARREN_MESH_H
#define WARREN_MESH_H

#include <stdbool.h>
#include <net/if.h>

#include "mesh/attach_mesh.h"
#include "fleet/fleet.h"
#include "lib/hist.h"
#include "mesh/wg.h"

#define MESH_DEFAULT_WG_IFNAME "warren-wg"
#define MESH_DEFAULT_MTU 1420	/* WireGuard's own default: 1500 minus the IPv6 overhead */

struct directory;

struct mesh {
	bool on;			/* --host given: this agent is part of a fleet */
	char self[NAME_SIZE];		/* this host's name in the fleet state */
	char key_path[256];		/* its WireGuard private key (base64) */
	char wg_ifname[IF_NAMESIZE];
	int mtu;			/* --wg-mtu: the tunnel's ceiling */
	int tunnel_mtu;			/* what it is (mesh_mtu.c), 0 until worked out */
	bool allow_userspace;		/* wireguard-go where the kernel has none */
	char uplink[IF_NAMESIZE];	/* "" = no uplink guard */
	int uplink_ifindex;
	enum uplink_rx uplink_rx;	/* --uplink-rx */
	struct uplink_hooks uplink_hooks;	/* as attached */
	char fleet_path[300];		/* <state>.fleet: the applied fleet state */

	struct wg_dev wg;		/* kind WG_KIND_NONE until this host is in a fleet */
	struct fleet fleet;		/* as applied; empty until then */
	bool applied;
	/*
	 * Projects to keep though no environment of the state names them: the
	 * directory's project records (a fleet file has none). Set by its owner.
	 */
	const char (*keep_projects)[NAME_SIZE];
	size_t n_keep_projects;
	/* --directory: etcd, not `apply`, gives the fleet state (directory/directory.h). */
	bool directory_mode;
	struct directory *directory;	/* once started */
	/* Every mesh_apply(), refused ones included; and the fleet states refused before it. */
	struct hist apply_time;
	uint64_t apply_errors;
};

struct agent;
struct kv;

/* At start: uplink guard, then the saved fleet state if there is one. */
int mesh_start(struct agent *a, char *err);
/* The saved fleet state (the last applied), parsed: -ENOENT if there is none. */
int mesh_saved_fleet(struct agent *a, struct fleet *f, char *err);
/*
 * Make the fleet state *f the applied one (taking ownership of it on
 * success). A state this host cannot take (it is not in it, its prefixes
 * differ from this agent's, a local endpoint without a netns or with one
 * that does not exist) is refused before anything changes.
 */
int mesh_apply(struct agent *a, struct fleet *f, char *err);
/* The tunnel's MTU for this host's underlay family (see mesh_mtu.c). */
int mesh_tunnel_mtu(const struct mesh *ms, int underlay_family);
/* Work it out again; when it changed: the WireGuard device, workloads' routes. */
int mesh_mtu_sync(struct agent *a, int underlay_family, char *err);
/*
 * A local endpoint vanished (its netns was deleted): its record leaves the
 * applied fleet state (kept and saved), which holds only what this host
 * could apply. Re-applying a state that names it recreates it if its
 * netns is back, and is refused (netns does not exist) if not: the
 * control plane owns the desired state and must drop it.
 */
void mesh_endpoint_gone(struct agent *a, const struct endpoint *ep);
/*
 * At start, the saved fleet state's local endpoints that vanished while
 * the agent was down (not re-adopted, netns gone) are dropped from it.
 */
void mesh_drop_vanished(struct agent *a, struct fleet *f);
/* Status records: device kind, peers, uplink mode. */
void mesh_status(struct agent *a, struct kv *resp);
/* --teardown: the device, the hooks, the saved fleet state. */
void mesh_teardown(struct agent *a);

#endif
