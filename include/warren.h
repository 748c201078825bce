/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * warren's ABI between the datapath (bpf/) and the agent (user/).
 *
 * Every map key and value is defined here once, fixed width, with the
 * byte order in the type and every pad byte named, so that the BTF the
 * BPF object carries and the sizeof() userspace sees cannot drift apart
 * (selftests/unit/test_abi.c compares them). Keys are zeroed before use.
 */
#ifndef WARREN_H
#define WARREN_H

#ifdef __bpf__
/* vmlinux.h already provides the __u8/__be32 family. */
#else
#include <linux/types.h>
#endif

/* Pinned under the agent's bpffs directory (default /sys/fs/bpf/warren). */
#define WARREN_MAP_SLOTS    "warren_slots"
#define WARREN_MAP_IFACES   "warren_ifaces"
#define WARREN_MAP_EP4      "warren_ep4"
#define WARREN_MAP_EP6      "warren_ep6"
#define WARREN_MAP_COUNTERS "warren_counters"
#define WARREN_MAP_PEERS4   "warren_peers4"
#define WARREN_MAP_PEERS6   "warren_peers6"
#define WARREN_MAP_UPLINK   "warren_uplink_cfg"
#define WARREN_MAP_REPLY_RL "warren_reply_rl"

#define WARREN_MAX_IFACES    16384
/*
 * A local endpoint's addresses are host4 + slot and host6 + slot, so the
 * datapath finds it by array index rather than by hashing its address.
 */
#define WARREN_MAX_SLOTS     65536
#define WARREN_MAX_ENDPOINTS 65536
/*
 * Environment ids are host-local slots into the per-CPU counters array:
 * the agent allocates them, the datapath only compares and indexes.
 * Slot 0 collects what cannot be attributed to an environment.
 */
#define WARREN_MAX_ENVS      16384
#define WARREN_ENV_NONE      0

/* Why a packet was refused. Order is ABI: append only. */
enum warren_drop_reason {
	WARREN_DROP_SPOOFED = 0,	/* source address not owned by the interface */
	WARREN_DROP_CROSS_ENV = 1,	/* destination in another project/environment */
	WARREN_DROP_NO_ENDPOINT = 2,	/* fabric address with no endpoint behind it */
	WARREN_DROP_BUILD = 3,		/* build-phase endpoint on either end */
	WARREN_DROP_MALFORMED = 4,	/* truncated or invalid IP header */
	WARREN_DROP_UNKNOWN_IFACE = 5,	/* program runs on an interface the agent does not know */
	WARREN_DROP_UNKNOWN_SOURCE = 6,	/* fabric source address that is no endpoint */
	WARREN_DROP_TTL = 7,		/* TTL/hop limit would expire on forwarding */
	WARREN_DROP_PLAINTEXT = 8,	/* fabric address on the underlay, unencrypted */
	WARREN_DROP_NOT_PEER = 9,	/* to the WireGuard port from no peer of ours */
	WARREN_DROP_PLAINTEXT_OUT = 10,	/* fabric address leaving by the underlay, unencrypted */
	WARREN_DROP_TOO_BIG = 11,	/* larger than the tunnel, DF: "packet too big" sent back */
	WARREN_DROP__MAX = 12,
};

/* struct warren_iface.flags */
#define WARREN_IF_HAS_V4  (1U << 0)
#define WARREN_IF_HAS_V6  (1U << 1)
#define WARREN_IF_BUILD   (1U << 2)	/* build phase: no private traffic */

/*
 * warren_ifaces: host-side ifindex of a workload veth -> who is behind it.
 * Identity comes from the interface, never from the packet: the fast path
 * checks the slot its source address names is attached at this ifindex
 * (warren_slots), and this map answers whose environment a refused packet
 * counts against, and what the host stack may hand a workload.
 */
struct warren_iface {
	__u32 env_id;
	__u32 endpoint_id;
	__be32 ipv4;		/* owned IPv4 address, valid with WARREN_IF_HAS_V4 */
	__u8 ipv6[16];		/* owned IPv6 address, valid with WARREN_IF_HAS_V6 */
	__u8 flags;
	__u8 pad[3];
};

