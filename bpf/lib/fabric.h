/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fabric's address ranges, set by the agent on the skeleton before
 * load (const volatile: the verifier sees constants, nothing is looked up).
 * Masks are precomputed so the per-packet test is an AND and a compare.
 */
#ifndef WARREN_BPF_FABRIC_H
#define WARREN_BPF_FABRIC_H

const volatile __be32 fabric4_addr = 0;
const volatile __be32 fabric4_mask = 0;
const volatile __u64 fabric6_addr[2] = {};
const volatile __u64 fabric6_mask[2] = {};

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

#endif
