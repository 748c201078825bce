// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dns/dns_wire.h"

#define OPT_LEN 11			/* root name, type, class, ttl, rdlength */
#define MAX_POINTERS 64			/* more than any honest name needs */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t dns_get_id(const uint8_t *pkt)
{
	return get16(pkt);
}

void dns_set_id(uint8_t *pkt, uint16_t id)
{
	put16(pkt, id);
}

uint8_t dns_get_rcode(const uint8_t *pkt)
{
	return pkt[3] & 0x0f;
}

static bool plain(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, char *out)
{
	size_t pos = *off, end = 0, wire = 0, o = 0;
	/* Pointers must go strictly backwards: below where this run of labels began. */
	size_t limit = *off;
	int labels = 0, jumps = 0;
	bool jumped = false;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EINVAL;
		l = pkt[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -EINVAL;
			target = (size_t)(l & 0x3f) << 8 | pkt[pos + 1];
			if (target >= limit || ++jumps > MAX_POINTERS)
				return -EINVAL;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = limit = target;
			continue;
		}
		if (l & 0xc0)		/* 01 and 10: extended label types, never in use */
			return -EINVAL;
		wire += 1u + l;
		if (wire > DNS_NAME_WIRE_MAX)
			return -EMSGSIZE;
		if (l == 0) {
			pos++;
			break;
		}
		if (pos + 1 + l > len)
			return -EINVAL;
		if (labels)
			out[o++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t c = pkt[pos + 1 + i];

			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c - 'A' + 'a');
			if (plain(c)) {
				out[o++] = (char)c;
			} else {
				snprintf(out + o, 5, "\\%03u", c);
				o += 4;
			}
		}
		labels++;
		pos += 1u + l;
	}
	out[o] = '\0';
	*off = jumped ? end : pos;
	return labels;
}

int dns_name_write(const char *name, uint8_t *out, size_t cap)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		if (l == 0 || l > DNS_LABEL_MAX)
			return -EINVAL;
		if (o + 1 + l + 1 > DNS_NAME_WIRE_MAX)
			return -EINVAL;
		if (o + 1 + l > cap)
			return -ENOSPC;
		out[o] = (uint8_t)l;
		memcpy(out + o + 1, name, l);
		o += 1 + l;
		name += l;
		if (dot) {
			name++;
			if (!*name)
				return -EINVAL;	/* "a." : no trailing dot in our names */
		}
	}
	if (o + 1 > cap)
		return -ENOSPC;
	out[o++] = 0;
	return (int)o;
}

/* One resource record of the additional section; picks up OPT. */
static int read_additional(const uint8_t *pkt, size_t len, size_t *off, struct dns_query *q)
{
	char name[DNS_NAME_STR_SIZE];
	size_t pos = *off;
	uint16_t type, rdlen;
	uint32_t ttl;
	int labels = dns_name_read(pkt, len, &pos, name);

	if (labels < 0 || pos + 10 > len)
		return DNS_RCODE_FORMERR;
	type = get16(pkt + pos);
	ttl = (uint32_t)get16(pkt + pos + 4) << 16 | get16(pkt + pos + 6);
	rdlen = get16(pkt + pos + 8);
	if (pos + 10 + rdlen > len)
		return DNS_RCODE_FORMERR;
	if (type == DNS_TYPE_OPT) {
		/* RFC 6891 6.1.1: one OPT, owned by the root. */
		if (q->edns || labels != 0)
			return DNS_RCODE_FORMERR;
		q->edns = true;
		q->edns_udp_size = get16(pkt + pos + 2);
		if (q->edns_udp_size < DNS_UDP_MIN)
			q->edns_udp_size = DNS_UDP_MIN;
		q->edns_version = (uint8_t)(ttl >> 16);
		q->edns_do = ttl & 0x8000;
	}
	*off = pos + 10 + rdlen;
	return 0;
}