/* struct warren_endpoint.flags */
#define WARREN_EP_LOCAL   (1U << 0)	/* behind a veth on this host */
#define WARREN_EP_REMOTE  (1U << 1)	/* on another host, via the WireGuard device */
#define WARREN_EP_HOST    (1U << 2)	/* an address of this host (e.g. its resolver) */
#define WARREN_EP_BUILD   (1U << 3)	/* build phase: sends and receives no private traffic */
#define WARREN_EP_HAS_V4  (1U << 4)	/* the slot's IPv4 address is the endpoint's */
#define WARREN_EP_HAS_V6  (1U << 5)	/* the slot's IPv6 address is the endpoint's */
/*
 * A tombstone: the address was an endpoint of env_id and is gone (ifindex
 * 0). Its own environment gets a refusal back at once (TCP RST, ICMP
 * unreachable); everyone else the silent drop any unused address gets.
 */
#define WARREN_EP_GONE    (1U << 6)

/*
 * warren_slots (array, index = slot): this host's endpoints.
 * warren_ep4 (key __be32) / warren_ep6 (key struct warren_ip6): fabric
 * addresses outside this host's prefixes (other hosts' endpoints).
 * Either way: where it lives and how to hand a packet to it; the agent
 * precomputes the MAC rewrite so the datapath only copies. A free slot
 * is all zeroes (ifindex 0).
 */
struct warren_endpoint {
	__u32 env_id;
	__u32 ifindex;		/* host-side veth (LOCAL) or WireGuard device (REMOTE) */
	__u32 endpoint_id;
	__u8 flags;
	__u8 pad;
	__u8 dst_mac[6];	/* the workload's own MAC (its veth end) */
	__u8 src_mac[6];	/* the host-side veth MAC: the workload's gateway */
	__u8 pad2[2];
};

struct warren_ip6 {
	__u8 addr[16];
};

/*
 * warren_peers4 (key __be32) / warren_peers6 (key struct warren_ip6):
 * the underlay addresses of the other hosts, the only sources the uplink
 * guard lets reach the WireGuard port. Value: the peer's host index in the
 * fleet state (for people reading the map; the guard only tests presence).
 */
struct warren_peer {
	__u32 host_index;
};

/* warren_uplink_cfg (array of one): what the uplink guard needs to know. */
struct warren_uplink_cfg {
	__be16 wg_port;		/* this host's WireGuard listen port; 0 = no mesh yet */
	__u8 pad[2];
};

/*
 * warren_reply_rl: per-CPU array indexed by env_id, the token bucket of the
 * refusals and "too big" errors the datapath sends back to that
 * environment's workloads (bpf/lib/reply.h). credit_ns is time banked,
 * capped at the burst; each reply spends one interval.
 */
struct warren_ratelimit {
	__u64 last_ns;
	__u64 credit_ns;
};

/*
 * How a packet the datapath let through left it: the accounting a platform
 * bills by (internal traffic is free, egress is not). Order is ABI:
 * append only; user/core/maps.c has the names.
 */
enum warren_path {
	WARREN_PATH_LOCAL = 0,		/* to a workload on this host (bpf_redirect_peer) */
	WARREN_PATH_MESH = 1,		/* to another host's workload, into WireGuard */
	WARREN_PATH_EGRESS = 2,		/* out of the fabric: to the host stack, a public address */
	/*
	 * From another host's workload, out of WireGuard into one here: the
	 * other end of a MESH packet, kept apart so that what an environment
	 * sends is MESH alone, and a fleet-wide sum does not count it twice.
	 */
	WARREN_PATH_MESH_IN = 3,
	WARREN_PATH__MAX = 4,
};

/* Where a refused packet came from: which program refused it. Order is ABI. */
enum warren_dir {
	WARREN_DIR_FROM_WL = 0,		/* sent by a workload (warren_from_wl) */
	WARREN_DIR_FROM_MESH = 1,	/* out of WireGuard (warren_wg_in) */
	WARREN_DIR_FROM_UPLINK = 2,	/* received on the underlay (warren_uplink, warren_ul_in) */
	/*
	 * From the host stack: into a workload (warren_to_wl), or out of the
	 * underlay (warren_ul_out, the transmit guard).
	 */
	WARREN_DIR_FROM_HOST = 3,
	WARREN_DIR__MAX = 4,
};

