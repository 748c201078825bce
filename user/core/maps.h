/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The loaded datapath: the veth programs from their skeleton, with maps
 * pinned by name under the agent's bpffs directory. Loading again after a
 * restart reuses the pinned maps, so their contents (and the traffic that
 * depends on them) outlive the agent.
 */
#ifndef WARREN_MAPS_H
#define WARREN_MAPS_H

#include "warren.h"
#include "core/model.h"

struct veth_bpf;
struct wg_bpf;
struct uplink_bpf;

enum hook_mode {
	HOOK_AUTO = 0,		/* tcx where the kernel has it (6.6+), else clsact */
	HOOK_TCX,
	HOOK_CLSACT,
};

struct datapath {
	struct veth_bpf *skel;
	struct wg_bpf *wg_skel;		/* warren_wg_in: the WireGuard device's ingress */
	struct uplink_bpf *up_skel;	/* warren_uplink: XDP guard on the underlay */
	char pin_dir[256];
	enum hook_mode mode;	/* resolved on first attach (HOOK_AUTO until then) */
};

/* Make sure bpffs is mounted at /sys/fs/bpf and dir exists on it. */
int bpffs_prepare(const char *dir, char *err);

/* dns_fast_port: the resolver's port the datapath answers on itself, 0: none. */
int datapath_open(struct datapath *dp, const char *pin_dir, const struct fabric_config *cfg,
		  enum hook_mode mode, uint16_t dns_fast_port, char *err);
/* Drop our handles; pinned maps and links stay, so traffic keeps flowing. */
void datapath_close(struct datapath *dp);
/* Remove every pin (maps and links) under the directory: full teardown. */
int datapath_unpin_all(const char *pin_dir, char *err);

/* The map values for an endpoint, as the datapath reads them. */
void encode_iface(const struct endpoint *ep, uint32_t env_id, struct warren_iface *out);
void encode_endpoint(const struct endpoint *ep, uint32_t env_id, struct warren_endpoint *out);

int maps_endpoint_put(struct datapath *dp, const struct endpoint *ep, uint32_t env_id,
		      char *err);
/* Both entries are there with the values put wrote: 0, or -ENOENT with which in err. */
int maps_endpoint_check(struct datapath *dp, const struct endpoint *ep, uint32_t env_id,
			char *err);
/* Has this datapath an interface entry for ifindex (put by it, not pruned yet)? */
bool maps_iface_known(struct datapath *dp, int ifindex);
/* The host's own slot (SLOT_HOST: its resolver), which workloads may reach. */
int maps_host_put(struct datapath *dp, char *err);
/* Remove the endpoint's entries; absent entries are fine. */
int maps_endpoint_del(struct datapath *dp, const struct endpoint *ep);
/*
 * Another host's endpoint: reachable through the WireGuard device
 * (wg_ifindex; 0 while there is none, which the datapath treats as no
 * endpoint). Its env_id is this host's id for the same environment.
 */
int maps_remote_put(struct datapath *dp, const struct endpoint *ep, uint32_t env_id,
		    int wg_ifindex, char *err);
int maps_remote_del(struct datapath *dp, const struct endpoint *ep);
/*
 * Other hosts' entries the model no longer has become tombstones while
 * their environment exists (it gets refusals, see bpf/lib/reply.h), and
 * are deleted once it does not.
 */
int maps_remote_prune(struct datapath *dp, const struct model *m);
/* A local slot whose endpoint of env_id is gone. */
int maps_slot_tombstone(struct datapath *dp, uint32_t slot, uint32_t env_id);
/* A new or recycled environment id: no counters, no tombstones (slots below slot_end). */
int maps_env_reset(struct datapath *dp, uint32_t env_id, uint32_t slot_end);
/* The uplink guard's peers: exactly these underlay addresses. */
struct peer_addr {
	int family;
	uint8_t addr[16];
	uint32_t host_index;
};
int maps_peers_set(struct datapath *dp, const struct peer_addr *peers, size_t n, char *err);
/* This host's WireGuard port for the uplink guard (0: no mesh). */
int maps_uplink_port(struct datapath *dp, uint16_t port, char *err);
/* Delete entries the model does not have (after a restart). */
int maps_prune(struct datapath *dp, const struct model *m);

/* Sum of the per-CPU counters of one environment. */
int maps_counters_read(struct datapath *dp, uint32_t env_id, struct warren_counters *sum);
/* Zero an environment's counters (a reused id starts from nothing). */
int maps_counters_reset(struct datapath *dp, uint32_t env_id);

/* The names status, monitor and metrics use: "cross_env", "mesh", "from_wl". */
const char *drop_reason_name(enum warren_drop_reason r);
const char *path_name(enum warren_path p);
const char *dir_name(enum warren_dir d);
int drop_reason_parse(const char *s);

#endif
