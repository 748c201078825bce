/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hooking the mesh's programs: warren_wg_in on the WireGuard device's
 * ingress (tcx or clsact, as for the veths), and warren_uplink as XDP on
 * the underlay interface, native where the driver supports it and generic
 * (skb) mode otherwise. Links are pinned under <pin_dir>/links/ so they
 * outlive the agent; attaching again swaps the program in place.
 */
#ifndef WARREN_ATTACH_MESH_H
#define WARREN_ATTACH_MESH_H

#include <stdbool.h>

#include "core/maps.h"

int attach_wg_in(struct datapath *dp, int ifindex, const char *ifname, char *err);
void detach_wg_in(struct datapath *dp, int ifindex, const char *ifname);

enum xdp_mode_used { XDP_USED_NONE = 0, XDP_USED_NATIVE, XDP_USED_GENERIC };

/*
 * Where the uplink's receive guard runs: XDP (native first, generic only
 * when native is refused) or tc ingress; auto takes tc on a veth, where
 * XDP slows every packet down (README, Benchmarks), and XDP elsewhere.
 */
enum uplink_rx { UPLINK_RX_AUTO = 0, UPLINK_RX_XDP, UPLINK_RX_TC };

struct uplink_hooks {
	enum uplink_rx rx;		/* as chosen: XDP or TC */
	enum xdp_mode_used xdp;		/* what the kernel reports on the interface */
};

/*
 * The egress guard (warren_ul_out, tc/tcx) first, then the receive guard
 * where rx says; a receive hook of the other kind from an earlier run is
 * removed once the new one is on.
 */
int attach_uplink(struct datapath *dp, int ifindex, const char *ifname, enum uplink_rx rx,
		  struct uplink_hooks *used, char *err);
void detach_uplink(struct datapath *dp, int ifindex, const char *ifname);
const char *xdp_mode_name(enum xdp_mode_used m);
const char *uplink_rx_name(enum uplink_rx rx);

#endif
