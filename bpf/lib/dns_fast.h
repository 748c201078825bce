/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DNS fast path: a workload's query to the host's resolver for an
 * internal name of its own environment, answered in place and handed
 * straight back into the workload (bpf_redirect_peer() on the veth it
 * came from), as reply.h does with refusals.
 *
 * Only the plainest query is answered: UDP to the resolver's port, IPv4
 * without options or fragments or IPv6 without extension headers, lengths
 * that add up exactly, a standard query (QR 0, opcode 0) with one question
 * and nothing else but at most one OPT (version 0, owned by the root),
 * A or AAAA of class IN, an uncompressed name that fits the key. The name
 * is looked up lower-cased under the caller's environment id, so another
 * environment's names are simply not there. Anything else, and every miss,
 * goes on to the shim untouched: the fast path never answers what it does
 * not fully understand, and a malformed query is never written to.
 *
 * The answer is what the shim's builder (user/dns/dns_wire.c) makes of the
 * same query, byte for byte: id, RD and CD copied, QR AA RA set, the
 * question echoed as sent (0x20 case kept), one record per address with a
 * pointer to the question name (0xc00c) and the configured TTL, the
 * agent's OPT (its UDP size, DO copied, no options) when the query had
 * one. The records rotate one step per answer (a per-CPU counter), as the
 * shim's round robin does. The agent only stores names whose answer fits
 * 512 bytes with an OPT, so no answer here is ever truncated.
 */
#ifndef WARREN_BPF_DNS_FAST_H
#define WARREN_BPF_DNS_FAST_H

#include "maps.h"
#include "verdict.h"
#include "reply.h"

/* The resolver's port, set before load by the agent; 0: the fast path is off. */
const volatile __u16 dns_fast_port = 0;

#define DNS_UDP_HLEN	8
#define DNS_HLEN	12
#define DNS_OPT_LEN	11
#define DNS_TYPE_A_BE	bpf_htons(1)
#define DNS_TYPE_AAAA_BE bpf_htons(28)
#define DNS_TYPE_OPT	41
#define IP_MF_R		0x2000
/* The most of a query the parse looks at: header, longest name, question, OPT. */
#define DNS_PARSE_MAX	(DNS_HLEN + WARREN_DNS_NAME_MAX + 4 + DNS_OPT_LEN)
/* A query longer than this is no plain query (the largest plain one is far smaller). */
#define DNS_QUERY_MAX	1024
/*
 * UDP header + the answer: header, question, records, OPT, and 4 bytes of
 * zeroes for the checksum's padding.
 */
#define DNS_SCRATCH	(DNS_UDP_HLEN + DNS_HLEN + WARREN_DNS_NAME_MAX + 4 + \
			 WARREN_DNS_MAX_RECORDS * 28 + DNS_OPT_LEN + 4)
/* Where the DNS message starts in the scratch buffer. */
#define S_DNS		DNS_UDP_HLEN

struct dns_scratch {
	__u8 b[(DNS_SCRATCH + 7) & ~7];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARREN_DNS_FAST_ENTRIES);
	__type(key, struct warren_dns_key);
	__type(value, struct warren_dns_answer);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_dns_fast SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warren_dns_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warren_dns_stat SEC(".maps");

/* Too big for the stack: the query is read and the answer built here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} warren_dns_buf SEC(".maps");

/* The lookup key, off the stack too: with the caller's, 512 bytes in all. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warren_dns_key);
} warren_dns_kbuf SEC(".maps");

/* dns_fast_try() results past the reasons: answered, or half written. */
#define DNS_FAST_ANSWERED	(-1)
#define DNS_FAST_BROKEN		(-2)

/* dns_fast_parse_packed()'s result, past the name length (<= 255). */
#define DNS_PQ_EDNS	0x100
#define DNS_PQ_DO	0x200
#define DNS_PQ_AAAA	0x400

/* What the parse of a query found. */
struct dns_fast_q {
	__u32 l3_off;		/* 14 */
	__u32 iphl;		/* 20 or 40 */
	__u32 qend;		/* past the question, from the DNS header */
	__u32 name_len;		/* wire form, root label included */
	__be16 qtype;
	__u8 edns;
	__u8 do_bit;
	bool v6;
};

