/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Verdicts and the counting that goes with them: every drop passes here. */
#ifndef WARREN_BPF_VERDICT_H
#define WARREN_BPF_VERDICT_H

#include "maps.h"

/* From linux/pkt_cls.h, which vmlinux.h does not carry (they are #defines). */
#define TC_ACT_UNSPEC	(-1)
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT	7

/*
 * Not a fabric packet: let the next program or the host stack have it.
 * TC_ACT_UNSPEC is TCX_NEXT under tcx and "continue" under clsact, so a
 * platform's own programs after ours still see public traffic.
 */
#define WARREN_PASS	TC_ACT_UNSPEC

static __always_inline struct warren_counters *counters_of(__u32 env_id)
{
	return bpf_map_lookup_elem(&warren_counters, &env_id);
}

static __always_inline int drop(__u32 env_id, enum warren_drop_reason reason)
{
	struct warren_counters *c = counters_of(env_id);

	if (c && reason < WARREN_DROP__MAX)
		c->drops[reason]++;
	return TC_ACT_SHOT;
}

static __always_inline void count_delivered(__u32 env_id, __u32 bytes)
{
	struct warren_counters *c = counters_of(env_id);

	if (c) {
		c->delivered_packets++;
		c->delivered_bytes += bytes;
	}
}

#endif
