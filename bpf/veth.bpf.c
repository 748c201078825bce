// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The programs on the host side of every workload veth.
 *
 * warren_from_wl (ingress: the workload is sending):
 *   parse -> identify the sender by the interface -> check it owns the
 *   source -> look up the destination -> decide by environment -> deliver
 *   straight into the destination netns with bpf_redirect_peer().
 * warren_to_wl (egress: the host stack is sending into the workload):
 *   the only other way in; a fabric source must be of the same environment.
 *
 * The decision is on L3 identity alone (interface, source, destination),
 * so every fragment and every extension-header chain of a packet gets the
 * verdict of its first header: nothing past the IP header can change it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/parse.h"
#include "lib/verdict.h"
#include "lib/fabric.h"
#include "lib/pair.h"
#include "lib/reply.h"
#include "lib/dns_fast.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * BPF_PROG_TEST_RUN reports a redirect's verdict but not its target, and
 * tracing programs (fentry) cannot be loaded everywhere the tests run, so
 * the selftests build this file once more with WARREN_TEST_OBSERVE to see
 * the ifindex handed to the real helper. Production builds have no hook.
 */
#ifdef WARREN_TEST_OBSERVE
__u32 observed_ifindex;
#define observe_redirect(ifindex) (observed_ifindex = (ifindex))
#else
#define observe_redirect(ifindex) ((void)0)
#endif

/*
 * Hand a packet to a local workload with the MACs its veth end expects,
 * or to the WireGuard device for another host's.
 */
static __always_inline int deliver(struct __sk_buff *skb, struct ethhdr *eth,
				   const struct warren_endpoint *dst, __u32 env_id)
{
	if (dst->flags & WARREN_EP_REMOTE) {
		/*
		 * Another host's endpoint: straight out of the WireGuard device,
		 * which drops the MAC header (it is L3) and picks the peer by
		 * allowed-ips, i.e. by the destination's host prefix.
		 */
		count_delivered(env_id, WARREN_PATH_MESH, skb->len,
				EV_PKT(skb, ETH_HLEN, env_id, dst->env_id));
		observe_redirect(dst->ifindex);
		return bpf_redirect(dst->ifindex, 0);
	}
	if (!(dst->flags & WARREN_EP_LOCAL))
		return drop(WARREN_DIR_FROM_WL, env_id, WARREN_DROP_NO_ENDPOINT,
			    EV_PKT(skb, ETH_HLEN, env_id, dst->env_id));

	__builtin_memcpy(eth->h_dest, dst->dst_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, dst->src_mac, ETH_ALEN);
	count_delivered(env_id, WARREN_PATH_LOCAL, skb->len,
			EV_PKT(skb, ETH_HLEN, env_id, dst->env_id));
	observe_redirect(dst->ifindex);
	return bpf_redirect_peer(dst->ifindex, 0);
}

/*
 * A refused pair. An address of the sender's own environment whose
 * endpoint is gone answers at once (reply.h); any other refusal, and a
 * reply past the rate limit, is a silent drop: nothing tells another
 * environment whether an address is or was in use. Counted either way,
 * before a reply overwrites the packet the event describes.
 */
static __always_inline int refuse(struct __sk_buff *skb, const struct warren_endpoint *src,
				  const struct warren_endpoint *dst, int reason, void *iph, bool v6)
{
	drop(WARREN_DIR_FROM_WL, src->env_id, reason,
	     EV_PKT(skb, ETH_HLEN, src->env_id, dst ? dst->env_id : WARREN_ENV_NONE));
	if (reason == WARREN_DROP_NO_ENDPOINT && dst && (dst->flags & WARREN_EP_GONE) &&
	    dst->env_id == src->env_id)
		return v6 ? refuse6(skb, iph, src->env_id) : refuse4(skb, iph, src->env_id);
	return TC_ACT_SHOT;
}

/*
 * Another host's endpoint: the packet must fit the WireGuard device (or
 * be cut by GSO into segments that do). One that cannot, and may not be
 * fragmented (IPv6, IPv4 with DF), gets "too big" with the tunnel's MTU
 * back instead of vanishing. Returns the verdict, or -1: it fits (or may
 * be fragmented), go on.
 */