/*
 * Eight bytes lower-cased at once: bit 7 of each byte of "ge" is set for
 * bytes >= 'A', of "gt" for bytes > 'Z' (no carries: the high bits are
 * cleared first); bytes with bit 7 set are left as they are. Label
 * lengths (< 0x40) are never changed, so the whole name can go through.
 */
static __always_inline __u64 dns_lower8(__u64 w)
{
	__u64 h = w & 0x7f7f7f7f7f7f7f7fULL;
	__u64 ge = h + 0x3f3f3f3f3f3f3f3fULL;
	__u64 gt = h + 0x2525252525252525ULL;

	return w | (((ge & ~gt & ~w) & 0x8080808080808080ULL) >> 2);
}

static __always_inline __u16 dns_get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __always_inline void dns_put16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

/*
 * L3 and L4: UDP to the resolver's port, lengths exact. Fills q->v6,
 * iphl and returns the DNS message's length, or -(reason + 1).
 */
static __always_inline int dns_fast_l4(struct __sk_buff *skb, struct dns_fast_q *q, __u8 src_flags)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u32 l3len;
	__u8 proto;

	if ((void *)(eth + 1) > end)
		return -(WARREN_DNS_FELL_MALFORMED + 1);
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return -(WARREN_DNS_FELL_MALFORMED + 1);
		if (ip->ihl != 5 || (ip->frag_off & bpf_htons(IP_MF_R | IP_OFFSET_R)))
			return -(WARREN_DNS_FELL_NOT_QUERY + 1);
		proto = ip->protocol;
		q->iphl = sizeof(*ip);
		l3len = bpf_ntohs(ip->tot_len);
		q->v6 = false;
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return -(WARREN_DNS_FELL_MALFORMED + 1);
		proto = ip6->nexthdr;
		q->iphl = sizeof(*ip6);
		l3len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		q->v6 = true;
	}
	q->l3_off = ETH_HLEN;
	udp = data + ETH_HLEN + q->iphl;
	/* TCP's ports are where UDP's are. */
	if ((void *)(udp + 1) > end)
		return -(WARREN_DNS_FELL_NOT_QUERY + 1);
	if (udp->dest != bpf_htons(dns_fast_port))
		return -(WARREN_DNS_FELL_NOT_QUERY + 1);
	if (proto == IPPROTO_TCP_R)
		return -(WARREN_DNS_FELL_TCP + 1);
	if (proto != IPPROTO_UDP_R)
		return -(WARREN_DNS_FELL_NOT_QUERY + 1);
	if (src_flags & WARREN_EP_BUILD)
		return -(WARREN_DNS_FELL_BUILD + 1);
	if (l3len + ETH_HLEN != skb->len || bpf_ntohs(udp->len) != l3len - q->iphl)
		return -(WARREN_DNS_FELL_MALFORMED + 1);
	l3len -= q->iphl + DNS_UDP_HLEN;
	if (l3len < DNS_HLEN + 1 + 4 || l3len > DNS_QUERY_MAX)
		return -(WARREN_DNS_FELL_MALFORMED + 1);
	return (int)l3len;
}

/*
 * The DNS message, read into s + S_DNS (n bytes of dlen): header, name,
 * question, OPT. Returns 0 or the reason.
 */
