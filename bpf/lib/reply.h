/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Answers the datapath sends back to the workload that sent a packet,
 * built in place of that packet and handed straight into the sender's
 * netns (bpf_redirect_peer() on the veth it came from):
 *
 *  - a refusal, for a fabric address of the sender's own environment that
 *    has no endpoint now (a tombstone, WARREN_EP_GONE): TCP gets a RST,
 *    UDP ICMP/ICMPv6 port unreachable, an echo request host/address
 *    unreachable, so connect() and a connected UDP socket fail at once
 *    with ECONNREFUSED (EHOSTUNREACH for ping) instead of timing out;
 *  - "fragmentation needed" / "packet too big" with the tunnel's MTU for a
 *    packet the WireGuard device cannot carry whole.
 *
 * Each reply is written whole from the stack (headers, a quote of the
 * offending packet's IP header and first 8 bytes, checksums computed
 * here) over the packet, resized with bpf_skb_change_tail(). Errors are
 * never answered with errors, nor fragments after the first, nor RSTs.
 * Replies are rate-limited per environment and CPU (token bucket): past
 * the limit the packet is dropped in silence, as it would have been.
 * The source of every reply is the address the packet was sent to.
 */
#ifndef WARREN_BPF_REPLY_H
#define WARREN_BPF_REPLY_H

#include "maps.h"
#include "verdict.h"

#ifndef ETH_HLEN
#define ETH_HLEN 14
#endif

#define IPPROTO_ICMP_R	1
#define IPPROTO_TCP_R	6
#define IPPROTO_UDP_R	17
#define IPPROTO_ICMPV6_R 58
#define IP_DF_R		0x4000
#define IP_OFFSET_R	0x1fff
#define TCP_FIN_R	0x01
#define TCP_SYN_R	0x02
#define TCP_RST_R	0x04
#define TCP_ACK_R	0x10

/* Replies per second and burst, per environment and CPU (set before load; tests do). */
const volatile __u32 reply_rate = 1000;
const volatile __u32 reply_burst = 50;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WARREN_MAX_ENVS);
	__type(key, __u32);
	__type(value, struct warren_ratelimit);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_reply_rl SEC(".maps");

static __always_inline bool reply_allowed(__u32 env_id)
{
	struct warren_ratelimit *rl = bpf_map_lookup_elem(&warren_reply_rl, &env_id);
	__u64 now = bpf_ktime_get_ns(), cost, credit;

	if (!rl || !reply_rate)
		return false;
	cost = 1000000000ULL / reply_rate;
	credit = rl->credit_ns + (now - rl->last_ns);
	if (!rl->last_ns || credit > cost * reply_burst)
		credit = cost * reply_burst;
	rl->last_ns = now;
	if (credit < cost) {
		rl->credit_ns = credit;
		return false;
	}
	rl->credit_ns = credit - cost;
	return true;
}

static __always_inline __u16 csum_fold32(__s64 sum)
{
	__u32 s = (__u32)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* What every reply starts with: the MACs of the packet, swapped. */
static __always_inline int reply_eth(struct __sk_buff *skb, struct ethhdr *out)
{
	if (bpf_skb_load_bytes(skb, ETH_ALEN, out->h_dest, ETH_ALEN) ||
	    bpf_skb_load_bytes(skb, 0, out->h_source, ETH_ALEN))
		return -1;
	return 0;
}

/* Replace the packet with len bytes from buf and send it back where it came from. */
static __always_inline int reply_send(struct __sk_buff *skb, const void *buf, __u32 len)
{
	__u32 ifindex = skb->ifindex;

	if (bpf_skb_change_tail(skb, len, 0) || bpf_skb_store_bytes(skb, 0, buf, len, 0))
		return TC_ACT_SHOT;
	/* Only these two: callers tell "replied" from "go on" by the sign. */
	return bpf_redirect_peer(ifindex, 0) == TC_ACT_REDIRECT ? TC_ACT_REDIRECT : TC_ACT_SHOT;
}

static __always_inline void ip4_fill(struct iphdr *ip, __be32 saddr, __be32 daddr, __u8 proto,
				     __u16 len)
{
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = bpf_htons(len);
	ip->frag_off = bpf_htons(IP_DF_R);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->check = csum_fold32(bpf_csum_diff(NULL, 0, (__be32 *)ip, sizeof(*ip), 0));
}

static __always_inline void ip6_fill(struct ipv6hdr *ip6, const struct in6_addr *saddr,
				     const struct in6_addr *daddr, __u8 proto, __u16 len)
{
	ip6->version = 6;
	ip6->payload_len = bpf_htons(len);
	ip6->nexthdr = proto;
	ip6->hop_limit = 64;
	ip6->saddr = *saddr;
	ip6->daddr = *daddr;
}

/* The IPv6 pseudo-header's sum, the seed of every IPv6 transport checksum. */
static __always_inline __s64 ip6_pseudo_sum(const struct ipv6hdr *ip6, __u32 len, __u8 proto)
{
	struct {
		struct in6_addr s, d;
		__be32 len, proto;
	} ph = { .s = ip6->saddr, .d = ip6->daddr, .len = bpf_htonl(len),
		 .proto = bpf_htonl(proto) };

	return bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), 0);
}