static __always_inline int check_tunnel(struct __sk_buff *skb, const struct warren_endpoint *dst,
					__u32 env_id, void *iph, bool v6)
{
	__u32 mtu;

	if (!(dst->flags & WARREN_EP_REMOTE) || fits_device(skb, dst->ifindex, &mtu))
		return -1;
	if (!v6 && !(((struct iphdr *)iph)->frag_off & bpf_htons(IP_DF_R)))
		return -1;
	/* Counted first: the error is written over the packet the event describes. */
	drop(WARREN_DIR_FROM_WL, env_id, WARREN_DROP_TOO_BIG,
	     EV_PKT(skb, ETH_HLEN, env_id, dst->env_id));
	return v6 ? too_big6(skb, iph, env_id, mtu) : too_big4(skb, iph, env_id, mtu);
}

/* A header cut short or invalid, counted against the sending interface. */
static __always_inline int drop_malformed(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct warren_iface *iface = bpf_map_lookup_elem(&warren_ifaces, &ifindex);

	__u32 env_id = iface ? iface->env_id : WARREN_ENV_NONE;

	return drop(WARREN_DIR_FROM_WL, env_id, WARREN_DROP_MALFORMED,
		    EV_PKT(skb, EV_NO_L3, env_id, WARREN_ENV_NONE));
}

/*
 * Who is really sending, when the source address did not check out:
 * only to count the drop against the right environment. Slow path.
 */
static __always_inline int drop_spoofed(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct warren_iface *iface = bpf_map_lookup_elem(&warren_ifaces, &ifindex);

	if (!iface)
		return drop(WARREN_DIR_FROM_WL, WARREN_ENV_NONE, WARREN_DROP_UNKNOWN_IFACE,
			    EV_PKT(skb, ETH_HLEN, WARREN_ENV_NONE, WARREN_ENV_NONE));
	return drop(WARREN_DIR_FROM_WL, iface->env_id, WARREN_DROP_SPOOFED,
		    EV_PKT(skb, ETH_HLEN, iface->env_id, WARREN_ENV_NONE));
}

/*
 * A workload's packet to a public address: the host stack routes (and
 * NATs) it out of the fabric. Counted as the egress it is.
 */
static __always_inline int egress(struct __sk_buff *skb, __u32 env_id)
{
	count_delivered(env_id, WARREN_PATH_EGRESS, skb->len,
			EV_PKT(skb, ETH_HLEN, env_id, WARREN_ENV_NONE));
	return WARREN_PASS;
}

/* The sender is the endpoint in the slot its source names, attached here. */
static __always_inline bool owns(const struct warren_endpoint *src, struct __sk_buff *skb,
				 __u8 family_flag)
{
	return src && src->ifindex == skb->ifindex && (src->flags & family_flag);
}

static __always_inline int from_wl_v4(struct __sk_buff *skb, struct cursor *c,
				      struct ethhdr *eth)
{
	struct warren_endpoint *src, *dst;
	struct iphdr *iph;
	int reason, verdict;

	iph = parse_ipv4(c);
	if (!iph)
		return drop_malformed(skb);
	src = slot_of4(iph->saddr);
	if (!owns(src, skb, WARREN_EP_HAS_V4))
		return drop_spoofed(skb);
	if (!in_fabric4(iph->daddr))
		return egress(skb, src->env_id);

	dst = lookup_ep4(iph->daddr);
	/*
	 * The host's own fabric addresses (its resolver) are the host stack's,
	 * but for the DNS queries the datapath answers itself (dns_fast.h).
	 */
	if (dst && (dst->flags & WARREN_EP_HOST))
		return dns_fast_answer(skb, src->env_id, src->flags);
	reason = check_pair(src, dst);
	if (reason >= 0)
		return refuse(skb, src, dst, reason, iph, false);
	if (iph->ttl <= 1)
		return drop(WARREN_DIR_FROM_WL, src->env_id, WARREN_DROP_TTL,
			    EV_PKT(skb, ETH_HLEN, src->env_id, dst->env_id));
	verdict = check_tunnel(skb, dst, src->env_id, iph, false);
	if (verdict >= 0)
		return verdict;
	ipv4_decrease_ttl(iph);
	return deliver(skb, eth, dst, src->env_id);
}

static __always_inline int from_wl_v6(struct __sk_buff *skb, struct cursor *c,
				      struct ethhdr *eth)
{
	struct warren_endpoint *src, *dst;
	struct ipv6hdr *ip6h;
	int reason, verdict;

	ip6h = parse_ipv6(c);
	if (!ip6h)
		return drop_malformed(skb);
	/*
	 * Neighbour discovery, MLD and DAD use link-local or unspecified
	 * sources; they stay on the link, so they go to the host stack.
	 */
	if ((ip6_is_linklocal(&ip6h->saddr) || ip6_is_unspecified(&ip6h->saddr)) &&
	    (ip6_is_linklocal(&ip6h->daddr) || ip6_is_multicast(&ip6h->daddr)))
		return WARREN_PASS;
	src = slot_of6(&ip6h->saddr);
	if (!owns(src, skb, WARREN_EP_HAS_V6))
		return drop_spoofed(skb);
	if (!in_fabric6(&ip6h->daddr))
		return egress(skb, src->env_id);

