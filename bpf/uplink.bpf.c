// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The host's uplink (its underlay interface): the guards that keep the
 * underlay from carrying private traffic in the clear, one per direction.
 * Both live in this file because they are one rule (a fabric address never
 * crosses the underlay unencrypted) over the same maps and the same L2 walk.
 *
 * warren_uplink (XDP, receive; warren_ul_in is the same at tc ingress):
 *  - an IPv4/IPv6 packet to or from a fabric address arriving unencrypted
 *    is dropped (WARREN_DROP_PLAINTEXT): fabric traffic between hosts only
 *    ever travels inside WireGuard, so such a packet is an injection
 *    attempt or a misrouted leak, and the host stack must never forward it
 *    to a workload;
 *  - UDP to this host's WireGuard port from an address that is not one of
 *    its peers is dropped (WARREN_DROP_NOT_PEER), so handshake floods from
 *    strangers cost one map lookup instead of a handshake computation;
 *  - everything else passes untouched.
 *
 * warren_ul_out (tc/tcx egress, transmit): fail-closed encryption. Whatever
 * the host's routes say (a stray route for a remote prefix via the
 * underlay, a flushed WireGuard device, forwarding of a NAT gone wrong), a
 * packet leaving with a fabric address as source or destination, or an
 * ICMP error quoting one, is dropped (WARREN_DROP_PLAINTEXT_OUT). WireGuard's
 * own packets carry the hosts' underlay addresses outside, so they never
 * match; nothing else needs an exception.
 *
 * All drops count in warren_counters[WARREN_ENV_NONE] (no environment
 * can be blamed for them): receive drops as WARREN_DIR_FROM_UPLINK, transmit
 * drops as WARREN_DIR_FROM_HOST (the host stack sent them). Fragments after the first carry no UDP header
 * and pass the receive guard; WireGuard itself authenticates every packet
 * that does. Not looked into: fabric packets inside another tunnel
 * (GRE, VXLAN, IP-in-IP) that someone builds over the underlay.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/parse.h"
#include "lib/maps.h"
#include "lib/verdict.h"
#include "lib/fabric.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define IPPROTO_UDP_ 17
#define IP_MF_OFFSET 0x3fff	/* "more fragments" and the offset: any fragment */
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88A8
#define IPPROTO_ICMP_ 1
#define IPPROTO_ICMPV6_ 58

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __be32);
	__type(value, struct warren_peer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_peers4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct warren_ip6);
	__type(value, struct warren_peer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_peers6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warren_uplink_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_uplink_cfg SEC(".maps");

/* This host's WireGuard port in network order, 0 before the mesh is up. */
static __always_inline __be16 wg_port(void)
{
	__u32 zero = 0;
	struct warren_uplink_cfg *cfg = bpf_map_lookup_elem(&warren_uplink_cfg, &zero);

	return cfg ? cfg->wg_port : 0;
}

static __always_inline bool to_wg_port(struct cursor *c)
{
	struct udphdr *udp = c->pos;
	__be16 port = wg_port();

	if ((void *)(udp + 1) > c->end)
		return false;
	return port && udp->dest == port;
}

/* The receive rule, whatever the hook: -1 to pass, or why to drop. */
static __always_inline int uplink_v4(struct cursor *c)
{
	struct iphdr *iph = c->pos;
	struct warren_peer *peer;
	__be32 saddr;

	if ((void *)(iph + 1) > c->end || iph->version != 4 || iph->ihl < 5)
		return -1;	/* not ours to judge: the stack drops it */
	if (in_fabric4(iph->daddr) || in_fabric4(iph->saddr))
		return WARREN_DROP_PLAINTEXT;
	if (iph->protocol != IPPROTO_UDP_ || (iph->frag_off & bpf_htons(IP_MF_OFFSET)))
		return -1;
	c->pos = (void *)iph + iph->ihl * 4;
	if (!to_wg_port(c))
		return -1;
	saddr = iph->saddr;
	peer = bpf_map_lookup_elem(&warren_peers4, &saddr);
	return peer ? -1 : WARREN_DROP_NOT_PEER;
}

static __always_inline int uplink_v6(struct cursor *c)
{
	struct ipv6hdr *ip6h = parse_ipv6(c);
	struct warren_peer *peer;
	struct warren_ip6 saddr;

	if (!ip6h)
		return -1;
	if (in_fabric6(&ip6h->daddr) || in_fabric6(&ip6h->saddr))
		return WARREN_DROP_PLAINTEXT;
	/* Only a UDP header right after the fixed one is WireGuard's. */
	if (ip6h->nexthdr != IPPROTO_UDP_ || !to_wg_port(c))
		return -1;
	__builtin_memcpy(&saddr, &ip6h->saddr, sizeof(saddr));
	peer = bpf_map_lookup_elem(&warren_peers6, &saddr);
	return peer ? -1 : WARREN_DROP_NOT_PEER;
}

/*
 * The EtherType after the MAC header and up to two VLAN tags (802.1Q,
 * 802.1ad), as an uplink on a trunk carries; c is left at the L3 header.
 * A tag the driver took out of the packet (skb->vlan_tci) is not in it.
 */
static __always_inline __be16 l2_walk(struct cursor *c, __u32 *l3)
{
	struct ethhdr *eth = parse_eth(c);
	__be16 proto;

	if (!eth)
		return 0;
	proto = eth->h_proto;
	*l3 = ETH_HLEN;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vh = c->pos;

		if (proto != bpf_htons(ETH_P_8021Q_) && proto != bpf_htons(ETH_P_8021AD_))
			break;
		if ((void *)(vh + 1) > c->end)
			return 0;
		proto = vh->h_vlan_encapsulated_proto;
		c->pos = vh + 1;
		*l3 += sizeof(*vh);
	}
	return proto;
}