int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	uint16_t qd, an, ns, ar;
	size_t off = DNS_HDR_LEN;
	int labels, ret;

	memset(q, 0, sizeof(*q));
	q->question_end = DNS_HDR_LEN;
	if (len < DNS_HDR_LEN)
		return DNS_PARSE_DROP;
	q->id = get16(pkt);
	q->flags = get16(pkt + 2);
	q->opcode = (q->flags >> 11) & 0x0f;
	if (q->flags & DNS_FLAG_QR)
		return DNS_PARSE_DROP;
	if (q->opcode != DNS_OPCODE_QUERY)
		return DNS_RCODE_NOTIMP;
	qd = get16(pkt + 4);
	an = get16(pkt + 6);
	ns = get16(pkt + 8);
	ar = get16(pkt + 10);
	if (qd != 1 || an || ns)
		return DNS_RCODE_FORMERR;
	labels = dns_name_read(pkt, len, &off, q->name);
	if (labels < 0 || off + 4 > len) {
		q->name[0] = '\0';
		return DNS_RCODE_FORMERR;
	}
	q->labels = (uint8_t)labels;
	q->qtype = get16(pkt + off);
	q->qclass = get16(pkt + off + 2);
	q->question_end = off + 4;
	q->has_question = true;
	off = q->question_end;
	for (uint16_t i = 0; i < ar; i++) {
		ret = read_additional(pkt, len, &off, q);
		if (ret)
			return ret;
	}
	if (off != len)
		return DNS_RCODE_FORMERR;	/* trailing bytes */
	if (q->edns && q->edns_version > 0)
		return DNS_RCODE_BADVERS;
	return 0;
}

int dns_msg_begin(struct dns_msg *m, uint8_t *buf, size_t bufsize, size_t cap,
		  const uint8_t *pkt, const struct dns_query *q, uint8_t rcode, bool aa)
{
	uint16_t flags = DNS_FLAG_QR | DNS_FLAG_RA | (rcode & 0x0f);
	size_t qlen = q->has_question ? q->question_end - DNS_HDR_LEN : 0;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->cap = cap < bufsize ? cap : bufsize;
	m->reserve = q->edns || rcode > 15 ? OPT_LEN : 0;
	if (DNS_HDR_LEN + qlen + m->reserve > m->cap)
		return -ENOSPC;
	flags |= (uint16_t)(q->opcode & 0x0f) << 11;
	flags |= q->flags & (DNS_FLAG_RD | DNS_FLAG_CD);
	if (aa)
		flags |= DNS_FLAG_AA;
	memset(buf, 0, DNS_HDR_LEN);
	put16(buf, q->id);
	put16(buf + 2, flags);
	if (qlen) {
		memcpy(buf + DNS_HDR_LEN, pkt + DNS_HDR_LEN, qlen);
		m->qd = 1;
	}
	m->len = DNS_HDR_LEN + qlen;
	return 0;
}

/* Room for n more bytes, else mark the answer truncated. */
static bool room(struct dns_msg *m, size_t n)
{
	if (m->len + n + m->reserve <= m->cap)
		return true;
	m->truncated = true;
	return false;
}

/* type, class IN, ttl, rdlength at p. */
static void rr_fixed(uint8_t *p, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	put16(p, type);
	put16(p + 2, DNS_CLASS_IN);
	put32(p + 4, ttl);
	put16(p + 8, rdlen);
}

int dns_msg_add_addr(struct dns_msg *m, uint16_t type, uint32_t ttl, const void *addr)
{
	uint16_t alen = type == DNS_TYPE_A ? 4 : 16;
	uint8_t *p;

	if ((type != DNS_TYPE_A && type != DNS_TYPE_AAAA) || !m->qd)
		return -EINVAL;
	if (!room(m, 2 + 10 + alen))
		return -ENOSPC;
	p = m->buf + m->len;
	put16(p, 0xc000 | DNS_HDR_LEN);	/* the question's name */
	rr_fixed(p + 2, type, ttl, alen);
	memcpy(p + 12, addr, alen);
	m->len += 12 + alen;
	m->an++;
	return 0;
}

int dns_msg_add_srv(struct dns_msg *m, uint32_t ttl, uint16_t priority, uint16_t weight,
		    uint16_t port, const char *target, size_t *target_off)
{
	uint8_t name[DNS_NAME_WIRE_MAX];
	int n = dns_name_write(target, name, sizeof(name));
	uint8_t *p;

	if (n <= 1 || !m->qd)
		return -EINVAL;
	if (!room(m, 2 + 10 + 6 + (size_t)n))
		return -ENOSPC;
	p = m->buf + m->len;
	put16(p, 0xc000 | DNS_HDR_LEN);	/* the question's name */
	rr_fixed(p + 2, DNS_TYPE_SRV, ttl, (uint16_t)(6 + n));
	put16(p + 12, priority);
	put16(p + 14, weight);
	put16(p + 16, port);
	memcpy(p + 18, name, (size_t)n);
	if (target_off)
		*target_off = m->len + 18;
	m->len += 18 + (size_t)n;
	m->an++;
	return 0;
}