/* --- the replies: ICMP errors and TCP RSTs, built in a per-CPU buffer ------- */

struct icmp4_reply {
	__u8 pad[2];		/* puts the IP header on a 4-byte boundary for csum_diff */
	struct ethhdr eth;
	struct iphdr ip;
	struct icmphdr icmp;
	__u8 quote[28];		/* the offending IP header (no options) + 8 bytes */
} __attribute__((aligned(8)));

struct icmp6_reply {
	__u8 pad[2];
	struct ethhdr eth;
	struct ipv6hdr ip6;
	struct icmp6hdr icmp6;
	__u8 quote[48];		/* the offending IPv6 header + 8 bytes */
} __attribute__((aligned(8)));

struct rst4_reply {
	__u8 pad[2];
	struct ethhdr eth;
	struct iphdr ip;
	struct tcphdr tcp;
} __attribute__((aligned(8)));

struct rst6_reply {
	__u8 pad[2];
	struct ethhdr eth;
	struct ipv6hdr ip6;
	struct tcphdr tcp;
} __attribute__((aligned(8)));

/*
 * The reply is built in a per-CPU buffer, not on the stack: warren_from_wl
 * refuses and answers DNS in one frame, and its frame plus the DNS fast
 * path's two calls must fit the 512 bytes 6.1's verifier allows a chain.
 */
union reply_buf {
	struct icmp4_reply icmp4;
	struct icmp6_reply icmp6;
	struct rst4_reply rst4;
	struct rst6_reply rst6;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union reply_buf);
} warren_reply_buf SEC(".maps");

/* This CPU's buffer, zeroed; NULL never happens for index 0 but is checked. */
static __always_inline void *reply_buf(void)
{
	__u32 zero = 0;
	union reply_buf *b = bpf_map_lookup_elem(&warren_reply_buf, &zero);

	if (b)
		__builtin_memset(b, 0, sizeof(*b));
	return b;
}

/*
 * ICMP type/code about the IPv4 packet, from its destination (info: the
 * next-hop MTU for "fragmentation needed"). The packet's IP header is
 * at 14 and has no options (the callers checked).
 */
static __always_inline int icmp4_reply(struct __sk_buff *skb, __u8 type, __u8 code, __u16 mtu)
{
	struct icmp4_reply *r = reply_buf();
	__be32 saddr, daddr;

	if (!r)
		return TC_ACT_SHOT;

	if (reply_eth(skb, &r->eth) || bpf_skb_load_bytes(skb, ETH_HLEN, r->quote, sizeof(r->quote)))
		return TC_ACT_SHOT;
	r->eth.h_proto = bpf_htons(ETH_P_IP);
	__builtin_memcpy(&saddr, r->quote + 16, 4);	/* reply from the destination */
	__builtin_memcpy(&daddr, r->quote + 12, 4);
	r->icmp.type = type;
	r->icmp.code = code;
	r->icmp.un.frag.mtu = bpf_htons(mtu);
	r->icmp.checksum = csum_fold32(bpf_csum_diff(NULL, 0, (__be32 *)&r->icmp,
						    sizeof(r->icmp) + sizeof(r->quote), 0));
	ip4_fill(&r->ip, saddr, daddr, IPPROTO_ICMP_R,
		 sizeof(r->ip) + sizeof(r->icmp) + sizeof(r->quote));
	return reply_send(skb, &r->eth, sizeof(r->eth) + sizeof(r->ip) + sizeof(r->icmp) + sizeof(r->quote));
}

