/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Crafting test packets: Ethernet + IPv4/IPv6 + TCP/UDP/ICMP, checksums right. */
#ifndef WARREN_TEST_PACKETS_H
#define WARREN_TEST_PACKETS_H

#include <stddef.h>
#include <stdint.h>

enum pkt_flags {
	PKT_FRAG = 1 << 0,	/* IPv4: non-first fragment, no L4 header; IPv6: fragment header */
	PKT_EXTHDR = 1 << 1,	/* IPv6: a hop-by-hop options header first */
	PKT_BAD_IHL = 1 << 2,	/* IPv4 ihl = 4 */
	PKT_BAD_VER = 1 << 3,	/* version 5 in the IP header */
	PKT_ARP = 1 << 4,	/* an ARP request instead of IP */
	PKT_LINKLOCAL_NS = 1 << 6, /* IPv6 neighbour solicitation, link-local source */
};

struct pkt_spec {
	int family;		/* AF_INET / AF_INET6 */
	int proto;		/* IPPROTO_TCP / UDP / ICMP (ICMPv6 for IPv6) */
	const char *src, *dst;
	uint8_t ttl;
	unsigned int flags;
};

/* Build into buf (>= 256 bytes); returns the length. */
size_t pkt_build(uint8_t *buf, const struct pkt_spec *s);
/* 0 when the IPv4 header checksum of the frame at buf verifies. */
int pkt_ipv4_csum_ok(const uint8_t *frame);

#endif