static __always_inline int uplink_in(struct cursor *c, __u32 *l3)
{
	__be16 proto = l2_walk(c, l3);

	if (proto == bpf_htons(ETH_P_IP))
		return uplink_v4(c);
	if (proto == bpf_htons(ETH_P_IPV6))
		return uplink_v6(c);
	return -1;
}

SEC("xdp")
int warren_uplink(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	__u32 l3 = EV_NO_L3;
	int reason = uplink_in(&c, &l3);

	if (reason < 0)
		return XDP_PASS;
	drop(WARREN_DIR_FROM_UPLINK, WARREN_ENV_NONE, reason, EV_PKT_XDP(ctx, l3));
	return XDP_DROP;
}

/*
 * The same rule at tc/tcx ingress, for uplinks where XDP costs more than
 * it saves: on a veth, native XDP moves receive to the veth's NAPI path
 * and takes GSO away from its peer (see README, Benchmarks), generic XDP
 * linearizes every packet. A NIC's driver XDP has neither cost.
 */
SEC("tc")
int warren_ul_in(struct __sk_buff *skb)
{
	__u32 l3 = EV_NO_L3;
	struct cursor c;
	int reason;

	cursor_init(&c, skb);
	reason = uplink_in(&c, &l3);
	if (reason < 0)
		return WARREN_PASS;
	return drop(WARREN_DIR_FROM_UPLINK, WARREN_ENV_NONE, reason,
		    EV_PKT(skb, l3, WARREN_ENV_NONE, WARREN_ENV_NONE));
}

/* --- transmit: warren_ul_out ------------------------------------------------ */

/* ICMP errors (destination unreachable, source quench, redirect, time exceeded, parameter problem) */
static __always_inline bool icmp4_is_error(__u8 type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* 1: a fabric address would leave; 0: not; -1: not an IP header at all. */
static __always_inline int leaks4(struct cursor *c)
{
	struct iphdr *iph = parse_ipv4(c), *inner;
	struct icmphdr *icmp;

	if (!iph)
		return -1;
	if (in_fabric4(iph->daddr) || in_fabric4(iph->saddr))
		return true;
	/* An ICMP error from the host about a fabric packet carries its header. */
	if (iph->protocol != IPPROTO_ICMP_ || (iph->frag_off & bpf_htons(IP_MF_OFFSET)))
		return false;
	icmp = (void *)iph + iph->ihl * 4;
	inner = (void *)(icmp + 1);
	if ((void *)(inner + 1) > c->end || !icmp4_is_error(icmp->type))
		return false;
	return in_fabric4(inner->daddr) || in_fabric4(inner->saddr);
}

static __always_inline int leaks6(struct cursor *c)
{
	struct ipv6hdr *ip6h = parse_ipv6(c), *inner;
	struct icmp6hdr *icmp;

	if (!ip6h)
		return -1;
	if (in_fabric6(&ip6h->daddr) || in_fabric6(&ip6h->saddr))
		return true;
	if (ip6h->nexthdr != IPPROTO_ICMPV6_)
		return false;
	icmp = c->pos;
	inner = (void *)(icmp + 1);
	/* Types below 128 are errors, and each quotes the packet at fault. */
	if ((void *)(inner + 1) > c->end || icmp->icmp6_type >= 128)
		return false;
	return in_fabric6(&inner->daddr) || in_fabric6(&inner->saddr);
}

SEC("tc")
int warren_ul_out(struct __sk_buff *skb)
{
	__u32 l3 = EV_NO_L3;
	struct cursor c;
	__be16 proto;
	int leak = 0;

	cursor_init(&c, skb);
	proto = l2_walk(&c, &l3);
	if (proto == bpf_htons(ETH_P_IP))
		leak = leaks4(&c);
	else if (proto == bpf_htons(ETH_P_IPV6))
		leak = leaks6(&c);
	/* Fail closed: an IP packet whose addresses cannot be read does not leave. */
	if (leak < 0)
		return drop(WARREN_DIR_FROM_HOST, WARREN_ENV_NONE, WARREN_DROP_MALFORMED,
			    EV_PKT(skb, EV_NO_L3, WARREN_ENV_NONE, WARREN_ENV_NONE));
	if (leak)
		return drop(WARREN_DIR_FROM_HOST, WARREN_ENV_NONE, WARREN_DROP_PLAINTEXT_OUT,
			    EV_PKT(skb, l3, WARREN_ENV_NONE, WARREN_ENV_NONE));
	return WARREN_PASS;
}
