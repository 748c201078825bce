// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Hand-built packets: spoof (forged sources over raw IP), short (truncated frames). */
#include "probe.h"

/* ------------------------------------------------------------------ spoof */

/* IPv4 header + UDP into pkt; returns the length, sum gets the pseudo-header. */
static size_t build_ip4(uint8_t *pkt, const struct sockaddr_in *src, const struct sockaddr_in *dst,
			size_t ulen, uint32_t *sum)
{
	struct iphdr *ip = (struct iphdr *)pkt;

	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src->sin_addr.s_addr;
	ip->daddr = dst->sin_addr.s_addr;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + ulen));
	ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));
	*sum = csum_add(0, &ip->saddr, 8) + IPPROTO_UDP + (uint32_t)ulen;
	return sizeof(*ip);
}

static size_t build_ip6(uint8_t *pkt, const struct sockaddr_in6 *src, const struct sockaddr_in6 *dst,
			size_t ulen, uint32_t *sum)
{
	pkt[0] = 0x60;
	put16(pkt + 4, (uint16_t)ulen);
	pkt[6] = IPPROTO_UDP;
	pkt[7] = 64;
	memcpy(pkt + 8, &src->sin6_addr, 16);
	memcpy(pkt + 24, &dst->sin6_addr, 16);
	*sum = csum_add(0, pkt + 8, 32) + IPPROTO_UDP + (uint32_t)ulen;
	return 40;
}

/*
 * A raw IPPROTO_RAW socket sends our header as written: the kernel routes
 * by the destination and never checks the source against the host's.
 */
int cmd_spoof(struct opts *o)
{
	static const char payload[] = "warren-spoof";
	const size_t ulen = sizeof(struct udphdr) + sizeof(payload) - 1;
	struct sockaddr_storage src, dst;
	socklen_t slen, dlen;
	uint8_t pkt[128] = { 0 };
	struct udphdr *udp;
	size_t hlen;
	uint32_t sum;
	int fd, on = 1, fam;

	if (!o->src || !o->dst) {
		fprintf(stderr, "warren-probe spoof: --src and --dst are required\n");
		return 2;
	}
	/* Port 0 in the socket address: raw sockets take it as a protocol. */
	if (parse_addr(o->src, 0, &src, &slen)) {
		fprintf(stderr, "warren-probe spoof: --src \"%s\" is not an IP address\n", o->src);
		return 2;
	}
	if (parse_addr(o->dst, 0, &dst, &dlen)) {
		fprintf(stderr, "warren-probe spoof: --dst \"%s\" is not an IP address\n", o->dst);
		return 2;
	}
	fam = dst.ss_family;
	if (src.ss_family != fam) {
		fprintf(stderr, "warren-probe spoof: --src %s and --dst %s are of different families\n",
			o->src, o->dst);
		return 2;
	}
	if (fam == AF_INET)
		hlen = build_ip4(pkt, (struct sockaddr_in *)&src, (struct sockaddr_in *)&dst, ulen, &sum);
	else
		hlen = build_ip6(pkt, (struct sockaddr_in6 *)&src, (struct sockaddr_in6 *)&dst, ulen, &sum);
	udp = (struct udphdr *)(pkt + hlen);
	udp->source = htons(40000);
	udp->dest = htons((uint16_t)o->port);
	udp->len = htons((uint16_t)ulen);
	memcpy(udp + 1, payload, sizeof(payload) - 1);
	/* 0 means "no checksum" in UDP (and is invalid over IPv6): send 0xffff. */
	udp->check = htons(csum_fold(csum_add(sum, udp, ulen)) ?: 0xffff);

	fd = socket(fam, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		perror("warren-probe spoof: raw socket");
		return 1;
	}
	/* Implied by IPPROTO_RAW; said anyway, and IPv6 only knows it since 4.5. */
	if (fam == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_HDRINCL, &on, sizeof(on));
	for (long i = 0; i < o->count; i++) {
		if (sendto(fd, pkt, hlen + ulen, 0, (struct sockaddr *)&dst, dlen) < 0) {
			fprintf(stderr, "warren-probe spoof: send to %s: %s\n", o->dst, strerror(errno));
			close(fd);
			return 1;
		}
	}
	close(fd);
	printf("sent %ld\n", o->count);
	return 0;
}

/* ------------------------------------------------------------------ short */

/*
 * Frames that claim IPv4 but end after 10 bytes, from a packet socket:
 * what a broken or hostile workload can put on its veth.
 */
int cmd_short(struct opts *o)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	uint8_t frame[14 + 10] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1,
				   0x08, 0x00, 0x45 };
	int fd;

	if (!o->dev || !(sll.sll_ifindex = (int)if_nametoindex(o->dev))) {
		fprintf(stderr, "warren-probe short: --dev wants an interface name%s%s\n",
			o->dev ? ", not " : "", o->dev ?: "");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("warren-probe short: packet socket");
		return 1;
	}
	for (long i = 0; i < o->count; i++) {
		if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			fprintf(stderr, "warren-probe short: send on %s: %s\n", o->dev, strerror(errno));
			close(fd);
			return 1;
		}
	}
	close(fd);
	printf("sent %ld\n", o->count);
	return 0;
}