static __always_inline int dns_fast_parse(const __u8 *s, __u32 n, __u32 dlen, struct dns_fast_q *q)
{
	const __u8 *h = s + S_DNS;
	__u64 pos = 0, o;
	__u16 rdlen;

	/* QR 0 and opcode QUERY; then QDCOUNT 1, no answers or authority, ARCOUNT 0 or 1. */
	if (h[2] & 0xf8)
		return WARREN_DNS_FELL_HEADER;
	if (h[4] || h[5] != 1 || h[6] || h[7] || h[8] || h[9] || h[10] || h[11] > 1)
		return WARREN_DNS_FELL_HEADER;
	/*
	 * Offsets are masked where the checks before them already bound them
	 * (no-ops): the verifier loses bounds through the compiler's 32-bit
	 * zero extensions, and a mask it always sees.
	 */
	for (int i = 0; i < WARREN_DNS_NAME_MAX / 2 + 1; i++) {
		__u8 l;

		if (pos >= WARREN_DNS_NAME_MAX)
			return WARREN_DNS_FELL_NAME;
		if (DNS_HLEN + pos + 1 > n)
			return WARREN_DNS_FELL_MALFORMED;
		l = h[DNS_HLEN + (pos & (WARREN_DNS_NAME_MAX - 1))];
		if (!l)
			break;
		/* Pointers (0xc0) and the extended label types never reach the map. */
		if (l > 63)
			return WARREN_DNS_FELL_NAME;
		pos += l + 1;
	}
	if (pos >= WARREN_DNS_NAME_MAX)
		return WARREN_DNS_FELL_NAME;
	q->name_len = (__u32)(pos & (WARREN_DNS_NAME_MAX - 1)) + 1;
	q->qend = DNS_HLEN + q->name_len + 4;
	if (q->qend > n)
		return WARREN_DNS_FELL_MALFORMED;
	o = (DNS_HLEN + q->name_len) & 0xff;
	__builtin_memcpy(&q->qtype, h + o, 2);		/* as on the wire */
	if (h[o + 2] || h[o + 3] != 1)
		return WARREN_DNS_FELL_TYPE;
	if (q->qtype != DNS_TYPE_A_BE && q->qtype != DNS_TYPE_AAAA_BE)
		return WARREN_DNS_FELL_TYPE;
	q->edns = h[11];
	if (!q->edns)
		return q->qend == dlen ? 0 : WARREN_DNS_FELL_MALFORMED;
	o = q->qend & 0xff;
	if (o + DNS_OPT_LEN > n)
		return WARREN_DNS_FELL_MALFORMED;
	/* Root owner, type OPT, version 0 (the shim answers others BADVERS). */
	if (h[o] || h[o + 1] || h[o + 2] != DNS_TYPE_OPT || h[o + 6])
		return WARREN_DNS_FELL_EDNS;
	q->do_bit = h[o + 7] & 0x80;
	rdlen = dns_get16(h + o + 9);
	return o + DNS_OPT_LEN + rdlen == dlen ? 0 : WARREN_DNS_FELL_MALFORMED;
}

/*
 * The parse as a global function: the verifier checks it once on its own
 * and its caller sees one result of known bounds, instead of carrying each
 * exit of the label loop (one per label count) through the rest of the
 * answer, which took the program past the verifier's 1M instructions.
 * Returns the question packed (name length, EDNS, DO, AAAA) or -reason.
 */
__noinline int dns_fast_parse_packed(__u32 n, __u32 dlen)
{
	struct dns_fast_q q = {};
	struct dns_scratch *sb;
	__u32 zero = 0;
	int ret;

	sb = bpf_map_lookup_elem(&warren_dns_buf, &zero);
	if (!sb)
		return -WARREN_DNS_FELL_ERROR;
	if (n > DNS_PARSE_MAX || n < DNS_HLEN)
		return -WARREN_DNS_FELL_MALFORMED;
	ret = dns_fast_parse(sb->b, n, dlen, &q);
	if (ret)
		return -ret;
	return (int)(q.name_len | (q.edns ? DNS_PQ_EDNS : 0) | (q.do_bit ? DNS_PQ_DO : 0) |
		     (q.qtype == DNS_TYPE_AAAA_BE ? DNS_PQ_AAAA : 0));
}

/* The answer records into s, after the question; returns their length. */
static __always_inline __u32 dns_fast_records(__u8 *s, __u32 qend, __be16 qtype,
					      const struct warren_dns_answer *a, __u32 count,
					      __u32 first)
{
	__u32 alen = qtype == DNS_TYPE_A_BE ? 4 : 16, rlen = 12 + alen;
	__u32 base = S_DNS + qend;

	for (__u32 k = 0; k < WARREN_DNS_MAX_RECORDS; k++) {
		__u32 idx = first + k;
		__u8 *r;

		if (k >= count)
			break;
		if (idx >= count)
			idx -= count;
		idx &= WARREN_DNS_MAX_RECORDS - 1;
		{
			__u64 off = base + k * rlen;

			/* Tested on the register used: a record never passes the scratch's end. */
			asm volatile("" : "+r"(off));
			if (off > sizeof(struct dns_scratch) - 28)
				break;
			r = s + off;
		}
		r[0] = 0xc0;			/* the question's name */
		r[1] = DNS_HLEN;
		__builtin_memcpy(r + 2, &qtype, 2);
		r[4] = 0;
		r[5] = 1;			/* IN */
		r[6] = (__u8)(a->ttl >> 24);
		r[7] = (__u8)(a->ttl >> 16);
		r[8] = (__u8)(a->ttl >> 8);
		r[9] = (__u8)a->ttl;
		r[10] = 0;
		r[11] = (__u8)alen;
		if (alen == 4)
			__builtin_memcpy(r + 12, a->addr[idx], 4);
		else
			__builtin_memcpy(r + 12, a->addr[idx], 16);
	}
	return count * rlen;
}