/*
 * warren_counters: per-CPU array indexed by env_id. A delivered packet
 * counts against its sender's environment, a refused one against the
 * environment it is blamed on (the sender's, the receiver's for packets
 * into a workload, env 0 when nobody can be blamed).
 */
struct warren_counters {
	__u64 packets[WARREN_PATH__MAX];
	__u64 bytes[WARREN_PATH__MAX];		/* skb->len: with the Ethernet header on veths */
	__u64 drops[WARREN_DIR__MAX][WARREN_DROP__MAX];
};

#ifndef __bpf__
_Static_assert(sizeof(struct warren_iface) == 32, "warren_iface ABI");
_Static_assert(sizeof(struct warren_endpoint) == 28, "warren_endpoint ABI");
_Static_assert(sizeof(struct warren_ip6) == 16, "warren_ip6 ABI");
_Static_assert(sizeof(struct warren_counters) == 448, "warren_counters ABI");
_Static_assert(sizeof(struct warren_peer) == 4, "warren_peer ABI");
_Static_assert(sizeof(struct warren_uplink_cfg) == 4, "warren_uplink_cfg ABI");
_Static_assert(sizeof(struct warren_ratelimit) == 16, "warren_ratelimit ABI");
#endif

/*
 * --- Events (bpf/lib/events.h, user/obs/) ----------------------------------
 * warren_events (ring buffer): one struct warren_event per drop, and per
 * sampled delivered packet (a flow) when flow sampling is on. Each
 * (environment, reason) has a token bucket (warren_ev_rl, LRU hash) at the
 * rate the agent writes into warren_ev_cfg; what the bucket refuses or the
 * full ring cannot take is counted in warren_ev_stat, never lost silently.
 */
#define WARREN_MAP_EVENTS  "warren_events"
#define WARREN_MAP_EV_CFG  "warren_ev_cfg"
#define WARREN_MAP_EV_RL   "warren_ev_rl"
#define WARREN_MAP_EV_STAT "warren_ev_stat"
#define WARREN_EVENTS_RING_BYTES (1U << 20)	/* a power of two, pages: ~13000 events */
#define WARREN_EV_RL_ENTRIES 65536
#define WARREN_EV_RATE_MAX 1000000		/* events per second and bucket */
#define WARREN_EV_BURST_MAX 1000000

enum warren_event_type {
	WARREN_EVENT_DROP = 0,
	WARREN_EVENT_FLOW = 1,
	WARREN_EVENT__MAX = 2,
};

/* struct warren_event.flags: which of the optional fields the packet had. */
#define WARREN_EVF_PORTS (1U << 0)	/* sport/dport: TCP or UDP right after the IP header */
#define WARREN_EVF_ICMP  (1U << 1)	/* icmp_type/icmp_code: ICMP or ICMPv6 */
#define WARREN_EVF_FRAG  (1U << 2)	/* an IPv4 fragment after the first: no L4 header */

/*
 * One event. family 0: the site had no valid IP header, so no addresses,
 * protocol or ports. Environments are this host's ids, WARREN_ENV_NONE
 * where not known; env_id is the one the drop (or delivery) counted
 * against. Addresses in network order, IPv4 in the first 4 bytes.
 */
struct warren_event {
	__u64 ktime_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u8 type;		/* enum warren_event_type */
	__u8 reason;		/* drop: enum warren_drop_reason; flow: enum warren_path */
	__u8 dir;		/* enum warren_dir */
	__u8 family;		/* 0, 4 or 6 */
	__u8 proto;		/* IP protocol, or IPv6's first next header */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 flags;		/* WARREN_EVF_* */
	__u32 ifindex;		/* the device the program ran on */
	__u32 env_id;
	__u32 src_env;
	__u32 dst_env;
	__u32 len;		/* the packet's length as the program saw it */
	__be16 sport;
	__be16 dport;
	__u8 src[16];
	__u8 dst[16];
};

/*
 * warren_ev_cfg (array of one), written by the agent (warrend --event-*,
 * warrenctl events set). rate 0: no events at all (each still counted as
 * rate-limited); flow_sample N: one delivered packet in N sends a flow
 * event, 0: none.
 */
