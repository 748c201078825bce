/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fabric's address ranges, set by the agent on the skeleton before
 * load (const volatile: the verifier sees constants, nothing is looked up).
 * Masks are precomputed so the per-packet test is an AND and a compare.
 */
#ifndef WARREN_BPF_FABRIC_H
#define WARREN_BPF_FABRIC_H

#include "maps.h"

const volatile __be32 fabric4_addr = 0;
const volatile __be32 fabric4_mask = 0;
const volatile __u64 fabric6_addr[2] = {};
const volatile __u64 fabric6_mask[2] = {};
/* This host's share: slot = the address's host bits. */
const volatile __be32 host4_addr = 0;
const volatile __be32 host4_mask = 0;
const volatile __be32 host6_addr[4] = {};
const volatile __be32 host6_mask3 = 0;	/* mask of the last 32 bits; the rest is prefix */

static __always_inline bool in_fabric4(__be32 a)
{
	return fabric4_mask && (a & fabric4_mask) == fabric4_addr;
}

static __always_inline bool in_fabric6(const struct in6_addr *a)
{
	const __u64 *x = (const __u64 *)a;

	return (fabric6_mask[0] || fabric6_mask[1]) &&
	       (x[0] & fabric6_mask[0]) == fabric6_addr[0] &&
	       (x[1] & fabric6_mask[1]) == fabric6_addr[1];
}

/* The local endpoint an address names, or NULL when it is not this host's. */
static __always_inline struct warren_endpoint *slot_of4(__be32 a)
{
	__u32 slot;

	if ((a & host4_mask) != host4_addr)
		return NULL;
	slot = bpf_ntohl(a & ~host4_mask);
	return bpf_map_lookup_elem(&warren_slots, &slot);
}

static __always_inline struct warren_endpoint *slot_of6(const struct in6_addr *a)
{
	const __be32 *w = a->in6_u.u6_addr32;
	__u32 slot;

	/* Slots live in the low 32 bits: everything above must be the prefix. */
	if (w[0] != host6_addr[0] || w[1] != host6_addr[1] || w[2] != host6_addr[2] ||
	    (w[3] & host6_mask3) != host6_addr[3])
		return NULL;
	slot = bpf_ntohl(w[3] & ~host6_mask3);
	return bpf_map_lookup_elem(&warren_slots, &slot);
}

#endif