/* The records as a global function, for the same reason as the parse. */
__noinline int dns_fast_records_g(__u32 qend, __u32 aaaa, const struct warren_dns_answer *a,
				  __u32 first)
{
	struct dns_scratch *sb;
	__u32 zero = 0, count;

	if (!a)
		return 0;
	sb = bpf_map_lookup_elem(&warren_dns_buf, &zero);
	if (!sb)
		return 0;
	count = a->count;
	if (!count || count > WARREN_DNS_MAX_RECORDS || first >= count ||
	    qend > DNS_HLEN + WARREN_DNS_NAME_MAX + 4)
		return 0;
	return (int)dns_fast_records(sb->b, qend, aaaa ? DNS_TYPE_AAAA_BE : DNS_TYPE_A_BE, a,
				     count, first);
}

/* The UDP checksum of s[0, ulen) (zero-padded) over the pseudo-header sum. */
static __always_inline __u16 dns_udp_csum(__u8 *s, __u32 ulen, __s64 seed)
{
	__u32 len4 = (ulen + 3) & ~3U, first;
	__s64 sum;
	__u16 c;

	if (len4 > sizeof(struct dns_scratch))
		return 0;
	/* bpf_csum_diff() takes at most 512 bytes at a time. */
	first = len4 > 512 ? 512 : len4;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)s, first, (__wsum)seed);
	if (len4 > 512) {
		__u64 rest = (__u64)len4 - 512;

		/* The bound is checked on the very register passed: the
		 * compiler would otherwise test a copy the verifier does not
		 * tie to it. */
		asm volatile("" : "+r"(rest));
		if (rest > sizeof(struct dns_scratch) - 512)
			return 0;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)(s + 512), rest, (__wsum)sum);
	}
	c = csum_fold32(sum);
	/* 0 means "no checksum" in UDP, and is not allowed at all over IPv6. */
	return c ? c : 0xffff;
}

struct dns_hdrs4 {
	__u8 pad[2];		/* puts the IP header on a 4-byte boundary for csum_diff */
	struct ethhdr eth;
	struct iphdr ip;
} __attribute__((aligned(8)));

struct dns_hdrs6 {
	__u8 pad[2];
	struct ethhdr eth;
	struct ipv6hdr ip6;
} __attribute__((aligned(8)));

