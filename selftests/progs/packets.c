// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "packets.h"

static const uint8_t wl_mac[6] = { 0x06, 0x77, 0, 0, 0, 0x02 };	/* the sender */
static const uint8_t gw_mac[6] = { 0x02, 0x77, 0, 0, 0, 0x02 };	/* its gateway */

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int pkt_ipv4_csum_ok(const uint8_t *frame)
{
	return fold(sum16(0, frame + 14, (size_t)(frame[14] & 0xf) * 4)) == 0 ? 0 : -1;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* L4 header + 8 bytes of payload; returns its length. */
static size_t l4_build(uint8_t *p, int proto, int v6)
{
	memset(p, 0, 28);
	switch (proto) {
	case IPPROTO_TCP:
		put16(p, 40000);
		put16(p + 2, 7);
		p[12] = 5 << 4;
		p[13] = 0x02;	/* SYN */
		put16(p + 14, 65535);
		memcpy(p + 20, "warren!!", 8);
		return 28;
	case IPPROTO_UDP:
		put16(p, 40000);
		put16(p + 2, 7);
		put16(p + 4, 16);
		memcpy(p + 8, "warren!!", 8);
		return 16;
	default:	/* echo request */
		p[0] = v6 ? 128 : 8;
		put16(p + 4, 0x77);
		put16(p + 6, 1);
		memcpy(p + 8, "warren!!", 8);
		return 16;
	}
}

/* Transport checksum over the pseudo-header. */
static void l4_csum(uint8_t *l4, size_t len, int proto, const uint8_t *src, const uint8_t *dst,
		    size_t alen)
{
	size_t off = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
	uint32_t sum = 0;

	if (alen == 16 || proto != IPPROTO_ICMP) {
		sum = sum16(sum16(0, src, alen), dst, alen);
		sum += (uint32_t)(alen == 16 && proto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : proto);
		sum += (uint32_t)len;
	}
	put16(l4 + off, fold(sum16(sum, l4, len)));
}

static size_t build_arp(uint8_t *b)
{
	static const uint8_t req[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 0x06, 0x77, 0, 0, 0, 2,
					 10, 210, 1, 2, 0, 0, 0, 0, 0, 0, 169, 254, 1, 1 };

	memset(b, 0xff, 6);
	memcpy(b + 6, wl_mac, 6);
	put16(b + 12, 0x0806);
	memcpy(b + 14, req, sizeof(req));
	return 14 + sizeof(req);
}

size_t pkt_build(uint8_t *b, const struct pkt_spec *s)
{
	uint8_t src[16], dst[16];
	uint8_t *ip = b + 14, *l4;
	size_t l4len, len;

	memset(b, 0, 256);
	if (s->flags & PKT_ARP)
		return build_arp(b);
	memcpy(b, gw_mac, 6);
	memcpy(b + 6, wl_mac, 6);
	inet_pton(s->family, s->src, src);
	inet_pton(s->family, s->dst, dst);

	if (s->family == AF_INET) {
		put16(b + 12, 0x0800);
		ip[0] = (s->flags & PKT_BAD_VER ? 0x50 : 0x40) | (s->flags & PKT_BAD_IHL ? 4 : 5);
		ip[8] = s->ttl;
		ip[9] = (uint8_t)s->proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		l4 = ip + 20;
		if (s->flags & PKT_FRAG) {
			/* Offset 1480 bytes, no more fragments: only payload bytes. */
			put16(ip + 6, 185);
			memcpy(l4, "fragment-payload", 16);
			l4len = 16;
		} else {
			l4len = l4_build(l4, s->proto, 0);
			l4_csum(l4, l4len, s->proto, src, dst, 4);
		}
		put16(ip + 2, (uint16_t)(20 + l4len));
		put16(ip + 10, fold(sum16(0, ip, 20)));
		len = 14 + 20 + l4len;
		return len;
	}

	put16(b + 12, 0x86dd);
	ip[0] = s->flags & PKT_BAD_VER ? 0x50 : 0x60;
	ip[7] = s->ttl;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	l4 = ip + 40;
	if (s->flags & PKT_LINKLOCAL_NS) {
		/* Neighbour solicitation for the gateway, to its solicited-node group. */
		static const uint8_t gw[16] = { 0xfe, 0x80, [15] = 1 };

		memset(l4, 0, 24);
		l4[0] = 135;
		memcpy(l4 + 8, gw, 16);
		l4len = 24;
		ip[6] = IPPROTO_ICMPV6;
		put16(ip + 4, (uint16_t)l4len);
		l4_csum(l4, l4len, IPPROTO_ICMP, src, dst, 16);
		return 14 + 40 + l4len;
	}
	{
		uint8_t next = (uint8_t)(s->proto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : s->proto);
		size_t ext = 0;

		if (s->flags & PKT_EXTHDR) {
			/* Hop-by-hop, 8 bytes: next header, length 0, PadN. */
			l4[0] = (s->flags & PKT_FRAG) ? IPPROTO_FRAGMENT : next;
			l4[2] = 1;
			l4[3] = 4;
			ip[6] = IPPROTO_HOPOPTS;
			ext += 8;
		}
		if (s->flags & PKT_FRAG) {
			uint8_t *fh = l4 + ext;

			fh[0] = next;
			put16(fh + 2, 185 << 3);	/* offset 1480, last fragment */
			fh[4] = 0x77;
			if (!(s->flags & PKT_EXTHDR))
				ip[6] = IPPROTO_FRAGMENT;
			ext += 8;
			memcpy(fh + 8, "fragment-payload", 16);
			l4len = 16;
		} else {
			if (!(s->flags & PKT_EXTHDR))
				ip[6] = next;
			l4len = l4_build(l4 + ext, s->proto, 1);
			l4_csum(l4 + ext, l4len, s->proto, src, dst, 16);
		}
		put16(ip + 4, (uint16_t)(ext + l4len));
		len = 14 + 40 + ext + l4len;
	}
	return len;
}
