/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Header parsing with the bounds checks the verifier wants, and nothing else. */
#ifndef WARREN_BPF_PARSE_H
#define WARREN_BPF_PARSE_H

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_ALEN	6

struct cursor {
	void *pos;
	void *end;
};

static __always_inline void cursor_init(struct cursor *c, struct __sk_buff *skb)
{
	c->pos = (void *)(long)skb->data;
	c->end = (void *)(long)skb->data_end;
}

static __always_inline struct ethhdr *parse_eth(struct cursor *c)
{
	struct ethhdr *eth = c->pos;

	if ((void *)(eth + 1) > c->end)
		return NULL;
	c->pos = eth + 1;
	return eth;
}

/* A header shorter than 20 bytes or not version 4 is malformed. */
static __always_inline struct iphdr *parse_ipv4(struct cursor *c)
{
	struct iphdr *iph = c->pos;

	if ((void *)(iph + 1) > c->end)
		return NULL;
	if (iph->version != 4 || iph->ihl < 5)
		return NULL;
	c->pos = iph + 1;
	return iph;
}

static __always_inline struct ipv6hdr *parse_ipv6(struct cursor *c)
{
	struct ipv6hdr *ip6h = c->pos;

	if ((void *)(ip6h + 1) > c->end)
		return NULL;
	if (ip6h->version != 6)
		return NULL;
	c->pos = ip6h + 1;
	return ip6h;
}

static __always_inline bool ip6_equal(const struct in6_addr *a, const __u8 *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

/* fe80::/10 */
static __always_inline bool ip6_is_linklocal(const struct in6_addr *a)
{
	return a->in6_u.u6_addr8[0] == 0xfe && (a->in6_u.u6_addr8[1] & 0xc0) == 0x80;
}

/* ff00::/8 */
static __always_inline bool ip6_is_multicast(const struct in6_addr *a)
{
	return a->in6_u.u6_addr8[0] == 0xff;
}

static __always_inline bool ip6_is_unspecified(const struct in6_addr *a)
{
	const __u64 *x = (const __u64 *)a;

	return !x[0] && !x[1];
}

/* Same as the kernel's ip_decrease_ttl(): incremental checksum update. */
static __always_inline void ipv4_decrease_ttl(struct iphdr *iph)
{
	__u32 check = (__u32)iph->check;

	check += (__u32)bpf_htons(0x0100);
	iph->check = (__sum16)(check + (check >= 0xFFFF));
	iph->ttl--;
}

#endif