struct warren_event_cfg {
	__u32 rate;		/* events per second, per (environment, reason) */
	__u32 burst;
	__u32 flow_sample;
	__u32 pad;
};

/* warren_ev_rl key: flows have a bucket of their own per environment. */
#define WARREN_EV_RL_FLOW 0x100
struct warren_ev_rl_key {
	__u32 env_id;
	__u32 reason;		/* a drop reason, or WARREN_EV_RL_FLOW */
};

/* warren_ev_stat: per-CPU array of one, indexed by event type inside. */
struct warren_event_stats {
	__u64 sent[WARREN_EVENT__MAX];
	__u64 rate_limited[WARREN_EVENT__MAX];
	__u64 ring_full[WARREN_EVENT__MAX];
};

#ifndef __bpf__
_Static_assert(sizeof(struct warren_event) == 72, "warren_event ABI");
_Static_assert(sizeof(struct warren_event_cfg) == 16, "warren_event_cfg ABI");
_Static_assert(sizeof(struct warren_ev_rl_key) == 8, "warren_ev_rl_key ABI");
_Static_assert(sizeof(struct warren_event_stats) == 48, "warren_event_stats ABI");
#endif

/*
 * --- The DNS fast path (bpf/lib/dns_fast.h, user/dns/dns_fast.c) ---------
 * warren_dns_fast (hash): (environment, lower-cased wire-format name,
 * qtype) -> the records the shim would answer with, written by the agent
 * from the shim's own answer builder. A query the datapath finds here is
 * answered in place; every other one goes on to the shim unchanged.
 */
#define WARREN_MAP_DNS_FAST "warren_dns_fast"
#define WARREN_MAP_DNS_STAT "warren_dns_stat"
#define WARREN_DNS_NAME_MAX 128		/* wire form, root label included */
#define WARREN_DNS_MAX_RECORDS 16	/* a power of two: the datapath masks with it */
#define WARREN_DNS_FAST_ENTRIES 65536

/* name is zero past its root label; qtype as on the wire. */
struct warren_dns_key {
	__u32 env_id;
	__be16 qtype;
	__u8 pad[2];
	__u8 name[WARREN_DNS_NAME_MAX];
};

/* count A (first 4 bytes of each addr) or AAAA records, in answer order before rotation. */
struct warren_dns_answer {
	__u32 ttl;
	__u16 udp_size;		/* the OPT the shim sends back: its UDP payload size */
	__u8 count;		/* 1..WARREN_DNS_MAX_RECORDS */
	__u8 pad;
	__u8 addr[WARREN_DNS_MAX_RECORDS][16];
};

/* Why a packet to the resolver went on to the shim. Order is ABI: append only. */
enum warren_dns_fell {
	WARREN_DNS_FELL_NOT_QUERY = 0,	/* not UDP to the DNS port, a fragment, IP options */
	WARREN_DNS_FELL_TCP = 1,	/* DNS over TCP */
	WARREN_DNS_FELL_MALFORMED = 2,	/* lengths that do not add up, cut short */
	WARREN_DNS_FELL_HEADER = 3,	/* a response, opcode, section counts */
	WARREN_DNS_FELL_NAME = 4,	/* compressed, bad label, longer than the key */
	WARREN_DNS_FELL_TYPE = 5,	/* not A/AAAA, or not class IN */
	WARREN_DNS_FELL_EDNS = 6,	/* additional section other than one plain OPT */
	WARREN_DNS_FELL_MISS = 7,	/* not in the caller's environment's names */
	WARREN_DNS_FELL_BUILD = 8,	/* the caller is in its build phase */
	WARREN_DNS_FELL_ERROR = 9,	/* a helper failed */
	WARREN_DNS_FELL__MAX = 10,
};

/* warren_dns_stat: per-CPU array of one. */
struct warren_dns_stats {
	__u64 answered;
	__u64 fell[WARREN_DNS_FELL__MAX];
};

#ifndef __bpf__
_Static_assert(sizeof(struct warren_dns_key) == 136, "warren_dns_key ABI");
_Static_assert(sizeof(struct warren_dns_answer) == 264, "warren_dns_answer ABI");
_Static_assert(sizeof(struct warren_dns_stats) == 88, "warren_dns_stats ABI");
#endif

#endif /* WARREN_H */
