/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one rule of the fabric, shared by every program that forwards:
 * a packet goes from an endpoint to an endpoint of the same environment,
 * neither in its build phase. Fabric addresses are looked up here too.
 */
#ifndef WARREN_BPF_PAIR_H
#define WARREN_BPF_PAIR_H

#include "fabric.h"

/* Same environment, neither end in its build phase: the only allowed pair. */
static __always_inline int check_pair(const struct warren_endpoint *src,
				      const struct warren_endpoint *dst)
{
	if (src->flags & WARREN_EP_BUILD)
		return WARREN_DROP_BUILD;
	if (!dst || !dst->ifindex)
		return WARREN_DROP_NO_ENDPOINT;
	if (dst->env_id != src->env_id)
		return WARREN_DROP_CROSS_ENV;
	if (dst->flags & WARREN_EP_BUILD)
		return WARREN_DROP_BUILD;
	return -1;
}

/* A fabric address: this host's slot, or another host's endpoint. */
static __always_inline struct warren_endpoint *lookup_ep4(__be32 a)
{
	struct warren_endpoint *dst = slot_of4(a);

	return dst ? dst : bpf_map_lookup_elem(&warren_ep4, &a);
}

static __always_inline struct warren_endpoint *lookup_ep6(struct in6_addr *a)
{
	struct warren_endpoint *dst = slot_of6(a);

	return dst ? dst : bpf_map_lookup_elem(&warren_ep6, a);
}

#endif
