/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Events for the agent (include/warren.h, "Events"): every drop, and one
 * delivered packet in flow_sample, as a struct warren_event in the
 * warren_events ring buffer, each (environment, reason) through a token
 * bucket so that a flood costs the agent a bounded rate.
 *
 * The cost stays off the allow path: a delivered packet reads one array
 * entry (flow_sample) and stops there while sampling is off. Building an
 * event is a global function (verified once, not inlined into every drop
 * site) that reads the packet with the load_bytes helpers from the IP
 * header offset the site gives, so it sees the packet as it is at that
 * moment and needs no packet pointers that a rewrite may have invalidated.
 *
 * The buckets are shared by all CPUs and updated without atomics: under
 * contention a bucket may let a few more events through than its rate
 * (at most one per CPU racing), never fewer, and every event refused is
 * counted.
 */
#ifndef WARREN_BPF_EVENTS_H
#define WARREN_BPF_EVENTS_H

#include "maps.h"

#define EV_IPPROTO_ICMP   1
#define EV_IPPROTO_TCP    6
#define EV_IPPROTO_UDP    17
#define EV_IPPROTO_ICMPV6 58

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WARREN_EVENTS_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warren_event_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_ev_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WARREN_EV_RL_ENTRIES);
	__type(key, struct warren_ev_rl_key);
	__type(value, struct warren_ratelimit);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_ev_rl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warren_event_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_ev_stat SEC(".maps");

/* Puts struct warren_event in the object's BTF, for the ABI check (test_abi). */
const struct warren_event *warren_event_btf __attribute__((unused));

/*
 * What a site passes the event builder in one scalar (global functions
 * take at most five arguments): type, direction, reason and the offset of
 * the IP header.
 */
#define EV_META(type, dir, reason, l3) \
	((__u32)(type) | (__u32)(dir) << 2 | ((__u32)(reason) & 0x1ff) << 4 | (__u32)(l3) << 16)
#define EV_META_TYPE(m)   ((m) & 3)
#define EV_META_DIR(m)    (((m) >> 2) & 3)
#define EV_META_REASON(m) (((m) >> 4) & 0x1ff)
#define EV_META_L3(m)     ((m) >> 16)
#define EV_ENVS(src, dst) ((__u64)(src) << 32 | (__u32)(dst))

static __always_inline struct warren_event_cfg *ev_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&warren_ev_cfg, &zero);
}

static __always_inline void ev_count(__u32 type, int which)
{
	__u32 zero = 0;
	struct warren_event_stats *st = bpf_map_lookup_elem(&warren_ev_stat, &zero);

	if (!st || type >= WARREN_EVENT__MAX)
		return;
	if (which == 0)
		st->sent[type]++;
	else if (which == 1)
		st->rate_limited[type]++;
	else
		st->ring_full[type]++;
}

/* One token from the bucket of (env_id, key), refilled at cfg's rate up to its burst. */
static __always_inline bool ev_bucket_take(const struct warren_event_cfg *cfg, __u32 env_id,
					   __u32 key)
{
	struct warren_ev_rl_key k = { .env_id = env_id, .reason = key };
	__u32 rate = cfg->rate, burst = cfg->burst;
	/*
	 * The coarse clock (one tick's resolution) costs a memory read where
	 * bpf_ktime_get_ns() reads the clock source, which in a VM can cost
	 * more than the rest of a drop; refills still add up exactly.
	 */
	__u64 now = bpf_ktime_get_coarse_ns(), cost, cap, credit;
	struct warren_ratelimit *b;

	if (!rate || rate > WARREN_EV_RATE_MAX)
		return false;
	if (!burst || burst > WARREN_EV_BURST_MAX)
		burst = 1;
	cost = 1000000000ULL / rate;
	cap = cost * burst;
	b = bpf_map_lookup_elem(&warren_ev_rl, &k);
	if (!b) {
		/* A new bucket starts full, less the token this event takes. */
		struct warren_ratelimit fresh = { .last_ns = now, .credit_ns = cap - cost };

		bpf_map_update_elem(&warren_ev_rl, &k, &fresh, BPF_NOEXIST);
		return true;
	}
	/* Another CPU may have stamped a later time meanwhile: no refill then. */
	credit = b->credit_ns + (now > b->last_ns ? now - b->last_ns : 0);
	if (credit > cap)
		credit = cap;
	b->last_ns = now;
	if (credit < cost) {
		b->credit_ns = credit;
		return false;
	}
	b->credit_ns = credit - cost;
	return true;
}

static __always_inline long ev_load(void *ctx, bool xdp, __u32 off, void *to, __u32 len)
{
	return xdp ? bpf_xdp_load_bytes(ctx, off, to, len) : bpf_skb_load_bytes(ctx, off, to, len);
}

/* Ports or ICMP type and code, when the transport header follows the IP header. */
static __always_inline void ev_fill_l4(struct warren_event *e, void *ctx, bool xdp, __u32 off)
{
	__u8 h[4];

	if (e->proto == EV_IPPROTO_TCP || e->proto == EV_IPPROTO_UDP) {
		if (ev_load(ctx, xdp, off, h, 4))
			return;
		__builtin_memcpy(&e->sport, h, 2);
		__builtin_memcpy(&e->dport, h + 2, 2);
		e->flags |= WARREN_EVF_PORTS;
	} else if ((e->proto == EV_IPPROTO_ICMP && e->family == 4) ||
		   (e->proto == EV_IPPROTO_ICMPV6 && e->family == 6)) {
		if (ev_load(ctx, xdp, off, h, 2))
			return;
		e->icmp_type = h[0];
		e->icmp_code = h[1];
		e->flags |= WARREN_EVF_ICMP;
	}
}