static __always_inline int icmp6_reply(struct __sk_buff *skb, __u8 type, __u8 code, __u32 mtu)
{
	struct icmp6_reply *r = reply_buf();
	struct in6_addr s, d;
	__u32 len = sizeof(r->icmp6) + sizeof(r->quote);
	__s64 sum;

	if (!r)
		return TC_ACT_SHOT;

	if (reply_eth(skb, &r->eth) || bpf_skb_load_bytes(skb, ETH_HLEN, r->quote, sizeof(r->quote)))
		return TC_ACT_SHOT;
	r->eth.h_proto = bpf_htons(ETH_P_IPV6);
	__builtin_memcpy(&s, r->quote + 24, 16);
	__builtin_memcpy(&d, r->quote + 8, 16);
	ip6_fill(&r->ip6, &s, &d, IPPROTO_ICMPV6_R, (__u16)len);
	r->icmp6.icmp6_type = type;
	r->icmp6.icmp6_code = code;
	r->icmp6.icmp6_dataun.un_data32[0] = bpf_htonl(mtu);
	sum = ip6_pseudo_sum(&r->ip6, len, IPPROTO_ICMPV6_R);
	r->icmp6.icmp6_cksum = csum_fold32(bpf_csum_diff(NULL, 0, (__be32 *)&r->icmp6, len,
							 (__wsum)sum));
	return reply_send(skb, &r->eth, sizeof(r->eth) + sizeof(r->ip6) + len);
}

/* --- TCP RST ---------------------------------------------------------------------- */

/*
 * RFC 9293 3.10.7.1: to a segment with ACK, <SEQ=SEG.ACK><CTL=RST>; to one
 * without, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN and FIN counting
 * one each. in is the offending TCP header, seg_len its payload length.
 * Returns false for a RST, which is never answered.
 */
static __always_inline bool rst_fill(struct tcphdr *out, const struct tcphdr *in, __u32 seg_len)
{
	__u8 flags = ((const __u8 *)in)[13];

	if (flags & TCP_RST_R)
		return false;
	out->source = in->dest;
	out->dest = in->source;
	out->doff = 5;
	if (flags & TCP_ACK_R) {
		out->seq = in->ack_seq;
		out->rst = 1;
	} else {
		seg_len += !!(flags & TCP_SYN_R) + !!(flags & TCP_FIN_R);
		out->ack_seq = bpf_htonl(bpf_ntohl(in->seq) + seg_len);
		out->rst = 1;
		out->ack = 1;
	}
	return true;
}

static __always_inline int rst4_reply(struct __sk_buff *skb, const struct iphdr *iph)
{
	struct {
		__be32 s, d;
		__u8 zero, proto;
		__be16 len;
	} ph;
	struct rst4_reply *r = reply_buf();
	struct tcphdr in;
	__u32 seg_len;
	__s64 sum;

	if (!r)
		return TC_ACT_SHOT;

	if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(*iph), &in, sizeof(in)) || in.doff < 5)
		return TC_ACT_SHOT;
	seg_len = bpf_ntohs(iph->tot_len) - sizeof(*iph) - in.doff * 4;
	if (seg_len > 0xffff || !rst_fill(&r->tcp, &in, seg_len))
		return TC_ACT_SHOT;
	if (reply_eth(skb, &r->eth))
		return TC_ACT_SHOT;
	r->eth.h_proto = bpf_htons(ETH_P_IP);
	ph.s = iph->daddr;
	ph.d = iph->saddr;
	ph.zero = 0;
	ph.proto = IPPROTO_TCP_R;
	ph.len = bpf_htons(sizeof(r->tcp));
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), 0);
	r->tcp.check = csum_fold32(bpf_csum_diff(NULL, 0, (__be32 *)&r->tcp, sizeof(r->tcp),
						(__wsum)sum));
	ip4_fill(&r->ip, ph.s, ph.d, IPPROTO_TCP_R, sizeof(r->ip) + sizeof(r->tcp));
	return reply_send(skb, &r->eth, sizeof(r->eth) + sizeof(r->ip) + sizeof(r->tcp));
}

static __always_inline int rst6_reply(struct __sk_buff *skb, const struct ipv6hdr *ip6h)
{
	struct rst6_reply *r = reply_buf();
	struct tcphdr in;
	__u32 seg_len;
	__s64 sum;

	if (!r)
		return TC_ACT_SHOT;

	if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(*ip6h), &in, sizeof(in)) || in.doff < 5)
		return TC_ACT_SHOT;
	seg_len = bpf_ntohs(ip6h->payload_len) - in.doff * 4;
	if (seg_len > 0xffff || !rst_fill(&r->tcp, &in, seg_len))
		return TC_ACT_SHOT;
	if (reply_eth(skb, &r->eth))
		return TC_ACT_SHOT;
	r->eth.h_proto = bpf_htons(ETH_P_IPV6);
	ip6_fill(&r->ip6, &ip6h->daddr, &ip6h->saddr, IPPROTO_TCP_R, sizeof(r->tcp));
	sum = ip6_pseudo_sum(&r->ip6, sizeof(r->tcp), IPPROTO_TCP_R);
	r->tcp.check = csum_fold32(bpf_csum_diff(NULL, 0, (__be32 *)&r->tcp, sizeof(r->tcp),
						(__wsum)sum));
	return reply_send(skb, &r->eth, sizeof(r->eth) + sizeof(r->ip6) + sizeof(r->tcp));
}