/* The answer's L2-L4 around s (UDP header + DNS), resized, written, sent back. */
static __always_inline int dns_fast_send(struct __sk_buff *skb, const struct dns_fast_q *q,
					 __u8 *s, __u32 ulen)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct dns_hdrs4 h4 = {};
	struct dns_hdrs6 h6 = {};
	struct ethhdr *eth = data, *out;
	struct udphdr *udp;
	__u32 hlen;
	__s64 sum;

	if ((void *)(eth + 1) > end)
		return WARREN_DNS_FELL_ERROR;
	out = q->v6 ? &h6.eth : &h4.eth;
	__builtin_memcpy(out->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(out->h_source, eth->h_dest, ETH_ALEN);
	out->h_proto = eth->h_proto;
	if (q->v6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return WARREN_DNS_FELL_ERROR;
		ip6_fill(&h6.ip6, &ip6->daddr, &ip6->saddr, IPPROTO_UDP_R, (__u16)ulen);
		sum = ip6_pseudo_sum(&h6.ip6, ulen, IPPROTO_UDP_R);
		hlen = sizeof(h6.eth) + sizeof(h6.ip6);
		udp = (void *)(ip6 + 1);
	} else {
		struct iphdr *ip = (void *)(eth + 1);
		struct {
			__be32 s, d;
			__u8 zero, proto;
			__be16 len;
		} ph;

		if ((void *)(ip + 1) > end)
			return WARREN_DNS_FELL_ERROR;
		ip4_fill(&h4.ip, ip->daddr, ip->saddr, IPPROTO_UDP_R, (__u16)(sizeof(h4.ip) + ulen));
		ph.s = ip->daddr;
		ph.d = ip->saddr;
		ph.zero = 0;
		ph.proto = IPPROTO_UDP_R;
		ph.len = bpf_htons((__u16)ulen);
		sum = bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), 0);
		hlen = sizeof(h4.eth) + sizeof(h4.ip);
		udp = (void *)(ip + 1);
	}
	if ((void *)(udp + 1) > end)
		return WARREN_DNS_FELL_ERROR;
	/* Back where it came from: the ports swapped. */
	__builtin_memcpy(s, &udp->dest, 2);
	__builtin_memcpy(s + 2, &udp->source, 2);
	dns_put16(s + 4, (__u16)ulen);
	s[6] = s[7] = 0;
	dns_put16(s + 6, bpf_ntohs(dns_udp_csum(s, ulen, sum)));

	/* Nothing was changed yet: a failure here leaves the query to the shim. */
	if (bpf_skb_change_tail(skb, hlen + ulen, 0))
		return WARREN_DNS_FELL_ERROR;
	if (q->v6 ? bpf_skb_store_bytes(skb, 0, &h6.eth, sizeof(h6.eth) + sizeof(h6.ip6), 0) :
		    bpf_skb_store_bytes(skb, 0, &h4.eth, sizeof(h4.eth) + sizeof(h4.ip), 0))
		return DNS_FAST_BROKEN;
	{
		/* Bounds tested on the register passed; - 1, + 1 as for the name. */
		__u64 len = (__u64)ulen - 1;

		asm volatile("" : "+r"(len));
		if (len > sizeof(struct dns_scratch) - 1)
			return DNS_FAST_BROKEN;
		len += 1;
		if (bpf_skb_store_bytes(skb, hlen, s, len, 0))
			return DNS_FAST_BROKEN;
	}
	return DNS_FAST_ANSWERED;
}