	dst = lookup_ep6(&ip6h->daddr);
	if (dst && (dst->flags & WARREN_EP_HOST))
		return dns_fast_answer(skb, src->env_id, src->flags);
	reason = check_pair(src, dst);
	if (reason >= 0)
		return refuse(skb, src, dst, reason, ip6h, true);
	if (ip6h->hop_limit <= 1)
		return drop(WARREN_DIR_FROM_WL, src->env_id, WARREN_DROP_TTL,
			    EV_PKT(skb, ETH_HLEN, src->env_id, dst->env_id));
	verdict = check_tunnel(skb, dst, src->env_id, ip6h, true);
	if (verdict >= 0)
		return verdict;
	ip6h->hop_limit--;
	return deliver(skb, eth, dst, src->env_id);
}

SEC("tc")
int warren_from_wl(struct __sk_buff *skb)
{
	struct ethhdr *eth;
	struct cursor c;

	cursor_init(&c, skb);
	eth = parse_eth(&c);
	if (!eth)
		return drop_malformed(skb);

	switch (eth->h_proto) {
	case bpf_htons(ETH_P_IP):
		return from_wl_v4(skb, &c, eth);
	case bpf_htons(ETH_P_IPV6):
		return from_wl_v6(skb, &c, eth);
	default:
		/* ARP and friends: the host stack answers or ignores them. */
		return WARREN_PASS;
	}
}

/*
 * A packet the host stack routes into a workload. Public sources (the
 * host, NATed egress replies) pass; a fabric source must be an endpoint
 * of the same environment, and a build-phase workload gets none.
 */
static __always_inline int to_wl_check(struct __sk_buff *skb, const struct warren_iface *dst,
				       const struct warren_endpoint *src)
{
	int reason;

	if (src && (src->flags & WARREN_EP_HOST))
		return WARREN_PASS;
	if (!src || !src->ifindex)
		reason = WARREN_DROP_UNKNOWN_SOURCE;
	else if (src->env_id != dst->env_id)
		reason = WARREN_DROP_CROSS_ENV;
	else if ((src->flags & WARREN_EP_BUILD) || (dst->flags & WARREN_IF_BUILD))
		reason = WARREN_DROP_BUILD;
	else
		return WARREN_PASS;
	return drop(WARREN_DIR_FROM_HOST, dst->env_id, reason,
		    EV_PKT(skb, ETH_HLEN, src ? src->env_id : WARREN_ENV_NONE, dst->env_id));
}

/* A packet into a workload that is no IP packet we can read. */
static __always_inline int to_wl_malformed(struct __sk_buff *skb, __u32 env_id)
{
	return drop(WARREN_DIR_FROM_HOST, env_id, WARREN_DROP_MALFORMED,
		    EV_PKT(skb, EV_NO_L3, WARREN_ENV_NONE, env_id));
}

SEC("tc")
int warren_to_wl(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct warren_iface *dst;
	struct ipv6hdr *ip6h;
	struct ethhdr *eth;
	struct iphdr *iph;
	struct cursor c;

	dst = bpf_map_lookup_elem(&warren_ifaces, &ifindex);
	if (!dst)
		return drop(WARREN_DIR_FROM_HOST, WARREN_ENV_NONE, WARREN_DROP_UNKNOWN_IFACE,
			    EV_PKT(skb, EV_NO_L3, WARREN_ENV_NONE, WARREN_ENV_NONE));

	cursor_init(&c, skb);
	eth = parse_eth(&c);
	if (!eth)
		return to_wl_malformed(skb, dst->env_id);

	switch (eth->h_proto) {
	case bpf_htons(ETH_P_IP):
		iph = parse_ipv4(&c);
		if (!iph)
			return to_wl_malformed(skb, dst->env_id);
		if (!in_fabric4(iph->saddr))
			return WARREN_PASS;
		return to_wl_check(skb, dst, lookup_ep4(iph->saddr));
	case bpf_htons(ETH_P_IPV6):
		ip6h = parse_ipv6(&c);
		if (!ip6h)
			return to_wl_malformed(skb, dst->env_id);
		if (!in_fabric6(&ip6h->saddr))
			return WARREN_PASS;
		return to_wl_check(skb, dst, lookup_ep6(&ip6h->saddr));
	default:
		return WARREN_PASS;
	}
}