/* --- what to answer ---------------------------------------------------------------- */

/*
 * A refusal for an IPv4 packet to a gone address of the sender's own
 * environment; TC_ACT_SHOT when none is due (the caller counts the drop).
 */
static __always_inline int refuse4(struct __sk_buff *skb, const struct iphdr *iph, __u32 env_id)
{
	__u8 type = 0;

	if (iph->ihl != 5 || (iph->frag_off & bpf_htons(IP_OFFSET_R)))
		return TC_ACT_SHOT;
	if (iph->protocol == IPPROTO_ICMP_R &&
	    (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(*iph), &type, 1) || type != 8))
		return TC_ACT_SHOT;	/* only echo requests: never an error about an error */
	if (!reply_allowed(env_id))
		return TC_ACT_SHOT;
	if (iph->protocol == IPPROTO_TCP_R)
		return rst4_reply(skb, iph);
	/* 3/3 port unreachable: ECONNREFUSED; 3/1 host unreachable for the rest */
	return icmp4_reply(skb, 3, iph->protocol == IPPROTO_UDP_R ? 3 : 1, 0);
}

static __always_inline bool ip6_is_ext(__u8 nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 50 || nh == 51 || nh == 60 ||
	       nh == 135 || nh == 139 || nh == 140;
}

static __always_inline int refuse6(struct __sk_buff *skb, const struct ipv6hdr *ip6h,
				   __u32 env_id)
{
	__u8 nh = ip6h->nexthdr, type = 0;

	/* The upper-layer header must come first, where the quote shows it. */
	if (ip6_is_ext(nh))
		return TC_ACT_SHOT;
	if (nh == IPPROTO_ICMPV6_R &&
	    (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(*ip6h), &type, 1) || type != 128))
		return TC_ACT_SHOT;
	if (!reply_allowed(env_id))
		return TC_ACT_SHOT;
	if (nh == IPPROTO_TCP_R)
		return rst6_reply(skb, ip6h);
	/* 1/4 port unreachable: ECONNREFUSED; 1/3 address unreachable for the rest */
	return icmp6_reply(skb, 1, nh == IPPROTO_UDP_R ? 4 : 3, 0);
}

/*
 * Whether the packet fits the device (the WireGuard one) whole, or as the
 * segments GSO will cut it into; *mtu is the device's MTU. A packet's
 * length is given as L3 (less its 14-byte MAC header), so the device's
 * own header length cancels out whatever its type; the helper refuses
 * that together with BPF_MTU_CHK_SEGS, which GSO packets need instead
 * (their segments' L3 length is what it checks then). A device that is
 * gone (an error) counts as fitting: the redirect fails as it always did.
 */
static __always_inline bool fits_device(struct __sk_buff *skb, __u32 ifindex, __u32 *mtu)
{
	long ret;

	if (skb->gso_size) {
		*mtu = 0;
		ret = bpf_check_mtu(skb, ifindex, mtu, 0, BPF_MTU_CHK_SEGS);
	} else {
		*mtu = skb->len > ETH_HLEN ? skb->len - ETH_HLEN : 1;
		ret = bpf_check_mtu(skb, ifindex, mtu, 0, 0);
	}
	return ret == BPF_MTU_CHK_RET_SUCCESS || ret < 0;
}

/* "Fragmentation needed" (3/4) with the tunnel's MTU: TCP and UDP lower their sizes. */
static __always_inline int too_big4(struct __sk_buff *skb, const struct iphdr *iph, __u32 env_id,
				    __u32 mtu)
{
	__u8 type = 8;

	if (iph->ihl != 5 || mtu > 0xffff)
		return TC_ACT_SHOT;
	if (iph->protocol == IPPROTO_ICMP_R &&
	    (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(*iph), &type, 1) || type != 8))
		return TC_ACT_SHOT;
	if (!reply_allowed(env_id))
		return TC_ACT_SHOT;
	return icmp4_reply(skb, 3, 4, (__u16)mtu);
}

/* "Packet too big" (2/0); IPv6 never goes below 1280, so neither does the MTU told. */
static __always_inline int too_big6(struct __sk_buff *skb, const struct ipv6hdr *ip6h,
				    __u32 env_id, __u32 mtu)
{
	__u8 type = 128;

	if (ip6h->nexthdr == IPPROTO_ICMPV6_R &&
	    (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(*ip6h), &type, 1) || type < 128))
		return TC_ACT_SHOT;
	if (!reply_allowed(env_id))
		return TC_ACT_SHOT;
	return icmp6_reply(skb, 2, 0, mtu < 1280 ? 1280 : mtu);
}

#endif