int dns_msg_add_extra_addr(struct dns_msg *m, size_t owner_off, uint16_t type, uint32_t ttl,
			   const void *addr)
{
	uint16_t alen = type == DNS_TYPE_A ? 4 : 16;
	bool was = m->truncated;
	uint8_t *p;

	if ((type != DNS_TYPE_A && type != DNS_TYPE_AAAA) || owner_off < DNS_HDR_LEN ||
	    owner_off >= 0x4000 || owner_off >= m->len)
		return -EINVAL;
	if (!room(m, 2 + 10 + alen)) {
		m->truncated = was;
		return -ENOSPC;
	}
	p = m->buf + m->len;
	put16(p, (uint16_t)(0xc000 | owner_off));
	rr_fixed(p + 2, type, ttl, alen);
	memcpy(p + 12, addr, alen);
	m->len += 12 + alen;
	m->ar++;
	return 0;
}

/* A record owned by zone (written out), rdata from the caller. */
static int add_zone_rr(struct dns_msg *m, const char *zone, uint16_t type, uint32_t ttl,
		       const uint8_t *rdata, size_t rdlen)
{
	uint8_t owner[DNS_NAME_WIRE_MAX];
	int n = dns_name_write(zone, owner, sizeof(owner));
	uint8_t *p;

	if (n < 0)
		return -EINVAL;
	if (!room(m, (size_t)n + 10 + rdlen))
		return -ENOSPC;
	p = m->buf + m->len;
	memcpy(p, owner, (size_t)n);
	rr_fixed(p + n, type, ttl, (uint16_t)rdlen);
	memcpy(p + n + 10, rdata, rdlen);
	m->len += (size_t)n + 10 + rdlen;
	return 0;
}

/* "<label>.<zone>" in wire form into out; its length or -EINVAL. */
static int prefixed(const char *label, const char *zone, uint8_t *out, size_t cap)
{
	char name[DNS_NAME_WIRE_MAX + 64];

	if ((size_t)snprintf(name, sizeof(name), "%s%s%s", label, *zone ? "." : "", zone) >=
	    sizeof(name))
		return -EINVAL;
	return dns_name_write(name, out, cap);
}

int dns_msg_add_soa(struct dns_msg *m, bool authority, const char *zone, uint32_t ttl,
		    uint32_t serial, uint32_t minimum)
{
	uint8_t rdata[2 * DNS_NAME_WIRE_MAX + 20];
	int a, b, ret;

	a = prefixed("ns", zone, rdata, DNS_NAME_WIRE_MAX);
	if (a < 0)
		return -EINVAL;
	b = prefixed("hostmaster", zone, rdata + a, DNS_NAME_WIRE_MAX);
	if (b < 0)
		return -EINVAL;
	put32(rdata + a + b, serial);
	put32(rdata + a + b + 4, 3600);		/* refresh */
	put32(rdata + a + b + 8, 600);		/* retry */
	put32(rdata + a + b + 12, 86400);	/* expire */
	put32(rdata + a + b + 16, minimum);
	/* RFC 2308 3: a negative answer is cached for min(SOA TTL, MINIMUM). */
	if (authority && minimum < ttl)
		ttl = minimum;
	ret = add_zone_rr(m, zone, DNS_TYPE_SOA, ttl, rdata, (size_t)(a + b + 20));
	if (!ret) {
		if (authority)
			m->ns++;
		else
			m->an++;
	}
	return ret;
}

int dns_msg_add_ns(struct dns_msg *m, const char *zone, uint32_t ttl)
{
	uint8_t rdata[DNS_NAME_WIRE_MAX];
	int n = prefixed("ns", zone, rdata, sizeof(rdata)), ret;

	if (n < 0)
		return -EINVAL;
	ret = add_zone_rr(m, zone, DNS_TYPE_NS, ttl, rdata, (size_t)n);
	if (!ret)
		m->an++;
	return ret;
}

int dns_msg_add_opt(struct dns_msg *m, uint16_t udp_size, uint8_t rcode, bool do_bit)
{
	uint8_t *p;

	/* The space was reserved at begin; without a reservation it must still fit. */
	if (m->len + OPT_LEN > m->cap)
		return -ENOSPC;
	p = m->buf + m->len;
	p[0] = 0;				/* root */
	put16(p + 1, DNS_TYPE_OPT);
	put16(p + 3, udp_size);
	p[5] = (uint8_t)(rcode >> 4);		/* extended rcode */
	p[6] = 0;				/* version */
	put16(p + 7, do_bit ? 0x8000 : 0);
	put16(p + 9, 0);			/* no options */
	m->len += OPT_LEN;
	m->ar++;
	m->reserve = 0;
	return 0;
}

size_t dns_msg_finish(struct dns_msg *m)
{
	put16(m->buf + 4, m->qd);
	put16(m->buf + 6, m->an);
	put16(m->buf + 8, m->ns);
	put16(m->buf + 10, m->ar);
	if (m->truncated)
		m->buf[2] |= DNS_FLAG_TC >> 8;
	return m->len;
}