/* Addresses and protocol from the IP header at off; nothing if it is not one. */
static __always_inline void ev_fill_l3(struct warren_event *e, void *ctx, bool xdp, __u32 off)
{
	__u8 h[40];
	__u32 l4;

	if (ev_load(ctx, xdp, off, h, 20))
		return;
	if (h[0] >> 4 == 4 && (h[0] & 0xf) >= 5) {
		e->family = 4;
		e->proto = h[9];
		__builtin_memcpy(e->src, h + 12, 4);
		__builtin_memcpy(e->dst, h + 16, 4);
		if (((h[6] & 0x1f) << 8 | h[7]) != 0) {
			e->flags |= WARREN_EVF_FRAG;
			return;
		}
		l4 = off + (h[0] & 0xf) * 4;
	} else if (h[0] >> 4 == 6) {
		if (ev_load(ctx, xdp, off, h, 40))
			return;
		e->family = 6;
		e->proto = h[6];
		__builtin_memcpy(e->src, h + 8, 16);
		__builtin_memcpy(e->dst, h + 24, 16);
		l4 = off + 40;
	} else {
		return;
	}
	ev_fill_l4(e, ctx, xdp, l4);
}

/* The bucket, the ring, the fields: 0 sent, 1 rate-limited, 2 ring full. */
static __always_inline int ev_send(void *ctx, bool xdp, __u32 meta, __u64 envs, __u32 env_id)
{
	__u32 type = EV_META_TYPE(meta), reason = EV_META_REASON(meta), l3 = EV_META_L3(meta);
	struct warren_event_cfg *cfg = ev_cfg();
	struct warren_event *e;

	if (!cfg || !ev_bucket_take(cfg, env_id, type == WARREN_EVENT_FLOW ? WARREN_EV_RL_FLOW
									  : reason)) {
		ev_count(type, 1);
		return 1;
	}
	e = bpf_ringbuf_reserve(&warren_events, sizeof(*e), 0);
	if (!e) {
		ev_count(type, 2);
		return 2;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->type = (__u8)type;
	e->reason = (__u8)reason;
	e->dir = (__u8)EV_META_DIR(meta);
	e->env_id = env_id;
	e->src_env = (__u32)(envs >> 32);
	e->dst_env = (__u32)envs;
	if (xdp) {
		struct xdp_md *x = ctx;

		e->ifindex = x->ingress_ifindex;
		e->len = x->data_end - x->data;
	} else {
		struct __sk_buff *skb = ctx;

		e->ifindex = skb->ifindex;
		e->len = skb->len;
	}
	if (l3 != EV_NO_L3)
		ev_fill_l3(e, ctx, xdp, l3);
	bpf_ringbuf_submit(e, 0);
	ev_count(type, 0);
	return 0;
}

/*
 * Verified once per program that calls them, whatever the number of call
 * sites: a drop (counted, then told) and a sampled flow (told).
 */
__noinline int warren_drop_skb(struct __sk_buff *skb, __u32 meta, __u64 envs, __u32 env_id)
{
	count_drop(env_id, EV_META_DIR(meta), EV_META_REASON(meta));
	return ev_send(skb, false, meta, envs, env_id);
}

__noinline int warren_drop_xdp(struct xdp_md *xdp, __u32 meta, __u64 envs, __u32 env_id)
{
	count_drop(env_id, EV_META_DIR(meta), EV_META_REASON(meta));
	return ev_send(xdp, true, meta, envs, env_id);
}

__noinline int warren_flow_skb(struct __sk_buff *skb, __u32 meta, __u64 envs, __u32 env_id)
{
	return ev_send(skb, false, meta, envs, env_id);
}

static __always_inline void event_drop(struct ev_pkt p, enum warren_dir dir, __u32 env_id,
				       __u32 reason)
{
	__u32 meta = EV_META(WARREN_EVENT_DROP, dir, reason, p.l3);
	__u64 envs = EV_ENVS(p.src_env, p.dst_env);

	if (p.xdp)
		warren_drop_xdp(p.ctx, meta, envs, env_id);
	else
		warren_drop_skb(p.ctx, meta, envs, env_id);
}

/* The allow path: one array lookup while sampling is off. */
static __always_inline void event_flow(struct ev_pkt p, enum warren_path path,
				       __u32 env_id)
{
	struct warren_event_cfg *cfg = ev_cfg();
	__u32 n = cfg ? cfg->flow_sample : 0;
	enum warren_dir dir = path == WARREN_PATH_MESH_IN ? WARREN_DIR_FROM_MESH : WARREN_DIR_FROM_WL;

	if (!n || (n > 1 && bpf_get_prandom_u32() % n))
		return;
	/* Only the tc programs deliver. */
	warren_flow_skb(p.ctx, EV_META(WARREN_EVENT_FLOW, dir, path, p.l3),
			EV_ENVS(p.src_env, p.dst_env), env_id);
}

#endif
