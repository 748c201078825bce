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

/* Native first; generic only when native is refused. *mode says which. */
int attach_uplink(struct datapath *dp, int ifindex, const char *ifname,
		  enum xdp_mode_used *mode, char *err);
void detach_uplink(struct datapath *dp, int ifindex, const char *ifname);
const char *xdp_mode_name(enum xdp_mode_used m);

#endif
