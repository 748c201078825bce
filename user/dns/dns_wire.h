/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS wire format (RFC 1035, EDNS0 RFC 6891): parsing the queries the shim
 * receives and building the answers it sends. No sockets and no model
 * here: bytes in, bytes out, so every rule is unit tested and fuzzed
 * (selftests/fuzz/fuzz_dns_wire.c).
 *
 * The parser trusts nothing: every offset is bounds-checked, compression
 * pointers must point strictly backwards (so they cannot loop), names are
 * limited to 255 bytes on the wire and labels to 63.
 */
#ifndef WARREN_DNS_WIRE_H
#define WARREN_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN 12
#define DNS_NAME_WIRE_MAX 255		/* RFC 1035 2.3.4, on the wire */
#define DNS_LABEL_MAX 63
/* Presentation form: each wire byte may become "\DDD" (4 chars). */
#define DNS_NAME_STR_SIZE (DNS_NAME_WIRE_MAX * 4 + 1)
#define DNS_UDP_MIN 512			/* a client without EDNS0 takes this much */
#define DNS_MSG_MAX 65535		/* TCP, and the largest EDNS0 size honoured */

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16,		/* extended: needs an OPT record to say */
};

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_SRV = 33,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_ANY = 255,
};

#define DNS_CLASS_IN 1
#define DNS_OPCODE_QUERY 0

/* Header flag bits (host order of the 16-bit flags word). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010

/* dns_parse_query() result that means: send nothing back. */
#define DNS_PARSE_DROP (-1)

struct dns_query {
	uint16_t id;
	uint16_t flags;			/* the header's flags word, host order */
	uint8_t opcode;
	bool has_question;		/* name/qtype/qclass below are valid */
	/*
	 * The question name in presentation form: lower-cased, no trailing
	 * dot, "" for the root. Bytes outside [a-z0-9-_] (and '.' or '\'
	 * inside a label) are written as "\DDD", so such a name can never
	 * equal a name the shim serves.
	 */
	char name[DNS_NAME_STR_SIZE];
	uint8_t labels;			/* number of labels in name */
	uint16_t qtype, qclass;
	/*
	 * Offset just past the question in the packet; the question name
	 * starts at DNS_HDR_LEN, so answers can point to it (0xc00c).
	 * The bytes [DNS_HDR_LEN, question_end) are copied into answers
	 * verbatim, so the client sees its own spelling (0x20 case) back.
	 */
	size_t question_end;
	bool edns;			/* an OPT record was present */
	uint16_t edns_udp_size;		/* its payload size, raised to >= 512 */
	uint8_t edns_version;
	bool edns_do;			/* DNSSEC OK bit */
};

/*
 * Parse a query. Returns 0 for a well-formed standard query with one
 * question; DNS_PARSE_DROP when nothing should be answered (shorter than
 * a header, or QR set: a response must never be answered, which stops
 * reflection loops); or a positive rcode to answer with (FORMERR for a
 * malformed question or additional section, a question count other than
 * 1, trailing garbage or a second OPT; NOTIMP for an opcode other than
 * QUERY; BADVERS for EDNS version > 0). With a positive rcode, id, flags
 * and opcode are valid; has_question says whether the question is, and
 * edns/edns_udp_size whether an OPT was read before the fault.
 */
int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q);

/*
 * Decode the (possibly compressed) name at *off into presentation form
 * (as struct dns_query's name) and advance *off past it in the packet.
 * Returns the number of labels, or -EINVAL/-EMSGSIZE for a malformed or
 * oversize name. out must hold DNS_NAME_STR_SIZE bytes.
 */
int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, char *out);

/*
 * Write a presentation-form name ("a.b.c", "" for the root; no escapes)
 * in wire form, uncompressed. Returns the bytes written or -EINVAL for an
 * empty or oversize label, -ENOSPC if it does not fit in cap.
 */
int dns_name_write(const char *name, uint8_t *out, size_t cap);

/* An answer being built into a caller-provided buffer. */
struct dns_msg {
	uint8_t *buf;
	size_t cap;			/* the client's limit: 512, its EDNS0 size, or 65535 */
	size_t len;
	size_t reserve;			/* kept free for the OPT record added last */
	uint16_t qd, an, ns, ar;
	bool truncated;			/* a record did not fit: TC will be set */
};

/*
 * Start an answer to q, taken from the query packet pkt: id, opcode, RD
 * and CD copied, QR and RA set, AA as given, rcode's low 4 bits in the
 * header, and the question copied verbatim if q has one. cap is clamped
 * to the buffer size bufsize. When q->edns, room for an OPT record is
 * reserved so dns_msg_add_opt() always fits. Returns 0, or -ENOSPC if
 * even the header and question do not fit.
 */
int dns_msg_begin(struct dns_msg *m, uint8_t *buf, size_t bufsize, size_t cap,
		  const uint8_t *pkt, const struct dns_query *q, uint8_t rcode, bool aa);

/*
 * Append an A (len 4) or AAAA (len 16) record to the answer section, its
 * owner a pointer to the question name. -ENOSPC (and truncated set) when
 * it does not fit within cap.
 */
int dns_msg_add_addr(struct dns_msg *m, uint16_t type, uint32_t ttl, const void *addr);

/*
 * Append an SRV record (RFC 2782) to the answer section, its owner a
 * pointer to the question name, its target spelled out (never
 * compressed, as RFC 2782 asks). *target_off, if not NULL, gets the
 * target's offset in the message, for additional records to point to.
 * -ENOSPC (and truncated set) when it does not fit, -EINVAL for a bad name.
 */
int dns_msg_add_srv(struct dns_msg *m, uint32_t ttl, uint16_t priority, uint16_t weight,
		    uint16_t port, const char *target, size_t *target_off);

/*
 * Append an A or AAAA record to the additional section, owned by the
 * name at owner_off (a compression pointer: below 0x4000). Additional
 * data is optional: one that does not fit returns -ENOSPC without
 * setting TC (RFC 2181 9).
 */
int dns_msg_add_extra_addr(struct dns_msg *m, size_t owner_off, uint16_t type, uint32_t ttl,
			   const void *addr);

/*
 * Append the SOA of zone (presentation form) to the answer section
 * (authority == false) or the authority section (negative answers,
 * RFC 2308: the TTL is min(ttl, minimum)). mname is "ns.<zone>", rname
 * "hostmaster.<zone>". -ENOSPC/-EINVAL as above.
 */
int dns_msg_add_soa(struct dns_msg *m, bool authority, const char *zone, uint32_t ttl,
		    uint32_t serial, uint32_t minimum);

/*
 * Append an NS record for zone (pointing to "ns.<zone>") to the answer
 * section.
 */
int dns_msg_add_ns(struct dns_msg *m, const char *zone, uint32_t ttl);

/*
 * Append the OPT record (root owner, udp_size, extended rcode = rcode >> 4,
 * version 0, DO copied from do_bit). Uses the space dns_msg_begin reserved.
 */
int dns_msg_add_opt(struct dns_msg *m, uint16_t udp_size, uint8_t rcode, bool do_bit);

/* Write the section counts and TC; returns the message length. */
size_t dns_msg_finish(struct dns_msg *m);

/* Header accessors for relaying upstream answers. */
uint16_t dns_get_id(const uint8_t *pkt);
void dns_set_id(uint8_t *pkt, uint16_t id);
uint8_t dns_get_rcode(const uint8_t *pkt);

#endif
