/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Verdicts and the counting that goes with them: every drop passes here,
 * and so does every packet the datapath lets through on one of its paths.
 */
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

#ifndef ETH_HLEN
#define ETH_HLEN 14
#endif

/* ev_pkt.l3: the site did not get a valid IP header, so the event has no addresses. */
#define EV_NO_L3 0xffff

/*
 * What a drop or delivery site knows of its packet, for the event it may
 * send (events.h): where the IP header starts in the packet as it is now,
 * and the environment on each side (WARREN_ENV_NONE when not known).
 * Sites pass it by value (EV_PKT), so inlining keeps it in registers: as
 * a pointer to a compound literal it took stack in warren_from_wl, whose
 * frame plus the DNS fast path's two calls must fit 6.1's 512 bytes.
 */
struct ev_pkt {
	void *ctx;		/* the struct __sk_buff, or the struct xdp_md (xdp set) */
	__u32 l3;		/* offset of the IP header, or EV_NO_L3 */
	__u32 src_env;
	__u32 dst_env;
	bool xdp;
};

#define EV_PKT(ctx_, l3_, src_, dst_) \
	((struct ev_pkt){ .ctx = (ctx_), .l3 = (l3_), .src_env = (src_), .dst_env = (dst_) })
#define EV_PKT_XDP(ctx_, l3_) \
	((struct ev_pkt){ .ctx = (ctx_), .l3 = (l3_), .xdp = true })

static __always_inline struct warren_counters *counters_of(__u32 env_id)
{
	return bpf_map_lookup_elem(&warren_counters, &env_id);
}

static __always_inline void count_drop(__u32 env_id, __u32 dir, __u32 reason)
{
	struct warren_counters *c = counters_of(env_id);

	if (c && reason < WARREN_DROP__MAX && dir < WARREN_DIR__MAX)
		c->drops[dir][reason]++;
}

#include "events.h"

/*
 * Refuse a packet: count it against env_id by the way it came and why,
 * and tell the agent (an event, within the rate events.h allows). Both
 * happen in one global function (events.h), so a drop site costs the
 * program that has it one call and no registers to spill around it.
 */
static __always_inline int drop(enum warren_dir dir, __u32 env_id, int reason,
				struct ev_pkt p)
{
	event_drop(p, dir, env_id, (__u32)reason);
	return TC_ACT_SHOT;
}

/* A packet let through on path: counted against its sender's env_id, maybe sampled. */
static __always_inline void count_delivered(__u32 env_id, enum warren_path path, __u32 bytes,
					    struct ev_pkt p)
{
	struct warren_counters *c = counters_of(env_id);

	if (c && path < WARREN_PATH__MAX) {
		c->packets[path]++;
		c->bytes[path] += bytes;
	}
	event_flow(p, path, env_id);
}

#endif
