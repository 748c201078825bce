// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The program on the WireGuard device's ingress: packets other hosts'
 * workloads sent, decrypted, and already bound to their sender's host by
 * WireGuard (a peer's packets must come from its allowed-ips, its host
 * prefixes). Here the fabric's rule is applied once more, on this host's
 * own view of the fleet state:
 *
 *   source a known remote endpoint -> destination a local endpoint ->
 *   same environment, neither in its build phase -> add the MAC header
 *   the veth expects -> bpf_redirect_peer() into the workload's netns.
 *
 * Everything else is dropped and counted: nothing from the tunnel reaches
 * the host stack, so a peer cannot use this host as a router.
 *
 * The device is L3 (kernel WireGuard, or wireguard-go's TUN): the packet
 * starts at its IP header.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/parse.h"
#include "lib/verdict.h"
#include "lib/fabric.h"
#include "lib/pair.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* See veth.bpf.c: the selftests' build shows them the redirect target. */
#ifdef WARREN_TEST_OBSERVE
__u32 observed_ifindex;
#define observe_redirect(ifindex) (observed_ifindex = (ifindex))
#else
#define observe_redirect(ifindex) ((void)0)
#endif

/* A remote endpoint's entry, or NULL for anything else. */
static __always_inline bool is_remote(const struct warren_endpoint *src)
{
	return src && (src->flags & WARREN_EP_REMOTE);
}

/*
 * Push the MAC header a veth end needs (the device gave none) and send
 * the packet into the workload's netns. The MACs are copied from the map
 * before the push: the push moves the packet, not the map value.
 */
static __always_inline int deliver_l2(struct __sk_buff *skb, const struct warren_endpoint *dst,
				      __u32 env_id, __u16 proto)
{
	__u32 dst_env = dst->env_id;
	__u32 ifindex = dst->ifindex;
	__u8 dmac[ETH_ALEN], smac[ETH_ALEN];
	struct ethhdr *eth;
	void *data, *end;

	__builtin_memcpy(dmac, dst->dst_mac, ETH_ALEN);
	__builtin_memcpy(smac, dst->src_mac, ETH_ALEN);
	if (bpf_skb_change_head(skb, ETH_HLEN, 0))
		return drop(WARREN_DIR_FROM_MESH, env_id, WARREN_DROP_MALFORMED,
			    EV_PKT(skb, 0, env_id, dst_env));
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return drop(WARREN_DIR_FROM_MESH, env_id, WARREN_DROP_MALFORMED,
			    EV_PKT(skb, ETH_HLEN, env_id, dst_env));
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = bpf_htons(proto);
	count_delivered(env_id, WARREN_PATH_MESH_IN, skb->len,
			EV_PKT(skb, ETH_HLEN, env_id, dst_env));
	observe_redirect(ifindex);
	return bpf_redirect_peer(ifindex, 0);
}

/* Why a pair is refused, or -1; the destination must be a workload here. */
static __always_inline int check_in(const struct warren_endpoint *src,
				    const struct warren_endpoint *dst)
{
	int reason = check_pair(src, dst);

	if (reason >= 0)
		return reason;
	/* This host's own slot (its resolver) serves local workloads only. */
	return (dst->flags & WARREN_EP_LOCAL) ? -1 : WARREN_DROP_NO_ENDPOINT;
}

/* Not an IP packet we can read: nobody to blame it on, no addresses to tell. */
static __always_inline int drop_malformed(struct __sk_buff *skb)
{
	return drop(WARREN_DIR_FROM_MESH, WARREN_ENV_NONE, WARREN_DROP_MALFORMED,
		    EV_PKT(skb, EV_NO_L3, WARREN_ENV_NONE, WARREN_ENV_NONE));
}

static __always_inline int wg_in_v4(struct __sk_buff *skb, struct cursor *c)
{
	struct warren_endpoint *src, *dst;
	struct iphdr *iph;
	__be32 saddr;
	int reason;

	iph = parse_ipv4(c);
	if (!iph)
		return drop_malformed(skb);
	saddr = iph->saddr;
	src = bpf_map_lookup_elem(&warren_ep4, &saddr);
	if (!is_remote(src))
		return drop(WARREN_DIR_FROM_MESH, WARREN_ENV_NONE, WARREN_DROP_UNKNOWN_SOURCE,
			    EV_PKT(skb, 0, WARREN_ENV_NONE, WARREN_ENV_NONE));
	dst = slot_of4(iph->daddr);
	reason = check_in(src, dst);
	if (reason >= 0)
		return drop(WARREN_DIR_FROM_MESH, src->env_id, reason,
			    EV_PKT(skb, 0, src->env_id, dst ? dst->env_id : WARREN_ENV_NONE));
	if (iph->ttl <= 1)
		return drop(WARREN_DIR_FROM_MESH, src->env_id, WARREN_DROP_TTL,
			    EV_PKT(skb, 0, src->env_id, dst->env_id));
	ipv4_decrease_ttl(iph);
	return deliver_l2(skb, dst, src->env_id, ETH_P_IP);
}

static __always_inline int wg_in_v6(struct __sk_buff *skb, struct cursor *c)
{
	struct warren_endpoint *src, *dst;
	struct ipv6hdr *ip6h;
	struct warren_ip6 saddr;
	int reason;

	ip6h = parse_ipv6(c);
	if (!ip6h)
		return drop_malformed(skb);
	__builtin_memcpy(&saddr, &ip6h->saddr, sizeof(saddr));
	src = bpf_map_lookup_elem(&warren_ep6, &saddr);
	if (!is_remote(src))
		return drop(WARREN_DIR_FROM_MESH, WARREN_ENV_NONE, WARREN_DROP_UNKNOWN_SOURCE,
			    EV_PKT(skb, 0, WARREN_ENV_NONE, WARREN_ENV_NONE));
	dst = slot_of6(&ip6h->daddr);
	reason = check_in(src, dst);
	if (reason >= 0)
		return drop(WARREN_DIR_FROM_MESH, src->env_id, reason,
			    EV_PKT(skb, 0, src->env_id, dst ? dst->env_id : WARREN_ENV_NONE));
	if (ip6h->hop_limit <= 1)
		return drop(WARREN_DIR_FROM_MESH, src->env_id, WARREN_DROP_TTL,
			    EV_PKT(skb, 0, src->env_id, dst->env_id));
	ip6h->hop_limit--;
	return deliver_l2(skb, dst, src->env_id, ETH_P_IPV6);
}

SEC("tc")
int warren_wg_in(struct __sk_buff *skb)
{
	struct cursor c;
	__u8 *version;

	/*
	 * The IP version nibble, not skb->protocol, picks the family: they
	 * agree on a WireGuard device (it checks), and the nibble is what
	 * the parsers below verify anyway.
	 */
	cursor_init(&c, skb);
	version = c.pos;
	if ((void *)(version + 1) > c.end)
		return drop_malformed(skb);
	switch (*version >> 4) {
	case 4:
		return wg_in_v4(skb, &c);
	case 6:
		return wg_in_v6(skb, &c);
	default:
		return drop_malformed(skb);
	}
}
