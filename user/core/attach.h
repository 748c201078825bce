/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hooking the veth programs onto a workload's host-side interface:
 * tcx links (kernel 6.6+) pinned under <pin_dir>/links/, or clsact
 * filters on older kernels. Either way the hook outlives the agent.
 */
#ifndef WARREN_ATTACH_H
#define WARREN_ATTACH_H

#include "core/maps.h"

/* Attach both directions; resolves dp->mode on first use. */
int attach_veth(struct datapath *dp, int ifindex, const char *ifname, char *err);
/*
 * After an agent restart: point the existing hooks at the programs just
 * loaded (an atomic swap, no gap), or attach if they are missing.
 */
int attach_readopt(struct datapath *dp, int ifindex, const char *ifname, char *err);
/* Release the hooks of an interface (which may already be gone). */
void detach_veth(struct datapath *dp, int ifindex, const char *ifname);

/* HOOK_TCX or HOOK_CLSACT as this kernel has them (HOOK_AUTO: no answer). */
enum hook_mode hook_mode_detect(struct datapath *dp);
const char *hook_mode_name(enum hook_mode mode);

#endif