/* Answered (DNS_FAST_ANSWERED), half written (DNS_FAST_BROKEN), or why not. */
static __always_inline int dns_fast_try(struct __sk_buff *skb, __u32 env_id, __u8 src_flags,
					const struct warren_dns_stats *st)
{
	struct warren_dns_key *key;
	struct warren_dns_answer *a;
	struct dns_fast_q q = {};
	__u32 zero = 0, n, ulen, rec_len, qend, count;
	__u64 o;
	struct dns_scratch *sb;
	int dlen, ret;
	__u8 *s;

	dlen = dns_fast_l4(skb, &q, src_flags);
	if (dlen < 0)
		return -dlen - 1;
	sb = bpf_map_lookup_elem(&warren_dns_buf, &zero);
	if (!sb)
		return WARREN_DNS_FELL_ERROR;
	s = sb->b;
	n = (__u32)dlen < DNS_PARSE_MAX ? (__u32)dlen : DNS_PARSE_MAX;
	if (n < 1 || bpf_skb_load_bytes(skb, q.l3_off + q.iphl + DNS_UDP_HLEN, s + S_DNS, n))
		return WARREN_DNS_FELL_MALFORMED;
	ret = dns_fast_parse_packed(n, (__u32)dlen);
	if (ret < 0)
		return -ret;
	q.name_len = ret & 0xff;
	if (q.name_len < 2 || q.name_len > WARREN_DNS_NAME_MAX)
		return WARREN_DNS_FELL_MALFORMED;
	q.qend = DNS_HLEN + q.name_len + 4;
	q.edns = ret & DNS_PQ_EDNS ? 1 : 0;
	q.do_bit = ret & DNS_PQ_DO ? 0x80 : 0;
	q.qtype = ret & DNS_PQ_AAAA ? DNS_TYPE_AAAA_BE : DNS_TYPE_A_BE;

	key = bpf_map_lookup_elem(&warren_dns_kbuf, &zero);
	if (!key)
		return WARREN_DNS_FELL_ERROR;
	/* The whole key is hashed: the bytes past the name must be zero. */
	__builtin_memset(key, 0, sizeof(*key));
	key->env_id = env_id;
	key->qtype = q.qtype;
	{
		/* Tested on the register passed (6.1 loses a spilled copy's bounds). */
		__u64 nlen = (__u64)q.name_len - 1;

		/* One unsigned test, then + 1: 6.1 learns no minimum from "!= 0". */
		asm volatile("" : "+r"(nlen));
		if (nlen > WARREN_DNS_NAME_MAX - 1)
			return WARREN_DNS_FELL_MALFORMED;
		nlen += 1;
		if (bpf_skb_load_bytes(skb, q.l3_off + q.iphl + DNS_UDP_HLEN + DNS_HLEN,
				       key->name, nlen))
			return WARREN_DNS_FELL_MALFORMED;
	}
	for (int i = 0; i < WARREN_DNS_NAME_MAX / 8; i++) {
		__u64 *w = (__u64 *)key->name + i;

		*w = dns_lower8(*w);
	}
	a = bpf_map_lookup_elem(&warren_dns_fast, key);
	if (!a)
		return WARREN_DNS_FELL_MISS;
	count = a->count;
	if (!count || count > WARREN_DNS_MAX_RECORDS)
		return WARREN_DNS_FELL_MISS;
	/* Bounds the verifier sees for every write below. */
	qend = q.qend;
	if (qend > DNS_HLEN + WARREN_DNS_NAME_MAX + 4)
		return WARREN_DNS_FELL_MALFORMED;

	rec_len = dns_fast_records_g(qend, q.qtype == DNS_TYPE_AAAA_BE, a,
				     (__u32)(st->answered % count));
	if (!rec_len || rec_len > WARREN_DNS_MAX_RECORDS * 28)
		return WARREN_DNS_FELL_ERROR;
	o = S_DNS + qend + rec_len;
	/* Tested on the register used (not on a copy of o + a constant). */
	asm volatile("" : "+r"(o));
	if (o > sizeof(*sb) - DNS_OPT_LEN - 4)
		return WARREN_DNS_FELL_ERROR;
	if (q.edns) {
		s[o] = 0;			/* root */
		s[o + 1] = 0;
		s[o + 2] = DNS_TYPE_OPT;
		dns_put16(s + o + 3, a->udp_size);
		s[o + 5] = 0;			/* extended rcode */
		s[o + 6] = 0;			/* version */
		s[o + 7] = q.do_bit;
		s[o + 8] = 0;
		s[o + 9] = 0;			/* no options */
		s[o + 10] = 0;
		o += DNS_OPT_LEN;
	}
	asm volatile("" : "+r"(o));
	if (o > sizeof(*sb) - 4)
		return WARREN_DNS_FELL_ERROR;
	__builtin_memset(s + o, 0, 4);		/* the checksum's padding */
	/* The header: QR AA, RD copied; RA, CD copied; rcode 0; the counts. */
	s[S_DNS + 2] = 0x84 | (s[S_DNS + 2] & 0x01);
	s[S_DNS + 3] = 0x80 | (s[S_DNS + 3] & 0x10);
	dns_put16(s + S_DNS + 6, (__u16)count);
	s[S_DNS + 8] = s[S_DNS + 9] = 0;
	dns_put16(s + S_DNS + 10, q.edns);
	ulen = o;
	return dns_fast_send(skb, &q, s, ulen);
}

/*
 * A packet from a workload to the host's own fabric address: answered
 * here when it is a plain query for one of the caller's environment's
 * names, else on to the host stack (and the shim) as it was. The caller
 * has checked the source belongs to the sending interface.
 *
 * A global function: the verifier checks it once, on its own, instead of
 * once per path of the caller that reaches it (inlined, the parse loops
 * times the caller's states went past the 1M-instruction limit).
 */
__noinline int dns_fast_answer(struct __sk_buff *skb, __u32 env_id, __u8 src_flags)
{
	struct warren_dns_stats *st;
	__u32 zero = 0;
	int ret;

	if (!dns_fast_port)
		return WARREN_PASS;
	st = bpf_map_lookup_elem(&warren_dns_stat, &zero);
	if (!st)
		return WARREN_PASS;
	ret = dns_fast_try(skb, env_id, src_flags, st);
	if (ret == DNS_FAST_ANSWERED) {
		st->answered++;
		return bpf_redirect_peer(skb->ifindex, 0);
	}
	if (ret == DNS_FAST_BROKEN) {
		st->fell[WARREN_DNS_FELL_ERROR]++;
		return TC_ACT_SHOT;
	}
	{
		__u64 why = (__u32)ret;	/* negatives become large: one unsigned test */

		asm volatile("" : "+r"(why));
		if (why < WARREN_DNS_FELL__MAX)
			st->fell[why]++;
	}
	return WARREN_PASS;
}

#endif
